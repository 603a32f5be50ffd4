/**
 * A bilateral as the node keeps it in memory: its stored record plus what is
 * derived once from it (parsed terms, the stream context the ledger verifies
 * entries against, which party is this node and which the counterparty).
 */
import { parseTerms, type Terms } from '../../core/index.ts';
import type { Basis } from '../../kinds/index.ts';
import { type PartyKey, type StreamContext, streamContext } from '../../ledger/index.ts';
import type { BilateralRecord, Store } from '../../store/index.ts';

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
}

/** The context of a stored bilateral as seen by `party`. */
export function contextOf(record: BilateralRecord, party: string): BilateralContext {
  const { genesis } = record.agreement;
  const iSell = genesis.seller.id === party;
  return {
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
