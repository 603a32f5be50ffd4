/**
 * Invoices: preview a period, issue it (Seller), list issued invoices with
 * the Buyer's answers; credit and debit notes: list them, and (Seller) issue
 * now those due (answers the notes issued, none when nothing changed).
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, object, period } from './params.ts';

export function invoiceRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{ Params: IdParams & { period: string } }>(
    '/bilaterals/:id/invoices/:period/preview',
    guard('invoices.read'),
    async (request) => node.invoices.compute(request.params.id, period(request.params.period)),
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/invoices', guard('invoices.read'), async (request) =>
    node.invoices.list(request.params.id),
  );

  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/invoices',
    guard('invoices.issue', 'invoices.issue'),
    async (request, reply) => {
      const body = object(request.body, 'body');
      const { invoice, push } = await node.invoices.issue(request.params.id, period(body.period));
      return reply.status(201).send({ ...invoice, replicated: push.replicated });
    },
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/notes', guard('invoices.read'), async (request) =>
    node.notes.list(request.params.id),
  );

  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/notes',
    guard('invoices.issue', 'notes.issue'),
    async (request) => ({ issued: await node.notes.issueDue(request.params.id) }),
  );
}
