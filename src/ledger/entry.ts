/**
 * Entries: the unit of the signed record (DESIGN.md decision 1). An entry's
 * hash is the SHA-256 of its canonical JSON; its signature is the author's
 * Ed25519 signature over those same canonical bytes in domain `entry`
 * (`signing.ts`), so the hash a counterparty links to (`prev`, `seen`) and the
 * payload that was signed are one thing.
 */
import { canonicalBytes } from './canonical.ts';
import { hashJson, sha256Hex } from './hash.ts';
import type { KeyPair } from './keys.ts';
import { inspectSignedEntry } from './shape.ts';
import { signIn } from './signing.ts';
import type { Entry, Hash, JsonValue, SignedEntry, StreamPosition } from './types.ts';

/** The entry's hash: `hashJson(entry)`. */
export function hashEntry(entry: Entry): Hash {
  return hashJson(entry);
}

/** Signs `entry` with `keys`: `signIn('entry', canonicalBytes(entry), keys)`. */
export function signEntry(entry: Entry, keys: KeyPair): SignedEntry {
  return Object.freeze({ entry, key: keys.publicKey, sig: signIn('entry', canonicalBytes(entry), keys) });
}

/**
 * `signEntry` and `hashEntry` together, canonicalising the entry once: the
 * author's hot path when recording many entries.
 */
export function signAndHashEntry(entry: Entry, keys: KeyPair): { signed: SignedEntry; hash: Hash } {
  const bytes = canonicalBytes(entry);
  return {
    signed: Object.freeze({ entry, key: keys.publicKey, sig: signIn('entry', bytes, keys) }),
    hash: sha256Hex(bytes),
  };
}

export interface EntryFields {
  readonly bilateral: Hash;
  readonly author: string;
  /** The author's current stream head; undefined for the first entry. */
  readonly head: StreamPosition | undefined;
  /** The counterparty's latest verified entry, or null when none yet. */
  readonly seen: StreamPosition | null;
  readonly kind: string;
  readonly body: JsonValue;
  /** RFC 3339 UTC with milliseconds (`Date#toISOString`); the clock is the caller's. */
  readonly recordedAt: string;
}

/**
 * The next entry after `head`: `seq` is head's + 1 (or 1) and `prev` is head's
 * hash (or the bilateral id). Frozen, with the field order of `Entry`.
 *
 * @example
 * const e = createEntry({ bilateral, author: 'acme', head: undefined, seen: null,
 *   kind: 'fact', body: { n: 1 }, recordedAt: new Date().toISOString() });
 * const signed = signEntry(e, keys);
 */
export function createEntry(fields: EntryFields): Entry {
  const { bilateral, author, head, seen, kind, body, recordedAt } = fields;
  return Object.freeze({
    bilateral,
    author,
    seq: head === undefined ? 1 : head.seq + 1,
    prev: head === undefined ? bilateral : head.hash,
    seen,
    kind,
    body,
    recordedAt,
  });
}

/** The stream position an entry occupies: its seq and hash. */
export function positionOf(entry: Entry): StreamPosition {
  return Object.freeze({ seq: entry.seq, hash: hashEntry(entry) });
}

/** Structural guard: fields, types, encodings and a JSON body — no signature or stream checks. */
export function isSignedEntry(value: unknown): value is SignedEntry {
  return inspectSignedEntry(value).ok;
}
