/**
 * Trust roots for counterparties (DESIGN.md decision 8): a party's key and
 * endpoint come from the directory the operator pinned (`sb peers add`) or
 * from the chain's party registry, never from the message that claims them.
 *
 * - `trustedPeer`: the directory entry a claim must match. A pinned entry
 *   wins over the chain (the operator's explicit word); without one the
 *   registry is asked, and its answer kept in the directory (source
 *   `chain`, policy `approve`) and refreshed at each lookup, so a key the
 *   registry rotates is followed while the operator's policy stays, and a
 *   party the registry drops is dropped.
 * - `admitProposal`: a proposal from a trusted party waits for the operator
 *   unless the party's policy is `accept`; at most `maxPending` wait per
 *   party, so no counterparty can grow our store without bound.
 * - `NonceGuard`: a signed peer request is accepted only within a clock
 *   window; its nonce is remembered until the window closes, so inside it a
 *   replay is refused and after it the time check refuses it.
 */
import type { PeerRecord, Store } from '../../store/index.ts';
import { AccessError } from './errors.ts';

/** Who a message says it is. */
export interface PeerClaim {
  readonly party: string;
  /** base64url Ed25519 public key. */
  readonly key: string;
  readonly endpoint: string;
}

/** The chain's party registry: a party's registered key and endpoint, or undefined. */
export type RegistryLookup = (party: string) => Promise<{ key: string; endpoint: string } | undefined>;

/**
 * The directory entry `claim.party` is trusted by, when its key and endpoint
 * match the claim; else `PEER_UNKNOWN`, `PEER_KEY_MISMATCH` or
 * `PEER_ENDPOINT_MISMATCH` (403). Endpoints compare as URLs (`HTTPS://A/`
 * is `https://a`).
 */
export async function trustedPeer(
  store: Store,
  claim: PeerClaim,
  options: { readonly registry?: RegistryLookup; readonly now: Date },
): Promise<PeerRecord> {
  let peer = await store.getPeer(claim.party);
  if (peer?.source !== 'pinned' && options.registry !== undefined) {
    const registered = await options.registry(claim.party);
    if (registered !== undefined) {
      peer = {
        party: claim.party,
        key: registered.key,
        endpoint: registered.endpoint,
        source: 'chain',
        policy: peer?.policy ?? 'approve',
        addedAt: peer?.addedAt ?? options.now.toISOString(),
      };
      await store.putPeer(peer);
    } else if (peer !== undefined) {
      // Gone from the registry: what was trusted only because of it is not any more.
      await store.removePeer(claim.party);
      peer = undefined;
    }
  }
  if (peer === undefined) {
    throw new AccessError('PEER_UNKNOWN', `party ${claim.party} is neither pinned nor registered`, {
      details: { party: claim.party },
    });
  }
  if (peer.key !== claim.key) {
    throw new AccessError('PEER_KEY_MISMATCH', `party ${claim.party} does not hold key ${claim.key}`, {
      details: { party: claim.party, key: claim.key, source: peer.source },
    });
  }
  if (!sameEndpoint(peer.endpoint, claim.endpoint)) {
    throw new AccessError('PEER_ENDPOINT_MISMATCH', `party ${claim.party} is not at ${claim.endpoint}`, {
      details: { party: claim.party, endpoint: claim.endpoint, source: peer.source },
    });
  }
  return peer;
}

/** Whether two endpoints are the same URL, ignoring case of scheme and host and a trailing slash. */
export function sameEndpoint(a: string, b: string): boolean {
  const normal = (url: string) => {
    try {
      return new URL(url).href.replace(/\/+$/, '');
    } catch {
      return undefined;
    }
  };
  const [x, y] = [normal(a), normal(b)];
  return x !== undefined && x === y;
}

/** Default bound on one party's proposals waiting for the operator. */
export const MAX_PENDING_PROPOSALS = 10;

export type Admission =
  /** The party's policy is `accept`: countersign now. */
  | { readonly decision: 'accept' }
  /** Held for the operator (now, or already before). */
  | { readonly decision: 'pending' }
  /** Seen before and already decided. */
  | { readonly decision: 'accepted' | 'declined' };

/**
 * What to do with a proposal of bilateral `id` from `peer` (already checked
 * by `trustedPeer`). The same proposal again gets the answer it got. Beyond
 * `maxPending` waiting proposals: `PROPOSALS_TOO_MANY` (429). The bound
 * is checked before the insert, so racing proposals from one party may pass
 * it by at most their number, never without bound.
 */
export async function admitProposal(
  store: Store,
  peer: PeerRecord,
  proposal: { readonly id: string; readonly proposal: unknown },
  options: { readonly now: Date; readonly maxPending?: number },
): Promise<Admission> {
  const held = await store.getProposal(proposal.id);
  if (held !== undefined) return { decision: held.status };
  if (peer.policy === 'accept') return { decision: 'accept' };
  const max = options.maxPending ?? MAX_PENDING_PROPOSALS;
  if ((await store.countPendingProposals(peer.party)) >= max) {
    throw new AccessError(
      'PROPOSALS_TOO_MANY',
      `party ${peer.party} has ${max} proposals waiting for approval`,
      {
        details: { party: peer.party, max },
      },
    );
  }
  await store.putProposal({
    id: proposal.id,
    party: peer.party,
    receivedAt: options.now.toISOString(),
    proposal: proposal.proposal,
  });
  return { decision: 'pending' };
}

/**
 * Refuses a replayed peer request. `windowMs` is how far a request's signed
 * time may be from ours (`MAX_SKEW_MS` of peer-auth); a nonce is held until
 * its request's time plus the window, after which that request fails the
 * time check anyway. Expired nonces are pruned at most once per window.
 */
export class NonceGuard {
  readonly #store: Store;
  readonly #windowMs: number;
  #prunedAt = Number.NEGATIVE_INFINITY;

  constructor(store: Store, windowMs: number) {
    this.#store = store;
    this.#windowMs = windowMs;
  }

  /** Throws `NONCE_REPLAYED` (409) when `party` already used `nonce` within the window. */
  async check(party: string, nonce: string, requestTime: Date, now: Date): Promise<void> {
    if (now.getTime() - this.#prunedAt >= this.#windowMs) {
      this.#prunedAt = now.getTime();
      await this.#store.pruneNonces(now.toISOString());
    }
    const until = new Date(Math.max(requestTime.getTime(), now.getTime()) + this.#windowMs);
    if (!(await this.#store.rememberNonce(party, nonce, until.toISOString()))) {
      throw new AccessError('NONCE_REPLAYED', `party ${party} already sent nonce ${nonce}`, {
        details: { party, nonce },
      });
    }
  }
}
