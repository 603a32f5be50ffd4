/**
 * MEF LSO Sonata Product Ordering v10 and Product Inventory v7 served by the
 * node (docs/sonata.md): the Buyer's OSS orders on the Buyer's node, the
 * Seller's fulfilment completes the item on the Seller's node, and both nodes
 * show the same orders and products from the shared record. Every request
 * and response is validated against the published OpenAPI files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from '../src/store/pg.fixtures.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { SonataSpec } from './sonata.fixtures.ts';

const ordering = new SonataSpec('productOrderManagement.api.yaml');
const inventory = new SonataSpec('productInventoryManagement.api.yaml');
const trouble = new SonataSpec('troubleTicketManagement.api.yaml');
const PLAN = 'urn:smart-bilaterals:sonata:plan';
/** Whole seconds `days` from now: the order is placed now (the node's clock), fulfilment after. */
const later = (days: number) =>
  new Date(Math.floor(Date.now() / 1000) * 1000 + days * 86_400_000).toISOString().replace('.000Z', 'Z');
const ACTIVE = later(10);
const MODIFIED = later(40);
const TERMINATED = later(70);

type Any = Record<string, unknown> & { [key: string]: unknown };

function order(items: unknown[], externalId = 'BUY-1'): Any {
  return {
    externalId,
    relatedContactInformation: [
      {
        name: 'Ops desk',
        emailAddress: 'ops@globex.example',
        number: '+1 555 0100',
        role: 'productOrderContact',
      },
    ],
    productOrderItem: items,
  };
}

const addItem = (id: string, plan = '1G') => ({
  id,
  action: 'add',
  product: {
    productOffering: { id: 'dia' },
    productConfiguration: { '@type': PLAN, plan, termMonths: 36 },
  },
});

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`Sonata ordering, inventory and incidents (the Seller's store on ${engine})`, () => {
    const network = new MemoryNetwork();
    const databases: PgDatabase[] = [];
    let seller: MemoryNode;
    let buyer: MemoryNode;
    let id: string;

    /** One Sonata call on `node`, request and response validated against `spec` at `specPath`. */
    async function sonata(
      node: MemoryNode,
      spec: SonataSpec,
      method: 'GET' | 'POST',
      specPath: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: Any & Any[] }> {
      if (body !== undefined && !path.endsWith('/complete')) spec.request(specPath, method, body);
      const answer = await node.call<Any & Any[]>(method, `/bilaterals/${id}${spec.base}${path}`, body);
      expect(answer.status).toBeLessThan(500);
      if (!path.endsWith('/complete')) spec.response(specPath, method, answer.status, answer.body);
      return answer;
    }

    beforeAll(async () => {
      let sellerStore: string | undefined;
      if (engine === 'postgres') {
        const database = await createPgDatabase('sb_sonata_test');
        databases.push(database);
        sellerStore = database.url;
      }
      ({ seller, buyer, id } = await exampleBilateral(network, {
        facts: [],
        ...(sellerStore === undefined ? {} : { sellerStore }),
      }));
    });
    afterAll(async () => {
      await network.close();
      await dropPgDatabases(databases);
    });

    let orderId: string;

    it("the Buyer's OSS orders: a valid ProductOrder, service.ordered on the record of both nodes", async () => {
      const created = await sonata(
        buyer,
        ordering,
        'POST',
        '/productOrder',
        '/productOrder',
        order([addItem('1')]),
      );
      expect(created.status).toBe(201);
      orderId = created.body.id as string;
      expect(created.body.state).toBe('inProgress');
      const item = (created.body.productOrderItem as Any[])[0]!;
      expect(item).toMatchObject({ id: '1', action: 'add', state: 'inProgress' });
      const service = (item.product as Any).id as string;
      expect(service).toBe(`${orderId}.1`);
      // The fact is on the shared record: the Seller's node sees the same order.
      const there = await sonata(seller, ordering, 'GET', '/productOrder/{id}', `/productOrder/${orderId}`);
      expect(there.status).toBe(200);
      expect(there.body).toEqual(created.body);
      const facts = await seller.node.bilaterals.entries(id, { author: 'globex' });
      expect(facts.map((e) => e.signed.entry.kind)).toContain('facts');
      const products = await sonata(buyer, inventory, 'GET', '/product', '/product');
      expect(products.body.map((p) => [p.id, p.status])).toEqual([[service, 'pendingActive']]);
    });

    it("the Seller's fulfilment completes the item: service.activated, the order completed, the product active", async () => {
      const refused = await buyer.call<Any>(
        'POST',
        `/bilaterals/${id}${ordering.base}/productOrder/${orderId}/productOrderItem/1/complete`,
        {},
      );
      expect(refused.status).toBe(403);
      const done = await sonata(
        seller,
        ordering,
        'POST',
        '',
        `/productOrder/${orderId}/productOrderItem/1/complete`,
        { completionDate: ACTIVE },
      );
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const read = await sonata(buyer, ordering, 'GET', '/productOrder/{id}', `/productOrder/${orderId}`);
      expect(read.body).toMatchObject({ state: 'completed', completionDate: ACTIVE });
      const service = `${orderId}.1`;
      const product = await sonata(buyer, inventory, 'GET', '/product/{id}', `/product/${service}`);
      expect(product.body).toMatchObject({ id: service, status: 'active', startDate: ACTIVE });
      expect((product.body.ledgerRef as Any).entry).toMatch(/^acme-fiber\/\d+/);
      const again = await seller.call<Any>(
        'POST',
        `/bilaterals/${id}${ordering.base}/productOrder/${orderId}/productOrderItem/1/complete`,
        {},
      );
      expect(again.status).toBe(409);
      // The validator itself refuses what breaks the spec (a 404 without its code).
      expect(() => ordering.response('/productOrder/{id}', 'GET', 404, { reason: 'no code' })).toThrow(
        /code/,
      );
    });

    it('modify and delete items record service.modified and service.terminated', async () => {
      const service = `${orderId}.1`;
      const modify = {
        id: 'm',
        action: 'modify',
        requestedCompletionDate: MODIFIED,
        product: { id: service, productConfiguration: { '@type': PLAN, plan: '10G' } },
      };
      const modified = await sonata(
        buyer,
        ordering,
        'POST',
        '/productOrder',
        '/productOrder',
        order([modify], 'BUY-2'),
      );
      expect(modified.status, JSON.stringify(modified.body)).toBe(201);
      expect(modified.body.state).toBe('completed');
      let product = await sonata(seller, inventory, 'GET', '/product/{id}', `/product/${service}`);
      expect((product.body.productConfiguration as Any).plan).toBe('10G');
      const del = {
        id: 'd',
        action: 'delete',
        requestedCompletionDate: TERMINATED,
        product: { id: service },
      };
      await sonata(buyer, ordering, 'POST', '/productOrder', '/productOrder', order([del], 'BUY-3'));
      product = await sonata(seller, inventory, 'GET', '/product/{id}', `/product/${service}`);
      expect(product.body).toMatchObject({ status: 'terminated', terminationDate: TERMINATED });
      const list = await sonata(seller, ordering, 'GET', '/productOrder', '/productOrder');
      expect(list.body.map((o) => o.externalId).sort()).toEqual(['BUY-1', 'BUY-2', 'BUY-3']);
    });

    it('outage facts are Sonata incidents, with their maintenance flag', async () => {
      const service = `${orderId}.1`;
      // Each time computed once: `later` reads the clock, and a second may pass between two calls.
      const repairFrom = later(20);
      const maintenanceFrom = later(21);
      for (const [from, maintenance] of [
        [repairFrom, false],
        [maintenanceFrom, true],
      ] as const) {
        const to = new Date(Date.parse(from) + 3_600_000).toISOString().replace('.000Z', 'Z');
        const fact = { type: 'outage', service, from, to, maintenance };
        const recorded = await buyer.call('POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
        expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
      }
      const list = await sonata(seller, trouble, 'GET', '/incident', '/incident');
      expect(list.body.map((i) => i.incidentType)).toEqual(['repair', 'maintenance']);
      expect(list.body[1]).toMatchObject({ status: 'closed', creationDate: maintenanceFrom });
      expect(list.body[1]!.relatedEntity).toEqual([
        { '@referredType': 'Product', id: service, role: 'impactedProduct' },
      ]);
    });

    it('hostile input: Sonata error shapes with a clear 4xx, never a 500', async () => {
      const cases: [unknown, number][] = [
        [{}, 400],
        [order([]), 400],
        [order([{ ...addItem('x'), action: 'teleport' }]), 400],
        [order([addItem('a b')]), 400],
        [order([addItem('1'), addItem('1')]), 400],
        [
          order([
            {
              ...addItem('1'),
              product: { productOffering: { id: 'dia' }, productConfiguration: { '@type': 'other' } },
            },
          ]),
          400,
        ],
        [order([{ ...addItem('1'), requestedCompletionDate: 'soon' }]), 400],
        [order([{ id: 'z', action: 'delete', product: { id: 'no-such-service' } }]), 422],
        [[1, 2], 400],
      ];
      for (const [body, status] of cases) {
        const answer = await buyer.call<Any>('POST', `/bilaterals/${id}${ordering.base}/productOrder`, body);
        expect(answer.status, JSON.stringify(body)).toBe(status);
        ordering.response('/productOrder', 'POST', answer.status, answer.body);
      }
      const missing = await buyer.call<Any>('GET', `/bilaterals/${id}${ordering.base}/productOrder/PO-nope`);
      expect(missing.status).toBe(404);
      ordering.response('/productOrder/{id}', 'GET', 404, missing.body);
      const noProduct = await buyer.call<Any>('GET', `/bilaterals/${id}${inventory.base}/product/nope`);
      expect(noProduct.status).toBe(404);
      inventory.response('/product/{id}', 'GET', 404, noProduct.body);
      const anonymous = await buyer.owner.inject({
        method: 'GET',
        url: `/bilaterals/${id}${ordering.base}/productOrder`,
      });
      // Access refusals keep the owner API's one shape on every route (docs/sonata.md).
      expect([anonymous.statusCode, anonymous.json().code]).toEqual([401, 'CREDENTIAL_MISSING']);
    });
  });
}
