/**
 * Sonata hubs (`POST hub`, `GET hub/{id}`, `DELETE hub/{id}`) of Product
 * Ordering, Trouble Ticket & Incident and Customer Bill Management, and the
 * incident routes (docs/sonata.md). A scoped credential subscribes within
 * its bilaterals only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type PartyNode, SONATA_HUBS, type SonataApi } from '../../../node/index.ts';
import { guard } from '../../access.ts';
import { send, sonataScope } from './common.ts';

const TROUBLE = '/bilaterals/:id/mefApi/sonata/troubleTicket/v4';

type Params = { id: string; hub?: string; incident?: string };

function scopeOf(request: FastifyRequest): readonly string[] | undefined {
  return request.credential?.bilaterals ?? undefined;
}

export function sonataHubRoutes(app: FastifyInstance, node: PartyNode): void {
  sonataScope(app, node, (scope) => {
    for (const api of Object.keys(SONATA_HUBS) as SonataApi[]) {
      const base = `/bilaterals/:id/${SONATA_HUBS[api].base}`;
      scope.post<{ Params: Params }>(
        `${base}/hub`,
        guard('events.manage', 'hub.subscribe'),
        async (request, reply) => {
          const s = scopeOf(request);
          const created = await node.sonataHub.register(request.params.id, api, request.body, {
            createdBy: request.credential!.id,
            ...(s === undefined ? {} : { scope: s }),
          });
          return send(reply, 201, created);
        },
      );
      scope.get<{ Params: Params }>(`${base}/hub/:hub`, guard('events.read'), async (request, reply) =>
        send(
          reply,
          200,
          await node.sonataHub.get(request.params.id, api, request.params.hub!, scopeOf(request)),
        ),
      );
      scope.delete<{ Params: Params }>(
        `${base}/hub/:hub`,
        guard('events.manage', 'hub.unsubscribe'),
        async (request, reply) => {
          await node.sonataHub.remove(request.params.id, api, request.params.hub!, scopeOf(request));
          return reply.status(204).send();
        },
      );
    }
    // Not in the spec (the Seller's monitoring creates incidents): a closed incident becomes an outage fact.
    scope.post<{ Params: Params }>(`${TROUBLE}/incident`, guard('facts.record'), async (request, reply) =>
      send(reply, 201, await node.sonata.createIncident(request.params.id, request.body)),
    );
    scope.get<{ Params: Params }>(
      `${TROUBLE}/incident/:incident`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, await node.sonata.incident(request.params.id, request.params.incident!)),
    );
  });
}
