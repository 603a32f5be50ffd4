/**
 * Peer request nonces (migration 0006): a receiver remembers each nonce for
 * the window in which the request's timestamp is accepted, so a request
 * replayed inside the window is refused and one replayed after it fails the
 * timestamp check. Remembering is one `INSERT … ON CONFLICT DO NOTHING` on
 * the (party, nonce) primary key and the count of rows it inserted: the
 * engine's unique index, not a read before the write, decides, so of two
 * concurrent requests with one nonce exactly one is new, on both engines.
 *
 * Why a nonce is written without waiting for the disk: every peer request
 * writes one, and an fsync each cost the usage import about 5 % (measured,
 * BENCHMARKS.md). A nonce outlives a crash of the node's process either way
 * (SQLite's WAL and PostgreSQL's log are in the OS's hands once committed);
 * only a power loss in the last moments could forget one, and a request
 * replayed then is still refused once its five-minute window has passed.
 * Entries and everything else keep the engines' full durability: on SQLite
 * the relaxed setting holds for this one statement, under the connection.
 */
import { type Kysely, sql } from 'kysely';
import type { Issue } from '../core/index.ts';
import type { Database, Engine } from './schema.ts';
import { fail, instant, text } from './validate.ts';

/** Longest nonce held (a nonce is a random id; this bounds what a peer can make us store). */
export const MAX_NONCE_LENGTH = 128;

export async function rememberNonce(
  db: Kysely<Database>,
  engine: Engine,
  party: string,
  nonce: string,
  expiresAt: string,
): Promise<boolean> {
  const issues: Issue[] = [];
  text(issues, 'party', party);
  text(issues, 'nonce', nonce);
  if (typeof nonce === 'string' && nonce.length > MAX_NONCE_LENGTH) {
    issues.push({
      path: 'nonce',
      rule: `expected at most ${MAX_NONCE_LENGTH} characters`,
      value: nonce.length,
    });
  }
  instant(issues, 'expiresAt', expiresAt);
  fail('STORE_BAD_NONCE', issues);
  const insert = async (on: Kysely<Database>) => {
    const result = await on
      .insertInto('peer_nonces')
      .values({ party, nonce, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['party', 'nonce']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  };
  if (engine === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return insert(trx);
    });
  }
  // SQLite has one connection: holding it, no other statement runs between the pragmas.
  return db.connection().execute(async (connection) => {
    await sql`pragma synchronous = normal`.execute(connection);
    try {
      return await insert(connection);
    } finally {
      await sql`pragma synchronous = full`.execute(connection);
    }
  });
}

export async function pruneNonces(db: Kysely<Database>, now: string): Promise<number> {
  const issues: Issue[] = [];
  instant(issues, 'now', now);
  fail('STORE_BAD_NONCE', issues);
  const result = await db.deleteFrom('peer_nonces').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
