/**
 * The one set of migrations, in code (no file-system discovery, so a bundled
 * or installed node migrates the same way). Migrations are append-only: never
 * edit one that has shipped, add the next. The only engine differences live
 * in `columnTypes`.
 */
import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import { BilateralError } from '../core/index.ts';
import type { Database, Engine } from './schema.ts';

/**
 * Key text compares byte-wise on both engines (SQLite's BINARY; PostgreSQL's
 * "C"), so ordered reads such as `listEntries` agree across engines whatever the
 * server's default locale.
 */
function columnTypes(engine: Engine) {
  const key = engine === 'postgres' ? sql`text collate "C"` : sql`text`;
  const serial =
    engine === 'postgres'
      ? { type: 'serial' as const, column: (c: ColumnDefinitionBuilder) => c.primaryKey() }
      : { type: 'integer' as const, column: (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement() };
  return { key, serial };
}

function initial(engine: Engine): Migration {
  const types = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('bilaterals')
        .addColumn('id', types.key, (c) => c.primaryKey())
        .addColumn('agreement', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('seller', 'buyer')`))
        .addColumn('peer_endpoint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('entries')
        .addColumn('bilateral', types.key, (c) => c.notNull().references('bilaterals.id'))
        .addColumn('author', types.key, (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull().check(sql`seq >= 1`))
        .addColumn('hash', types.key, (c) => c.notNull())
        .addColumn('prev', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('envelope', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('entries_pk', ['bilateral', 'author', 'seq'])
        .execute();
      await db.schema.createIndex('entries_hash').on('entries').column('hash').execute();

      await db.schema
        .createTable('evidence')
        .addColumn('id', types.serial.type, types.serial.column)
        .addColumn('bilateral', types.key, (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer')
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('evidence_bilateral').on('evidence').columns(['bilateral', 'id']).execute();

      await db.schema
        .createTable('checkpoints')
        .addColumn('bilateral', types.key, (c) => c.notNull().references('bilaterals.id'))
        .addColumn('heads_id', types.key, (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('state_hash', 'text', (c) => c.notNull())
        .addColumn('signed', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('checkpoints_pk', ['bilateral', 'heads_id'])
        .execute();

      await db.schema
        .createTable('meta')
        .addColumn('key', types.key, (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/** The anchoring queue: co-signed checkpoints on their way to the shared ledger. */
function anchors(engine: Engine): Migration {
  const types = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('anchors')
        .addColumn('bilateral', types.key, (c) => c.notNull().references('bilaterals.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'sent', 'mined')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('tx_hash', 'text')
        .addColumn('block_number', 'bigint')
        .addColumn('block_hash', 'text')
        .addColumn('chain_id', 'bigint')
        .addColumn('contract', 'text')
        .addColumn('queued_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('anchors_pk', ['bilateral', 'seq'])
        .execute();
      await db.schema
        .createIndex('anchors_due')
        .on('anchors')
        .columns(['status', 'next_attempt_at'])
        .execute();
    },
  };
}

/**
 * Usage records, kept beside the `usage.batch` entries that fingerprint them
 * (DESIGN.md decision 6). One id per (bilateral, author): the importer
 * deduplicates on the primary key. The index serves listing by service and
 * time. No foreign key to `entries`: a counterparty's records may arrive
 * before or after its batch entry, and the node checks them against the
 * root, not the store.
 */
function usage(engine: Engine): Migration {
  const types = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('usage_records')
        .addColumn('bilateral', types.key, (c) => c.notNull().references('bilaterals.id'))
        .addColumn('author', types.key, (c) => c.notNull())
        .addColumn('id', types.key, (c) => c.notNull())
        .addColumn('service', types.key, (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('quantity', 'text', (c) => c.notNull())
        .addColumn('at', types.key, (c) => c.notNull())
        .addColumn('batch_seq', 'integer', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_records_pk', ['bilateral', 'author', 'id'])
        .execute();
      await db.schema
        .createIndex('usage_records_time')
        .on('usage_records')
        .columns(['bilateral', 'author', 'service', 'at'])
        .execute();
      await db.schema
        .createIndex('usage_records_batch')
        .on('usage_records')
        .columns(['bilateral', 'author', 'batch_seq', 'position'])
        .execute();
    },
  };
}

/** Every migration, by name; names sort in the order they apply. */
export function migrations(engine: Engine): Record<string, Migration> {
  return { '0001_initial': initial(engine), '0002_anchors': anchors(engine), '0003_usage': usage(engine) };
}

/** Brings `db` to the latest migration; a no-op when it is already there. */
export async function migrateToLatest(db: Kysely<Database>, engine: Engine): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(engine) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new BilateralError(
      'STORE_MIGRATION_FAILED',
      `migration ${failed ?? '(setup)'} failed on ${engine}`,
      {
        details: { engine, migration: failed },
        cause: error,
      },
    );
  }
}
