/**
 * The directory of counterparties this node trusts (DESIGN.md decision 8):
 * a party's Ed25519 key and node endpoint come from an entry the operator
 * pinned (`sb peers add`) or from the chain's party registry — never from
 * the message that claims them.
 *
 * Design rationale:
 * - A pinned entry wins over the chain: the operator said so explicitly.
 * - From the chain only an approved party counts, and only when every link
 *   of its key history verifies (each new key signed by the one before it,
 *   in the `key-rotation` domain); the current key is the last one. What was
 *   read is kept as a `chain` entry, so the operator can set a proposal
 *   policy for it and the node knows it while the chain is unreachable.
 * - Lookups are cached for a few seconds: every peer request asks.
 */
import { SIGNATURE_PREFIX, verifyKeyRotation } from '../../ledger/index.ts';
import type { PeerRecord, Store } from '../../store/index.ts';

/** A counterparty as the directory knows it. */
export type KnownParty = PeerRecord;

/** What the directory needs of the chain: a party's registry record (see `readParty` in src/chain). */
export interface PartyRegistryReader {
  read(party: string): Promise<
    | {
        readonly approved: boolean;
        readonly endpoint: string;
        readonly keys: readonly { readonly key: string; readonly sig: string | null }[];
      }
    | undefined
  >;
}

const TTL_MS = 5_000;

export class Directory {
  readonly #store: Store;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  #registry: PartyRegistryReader | undefined;
  readonly #cache = new Map<string, { readonly known: KnownParty | undefined; readonly at: number }>();

  constructor(store: Store, now: () => Date, log: (line: string) => void) {
    this.#store = store;
    this.#now = now;
    this.#log = log;
  }

  /** Reads parties from the chain's registry too (the node runs with a chain). */
  attachRegistry(registry: PartyRegistryReader | undefined): void {
    this.#registry = registry;
    this.#cache.clear();
  }

  /** Forget cached lookups (after the operator changed an entry). */
  forget(party?: string): void {
    if (party === undefined) this.#cache.clear();
    else this.#cache.delete(party);
  }

  async lookup(party: string): Promise<KnownParty | undefined> {
    const cached = this.#cache.get(party);
    const now = this.#now().getTime();
    if (cached !== undefined && now - cached.at < TTL_MS) return cached.known;
    const known = await this.#resolve(party);
    this.#cache.set(party, { known, at: now });
    return known;
  }

  async #resolve(party: string): Promise<KnownParty | undefined> {
    const stored = await this.#store.getPeer(party);
    if (stored?.source === 'pinned' || this.#registry === undefined) return stored;
    let registered: Awaited<ReturnType<PartyRegistryReader['read']>>;
    try {
      registered = await this.#registry.read(party);
    } catch (error) {
      // The chain is unreachable: what it said last still stands.
      this.#log(`party registry unreachable for ${party}: ${error instanceof Error ? error.message : error}`);
      return stored;
    }
    if (registered === undefined || !registered.approved) {
      if (stored !== undefined) await this.#store.removePeer(party);
      return undefined;
    }
    const key = currentKey(party, registered.keys);
    if (key === undefined) {
      this.#log(`party ${party}: its key history on the chain does not verify; not trusted`);
      return undefined;
    }
    const known: KnownParty = {
      party,
      key,
      endpoint: registered.endpoint,
      source: 'chain',
      policy: stored?.policy ?? 'approve',
      addedAt: stored?.addedAt ?? this.#now().toISOString(),
    };
    if (stored?.key !== known.key || stored.endpoint !== known.endpoint) await this.#store.putPeer(known);
    return known;
  }
}

/** The last key of a history whose every rotation is signed by the key before it; else undefined. */
export function currentKey(
  party: string,
  keys: readonly { readonly key: string; readonly sig: string | null }[],
): string | undefined {
  if (keys.length === 0) return undefined;
  for (let i = 1; i < keys.length; i++) {
    const sig = keys[i]!.sig;
    const statement = { party, oldKey: keys[i - 1]!.key, newKey: keys[i]!.key };
    if (sig === null || !verifyKeyRotation(statement, `${SIGNATURE_PREFIX}${sig}`)) return undefined;
  }
  return keys[keys.length - 1]!.key;
}
