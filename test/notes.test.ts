/**
 * Late facts between two nodes: an invoice, once issued and accepted, never
 * changes; a late outage makes the Seller's node issue a credit note and a
 * late boost a debit note, each checked and accepted by the Buyer's node,
 * and the statement counts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedInvoice, IssuedNote } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleFacts } from './support.ts';

describe('credit and debit notes', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let id: string;
  const outage = exampleFacts().find((f) => f.type === 'outage')!;

  beforeAll(async () => {
    ({ seller, buyer, id } = await exampleBilateral(network, {
      facts: exampleFacts().filter((f) => f.type !== 'outage'),
    }));
    for (const period of ['2026-01', '2026-02']) {
      expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period })).status).toBe(201);
    }
    await buyer.node.idle();
  });
  afterAll(() => network.close());

  const notesOf = async (node: MemoryNode) =>
    (await node.call<IssuedNote[]>('GET', `/bilaterals/${id}/notes`)).body;

  it('nothing to correct: no note', async () => {
    const answer = await seller.call<{ issued: unknown[] }>('POST', `/bilaterals/${id}/notes`);
    expect(answer.status).toBe(200);
    expect(answer.body.issued).toEqual([]);
  });

  it('a late outage: the invoice stays, a credit note for the SLA credit follows, accepted by the Buyer', async () => {
    const before = (await seller.call<IssuedInvoice[]>('GET', `/bilaterals/${id}/invoices`)).body;
    expect((await buyer.call('POST', `/bilaterals/${id}/facts?wait=replicated`, outage)).status).toBe(201);
    const answer = await seller.call<{ issued: { period: string; type: string }[] }>(
      'POST',
      `/bilaterals/${id}/notes`,
    );
    expect(answer.body.issued).toEqual([{ bilateral: id, period: '2026-02', type: 'credit' }]);
    await buyer.node.idle();
    await seller.node.idle();
    const [atSeller, atBuyer] = [await notesOf(seller), await notesOf(buyer)];
    expect(atSeller).toEqual(atBuyer);
    expect(atSeller.map((n) => [n.period, n.body.note.type, n.status])).toEqual([
      ['2026-02', 'credit', 'accepted'],
    ]);
    const note = atSeller[0]!.body.note;
    expect(note.lines.map((l) => [l.kind, l.service])).toEqual([['sla-credit', 'S1']]);
    expect(note.total.startsWith('-')).toBe(true);
    // Invoice + note = February rated now, to the cent.
    const now = (await seller.call<{ total: string }>('GET', `/bilaterals/${id}/invoices/2026-02/preview`))
      .body;
    const cents = (t: string) => BigInt(t.replace('.', ''));
    const invoice = before.find((i) => i.period === '2026-02')!.body.invoice;
    expect(cents(invoice.total) + cents(note.total)).toBe(cents(now.total));
    // The issued invoice did not change.
    expect((await seller.call<IssuedInvoice[]>('GET', `/bilaterals/${id}/invoices`)).body).toEqual(before);
    // Asked again: nothing more to correct.
    expect((await seller.call<{ issued: unknown[] }>('POST', `/bilaterals/${id}/notes`)).body.issued).toEqual(
      [],
    );
  });

  it('a late boost makes a debit note, counting the credit note before it; statements count both', async () => {
    const boost = {
      type: 'bandwidth.boost',
      service: 'S1',
      plan: '10G',
      from: '2026-02-10T10:00:00Z',
      to: '2026-02-10T12:00:00Z',
    };
    expect((await seller.call('POST', `/bilaterals/${id}/facts?wait=replicated`, boost)).status).toBe(201);
    const answer = await seller.call<{ issued: { type: string }[] }>('POST', `/bilaterals/${id}/notes`);
    expect(answer.body.issued.map((n) => n.type)).toEqual(['debit']);
    await buyer.node.idle();
    const notes = await notesOf(buyer);
    expect(notes.map((n) => [n.body.note.type, n.status])).toEqual([
      ['credit', 'accepted'],
      ['debit', 'accepted'],
    ]);
    expect(notes[1]!.body.note.lines.map((l) => l.kind)).toEqual(['on-demand']);
    const [a, b] = await Promise.all(
      [seller, buyer].map((n) =>
        n.call<{ invoices: { document: string; period: string; total: string }[] }>(
          'GET',
          `/bilaterals/${id}/statement?asOf=2026-12-31`,
        ),
      ),
    );
    expect(a!.body).toEqual(b!.body);
    expect(a!.body.invoices.map((i) => [i.document, i.period])).toEqual([
      ['invoice', '2026-01'],
      ['invoice', '2026-02'],
      ['invoice', '2026-03'],
      ['debit-note', '2026-02'],
    ]);
    expect(a!.body.invoices[3]!.total).toBe(notes[1]!.body.note.total);
  });

  it('a correction by its author replaces a fact (a termination a day late): a credit note follows', async () => {
    // March is issued and accepted first.
    expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period: '2026-03' })).status).toBe(201);
    await buyer.node.idle();
    const termination = (
      await seller.call<{ entry: { seq: number; body: { type?: string } } }[]>(
        'GET',
        `/bilaterals/${id}/entries?author=acme-fiber`,
      )
    ).body.find((e) => e.entry.body.type === 'service.terminated')!;
    const ref = `acme-fiber/${termination.entry.seq}`;
    const correction = {
      type: 'service.terminated',
      service: 'S1',
      at: '2026-03-09T08:00:00Z',
      corrects: ref,
    };
    // Only its author corrects a fact.
    const byBuyer = await buyer.call<{ code: string }>('POST', `/bilaterals/${id}/facts`, correction);
    expect(byBuyer.status).toBe(422);
    expect(JSON.stringify(byBuyer.body)).toMatch(/corrected only by its own author/);
    expect((await seller.call('POST', `/bilaterals/${id}/facts?wait=replicated`, correction)).status).toBe(
      201,
    );
    // Once: a second correction of the same fact is refused.
    const again = await seller.call<{ code: string; message: string }>('POST', `/bilaterals/${id}/facts`, {
      ...correction,
      at: '2026-03-08T08:00:00Z',
    });
    expect(again.status).toBe(422);
    expect(again.body.message).toMatch(/already corrected by acme-fiber\/\d+/);
    const issued = await seller.call<{ issued: { period: string; type: string }[] }>(
      'POST',
      `/bilaterals/${id}/notes`,
    );
    expect(issued.body.issued).toEqual([{ bilateral: id, period: '2026-03', type: 'credit' }]);
    await buyer.node.idle();
    const march = (await notesOf(buyer)).filter((n) => n.period === '2026-03');
    expect(march.map((n) => n.status)).toEqual(['accepted']);
    expect(march[0]!.body.note.lines.map((l) => l.kind)).toContain('recurring');
  });
});
