/**
 * The embedded engine: SQLite through better-sqlite3 (12.x; 13.x crashes on
 * Node 20). Pragmas, and why:
 * - `journal_mode = WAL`: readers never block the writer, and a commit is one
 *   append to the log.
 * - `synchronous = NORMAL`, with every commit that must be durable followed
 *   by an fsync of the log off the event loop before its caller goes on
 *   (wal-sync.ts): an entry is on disk before `appendEntry` resolves, as with
 *   FULL, without blocking the node's thread for the disk. `pragma
 *   synchronous = …` run through Kysely (relaxed.ts) sets whether commits
 *   wait for that fsync; the connection itself stays NORMAL.
 * - `busy_timeout`: another process holding the write lock (the CLI beside a
 *   running node) makes us wait, not fail.
 * - `foreign_keys = ON`: SQLite ignores `references` otherwise.
 * - `cache_size = -65536`: 64 MiB of page cache instead of 2 MiB, for bulk usage imports.
 * - `wal_autocheckpoint = BACKSTOP_PAGES` on a file: checkpoints, with their
 *   two fsyncs, run on a worker thread after commits (wal-checkpoint.ts);
 *   this connection checkpoints only should the log pass 40 MiB.
 * Transactions begin IMMEDIATE: a deferred one that reads, then writes after
 * another process committed, fails with SQLITE_BUSY_SNAPSHOT without waiting.
 *
 * One connection per file per process: better-sqlite3 is synchronous, so a
 * second connection in the same process waiting for the write lock would block
 * the very event loop the first needs to finish its transaction (a 5 s stall,
 * then SQLITE_BUSY). Stores opened on the same file therefore share one
 * connection (Kysely serialises its use) and the last `close` closes it.
 *
 * Prepared statements are cached by their SQL (`cachedStatements`): Kysely
 * prepares every query it runs, and preparing cost as much as running the
 * small queries of an append.
 *
 * Streams' heads and the bilaterals stored are kept in memory beside the
 * connection (head-cache.ts), exact through commits, rollbacks and other
 * processes' writes (`pragma data_version`): an append reads neither again.
 *
 * Usage batches bypass Kysely's builder (see `usageInserter`): at 200,000
 * records/s a per-row compiled query costs more than the insert itself.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type QueryResult,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { HeadCache } from './head-cache.ts';
import { KyselyStore } from './kysely-store.ts';
import type { Database } from './schema.ts';
import type { UsageInserter } from './usage.ts';
import { BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpoint.ts';
import { WalSync } from './wal-sync.ts';

export interface SqliteStoreOptions {
  /** How long to wait for another process's write lock, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
}

interface Connection {
  readonly db: Kysely<Database>;
  readonly insertUsage: UsageInserter;
  /** Heads and bilaterals in memory, kept exact by the driver's commits (head-cache.ts). */
  readonly heads: HeadCache;
  /** Durable commits of a file's connection (none in memory). */
  readonly wal?: WalSync;
  /** Checkpoints of a file's log, off this thread (none in memory). */
  readonly checkpoints?: WalCheckpointer;
}

/** Connections open in this process, by real path, with how many stores use each. */
const connections = new Map<string, Connection & { stores: number }>();

/** The path that keeps the database in memory (gone on `close`). */
export const SQLITE_MEMORY = ':memory:';

/**
 * A store on the SQLite file at `path` (its folder is created), or in memory
 * for `':memory:'` (private to this store). Stores on the same file share one
 * connection; the options of the first one opened apply. Call `migrate()`
 * before use, or open it with `openStore`.
 *
 * @example
 * const store = createSqliteStore('data/node.db');
 * await store.migrate();
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): KyselyStore {
  if (path === SQLITE_MEMORY) {
    const { db, insertUsage, heads } = connect(path, options);
    return new KyselyStore({ engine: 'sqlite', db, isUniqueViolation, insertUsage, heads });
  }
  const folder = resolve(dirname(path));
  mkdirSync(folder, { recursive: true });
  const file = join(realpathSync(folder), basename(path));
  let shared = connections.get(file);
  if (shared === undefined) {
    shared = { ...connect(file, options), stores: 0 };
    connections.set(file, shared);
  }
  shared.stores++;
  const { db, insertUsage, heads, wal, checkpoints } = shared;
  const close = async () => {
    if (--shared.stores > 0) return;
    connections.delete(file);
    await wal?.close();
    // First: the last connection to close checkpoints the log and removes it.
    await checkpoints?.close();
    await db.destroy();
  };
  const durable = () => wal?.settled() ?? Promise.resolve();
  return new KyselyStore({ engine: 'sqlite', db, isUniqueViolation, close, insertUsage, heads, durable });
}

/**
 * How many fsyncs made the commits on the SQLite file at `path` durable
 * since its connection opened (wal-sync.ts); undefined when no store has
 * it open. For diagnostics and tests.
 */
export function sqliteLogSyncs(path: string): number | undefined {
  const file = join(realpathSync(resolve(dirname(path))), basename(path));
  return connections.get(file)?.wal?.syncs;
}

/** The checkpointer of the SQLite file at `path` (wal-checkpoint.ts); undefined when no store has it open. For tests. */
export function sqliteCheckpointer(path: string): WalCheckpointer | undefined {
  const file = join(realpathSync(resolve(dirname(path))), basename(path));
  return connections.get(file)?.checkpoints;
}

function connect(path: string, options: SqliteStoreOptions): Connection {
  const database = new Sqlite(path);
  try {
    database.pragma('journal_mode = WAL');
    // Durability comes from WalSync (below), off the event loop; in memory there is no disk.
    database.pragma(`synchronous = ${path === SQLITE_MEMORY ? 'FULL' : 'NORMAL'}`);
    database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    database.pragma('foreign_keys = ON');
    // 64 MiB of page cache (default 2 MiB): a bulk usage import inserts its ids into the
    // (stream, id) b-tree wherever they fall (anywhere, for random ids); those pages should stay cached.
    database.pragma('cache_size = -65536');
    // Checkpoints run on a thread of their own (wal-checkpoint.ts); this one only past a high mark.
    if (path !== SQLITE_MEMORY) database.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  } catch (error) {
    database.close();
    throw error;
  }
  const file =
    path === SQLITE_MEMORY ? undefined : { wal: new WalSync(path), checkpoints: new WalCheckpointer(path) };
  const dataVersion = database.prepare('pragma data_version').pluck();
  const heads = new HeadCache(() => dataVersion.get() as number);
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: cachedStatements(database) }, database, file, heads),
  });
  return { db, insertUsage: usageInserter(database), heads, ...file };
}

/** Statements kept per distinct SQL text; past this many the oldest is dropped. */
const STATEMENT_CACHE = 256;

/**
 * `database` for Kysely, with `prepare` answering from a cache of statements
 * by SQL text. Safe because Kysely runs one query at a time on the connection
 * and never iterates a statement (we do not stream queries), so a statement is
 * never reused while busy.
 */
function cachedStatements(database: Sqlite.Database): SqliteDatabase {
  const statements = new Map<string, Sqlite.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * The fast path for usage batches: the batch's one `usage_batches` row, then
 * its ids in ONE statement, `insert … select … from json_each(?)` over the
 * ids as a JSON array (a position is its index in the array): one call into
 * SQLite per batch, and no parameter bound per id (binding four per row, 64
 * rows a statement, cost a quarter more). Ids that JSON writes with a
 * `\uXXXX` escape (a control character or a lone surrogate: the import
 * refuses both, but the store takes what it is given) go in bound, one row
 * at a time, as better-sqlite3 encodes them, so JSON's decoding never
 * decides what is stored. It must run inside a Kysely transaction on this
 * connection (`tx` is unused but proves it): Kysely holds the connection for
 * the whole transaction, so no other query interleaves, and the rows commit
 * or roll back with it. The statements are prepared on first use (the
 * tables exist only after migrating).
 */
function usageInserter(database: Sqlite.Database): UsageInserter {
  let batchRow: Sqlite.Statement | undefined;
  let all: Sqlite.Statement | undefined;
  let one: Sqlite.Statement | undefined;
  return async (_tx, batch) => {
    batchRow ??= database.prepare(
      'insert into usage_batches (stream, batch_seq, count, from_at, to_at, records) values (?, ?, ?, ?, ?, ?)',
    );
    all ??= database.prepare(
      'insert into usage_ids (stream, id, batch_seq, position) select ?, value, ?, key from json_each(?)',
    );
    one ??= database.prepare('insert into usage_ids (stream, id, batch_seq, position) values (?, ?, ?, ?)');
    if (!database.inTransaction) throw new Error('usage batches are written only inside a transaction');
    const { stream, batchSeq, ids } = batch;
    const n = ids.length;
    if (n === 0) return;
    const { texts } = batch;
    // The UTF-8 goes in as a blob (recordsText reads it, and the text rows 0005 moved).
    const records = Buffer.isBuffer(texts)
      ? texts
      : Buffer.from(texts.buffer, texts.byteOffset, texts.byteLength);
    batchRow.run(stream, batchSeq, n, batch.fromAt, batch.toAt, records);
    const json = JSON.stringify(ids);
    // `\u` may also be an id's own backslash before a `u` (written `\\u`): bound rows are exact too.
    if (!json.includes('\\u')) all.run(stream, batchSeq, json);
    else for (let p = 0; p < n; p++) one.run(stream, ids[p], batchSeq, p);
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Sqlite.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || error.code === 'SQLITE_CONSTRAINT_UNIQUE')
  );
}

/** `pragma synchronous = X` as relaxed.ts runs it: X says whether commits must be durable. */
const SYNCHRONOUS = /^\s*pragma\s+synchronous\s*=\s*(\w+)\s*;?\s*$/i;
/** Statements that commit nothing: no fsync owed after them. */
const NO_COMMIT = /^\s*(select|begin|rollback|savepoint|release|explain)\b/i;

/** What a file's connection has beside it: durable commits, and checkpoints off this thread. */
interface FileSyncs {
  readonly wal: WalSync;
  readonly checkpoints: WalCheckpointer;
}

/**
 * Kysely's SQLite driver with IMMEDIATE transactions and, on a file, durable
 * commits through `WalSync`: after a commit (or a write outside a
 * transaction) while commits must be durable, the fsync it owes is awaited
 * once the connection is released, so other queries run meanwhile and the
 * caller's `transaction().execute(…)` (or query) resolves only when it is on
 * disk. Every commit also asks the file's `WalCheckpointer` for a checkpoint.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #database: Sqlite.Database;
  readonly #file: FileSyncs | undefined;
  readonly #heads: HeadCache;
  /** Whether commits must reach the disk before their caller goes on (`pragma synchronous`). */
  #durable = true;
  /** The fsync the current holder of the connection owes its caller. */
  #owed: Promise<void> | undefined;
  #wrapped: DatabaseConnection | undefined;

  constructor(
    config: SqliteDialectConfig,
    database: Sqlite.Database,
    file: FileSyncs | undefined,
    heads: HeadCache,
  ) {
    super(config);
    this.#database = database;
    this.#file = file;
    this.#heads = heads;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    if (this.#file === undefined) return connection;
    this.#wrapped ??= this.#wrap(connection, this.#file);
    return this.#wrapped;
  }

  #wrap(inner: DatabaseConnection, { wal, checkpoints }: FileSyncs): DatabaseConnection {
    return {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        const pragma = SYNCHRONOUS.exec(query.sql);
        if (pragma !== null) {
          this.#durable = !['off', 'normal', '0', '1'].includes(pragma[1]!.toLowerCase());
          return { rows: [] };
        }
        const result = await inner.executeQuery<R>(query);
        if (!this.#database.inTransaction && !NO_COMMIT.test(query.sql)) {
          if (this.#durable) this.#owed = wal.sync();
          checkpoints.nudge();
        }
        return result;
      },
      streamQuery: (query, chunkSize) => inner.streamQuery(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.#heads.begun();
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  // The heads a transaction staged become the committed ones the moment its COMMIT succeeds,
  // while the connection is still held (nothing else has run on it since).
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.#heads.committed();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.#heads.rolledBack();
    }
  }

  override async releaseConnection(): Promise<void> {
    const owed = this.#owed;
    this.#owed = undefined;
    await super.releaseConnection();
    await owed;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #database: Sqlite.Database;
  readonly #file: FileSyncs | undefined;
  readonly #heads: HeadCache;

  constructor(
    config: SqliteDialectConfig,
    database: Sqlite.Database,
    file: FileSyncs | undefined,
    heads: HeadCache,
  ) {
    super(config);
    this.#config = config;
    this.#database = database;
    this.#file = file;
    this.#heads = heads;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#database, this.#file, this.#heads);
  }
}
