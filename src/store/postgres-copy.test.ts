import { afterAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../core/index.ts';
import { openStore } from './open.ts';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from './pg.fixtures.ts';
import { copyField } from './postgres-copy.ts';
import { bilateralRecord, SELLER, storedEntry } from './store.fixtures.ts';

const databases: PgDatabase[] = [];

afterAll(async () => {
  await dropPgDatabases(databases);
});

describe('COPY text fields', () => {
  it('escapes backslash, tab, LF and CR, and nothing else', () => {
    expect(copyField('plain "json" é 🚀')).toBe('plain "json" é 🚀');
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  });
});

describe('usage rows through COPY on PostgreSQL', () => {
  it('round-trips awkward text, refuses a repeated id whole, and keeps the connection usable', async () => {
    const database = await createPgDatabase('sb_copy_test');
    databases.push(database);
    const store = await openStore(database.url);
    try {
      const bilateral = bilateralRecord('copy');
      await store.putBilateral(bilateral);
      const awkward: UsageRecord[] = [
        {
          id: 'id\\with\\backslashes',
          service: 'S1',
          metric: 'gb',
          quantity: '1.5',
          at: '2026-02-01T00:00:00Z',
          characteristics: { note: 'tab\there, line\nbreak, cr\r, quote " and \\ and \u0000 and 東京' },
        },
        { id: 'u2', service: 'S\\2', metric: 'gb', quantity: '2', at: '2026-02-01T00:00:01.250Z' },
      ];
      const first = storedEntry(bilateral.id, SELLER, 1, bilateral.id);
      expect(await store.appendEntryWithUsage(first, awkward)).toEqual({ status: 'appended' });
      expect(await store.usageBatchRecords(bilateral.id, SELLER, 1)).toEqual(awkward);
      const listed = await store.usageRecords(bilateral.id, SELLER, { limit: 10, service: 'S\\2' });
      expect(listed.map((u) => u.record)).toEqual([awkward[1]]);

      const second = storedEntry(bilateral.id, SELLER, 2, first.hash);
      const again = [{ ...awkward[1]!, id: 'u3' }, awkward[0]!];
      const error = await store.appendEntryWithUsage(second, again).then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      expect(error?.code).toBe('STORE_USAGE_CONFLICT');
      expect(await store.head(bilateral.id, SELLER)).toEqual({ seq: 1, hash: first.hash });
      expect((await store.hasUsageIds(bilateral.id, SELLER, ['u3'])).size).toBe(0);
      // The pool's connections still answer, and the same batch without the repeat goes in.
      expect(await store.appendEntryWithUsage(second, again.slice(0, 1))).toEqual({ status: 'appended' });
      expect(await store.usageBatchRecords(bilateral.id, SELLER, 2)).toEqual(again.slice(0, 1));
    } finally {
      await store.close();
    }
  });
});
