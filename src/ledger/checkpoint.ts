/**
 * Checkpoints: the agreement points of a bilateral (DESIGN.md decision 2). A
 * checkpoint names both stream heads and the hash of the state computed from
 * them; it counts only when both parties signed its canonical bytes (domain
 * `checkpoint`, `signing.ts`). Its hash (`checkpointHash`) is what gets
 * anchored on the chain.
 */
import { canonicalBytes } from './canonical.ts';
import { LedgerError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import { hashJson, isHash } from './hash.ts';
import type { KeyPair } from './keys.ts';
import { isSeq } from './shape.ts';
import { signIn, verifyIn } from './signing.ts';
import type { Checkpoint, Hash, PartyKey, SignedCheckpoint } from './types.ts';

/** `hashJson(checkpoint)`: the fingerprint anchored on the shared ledger. */
export function checkpointHash(checkpoint: Checkpoint): Hash {
  return hashJson(checkpoint);
}

/** A party's signature of `canonicalBytes(checkpoint)` in domain `checkpoint` (`sb2.`). */
export function signCheckpoint(checkpoint: Checkpoint, keys: KeyPair): string {
  return signIn('checkpoint', canonicalBytes(checkpoint), keys);
}

/**
 * True when `sig` is `key`'s signature of `checkpoint` (e.g. the proposer's,
 * before co-signing); a legacy signature only with `legacy`. Never throws.
 */
export function verifyCheckpointSignature(
  checkpoint: Checkpoint,
  key: string,
  sig: unknown,
  options: { readonly legacy?: boolean } = {},
): boolean {
  try {
    return (
      typeof sig === 'string' &&
      verifyIn('checkpoint', key, canonicalBytes(checkpoint), sig, { legacy: options.legacy === true })
    );
  } catch {
    return false;
  }
}

/**
 * `signed` with `party`'s signature added (a new frozen object). Start from
 * `{ checkpoint, sigs: {} }`. Does not verify: `verifyCheckpoint` does.
 *
 * @example
 * const once = cosign({ checkpoint, sigs: {} }, 'seller', signCheckpoint(checkpoint, sellerKeys));
 * const both = cosign(once, 'buyer', signCheckpoint(checkpoint, buyerKeys));
 */
export function cosign(signed: SignedCheckpoint, party: string, sig: string): SignedCheckpoint {
  return deepFreeze({ checkpoint: signed.checkpoint, sigs: { ...signed.sigs, [party]: sig } });
}

/**
 * Throws unless `signed` is well formed (`CHECKPOINT_MALFORMED`: heads and
 * signatures only for these parties, positions and hashes well encoded) and
 * every one of `parties` signed it (`CHECKPOINT_MISSING_SIGNATURE`) with its
 * key (`CHECKPOINT_BAD_SIGNATURE`). A party with an empty stream has no head.
 * Legacy (bare) signatures count only with `options.legacy` — pass
 * `legacySigningOf(genesis)`; without it they are `CHECKPOINT_BAD_SIGNATURE`.
 * The caller checks that `checkpoint.bilateral` is the bilateral it expects.
 */
export function verifyCheckpoint(
  signed: SignedCheckpoint,
  parties: readonly PartyKey[],
  options: { readonly legacy?: boolean } = {},
): void {
  const legacy = options.legacy === true;
  if (!isRecord(signed)) malformed('signed', 'expected an object');
  const { checkpoint, sigs } = signed;
  if (!isRecord(checkpoint)) malformed('checkpoint', 'expected an object');
  if (!isHash(checkpoint.bilateral)) malformed('checkpoint.bilateral', 'expected a lowercase hex SHA-256');
  if (!isHash(checkpoint.stateHash)) malformed('checkpoint.stateHash', 'expected a lowercase hex SHA-256');
  if ('root' in checkpoint && !isHash(checkpoint.root))
    malformed('checkpoint.root', 'expected a lowercase hex SHA-256');
  const extra = Object.keys(checkpoint).find((k) => !['bilateral', 'heads', 'stateHash', 'root'].includes(k));
  if (extra !== undefined) malformed(`checkpoint.${extra}`, 'unexpected field');
  if (!isRecord(checkpoint.heads)) malformed('checkpoint.heads', 'expected an object');
  const ids = parties.map((p) => p.id);
  for (const [party, head] of Object.entries(checkpoint.heads as Record<string, unknown>)) {
    const field = `checkpoint.heads.${party}`;
    if (!ids.includes(party)) malformed(field, 'not a party');
    if (!isRecord(head) || Object.keys(head).length !== 2 || !isSeq(head.seq) || !isHash(head.hash)) {
      malformed(field, 'expected { seq, hash }');
    }
  }
  if (!isRecord(sigs)) malformed('sigs', 'expected an object');
  const stranger = Object.keys(sigs).find((id) => !ids.includes(id));
  if (stranger !== undefined) malformed(`sigs.${stranger}`, 'not a party');
  const message = canonicalBytes(checkpoint);
  for (const party of parties) {
    const sig = sigs[party.id];
    if (sig === undefined) {
      throw new LedgerError('CHECKPOINT_MISSING_SIGNATURE', `${party.id} has not signed`, {
        details: { party: party.id },
      });
    }
    if (typeof sig !== 'string' || !verifyIn('checkpoint', party.key, message, sig, { legacy })) {
      throw new LedgerError('CHECKPOINT_BAD_SIGNATURE', `${party.id}'s signature does not verify`, {
        details: { party: party.id },
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(field: string, rule: string): never {
  throw new LedgerError('CHECKPOINT_MALFORMED', `${field}: ${rule}`, { details: { field, rule } });
}
