/**
 * The netting queries (migration 0009): the agreements a node took part in,
 * settlement statements and rounds, with their signatures and progress. The
 * document of an agreement is written once; its signatures, progress and
 * agreement time are what later writes change.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Issue } from '../core/index.ts';
import type { Database, NettingAgreementsTable } from './schema.ts';
import type { NettingAgreementRecord } from './types.ts';
import { fail, instant, text } from './validate.ts';

const HASH = /^[0-9a-f]{64}$/;

export async function putNettingAgreement(db: Kysely<Database>, r: NettingAgreementRecord): Promise<void> {
  const issues: Issue[] = [];
  if (typeof r.hash !== 'string' || !HASH.test(r.hash)) {
    issues.push({ path: 'hash', rule: 'expected a SHA-256 hash in hex', value: r.hash });
  }
  if (r.type !== 'settlement' && r.type !== 'round') {
    issues.push({ path: 'type', rule: 'expected settlement or round', value: r.type });
  }
  if (r.round !== null) text(issues, 'round', r.round);
  instant(issues, 'createdAt', r.createdAt);
  if (r.agreedAt !== null) instant(issues, 'agreedAt', r.agreedAt);
  fail('STORE_BAD_NETTING', issues);
  const changing = {
    signatures: JSON.stringify(r.signatures),
    progress: JSON.stringify(r.progress) ?? 'null',
    agreed_at: r.agreedAt,
  };
  await db
    .insertInto('netting_agreements')
    .values({
      hash: r.hash,
      type: r.type,
      round: r.round,
      document: JSON.stringify(r.document),
      created_at: r.createdAt,
      ...changing,
    })
    .onConflict((oc) => oc.column('hash').doUpdateSet(changing))
    .execute();
}

export async function getNettingAgreement(
  db: Kysely<Database>,
  hash: string,
): Promise<NettingAgreementRecord | undefined> {
  const row = await db
    .selectFrom('netting_agreements')
    .selectAll()
    .where('hash', '=', hash)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function listNettingAgreements(
  db: Kysely<Database>,
  query: { readonly type?: NettingAgreementRecord['type']; readonly round?: string } = {},
): Promise<NettingAgreementRecord[]> {
  let q = db.selectFrom('netting_agreements').selectAll();
  if (query.type !== undefined) q = q.where('type', '=', query.type);
  if (query.round !== undefined) q = q.where('round', '=', query.round);
  const rows = await q.orderBy('created_at').orderBy('hash').execute();
  return rows.map(toRecord);
}

function toRecord(row: Selectable<NettingAgreementsTable>): NettingAgreementRecord {
  return {
    hash: row.hash,
    type: row.type,
    round: row.round,
    document: JSON.parse(row.document),
    signatures: JSON.parse(row.signatures),
    progress: JSON.parse(row.progress),
    createdAt: row.created_at,
    agreedAt: row.agreed_at,
  };
}
