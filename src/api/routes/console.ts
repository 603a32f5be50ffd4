/**
 * The web console (docs/console.md): its three static files, public (the
 * data behind them needs a credential); `GET /whoami`, telling a credential
 * its role and permissions so the console shows only what the role may see
 * and do; and `GET /events/stream`, the event feed as server-sent events.
 *
 * The console is bundled from its TypeScript source by esbuild the first
 * time it is asked for, and kept in memory (src/console/build.ts).
 *
 * The stream polls the feed (the same query as `GET /events`) every
 * `STREAM_POLL_MS`, and ends when the client goes away, when the app
 * closes, or — with `follow=false` — once it has sent what there is.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { consoleFiles } from '../../console/build.ts';
import { NodeError, nodePermissions, type PartyNode, permissionsOf } from '../../node/index.ts';
import { guard } from '../access.ts';
import { integer } from './params.ts';

const STREAM_POLL_MS = 500;
const HEARTBEAT_MS = 15_000;

function scopeOf(request: FastifyRequest): readonly string[] | undefined {
  return request.credential?.bilaterals ?? undefined;
}

export function consoleRoutes(app: FastifyInstance, node: PartyNode): void {
  const security = {
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
  app.get('/console', guard('public'), async (_request, reply) =>
    reply
      .headers(security)
      .type('text/html; charset=utf-8')
      .send((await consoleFiles()).html),
  );
  app.get('/console/app.js', guard('public'), async (_request, reply) =>
    reply
      .headers(security)
      .type('text/javascript; charset=utf-8')
      .send((await consoleFiles()).js),
  );
  app.get('/console/console.css', guard('public'), async (_request, reply) =>
    reply
      .headers(security)
      .type('text/css; charset=utf-8')
      .send((await consoleFiles()).css),
  );

  app.get('/whoami', guard('any'), async (request) => {
    const credential = request.credential!;
    const scoped = credential.bilaterals !== null;
    return {
      party: node.party,
      credential: { id: credential.id, name: credential.name, role: credential.role },
      bilaterals: credential.bilaterals,
      financier: credential.party,
      expiresAt: credential.expiresAt,
      // What authorize() would grant: a scoped credential never holds the node-wide permissions.
      permissions: permissionsOf(credential.role).filter((p) => !scoped || !nodePermissions.has(p)),
    };
  });

  let closing = false;
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    closing = true;
    for (const end of [...open]) end();
  });

  app.get<{ Querystring: { after?: string; types?: string; follow?: string } }>(
    '/events/stream',
    guard('events.read'),
    async (request, reply) => {
      const scope = scopeOf(request);
      const lastId = request.headers['last-event-id'];
      // `after=latest`: only what happens from now on.
      const latest = request.query.after === 'latest';
      let after =
        (latest ? undefined : integer(request.query.after, 'after')) ??
        integer(typeof lastId === 'string' ? lastId : undefined, 'Last-Event-ID') ??
        0;
      const types = request.query.types?.split(',');
      const follow = request.query.follow ?? 'true';
      if (follow !== 'true' && follow !== 'false') {
        throw new NodeError('BAD_REQUEST', 'follow: expected true or false');
      }
      const query = {
        ...(types === undefined ? {} : { types }),
        ...(scope === undefined ? {} : { bilaterals: scope }),
      };
      // Checked before the stream starts, so a bad type is a plain 400.
      await node.notifications.feed({ ...query, after, limit: 1 });
      for (
        let page = await node.notifications.feed({ ...query, after, limit: 1000 });
        latest && page.length > 0;
      ) {
        after = page[page.length - 1]!.seq;
        page = await node.notifications.feed({ ...query, after, limit: 1000 });
      }

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(': stream of the event feed\nretry: 2000\n\n');
      let ended = false;
      let timer: NodeJS.Timeout | undefined;
      let lastWrite = Date.now();
      const end = () => {
        if (ended) return;
        ended = true;
        if (timer !== undefined) clearTimeout(timer);
        open.delete(end);
        raw.end();
      };
      open.add(end);
      request.raw.on('close', end);
      raw.on('close', end);
      const pump = async () => {
        timer = undefined;
        if (ended || closing) return end();
        try {
          for (;;) {
            const events = await node.notifications.feed({ ...query, after, limit: 200 });
            if (ended) return;
            for (const event of events) {
              raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
              after = event.seq;
              lastWrite = Date.now();
            }
            if (events.length < 200) break;
          }
          if (follow === 'false') return end();
          if (Date.now() - lastWrite > HEARTBEAT_MS) {
            raw.write(': still here\n\n');
            lastWrite = Date.now();
          }
        } catch (error) {
          node.core.log(`event stream ended: ${error instanceof Error ? error.message : String(error)}`);
          return end();
        }
        if (!ended) {
          timer = setTimeout(() => void pump(), STREAM_POLL_MS);
          // A waiting stream never keeps the process alive.
          timer.unref();
        }
      };
      await pump();
    },
  );
}
