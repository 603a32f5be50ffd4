/**
 * A self-contained proof of one entry (`?entry=author/seq`), a period's
 * invoice (`?invoice=YYYY-MM`) or one usage record (`?usage=ID[&author=PARTY]`,
 * default the Seller's).
 */
import type { FastifyInstance } from 'fastify';
import { NodeError, type PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, period } from './params.ts';

export function proofRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{
    Params: IdParams;
    Querystring: { entry?: string; invoice?: string; usage?: string; author?: string };
  }>('/bilaterals/:id/proof', guard('proofs.read'), async (request) => {
    const { entry, invoice, usage, author } = request.query;
    const id = request.params.id;
    if (invoice !== undefined) return node.proofs.proof(id, { invoice: period(invoice, 'invoice') });
    if (usage !== undefined) {
      const by = author ?? (await node.bilaterals.get(id)).agreement.genesis.seller.id;
      return node.proofs.proof(id, { usage: { author: by, id: usage } });
    }
    const match = /^(.+)\/(\d{1,15})$/.exec(entry ?? '');
    if (match === null) throw new NodeError('BAD_REQUEST', 'expected ?entry=AUTHOR/SEQ or ?invoice=YYYY-MM');
    return node.proofs.proof(id, { entry: { author: match[1]!, seq: Number(match[2]) } });
  });

  // Checks any proof (pasted or downloaded) as `sb verify` does, plus the node's chain when it has one.
  app.post('/proofs/verify', guard('proofs.read'), async (request) => node.proofs.verify(request.body));
}
