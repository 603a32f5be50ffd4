/**
 * Bilaterals: the Seller proposes terms to the Buyer's node, the Buyer's
 * node validates them against its directory and countersigns them — at once
 * when its operator's policy for the Seller says so, else when the operator
 * accepts — and both store the agreement. Also
 * the read side every other capability shares: list, one bilateral, its
 * heads, its signed entries and the evidence of what was refused.
 */
import { parseTerms } from '../../core/index.ts';
import type { Basis } from '../../kinds/index.ts';
import {
  bilateralId,
  createGenesis,
  type Genesis,
  type JsonValue,
  verifyAgreement,
  verifyAgreementSignature,
} from '../../ledger/index.ts';
import type { BilateralRecord, Evidence, ProposalRecord, StoredEntry } from '../../store/index.ts';
import { headsOf } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { KnownParty } from '../peering/directory.ts';
import type { Peering } from '../peering/peering.ts';

export interface Proposal {
  readonly genesis: Genesis;
  readonly sellerSig: string;
  readonly endpoint: string;
}

/** The Buyer's answer to a proposal: countersigned now, or waiting for its operator. */
export type ProposalAnswer =
  | { readonly status: 'accepted'; readonly id: string; readonly buyerSig: string }
  | { readonly status: 'pending'; readonly id: string };

/** The Seller's side of a proposal: agreed, or waiting for the Buyer's operator. */
export type Proposed =
  | { readonly status: 'agreed'; readonly record: BilateralRecord }
  | { readonly status: 'pending'; readonly id: string };

/** At most this many proposals of one party wait for the operator at a time. */
export const MAX_PENDING_PROPOSALS = 16;

const OUTGOING = 'proposal-out:';

export class Bilaterals {
  readonly #core: NodeCore;
  readonly #peering: Peering;

  constructor(core: NodeCore, peering: Peering) {
    this.#core = core;
    this.#peering = peering;
  }

  /**
   * Seller side: propose terms to the Buyer named in them, at the endpoint and
   * with the key this node's directory holds for it. `peer`, when given, must
   * be that endpoint (the node calls no other). The answer is the agreed
   * bilateral, or `pending` while the Buyer's operator decides.
   */
  async propose(termsJson: unknown, peer?: string): Promise<Proposed> {
    const core = this.#core;
    const terms = parseTerms(termsJson);
    if (terms.seller.id !== core.party) {
      throw new NodeError(
        'NOT_PERMITTED',
        `terms name seller ${terms.seller.id}; this node is ${core.party}`,
      );
    }
    const buyer = await this.#peering.directory.lookup(terms.buyer.id);
    if (buyer === undefined) {
      throw new NodeError(
        'PEER_UNKNOWN',
        `buyer ${terms.buyer.id} is not in this node's directory: pin it (sb peers add) or have it registered on the chain`,
      );
    }
    if (peer !== undefined && peer !== buyer.endpoint) {
      throw new NodeError(
        'PEER_ENDPOINT_MISMATCH',
        `peer ${peer} is not ${terms.buyer.id}'s endpoint in the directory (${buyer.endpoint})`,
      );
    }
    const identity = await core.peer.request<{ party: string; key: string }>(
      buyer.endpoint,
      'GET',
      '/peer/identity',
    );
    if (identity.party !== buyer.party || identity.key !== buyer.key) {
      throw new NodeError(
        'PEER_KEY_MISMATCH',
        `the node at ${buyer.endpoint} is ${identity.party} with another key than the directory's for ${buyer.party}`,
      );
    }
    const genesis = createGenesis(
      termsJson as JsonValue,
      { id: core.party, key: core.publicKey },
      { id: buyer.party, key: buyer.key },
    );
    const id = bilateralId(genesis);
    const existing = await core.store.getBilateral(id);
    if (existing !== undefined) return { status: 'agreed', record: existing };
    const sellerSig = core.signAgreement(id);
    const proposal: Proposal = { genesis, sellerSig, endpoint: core.endpoint };
    const answer = await core.peer.request<ProposalAnswer>(
      buyer.endpoint,
      'POST',
      '/peer/proposals',
      proposal,
    );
    if (answer.status === 'pending') {
      await core.store.setMeta(`${OUTGOING}${id}`, JSON.stringify({ genesis, sellerSig }));
      core.log(`bilateral ${short(id)} proposed to ${buyer.party}: waiting for its operator`);
      return { status: 'pending', id };
    }
    return {
      status: 'agreed',
      record: await this.#agreed(genesis, sellerSig, answer.buyerSig, buyer.endpoint),
    };
  }

  /** Seller side: the Buyer's operator accepted a pending proposal; store the agreement. */
  async agreement(from: KnownParty, answer: { id?: unknown; buyerSig?: unknown }): Promise<BilateralRecord> {
    const core = this.#core;
    if (typeof answer?.id !== 'string' || typeof answer.buyerSig !== 'string') {
      throw new NodeError('BAD_REQUEST', 'agreement: expected {id, buyerSig}');
    }
    const existing = await core.store.getBilateral(answer.id);
    if (existing !== undefined) return existing;
    const held = await core.store.getMeta(`${OUTGOING}${answer.id}`);
    if (held === undefined) throw new NodeError('NOT_FOUND', `no proposal ${answer.id} of this node`);
    const { genesis, sellerSig } = JSON.parse(held) as { genesis: Genesis; sellerSig: string };
    if (genesis.buyer.id !== from.party) {
      throw new NodeError('NOT_PERMITTED', `proposal ${short(answer.id)} was made to ${genesis.buyer.id}`);
    }
    return this.#agreed(genesis, sellerSig, answer.buyerSig, from.endpoint);
  }

  async #agreed(genesis: Genesis, sellerSig: string, buyerSig: string, peerEndpoint: string) {
    const core = this.#core;
    const id = bilateralId(genesis);
    const agreement = { genesis, id, sigs: { seller: sellerSig, buyer: buyerSig } };
    verifyAgreement(agreement);
    const record: BilateralRecord = {
      id,
      agreement,
      role: 'seller',
      peerEndpoint,
      createdAt: core.now().toISOString(),
    };
    await core.store.putBilateral(record);
    core.log(`bilateral ${short(id)} with ${genesis.buyer.id} agreed (terms ${short(genesis.termsHash)})`);
    return record;
  }

  /**
   * Buyer side: a proposal from `from` (a party of the directory, whose
   * signature on the request was checked). It must bind the directory's key
   * and endpoint for `from` and this node's own; then it is countersigned at
   * once when the operator's policy for `from` says `accept`, else held for
   * the operator (at most MAX_PENDING_PROPOSALS per party).
   */
  async receive(from: KnownParty, input: unknown): Promise<ProposalAnswer> {
    const core = this.#core;
    const { proposal, id } = this.#checkProposal(from, input);
    const existing = await core.store.getBilateral(id);
    if (existing !== undefined) return { status: 'accepted', id, buyerSig: existing.agreement.sigs.buyer };
    if (from.policy === 'accept')
      return { status: 'accepted', id, buyerSig: await this.#countersign(from, proposal) };
    const held = await core.store.getProposal(id);
    if (held?.status === 'declined')
      throw new NodeError('PROPOSAL_REJECTED', `proposal ${short(id)} was declined`);
    if (held === undefined && (await core.store.countPendingProposals(from.party)) >= MAX_PENDING_PROPOSALS) {
      throw new NodeError(
        'PROPOSALS_LIMIT',
        `${MAX_PENDING_PROPOSALS} proposals of ${from.party} already wait for the operator`,
      );
    }
    await core.store.putProposal({
      id,
      party: from.party,
      receivedAt: core.now().toISOString(),
      proposal: proposal as unknown as JsonValue,
    });
    core.log(
      `proposal ${short(id)} from ${from.party} waits for the operator (sb: POST /proposals/${id}/accept)`,
    );
    return { status: 'pending', id };
  }

  #checkProposal(from: KnownParty, input: unknown): { proposal: Proposal; id: string } {
    const core = this.#core;
    const proposal = input as Proposal | undefined;
    const genesis = proposal?.genesis;
    if (genesis === null || typeof genesis !== 'object' || typeof proposal?.sellerSig !== 'string') {
      throw new NodeError('BAD_REQUEST', 'proposal: expected {genesis, sellerSig, endpoint}');
    }
    if (genesis.seller?.id !== from.party) {
      throw new NodeError(
        'PROPOSAL_REJECTED',
        `proposal names seller ${genesis.seller?.id}, sent by ${from.party}`,
      );
    }
    if (genesis.seller.key !== from.key) {
      throw new NodeError(
        'PEER_KEY_MISMATCH',
        `proposal binds a key for ${from.party} other than the directory's`,
      );
    }
    if (proposal.endpoint !== from.endpoint) {
      throw new NodeError(
        'PEER_ENDPOINT_MISMATCH',
        `proposal names endpoint ${String(proposal.endpoint)}, the directory ${from.endpoint}`,
      );
    }
    const terms = parseTerms(genesis.terms);
    if (terms.buyer.id !== core.party || genesis.buyer?.id !== core.party) {
      throw new NodeError(
        'PROPOSAL_REJECTED',
        `proposal names buyer ${terms.buyer.id}; this node is ${core.party}`,
      );
    }
    if (genesis.buyer.key !== core.publicKey) {
      throw new NodeError('PROPOSAL_REJECTED', 'proposal binds a key that is not this node’s');
    }
    if (terms.seller.id !== from.party) {
      throw new NodeError('PROPOSAL_REJECTED', `proposal seller ${from.party} is not the terms' seller`);
    }
    const expected = createGenesis(genesis.terms, genesis.seller, genesis.buyer);
    if (expected.termsHash !== genesis.termsHash || bilateralId(expected) !== bilateralId(genesis)) {
      throw new NodeError('PROPOSAL_REJECTED', 'the genesis does not match its terms and parties');
    }
    const id = bilateralId(expected);
    if (!verifyAgreementSignature(id, from.key, proposal.sellerSig, { legacy: false })) {
      throw new NodeError('PROPOSAL_REJECTED', `the seller's agreement signature does not verify`);
    }
    return { proposal: { ...proposal, genesis: expected }, id };
  }

  async #countersign(from: KnownParty, proposal: Proposal): Promise<string> {
    const core = this.#core;
    const id = bilateralId(proposal.genesis);
    const buyerSig = core.signAgreement(id);
    const agreement = {
      genesis: proposal.genesis,
      id,
      sigs: { seller: proposal.sellerSig, buyer: buyerSig },
    };
    verifyAgreement(agreement);
    if ((await core.store.getBilateral(id)) === undefined) {
      await core.store.putBilateral({
        id,
        agreement,
        role: 'buyer',
        peerEndpoint: from.endpoint,
        createdAt: core.now().toISOString(),
      });
      core.log(`bilateral ${short(id)} with ${from.party} countersigned`);
    }
    return buyerSig;
  }

  /** Proposals held for the operator (all, or those of one status). */
  proposals(status?: ProposalRecord['status']): Promise<ProposalRecord[]> {
    return this.#core.store.listProposals(status === undefined ? {} : { status });
  }

  /**
   * Buyer's operator: accept a held proposal (countersign it and tell the
   * Seller's node) or decline it. The proposer must still be in the directory
   * with the same key and endpoint.
   */
  decide(id: string, decision: 'accept' | 'decline'): Promise<ProposalRecord> {
    // One decision at a time per proposal: of two operators deciding at once, the second finds it decided.
    return this.#core.serially(`proposal\u0000${id}`, () => this.#decide(id, decision));
  }

  async #decide(id: string, decision: 'accept' | 'decline'): Promise<ProposalRecord> {
    const core = this.#core;
    const held = await core.store.getProposal(id);
    if (held === undefined) throw new NodeError('NOT_FOUND', `no proposal ${id}`);
    if (held.status !== 'pending')
      throw new NodeError('PROPOSAL_DECIDED', `proposal ${short(id)} is already ${held.status}`);
    const settle = async (status: 'accepted' | 'declined') => {
      if (!(await core.store.setProposalStatus(id, status, core.now().toISOString()))) {
        throw new NodeError('PROPOSAL_DECIDED', `proposal ${short(id)} was decided meanwhile`);
      }
    };
    if (decision === 'decline') {
      await settle('declined');
      return (await core.store.getProposal(id))!;
    }
    const from = await this.#peering.directory.lookup(held.party);
    if (from === undefined)
      throw new NodeError('PEER_UNKNOWN', `${held.party} is no longer in the directory`);
    const { proposal } = this.#checkProposal(from, held.proposal);
    const buyerSig = await this.#countersign(from, proposal);
    await settle('accepted');
    try {
      await core.peer.request(from.endpoint, 'POST', '/peer/agreements', { id, buyerSig });
    } catch (error) {
      // The Seller completes it by proposing the same terms again, which answers `accepted`.
      core.log(
        `agreement ${short(id)} not delivered to ${from.party}: ${error instanceof Error ? error.message : error}`,
      );
    }
    return (await core.store.getProposal(id))!;
  }

  list(): Promise<BilateralRecord[]> {
    return this.#core.store.listBilaterals();
  }

  async get(id: string): Promise<BilateralRecord> {
    return (await this.#core.context(id)).record;
  }

  async heads(id: string): Promise<Basis> {
    return headsOf(this.#core.store, await this.#core.context(id));
  }

  async entries(
    id: string,
    range: { author?: string; fromSeq?: number; limit?: number } = {},
  ): Promise<StoredEntry[]> {
    await this.#core.context(id);
    const entries = await this.#core.store.listEntries(id, range);
    // Handed out (to the counterparty's pull, to the operator) only once on disk here.
    await this.#core.store.durable();
    return entries;
  }

  async evidence(id: string): Promise<Evidence[]> {
    await this.#core.context(id);
    return this.#core.store.listEvidence(id);
  }

  /** The key a party must sign peer requests with for bilateral `id`: only its counterparty's. */
  async counterpartyKey(id: string, party: string): Promise<string | undefined> {
    const context = await this.#core.tryContext(id);
    if (context === undefined) return undefined;
    return context.counterparty.id === party ? context.counterparty.key : undefined;
  }
}
