/**
 * Owner API credentials: issuing one, and turning a presented token back into
 * its credential.
 *
 * A token is `sbk_<id>_<secret>`: `sbk_` lets secret scanners and people
 * recognise it; `<id>` (12 hex characters, public) names the credential in
 * logs and the audit log without the secret; `<secret>` is 32 random bytes
 * in base64url. It is shown once, when issued; the store keeps only
 * SHA-256 of the whole token.
 *
 * Why a fast hash and not a password hash (scrypt, argon2): those are slow
 * on purpose, to make guessing a low-entropy password from a stolen hash
 * expensive. A token carries 256 random bits; no amount of guessing finds
 * one from its hash, so slowness would buy nothing and cost every request.
 * For the same reason a lookup by hash that is not constant-time reveals
 * nothing useful: knowing how a guess's hash compares tells nothing of a
 * token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Issue, ValidationError } from '../../core/index.ts';
import type { CredentialRecord, Store } from '../../store/index.ts';
import { AccessError } from './errors.ts';
import { isRole, type Role } from './roles.ts';

const TOKEN = /^sbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** Longest credential name (it is a label for people). */
export const MAX_NAME_LENGTH = 200;

/** A fresh credential id and its token (`sbk_<id>_<secret>`). */
export function createToken(): { id: string; token: string } {
  const id = randomBytes(6).toString('hex');
  return { id, token: `sbk_${id}_${randomBytes(32).toString('base64url')}` };
}

/** SHA-256 (hex) of the token: what the store keeps and looks credentials up by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The public id inside a well-formed token, else undefined. */
export function tokenId(token: unknown): string | undefined {
  return typeof token === 'string' ? TOKEN.exec(token)?.[1] : undefined;
}

export interface IssueCredential {
  readonly name: string;
  readonly role: Role;
  /** Scope it to these bilaterals (each must be held); absent or null: all. */
  readonly bilaterals?: readonly string[] | null;
  /** For a financier: the financier party whose pledges it may see (required then, refused otherwise). */
  readonly party?: string | null;
  readonly expiresAt?: Date | null;
  /** Who issues it: a credential id or `cli:<user>`. */
  readonly createdBy?: string | null;
  readonly now: Date;
}

/**
 * Issues a credential and returns it with its token, which is never
 * available again. Throws `ValidationError` code `ACCESS_BAD_INPUT` naming
 * each bad field (an unknown bilateral, an expiry not in the future, …).
 *
 * @example
 * const { credential, token } = await issueCredential(store, { name: 'ops', role: 'operator', now: new Date() });
 */
export async function issueCredential(
  store: Store,
  request: IssueCredential,
): Promise<{ credential: CredentialRecord; token: string }> {
  const issues: Issue[] = [];
  const { name, role, now } = request;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    issues.push({ path: 'name', rule: `expected 1 to ${MAX_NAME_LENGTH} characters`, value: name });
  }
  if (!isRole(role)) issues.push({ path: 'role', rule: 'expected a role', value: role });
  const bilaterals = request.bilaterals ?? null;
  if (bilaterals !== null) {
    if (bilaterals.length === 0) {
      issues.push({
        path: 'bilaterals',
        rule: 'expected at least one bilateral id (or none for all)',
        value: [],
      });
    }
    for (const [i, id] of bilaterals.entries()) {
      if (bilaterals.indexOf(id) !== i)
        issues.push({ path: `bilaterals[${i}]`, rule: 'repeated', value: id });
      else if (typeof id !== 'string' || (await store.getBilateral(id)) === undefined) {
        issues.push({ path: `bilaterals[${i}]`, rule: 'no such bilateral', value: id });
      }
    }
  }
  const party = request.party ?? null;
  if (role === 'financier' && (typeof party !== 'string' || party === '')) {
    issues.push({ path: 'party', rule: 'a financier credential names its financier party', value: party });
  }
  if (role !== 'financier' && party !== null) {
    issues.push({ path: 'party', rule: 'only a financier credential names a party', value: party });
  }
  const expiresAt = request.expiresAt ?? null;
  if (expiresAt !== null && !(expiresAt.getTime() > now.getTime())) {
    issues.push({ path: 'expiresAt', rule: 'expected a time after now', value: toIso(expiresAt) });
  }
  if (issues.length > 0) throw new ValidationError('ACCESS_BAD_INPUT', issues);

  const { id, token } = createToken();
  const credential: CredentialRecord = {
    id,
    name: name.trim(),
    role,
    bilaterals: bilaterals === null ? null : [...bilaterals],
    party,
    tokenHash: hashToken(token),
    createdAt: now.toISOString(),
    expiresAt: expiresAt === null ? null : expiresAt.toISOString(),
    revokedAt: null,
    createdBy: request.createdBy ?? null,
  };
  await store.putCredential(credential);
  return { credential, token };
}

/**
 * The credential a presented token stands for, valid at `now`; else throws
 * `AccessError` `CREDENTIAL_MISSING`, `CREDENTIAL_INVALID` (malformed or
 * unknown), `CREDENTIAL_REVOKED` or `CREDENTIAL_EXPIRED` (all 401).
 */
export async function authenticate(
  store: Pick<Store, 'getCredentialByHash'>,
  token: unknown,
  now: Date,
): Promise<CredentialRecord> {
  if (token === undefined || token === null || token === '') {
    throw new AccessError('CREDENTIAL_MISSING', 'a credential is required');
  }
  const id = tokenId(token);
  // Never echo the token: it may be a real one mistyped.
  if (id === undefined) throw new AccessError('CREDENTIAL_INVALID', 'not a credential token');
  const credential = await store.getCredentialByHash(hashToken(token as string));
  if (credential === undefined || credential.id !== id) {
    throw new AccessError('CREDENTIAL_INVALID', `no credential ${id} with this token`, { details: { id } });
  }
  if (credential.revokedAt !== null) {
    throw new AccessError('CREDENTIAL_REVOKED', `credential ${id} was revoked at ${credential.revokedAt}`, {
      details: { id, revokedAt: credential.revokedAt },
    });
  }
  if (credential.expiresAt !== null && Date.parse(credential.expiresAt) <= now.getTime()) {
    throw new AccessError('CREDENTIAL_EXPIRED', `credential ${id} expired at ${credential.expiresAt}`, {
      details: { id, expiresAt: credential.expiresAt },
    });
  }
  return credential;
}

function toIso(date: Date): string {
  return Number.isNaN(date.getTime()) ? String(date) : date.toISOString();
}
