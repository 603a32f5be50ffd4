/**
 * The shapes of the signed record (DESIGN.md decision 1). Each bilateral has two
 * append-only streams, one per party; an entry links to its author's previous
 * entry by hash (`prev`) and acknowledges the counterparty's stream (`seen`).
 *
 * Encodings, fixed here once: hashes are lowercase hex SHA-256 of the RFC 8785
 * canonical JSON of the object; Ed25519 public keys and signatures are base64url
 * (no padding) of their raw bytes (32 and 64 bytes).
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

/** Lowercase hex SHA-256, 64 characters. */
export type Hash = string;

export interface StreamPosition {
  readonly seq: number;
  readonly hash: Hash;
}

export interface Entry {
  /** The bilateral id: hash of its genesis document. */
  readonly bilateral: Hash;
  /** Party id of the author (the terms' `seller.id` or `buyer.id`). */
  readonly author: string;
  /** 1, 2, 3 … within this author's stream of this bilateral. */
  readonly seq: number;
  /** Hash of the author's entry `seq - 1`; for `seq` 1, the bilateral id. */
  readonly prev: Hash;
  /** The counterparty's latest entry the author had verified when writing, if any. */
  readonly seen: StreamPosition | null;
  /** What the body is: `fact`, `invoice.issued`, `invoice.accepted`, `invoice.rejected`, … */
  readonly kind: string;
  readonly body: JsonValue;
  /** RFC 3339 UTC with milliseconds, set by the author's node. */
  readonly recordedAt: string;
}

/** An entry as it travels and is stored: the entry, the key that signed it, the signature. */
export interface SignedEntry {
  readonly entry: Entry;
  /** Author's Ed25519 public key, base64url raw 32 bytes. */
  readonly key: string;
  /**
   * `sb2.` + base64url of the author's Ed25519 signature over the `entry`-domain
   * PAE of the entry's canonical bytes (`signing.ts`); on a legacy bilateral
   * possibly the bare base64url of one over the canonical bytes themselves.
   */
  readonly sig: string;
}

/** A party as bound into a bilateral: its id and its entry-signing key. */
export interface PartyKey {
  readonly id: string;
  readonly key: string;
}

/**
 * The genesis of a bilateral: the terms as proposed by the Seller and accepted
 * by the Buyer, and both parties' keys. Its hash is the bilateral id.
 */
export interface Genesis {
  readonly schema: 'smart-bilateral/genesis@1';
  readonly terms: JsonValue;
  readonly termsHash: Hash;
  readonly seller: PartyKey;
  readonly buyer: PartyKey;
  /**
   * 2: every signature of this bilateral is domain-separated (`sb2.`, see
   * `signing.ts`). Absent on a bilateral created before: legacy signatures
   * are accepted there as well.
   */
  readonly signing?: 2;
}

/** A genesis signed by both parties (each signs `{ agree: id }` in domain `agreement`). */
export interface Agreement {
  readonly genesis: Genesis;
  readonly id: Hash;
  readonly sigs: { readonly seller: string; readonly buyer: string };
}

/** An agreement point: both stream heads and the hash of the state computed from them. */
export interface Checkpoint {
  readonly bilateral: Hash;
  /** Keyed by party id. */
  readonly heads: { readonly [party: string]: StreamPosition };
  readonly stateHash: Hash;
  /**
   * Merkle root over the hashes of every entry inside `heads` (see
   * `recordRoot`): what lets one entry be proven against an anchored checkpoint.
   */
  readonly root?: Hash;
}

export interface SignedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** Keyed by party id: signature of `checkpoint` in domain `checkpoint` (`signing.ts`). */
  readonly sigs: { readonly [party: string]: string };
}

/** What entry verification needs to know about a bilateral: its id, both parties' keys, its signing rule. */
export interface StreamContext {
  readonly bilateral: Hash;
  readonly parties: readonly PartyKey[];
  /**
   * Accept legacy (bare) entry signatures: true only for a bilateral whose
   * genesis predates domain separation (`legacySigningOf`). Absent means false,
   * so a context built by hand refuses them; `streamContext(genesis)` sets it.
   */
  readonly legacySignatures?: boolean;
  /**
   * Which key signs which entry once parties have rotated keys (a
   * `KeySchedule`, `key-schedule.ts`). Absent: every entry is signed with its
   * author's genesis key in `parties`.
   */
  readonly keys?: EntryKeys;
}

/** The key entry `seq` of `author` must be signed with (`KeySchedule` is one). */
export interface EntryKeys {
  keyFor(author: string, seq: number): string | undefined;
}

/**
 * Two validly signed entries by the same author, same bilateral, same seq and
 * different hashes: a self-contained proof that the author forked its stream.
 * `a` is the one with the lower hash, so a pair has exactly one proof.
 */
export interface EquivocationProof {
  readonly a: SignedEntry;
  readonly b: SignedEntry;
}
