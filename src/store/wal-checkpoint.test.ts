import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore, sqliteCheckpointer } from './sqlite.ts';
import { tempDirs } from './store.fixtures.ts';
import { BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpoint.ts';

const temp = tempDirs('sb-wal-checkpoint-');
const tempDir = temp.make;
afterEach(temp.clear);

/** A WAL database whose own connection never checkpoints, with one table of 64 KiB rows. */
function database(path: string): Sqlite.Database {
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (n integer primary key, blob blob not null)');
  return db;
}

const MiB = 2 ** 20;

describe('WalCheckpointer', () => {
  it('copies the log into the database on its thread, so the log restarts instead of growing', async () => {
    const path = join(tempDir(), 'x.db');
    const db = database(path);
    const insert = db.prepare('insert into t (blob) values (?)');
    const write = db.transaction(() => {
      for (let i = 0; i < 16; i++) insert.run(Buffer.alloc(64 * 1024, i));
    });
    const checkpoints = new WalCheckpointer(path, { minIntervalMs: 0 });
    try {
      // 20 commits of 1 MiB: without checkpoints the log would hold all 20 MiB.
      for (let round = 0; round < 20; round++) {
        write();
        checkpoints.nudge();
        await checkpoints.settled();
      }
      expect(checkpoints.checkpoints).toBe(20);
      expect(checkpoints.failures).toBe(0);
      expect(statSync(`${path}-wal`).size).toBeLessThan(3 * MiB);
      // The rows are in the database file itself.
      expect(statSync(path).size).toBeGreaterThan(19 * MiB);
      expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 320 });
    } finally {
      await checkpoints.close();
      db.close();
    }
    // The last connection closed: the log is checkpointed and gone, as without the worker.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('runs one checkpoint at a time: commits asked for meanwhile share the next one', async () => {
    const path = join(tempDir(), 'x.db');
    const db = database(path);
    const checkpoints = new WalCheckpointer(path, { minIntervalMs: 0 });
    try {
      db.prepare('insert into t (blob) values (?)').run(Buffer.alloc(1024));
      for (let i = 0; i < 10; i++) checkpoints.nudge();
      await checkpoints.settled();
      expect(checkpoints.checkpoints).toBe(2);
      // Closing waits for nothing more and ends the worker; a nudge after it does nothing.
      await checkpoints.close();
      checkpoints.nudge();
      await checkpoints.settled();
      expect(checkpoints.checkpoints).toBe(2);
    } finally {
      await checkpoints.close();
      db.close();
    }
  });

  it("is what a store on a file uses, its own connection checkpointing only past the backstop's mark", async () => {
    const path = join(tempDir(), 'node.db');
    const store = createSqliteStore(path);
    try {
      await store.migrate();
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
      expect(rows[0]?.wal_autocheckpoint).toBe(BACKSTOP_PAGES);
      const checkpoints = sqliteCheckpointer(path)!;
      await checkpoints.settled();
      // Migrating committed: the worker checkpointed at least once.
      expect(checkpoints.checkpoints).toBeGreaterThan(0);
      expect(checkpoints.failures).toBe(0);
    } finally {
      await store.close();
    }
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
