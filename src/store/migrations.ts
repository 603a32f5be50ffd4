/**
 * The one set of migrations, in code (no file-system discovery, so a bundled
 * or installed node migrates the same way). Migrations are append-only: never
 * edit one that has shipped, add the next. The only engine differences live
 * in `columnTypes`.
 */
import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  sql,
} from 'kysely';
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

/**
 * Usage records, compact (replaces 0003's `usage_records`, moving its rows).
 * At carrier volume the table is most of the database and its writes most
 * of an import, so every byte of a row and every b-tree counts:
 * - (bilateral, author), two 64-character keys repeated in three b-trees,
 *   become one small integer `stream` (`usage_streams`).
 * - The primary key is (stream, batch_seq, position): the order an import
 *   writes in, so the table (WITHOUT ROWID on SQLite, the record inside the
 *   key's b-tree) only grows at its end, and a batch reads back in position
 *   order from one range. 0003 had a rowid table plus an index for this.
 * - `at` is an integer (ms since the epoch, `usageInstant`) instead of
 *   24 characters; `metric` and `quantity` live only in the record's JSON
 *   (no query filters on them).
 * - Two secondary indexes remain, both needed: (stream, id) unique, for
 *   deduplication and conflicts; (stream, service, at, id), for listing by
 *   period and service in (at, id) order (reconciliation). On SQLite both
 *   carry the primary key, so `hasUsageIds` reads only its index.
 * No foreign key from the rows (as in 0003): SQLite would check one per row.
 * The indexes are built after the rows are moved. 0005 (`batchedUsage`)
 * replaced `usage_rows` with a row per batch.
 */
function compactUsage(engine: Engine): Migration {
  const types = columnTypes(engine);
  const atMs =
    engine === 'postgres'
      ? sql`(extract(epoch from r.at::timestamptz) * 1000)::bigint`
      : sql`cast(round(unixepoch(r.at, 'subsec') * 1000) as integer)`;
  const move = async (db: Kysely<unknown>) => {
    await db.schema
      .createTable('usage_streams')
      .addColumn('id', types.serial.type, types.serial.column)
      .addColumn('bilateral', types.key, (c) => c.notNull().references('bilaterals.id'))
      .addColumn('author', types.key, (c) => c.notNull())
      .addUniqueConstraint('usage_streams_key', ['bilateral', 'author'])
      .execute();
    let rows = db.schema
      .createTable('usage_rows')
      .addColumn('stream', 'integer', (c) => c.notNull())
      .addColumn('batch_seq', 'integer', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('id', types.key, (c) => c.notNull())
      .addColumn('service', types.key, (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_rows_pk', ['stream', 'batch_seq', 'position']);
    if (engine === 'sqlite') rows = rows.modifyEnd(sql`without rowid`);
    await rows.execute();

    await sql`insert into usage_streams (bilateral, author)
        select distinct bilateral, author from usage_records order by bilateral, author`.execute(db);
    await sql`insert into usage_rows (stream, batch_seq, position, id, service, at, record)
        select s.id, r.batch_seq, r.position, r.id, r.service, ${atMs}, r.record
        from usage_records r join usage_streams s on s.bilateral = r.bilateral and s.author = r.author
        order by s.id, r.batch_seq, r.position`.execute(db);
    await db.schema.dropTable('usage_records').execute();

    await db.schema
      .createIndex('usage_rows_id')
      .unique()
      .on('usage_rows')
      .columns(['stream', 'id'])
      .execute();
    await db.schema
      .createIndex('usage_rows_time')
      .on('usage_rows')
      .columns(['stream', 'service', 'at', 'id'])
      .execute();
  };
  return movingData(engine, 'compact_usage', move);
}

/**
 * Usage records, one row per batch (replaces 0004's `usage_rows`, moving its
 * rows). 0004 still wrote a row into three b-trees per record, about 4.75 µs
 * of SQLite's time each; an import at 200,000 records/s has 5 µs per record
 * for everything. So the unit of storage becomes what an import writes and
 * a proof or a fetch reads, the batch:
 * - `usage_batches`: one row per (stream, batch_seq) holding the batch's
 *   canonical record texts (`usageRecordJson`) in position order joined by
 *   '\n' (canonical JSON escapes every control character, so a raw newline
 *   never occurs inside one), with the record count and the min and max
 *   record instant (`from_at`, `to_at`, ms since the epoch). An ordinary
 *   rowid table on SQLite: its rows are large (overflow pages), which a
 *   WITHOUT ROWID table handles badly. On PostgreSQL the text is stored
 *   out of line uncompressed (`storage external`): compressing a megabyte
 *   per batch costs CPU on the import's critical path for disk it does not
 *   need.
 * - `usage_ids`: one small row per record, primary key (stream, id) (WITHOUT
 *   ROWID on SQLite: the row is the key): deduplication and conflicts
 *   (`hasUsageIds`, the unique violation of a repeated id), and where a
 *   record is, by id (proofs).
 * - No per-record time index: listing by period and service
 *   (`usageRecords`) reads the batches whose [from_at, to_at] overlaps the
 *   period and filters their records in code. Batches are imported roughly
 *   in time order, so a page of records reads one or two batches. Finding
 *   those batches walks `usage_batches_time` (stream, from_at, batch_seq,
 *   to_at), one small entry per batch, instead of the batch rows.
 * - The store writes the texts as UTF-8 bytes, as the importer hands them
 *   over, which SQLite keeps as a blob in the `records` column (no text
 *   conversion on the import's thread); rows moved here are text. Readers
 *   take either (`recordsText`).
 * The rows move in SQL, each batch's texts aggregated in position order
 * (SQLite 3.44+ and PostgreSQL both order an aggregate's input).
 */
function batchedUsage(engine: Engine): Migration {
  const types = columnTypes(engine);
  const joined =
    engine === 'postgres'
      ? sql`string_agg(record, chr(10) order by position)`
      : sql`group_concat(record, char(10) order by position)`;
  const move = async (db: Kysely<unknown>) => {
    await db.schema
      .createTable('usage_batches')
      .addColumn('stream', 'integer', (c) => c.notNull())
      .addColumn('batch_seq', 'integer', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('from_at', 'bigint', (c) => c.notNull())
      .addColumn('to_at', 'bigint', (c) => c.notNull())
      .addColumn('records', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_batches_pk', ['stream', 'batch_seq'])
      .execute();
    if (engine === 'postgres') {
      await sql`alter table usage_batches alter column records set storage external`.execute(db);
    }
    let ids = db.schema
      .createTable('usage_ids')
      .addColumn('stream', 'integer', (c) => c.notNull())
      .addColumn('id', types.key, (c) => c.notNull())
      .addColumn('batch_seq', 'integer', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_ids_pk', ['stream', 'id']);
    if (engine === 'sqlite') ids = ids.modifyEnd(sql`without rowid`);
    await ids.execute();

    await sql`insert into usage_batches (stream, batch_seq, count, from_at, to_at, records)
        select stream, batch_seq, count(*), min(at), max(at), ${joined}
        from usage_rows group by stream, batch_seq order by stream, batch_seq`.execute(db);
    await sql`insert into usage_ids (stream, id, batch_seq, position)
        select stream, id, batch_seq, position from usage_rows order by stream, id`.execute(db);
    await db.schema.dropTable('usage_rows').execute();
    await db.schema
      .createIndex('usage_batches_time')
      .on('usage_batches')
      .columns(['stream', 'from_at', 'batch_seq', 'to_at'])
      .execute();
  };
  return movingData(engine, 'batched_usage', move);
}

/**
 * Access control and identity (DESIGN.md decision 8), five small tables:
 * - `credentials`: owner API credentials, found by the SHA-256 of the token
 *   (`credentials_token`, unique); `bilaterals` is the JSON list it is
 *   scoped to, null for all.
 * - `audit`: the append-only audit log; `seq` orders it, and the two indexes
 *   serve reading one bilateral's or one actor's records in that order.
 * - `peers`: the directory of counterparties' keys and endpoints.
 * - `proposals`: counterparties' proposals waiting for the operator;
 *   (party, status) counts one party's pending ones (they are bounded).
 * - `peer_nonces`: nonces of peer requests until they expire; the primary
 *   key makes remembering one atomic, `peer_nonces_expiry` makes pruning cheap.
 * The role and status lists are written out here, not taken from the code's
 * lists: a shipped migration never changes, a new value is a new migration.
 * All or nothing, as a data move is (see `movingData`).
 */
function access(engine: Engine): Migration {
  const types = columnTypes(engine);
  const create = async (db: Kysely<unknown>) => {
    await db.schema
      .createTable('credentials')
      .addColumn('id', types.key, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) =>
        c.notNull().check(sql`role in ('admin', 'operator', 'finance', 'auditor', 'financier')`),
      )
      .addColumn('bilaterals', 'text')
      .addColumn('party', 'text')
      .addColumn('token_hash', types.key, (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('created_by', 'text')
      .addUniqueConstraint('credentials_token', ['token_hash'])
      .execute();

    await db.schema
      .createTable('audit')
      .addColumn('seq', types.serial.type, types.serial.column)
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', types.key, (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('bilateral', types.key)
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('ok', 'refused')`))
      .addColumn('code', 'text')
      .execute();
    await db.schema.createIndex('audit_bilateral').on('audit').columns(['bilateral', 'seq']).execute();
    await db.schema.createIndex('audit_actor').on('audit').columns(['actor', 'seq']).execute();

    await db.schema
      .createTable('peers')
      .addColumn('party', types.key, (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('pinned', 'chain')`))
      .addColumn('policy', 'text', (c) => c.notNull().check(sql`policy in ('approve', 'accept')`))
      .addColumn('added_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('proposals')
      .addColumn('id', types.key, (c) => c.primaryKey())
      .addColumn('party', types.key, (c) => c.notNull())
      .addColumn('received_at', types.key, (c) => c.notNull())
      .addColumn('proposal', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('pending', 'accepted', 'declined')`),
      )
      .addColumn('decided_at', 'text')
      .execute();
    await db.schema.createIndex('proposals_party').on('proposals').columns(['party', 'status']).execute();

    await db.schema
      .createTable('peer_nonces')
      .addColumn('party', types.key, (c) => c.notNull())
      .addColumn('nonce', types.key, (c) => c.notNull())
      .addColumn('expires_at', types.key, (c) => c.notNull())
      .addPrimaryKeyConstraint('peer_nonces_pk', ['party', 'nonce'])
      .execute();
    await db.schema.createIndex('peer_nonces_expiry').on('peer_nonces').column('expires_at').execute();
  };
  return movingData(engine, 'access', create);
}

/**
 * A migration that moves rows into new tables and drops the old ones: all or
 * nothing. PostgreSQL runs it in the migrator's transaction; on SQLite Kysely
 * runs migrations outside a transaction, so it gets a savepoint of its own.
 */
function movingData(
  engine: Engine,
  savepoint: string,
  move: (db: Kysely<unknown>) => Promise<void>,
): Migration {
  const name = sql.raw(savepoint);
  return {
    async up(db: Kysely<unknown>) {
      if (engine === 'postgres') return move(db);
      await sql`savepoint ${name}`.execute(db);
      try {
        await move(db);
      } catch (error) {
        await sql`rollback to ${name}`.execute(db);
        await sql`release ${name}`.execute(db);
        throw error;
      }
      await sql`release ${name}`.execute(db);
    },
  };
}

/**
 * Anchors final after their confirmations, and checkpoints covered by a later
 * anchor: two nullable columns; existing mined anchors start not final and are
 * re-checked by the node's first anchoring round.
 */
function anchorFinality(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('anchors').addColumn('covered_by', 'bigint').execute();
      await db.schema.alterTable('anchors').addColumn('final_at', 'text').execute();
    },
  };
}

/**
 * Notifications: `events`, one row per stored entry in the order this node
 * came to hold them (`seq`), unique per entry so deriving them twice adds
 * nothing; `subscriptions`, the webhooks of the hub, each with the last
 * event delivered (`cursor`) so delivery resumes after a restart.
 */
function notifications(engine: Engine): Migration {
  const types = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('events')
        .addColumn('seq', types.serial.type, types.serial.column)
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('bilateral', types.key, (c) => c.notNull())
        .addColumn('author', types.key, (c) => c.notNull())
        .addColumn('entry_seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', types.key, (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addUniqueConstraint('events_entry', ['bilateral', 'author', 'entry_seq'])
        .execute();
      await db.schema
        .createTable('subscriptions')
        .addColumn('id', types.key, (c) => c.primaryKey())
        .addColumn('callback', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', types.key, (c) => c.notNull())
        .addColumn('cursor', 'bigint', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('next_at', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .execute();
    },
  };
}

/**
 * Netting: `netting_agreements`, the settlement statements and rounds this
 * node took part in, each keyed by its document's hash, with the signatures
 * gathered and the capability's progress.
 */
function netting(engine: Engine): Migration {
  const types = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('netting_agreements')
        .addColumn('hash', types.key, (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('round', types.key)
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('signatures', 'text', (c) => c.notNull())
        .addColumn('progress', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('agreed_at', 'text')
        .execute();
      await db.schema
        .createIndex('netting_agreements_round')
        .on('netting_agreements')
        .columns(['round'])
        .execute();
    },
  };
}

/**
 * Resource pools (0010): what a Seller's node may give out — capacity in a
 * unit, VLAN ID ranges on a port, an IP prefix — declared by its operator,
 * node-wide (across every bilateral it sells in). What each service draws is
 * derived from the record, not kept here.
 */
function resourcePools(engine: Engine): Migration {
  const types = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('resource_pools')
        .addColumn('id', types.key, (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Resource claims in flight (0011): a unique resource a node is committing on
 * the chain for an order not yet signed. Written before the commitment and
 * deleted once the order is stored or the commitment given back, so a node
 * killed in between finds the claim on its next start and releases it.
 */
function resourceClaims(engine: Engine): Migration {
  const types = columnTypes(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('resource_claims')
        .addColumn('fingerprint', types.key, (c) => c.notNull())
        .addColumn('bilateral', types.key, (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_claims_pk', ['fingerprint', 'bilateral'])
        .execute();
    },
  };
}

/** Every migration, by name; names sort in the order they apply. */
export function migrations(engine: Engine): Record<string, Migration> {
  return {
    '0001_initial': initial(engine),
    '0002_anchors': anchors(engine),
    '0003_usage': usage(engine),
    '0004_compact_usage': compactUsage(engine),
    '0005_batched_usage': batchedUsage(engine),
    '0006_access': access(engine),
    '0007_anchor_finality': anchorFinality(),
    '0008_notifications': notifications(engine),
    '0009_netting': netting(engine),
    '0010_resource_pools': resourcePools(engine),
    '0011_resource_claims': resourceClaims(engine),
  };
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
