/**
 * The conformance suite of the notification tables (the event feed and the
 * hub's subscriptions), part of `describeStore`, so it runs on every engine.
 */
import { describe, expect, it } from 'vitest';
import { freshStores, type OpenedStore } from './access.conformance.ts';
import { hex } from './store.fixtures.ts';
import type { EventInput, SubscriptionRecord } from './types.ts';

const T0 = '2026-01-01T00:00:00.000Z';

function event(bilateral: string, author: string, entrySeq: number, type = 'fact.recorded'): EventInput {
  return {
    at: T0,
    bilateral,
    author,
    entrySeq,
    hash: hex(`${bilateral}/${author}/${entrySeq}`),
    type,
    data: { n: entrySeq },
  };
}

function subscription(id: string, overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id,
    callback: `https://hooks.example/${id}`,
    query: { types: ['invoice.issued'] },
    secret: `secret-${id}`,
    createdAt: T0,
    createdBy: 'c00000000001',
    cursor: 0,
    failures: 0,
    nextAt: T0,
    lastError: null,
    ...overrides,
  };
}

export function describeEvents(open: () => Promise<OpenedStore>): void {
  describe('notification tables', () => {
    const fresh = freshStores(open);

    it('records one event per entry, in order; deriving it again adds nothing', async () => {
      const { store, reopen } = await fresh();
      const [a, b] = [hex('a'), hex('b')];
      expect(await store.lastEventSeq()).toBe(0);
      expect(
        await store.appendEvents([event(a, 's', 1), event(a, 'b', 1), event(b, 's', 1, 'invoice.issued')]),
      ).toBe(3);
      expect(await store.appendEvents([event(a, 's', 1), event(a, 's', 2)])).toBe(1);
      const all = await store.listEvents({ limit: 100 });
      expect(all.map((e) => [e.bilateral, e.author, e.entrySeq])).toEqual([
        [a, 's', 1],
        [a, 'b', 1],
        [b, 's', 1],
        [a, 's', 2],
      ]);
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((x, y) => x - y));
      expect(all[0]!.data).toEqual({ n: 1 });
      expect(await store.lastEventSeq()).toBe(all[3]!.seq);
      expect(await store.eventHeads()).toEqual(
        new Map([
          [`${a}\ns`, 2],
          [`${a}\nb`, 1],
          [`${b}\ns`, 1],
        ]),
      );
      const again = await reopen();
      expect((await again.listEvents({ after: all[1]!.seq, limit: 1 })).map((e) => e.entrySeq)).toEqual([1]);
      expect((await again.listEvents({ limit: 10, bilaterals: [b] })).map((e) => e.type)).toEqual([
        'invoice.issued',
      ]);
      expect(
        (await again.listEvents({ limit: 10, types: ['invoice.issued', 'x'] })).map((e) => e.bilateral),
      ).toEqual([b]);
      expect(await again.listEvents({ limit: 10, bilaterals: [] })).toEqual([]);
    });

    it('refuses bad events and queries, naming the field, and writes nothing', async () => {
      const { store } = await fresh();
      const bad = [event(hex('a'), 's', 1), { ...event(hex('a'), 's', 2), entrySeq: 0 }];
      await expect(store.appendEvents(bad)).rejects.toMatchObject({
        code: 'STORE_BAD_EVENT',
        issues: [expect.objectContaining({ path: '[1].entrySeq' })],
      });
      expect(await store.lastEventSeq()).toBe(0);
      await expect(store.listEvents({ limit: 0 })).rejects.toMatchObject({ code: 'STORE_BAD_EVENT' });
      await expect(store.listEvents({ limit: 1, after: -1 })).rejects.toMatchObject({
        code: 'STORE_BAD_EVENT',
      });
    });

    it('keeps subscriptions and their delivery state across a reopen; removes one once', async () => {
      const { store, reopen } = await fresh();
      await store.putSubscription(subscription('s1'));
      await store.putSubscription(subscription('s2', { query: {}, createdAt: '2026-01-02T00:00:00.000Z' }));
      await store.updateSubscription('s1', {
        cursor: 7,
        failures: 2,
        nextAt: '2026-01-01T00:05:00.000Z',
        lastError: 'callback answered 500',
      });
      const again = await reopen();
      expect(await again.listSubscriptions()).toEqual([
        subscription('s1', {
          cursor: 7,
          failures: 2,
          nextAt: '2026-01-01T00:05:00.000Z',
          lastError: 'callback answered 500',
        }),
        subscription('s2', { query: {}, createdAt: '2026-01-02T00:00:00.000Z' }),
      ]);
      expect(await again.deleteSubscription('s1')).toBe(true);
      expect(await again.deleteSubscription('s1')).toBe(false);
      expect((await again.listSubscriptions()).map((s) => s.id)).toEqual(['s2']);
      await expect(again.putSubscription(subscription('s3', { nextAt: 'soon' }))).rejects.toMatchObject({
        code: 'STORE_BAD_SUBSCRIPTION',
      });
    });
  });
}
