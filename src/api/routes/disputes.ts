/**
 * Disputes over facts: a party's own systems tell the node what they saw
 * (`POST /bilaterals/:id/observations {source, facts}`, a snapshot per
 * source), the node raises disputes for differences by itself; both parties
 * list them (`GET …/disputes`) and the party they were raised with accepts
 * (its node records the correction) or rejects them with a reason.
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, object } from './params.ts';

type DisputeParams = IdParams & { author: string; seq: string };

export function disputeRoutes(app: FastifyInstance, node: PartyNode): void {
  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/observations',
    guard('facts.record', 'observations.record'),
    async (request) => {
      const body = object(request.body, 'body');
      const raised = await node.disputes.observe(request.params.id, body.source, body.facts);
      return { raised };
    },
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/disputes', guard('bilaterals.read'), async (request) =>
    node.disputes.list(request.params.id),
  );

  app.post<{ Params: DisputeParams }>(
    '/bilaterals/:id/disputes/:author/:seq/accept',
    guard('settlement.manage', 'disputes.accept'),
    async (request) =>
      node.disputes.accept(request.params.id, `${request.params.author}/${request.params.seq}`),
  );

  app.post<{ Params: DisputeParams }>(
    '/bilaterals/:id/disputes/:author/:seq/reject',
    guard('settlement.manage', 'disputes.reject'),
    async (request) => {
      const body = object(request.body, 'body');
      return node.disputes.reject(
        request.params.id,
        `${request.params.author}/${request.params.seq}`,
        body.reason,
      );
    },
  );
}
