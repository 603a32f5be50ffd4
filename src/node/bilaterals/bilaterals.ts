/**
 * Bilaterals: the Seller proposes terms to the Buyer's node, the Buyer's
 * node validates and countersigns them, and both store the agreement. Also
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
} from '../../ledger/index.ts';
import type { BilateralRecord, Evidence, StoredEntry } from '../../store/index.ts';
import { headsOf } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';

export interface Proposal {
  readonly genesis: Genesis;
  readonly sellerSig: string;
  readonly endpoint: string;
}

export class Bilaterals {
  readonly #core: NodeCore;

  constructor(core: NodeCore) {
    this.#core = core;
  }

  /** Seller side: propose terms to the buyer's node and store the countersigned bilateral. */
  async propose(termsJson: unknown, peerEndpoint: string): Promise<BilateralRecord> {
    const core = this.#core;
    const terms = parseTerms(termsJson);
    if (terms.seller.id !== core.party) {
      throw new NodeError(
        'NOT_PERMITTED',
        `terms name seller ${terms.seller.id}; this node is ${core.party}`,
      );
    }
    const buyer = await core.peer.request<{ party: string; key: string }>(
      peerEndpoint,
      'GET',
      '/peer/identity',
    );
    if (buyer.party !== terms.buyer.id) {
      throw new NodeError(
        'PROPOSAL_REJECTED',
        `node at ${peerEndpoint} is ${buyer.party}, not ${terms.buyer.id}`,
      );
    }
    const genesis = createGenesis(
      termsJson as JsonValue,
      { id: core.party, key: core.publicKey },
      { id: buyer.party, key: buyer.key },
    );
    const id = bilateralId(genesis);
    const sellerSig = core.signAgreement(id);
    const proposal: Proposal = { genesis, sellerSig, endpoint: core.endpoint };
    const answer = await core.peer.request<{ buyerSig: string }>(
      peerEndpoint,
      'POST',
      '/peer/proposals',
      proposal,
    );
    const agreement = { genesis, id, sigs: { seller: sellerSig, buyer: answer.buyerSig } };
    verifyAgreement(agreement);
    const record: BilateralRecord = {
      id,
      agreement,
      role: 'seller',
      peerEndpoint,
      createdAt: core.now().toISOString(),
    };
    await core.store.putBilateral(record);
    core.log(`bilateral ${short(id)} with ${buyer.party} agreed (terms ${short(genesis.termsHash)})`);
    return record;
  }

  /** Buyer side: validate a proposal addressed to this party by `from` and countersign it. */
  async accept(from: string, proposal: Proposal): Promise<{ buyerSig: string }> {
    const core = this.#core;
    const { genesis } = proposal;
    if (genesis.seller.id !== from) {
      throw new NodeError('PROPOSAL_REJECTED', `proposal names seller ${genesis.seller.id}, sent by ${from}`);
    }
    const terms = parseTerms(genesis.terms);
    if (terms.buyer.id !== core.party || genesis.buyer.id !== core.party) {
      throw new NodeError(
        'PROPOSAL_REJECTED',
        `proposal names buyer ${terms.buyer.id}; this node is ${core.party}`,
      );
    }
    if (genesis.buyer.key !== core.publicKey) {
      throw new NodeError('PROPOSAL_REJECTED', 'proposal binds a key that is not this node’s');
    }
    if (genesis.seller.id !== terms.seller.id) {
      throw new NodeError(
        'PROPOSAL_REJECTED',
        `proposal seller ${genesis.seller.id} is not the terms' seller`,
      );
    }
    const expected = createGenesis(genesis.terms, genesis.seller, genesis.buyer);
    if (expected.termsHash !== genesis.termsHash) {
      throw new NodeError('PROPOSAL_REJECTED', 'termsHash does not match the terms');
    }
    const id = bilateralId(expected);
    const buyerSig = core.signAgreement(id);
    const agreement = { genesis: expected, id, sigs: { seller: proposal.sellerSig, buyer: buyerSig } };
    verifyAgreement(agreement);
    const existing = await core.store.getBilateral(id);
    if (existing === undefined) {
      await core.store.putBilateral({
        id,
        agreement,
        role: 'buyer',
        peerEndpoint: proposal.endpoint,
        createdAt: core.now().toISOString(),
      });
      core.log(`bilateral ${short(id)} with ${genesis.seller.id} countersigned`);
    }
    return { buyerSig };
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
    return this.#core.store.listEntries(id, range);
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
