/**
 * The usage migrations move what a deployed database holds, on both engines:
 * 0004 moves 0003's records into the compact table, 0005 moves 0004's rows
 * into a row per batch. Afterwards the store reads the same records,
 * batches, positions, times and ids, and the old table is gone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { type UsageRecord, usageInstant, usageRecordJson, usageTimeKey } from '../core/index.ts';
import type { KyselyStore } from './kysely-store.ts';
import { migrations } from './migrations.ts';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from './pg.fixtures.ts';
import { createPostgresStore } from './postgres.ts';
import type { Engine } from './schema.ts';
import { createSqliteStore } from './sqlite.ts';
import { BUYER, bilateralRecord, SELLER, storedEntry } from './store.fixtures.ts';

const folder = mkdtempSync(join(tmpdir(), 'sb-usage-migration-'));
const databases: PgDatabase[] = [];

afterAll(async () => {
  rmSync(folder, { recursive: true, force: true });
  await dropPgDatabases(databases);
});

async function open(engine: Engine): Promise<() => KyselyStore> {
  if (engine === 'sqlite') {
    const path = join(folder, `migrate-${randomBytes(4).toString('hex')}.db`);
    return () => createSqliteStore(path);
  }
  const database = await createPgDatabase('sb_usage_migration');
  databases.push(database);
  return () => createPostgresStore(database.url);
}

function record(n: number, at: string, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id: `r${n}`,
    service: n % 2 === 0 ? 'S1' : 'S2',
    metric: 'gb',
    quantity: `${n}.25`,
    at,
    ...overrides,
  };
}

const bilateral = (engine: Engine) => bilateralRecord(`migration-${engine}`);
const other = (engine: Engine) => bilateralRecord(`migration-other-${engine}`);
const batch1 = [
  record(1, '2026-02-01T00:00:01Z', { characteristics: { zone: 'eu-west', a: 'é' } }),
  record(2, '2026-02-01T00:00:00.500Z'),
  record(3, '1999-12-31T23:59:59.999Z'),
];
const batch2 = [record(4, '2026-03-01T00:00:00Z'), record(5, '2026-02-01T00:00:01Z', { id: 'a' })];
const buyers = [record(1, '2026-02-15T12:00:00Z')];

/** The records a deployed database holds: (bilateral, author, batch, position, record). */
function held(engine: Engine) {
  const b = bilateral(engine).id;
  return [
    ...batch1.map((r, position) => ({ bilateral: b, author: SELLER, batch: 1, position, r })),
    ...batch2.map((r, position) => ({ bilateral: b, author: SELLER, batch: 2, position, r })),
    ...buyers.map((r, position) => ({ bilateral: b, author: BUYER, batch: 7, position, r })),
    ...buyers.map((r, position) => ({ bilateral: other(engine).id, author: SELLER, batch: 3, position, r })),
  ];
}

/** A store on a fresh database migrated up to (not including) `before`, with the two bilaterals. */
async function deployed(
  engine: Engine,
  before: string,
): Promise<{ old: KyselyStore; create: () => KyselyStore }> {
  const create = await open(engine);
  const old = create();
  const upTo = Object.fromEntries(Object.entries(migrations(engine)).filter(([name]) => name < before));
  const migrated = await new Migrator({
    db: old.db,
    provider: { getMigrations: async () => upTo },
  }).migrateToLatest();
  expect(migrated.error).toBeUndefined();
  await old.putBilateral(bilateral(engine));
  await old.putBilateral(other(engine));
  return { old, create };
}

/** The held records, read back through the migrated store as they were written. */
async function expectMoved(engine: Engine, store: KyselyStore, gone: string): Promise<void> {
  const id = bilateral(engine).id;
  expect(await store.usageBatchRecords(id, SELLER, 1)).toEqual(batch1);
  expect(await store.usageBatchRecords(id, SELLER, 2)).toEqual(batch2);
  expect(await store.usageBatchRecords(id, BUYER, 7)).toEqual(buyers);
  expect(await store.usageBatchRecords(other(engine).id, SELLER, 3)).toEqual(buyers);
  const listed = await store.usageRecords(id, SELLER, { limit: 10 });
  expect(listed.map((u) => [u.record.id, u.batchSeq, u.position])).toEqual([
    ['r3', 1, 2],
    ['r2', 1, 1],
    ['a', 2, 1],
    ['r1', 1, 0],
    ['r4', 2, 0],
  ]);
  expect(listed.map((u) => u.record)).toEqual([batch1[2], batch1[1], batch2[1], batch1[0], batch2[0]]);
  const february = await store.usageRecords(id, SELLER, {
    limit: 10,
    service: 'S2',
    from: '2026-02-01T00:00:01Z',
    to: '2026-03-01T00:00:00Z',
  });
  expect(february.map((u) => u.record.id)).toEqual(['a', 'r1']);
  expect(await store.hasUsageIds(id, SELLER, ['r1', 'a', 'r9'])).toEqual(
    new Map([
      ['r1', 1],
      ['a', 2],
    ]),
  );
  expect(await store.hasUsageIds(id, BUYER, ['r1', 'a'])).toEqual(new Map([['r1', 7]]));
  // Moved ids still deduplicate: a new batch repeating one is refused whole.
  const clash = await store
    .putUsageBatch(id, SELLER, 9, [record(8, '2026-02-02T00:00:00Z'), batch1[0]!])
    .then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
  expect(clash?.code).toBe('STORE_USAGE_CONFLICT');
  // A moved batch put again is a no-op; with other records, a conflict.
  await store.putUsageBatch(id, SELLER, 2, batch2);
  const changed = await store.putUsageBatch(id, SELLER, 2, batch2.slice(1)).then(
    () => undefined,
    (e: unknown) => e as { code?: string },
  );
  expect(changed?.code).toBe('STORE_USAGE_CONFLICT');
  // A new stream after the move gets a key of its own.
  await store.appendEntryWithUsage(storedEntry(id, 'carol', 1, id), [record(1, '2026-02-03T00:00:00Z')]);
  expect((await store.hasUsageIds(id, 'carol', ['r1'])).get('r1')).toBe(1);
  expect(await store.usageBatchRecords(id, SELLER, 1)).toEqual(batch1);
  const tables = (await store.db.introspection.getTables()).map((t) => t.name);
  expect(tables).not.toContain(gone);
  expect(tables).toEqual(expect.arrayContaining(['usage_streams', 'usage_batches', 'usage_ids']));
}

describe.each(['sqlite', 'postgres'] as const)('usage migrations on %s', (engine) => {
  it('0004 (and 0005 after it) move 0003 usage records, unchanged as the store reads them', async () => {
    const { old, create } = await deployed(engine, '0004');
    for (const { bilateral: b, author, batch, position, r } of held(engine)) {
      await sql`insert into usage_records
        (bilateral, author, id, service, metric, quantity, at, batch_seq, position, record)
        values (${b}, ${author}, ${r.id}, ${r.service}, ${r.metric}, ${r.quantity},
          ${usageTimeKey(r.at)!}, ${batch}, ${position}, ${usageRecordJson(r)})`.execute(old.db);
    }
    await old.close();

    const store = create();
    await store.migrate();
    await expectMoved(engine, store, 'usage_records');
    await store.close();
  });

  it('0005 moves 0004 usage rows into a row per batch, unchanged as the store reads them', async () => {
    const { old, create } = await deployed(engine, '0005');
    const streams = new Map<string, number>();
    // Rows in an order other than (batch, position), to show the move orders each batch's texts.
    for (const { bilateral: b, author, batch, position, r } of held(engine).reverse()) {
      const key = `${b}/${author}`;
      if (!streams.has(key)) {
        await sql`insert into usage_streams (bilateral, author) values (${b}, ${author})`.execute(old.db);
        const { rows } = await sql<{ id: number }>`select id from usage_streams
          where bilateral = ${b} and author = ${author}`.execute(old.db);
        streams.set(key, Number(rows[0]!.id));
      }
      await sql`insert into usage_rows (stream, batch_seq, position, id, service, at, record)
        values (${streams.get(key)!}, ${batch}, ${position}, ${r.id}, ${r.service},
          ${usageInstant(r.at)!}, ${usageRecordJson(r)})`.execute(old.db);
    }
    await old.close();

    const store = create();
    await store.migrate();
    const { rows } = await sql<{ count: number | string; from_at: number | string; to_at: number | string }>`
      select count, from_at, to_at from usage_batches where batch_seq <= 2 order by batch_seq`.execute(
      store.db,
    );
    expect(rows.map((row) => [Number(row.count), Number(row.from_at), Number(row.to_at)])).toEqual([
      [3, Date.parse('1999-12-31T23:59:59.999Z'), Date.parse('2026-02-01T00:00:01Z')],
      [2, Date.parse('2026-02-01T00:00:01Z'), Date.parse('2026-03-01T00:00:00Z')],
    ]);
    await expectMoved(engine, store, 'usage_rows');
    await store.close();
  });
});
