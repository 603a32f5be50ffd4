/**
 * Test fixtures for the ledger's own tests (not exported): fixed-seed parties,
 * a genesis (and its legacy twin, from before domain-separated signatures),
 * and a helper that writes a signed stream entry by entry.
 */
import { canonicalBytes } from './canonical.ts';
import { createEntry, positionOf, signEntry } from './entry.ts';
import type { LedgerError } from './errors.ts';
import { createGenesis, streamContext } from './genesis.ts';
import { type KeyPair, keyPairFromSeed, sign } from './keys.ts';
import type { Genesis, JsonValue, SignedEntry, StreamContext, StreamPosition } from './types.ts';

export const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

export const sellerKeys: KeyPair = keyPairFromSeed(seed(1));
export const buyerKeys: KeyPair = keyPairFromSeed(seed(2));
export const malloryKeys: KeyPair = keyPairFromSeed(seed(3));

export const terms: JsonValue = { msa: 'MSA-2024-001', currency: 'EUR', rate: '0.0125' };
export const genesis = createGenesis(
  terms,
  { id: 'seller-co', key: sellerKeys.publicKey },
  { id: 'buyer-co', key: buyerKeys.publicKey },
);
export const ctx: StreamContext = streamContext(genesis);

/** `genesis` as written before domain separation: no `signing` field. */
export function legacyOf(g: Genesis): Genesis {
  const { signing: _, ...legacy } = g;
  return legacy;
}

/** A signature as written before domain separation: bare, over the bare canonical bytes. */
export function legacySign(payload: unknown, keys: KeyPair): string {
  return sign(keys.privateKey, canonicalBytes(payload));
}

/** Writes entries for one author, tracking its head; `seen` is given per entry. */
export function writer(author: string, keys: KeyPair) {
  let head: StreamPosition | undefined;
  let n = 0;
  return {
    get head() {
      return head;
    },
    next(body: JsonValue = { n: ++n }, seen: StreamPosition | null = null, kind = 'fact'): SignedEntry {
      const entry = createEntry({
        bilateral: ctx.bilateral,
        author,
        head,
        seen,
        kind,
        body,
        recordedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(),
      });
      head = positionOf(entry);
      return signEntry(entry, keys);
    },
  };
}

/** The `LedgerError` that `run` throws; fails the test when it throws nothing. */
export function thrown(run: () => unknown): LedgerError {
  try {
    run();
  } catch (error) {
    return error as LedgerError;
  }
  throw new Error('did not throw');
}
