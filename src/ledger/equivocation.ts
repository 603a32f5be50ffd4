/**
 * Equivocation: an author signing two different entries at the same seq of
 * its stream (DESIGN.md decision 1). Both are signed, so the pair is a
 * self-contained proof of fraud anyone can check with the author's public key
 * — no trust in the party that presents it. Signatures are checked in domain
 * `entry`; legacy ones only when the caller says the bilateral allows them.
 */
import { hashEntry } from './entry.ts';
import { deepFreeze } from './freeze.ts';
import { inspectSignedEntry } from './shape.ts';
import { verifyIn } from './signing.ts';
import type { EquivocationProof, PartyKey, SignedEntry } from './types.ts';

const encoder = new TextEncoder();

/**
 * The proof that `a` and `b` equivocate, or undefined when they do not (or do
 * not verify; legacy signatures only with `options.legacy`).
 */
export function equivocationProof(
  a: SignedEntry,
  b: SignedEntry,
  options: { readonly legacy?: boolean } = {},
): EquivocationProof | undefined {
  if (!isSignedPair(a, b, options.legacy === true)) return undefined;
  const [first, second] = hashEntry(a.entry) < hashEntry(b.entry) ? [a, b] : [b, a];
  return deepFreeze(structuredClone({ a: first, b: second }));
}

/**
 * True when `proof` holds two well-formed, validly signed entries with the same
 * bilateral, author, key and seq and different hashes. With `parties`, the
 * author must also be one of them with that key (the registered key).
 * Legacy signatures count only with `options.legacy` (`legacySigningOf`).
 * Never throws.
 */
export function verifyEquivocationProof(
  proof: EquivocationProof,
  parties?: readonly PartyKey[],
  options: { readonly legacy?: boolean } = {},
): boolean {
  if (typeof proof !== 'object' || proof === null) return false;
  const { a, b } = proof;
  if (!isSignedPair(a, b, options.legacy === true)) return false;
  if (parties === undefined) return true;
  return parties.some((p) => p.id === a.entry.author && p.key === a.key);
}

function isSignedPair(a: SignedEntry, b: SignedEntry, legacy: boolean): boolean {
  const first = inspectSignedEntry(a);
  const second = inspectSignedEntry(b);
  if (!first.ok || !second.ok || first.canonical === second.canonical) return false;
  return (
    a.entry.bilateral === b.entry.bilateral &&
    a.entry.author === b.entry.author &&
    a.entry.seq === b.entry.seq &&
    a.key === b.key &&
    verifyIn('entry', a.key, encoder.encode(first.canonical), a.sig, { legacy }) &&
    verifyIn('entry', b.key, encoder.encode(second.canonical), b.sig, { legacy })
  );
}
