/**
 * A whole month driven through Sonata and TM Forum calls alone, as the two
 * providers' OSS/BSS would make them (docs/sonata.md): the Buyer's systems
 * register listeners and order; the Seller's fulfilment completes the item,
 * its monitoring reports an incident and its mediation posts usage (TMF635);
 * the Seller's node issues January's invoice on its schedule and the Buyer's
 * node agrees it; the Buyer reads the bill and its items (Customer Bill
 * Management v2) and pays it (TMF676); the bill is settled. Every Sonata
 * request, response and listener call is validated against the published
 * OpenAPI files; the bill's figures are checked against the invoice on the
 * record, digit for digit; on SQLite and PostgreSQL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from '../src/store/pg.fixtures.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { SonataSpec } from './sonata.fixtures.ts';
import { exampleTerms } from './support.ts';

const ordering = new SonataSpec('productOrderManagement.api.yaml');
const inventory = new SonataSpec('productInventoryManagement.api.yaml');
const trouble = new SonataSpec('troubleTicketManagement.api.yaml');
const billing = new SonataSpec('billingManagement.api.yaml');
const listeners = [
  new SonataSpec('productOrderNotification.api.yaml'),
  new SonataSpec('troubleTicketNotification.api.yaml'),
  new SonataSpec('billingNotification.api.yaml'),
];
const PLAN = 'urn:smart-bilaterals:sonata:plan';
const USAGE = '/tmf-api/usageManagement/v4';
const PAYMENT = '/tmf-api/paymentManagement/v4';

type Any = Record<string, unknown> & { [key: string]: unknown };

/** A ProductOrder_Create of one added DIA service, as the Buyer's OSS sends it. */
function orderOf(externalId: string, plan: string, termMonths: number): Any {
  return {
    externalId,
    relatedContactInformation: [
      {
        name: 'Ops desk',
        emailAddress: 'ops@globex.example',
        number: '+31 20 555 0100',
        role: 'productOrderContact',
      },
    ],
    productOrderItem: [
      {
        id: '1',
        action: 'add',
        product: {
          productOffering: { id: 'dia' },
          productConfiguration: { '@type': PLAN, plan, termMonths },
        },
      },
    ],
  };
}

interface Heard {
  readonly path: string;
  readonly body: Any;
  readonly delivery: string;
}

/** The Buyer's listener: a real HTTP server that takes every notification with 204. */
async function listen(): Promise<{ server: Server; url: string; heard: Heard[] }> {
  const heard: Heard[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      heard.push({
        path: request.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Any,
        delivery: String(request.headers['x-sb-delivery']),
      });
      response.statusCode = 204;
      response.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/globex-oss`, heard };
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`a month through Sonata calls alone (the Seller's store on ${engine})`, () => {
    const network = new MemoryNetwork();
    const databases: PgDatabase[] = [];
    let clock = Date.parse('2026-01-05T09:00:00Z');
    const now = () => new Date(clock);
    let seller: MemoryNode;
    let buyer: MemoryNode;
    let id: string;
    let listener: Awaited<ReturnType<typeof listen>>;

    /** One call on `node` to `spec`'s API, request and response validated at `specPath`. */
    async function call(
      node: MemoryNode,
      spec: SonataSpec | undefined,
      method: 'GET' | 'POST',
      specPath: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: Any & Any[]; raw: string }> {
      if (spec !== undefined && body !== undefined) spec.request(specPath, method, body);
      const response = await node.owner.inject({
        method,
        url: `/bilaterals/${id}${spec?.base ?? ''}${path}`,
        headers: {
          authorization: `Bearer ${await token(node)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      expect(response.statusCode, response.body).toBeLessThan(500);
      const parsed = response.json() as Any & Any[];
      if (spec !== undefined) spec.response(specPath, method, response.statusCode, parsed);
      return { status: response.statusCode, body: parsed, raw: response.body };
    }

    /** The Buyer's OSS orders one DIA service (`orderOf`); answers the order's id. */
    async function placeOrder(externalId: string, plan: string, termMonths: number): Promise<string> {
      const created = await call(
        buyer,
        ordering,
        'POST',
        '/productOrder',
        '/productOrder',
        orderOf(externalId, plan, termMonths),
      );
      expect(created.status, created.raw).toBe(201);
      return created.body.id as string;
    }

    /** The Seller's node completes item 1 of `order` (an action of ours: no Sonata spec to check it against). */
    function completeItem(order: string, body: unknown) {
      return call(
        seller,
        undefined,
        'POST',
        '',
        `/mefApi/sonata/productOrderingManagement/v10/productOrder/${order}/productOrderItem/1/complete`,
        body,
      );
    }

    const tokens = new Map<MemoryNode, string>();
    async function token(node: MemoryNode): Promise<string> {
      let t = tokens.get(node);
      if (t === undefined) {
        t = (await node.node.access.issue({ name: 'oss', role: 'admin' })).token;
        tokens.set(node, t);
      }
      return t;
    }

    beforeAll(async () => {
      let sellerStore: string | undefined;
      if (engine === 'postgres') {
        const database = await createPgDatabase('sb_sonata_month');
        databases.push(database);
        sellerStore = database.url;
      }
      ({ seller, buyer, id } = await exampleBilateral(network, {
        facts: [],
        sellerNow: now,
        buyerNow: now,
        ...(sellerStore === undefined ? {} : { sellerStore }),
      }));
      listener = await listen();
    });
    afterAll(async () => {
      await network.close();
      await dropPgDatabases(databases);
      await new Promise((done) => listener?.server.close(done));
    });

    let orderId: string;
    let service: string;
    let cancelledOrder: string;

    it("the Buyer's systems register listeners at the three hubs", async () => {
      for (const [spec, query] of [
        [
          ordering,
          'eventType=productOrderStateChangeEvent,productOrderItemStateChangeEvent,cancelProductOrderStateChangeEvent',
        ],
        [trouble, 'eventType=incidentCreateEvent'],
        [billing, ''],
      ] as const) {
        const body = { callback: listener.url, ...(query === '' ? {} : { query }) };
        const hub = await call(buyer, spec, 'POST', '/hub', '/hub', body);
        expect(hub.status, hub.raw).toBe(201);
        expect(hub.body.callback).toBe(listener.url);
        const read = await call(buyer, spec, 'GET', '/hub/{id}', `/hub/${hub.body.id}`);
        expect(read.body.id).toBe(hub.body.id);
      }
      // A query naming an event of another API is refused, naming the rule.
      const wrong = await call(buyer, billing, 'POST', '/hub', '/hub', {
        callback: listener.url,
        query: 'eventType=incidentCreateEvent',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.reason).toMatch(/customerBillCreateEvent/);
    });

    it('order, completion, incident, usage: each a fact on the shared record', async () => {
      orderId = await placeOrder('GLX-2026-001', '1G', 36);
      service = `${orderId}.1`;
      clock = Date.parse('2026-01-10T08:00:00Z');
      const completed = await completeItem(orderId, { completionDate: '2026-01-10T00:00:00Z' });
      expect(completed.status, completed.raw).toBe(200);
      ordering.response('/productOrder/{id}', 'GET', 200, completed.body);
      expect(completed.body.state).toBe('completed');

      clock = Date.parse('2026-01-20T15:00:00Z');
      const incident = await call(seller, undefined, 'POST', '', '/mefApi/sonata/troubleTicket/v4/incident', {
        incidentType: 'repair',
        description: 'fibre cut',
        situationStartDate: '2026-01-20T10:00:00Z',
        closedDate: '2026-01-20T14:00:00Z',
        relatedEntity: [{ '@referredType': 'Product', id: service, role: 'impactedProduct' }],
      });
      expect(incident.status, incident.raw).toBe(201);
      const seen = await call(buyer, trouble, 'GET', '/incident/{id}', `/incident/${incident.body.id}`);
      expect(seen.body).toMatchObject({ incidentType: 'repair', situationStartDate: '2026-01-20T10:00:00Z' });
      // The Buyer's node may not report the Seller's incidents.
      const refused = await call(buyer, undefined, 'POST', '', '/mefApi/sonata/troubleTicket/v4/incident', {
        incidentType: 'repair',
        situationStartDate: '2026-01-21T10:00:00Z',
        closedDate: '2026-01-21T11:00:00Z',
        relatedEntity: [{ '@referredType': 'Product', id: service }],
      });
      expect(refused.status).toBe(403);

      // A second order, cancelled before the Seller completes it: cancelled everywhere, never billed.
      clock = Date.parse('2026-01-22T09:00:00Z');
      cancelledOrder = await placeOrder('GLX-2026-002', '10G', 12);
      const cancel = await call(buyer, ordering, 'POST', '/cancelProductOrder', '/cancelProductOrder', {
        productOrder: { productOrderId: cancelledOrder },
        cancellationReasonType: 'commercial',
        cancellationReason: 'project postponed',
        relatedContactInformation: [
          {
            name: 'Ops desk',
            emailAddress: 'ops@globex.example',
            number: '+31 20 555 0100',
            role: 'cancelProductOrderContact',
          },
        ],
      });
      expect(cancel.status, cancel.raw).toBe(201);
      expect(cancel.body).toMatchObject({ id: `CPO-${cancelledOrder}`, state: 'done' });
      const cancelledView = await call(
        seller,
        ordering,
        'GET',
        '/productOrder/{id}',
        `/productOrder/${cancelledOrder}`,
      );
      expect(cancelledView.body).toMatchObject({
        state: 'cancelled',
        productOrderItem: [{ state: 'cancelled' }],
      });
      const listed = await call(seller, ordering, 'GET', '/cancelProductOrder', '/cancelProductOrder');
      expect(listed.body.map((c) => c.id)).toEqual([`CPO-${cancelledOrder}`]);
      await call(
        buyer,
        ordering,
        'GET',
        '/cancelProductOrder/{id}',
        `/cancelProductOrder/CPO-${cancelledOrder}`,
      );
      // Neither completed afterwards, nor cancelled twice; a completed order is not cancelled.
      const late = await completeItem(cancelledOrder, {});
      expect(late.status).toBe(409);
      for (const target of [cancelledOrder, orderId]) {
        const again = await call(buyer, ordering, 'POST', '/cancelProductOrder', '/cancelProductOrder', {
          productOrder: { productOrderId: target },
          relatedContactInformation: [
            { name: 'Ops desk', emailAddress: 'ops@globex.example', number: '1', role: 'x' },
          ],
        });
        expect([again.status, again.body[0]?.code]).toEqual([422, 'invalidValue']);
      }

      clock = Date.parse('2026-01-31T23:00:00Z');
      for (const [n, gb, at] of [
        [1, '600', '2026-01-12T00:00:00Z'],
        [2, '700.5', '2026-01-20T00:00:00Z'],
        [3, '299.5', '2026-01-30T00:00:00Z'],
      ] as const) {
        const usage = {
          id: `CDR-${n}`,
          usageDate: at,
          usageType: 'gb',
          usageCharacteristic: [
            { name: 'service', value: service },
            { name: 'quantity', value: gb },
          ],
        };
        const posted = await call(seller, undefined, 'POST', '', `${USAGE}/usage`, usage);
        expect(posted.status, posted.raw).toBe(201);
        expect(posted.body).toMatchObject({ id: `CDR-${n}`, status: 'received' });
        // The same record again is stored once: answered as stored, not created.
        if (n === 1)
          expect((await call(seller, undefined, 'POST', '', `${USAGE}/usage`, usage)).status).toBe(200);
      }
      const products = await call(buyer, inventory, 'GET', '/product', '/product');
      expect(products.body.map((p) => [p.id, p.status])).toEqual([
        [service, 'active'],
        [`${cancelledOrder}.1`, 'cancelled'],
      ]);
    });

    let total: string;

    it("the Seller's node bills January on its schedule; the Buyer reads the bill and its items", async () => {
      clock = Date.parse('2026-02-01T06:00:00Z');
      const issued = await seller.node.invoices.issueDue(0);
      expect(issued).toEqual([{ bilateral: id, period: '2026-01' }]);
      await seller.node.idle();
      await buyer.node.idle();
      const invoice = (await buyer.node.invoices.list(id))[0]!;
      expect(invoice.status).toBe('accepted');
      const lines = invoice.body.invoice.lines;
      total = invoice.body.invoice.total;
      // The cancelled order's service has no line; 1,600 GB in the month: the first 1,000 free, 600 at 0.05.
      expect(lines.every((l) => l.service === service)).toBe(true);
      expect(lines.find((l) => l.kind === 'usage')?.amount).toBe('30.00');

      const list = await call(buyer, billing, 'GET', '/customerBill', '/customerBill?state=paymentDue');
      expect(list.body.map((b) => [b.id, b.billNo, b.state])).toEqual([['2026-01', '1', 'paymentDue']]);
      const none = await call(buyer, billing, 'GET', '/customerBill', '/customerBill?state=settled');
      expect(none.body).toEqual([]);
      const one = await call(buyer, billing, 'GET', '/customerBill/{id}', '/customerBill/2026-01');
      const bill = one.body[0]!;
      expect(bill).toMatchObject({
        id: '2026-01',
        state: 'paymentDue',
        billingPeriod: { startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2026-02-01T00:00:00Z' },
        paymentDueDate: `${invoice.body.invoice.dueDate}T00:00:00Z`,
        appliedPayment: [],
      });
      // Money is a JSON number with the invoice's exact digits (never a rounded float).
      expect(one.raw).toContain(`"amountDue":{"unit":"EUR","value":${total}}`);
      expect(one.raw).toContain(
        `"taxExcludedAmount":{"unit":"EUR","value":${invoice.body.invoice.subtotal}}`,
      );
      expect((bill.ledgerRef as Any).hash).toBe(invoice.entry.hash);
      expect(bill.customerBillItem).toHaveLength(lines.length);
      for (const [i, line] of lines.entries()) {
        const item = await call(
          buyer,
          billing,
          'GET',
          '/customerBillItem/{id}',
          `/customerBillItem/2026-01.${i + 1}`,
        );
        expect(item.body[0]).toMatchObject({
          id: `2026-01.${i + 1}`,
          product: { id: line.service },
          productOrderItem: { productOrderId: orderId, productOrderItemId: '1' },
          state: 'paymentDue',
        });
        expect(item.raw).toContain(`"taxExcludedAmount":{"unit":"EUR","value":${line.amount}}`);
      }
      // The same bill on the Seller's node: one record, one answer.
      const there = await call(seller, billing, 'GET', '/customerBill/{id}', '/customerBill/2026-01');
      expect(there.raw).toBe(one.raw);
    });

    it('the Buyer pays (TMF676): a payment fact, the bill settled with its applied payment', async () => {
      clock = Date.parse('2026-02-20T10:00:00Z');
      const paid = await call(buyer, undefined, 'POST', '', `${PAYMENT}/payment`, {
        correlatorId: 'GLX-PAY-0001',
        paymentDate: '2026-02-20T10:00:00Z',
        amount: { unit: 'EUR', value: total },
        paymentItem: [{ item: { id: '2026-01' }, amount: { unit: 'EUR', value: total } }],
      });
      expect(paid.status, paid.raw).toBe(201);
      expect(paid.body).toMatchObject({ id: 'GLX-PAY-0001', status: 'pending' });
      expect((paid.body.ledgerRef as Any).fact).toMatch(/^globex\/\d+/);
      await buyer.node.idle();
      const one = await call(seller, billing, 'GET', '/customerBill/{id}', '/customerBill/2026-01');
      expect(one.body[0]).toMatchObject({
        state: 'settled',
        appliedPayment: [{ payment: { id: 'GLX-PAY-0001', paymentDate: '2026-02-20T10:00:00Z' } }],
      });
      expect(one.raw).toMatch(/"remainingAmount":\{"unit":"EUR","value":0(\.0+)?\}/);
      // The Seller cannot record the Buyer's payment, and a float that is not exact is refused.
      const sellerPays = await call(seller, undefined, 'POST', '', `${PAYMENT}/payment`, {
        paymentDate: '2026-02-21T10:00:00Z',
        amount: { unit: 'EUR', value: '1.00' },
      });
      expect([sellerPays.status, sellerPays.body.code]).toEqual([409, 'conflict']);
      const inexact = await call(buyer, undefined, 'POST', '', `${PAYMENT}/payment`, {
        paymentDate: '2026-02-21T10:00:00Z',
        amount: { unit: 'EUR', value: 0.1 + 0.2 },
      });
      expect([inexact.status, inexact.body.propertyPath]).toEqual([400, 'amount.value']);
    });

    it("the Buyer's listener heard every step, each call as the notification APIs publish it", async () => {
      await buyer.node.notifications.deliver();
      const spec = (path: string) => {
        const found = listeners.find((l) => path.includes(l.base));
        if (found === undefined) throw new Error(`no notification API serves ${path}`);
        return { spec: found, path: path.slice(path.indexOf(found.base) + found.base.length) };
      };
      for (const h of listener.heard) {
        expect(h.path.startsWith('/globex-oss/mefApi/sonata/')).toBe(true);
        const { spec: s, path } = spec(h.path);
        s.request(path, 'POST', h.body);
      }
      // Each hub's calls in the record's order (hubs are delivered one after the other).
      const heard = listener.heard.map((h) => `${h.body.eventType} ${(h.body.event as Any).id}`);
      const of = (api: string) =>
        listener.heard
          .filter((h) => h.path.includes(api))
          .map((h) => `${h.body.eventType} ${(h.body.event as Any).id}`);
      expect(of('productOrderingNotification')).toEqual([
        `productOrderItemStateChangeEvent ${orderId}`,
        `productOrderStateChangeEvent ${orderId}`,
        `productOrderItemStateChangeEvent ${orderId}`,
        `productOrderStateChangeEvent ${orderId}`,
        `productOrderItemStateChangeEvent ${cancelledOrder}`,
        `productOrderStateChangeEvent ${cancelledOrder}`,
        `productOrderItemStateChangeEvent ${cancelledOrder}`,
        `cancelProductOrderStateChangeEvent CPO-${cancelledOrder}`,
        `productOrderStateChangeEvent ${cancelledOrder}`,
      ]);
      expect(of('troubleTicketNotification')).toEqual([
        expect.stringMatching(/^incidentCreateEvent acme-fiber\.\d+(\.\d+)?$/),
      ]);
      expect(of('customerBillNotification')).toEqual([
        'customerBillCreateEvent 2026-01',
        'customerBillStateChangeEvent 2026-01',
        'customerBillStateChangeEvent 2026-01',
      ]);
      expect(heard).toHaveLength(13);
      // Delivered once each: a second round sends nothing new.
      await buyer.node.notifications.deliver();
      expect(listener.heard).toHaveLength(heard.length);
      expect(new Set(listener.heard.map((h) => h.delivery)).size).toBe(heard.length);
    });

    it('hostile input on bills, hubs, usage and payments: a 4xx naming field and rule, nothing written', async () => {
      const before = JSON.stringify(await buyer.node.bilaterals.entries(id, {}));
      const bills: [string, number][] = [
        ['/customerBill?state=overdue', 400],
        ['/customerBill?billingPeriod.startDateTime.gt=yesterday', 400],
        ['/customerBill?limit=-1', 400],
        ['/customerBill?offset=1e9', 400],
      ];
      for (const [path, status] of bills) {
        const answer = await call(buyer, billing, 'GET', '/customerBill', path);
        expect(answer.status, path).toBe(status);
        expect(answer.body.reason, path).toMatch(/SONATA_INVALID/);
      }
      for (const path of ['/customerBill/2099-01', '/customerBill/%00']) {
        expect((await call(buyer, billing, 'GET', '/customerBill/{id}', path)).status, path).toBe(404);
      }
      for (const path of [
        '/customerBillItem/2026-01.99',
        '/customerBillItem/2026-01.0',
        '/customerBillItem/x',
      ]) {
        expect((await call(buyer, billing, 'GET', '/customerBillItem/{id}', path)).status, path).toBe(404);
      }
      for (const body of [
        {},
        { callback: 'ftp://listener.example/x' },
        { callback: listener.url, query: 'eventType=' },
        { callback: listener.url, query: 'eventType=customerBillCreateEvent;drop' },
        { callback: listener.url, query: 'x'.repeat(2000) },
      ]) {
        const answer = await buyer.owner.inject({
          method: 'POST',
          url: `/bilaterals/${id}${billing.base}/hub`,
          headers: { authorization: `Bearer ${await token(buyer)}`, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expect(answer.statusCode, JSON.stringify(body)).toBe(400);
        billing.response('/hub', 'POST', 400, answer.json());
      }
      const usage = (over: Any) => ({
        id: 'CDR-x',
        usageDate: '2026-01-15T00:00:00Z',
        usageType: 'gb',
        usageCharacteristic: [
          { name: 'service', value: service },
          { name: 'quantity', value: '1' },
        ],
        ...over,
      });
      for (const [body, field] of [
        [{}, 'id'],
        [usage({ usageType: '' }), 'usageType'],
        [usage({ usageCharacteristic: 'many' }), 'usageCharacteristic'],
        [
          usage({
            usageCharacteristic: [
              { name: 'service', value: service },
              { name: 'quantity', value: 'lots' },
            ],
          }),
          'quantity',
        ],
        [
          usage({
            usageCharacteristic: [
              { name: 'service', value: 'nope' },
              { name: 'quantity', value: '1' },
            ],
          }),
          'service',
        ],
        [
          usage({
            usageCharacteristic: [
              { name: 'service', value: service },
              { name: 'quantity', value: 0.1 + 0.2 },
            ],
          }),
          'usageCharacteristic.quantity',
        ],
      ] as const) {
        const answer = await call(seller, undefined, 'POST', '', `${USAGE}/usage`, body);
        expect(answer.status, JSON.stringify(answer.body)).toBe(400);
        expect(answer.body.propertyPath, JSON.stringify(answer.body)).toBe(field);
      }
      const pay = (over: Any) => ({
        paymentDate: '2026-02-25T10:00:00Z',
        amount: { unit: 'EUR', value: '10.00' },
        ...over,
      });
      for (const [body, field] of [
        [{ paymentDate: '2026-02-25T10:00:00Z' }, 'amount'],
        [pay({ amount: { unit: 'USD', value: '10.00' } }), 'amount.unit'],
        [pay({ amount: { unit: 'EUR', value: '-5' } }), 'amount.value'],
        [pay({ amount: { unit: 'EUR', value: 1e21 } }), 'amount.value'],
        [
          pay({ paymentItem: [{ item: { id: 'January' }, amount: { unit: 'EUR', value: '10.00' } }] }),
          'paymentItem[0].item.id',
        ],
        [pay({ paymentItem: 'all' }), 'paymentItem'],
        [pay({ correlatorId: '' }), 'correlatorId'],
      ] as const) {
        const answer = await call(buyer, undefined, 'POST', '', `${PAYMENT}/payment`, body);
        expect(answer.status, JSON.stringify(answer.body)).toBe(400);
        expect(answer.body.propertyPath, JSON.stringify(answer.body)).toBe(field);
      }
      // Paying a settled bill again is refused by the statement's rule, as any payment fact would be.
      const over = await call(
        buyer,
        undefined,
        'POST',
        '',
        `${PAYMENT}/payment`,
        pay({
          paymentItem: [{ item: { id: '2026-01' }, amount: { unit: 'EUR', value: '10.00' } }],
        }),
      );
      expect(over.status, over.raw).toBeGreaterThanOrEqual(400);
      expect(over.status).toBeLessThan(500);
      await buyer.node.idle();
      expect(JSON.stringify(await buyer.node.bilaterals.entries(id, {}))).toBe(before);
    });

    it('a hub removed stops its calls', async () => {
      const hubs = await buyer.node.notifications.subscriptions();
      const bills = hubs.find((h) => h.query.format === 'sonata:billing')!;
      const removed = await buyer.owner.inject({
        method: 'DELETE',
        url: `/bilaterals/${id}${billing.base}/hub/${bills.id}`,
        headers: { authorization: `Bearer ${await token(buyer)}` },
      });
      expect(removed.statusCode).toBe(204);
      // A credential scoped to another bilateral neither sees nor removes this bilateral's hubs.
      const second = await seller.call<{ id: string }>('POST', '/bilaterals', {
        terms: { ...exampleTerms(), id: 'msa-second' },
        peer: buyer.node.endpoint,
      });
      expect(second.status).toBe(201);
      await seller.node.idle();
      const other = (
        await buyer.node.access.issue({ name: 'other desk', role: 'admin', bilaterals: [second.body.id] })
      ).token;
      const orders = hubs.find((h) => h.query.format === 'sonata:ordering')!;
      for (const method of ['GET', 'DELETE'] as const) {
        const hidden = await buyer.owner.inject({
          method,
          url: `/bilaterals/${id}${ordering.base}/hub/${orders.id}`,
          headers: { authorization: `Bearer ${other}` },
        });
        expect([hidden.statusCode, hidden.json().code]).toEqual([404, 'NOT_FOUND']);
      }
      expect((await call(buyer, ordering, 'GET', '/hub/{id}', `/hub/${orders.id}`)).status).toBe(200);
      const gone = await call(buyer, billing, 'GET', '/hub/{id}', `/hub/${bills.id}`);
      expect(gone.status).toBe(404);
    });
  });
}
