/**
 * Payments and the live account statement between two nodes in one process:
 * the Buyer records the worked example's payments, both nodes serve the
 * statement of TERMS.md §6 — identical, and equal to the example's file —
 * and a payment that cannot apply, one by the Seller, or one by a
 * credential without the finance permission is refused with nothing written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedInvoice } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleDir } from './support.ts';

const read = (name: string) => readFileSync(join(exampleDir, name), 'utf8');
const payments = read('payments.jsonl')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { id: string });
const expected = JSON.parse(read('statement-2026-07-15.json')) as Record<string, unknown>;

describe('payments and statements on the nodes', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let id: string;
  const heads = async () => JSON.stringify((await seller.call('GET', `/bilaterals/${id}`)).body);

  beforeAll(async () => {
    ({ seller, buyer, id } = await exampleBilateral(network, {
      terms: JSON.parse(read('terms-with-interest.json')),
    }));
    // January alone is issued as a document; February and March are listed as §6 rates them.
    const issued = await seller.call<IssuedInvoice>('POST', `/bilaterals/${id}/invoices`, {
      period: '2026-01',
    });
    expect(issued.status).toBe(201);
    await buyer.node.idle();
  });
  afterAll(() => network.close());

  it('the Buyer records payments; both nodes serve the same statement, the worked example to the cent', async () => {
    for (const payment of payments) {
      const recorded = await buyer.call<{ ref: string; replicated: boolean }>(
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        payment,
      );
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
      expect(recorded.body.replicated).toBe(true);
    }
    const [atSeller, atBuyer] = await Promise.all(
      [seller, buyer].map((n) =>
        n.call<{ payments: { ref: string }[] }>('GET', `/bilaterals/${id}/statement?asOf=2026-07-15`),
      ),
    );
    expect(atSeller!.status).toBe(200);
    expect(atSeller!.body).toEqual(atBuyer!.body);
    expect(atSeller!.body).toMatchObject(expected);
    // January is issued, accepted and paid; February and March are not issued as documents yet.
    expect(
      (atSeller!.body as unknown as { invoices: { state: string }[] }).invoices.map((i) => i.state),
    ).toEqual(['settled', 'generated', 'generated']);
    // Each payment names the signed fact it came from.
    expect(atSeller!.body.payments.map((p) => p.ref)).toEqual(
      payments.map(() => expect.stringMatching(/^globex\/\d+$/)),
    );
  });

  it('without a day, the statement is as of today in the billing zone', async () => {
    const today = await seller.call<{ asOf: string }>('GET', `/bilaterals/${id}/statement`);
    expect(today.status).toBe(200);
    expect(today.body.asOf).toBe(new Date().toISOString().slice(0, 10));
  });

  it('refuses a payment that cannot apply as recorded, and records nothing', async () => {
    const before = await heads();
    const over = await buyer.call<{ code: string; message: string }>('POST', `/bilaterals/${id}/facts`, {
      type: 'payment',
      id: 'P9',
      amount: '100.00',
      at: '2026-07-01T00:00:00Z',
      allocations: [{ period: '2026-01', amount: '100.00' }],
    });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('PAYMENT_INVALID');
    expect(over.body.message).toMatch(
      /allocations\[0\]: 100\.00 is above the open amount of 2026-01's invoice/,
    );
    const again = await buyer.call<{ code: string }>('POST', `/bilaterals/${id}/facts`, {
      ...payments[0],
      amount: '1.00',
    });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('FACTS_INCONSISTENT');
    await buyer.node.idle();
    expect(await heads()).toBe(before);
  });

  it('a payment is the Buyer’s to record, with the finance permission', async () => {
    const before = await heads();
    const bySeller = await seller.call<{ code: string }>('POST', `/bilaterals/${id}/facts`, {
      type: 'payment',
      id: 'S1',
      amount: '1.00',
      at: '2026-07-01T00:00:00Z',
    });
    expect(bySeller.status).toBe(422);
    expect(JSON.stringify(bySeller.body)).toMatch(/a payment is recorded by the Buyer only/);
    const operator = await buyer.node.access.issue({ name: 'noc', role: 'operator' });
    const answer = await buyer.owner.inject({
      method: 'POST',
      url: `/bilaterals/${id}/facts`,
      headers: { authorization: `Bearer ${operator.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ type: 'payment', id: 'O1', amount: '1.00', at: '2026-07-01T00:00:00Z' }),
    });
    expect(answer.statusCode).toBe(403);
    expect(answer.json()).toMatchObject({
      code: 'ACCESS_DENIED',
      details: { permission: 'settlement.manage' },
    });
    await buyer.node.idle();
    expect(await heads()).toBe(before);
  });

  it('a signed payment that cannot apply (its node skipped the check) is left out and named, on both nodes', async () => {
    // Signed by the Buyer's node without the check recording does: allocated to an invoice already paid.
    const context = await buyer.node.core.context(id);
    await buyer.node.core.serially(id, () =>
      buyer.node.core.appendOwn(context, 'fact', {
        type: 'payment',
        id: 'BAD',
        amount: '10.00',
        at: '2026-07-01T00:00:00Z',
        allocations: [{ period: '2026-01', amount: '10.00' }],
      }),
    );
    await buyer.node.replication.push(id);
    for (const node of [seller, buyer]) {
      const answer = await node.call<{
        refusedPayments?: { ref: string; reason: string }[];
        payments: { id: string }[];
      }>('GET', `/bilaterals/${id}/statement?asOf=2026-07-15`);
      expect(answer.status).toBe(200);
      expect(answer.body.refusedPayments).toEqual([
        {
          ref: expect.stringMatching(/^globex\/\d+$/),
          reason: expect.stringMatching(/allocations\[0\]: 10\.00 is above the open amount/),
        },
      ]);
      expect(answer.body.payments.map((p) => p.id)).toEqual(['P1', 'P2', 'P3']);
    }
  });

  it('refuses a day that is not a date', async () => {
    const bad = await seller.call<{ code: string }>('GET', `/bilaterals/${id}/statement?asOf=2026-02-30`);
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('STATEMENT_INVALID');
  });

  it('the Seller marks a payment missing: both statements set it aside until it is marked received', async () => {
    type Body = {
      payments: { id: string; receipt?: string }[];
      missingPayments?: { id: string }[];
      totals: { open: string };
    };
    const statementAt = async (n: MemoryNode) =>
      (await n.call<Body>('GET', `/bilaterals/${id}/statement?asOf=2026-07-15`)).body;
    const before = await statementAt(seller);
    const last = before.payments.find((p) => p.id === 'P3')!;
    expect(last.receipt).toBe('pending');
    const mark = (n: MemoryNode, status: string, body: unknown = {}) =>
      n.call<{ code?: string; receipt?: string }>('POST', `/bilaterals/${id}/payments/P3/${status}`, body);
    expect((await mark(buyer, 'missing', { reason: 'x' })).status).toBe(403);
    expect((await mark(seller, 'missing', {})).status).toBe(400);
    expect((await seller.call('POST', `/bilaterals/${id}/payments/P9/received`)).status).toBe(404);

    const missing = await mark(seller, 'missing', { reason: 'not on our bank statement' });
    expect(missing.status, JSON.stringify(missing.body)).toBe(200);
    expect(missing.body.receipt).toBe('missing');
    await seller.node.idle();
    const [atSeller, atBuyer] = [await statementAt(seller), await statementAt(buyer)];
    expect(atSeller).toEqual(atBuyer);
    expect(atSeller.payments.map((p) => p.id)).not.toContain('P3');
    expect(atSeller.missingPayments?.map((p) => p.id)).toEqual(['P3']);
    expect(BigInt(atSeller.totals.open.replace('.', ''))).toBeGreaterThan(
      BigInt(before.totals.open.replace('.', '')),
    );
    const listed = await buyer.call<{ id: string; receipt: string }[]>('GET', `/bilaterals/${id}/payments`);
    expect(listed.body.find((p) => p.id === 'P3')?.receipt).toBe('missing');

    expect((await mark(seller, 'received')).status).toBe(200);
    await seller.node.idle();
    const after = await statementAt(buyer);
    expect(after.missingPayments).toBeUndefined();
    expect(after.totals).toEqual(before.totals);
    expect(after.payments.find((p) => p.id === 'P3')?.receipt).toBe('received');
    // Received stays received; marking it so again records nothing.
    const again = await mark(seller, 'missing', { reason: 'changed our mind' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('PAYMENT_RECEIVED');
    const entries = async () => (await seller.store.listEntries(id)).length;
    const count = await entries();
    expect((await mark(seller, 'received')).status).toBe(200);
    expect(await entries()).toBe(count);
  });
});
