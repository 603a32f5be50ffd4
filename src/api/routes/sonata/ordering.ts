/**
 * MEF LSO Sonata Product Ordering v10 and Product Inventory v7 (docs/sonata.md),
 * on the owner API, one serverBase per bilateral: `/bilaterals/:id` + the
 * spec's base path. Errors answer in the spec's Error shapes, never a 500.
 */
import type { FastifyInstance } from 'fastify';
import type { PartyNode } from '../../../node/index.ts';
import { guard } from '../../access.ts';
import { send, sonataScope } from './common.ts';

const ORDERING = '/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10';
const INVENTORY = '/bilaterals/:id/mefApi/sonata/productInventory/v7';
const TROUBLE = '/bilaterals/:id/mefApi/sonata/troubleTicket/v4';

type Params = { id: string; order?: string; item?: string; product?: string; cancel?: string };

export function sonataOrderingRoutes(app: FastifyInstance, node: PartyNode): void {
  sonataScope(app, node, (scope) => {
    scope.post<{ Params: Params }>(
      `${ORDERING}/productOrder`,
      guard('facts.record'),
      async (request, reply) =>
        send(reply, 201, await node.sonata.createOrder(request.params.id, request.body)),
    );
    scope.get<{ Params: Params }>(
      `${ORDERING}/productOrder`,
      guard('bilaterals.read'),
      async (request, reply) => {
        const orders = await node.sonata.orders(request.params.id);
        return send(
          reply,
          200,
          orders.map((o) => ({
            id: o.id,
            ...(o.externalId === undefined ? {} : { externalId: o.externalId }),
            orderDate: o.orderDate,
            state: o.state,
            ...(o.completionDate === undefined ? {} : { completionDate: o.completionDate }),
          })),
        );
      },
    );
    scope.get<{ Params: Params }>(
      `${ORDERING}/productOrder/:order`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, await node.sonata.order(request.params.id, request.params.order!)),
    );
    // Not in the spec (fulfilment is the Seller's own business): the Seller's systems complete an item here.
    scope.post<{ Params: Params }>(
      `${ORDERING}/productOrder/:order/productOrderItem/:item/complete`,
      guard('facts.record'),
      async (request, reply) =>
        send(
          reply,
          200,
          await node.sonata.completeItem(
            request.params.id,
            request.params.order!,
            request.params.item!,
            request.body,
          ),
        ),
    );
    scope.post<{ Params: Params }>(
      `${ORDERING}/cancelProductOrder`,
      guard('facts.record'),
      async (request, reply) =>
        send(reply, 201, await node.sonata.cancelOrder(request.params.id, request.body)),
    );
    scope.get<{ Params: Params }>(
      `${ORDERING}/cancelProductOrder`,
      guard('bilaterals.read'),
      async (request, reply) => send(reply, 200, await node.sonata.cancellations(request.params.id)),
    );
    scope.get<{ Params: Params }>(
      `${ORDERING}/cancelProductOrder/:cancel`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, await node.sonata.cancellation(request.params.id, request.params.cancel!)),
    );
    scope.get<{ Params: Params }>(`${TROUBLE}/incident`, guard('bilaterals.read'), async (request, reply) => {
      const incidents = await node.sonata.incidents(request.params.id);
      const keep = [
        'id',
        'href',
        'description',
        'creationDate',
        'status',
        'incidentType',
        'impact',
        'priority',
      ];
      const find = [...keep, 'severity', 'relatedEntity'];
      return send(
        reply,
        200,
        incidents.map((i) => Object.fromEntries(Object.entries(i).filter(([k]) => find.includes(k)))),
      );
    });
    scope.get<{ Params: Params }>(`${INVENTORY}/product`, guard('bilaterals.read'), async (request, reply) =>
      send(reply, 200, await node.sonata.products(request.params.id)),
    );
    scope.get<{ Params: Params }>(
      `${INVENTORY}/product/:product`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, await node.sonata.product(request.params.id, request.params.product!)),
    );
  });
}
