/**
 * A node reads its stream's head from the store for each append, never from
 * a copy in memory. Something else writing to its store (here a second node
 * object over the same store and key, as a second process would) is then
 * followed, not forked: a head kept in memory went stale here, signed a
 * second entry at a seq already taken (an equivocation of our own), and the
 * store's answer "conflict" left the fact unrecorded behind a success.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartyNode } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';

const outage = (day: number) => ({
  type: 'outage',
  service: 'S1',
  from: `2026-02-${String(day).padStart(2, '0')}T01:00:00Z`,
  to: `2026-02-${String(day).padStart(2, '0')}T01:30:00Z`,
  maintenance: false,
});

describe('a stream written beside the node', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let id: string;

  beforeAll(async () => {
    ({ seller, id } = await exampleBilateral(network));
  });
  afterAll(() => network.close());
  /** A second node object over the same store and key, as a second process would be. */
  const twinOf = (node: MemoryNode) =>
    new PartyNode({
      party: node.node.party,
      keys: node.keys,
      store: node.store,
      endpoint: node.node.endpoint,
      fetch: network.fetch,
    });

  it('is followed: both writers’ entries chain in one stream, each fact recorded once', async () => {
    const twin = twinOf(seller);
    const before = (await seller.store.head(id, 'acme-fiber'))!.seq;
    await seller.node.facts.record(id, outage(10), 'stored');
    await twin.facts.record(id, outage(11), 'stored');
    // The first node's head of its own stream is now one behind the store.
    const third = await seller.node.facts.record(id, outage(12), 'stored');
    expect(third.entry.signed.entry.seq).toBe(before + 3);
    const stream = (await seller.store.listEntries(id, { author: 'acme-fiber' })).map((e) => e.signed.entry);
    expect(stream.map((e) => e.seq)).toEqual(stream.map((_, i) => i + 1));
    const recorded = stream.slice(before).map((e) => (e.body as { from?: string }).from?.slice(8, 10));
    expect(recorded).toEqual(['10', '11', '12']);
    await twin.idle();
  });

  it('an entry whose seq another writer takes between the head read and the append is refused, never reported recorded', async () => {
    const twin = twinOf(seller);
    const store = seller.store as unknown as { appendEntry: (...a: unknown[]) => Promise<unknown> };
    const original = store.appendEntry;
    let raced = false;
    store.appendEntry = async function (this: unknown, ...args: unknown[]) {
      if (!raced) {
        raced = true;
        // The twin takes the seq the first node is about to append.
        await twin.facts.record(id, outage(20), 'stored');
      }
      return original.apply(this, args);
    };
    try {
      const answer = await seller.call<{ code: string }>('POST', `/bilaterals/${id}/facts`, outage(21));
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('STATE_DIFFERS');
    } finally {
      store.appendEntry = original;
    }
    const days = (await seller.store.listEntries(id, { author: 'acme-fiber' })).map((e) =>
      (e.signed.entry.body as { from?: string }).from?.slice(8, 10),
    );
    expect(days).toContain('20');
    expect(days).not.toContain('21');
    // Asked again, it is recorded after the twin's.
    expect((await seller.call('POST', `/bilaterals/${id}/facts`, outage(21))).status).toBe(201);
    await twin.idle();
  });
});
