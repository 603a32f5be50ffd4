/**
 * Notifications: the event feed (`GET /events?after=&limit=&types=`) and the
 * hub (`POST /hub {callback, query: {types?, bilaterals?}}` → the
 * subscription and its signing secret, shown once; `GET /hub`; `DELETE
 * /hub/:id`). A scoped credential sees, and subscribes to, its bilaterals only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { integer, object } from './params.ts';

/** A scoped credential's bilaterals; undefined for an unscoped one. */
function scopeOf(request: FastifyRequest): readonly string[] | undefined {
  return request.credential?.bilaterals ?? undefined;
}

export function notificationRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{ Querystring: { after?: string; limit?: string; types?: string } }>(
    '/events',
    guard('events.read'),
    async (request) => {
      const scope = scopeOf(request);
      const after = integer(request.query.after, 'after');
      const limit = integer(request.query.limit, 'limit', 1000);
      const types = request.query.types?.split(',');
      return node.notifications.feed({
        ...(after === undefined ? {} : { after }),
        ...(limit === undefined ? {} : { limit: Math.max(1, limit) }),
        ...(types === undefined ? {} : { types }),
        ...(scope === undefined ? {} : { bilaterals: scope }),
      });
    },
  );

  app.get('/hub', guard('events.read'), async (request) =>
    node.notifications.subscriptions(scopeOf(request)),
  );

  app.post('/hub', guard('events.manage', 'hub.subscribe'), async (request, reply) => {
    const body = object(request.body, 'body');
    const scope = scopeOf(request);
    const created = await node.notifications.subscribe({
      callback: body.callback,
      query: body.query,
      createdBy: request.credential!.id,
      ...(scope === undefined ? {} : { scope }),
    });
    return reply.status(201).send({ ...created.subscription, secret: created.secret });
  });

  app.delete<{ Params: { id: string } }>(
    '/hub/:id',
    guard('events.manage', 'hub.unsubscribe'),
    async (request) => {
      await node.notifications.unsubscribe(request.params.id, scopeOf(request));
      return { id: request.params.id, deleted: true };
    },
  );
}
