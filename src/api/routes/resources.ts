/**
 * The Seller's resource pools (node-wide): declare one, list them, and ask
 * what a capacity pool has free in a window — the check before ordering.
 * Facts that draw on a pool are admitted when recorded
 * (`POST /bilaterals/:id/facts`): one that would exceed it is refused with
 * `409 CAPACITY_EXCEEDED`, naming the pool, the window and the shortfall.
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import type { IdParams } from './params.ts';
import { call } from './peer.ts';

type PoolParams = { pool: string };

export function resourceRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get('/resource-pools', guard('resources.read'), async () => ({ pools: await node.resources.list() }));

  app.get<{ Params: PoolParams }>('/resource-pools/:pool', guard('resources.read'), async (request) =>
    node.resources.get(request.params.pool),
  );

  app.put<{ Params: PoolParams }>(
    '/resource-pools/:pool',
    guard('resources.manage', 'resources.declare'),
    async (request) => node.resources.declare(request.params.pool, request.body),
  );

  app.get<{ Params: PoolParams }>(
    '/resource-pools/:pool/holdings',
    guard('resources.read'),
    async (request) => node.resources.holdings(request.params.pool),
  );

  app.get<{ Params: PoolParams; Querystring: { from?: string; to?: string } }>(
    '/resource-pools/:pool/availability',
    guard('resources.read'),
    async (request) => node.resources.availability(request.params.pool, request.query.from, request.query.to),
  );
}

/**
 * The Buyer's node asks the Seller's before signing a fact that may draw on
 * one of the Seller's pools (a boost it records): 200 admitted and held until
 * the Buyer's entry arrives (or a minute passes), or 409 CAPACITY_EXCEEDED
 * naming the fact, the pool and the window — not the pool's capacity.
 */
export function resourcePeerRoutes(app: FastifyInstance, node: PartyNode): void {
  app.post<{ Params: IdParams }>('/peer/bilaterals/:id/admissions', async (request) => {
    const from = await node.peering.counterparty(call(request), request.params.id);
    return node.resources.admitFor(request.params.id, from, request.body);
  });
}
