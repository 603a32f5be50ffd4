/**
 * REST for the party's own systems: create bilaterals, read them, their
 * signed entries and the evidence of what was refused, and catch up now.
 */
import type { FastifyInstance } from 'fastify';
import { NodeError, type PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, integer, object } from './params.ts';

export function bilateralRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get('/party', guard('any'), async () => ({ ...node.identity(), rotations: node.keys.rotations }));

  /**
   * Rotates the party's signing key: the old key signs the new one, the
   * statement goes into every bilateral (a `party.key` entry) and onto the
   * chain's party registry; earlier entries keep verifying.
   */
  app.post('/party/rotate-key', guard('keys.rotate', 'keys.rotate'), async () => node.keys.rotate());

  /**
   * Seller: propose terms to the Buyer named in them, at its directory
   * endpoint (`peer`, when given, must be that endpoint). 201 with the agreed
   * bilateral, or 202 `{status: 'pending', id}` while the Buyer's operator decides.
   */
  app.post('/bilaterals', guard('bilaterals.propose', 'bilaterals.propose'), async (request, reply) => {
    const body = object(request.body, 'body');
    if (body.peer !== undefined && typeof body.peer !== 'string')
      throw new NodeError('BAD_REQUEST', 'peer: expected the buyer node URL');
    const proposed = await node.bilaterals.propose(body.terms, body.peer as string | undefined);
    if (proposed.status === 'pending') return reply.status(202).send(proposed);
    return reply.status(201).send(proposed.record);
  });

  app.get('/bilaterals', guard('bilaterals.read'), async (request) =>
    (await node.bilaterals.list()).filter((b) => node.access.inScope(request.credential!, b.id)),
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id', guard('bilaterals.read'), async (request) => {
    const record = await node.bilaterals.get(request.params.id);
    return { ...record, heads: await node.bilaterals.heads(request.params.id) };
  });

  app.get<{ Params: IdParams; Querystring: { author?: string; from?: string; limit?: string } }>(
    '/bilaterals/:id/entries',
    guard('bilaterals.read'),
    async (request) => {
      const { author, from, limit } = request.query;
      const fromSeq = integer(from, 'from');
      const max = integer(limit, 'limit');
      const entries = await node.bilaterals.entries(request.params.id, {
        ...(author === undefined ? {} : { author }),
        ...(fromSeq === undefined ? {} : { fromSeq }),
        ...(max === undefined ? {} : { limit: max }),
      });
      return entries.map((e) => ({ hash: e.hash, ...e.signed }));
    },
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/evidence', guard('bilaterals.read'), async (request) =>
    node.bilaterals.evidence(request.params.id),
  );

  app.post<{ Params: IdParams }>('/bilaterals/:id/sync', guard('sync', 'sync'), async (request) => {
    await node.bilaterals.get(request.params.id);
    await node.replication.sync(request.params.id);
    return node.bilaterals.heads(request.params.id);
  });
}
