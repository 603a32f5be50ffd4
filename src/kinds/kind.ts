/**
 * What an entry kind is: who may write it, how its body is checked, and which
 * slice of the bilateral's agreed state it folds into. One file per kind (or
 * per family of kinds) describes it; `registry.ts` lists them. The node, the
 * checkpoint state hash and `sb verify` all read the same description, so a
 * new kind is a new file plus a line in the registry.
 */
import type { Terms } from '../core/index.ts';
import type { Hash, JsonValue, SignedEntry, StreamPosition } from '../ledger/index.ts';

/** Which party of the bilateral may author entries of a kind. */
export type Authorship = 'seller' | 'buyer' | 'either';

/** What a body check knows: the bilateral's terms, who its two parties are, and the entry's author. */
export interface KindContext {
  readonly terms: Terms;
  /** Who wrote the entry being checked. */
  readonly author: string;
  readonly seller: string;
  readonly buyer: string;
  /** The bilateral's id, where the caller knows it (a kind about one bilateral needs it). */
  readonly bilateral?: string;
}

export interface EntryKindSpec {
  readonly kind: string;
  readonly author: Authorship;
  /**
   * Throws an `Error` whose message starts with the JSON path of the first
   * broken rule (`facts[3].at: …`) when `body` is not a valid body of this kind.
   */
  validate(body: JsonValue, context: KindContext): void;
}

/** An entry as both nodes hold it: signed, with its hash (the store's `StoredEntry` is one). */
export interface HeldEntry {
  readonly signed: SignedEntry;
  readonly hash: Hash;
}

/** A reference to an entry: its stream position and hash. */
export interface EntryRef {
  readonly author: string;
  readonly seq: number;
  readonly hash: string;
}

export function entryRef(held: HeldEntry): EntryRef {
  return { author: held.signed.entry.author, seq: held.signed.entry.seq, hash: held.hash };
}

/** The body as an object, or an `Error` naming `what`. */
export function objectBody(body: JsonValue, what: string): Record<string, JsonValue> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new Error(`${what}: expected an object`);
  return body as Record<string, JsonValue>;
}

/** A period `YYYY-MM`, and a SHA-256 hash in hex: the fields documents and their answers carry. */
export const PERIOD_TEXT = /^\d{4}-(0[1-9]|1[0-2])$/;
export const HASH_TEXT = /^[0-9a-f]{64}$/;

/** Throws unless `o[field]` is a string matching `pattern`. */
export function requireText(o: Record<string, JsonValue>, field: string, pattern: RegExp): void {
  const value = o[field];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new Error(`${field}: expected a string matching ${pattern}`);
  }
}

/** Throws unless `o[field]` is an entry reference `{author, seq, hash}`. */
export function requireEntryRef(o: Record<string, JsonValue>, field: string): void {
  const ref = objectBody(o[field] ?? null, field);
  if (typeof ref.author !== 'string' || typeof ref.seq !== 'number' || typeof ref.hash !== 'string') {
    throw new Error(`${field}: expected {author, seq, hash}`);
  }
}

/**
 * The Buyer's answer to a document the Seller issued (an invoice, a note):
 * `{period, <subject>: EntryRef, <subject>Hash}`, and on a rejection the
 * `computedHash` it found instead.
 */
export function answerKindSpec(kind: string, subject: string, rejection: boolean): EntryKindSpec {
  return {
    kind,
    author: 'buyer',
    validate(body) {
      const o = objectBody(body, kind);
      requireText(o, 'period', PERIOD_TEXT);
      requireText(o, `${subject}Hash`, HASH_TEXT);
      requireEntryRef(o, subject);
      if (rejection) requireText(o, 'computedHash', HASH_TEXT);
    },
  };
}

/** Stream heads by party id (null: nothing of that party yet) — what an invoice or checkpoint was computed from. */
export type Basis = Readonly<Record<string, StreamPosition | null>>;

/** The entries inside `heads`: each stream up to and including its head. */
export function entriesWithin<E extends HeldEntry>(entries: readonly E[], heads: Basis): E[] {
  return entries.filter((held) => {
    const head = heads[held.signed.entry.author];
    return head !== undefined && head !== null && held.signed.entry.seq <= head.seq;
  });
}
