/**
 * Owner API credentials' queries (migration 0006). A credential is found by
 * the SHA-256 of its token on every request (`credentials_token`, unique),
 * and changes only twice in its life: revoked, or given an expiry. Neither
 * change ever widens what it grants: a revocation keeps its first time, an
 * expiry is only ever brought forward.
 */
import type { Kysely, Selectable } from 'kysely';
import { BilateralError, type Issue } from '../core/index.ts';
import type { CredentialsTable, Database } from './schema.ts';
import { type CredentialRecord, credentialRoles } from './types.ts';
import { fail, hash, instant, oneOf, text } from './validate.ts';

export function checkCredential(credential: CredentialRecord): void {
  const issues: Issue[] = [];
  text(issues, 'id', credential.id);
  text(issues, 'name', credential.name);
  oneOf(issues, 'role', credential.role, credentialRoles);
  const { bilaterals } = credential;
  if (bilaterals !== null) {
    if (!Array.isArray(bilaterals) || bilaterals.length === 0) {
      issues.push({
        path: 'bilaterals',
        rule: 'expected null (all) or at least one bilateral id',
        value: bilaterals,
      });
    } else {
      for (const [i, id] of bilaterals.entries()) text(issues, `bilaterals[${i}]`, id);
      if (new Set(bilaterals).size !== bilaterals.length) {
        issues.push({ path: 'bilaterals', rule: 'expected each bilateral id once', value: bilaterals });
      }
    }
  }
  // A financier sees only what concerns its own pledges, so it must say whose they are.
  if (credential.role === 'financier') text(issues, 'party', credential.party);
  else if (credential.party !== null) {
    issues.push({
      path: 'party',
      rule: 'expected null: only a financier credential names a party',
      value: credential.party,
    });
  }
  hash(issues, 'tokenHash', credential.tokenHash);
  instant(issues, 'createdAt', credential.createdAt);
  if (credential.expiresAt !== null) instant(issues, 'expiresAt', credential.expiresAt);
  if (credential.revokedAt !== null) instant(issues, 'revokedAt', credential.revokedAt);
  if (credential.createdBy !== null) text(issues, 'createdBy', credential.createdBy);
  fail('STORE_BAD_CREDENTIAL', issues);
}

function toRow(credential: CredentialRecord): CredentialsTable {
  return {
    id: credential.id,
    name: credential.name,
    role: credential.role,
    bilaterals: credential.bilaterals === null ? null : JSON.stringify(credential.bilaterals),
    party: credential.party,
    token_hash: credential.tokenHash,
    created_at: credential.createdAt,
    expires_at: credential.expiresAt,
    revoked_at: credential.revokedAt,
    created_by: credential.createdBy,
  };
}

function toRecord(row: Selectable<CredentialsTable>): CredentialRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    bilaterals: row.bilaterals === null ? null : (JSON.parse(row.bilaterals) as string[]),
    party: row.party,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdBy: row.created_by,
  };
}

/**
 * Inserts `credential`; when its id or token hash is taken, the very same
 * record is a no-op and anything else `STORE_CREDENTIAL_CONFLICT`. The
 * caller runs it again once after a unique violation (a concurrent put).
 */
export async function putCredential(db: Kysely<Database>, credential: CredentialRecord): Promise<void> {
  checkCredential(credential);
  const row = toRow(credential);
  await db.transaction().execute(async (tx) => {
    const existing = await tx
      .selectFrom('credentials')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', row.id), eb('token_hash', '=', row.token_hash)]))
      .execute();
    if (existing.length === 0) {
      await tx.insertInto('credentials').values(row).execute();
      return;
    }
    const same =
      existing.length === 1 && JSON.stringify(toRow(toRecord(existing[0]!))) === JSON.stringify(row);
    if (same) return;
    throw new BilateralError(
      'STORE_CREDENTIAL_CONFLICT',
      `a credential with id ${row.id} or its token is stored`,
      {
        details: { id: row.id },
      },
    );
  });
}

export async function getCredential(
  db: Kysely<Database>,
  by: 'id' | 'token_hash',
  value: string,
): Promise<CredentialRecord | undefined> {
  if (typeof value !== 'string') return undefined;
  const row = await db.selectFrom('credentials').selectAll().where(by, '=', value).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function listCredentials(db: Kysely<Database>): Promise<CredentialRecord[]> {
  const rows = await db.selectFrom('credentials').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toRecord);
}

/**
 * Sets `column` to `at` unless it already holds an earlier (or the same)
 * time, and returns the credential as it is then. One conditional UPDATE,
 * so concurrent calls keep the earliest time whatever their order.
 */
export async function setCredentialTime(
  db: Kysely<Database>,
  id: string,
  column: 'revoked_at' | 'expires_at',
  at: string,
): Promise<CredentialRecord | undefined> {
  const issues: Issue[] = [];
  text(issues, 'id', id);
  instant(issues, 'at', at);
  fail('STORE_BAD_CREDENTIAL', issues);
  await db
    .updateTable('credentials')
    .set({ [column]: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb(column, 'is', null), eb(column, '>', at)]))
    .execute();
  return getCredential(db, 'id', id);
}
