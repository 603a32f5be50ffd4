import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore, sqliteLogSyncs } from './sqlite.ts';
import { bilateralRecord, SELLER, streamOf, tempDirs } from './store.fixtures.ts';
import { WalSync } from './wal-sync.ts';

const temp = tempDirs('sb-wal-sync-');
const tempDir = temp.make;
afterEach(temp.clear);

describe('WalSync', () => {
  it('covers the commits made together with one fsync, and a later commit with the next', async () => {
    const path = join(tempDir(), 'x.db');
    const store = createSqliteStore(path);
    await store.migrate();
    const wal = new WalSync(path);
    try {
      await Promise.all(Array.from({ length: 10 }, () => wal.sync()));
      expect(wal.syncs).toBe(1);
      // One running, two asked meanwhile: they share the one after it.
      const first = wal.sync();
      await Promise.resolve();
      await Promise.all([first, wal.sync(), wal.sync()]);
      expect(wal.syncs).toBe(3);
    } finally {
      await wal.close();
      await store.close();
    }
  });

  it('settles once every sync asked for has run, without one of its own', async () => {
    const path = join(tempDir(), 'x.db');
    const store = createSqliteStore(path);
    await store.migrate();
    const wal = new WalSync(path);
    try {
      await wal.settled();
      expect(wal.syncs).toBe(0);
      const asked = wal.sync();
      await wal.settled();
      expect(wal.syncs).toBe(1);
      await asked;
      // One running and one waiting after it: settled waits for both.
      void wal.sync();
      await Promise.resolve();
      void wal.sync();
      await wal.settled();
      expect(wal.syncs).toBe(3);
    } finally {
      await wal.close();
      await store.close();
    }
  });

  it('fails, and refuses to sync later, once closed', async () => {
    const path = join(tempDir(), 'x.db');
    const store = createSqliteStore(path);
    await store.migrate();
    const wal = new WalSync(path);
    await wal.sync();
    await wal.close();
    await expect(wal.sync()).rejects.toThrow(/closed/);
    await store.close();
  });
});

describe('durable commits on a SQLite file', () => {
  it('the connection runs synchronous=NORMAL, and an entry is acknowledged only after a sync of the log', async () => {
    const path = join(tempDir(), 'node.db');
    const store = createSqliteStore(path);
    try {
      await store.migrate();
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
      expect(rows[0]?.synchronous).toBe(1);
      const record = bilateralRecord('wal');
      await store.putBilateral(record);
      const [first, second] = streamOf(record.id, SELLER, 2);
      const before = sqliteLogSyncs(path)!;
      await store.appendEntry(first!);
      const afterEntry = sqliteLogSyncs(path)!;
      expect(afterEntry).toBe(before + 1);
      // Reads and relaxed writes (an audit record) owe no sync.
      await store.listEntries(record.id);
      await store.appendAudit({
        at: '2026-01-01T00:00:00.000Z',
        actor: 'system',
        action: 'test',
        bilateral: null,
        request: null,
        result: null,
        outcome: 'ok',
        code: null,
      });
      expect(sqliteLogSyncs(path)).toBe(afterEntry);
      await store.appendEntry(second!);
      expect(sqliteLogSyncs(path)).toBe(afterEntry + 1);
    } finally {
      await store.close();
    }
    expect(sqliteLogSyncs(path)).toBeUndefined();
  });

  it('an entry read before its fsync ends is durable once durable() resolves', async () => {
    const path = join(tempDir(), 'node.db');
    const store = createSqliteStore(path);
    try {
      await store.migrate();
      const record = bilateralRecord('read-early');
      await store.putBilateral(record);
      const [entry] = streamOf(record.id, SELLER, 1);
      const before = sqliteLogSyncs(path)!;
      const appended = store.appendEntry(entry!);
      // The read queues behind the append's transaction and runs once COMMIT released the connection.
      const seen = await store.listEntries(record.id);
      expect(seen.map((e) => e.hash)).toEqual([entry!.hash]);
      await store.durable();
      expect(sqliteLogSyncs(path)).toBe(before + 1);
      await appended;
      // Nothing owed: no fsync of its own.
      await store.durable();
      expect(sqliteLogSyncs(path)).toBe(before + 1);
    } finally {
      await store.close();
    }
  });

  it('what was acknowledged is there after the store is opened again', async () => {
    const path = join(tempDir(), 'node.db');
    const record = bilateralRecord('reopen');
    const entries = streamOf(record.id, SELLER, 5);
    const store = createSqliteStore(path);
    await store.migrate();
    await store.putBilateral(record);
    for (const e of entries) await store.appendEntry(e);
    await store.close();
    const again = createSqliteStore(path);
    try {
      await again.migrate();
      expect((await again.listEntries(record.id)).map((e) => e.hash)).toEqual(entries.map((e) => e.hash));
    } finally {
      await again.close();
    }
  });
});
