/**
 * Recording facts: one fact (an object: a `fact` entry, or — when other
 * single facts arrive at the same time — a share of one `facts` entry;
 * `ref` names it), or many at once (an array: all valid or none recorded, in
 * `facts` entries of up to 1,000; `refs` names each fact as `author/seq#i`,
 * in request order).
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import type { IdParams } from './params.ts';

export function factRoutes(app: FastifyInstance, node: PartyNode): void {
  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/facts',
    guard('facts.record', 'facts.record'),
    async (request, reply) => {
      if (Array.isArray(request.body)) {
        const { entries, refs, push } = await node.facts.recordMany(request.params.id, request.body);
        return reply.status(201).send({
          entries: entries.map((e) => ({
            hash: e.hash,
            author: e.signed.entry.author,
            seq: e.signed.entry.seq,
          })),
          refs,
          replicated: push.replicated,
        });
      }
      const { entry, ref, push } = await node.facts.record(request.params.id, request.body);
      return reply
        .status(201)
        .send({ hash: entry.hash, entry: entry.signed, ref, replicated: push.replicated });
    },
  );
}
