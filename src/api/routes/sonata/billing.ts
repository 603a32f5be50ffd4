/**
 * MEF LSO Sonata Customer Bill Management v2, TMF635 usage and TMF676
 * payments (docs/sonata.md), per bilateral: `/bilaterals/:id` + base path.
 */
import type { FastifyInstance } from 'fastify';
import { PAYMENT_BASE, type PartyNode, USAGE_BASE } from '../../../node/index.ts';
import { guard } from '../../access.ts';
import { integer } from '../params.ts';
import { send, sonataScope } from './common.ts';

const BILLING = '/bilaterals/:id/mefApi/sonata/customerBillManagement/v2';
const USAGE = `/bilaterals/:id/${USAGE_BASE}`;
const PAYMENT = `/bilaterals/:id/${PAYMENT_BASE}`;

type Params = { id: string; bill?: string; item?: string; payment?: string };
type BillQuery = Record<string, string | undefined>;

/** A page's bound, refused the Sonata way (`SONATA_INVALID`, a 400 `invalidQuery`). */
const count = (value: string | undefined, name: string) => integer(value, name, 999_999, 'SONATA_INVALID');

export function sonataBillingRoutes(app: FastifyInstance, node: PartyNode): void {
  sonataScope(app, node, (scope) => {
    scope.get<{ Params: Params; Querystring: BillQuery }>(
      `${BILLING}/customerBill`,
      guard('bilaterals.read'),
      async (request, reply) => {
        const q = request.query;
        const offset = count(q.offset, 'offset') ?? 0;
        const limit = count(q.limit, 'limit') ?? 100;
        const all = await node.sonataBilling.bills(request.params.id, {
          ...(q.state === undefined ? {} : { state: q.state }),
          ...(q.category === undefined ? {} : { category: q.category }),
          ...(q['billingAccount.id'] === undefined ? {} : { billingAccountId: q['billingAccount.id'] }),
          ...(q['billingPeriod.startDateTime.gt'] === undefined
            ? {}
            : { startGt: q['billingPeriod.startDateTime.gt'] }),
          ...(q['billingPeriod.startDateTime.lt'] === undefined
            ? {}
            : { startLt: q['billingPeriod.startDateTime.lt'] }),
          ...(q['billingPeriod.endDateTime.gt'] === undefined
            ? {}
            : { endGt: q['billingPeriod.endDateTime.gt'] }),
          ...(q['billingPeriod.endDateTime.lt'] === undefined
            ? {}
            : { endLt: q['billingPeriod.endDateTime.lt'] }),
        });
        const page = all.slice(offset, offset + limit);
        void reply.header('X-Total-Count', String(all.length)).header('X-Result-Count', String(page.length));
        return send(reply, 200, page);
      },
    );
    scope.get<{ Params: Params }>(
      `${BILLING}/customerBill/:bill`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, [await node.sonataBilling.bill(request.params.id, request.params.bill!)]),
    );
    scope.get<{ Params: Params }>(
      `${BILLING}/customerBillItem/:item`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, [await node.sonataBilling.billItem(request.params.id, request.params.item!)]),
    );
    scope.post<{ Params: Params }>(
      `${USAGE}/usage`,
      guard('usage.import', 'usage.import'),
      async (request, reply) => {
        const { created, usage } = await node.tmf.createUsage(request.params.id, request.body);
        return send(reply, created ? 201 : 200, usage);
      },
    );
    scope.post<{ Params: Params }>(`${PAYMENT}/payment`, guard('facts.record'), async (request, reply) =>
      send(reply, 201, await node.tmf.createPayment(request.params.id, request.body)),
    );
    scope.get<{ Params: Params }>(`${PAYMENT}/payment`, guard('bilaterals.read'), async (request, reply) =>
      send(reply, 200, await node.tmf.payments(request.params.id)),
    );
    scope.get<{ Params: Params }>(
      `${PAYMENT}/payment/:payment`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, await node.tmf.payment(request.params.id, request.params.payment!)),
    );
  });
}
