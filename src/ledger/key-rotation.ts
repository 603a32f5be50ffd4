/**
 * Key rotation statements: a party's old key vouching for its new one. The
 * statement `{ party, oldKey, newKey }` is signed with the old key in domain
 * `key-rotation` (`signing.ts`), so no entry, checkpoint or request signature
 * can be passed off as a rotation, and a rotation can be checked by anyone who
 * holds the old key — which every counterparty does, from the genesis.
 *
 * Design rationale: this file only says whether a statement is well formed
 * and signed; whether a rotation is accepted (the old key not yet rotated
 * away, the registry, the operator) is for the layer that keeps the keys.
 * Rotations are new, so only `sb2.` signatures count (no legacy form).
 */
import { canonicalBytes } from './canonical.ts';
import { LedgerError } from './errors.ts';
import { isPublicKey, type KeyPair } from './keys.ts';
import { signIn, verifyIn } from './signing.ts';

export interface KeyRotation {
  /** The party whose key changes. */
  readonly party: string;
  /** The key being replaced (base64url of 32 bytes): it signs the statement. */
  readonly oldKey: string;
  /** The key that replaces it (base64url of 32 bytes). */
  readonly newKey: string;
}

/**
 * The old key's signature of `statement` (`sb2.`, domain `key-rotation`).
 * Throws `KEY_INVALID` when the statement is malformed (the field is named) or
 * `oldKeys` are not the statement's old key.
 *
 * @example const sig = signKeyRotation({ party: 'acme', oldKey: old.publicKey, newKey: next.publicKey }, old);
 */
export function signKeyRotation(statement: KeyRotation, oldKeys: KeyPair): string {
  const issue = rotationIssue(statement);
  if (issue !== undefined) {
    throw new LedgerError('KEY_INVALID', `${issue.field}: ${issue.rule}`, { details: { ...issue } });
  }
  if (oldKeys.publicKey !== statement.oldKey) {
    throw new LedgerError('KEY_INVALID', 'oldKeys: not the statement’s oldKey', {
      details: { field: 'oldKeys', rule: 'must be the key pair of oldKey' },
    });
  }
  return signIn('key-rotation', rotationPayload(statement), oldKeys);
}

/** True when `statement` is well formed and `sig` is its old key's rotation signature; never throws. */
export function verifyKeyRotation(statement: KeyRotation, sig: string): boolean {
  if (rotationIssue(statement) !== undefined || typeof sig !== 'string') return false;
  return verifyIn('key-rotation', statement.oldKey, rotationPayload(statement), sig, { legacy: false });
}

/** Only the three fields are signed, whatever else the caller's object carries. */
function rotationPayload(statement: KeyRotation): Uint8Array {
  return canonicalBytes({ party: statement.party, oldKey: statement.oldKey, newKey: statement.newKey });
}

function rotationIssue(statement: unknown): { field: string; rule: string } | undefined {
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
    return { field: 'statement', rule: 'expected { party, oldKey, newKey }' };
  }
  const s = statement as Record<string, unknown>;
  if (typeof s.party !== 'string' || s.party.length === 0) {
    return { field: 'party', rule: 'expected a non-empty string' };
  }
  if (!isPublicKey(s.oldKey)) return { field: 'oldKey', rule: 'expected base64url of 32 bytes' };
  if (!isPublicKey(s.newKey)) return { field: 'newKey', rule: 'expected base64url of 32 bytes' };
  if (s.oldKey === s.newKey) return { field: 'newKey', rule: 'must differ from oldKey' };
  return undefined;
}
