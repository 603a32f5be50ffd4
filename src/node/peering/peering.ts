/**
 * Who is calling on the peer API. Every peer request is signed (peer-auth.ts);
 * this capability decides which key it must be signed with: for a
 * bilateral's routes, the key the bilateral binds to its counterparty; for a
 * proposal, the key of the proposing party as this node knows it.
 */

import type { Proposal } from '../bilaterals/bilaterals.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import { type PeerRequest, verifyPeerRequest } from '../peer-auth.ts';

/** A peer request as received: method, path with query, raw body, and its headers. */
export interface PeerCall {
  readonly request: PeerRequest;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export class Peering {
  readonly #core: NodeCore;

  constructor(core: NodeCore) {
    this.#core = core;
  }

  /** The counterparty of bilateral `id`, when the call is signed by it; else a refusal. */
  async counterparty(call: PeerCall, id: string): Promise<string> {
    const claimed = String(call.headers['x-sb-party'] ?? '');
    const context = await this.#core.tryContext(id);
    const key = context?.counterparty.id === claimed ? context.counterparty.key : undefined;
    return verifyPeerRequest(call.request, call.headers, () => key, this.#core.now());
  }

  /** The party proposing `proposal`, when the call is signed by the seller it names. */
  async proposer(call: PeerCall, proposal: Proposal | undefined): Promise<string> {
    const sellerKey = proposal?.genesis?.seller?.key;
    if (typeof sellerKey !== 'string')
      throw new NodeError('BAD_REQUEST', 'genesis.seller.key: expected a key');
    return verifyPeerRequest(
      call.request,
      call.headers,
      (party) => (party === proposal?.genesis.seller.id ? sellerKey : undefined),
      this.#core.now(),
    );
  }
}
