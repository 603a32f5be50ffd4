/**
 * Access control of the owner API. Every route declares what it needs —
 * a permission (`guard('facts.record')`), `any` credential, or `public` —
 * and the hook below refuses a request without a valid credential
 * (`Authorization: Bearer <token>`), with a role lacking the permission, or
 * about a bilateral outside a scoped credential's scope (answered as an
 * unknown bilateral). A route that declares nothing is refused: new routes
 * are closed until someone decides who may call them.
 *
 * Routes that change something also name an audit action: after the answer
 * is sent, the audit log gets who (the credential), when, what (method,
 * path, action, bilateral) and what resulted (the entries, ids and statuses
 * of the answer — never a token), or the refusal and its code.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialRecord, PartyNode, Permission } from '../node/index.ts';

export type Need = Permission | 'any' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    need?: Need;
    /** The audit action of a route that changes something, e.g. `facts.record`. */
    audit?: string;
  }
  interface FastifyRequest {
    credential?: CredentialRecord;
  }
}

/** Route options declaring what a route needs, and its audit action when it changes something. */
export function guard(need: Need, audit?: string): { config: { need: Need; audit?: string } } {
  return { config: { need, ...(audit === undefined ? {} : { audit }) } };
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? header;
}

export function accessControl(app: FastifyInstance, node: PartyNode): void {
  app.addHook('onRequest', async (request) => {
    const need = request.routeOptions.config.need;
    if (need === 'public' || request.is404) return;
    request.credential = await node.access.authenticate(bearer(request));
    if (need === undefined) {
      throw Object.assign(new Error(`route ${request.routeOptions.url} declares no permission`), {
        statusCode: 403,
      });
    }
    if (need === 'any') return;
    const params = request.params as { id?: unknown } | undefined;
    const id = typeof params?.id === 'string' ? params.id : undefined;
    node.access.authorize(request.credential, need, id);
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const action = request.routeOptions.config.audit;
    if (action === undefined || request.credential === undefined) return payload;
    const params = request.params as { id?: unknown } | undefined;
    const failed = reply.statusCode >= 400;
    const answer = parse(payload);
    // Written in the background, a burst's records together; reads of the log wait for them.
    void node.access
      .audit({
        actor: request.credential.id,
        action,
        bilateral: typeof params?.id === 'string' ? params.id : null,
        request: { method: request.method, path: request.url },
        result: failed ? null : summary(answer),
        outcome: failed ? 'refused' : 'ok',
        code: failed ? String((answer as { code?: unknown } | undefined)?.code ?? reply.statusCode) : null,
      })
      .catch((error: unknown) => request.log.error({ error }, 'audit record not written'));
    return payload;
  });
}

function parse(payload: unknown): unknown {
  if (typeof payload !== 'string') return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

const KEPT = [
  'id',
  'hash',
  'ref',
  'seq',
  'author',
  'period',
  'status',
  'role',
  'name',
  'party',
  'refs',
  'accepted',
  'batches',
  'replicated',
];

/** What an answer says resulted: ids, entry references and statuses — never a token or a document. */
function summary(answer: unknown): unknown {
  if (answer === null || typeof answer !== 'object') return null;
  const o = answer as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of KEPT) if (key in o && typeof o[key] !== 'object') out[key] = o[key];
  if (Array.isArray(o.refs)) out.refs = o.refs.slice(0, 1000);
  const ref = (e: unknown) => {
    const x = e as {
      author?: unknown;
      seq?: unknown;
      hash?: unknown;
      entry?: { author?: unknown; seq?: unknown };
    };
    return { author: x.author ?? x.entry?.author, seq: x.seq ?? x.entry?.seq, hash: x.hash };
  };
  if (Array.isArray(o.entries)) out.entries = o.entries.slice(0, 1000).map(ref);
  if (o.entry !== null && typeof o.entry === 'object') out.entry = ref(o.entry);
  if (o.credential !== null && typeof o.credential === 'object') out.credential = summary(o.credential);
  if (o.checkpoint !== null && typeof o.checkpoint === 'object')
    out.checkpoint = { heads: (o.checkpoint as { checkpoint?: { heads?: unknown } }).checkpoint?.heads };
  return out;
}
