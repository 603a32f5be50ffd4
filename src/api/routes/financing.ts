/**
 * Financing: the Seller's finance team makes the package of an accepted
 * invoice for a financier (`POST /bilaterals/:id/financing/packages`
 * `{ period, asOf? }`: it checkpoints and anchors the record first, hence a
 * POST), and sees what the chain holds for an invoice's pledge key.
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, object, period } from './params.ts';

export function financingRoutes(app: FastifyInstance, node: PartyNode): void {
  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/financing/packages',
    guard('pledges.manage'),
    async (request, reply) => {
      const body = object(request.body, 'body');
      const asOf = body.asOf === undefined ? undefined : node.financing.day(body.asOf);
      const made = await node.financing.package(request.params.id, period(body.period), asOf);
      return reply.status(201).send(made);
    },
  );
}
