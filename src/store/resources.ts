/**
 * The resource pools a Seller's node declared (migration 0010). The store
 * checks the record's shape; what a kind's spec must hold is the resources
 * capability's rule.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Issue } from '../core/index.ts';
import type { Database, ResourcePoolsTable } from './schema.ts';
import type { ResourceClaimRecord } from './types.ts';
import { type ResourcePoolRecord, resourcePoolKinds } from './types.ts';
import { fail, instant, oneOf, text } from './validate.ts';

export async function putResourcePool(db: Kysely<Database>, r: ResourcePoolRecord): Promise<void> {
  const issues: Issue[] = [];
  text(issues, 'id', r.id);
  oneOf(issues, 'kind', r.kind, resourcePoolKinds);
  if (r.spec === null || typeof r.spec !== 'object' || Array.isArray(r.spec)) {
    issues.push({ path: 'spec', rule: 'expected an object' });
  }
  instant(issues, 'createdAt', r.createdAt);
  instant(issues, 'updatedAt', r.updatedAt);
  fail('STORE_BAD_POOL', issues);
  const spec = JSON.stringify(r.spec);
  await db
    .insertInto('resource_pools')
    .values({ id: r.id, kind: r.kind, spec, created_at: r.createdAt, updated_at: r.updatedAt })
    .onConflict((oc) => oc.column('id').doUpdateSet({ spec, updated_at: r.updatedAt }))
    .execute();
}

export async function getResourcePool(
  db: Kysely<Database>,
  id: string,
): Promise<ResourcePoolRecord | undefined> {
  const row = await db.selectFrom('resource_pools').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function listResourcePools(db: Kysely<Database>): Promise<ResourcePoolRecord[]> {
  return (await db.selectFrom('resource_pools').selectAll().orderBy('id').execute()).map(toRecord);
}

function toRecord(row: Selectable<ResourcePoolsTable>): ResourcePoolRecord {
  return {
    id: row.id,
    kind: row.kind,
    spec: JSON.parse(row.spec),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function putResourceClaims(
  db: Kysely<Database>,
  claims: readonly ResourceClaimRecord[],
): Promise<void> {
  const issues: Issue[] = [];
  for (const [i, c] of claims.entries()) {
    if (typeof c.fingerprint !== 'string' || !/^0x[0-9a-f]{64}$/.test(c.fingerprint)) {
      issues.push({ path: `[${i}].fingerprint`, rule: 'expected 0x and 64 lowercase hex characters' });
    }
    text(issues, `[${i}].bilateral`, c.bilateral);
    text(issues, `[${i}].name`, c.name);
    instant(issues, `[${i}].claimedAt`, c.claimedAt);
  }
  fail('STORE_BAD_CLAIM', issues);
  if (claims.length === 0) return;
  await db
    .insertInto('resource_claims')
    .values(
      claims.map((c) => ({
        fingerprint: c.fingerprint,
        bilateral: c.bilateral,
        name: c.name,
        claimed_at: c.claimedAt,
      })),
    )
    .onConflict((oc) => oc.columns(['fingerprint', 'bilateral']).doNothing())
    .execute();
}

export async function deleteResourceClaims(
  db: Kysely<Database>,
  claims: readonly Pick<ResourceClaimRecord, 'fingerprint' | 'bilateral'>[],
): Promise<void> {
  if (claims.length === 0) return;
  await db.transaction().execute(async (tx) => {
    for (const c of claims) {
      await tx
        .deleteFrom('resource_claims')
        .where('fingerprint', '=', c.fingerprint)
        .where('bilateral', '=', c.bilateral)
        .execute();
    }
  });
}

export async function listResourceClaims(db: Kysely<Database>): Promise<ResourceClaimRecord[]> {
  const rows = await db
    .selectFrom('resource_claims')
    .selectAll()
    .orderBy('claimed_at')
    .orderBy('fingerprint')
    .execute();
  return rows.map((r) => ({
    fingerprint: r.fingerprint,
    bilateral: r.bilateral,
    name: r.name,
    claimedAt: r.claimed_at,
  }));
}
