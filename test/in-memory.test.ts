/**
 * The worked example end to end between two nodes in one process (no
 * sockets, in-memory stores): the same peer protocol, checks and agreement
 * as over HTTP, fast enough for the unit run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce } from '../src/api/index.ts';
import { hashJson } from '../src/ledger/index.ts';
import type { IssuedInvoice } from '../src/node/index.ts';
import { MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleFacts, exampleTerms } from './support.ts';

describe('two nodes in memory', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let id: string;

  beforeAll(async () => {
    seller = await network.add('acme-fiber');
    buyer = await network.add('globex');
    await introduce(seller, buyer);
  });
  afterAll(() => network.close());

  it('agree on the terms, replicate facts, and agree every invoice to the hash', async () => {
    const created = await seller.call<{ id: string }>('POST', '/bilaterals', {
      terms: exampleTerms(),
      peer: buyer.node.endpoint,
    });
    expect(created.status).toBe(201);
    id = created.body.id;
    for (const fact of exampleFacts()) {
      const by = fact.type === 'outage' ? buyer : seller;
      const recorded = await by.call<{ replicated: boolean }>(
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        fact,
      );
      expect(recorded.body.replicated).toBe(true);
    }
    for (const period of ['2026-01', '2026-02', '2026-03']) {
      const issued = await seller.call<IssuedInvoice>('POST', `/bilaterals/${id}/invoices`, { period });
      expect(issued.status).toBe(201);
      await buyer.node.idle();
      const preview = await buyer.call('GET', `/bilaterals/${id}/invoices/${period}/preview`);
      expect(hashJson(preview.body as never)).toBe(issued.body.body.invoiceHash);
    }
    const invoices = await seller.call<IssuedInvoice[]>('GET', `/bilaterals/${id}/invoices`);
    expect(invoices.body.map((i) => i.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const checkpoints = await buyer.call<{ sigs: Record<string, string> }[]>(
      'GET',
      `/bilaterals/${id}/checkpoints`,
    );
    expect(Object.keys(checkpoints.body.at(-1)?.sigs ?? {}).sort()).toEqual(['acme-fiber', 'globex']);
  });

  it('queues what a node records while its counterparty is away, and catches up', async () => {
    const away = network.unplug('globex')!;
    const fact = { type: 'outage', service: 'S1', from: '2026-03-20T00:00:00Z', to: '2026-03-20T01:00:00Z' };
    const recorded = await seller.call<{ replicated: boolean }>(
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      fact,
    );
    expect(recorded.body.replicated).toBe(false);
    network.plug('globex', away);
    await buyer.call('POST', `/bilaterals/${id}/sync`);
    const heads = (m: MemoryNode) => m.call<{ heads: unknown }>('GET', `/bilaterals/${id}`);
    expect((await heads(buyer)).body.heads).toEqual((await heads(seller)).body.heads);
  });

  it('commits single facts arriving together as one entry, each checked on its own', async () => {
    const outage = (day: number) => ({
      type: 'outage',
      service: 'S1',
      from: `2026-03-${String(day).padStart(2, '0')}T10:00:00Z`,
      to: `2026-03-${String(day).padStart(2, '0')}T10:30:00Z`,
    });
    const unknown = {
      type: 'outage',
      service: 'S9',
      from: '2026-03-05T10:00:00Z',
      to: '2026-03-05T11:00:00Z',
    };
    const before = (await seller.call<unknown[]>('GET', `/bilaterals/${id}/entries?author=acme-fiber`)).body
      .length;
    const answers = await Promise.all([
      ...Array.from({ length: 24 }, (_, i) =>
        seller.call<{ ref: string; replicated: boolean }>(
          'POST',
          `/bilaterals/${id}/facts?wait=replicated`,
          outage(i + 1),
        ),
      ),
      seller.call<{ code: string }>('POST', `/bilaterals/${id}/facts?wait=replicated`, unknown),
    ]);
    const refused = answers.at(-1)!;
    expect([refused.status, (refused.body as { code: string }).code]).toEqual([422, 'FACTS_INCONSISTENT']);
    const recorded = answers.slice(0, -1) as { status: number; body: { ref: string; replicated: boolean } }[];
    expect(recorded.every((a) => a.status === 201 && a.body.replicated)).toBe(true);
    expect(new Set(recorded.map((a) => a.body.ref)).size).toBe(24);
    // Fewer entries than facts: they were grouped, and the refused one is in none of them.
    const entries = (
      await seller.call<{ entry: { kind: string } }[]>('GET', `/bilaterals/${id}/entries?author=acme-fiber`)
    ).body;
    expect(entries.length - before).toBeLessThan(24);
    expect(entries.slice(before).some((e) => e.entry.kind === 'facts')).toBe(true);
    const atBuyer = (await buyer.call<unknown[]>('GET', `/bilaterals/${id}/entries?author=acme-fiber`)).body;
    expect(atBuyer.length).toBe(entries.length);
  });

  it('answers a single fact once stored, by default, and replicates it right after', async () => {
    const fact = { type: 'outage', service: 'S1', from: '2026-03-27T00:00:00Z', to: '2026-03-27T00:10:00Z' };
    const recorded = await seller.call<{ ref: string; replicated: null }>(
      'POST',
      `/bilaterals/${id}/facts`,
      fact,
    );
    expect([recorded.status, recorded.body.replicated]).toEqual([201, null]);
    const [author, seq] = recorded.body.ref.split('/');
    // Stored here before the answer: the entry is listed at once.
    const mine = await seller.call<{ entry: { seq: number } }[]>(
      'GET',
      `/bilaterals/${id}/entries?author=${author}&from=${seq}`,
    );
    expect(mine.body.map((e) => e.entry.seq)).toEqual([Number(seq)]);
    // The push was started, not awaited: once the seller's background work is done, the buyer holds it.
    await seller.node.idle();
    const heads = (m: MemoryNode) => m.call<{ heads: unknown }>('GET', `/bilaterals/${id}`);
    expect((await heads(buyer)).body.heads).toEqual((await heads(seller)).body.heads);
  });

  it('refuses an unknown wait, naming it, and records nothing', async () => {
    const fact = { type: 'outage', service: 'S1', from: '2026-03-28T00:00:00Z', to: '2026-03-28T00:10:00Z' };
    const before = (await seller.call<{ heads: unknown }>('GET', `/bilaterals/${id}`)).body.heads;
    for (const wait of ['later', 'REPLICATED', '']) {
      const refused = await seller.call<{ code: string; message: string }>(
        'POST',
        `/bilaterals/${id}/facts?wait=${wait}`,
        fact,
      );
      expect([refused.status, refused.body.code]).toEqual([400, 'BAD_REQUEST']);
      expect(refused.body.message).toContain('wait');
    }
    expect((await seller.call<{ heads: unknown }>('GET', `/bilaterals/${id}`)).body.heads).toEqual(before);
  });
});
