/**
 * The peer protocol between two party nodes. Every request is signed by the
 * calling party's entry key; for a bilateral's routes the signer must be that
 * bilateral's counterparty, so a node serves a bilateral to no one else.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SignedCheckpoint } from '../../ledger/index.ts';
import { NodeError, type PartyNode, type Proposal, verifyPeerRequest } from '../../node/index.ts';

interface IdParams {
  id: string;
}

function peerRequest(request: FastifyRequest) {
  return { method: request.method, path: request.url, body: request.rawBody ?? '' };
}

async function counterparty(node: PartyNode, request: FastifyRequest<{ Params: IdParams }>): Promise<string> {
  const id = request.params.id;
  const known = await node.counterpartyKey(id, String(request.headers['x-sb-party'] ?? ''));
  return verifyPeerRequest(peerRequest(request), request.headers, () => known, new Date());
}

function optionalInt(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value))
    throw new NodeError('BAD_REQUEST', `expected a non-negative integer, got ${value}`);
  return Number(value);
}

export function peerRoutes(app: FastifyInstance, node: PartyNode): void {
  /** Who this node is: public, so a proposer can bind the buyer's key into the genesis. */
  app.get('/peer/identity', async () => ({ party: node.party, key: node.publicKey }));

  app.post('/peer/proposals', async (request) => {
    const proposal = request.body as Proposal | undefined;
    const sellerKey = proposal?.genesis?.seller?.key;
    if (typeof sellerKey !== 'string')
      throw new NodeError('BAD_REQUEST', 'genesis.seller.key: expected a key');
    verifyPeerRequest(
      peerRequest(request),
      request.headers,
      (party) => (party === proposal?.genesis.seller.id ? sellerKey : undefined),
      new Date(),
    );
    return node.acceptProposal(proposal!);
  });

  app.get<{ Params: IdParams }>('/peer/bilaterals/:id/heads', async (request) => {
    await counterparty(node, request);
    return node.heads(request.params.id);
  });

  app.get<{ Params: IdParams; Querystring: { author?: string; from?: string; limit?: string } }>(
    '/peer/bilaterals/:id/entries',
    async (request) => {
      await counterparty(node, request);
      const { author, from, limit } = request.query;
      const entries = await node.entries(request.params.id, {
        ...(author === undefined ? {} : { author }),
        fromSeq: optionalInt(from, 1),
        limit: Math.min(optionalInt(limit, 500), 5000),
      });
      return { entries: entries.map((e) => e.signed) };
    },
  );

  app.post<{ Params: IdParams }>('/peer/bilaterals/:id/entries', async (request) => {
    const from = await counterparty(node, request);
    const body = request.body as { entries?: unknown } | undefined;
    if (!Array.isArray(body?.entries)) throw new NodeError('BAD_REQUEST', 'entries: expected an array');
    return node.receive(request.params.id, from, body.entries);
  });

  app.post<{ Params: IdParams }>('/peer/bilaterals/:id/checkpoints', async (request) => {
    const from = await counterparty(node, request);
    return node.cosignCheckpoint(request.params.id, from, request.body as SignedCheckpoint);
  });
}
