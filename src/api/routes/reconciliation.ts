/**
 * Usage reconciliation over HTTP:
 * `GET /bilaterals/:id/reconciliation?period=YYYY-MM&service=S1[&limit=N]`
 * fetches and checks the counterparty's batches of the period, then
 * classifies every record of both sides (see node/usage/reconciliation.ts).
 */
import type { FastifyInstance } from 'fastify';
import { NodeError, type PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, integer, period } from './params.ts';

export function reconciliationRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{ Params: IdParams; Querystring: { period?: string; service?: string; limit?: string } }>(
    '/bilaterals/:id/reconciliation',
    guard('bilaterals.read'),
    async (request) => {
      const { service } = request.query;
      if (service === undefined || service === '')
        throw new NodeError('BAD_REQUEST', 'service: expected a service id');
      return node.usage.reconcile(request.params.id, period(request.query.period), service, {
        limit: integer(request.query.limit, 'limit', 100_000) ?? 1000,
      });
    },
  );
}
