/**
 * Heads kept in memory beside a SQLite connection: exact after commits,
 * rollbacks and other processes' writes (head-cache.ts).
 */
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HeadCache, streamKey, UNKNOWN } from './head-cache.ts';
import { createSqliteStore } from './sqlite.ts';
import { bilateralRecord, storedEntry, streamOf, tempDirs } from './store.fixtures.ts';

const dirs = tempDirs('sb-head-cache-');
afterEach(() => dirs.clear());

describe('HeadCache', () => {
  const head = (seq: number) => ({ seq, hash: `h${seq}` });

  it('shows a staged head only inside its transaction, and as committed only after the commit', () => {
    const version = 1;
    const cache = new HeadCache(() => version);
    const key = streamKey('b', 'a');
    cache.fill(key, head(1), cache.stamp());
    cache.begun();
    cache.stage(key, head(2));
    expect(cache.headInTransaction(key)).toEqual(head(2));
    expect(cache.head(key)).toEqual(head(1));
    cache.committed();
    expect(cache.head(key)).toEqual(head(2));
    cache.begun();
    cache.stage(key, head(3));
    cache.rolledBack();
    expect(cache.head(key)).toEqual(head(2));
    expect(cache.headInTransaction(key)).toEqual(head(2));
  });

  it('keeps no read that a commit may have overtaken, and forgets all when another connection commits', () => {
    let version = 1;
    const cache = new HeadCache(() => version);
    const key = streamKey('b', 'a');
    const stamp = cache.stamp();
    cache.begun();
    cache.committed();
    cache.fill(key, head(1), stamp);
    expect(cache.head(key)).toBe(UNKNOWN);
    cache.fill(key, undefined, cache.stamp());
    expect(cache.head(key)).toBeUndefined();
    cache.bilateralStored('b', cache.stamp());
    expect(cache.hasBilateral('b')).toBe(true);
    version = 2;
    expect(cache.head(key)).toBe(UNKNOWN);
    expect(cache.hasBilateral('b')).toBe(false);
  });
});

/** A store on a new file holding one bilateral, and that bilateral's stream 'a' (not stored). */
async function fresh(label: string, count: number) {
  const dir = dirs.make();
  const record = bilateralRecord(label);
  const store = createSqliteStore(join(dir, 'node.db'));
  await store.migrate();
  await store.putBilateral(record);
  return { dir, record, store, entries: streamOf(record.id, 'a', count) };
}

describe('heads from memory in the SQLite store', () => {
  it('sees an entry another connection appended, and appends after it', async () => {
    const { dir, record, store, entries } = await fresh('cache', 6);
    const other = createSqliteStore(join(dir, 'other.db'));
    try {
      await other.migrate();
      await other.putBilateral(record);
      for (const entry of entries.slice(0, 3)) await store.appendEntry(entry);
      expect((await store.heads(record.id, ['a', 'b']))[0]?.seq).toBe(3);
      expect((await store.head(record.id, 'a'))?.seq).toBe(3);
      for (const entry of entries.slice(0, 4)) await other.appendEntry(entry);
      // Another connection (as another process would) writes entry 4 into the node's file.
      const raw = new Sqlite(join(dir, 'node.db'));
      raw.exec(`attach '${join(dir, 'other.db')}' as other`);
      raw.exec('insert into entries select * from other.entries where seq = 4');
      raw.close();
      expect(await store.head(record.id, 'a')).toEqual({ seq: 4, hash: entries[3]!.hash });
      expect((await store.heads(record.id, ['a', 'b']))[0]?.seq).toBe(4);
      expect(await store.appendEntry(entries[4]!)).toEqual({ status: 'appended' });
      expect((await store.head(record.id, 'a'))?.seq).toBe(5);
    } finally {
      await store.close();
      await other.close();
    }
  });

  it('keeps the head a rolled-back run of entries would have moved', async () => {
    const { record, store, entries } = await fresh('rollback', 6);
    try {
      await store.appendEntries(entries.slice(0, 3));
      // Entry 4 and then 6: the gap refuses the whole run.
      await expect(store.appendEntries([entries[3]!, entries[5]!])).rejects.toMatchObject({
        code: 'STORE_NOT_NEXT',
      });
      expect((await store.head(record.id, 'a'))?.seq).toBe(3);
      // A duplicate at 3 with another hash is a conflict, and moves nothing.
      const variant = storedEntry(record.id, 'a', 3, entries[1]!.hash, 'other');
      expect((await store.appendEntry(variant)).status).toBe('conflict');
      expect(await store.appendEntries([entries[3]!, entries[4]!])).toEqual([
        { status: 'appended' },
        { status: 'appended' },
      ]);
      expect(await store.head(record.id, 'a')).toEqual({ seq: 5, hash: entries[4]!.hash });
    } finally {
      await store.close();
    }
  });

  it('answers heads read while appends commit with heads the database holds', async () => {
    const { dir, record, store, entries } = await fresh('race', 40);
    try {
      const seen: number[] = [];
      const reads = (async () => {
        for (let i = 0; i < 200; i++) seen.push((await store.head(record.id, 'a'))?.seq ?? 0);
      })();
      for (const entry of entries) await store.appendEntry(entry);
      await reads;
      // Never ahead of what was appended, never going back.
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
      expect(await store.head(record.id, 'a')).toEqual({ seq: 40, hash: entries[39]!.hash });
      const raw = new Sqlite(join(dir, 'node.db'), { readonly: true });
      expect(raw.prepare('select max(seq) from entries').pluck().get()).toBe(40);
      raw.close();
    } finally {
      await store.close();
    }
  });
});
