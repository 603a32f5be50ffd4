/**
 * The peer protocol between two party nodes, served on the public listener.
 * Every request is signed by the calling party's entry key and checked by the
 * node (`node.peering`); for a bilateral's routes the signer must be that
 * bilateral's counterparty, so a node serves a bilateral to no one else.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NodeError, type PartyNode, type PeerCall } from '../../node/index.ts';
import { type IdParams, integer } from './params.ts';

/** The signed request as the node's peering checks it. */
export function call(request: FastifyRequest): PeerCall {
  return {
    request: { method: request.method, path: request.url, body: request.rawBody ?? '' },
    headers: request.headers,
  };
}

export function peerRoutes(app: FastifyInstance, node: PartyNode): void {
  /** Who this node is: public, so a proposer can bind the buyer's key into the genesis. */
  app.get('/peer/identity', async () => ({ party: node.party, key: node.publicKey }));

  /** A proposal of a new bilateral: 200 countersigned, or 202 waiting for this node's operator. */
  app.post('/peer/proposals', async (request, reply) => {
    const from = await node.peering.known(call(request));
    const answer = await node.bilaterals.receive(from, request.body);
    return reply.status(answer.status === 'pending' ? 202 : 200).send(answer);
  });

  /** The Buyer's node reporting that its operator accepted our pending proposal. */
  app.post('/peer/agreements', async (request) => {
    const from = await node.peering.known(call(request));
    const record = await node.bilaterals.agreement(from, request.body as never);
    return { id: record.id };
  });

  app.get<{ Params: IdParams }>('/peer/bilaterals/:id/heads', async (request) => {
    await node.peering.counterparty(call(request), request.params.id);
    return node.bilaterals.heads(request.params.id);
  });

  app.get<{ Params: IdParams; Querystring: { author?: string; from?: string; limit?: string } }>(
    '/peer/bilaterals/:id/entries',
    async (request) => {
      await node.peering.counterparty(call(request), request.params.id);
      const { author, from, limit } = request.query;
      const entries = await node.bilaterals.entries(request.params.id, {
        ...(author === undefined ? {} : { author }),
        fromSeq: integer(from, 'from') ?? 1,
        limit: Math.min(integer(limit, 'limit') ?? 500, 5000),
      });
      return { entries: entries.map((e) => e.signed) };
    },
  );

  app.post<{ Params: IdParams }>('/peer/bilaterals/:id/entries', async (request) => {
    const from = await node.peering.counterparty(call(request), request.params.id);
    const body = request.body as { entries?: unknown } | undefined;
    if (!Array.isArray(body?.entries)) throw new NodeError('BAD_REQUEST', 'entries: expected an array');
    return node.replication.receive(request.params.id, from, body.entries);
  });

  app.post<{ Params: IdParams }>('/peer/bilaterals/:id/checkpoints', async (request) => {
    const from = await node.peering.counterparty(call(request), request.params.id);
    return node.checkpoints.cosign(request.params.id, from, request.body as never);
  });

  /** The records of this node's own batch entry `seq`, in batch order, for the counterparty to check. */
  app.get<{ Params: IdParams & { seq: string } }>(
    '/peer/bilaterals/:id/usage-batches/:seq/records',
    async (request) => {
      await node.peering.counterparty(call(request), request.params.id);
      const seq = integer(request.params.seq, 'seq') ?? 0;
      return { records: await node.usage.batchRecords(request.params.id, seq) };
    },
  );
}
