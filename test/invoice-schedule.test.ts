/**
 * The Seller's node issues each closed period's invoice by itself, numbered
 * without a gap, and the Buyer's node answers each; periods with no line,
 * and periods not yet past the delay, are not issued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedInvoice } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';

describe('scheduled invoicing', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let id: string;

  beforeAll(async () => {
    ({ seller, buyer, id } = await exampleBilateral(network));
  });
  afterAll(() => network.close());

  it('issues nothing before a period is past the delay', async () => {
    // The example's first period ends 2026-02-01: a delay reaching past today leaves everything alone.
    const sinceFebruary = Date.now() - Date.parse('2026-02-01T00:00:00Z');
    expect(await seller.node.invoices.issueDue(sinceFebruary + 86_400_000)).toEqual([]);
    expect(await buyer.node.invoices.issueDue(0)).toEqual([]);
  });

  it('issues each closed period with a line, once, numbered 1, 2, 3; the Buyer accepts each', async () => {
    const issued = await seller.node.invoices.issueDue(0);
    expect(issued.map((i) => i.period)).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(await seller.node.invoices.issueDue(0)).toEqual([]);
    await seller.node.idle();
    await buyer.node.idle();
    for (const node of [seller, buyer]) {
      const list = await node.call<IssuedInvoice[]>('GET', `/bilaterals/${id}/invoices`);
      expect(list.body.map((i) => [i.number, i.period, i.status])).toEqual([
        [1, '2026-01', 'accepted'],
        [2, '2026-02', 'accepted'],
        [3, '2026-03', 'accepted'],
      ]);
    }
  });

  it('a period that gains a line later is issued then, with the next number', async () => {
    // A new service ordered and active in June: June's invoice now has lines.
    const order = [
      {
        type: 'service.ordered',
        service: 'S2',
        offering: 'dia',
        plan: '100M',
        termMonths: 12,
        at: '2026-06-01T00:00:00Z',
      },
      { type: 'service.activated', service: 'S2', at: '2026-06-02T00:00:00Z' },
      { type: 'service.terminated', service: 'S2', at: '2026-06-20T00:00:00Z' },
    ];
    for (const fact of order) {
      expect((await seller.call('POST', `/bilaterals/${id}/facts?wait=replicated`, fact)).status).toBe(201);
    }
    const issued = await seller.node.invoices.issueDue(0);
    expect(issued.map((i) => i.period)).toEqual(['2026-06']);
    await buyer.node.idle();
    const list = await buyer.call<IssuedInvoice[]>('GET', `/bilaterals/${id}/invoices`);
    expect(list.body.map((i) => [i.number, i.period])).toEqual([
      [1, '2026-01'],
      [2, '2026-02'],
      [3, '2026-03'],
      [4, '2026-06'],
    ]);
  });
});
