/**
 * The peer directory's queries (migration 0006): the counterparties whose key
 * and endpoint the node trusts (DESIGN.md decision 8), pinned by the
 * operator or read from the chain's party registry, each with the policy for
 * its proposals. One row per party; putting it again replaces it.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Issue } from '../core/index.ts';
import { isPublicKey } from '../ledger/index.ts';
import type { Database, PeersTable } from './schema.ts';
import { type PeerRecord, peerPolicies, peerSources } from './types.ts';
import { fail, instant, oneOf, text } from './validate.ts';

export function checkPeer(peer: PeerRecord): void {
  const issues: Issue[] = [];
  text(issues, 'party', peer.party);
  if (!isPublicKey(peer.key)) {
    issues.push({
      path: 'key',
      rule: 'expected the base64url of a 32-byte Ed25519 public key',
      value: peer.key,
    });
  }
  if (!isHttpUrl(peer.endpoint)) {
    issues.push({ path: 'endpoint', rule: 'expected an http(s) URL', value: peer.endpoint });
  }
  oneOf(issues, 'source', peer.source, peerSources);
  oneOf(issues, 'policy', peer.policy, peerPolicies);
  instant(issues, 'addedAt', peer.addedAt);
  fail('STORE_BAD_PEER', issues);
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export async function putPeer(db: Kysely<Database>, peer: PeerRecord): Promise<void> {
  checkPeer(peer);
  const row: PeersTable = {
    party: peer.party,
    key: peer.key,
    endpoint: peer.endpoint,
    source: peer.source,
    policy: peer.policy,
    added_at: peer.addedAt,
  };
  const { party: _, ...changes } = row;
  await db
    .insertInto('peers')
    .values(row)
    .onConflict((oc) => oc.column('party').doUpdateSet(changes))
    .execute();
}

export async function getPeer(db: Kysely<Database>, party: string): Promise<PeerRecord | undefined> {
  if (typeof party !== 'string') return undefined;
  const row = await db.selectFrom('peers').selectAll().where('party', '=', party).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function listPeers(db: Kysely<Database>): Promise<PeerRecord[]> {
  const rows = await db.selectFrom('peers').selectAll().orderBy('party').execute();
  return rows.map(toRecord);
}

export async function removePeer(db: Kysely<Database>, party: string): Promise<boolean> {
  if (typeof party !== 'string') return false;
  const result = await db.deleteFrom('peers').where('party', '=', party).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

function toRecord(row: Selectable<PeersTable>): PeerRecord {
  return {
    party: row.party,
    key: row.key,
    endpoint: row.endpoint,
    source: row.source,
    policy: row.policy,
    addedAt: row.added_at,
  };
}
