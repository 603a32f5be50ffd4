/**
 * The embedded engine: SQLite through better-sqlite3 (12.x; 13.x crashes on
 * Node 20). Pragmas, and why:
 * - `journal_mode = WAL`: readers never block the writer, and a commit is one
 *   append to the log.
 * - `synchronous = FULL`: the log is fsynced at every commit, so an entry is on
 *   disk before `appendEntry` resolves (in WAL, NORMAL could lose the last
 *   commits on power loss).
 * - `busy_timeout`: another process holding the write lock (the CLI beside a
 *   running node) makes us wait, not fail.
 * - `foreign_keys = ON`: SQLite ignores `references` otherwise.
 * Transactions begin IMMEDIATE: a deferred one that reads, then writes after
 * another process committed, fails with SQLITE_BUSY_SNAPSHOT without waiting.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { KyselyStore } from './kysely-store.ts';
import type { Database } from './schema.ts';

export interface SqliteStoreOptions {
  /** How long to wait for another process's write lock, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
}

/** The path that keeps the database in memory (gone on `close`). */
export const SQLITE_MEMORY = ':memory:';

/**
 * A store on the SQLite file at `path` (its folder is created), or in memory
 * for `':memory:'`. Call `migrate()` before use, or open it with `openStore`.
 *
 * @example
 * const store = createSqliteStore('data/node.db');
 * await store.migrate();
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): KyselyStore {
  if (path !== SQLITE_MEMORY) mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new Sqlite(path);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) });
  return new KyselyStore({ engine: 'sqlite', db, isUniqueViolation });
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Sqlite.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || error.code === 'SQLITE_CONSTRAINT_UNIQUE')
  );
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
