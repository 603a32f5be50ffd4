/**
 * Bilateral netting with a counterparty (`GET /netting/:party?asOf=`), and
 * the account statement as of a day (`?asOf=YYYY-MM-DD`, default today in
 * the billing zone; TERMS.md §6). Payments are facts: the Buyer records one
 * through `POST /bilaterals/:id/facts` (with the finance permission too).
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import type { IdParams } from './params.ts';

export function statementRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{ Params: { party: string }; Querystring: { asOf?: string } }>(
    '/netting/:party',
    guard('invoices.read'),
    async (request) => {
      const scope = request.credential?.bilaterals ?? null;
      return node.netting.position(
        request.params.party,
        request.query.asOf,
        (id) => scope === null || scope.includes(id),
      );
    },
  );

  app.get<{ Params: IdParams; Querystring: { asOf?: string } }>(
    '/bilaterals/:id/statement',
    guard('invoices.read'),
    async (request) => node.statements.statement(request.params.id, request.query.asOf),
  );
}
