/**
 * Migration 0004 moves the usage records a deployed 0003 database holds into
 * the compact table, on both engines: the same records, batches, positions,
 * times and ids afterwards, and the old table gone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, describe, expect, it } from 'vitest';
import { type UsageRecord, usageRecordJson, usageTimeKey } from '../core/index.ts';
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

describe.each(['sqlite', 'postgres'] as const)('migration 0004 on %s', (engine) => {
  it('moves 0003 usage rows into the compact table, unchanged as the store reads them', async () => {
    const create = await open(engine);
    const old = create();
    const all = migrations(engine);
    const upTo3 = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0004'));
    const migrated = await new Migrator({
      db: old.db,
      provider: { getMigrations: async () => upTo3 },
    }).migrateToLatest();
    expect(migrated.error).toBeUndefined();
    const bilateral = bilateralRecord(`migration-${engine}`);
    const other = bilateralRecord(`migration-other-${engine}`);
    await old.putBilateral(bilateral);
    await old.putBilateral(other);

    const batch1 = [
      record(1, '2026-02-01T00:00:01Z', { characteristics: { zone: 'eu-west', a: 'é' } }),
      record(2, '2026-02-01T00:00:00.500Z'),
      record(3, '1999-12-31T23:59:59.999Z'),
    ];
    const batch2 = [record(4, '2026-03-01T00:00:00Z'), record(5, '2026-02-01T00:00:01Z', { id: 'a' })];
    const buyers = [record(1, '2026-02-15T12:00:00Z')];
    const rows = [
      ...batch1.map((r, position) => ({ bilateral: bilateral.id, author: SELLER, batch: 1, position, r })),
      ...batch2.map((r, position) => ({ bilateral: bilateral.id, author: SELLER, batch: 2, position, r })),
      ...buyers.map((r, position) => ({ bilateral: bilateral.id, author: BUYER, batch: 7, position, r })),
      ...buyers.map((r, position) => ({ bilateral: other.id, author: SELLER, batch: 3, position, r })),
    ];
    for (const { bilateral: b, author, batch, position, r } of rows) {
      await sql`insert into usage_records
        (bilateral, author, id, service, metric, quantity, at, batch_seq, position, record)
        values (${b}, ${author}, ${r.id}, ${r.service}, ${r.metric}, ${r.quantity},
          ${usageTimeKey(r.at)!}, ${batch}, ${position}, ${usageRecordJson(r)})`.execute(old.db);
    }
    await old.close();

    const store = create();
    await store.migrate();
    expect(await store.usageBatchRecords(bilateral.id, SELLER, 1)).toEqual(batch1);
    expect(await store.usageBatchRecords(bilateral.id, SELLER, 2)).toEqual(batch2);
    expect(await store.usageBatchRecords(bilateral.id, BUYER, 7)).toEqual(buyers);
    expect(await store.usageBatchRecords(other.id, SELLER, 3)).toEqual(buyers);
    const listed = await store.usageRecords(bilateral.id, SELLER, { limit: 10 });
    expect(listed.map((u) => [u.record.id, u.batchSeq, u.position])).toEqual([
      ['r3', 1, 2],
      ['r2', 1, 1],
      ['a', 2, 1],
      ['r1', 1, 0],
      ['r4', 2, 0],
    ]);
    const february = await store.usageRecords(bilateral.id, SELLER, {
      limit: 10,
      service: 'S2',
      from: '2026-02-01T00:00:01Z',
      to: '2026-03-01T00:00:00Z',
    });
    expect(february.map((u) => u.record.id)).toEqual(['a', 'r1']);
    expect(await store.hasUsageIds(bilateral.id, SELLER, ['r1', 'a', 'r9'])).toEqual(
      new Map([
        ['r1', 1],
        ['a', 2],
      ]),
    );
    // Moved ids still deduplicate: a new batch repeating one is refused whole.
    const clash = await store
      .putUsageBatch(bilateral.id, SELLER, 9, [record(8, '2026-02-02T00:00:00Z'), batch1[0]!])
      .then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
    expect(clash?.code).toBe('STORE_USAGE_CONFLICT');
    // A new stream after the move gets a key of its own.
    await store.appendEntryWithUsage(storedEntry(bilateral.id, 'carol', 1, bilateral.id), [
      record(1, '2026-02-03T00:00:00Z'),
    ]);
    expect((await store.hasUsageIds(bilateral.id, 'carol', ['r1'])).get('r1')).toBe(1);
    expect(await store.usageBatchRecords(bilateral.id, SELLER, 1)).toEqual(batch1);
    const tables = await store.db.introspection.getTables();
    expect(tables.map((t) => t.name)).not.toContain('usage_records');
    await store.close();
  });
});
