/**
 * Runs the conformance suite on both engines, and the checks that belong to
 * one engine or to `openStore`. PostgreSQL is always up here and in CI, so
 * its run never skips: every test gets a throwaway database (random name,
 * created from template0, dropped WITH (FORCE) in afterAll), so concurrent
 * runs and other suites never see each other. `SB_TEST_PG_ADMIN` overrides the
 * admin URL (default `postgres://postgres@127.0.0.1:5432/postgres`).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from './kysely-store.ts';
import { openStore } from './open.ts';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from './pg.fixtures.ts';
import { describeStore } from './store.conformance.ts';
import { bilateralRecord, streamOf } from './store.fixtures.ts';

const folder = mkdtempSync(join(tmpdir(), 'sb-store-test-'));
let files = 0;

const databases: PgDatabase[] = [];

afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  await dropPgDatabases(databases);
});

describeStore('sqlite', async () => {
  const url = `sqlite:${join(folder, `conformance-${++files}.db`)}`;
  return { store: await openStore(url), reopen: () => openStore(url) };
});

describeStore('postgres', async () => {
  const database = await createPgDatabase('sb_store_test');
  databases.push(database);
  const { url } = database;
  return { store: await openStore(url), reopen: () => openStore(url) };
});

describe('openStore', () => {
  it('refuses an unknown scheme without echoing the URL', async () => {
    for (const url of ['mysql://root:secret@db/x', 'data/node.db', '', 'sqlite:']) {
      const error = await openStore(url).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(error?.code).toBe('STORE_BAD_URL');
      expect(error?.message).not.toContain('secret');
    }
  });

  it('opens sqlite::memory:', async () => {
    const store = await openStore('sqlite::memory:');
    await store.putBilateral(bilateralRecord('memory'));
    expect(await store.listBilaterals()).toHaveLength(1);
    await store.close();
  });

  it('creates the parent folder of a relative sqlite path', async () => {
    const path = join(folder, 'nested', 'deeper', 'node.db');
    const store = await openStore(`sqlite:${relative(process.cwd(), path)}`);
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('accepts sqlite:///absolute paths', async () => {
    const path = join(folder, 'triple-slash.db');
    const store = await openStore(`sqlite://${path}`);
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('sets WAL, synchronous NORMAL (durability by wal-sync.ts), a busy timeout and foreign keys on SQLite', async () => {
    const store = (await openStore(`sqlite:${join(folder, 'pragmas.db')}`)) as KyselyStore;
    const pragma = async (name: string) => {
      const { rows } = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(store.db);
      return Object.values(rows[0] ?? {})[0];
    };
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
    expect(await pragma('foreign_keys')).toBe(1);
    // A nonce is written without an fsync (nonces.ts); everything after it is fully durable again.
    const remembered = await Promise.all([
      store.rememberNonce('globex', 'n-1', '2030-01-01T00:00:00.000Z'),
      store.rememberNonce('globex', 'n-1', '2030-01-01T00:00:00.000Z'),
      pragma('synchronous'),
    ]);
    expect(remembered.slice(0, 2).sort()).toEqual([false, true]);
    expect(await pragma('synchronous')).toBe(1);
    await store.close();
  });

  it('fails loudly when PostgreSQL is unreachable', async () => {
    const error = await openStore('postgres://postgres@127.0.0.1:1/none').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
  });
});

describe('sqlite in one process', () => {
  it('lets two stores on one file write concurrently (they share the connection)', async () => {
    const path = join(folder, 'two-stores.db');
    const one = await openStore(`sqlite:${path}`);
    const two = await openStore(`sqlite:${relative(process.cwd(), path)}`);
    const record = bilateralRecord('two-stores');
    await one.putBilateral(record);
    const started = Date.now();
    await Promise.all(
      ['a', 'b'].map(async (author, i) => {
        const store = i === 0 ? one : two;
        for (const entry of streamOf(record.id, author, 20)) await store.appendEntry(entry);
      }),
    );
    expect(Date.now() - started).toBeLessThan(4000);
    await one.close();
    await one.close();
    expect(await two.listEntries(record.id)).toHaveLength(40);
    await two.close();
    const again = await openStore(`sqlite:${path}`);
    expect(await again.listEntries(record.id)).toHaveLength(40);
    await again.close();
  });
});

describe('sqlite across processes', () => {
  // Two processes writing one file: IMMEDIATE transactions plus the busy timeout
  // make the second wait for the write lock instead of failing with SQLITE_BUSY.
  it('serialises appends from two processes on one file', async () => {
    const path = join(folder, 'two-processes.db');
    const store = await openStore(`sqlite:${path}`);
    const record = bilateralRecord('processes');
    await store.putBilateral(record);
    await store.close();

    const here = (file: string) => pathToFileURL(join(import.meta.dirname, file)).href;
    const child = (party: string) => `
      const { createSqliteStore } = await import(${JSON.stringify(here('sqlite.ts'))});
      const { streamOf } = await import(${JSON.stringify(here('store.fixtures.ts'))});
      const store = createSqliteStore(${JSON.stringify(path)});
      const own = streamOf(${JSON.stringify(record.id)}, ${JSON.stringify(party)}, 100);
      const shared = streamOf(${JSON.stringify(record.id)}, 'shared', 50);
      const counts = {};
      for (let i = 0; i < own.length; i++) {
        for (const entry of i < shared.length ? [own[i], shared[i]] : [own[i]]) {
          const { status } = await store.appendEntry(entry);
          const key = entry.signed.entry.author === 'shared' ? 'shared.' + status : status;
          counts[key] = (counts[key] ?? 0) + 1;
        }
      }
      await store.close();
      console.log(JSON.stringify(counts));
    `;
    const run = (party: string) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child(party)]);
    const outputs = await Promise.all([run('p1'), run('p2')]);
    const [one, two] = outputs.map((o) => JSON.parse(o.stdout) as Record<string, number>);
    expect(one?.appended).toBe(100);
    expect(two?.appended).toBe(100);
    expect((one?.['shared.appended'] ?? 0) + (two?.['shared.appended'] ?? 0)).toBe(50);
    expect((one?.['shared.duplicate'] ?? 0) + (two?.['shared.duplicate'] ?? 0)).toBe(50);

    const again = await openStore(`sqlite:${path}`);
    expect(await again.listEntries(record.id, { author: 'p1' })).toEqual(streamOf(record.id, 'p1', 100));
    expect(await again.listEntries(record.id, { author: 'shared' })).toEqual(
      streamOf(record.id, 'shared', 50),
    );
    expect(await again.listEntries(record.id)).toHaveLength(250);
    await again.close();
  });
});
