/**
 * Disputes raised by the Buyer's node by itself, between two nodes in one
 * process: the Seller recorded a termination a day later than the Buyer's
 * inventory says, and the Buyer's NOC saw an outage the Seller did not
 * record. The Seller accepts the first (its node records the correction; a
 * credit note follows) and rejects the second; both nodes hold the same
 * disputes in the same states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisputeView, IssuedNote } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleTerms } from './support.ts';

const inventory = [
  { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' },
  { type: 'service.terminated', service: 'S1', at: '2026-03-09T08:00:00Z' },
];
const noc = [
  {
    type: 'outage',
    service: 'S1',
    from: '2026-03-02T04:00:00Z',
    to: '2026-03-02T10:00:00Z',
    maintenance: false,
  },
];

describe('disputes over facts', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let id: string;
  const disputesAt = async (node: MemoryNode) =>
    (await node.call<DisputeView[]>('GET', `/bilaterals/${id}/disputes`)).body;

  beforeAll(async () => {
    // Disputes are open for 1,000 days after an invoice (the example's 60 have passed since 2026).
    const terms = { ...exampleTerms(), disputes: { windowDays: 1000, responseDays: 15 } };
    ({ seller, buyer, id } = await exampleBilateral(network, { terms }));
    for (const period of ['2026-01', '2026-02', '2026-03']) {
      expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period })).status).toBe(201);
    }
    await buyer.node.idle();
  });
  afterAll(() => network.close());

  it('refuses observations that are not facts it compares, naming the fact and field', async () => {
    const bad = await buyer.call<{ code: string; details: unknown }>(
      'POST',
      `/bilaterals/${id}/observations`,
      {
        source: 'inventory',
        facts: [
          { type: 'usage', service: 'S1', metric: 'gb', quantity: '1', at: '2026-01-20T00:00:00Z', id: 'u1' },
        ],
      },
    );
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('facts[0].type');
    expect(
      (await buyer.call('POST', `/bilaterals/${id}/observations`, { source: 'no spaces', facts: [] })).status,
    ).toBe(400);
    // At most 5,000 facts a source: one more is refused, and nothing is kept or raised.
    const oversize = await buyer.call<{ code: string; message: string }>(
      'POST',
      `/bilaterals/${id}/observations`,
      {
        source: 'inventory',
        facts: Array.from({ length: 5001 }, () => inventory[1]),
      },
    );
    expect(oversize.status).toBe(400);
    expect(oversize.body.message).toMatch(/at most 5000 facts/);
    expect((await buyer.call<unknown[]>('GET', `/bilaterals/${id}/disputes`)).body).toEqual([]);
  });

  it("the Buyer's node raises a dispute for each difference by itself, with evidence and the amount at stake", async () => {
    const fromInventory = await buyer.call<{ raised: DisputeView[] }>(
      'POST',
      `/bilaterals/${id}/observations`,
      {
        source: 'inventory',
        facts: inventory,
      },
    );
    expect(fromInventory.status).toBe(200);
    expect(fromInventory.body.raised.map((d) => [d.body.fact, d.body.period, d.state])).toEqual([
      [expect.stringMatching(/^acme-fiber\/\d+$/), '2026-03', 'raised'],
    ]);
    const fromNoc = await buyer.call<{ raised: DisputeView[] }>('POST', `/bilaterals/${id}/observations`, {
      source: 'noc',
      facts: noc,
    });
    expect(fromNoc.body.raised.map((d) => [d.body.fact, d.body.evidence.source])).toEqual([[null, 'noc']]);
    const [termination, outage] = [fromInventory.body.raised[0]!, fromNoc.body.raised[0]!];
    // A day less of March, and an outage more: both lower what the Buyer owes.
    expect(termination.body.atStake.total.startsWith('-')).toBe(true);
    expect(termination.body.atStake.lines.map((l) => l.kind)).toContain('recurring');
    expect(outage.body.atStake.total.startsWith('-')).toBe(true);
    // Observing again raises nothing new.
    const again = await buyer.call<{ raised: DisputeView[] }>('POST', `/bilaterals/${id}/observations`, {
      source: 'noc',
      facts: noc,
    });
    expect(again.body.raised).toEqual([]);
    await seller.node.idle();
    expect((await disputesAt(seller)).map((d) => d.state)).toEqual(['raised', 'raised']);
    // While open, what is disputed is set aside from March's open amount on both nodes' statements.
    const cents = (t: string) => BigInt(t.replace('-', '').replace('.', ''));
    const atStake = cents(termination.body.atStake.total) + cents(outage.body.atStake.total);
    for (const node of [seller, buyer]) {
      const s = (
        await node.call<{ invoices: { period: string; disputed: string }[] }>(
          'GET',
          `/bilaterals/${id}/statement`,
        )
      ).body;
      expect(cents(s.invoices.find((i) => i.period === '2026-03')!.disputed)).toBe(atStake);
    }
    // March's recurring item is under investigation (MEF 141 item state); January's is not.
    type Items = { invoices: { period: string; items?: { kind: string; state: string }[] }[] };
    const items = (await buyer.call<Items>('GET', `/bilaterals/${id}/statement`)).body.invoices;
    const march = items.find((i) => i.period === '2026-03')!.items!;
    expect(march.find((i) => i.kind === 'recurring')!.state).toBe('disputeBeingInvestigated');
    expect(
      items.find((i) => i.period === '2026-01')!.items!.every((i) => i.state !== 'disputeBeingInvestigated'),
    ).toBe(true);
  });

  it('unanswered past responseDays, a dispute is escalated (a state both nodes derive)', async () => {
    const core = seller.node.core as unknown as { now: () => Date };
    const real = core.now;
    core.now = () => new Date(Date.now() + 16 * 86_400_000);
    try {
      expect((await disputesAt(seller)).map((d) => d.state)).toEqual(['escalated', 'escalated']);
    } finally {
      core.now = real;
    }
  });

  it('the Seller accepts one (its node records the correction; a credit note follows) and rejects the other', async () => {
    const [termination, outage] = await disputesAt(seller);
    // The Buyer cannot answer its own dispute.
    const own = await buyer.call<{ code: string }>(
      'POST',
      `/bilaterals/${id}/disputes/${termination!.id}/accept`,
    );
    expect(own.status).toBe(403);
    const accepted = await seller.call<DisputeView>(
      'POST',
      `/bilaterals/${id}/disputes/${termination!.id}/accept`,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.state).toBe('accepted');
    const rejected = await seller.call<DisputeView>(
      'POST',
      `/bilaterals/${id}/disputes/${outage!.id}/reject`,
      {
        reason: 'our monitoring shows the port up; the outage was at the Buyer’s CPE',
      },
    );
    expect(rejected.body.state).toBe('rejected');
    const twice = await seller.call<{ code: string }>(
      'POST',
      `/bilaterals/${id}/disputes/${outage!.id}/accept`,
    );
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('DISPUTE_ANSWERED');

    const notes = await seller.call<{ issued: { period: string; type: string }[] }>(
      'POST',
      `/bilaterals/${id}/notes`,
    );
    expect(notes.body.issued).toEqual([{ bilateral: id, period: '2026-03', type: 'credit' }]);
    await buyer.node.idle();
    await seller.node.idle();
    const [atSeller, atBuyer] = [await disputesAt(seller), await disputesAt(buyer)];
    expect(atSeller).toEqual(atBuyer);
    expect(atSeller.map((d) => d.state)).toEqual(['accepted', 'rejected']);
    const settled = (
      await seller.call<{ totals: { disputed: string } }>('GET', `/bilaterals/${id}/statement`)
    ).body;
    expect(settled.totals.disputed).toBe('0.00');
    // Answered: March's recurring item is credited (in part) by the note, on both nodes alike.
    type Items = { invoices: { period: string; items?: { kind: string; state: string }[] }[] };
    const [itemsAtSeller, itemsAtBuyer] = [
      (await seller.call<Items>('GET', `/bilaterals/${id}/statement`)).body.invoices,
      (await buyer.call<Items>('GET', `/bilaterals/${id}/statement`)).body.invoices,
    ];
    expect(itemsAtSeller).toEqual(itemsAtBuyer);
    const marchItems = itemsAtSeller.find((i) => i.period === '2026-03')!.items!;
    expect(marchItems.find((i) => i.kind === 'recurring')!.state).toBe('credit');
    const credit = (await buyer.call<IssuedNote[]>('GET', `/bilaterals/${id}/notes`)).body;
    expect(credit.map((n) => [n.period, n.body.note.type, n.status])).toEqual([
      ['2026-03', 'credit', 'accepted'],
    ]);
    // The credit equals what the dispute said was at stake.
    expect(credit[0]!.body.note.total).toBe(termination!.body.atStake.total);
    // The termination is settled: observing the same inventory raises nothing.
    const after = await buyer.call<{ raised: unknown[] }>('POST', `/bilaterals/${id}/observations`, {
      source: 'inventory',
      facts: inventory,
    });
    expect(after.body.raised).toEqual([]);
  });
});

describe('the dispute window', () => {
  const network = new MemoryNetwork();
  afterAll(() => network.close());

  it('closes windowDays after the invoice was issued: an older difference is not raised', async () => {
    const { seller, buyer, id } = await exampleBilateral(network);
    expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period: '2026-03' })).status).toBe(201);
    await buyer.node.idle();
    // March's invoice is dated 2026-04-01; 60 days have long passed.
    const late = await buyer.call<{ raised: unknown[] }>('POST', `/bilaterals/${id}/observations`, {
      source: 'inventory',
      facts: inventory,
    });
    expect(late.status).toBe(200);
    expect(late.body.raised).toEqual([]);
    expect((await buyer.call<unknown[]>('GET', `/bilaterals/${id}/disputes`)).body).toEqual([]);
  });
});

describe('the dispute window, in the billing zone', () => {
  const network = new MemoryNetwork();
  afterAll(() => network.close());

  it('closes at the end of its last day where the parties bill, not in UTC', async () => {
    // Auckland is UTC+12 in April: the window of an invoice issued 2026-04-01 with windowDays 10
    // ends at 2026-04-12T00:00 there, 2026-04-11T12:00Z.
    // The Buyer's clock runs true while the bilateral is agreed (peer requests carry the time).
    let now: Date | undefined;
    const base = exampleTerms() as { billing: Record<string, unknown> };
    const terms = {
      ...base,
      billing: { ...base.billing, timeZone: 'Pacific/Auckland' },
      disputes: { windowDays: 10, responseDays: 15 },
    };
    const { seller, buyer, id } = await exampleBilateral(network, {
      terms,
      buyerNow: () => now ?? new Date(),
    });
    expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period: '2026-03' })).status).toBe(201);
    await buyer.node.idle();
    const observe = () =>
      buyer.call<{ raised: unknown[] }>('POST', `/bilaterals/${id}/observations`, {
        source: 'noc',
        facts: noc,
      });
    // 12:30Z is still April 11 in UTC, but April 12 in Auckland: closed.
    now = new Date('2026-04-11T12:30:00Z');
    expect((await observe()).body.raised).toEqual([]);
    // A minute before the end of April 11 in Auckland: open.
    now = new Date('2026-04-11T11:59:00Z');
    expect((await observe()).body.raised).toHaveLength(1);
  });
});

describe('an acceptance cut short', () => {
  const network = new MemoryNetwork();
  afterAll(() => network.close());

  it('cites the correction already recorded instead of recording it twice', async () => {
    const terms = { ...exampleTerms(), disputes: { windowDays: 1000, responseDays: 15 } };
    const { seller, buyer, id } = await exampleBilateral(network, { terms });
    const raised = await buyer.call<{ raised: DisputeView[] }>('POST', `/bilaterals/${id}/observations`, {
      source: 'inventory',
      facts: [inventory[1]],
    });
    const [dispute] = raised.body.raised;
    await seller.node.idle();
    await buyer.node.idle();
    // As if the Seller's node had stored the correction and stopped before its acceptance.
    const recorded = await seller.call<{ ref: string }>(
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      dispute!.body.proposed,
    );
    expect(recorded.status).toBe(201);
    const accepted = await seller.call<DisputeView>(
      'POST',
      `/bilaterals/${id}/disputes/${dispute!.id}/accept`,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body.answer?.body.correction).toBe(recorded.body.ref);
  });
});
