/**
 * Usage reconciliation over HTTP.
 * - REST: `GET /bilaterals/:id/reconciliation?period=YYYY-MM&service=S1[&limit=N]`
 *   fetches and checks the counterparty's batches of the period, then
 *   classifies every record of both sides (see `node/reconciliation.ts`).
 * - Peer: `GET /peer/bilaterals/:id/usage-batches/:seq/records` serves the
 *   records of this node's own batch entry `seq`, in batch order, to the
 *   bilateral's counterparty only (signed request, like every peer route).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  NodeError,
  type ReconciliationNode,
  reconcileUsagePeriod,
  verifyPeerRequest,
} from '../../node/index.ts';

/** What the routes need of the party node. */
export interface ReconciliationRoutesNode extends ReconciliationNode {
  counterpartyKey(id: string, party: string): Promise<string | undefined>;
}

interface IdParams {
  id: string;
}

function integer(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new NodeError('BAD_REQUEST', `${name}: expected an integer from 0 to ${max}`);
  }
  return Number(value);
}

async function counterparty(
  node: ReconciliationRoutesNode,
  request: FastifyRequest<{ Params: IdParams }>,
): Promise<string> {
  const known = await node.counterpartyKey(request.params.id, String(request.headers['x-sb-party'] ?? ''));
  return verifyPeerRequest(
    { method: request.method, path: request.url, body: request.rawBody ?? '' },
    request.headers,
    () => known,
    new Date(),
  );
}

export function reconciliationRoutes(app: FastifyInstance, node: ReconciliationRoutesNode): void {
  app.get<{ Params: IdParams; Querystring: { period?: string; service?: string; limit?: string } }>(
    '/bilaterals/:id/reconciliation',
    async (request) => {
      const { period, service } = request.query;
      if (period === undefined) throw new NodeError('BAD_REQUEST', 'period: expected YYYY-MM');
      if (service === undefined || service === '')
        throw new NodeError('BAD_REQUEST', 'service: expected a service id');
      return reconcileUsagePeriod(node, request.params.id, period, service, {
        limit: integer(request.query.limit, 'limit', 1000, 100_000),
      });
    },
  );

  app.get<{ Params: IdParams & { seq: string } }>(
    '/peer/bilaterals/:id/usage-batches/:seq/records',
    async (request) => {
      await counterparty(node, request);
      const seq = integer(request.params.seq, 'seq', 0, Number.MAX_SAFE_INTEGER);
      const records = await node.store.usageBatchRecords(request.params.id, node.party, seq);
      if (records.length === 0) {
        throw new NodeError(
          'NOT_FOUND',
          `no usage batch ${node.party}/${seq} in bilateral ${request.params.id}`,
        );
      }
      return { records };
    },
  );
}
