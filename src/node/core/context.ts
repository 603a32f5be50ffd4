/**
 * A bilateral as the node keeps it in memory: its stored record plus what is
 * derived once from it (parsed terms, the stream context the ledger verifies
 * entries against, which party is this node and which the counterparty).
 */
import { parseTerms, type Terms } from '../../core/index.ts';
import type { Basis } from '../../kinds/index.ts';
import { type PartyKey, type StreamContext, streamContext } from '../../ledger/index.ts';
import type { BilateralRecord, Store, StoredEntry } from '../../store/index.ts';

/** The entry kind of a key rotation (the ledger's key schedule). */
export { KEY_ROTATION_KIND } from '../../ledger/index.ts';

export interface BilateralContext {
  readonly id: string;
  readonly record: BilateralRecord;
  readonly terms: Terms;
  /** What entries are verified against; `legacySignatures` for a bilateral agreed before domain separation. */
  readonly stream: StreamContext;
  readonly me: PartyKey;
  readonly counterparty: PartyKey;
  readonly seller: string;
  readonly buyer: string;
  /**
   * Each party's current signing key in this bilateral: its genesis key, or
   * the new key of its latest `party.key` entry. Updated as rotations are
   * stored; the stream context's own keys stay the genesis keys.
   */
  readonly keys: Map<string, string>;
}

/** The context of a stored bilateral as seen by `party`, with the key rotations stored in it. */
export function contextOf(
  record: BilateralRecord,
  party: string,
  rotations: readonly StoredEntry[] = [],
): BilateralContext {
  const { genesis } = record.agreement;
  const iSell = genesis.seller.id === party;
  const keys = new Map([
    [genesis.seller.id, genesis.seller.key],
    [genesis.buyer.id, genesis.buyer.key],
  ]);
  for (const { signed } of [...rotations].sort((a, b) => a.signed.entry.seq - b.signed.entry.seq)) {
    keys.set(signed.entry.author, (signed.entry.body as { newKey: string }).newKey);
  }
  return {
    keys,
    id: record.id,
    record,
    terms: parseTerms(genesis.terms),
    stream: streamContext(genesis),
    me: iSell ? genesis.seller : genesis.buyer,
    counterparty: iSell ? genesis.buyer : genesis.seller,
    seller: genesis.seller.id,
    buyer: genesis.buyer.id,
  };
}

/** Both stream heads of a bilateral, seller first. */
export async function headsOf(store: Store, context: BilateralContext): Promise<Basis> {
  return {
    [context.seller]: (await store.head(context.id, context.seller)) ?? null,
    [context.buyer]: (await store.head(context.id, context.buyer)) ?? null,
  };
}

/** The stream context with each party's current key: what the next entries are verified against. */
export function currentStream(context: BilateralContext, keys: ReadonlyMap<string, string> = context.keys) {
  return {
    ...context.stream,
    parties: context.stream.parties.map((p) => ({ id: p.id, key: keys.get(p.id) ?? p.key })),
  };
}
