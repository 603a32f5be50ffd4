/** Co-signed checkpoints and the anchoring queue. */
import type { FastifyInstance } from 'fastify';
import { NodeError, type PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import type { IdParams } from './params.ts';

export function checkpointRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{ Params: IdParams }>('/bilaterals/:id/checkpoints', guard('bilaterals.read'), async (request) =>
    node.checkpoints.list(request.params.id),
  );

  /** On demand: checkpoint the record now (co-signed by the counterparty) and anchor what is queued. */
  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/checkpoints',
    guard('checkpoints.create', 'checkpoints.create'),
    async (request, reply) => {
      const checkpoint = await node.checkpoints.now(request.params.id);
      if (checkpoint === undefined) {
        throw new NodeError(
          'PEER_UNREACHABLE',
          'no checkpoint: the record is empty or the counterparty did not co-sign (try again later)',
        );
      }
      await node.checkpoints.anchorer?.flush();
      return reply
        .status(201)
        .send({ checkpoint, anchors: await node.checkpoints.anchors(request.params.id) });
    },
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/anchors', guard('bilaterals.read'), async (request) =>
    node.checkpoints.anchors(request.params.id),
  );
}
