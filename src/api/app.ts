/**
 * The node's two HTTP faces, each its own fastify app on its own listener:
 *
 * - the owner API: the REST API the party's own ERP, OSS and staff use
 *   (private: loopback by default), every request with a credential (access.ts);
 * - the peer API: the signed protocol its counterparts' nodes use (public).
 *
 * Why two apps, not one app on two ports: a route registered on one simply
 * does not exist on the other, so reaching the public port can never reach
 * an owner route, whatever a route's own checks do. Bodies are JSON; the raw
 * text of each body is kept because peer requests are signed over it.
 */
import type { ServerOptions as HttpsOptions } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import { NodeError, type PartyNode, ValidationError } from '../node/index.ts';
import { accessControl, guard } from './access.ts';
import { collectRoutes, type DocumentedRoute, docsRoutes } from './docs/openapi.ts';
import { errorCatalogue, PROBLEM_CONTENT_TYPE, problem, toHttpError } from './errors.ts';
import { bilateralRoutes } from './routes/bilaterals.ts';
import { checkpointRoutes } from './routes/checkpoints.ts';
import { consoleRoutes } from './routes/console.ts';
import { credentialRoutes } from './routes/credentials.ts';
import { directoryRoutes } from './routes/directory.ts';
import { disputeRoutes } from './routes/disputes.ts';
import { documentRoutes } from './routes/documents.ts';
import { factRoutes } from './routes/facts.ts';
import { financingRoutes } from './routes/financing.ts';
import { invoiceRoutes } from './routes/invoices.ts';
import { nettingPeerRoutes, nettingRoutes } from './routes/netting.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { paymentRoutes } from './routes/payments.ts';
import { peerRoutes } from './routes/peer.ts';
import { proofRoutes } from './routes/proofs.ts';
import { reconciliationRoutes } from './routes/reconciliation.ts';
import { resourcePeerRoutes, resourceRoutes } from './routes/resources.ts';
import { sonataBillingRoutes } from './routes/sonata/billing.ts';
import { sonataHubRoutes } from './routes/sonata/hubs.ts';
import { sonataOrderingRoutes } from './routes/sonata/ordering.ts';
import { statementRoutes } from './routes/statements.ts';
import { usageRoutes } from './routes/usage.ts';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export interface AppOptions {
  readonly logger?: boolean;
  /** Largest accepted body in bytes (peer batches of entries can be large). */
  readonly bodyLimit?: number;
  /** Serve HTTPS with this key and certificate. */
  readonly https?: Pick<HttpsOptions, 'key' | 'cert'>;
}

function baseApp(node: PartyNode, options: AppOptions): { app: FastifyInstance; routes: DocumentedRoute[] } {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 32 * 1024 * 1024,
    // On close, connections still busy (a large upload) are cut rather than waited for: SIGTERM ends a node promptly.
    forceCloseConnections: true,
    ...(options.https === undefined ? {} : { https: options.https }),
  }) as unknown as FastifyInstance;
  // Every route is collected as it is registered, for the OpenAPI document (docs/openapi.ts).
  const routes = collectRoutes(app);

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // An encoded body would be read as text and refused as "not JSON": name the real reason.
    const encoding = String(request.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase();
    if (encoding !== 'identity' && encoding !== '') {
      const refusal = `content-encoding: ${encoding} is not accepted for a JSON body; send it unencoded (the usage import takes a gzip file as its body)`;
      return done(new NodeError('BODY_ENCODING_UNSUPPORTED', refusal), undefined);
    }
    const text = typeof body === 'string' ? body : body.toString('utf8');
    request.rawBody = text;
    if (text === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
    // Every check below walks documents recursively: a body nested deeper than any
    // document of ours is refused here, before anything could overflow the stack.
    if (deeperThan(parsed, MAX_DEPTH)) {
      const error = new ValidationError('BODY_TOO_DEEP', [
        { path: '', rule: `expected JSON nested at most ${MAX_DEPTH} levels deep` },
      ]);
      return done(error, undefined);
    }
    done(null, parsed);
  });

  // A query parameter given twice arrives as an array, which no route reads: refuse it by name.
  app.addHook('onRequest', async (request) => {
    for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      if (Array.isArray(value)) throw new NodeError('BAD_REQUEST', `${name}: given more than once`);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    // The caller learns nothing of it; the operator does.
    if (status >= 500) {
      node.core.log(
        `internal error on ${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}`,
      );
    }
    void reply
      .status(status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem(status, body, request.url));
  });
  app.setNotFoundHandler((request, reply) => {
    const body = { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` };
    void reply
      .status(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem(404, body, request.url));
  });
  app.get('/health', guard('public'), async () => ({ status: 'ok', party: node.party }));
  return { app, routes };
}

const VERSION = '0.1.0';

/** The owner API: what the party's own systems call. */
export function buildOwnerApp(node: PartyNode, options: AppOptions = {}): FastifyInstance {
  const { app, routes } = baseApp(node, options);
  accessControl(app, node);
  bilateralRoutes(app, node);
  factRoutes(app, node);
  usageRoutes(app, node);
  reconciliationRoutes(app, node);
  invoiceRoutes(app, node);
  checkpointRoutes(app, node);
  proofRoutes(app, node);
  statementRoutes(app, node);
  documentRoutes(app, node);
  paymentRoutes(app, node);
  nettingRoutes(app, node);
  resourceRoutes(app, node);
  financingRoutes(app, node);
  notificationRoutes(app, node);
  disputeRoutes(app, node);
  directoryRoutes(app, node);
  credentialRoutes(app, node);
  consoleRoutes(app, node);
  sonataOrderingRoutes(app, node);
  sonataBillingRoutes(app, node);
  sonataHubRoutes(app, node);
  docsRoutes(
    app,
    routes,
    {
      title: `Smart Bilaterals owner API — ${node.party}`,
      description: "The REST API a party's own ERP, OSS and staff use (docs/api.md).",
      version: VERSION,
    },
    errorCatalogue,
  );
  return app;
}

/** The peer API: what counterparties' nodes call, every request signed. */
export function buildPeerApp(node: PartyNode, options: AppOptions = {}): FastifyInstance {
  const { app, routes } = baseApp(node, options);
  peerRoutes(app, node);
  nettingPeerRoutes(app, node);
  resourcePeerRoutes(app, node);
  docsRoutes(
    app,
    routes,
    {
      title: `Smart Bilaterals peer protocol — ${node.party}`,
      description:
        "What counterparties' nodes call; every request is signed by the calling node (docs/api.md).",
      version: VERSION,
    },
    errorCatalogue,
  );
  return app;
}

/** Deepest JSON nesting a request body may have (terms, invoices and entries use about ten). */
export const MAX_DEPTH = 64;

/** Whether `value` nests arrays or objects more than `max` levels deep (iterative: no recursion to overflow). */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}
