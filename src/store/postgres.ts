/**
 * The production engine: PostgreSQL through a `pg` pool. Durability is the
 * server's (a commit returns after its WAL is flushed, with the default
 * `synchronous_commit = on`). Keys compare byte-wise (`collate "C"`, set in
 * the migrations), so orderings match SQLite's. A usage batch goes in as one
 * row of texts and its ids with `COPY … FROM STDIN` (postgres-copy.ts), a
 * batch per statement.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStore } from './kysely-store.ts';
import { copyAwarePool } from './postgres-copy.ts';
import type { Database } from './schema.ts';
import { insertUsageCopy } from './usage.ts';

/** PostgreSQL's SQLSTATE for unique_violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * A store on the PostgreSQL database at `connection` (a `postgres://` URL or a
 * `pg` pool config). Call `migrate()` before use, or open it with `openStore`.
 *
 * @example
 * const store = createPostgresStore('postgres://sb@db.internal:5432/sb');
 * await store.migrate();
 */
export function createPostgresStore(connection: string | pg.PoolConfig): KyselyStore {
  const pool = new pg.Pool(typeof connection === 'string' ? { connectionString: connection } : connection);
  // An idle client that dies (server restart) is dropped by the pool; the next
  // query reconnects or fails loudly. Without a listener it would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: copyAwarePool(pool) }) });
  return new KyselyStore({ engine: 'postgres', db, isUniqueViolation, insertUsage: insertUsageCopy });
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION
  );
}
