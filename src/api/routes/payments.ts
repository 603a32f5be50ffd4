/**
 * Payments as the Seller sees them arrive. The Buyer records a payment as a
 * fact (`POST /bilaterals/:id/facts`); both parties list them here with the
 * Seller's word on each, and the Seller marks one received or missing (a
 * payment marked missing is set aside by the statement until it is marked
 * received).
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, object } from './params.ts';

type PaymentParams = IdParams & { payment: string };

export function paymentRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{ Params: IdParams }>('/bilaterals/:id/payments', guard('invoices.read'), async (request) =>
    node.payments.list(request.params.id),
  );

  app.post<{ Params: PaymentParams }>(
    '/bilaterals/:id/payments/:payment/received',
    guard('settlement.manage', 'payments.received'),
    async (request) => node.payments.mark(request.params.id, request.params.payment, 'received'),
  );

  app.post<{ Params: PaymentParams }>(
    '/bilaterals/:id/payments/:payment/missing',
    guard('settlement.manage', 'payments.missing'),
    async (request) => {
      const body = object(request.body, 'body');
      return node.payments.mark(request.params.id, request.params.payment, 'missing', body.reason);
    },
  );
}
