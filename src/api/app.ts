/**
 * The node's HTTP face: the REST API its own ERP and staff use, and the peer
 * protocol its counterparts' nodes use. Bodies are JSON; the raw text of each
 * body is kept because peer requests are signed over it.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { PartyNode } from '../node/index.ts';
import { toHttpError } from './errors.ts';
import { bilateralRoutes } from './routes/bilaterals.ts';
import { peerRoutes } from './routes/peer.ts';
import { reconciliationRoutes } from './routes/reconciliation.ts';
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
}

export function buildApp(node: PartyNode, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 32 * 1024 * 1024 });

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    request.rawBody = text;
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = toHttpError(error);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` });
  });

  app.get('/health', async () => ({ status: 'ok', party: node.party }));
  bilateralRoutes(app, node);
  peerRoutes(app, node);
  usageRoutes(app, node);
  reconciliationRoutes(app, node);
  return app;
}
