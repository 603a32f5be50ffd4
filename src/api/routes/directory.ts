/**
 * The counterparties this node trusts, and the proposals waiting for the
 * operator: `GET /peers`, `PUT /peers/:party {key, endpoint, policy}` (pin),
 * `DELETE /peers/:party`, `GET /proposals[?status=]`,
 * `POST /proposals/:id/accept`, `POST /proposals/:id/decline`.
 */
import type { FastifyInstance } from 'fastify';
import { NodeError, type PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { object } from './params.ts';

const POLICIES = ['approve', 'accept'];

export function directoryRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get('/peers', guard('peers.read'), async () => node.peering.peers());

  app.put<{ Params: { party: string } }>(
    '/peers/:party',
    guard('peers.manage', 'peers.pin'),
    async (request) => {
      const body = object(request.body, 'body');
      const policy = body.policy ?? 'approve';
      if (typeof policy !== 'string' || !POLICIES.includes(policy))
        throw new NodeError('BAD_REQUEST', 'policy: expected approve or accept');
      return node.peering.pin({
        party: request.params.party,
        key: body.key,
        endpoint: body.endpoint,
        policy: policy as 'approve' | 'accept',
      });
    },
  );

  app.delete<{ Params: { party: string } }>(
    '/peers/:party',
    guard('peers.manage', 'peers.remove'),
    async (request) => ({
      removed: await node.peering.unpin(request.params.party),
    }),
  );

  app.get<{ Querystring: { status?: string } }>('/proposals', guard('proposals.read'), async (request) => {
    const { status } = request.query;
    if (status !== undefined && !['pending', 'accepted', 'declined'].includes(status))
      throw new NodeError('BAD_REQUEST', 'status: expected pending, accepted or declined');
    return node.bilaterals.proposals(status as 'pending' | undefined);
  });

  for (const decision of ['accept', 'decline'] as const) {
    // `:proposal`, not `:id`: an `id` parameter names a bilateral the credential must have in scope.
    app.post<{ Params: { proposal: string } }>(
      `/proposals/:proposal/${decision}`,
      guard('proposals.decide', `proposals.${decision}`),
      async (request) => node.bilaterals.decide(request.params.proposal, decision),
    );
  }
}
