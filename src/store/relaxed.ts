/**
 * Writes that need not wait for the disk. A node writes a peer nonce for
 * every peer request and an audit record for every change; one fsync each
 * cost the usage import 5 % and the fact-recording path 8 % (measured,
 * BENCHMARKS.md). Committed this way a row still outlives a crash of the
 * node's process — SQLite's WAL and PostgreSQL's log are in the operating
 * system's hands at commit — and only a power loss in the last moments could
 * forget it. Entries, checkpoints, anchors and credentials keep the engines'
 * full durability: on SQLite the relaxed setting holds for these statements
 * only, while the one connection is held; on PostgreSQL for their
 * transaction only. Either way the statements of one call commit together:
 * on SQLite each commit appends every page it touched to the log, so an
 * audit batch written as five inserts cost five times the pages.
 */
import { type Kysely, sql } from 'kysely';
import type { Database, Engine } from './schema.ts';

export function relaxed<T>(
  db: Kysely<Database>,
  engine: Engine,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (engine === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return work(trx);
    });
  }
  return db.connection().execute(async (connection) => {
    await sql`pragma synchronous = normal`.execute(connection);
    try {
      // One transaction: a run of statements (an audit batch split into inserts) commits once.
      return await connection.transaction().execute(work);
    } finally {
      await sql`pragma synchronous = full`.execute(connection);
    }
  });
}
