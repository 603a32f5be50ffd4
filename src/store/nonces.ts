/**
 * Peer request nonces (migration 0006): a receiver remembers each nonce for
 * the window in which the request's timestamp is accepted, so a request
 * replayed inside the window is refused and one replayed after it fails the
 * timestamp check. Remembering is one `INSERT … ON CONFLICT DO NOTHING` on
 * the (party, nonce) primary key and the count of rows it inserted: the
 * engine's unique index, not a read before the write, decides, so of two
 * concurrent requests with one nonce exactly one is new, on both engines.
 *
 * A nonce is written without waiting for the disk (relaxed.ts): it survives
 * a crash of the node's process; after a power loss in its last moments a
 * replay is still refused once the request's five-minute window has passed.
 */
import type { Kysely } from 'kysely';
import type { Issue } from '../core/index.ts';
import { prepared } from './prepared.ts';
import { relaxed } from './relaxed.ts';
import type { Database, Engine } from './schema.ts';
import { fail, instant, text } from './validate.ts';

/** Longest nonce held (a nonce is a random id; this bounds what a peer can make us store). */
export const MAX_NONCE_LENGTH = 128;

const nonceInsert = prepared('nonce-insert', (db, $) =>
  db
    .insertInto('peer_nonces')
    .values({ party: $('party'), nonce: $('nonce'), expires_at: $('expiresAt') })
    .onConflict((oc) => oc.columns(['party', 'nonce']).doNothing()),
);

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
    const result = await nonceInsert.run(on, { party, nonce, expiresAt });
    return (result.numAffectedRows ?? 0n) > 0n;
  };
  return relaxed(db, engine, insert);
}

export async function pruneNonces(db: Kysely<Database>, now: string): Promise<number> {
  const issues: Issue[] = [];
  instant(issues, 'now', now);
  fail('STORE_BAD_NONCE', issues);
  const result = await db.deleteFrom('peer_nonces').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
