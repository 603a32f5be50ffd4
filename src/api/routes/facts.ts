/**
 * Recording facts: one fact (an object: a `fact` entry, or — when other
 * single facts arrive at the same time — a share of one `facts` entry;
 * `ref` names it, with the entry's hash, author, seq, kind and signing key:
 * not the entry itself, which holds its neighbours' facts too and made each
 * answer grow with the group), or many at once (an array: all valid or none recorded, in
 * `facts` entries of up to 1,000; `refs` names each fact as `author/seq#i`,
 * in request order).
 *
 * `?wait=stored|replicated` says when to answer: once the facts are signed
 * and durable here, the push to the counterparty under way (`replicated:
 * null`); or once the counterparty has acknowledged them too (`replicated:
 * true`, or `false` when it could not be reached — it catches up later).
 * A single fact waits for `stored` by default, as an OSS sending one fact
 * per request needs; an array waits for `replicated`.
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, waitOf } from './params.ts';

export function factRoutes(app: FastifyInstance, node: PartyNode): void {
  app.post<{ Params: IdParams; Querystring: { wait?: string } }>(
    '/bilaterals/:id/facts',
    // Who may record depends on what: checked below, once the body says.
    guard('any', 'facts.record'),
    async (request, reply) => {
      // A payment is money, recorded by the finance team (`settlement.manage`); every other fact
      // by operations (`facts.record`); an array of both needs both.
      const list: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
      const payments = list.filter((f) => (f as { type?: unknown } | null)?.type === 'payment').length;
      if (payments < list.length || list.length === 0) {
        node.access.authorize(request.credential!, 'facts.record', request.params.id);
      }
      if (payments > 0) node.access.authorize(request.credential!, 'settlement.manage', request.params.id);
      if (Array.isArray(request.body)) {
        const wait = waitOf(request.query.wait, 'replicated');
        const { entries, refs, push } = await node.facts.recordMany(request.params.id, request.body, wait);
        return reply.status(201).send({
          entries: entries.map((e) => ({
            hash: e.hash,
            author: e.signed.entry.author,
            seq: e.signed.entry.seq,
          })),
          refs,
          replicated: push?.replicated ?? null,
        });
      }
      const wait = waitOf(request.query.wait, 'stored');
      const { entry, ref, push } = await node.facts.record(request.params.id, request.body, wait);
      const { author, seq, kind } = entry.signed.entry;
      return reply.status(201).send({
        ref,
        hash: entry.hash,
        author,
        seq,
        kind,
        key: entry.signed.key,
        replicated: push?.replicated ?? null,
      });
    },
  );
}
