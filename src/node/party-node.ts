/**
 * The party node's application service: it holds the party's key and store and
 * runs every bilateral the party is in. It is transport-agnostic — the REST API
 * and the peer routes call these methods, and the peer client carries what this
 * node sends to its counterparts.
 *
 * Flow of one fact: validate → sign as the next entry of our stream → append
 * durably → push to the counterparty. The counterparty verifies every entry
 * (signature, key, link, seq, body) before storing it; what fails is kept as
 * evidence and never applied. Invoices: the seller computes and issues one as an
 * entry naming the stream heads it was computed from; the buyer recomputes from
 * the same heads and answers with an acceptance (hashes match) or a rejection
 * listing the differing lines.
 */
import {
  BilateralError,
  billingPeriod,
  byCodeUnit,
  diffInvoices,
  type EncodedUsage,
  type FactRef,
  type Invoice,
  parseFact,
  parseTerms,
  rate,
  type Terms,
  type UsageRecord,
  ValidationError,
} from '../core/index.ts';
import {
  anchorSeq,
  bilateralId,
  buildProof,
  canonicalBytes,
  checkBody,
  checkPlacement,
  checkpointHash,
  checkSignedEntryHashed,
  cosign,
  createGenesis,
  type Entry,
  type Genesis,
  type HexString,
  hashJson,
  type JsonValue,
  type KeyPair,
  MerkleFrontier,
  type PartyKey,
  type Proof,
  type ProofAnchor,
  type ProofSubject,
  recordRootOf,
  type SignedCheckpoint,
  type SignedEntry,
  type StreamContext,
  type StreamPosition,
  signAgreement,
  signAndHashEntry,
  signCheckpoint,
  usageSubject,
  verify,
  verifyAgreement,
  verifyCheckpoint,
} from '../ledger/index.ts';
import type { BilateralRecord, Store, StoredEntry } from '../store/index.ts';
import type { AnchorChain, Anchorer } from './anchoring.ts';
import { type Basis, bodyValidators, type EntryKind, FACTS_PER_ENTRY } from './bodies.ts';
import { NodeError } from './errors.ts';
import { FactIndex } from './fact-index.ts';
import { PeerClient } from './peer-client.ts';
import { ensureCounterpartyBatches, storedUsageTotals } from './reconciliation.ts';
import { SerialQueue } from './serial.ts';
import { entriesWithin, FACT_KINDS, factsOf, type IssuedInvoice, invoicesOf, stateOf } from './view.ts';

/** Up to `frontier.count`: a stream's Merkle frontier, its number of facts and the seqs of its invoice entries. */
interface StreamTally {
  readonly frontier: MerkleFrontier;
  readonly facts: number;
  readonly invoices: readonly number[];
}

export interface PartyNodeOptions {
  readonly party: string;
  readonly keys: KeyPair;
  readonly store: Store;
  /** This node's base URL as its counterparts reach it. */
  readonly endpoint: string;
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
}

/** A bilateral as the node keeps it in memory: the record plus what is derived once from it. */
interface Loaded {
  readonly record: BilateralRecord;
  readonly terms: Terms;
  readonly context: StreamContext;
  readonly me: PartyKey;
  readonly counterparty: PartyKey;
}

export interface PushOutcome {
  readonly replicated: boolean;
  readonly error?: string;
}

export interface ReceiveResult {
  readonly seq: number | null;
  readonly status: 'appended' | 'rejected';
  readonly code?: string;
  readonly message?: string;
}

export interface Proposal {
  readonly genesis: Genesis;
  readonly sellerSig: string;
  readonly endpoint: string;
}

const PULL_PAGE = 500;
const INVOICE_KINDS = ['invoice.issued', 'invoice.accepted', 'invoice.rejected'];

export class PartyNode {
  readonly party: string;
  readonly store: Store;
  endpoint: string;
  readonly #keys: KeyPair;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  readonly #peer: PeerClient;
  readonly #serial = new SerialQueue();
  readonly #loaded = new Map<string, Loaded>();
  readonly #background = new Set<Promise<unknown>>();
  #anchorer: Anchorer | undefined;
  /** Per bilateral: the push running now and the one queued after it. */
  readonly #pushes = new Map<
    string,
    { running?: Promise<PushOutcome> | undefined; next?: Promise<PushOutcome> | undefined }
  >();
  /** Per bilateral: the last seq of our stream the counterparty confirmed holding. */
  readonly #acked = new Map<string, number>();
  /**
   * Per `bilateral/author`: the stream's tally (Merkle frontier, fact-entry
   * count, invoice entry seqs) up to some seq. Stored entries never change, so these only grow;
   * a checkpoint reads just the entries since the last one.
   */
  readonly #tallies = new Map<string, StreamTally>();
  /** Per bilateral: its facts by service, to check new facts against (fact-index.ts). */
  readonly #factIndexes = new Map<string, FactIndex>();
  #chain: AnchorChain | undefined;

  constructor(options: PartyNodeOptions) {
    this.party = options.party;
    this.store = options.store;
    this.endpoint = options.endpoint;
    this.#keys = options.keys;
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? (() => {});
    this.#peer = new PeerClient({ party: this.party, keys: this.#keys, now: this.#now });
  }

  get publicKey(): string {
    return this.#keys.publicKey;
  }

  identity(): { party: string; key: string; endpoint: string } {
    return { party: this.party, key: this.#keys.publicKey, endpoint: this.endpoint };
  }

  // ── bilaterals ────────────────────────────────────────────────────────────

  /** Seller side: propose terms to the buyer's node and store the countersigned bilateral. */
  async proposeBilateral(termsJson: unknown, peerEndpoint: string): Promise<BilateralRecord> {
    const terms = parseTerms(termsJson);
    if (terms.seller.id !== this.party) {
      throw new NodeError(
        'NOT_PERMITTED',
        `terms name seller ${terms.seller.id}; this node is ${this.party}`,
      );
    }
    const buyer = await this.#peer.request<{ party: string; key: string }>(
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
      { id: this.party, key: this.#keys.publicKey },
      { id: buyer.party, key: buyer.key },
    );
    const id = bilateralId(genesis);
    const sellerSig = signAgreement(id, this.#keys);
    const proposal: Proposal = { genesis, sellerSig, endpoint: this.endpoint };
    const answer = await this.#peer.request<{ buyerSig: string }>(
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
      createdAt: this.#now().toISOString(),
    };
    await this.store.putBilateral(record);
    this.#log(`bilateral ${short(id)} with ${buyer.party} agreed (terms ${short(genesis.termsHash)})`);
    return record;
  }

  /** Buyer side: validate a proposal addressed to this party and countersign it. */
  async acceptProposal(proposal: Proposal): Promise<{ buyerSig: string }> {
    const { genesis } = proposal;
    const terms = parseTerms(genesis.terms);
    if (terms.buyer.id !== this.party || genesis.buyer.id !== this.party) {
      throw new NodeError(
        'PROPOSAL_REJECTED',
        `proposal names buyer ${terms.buyer.id}; this node is ${this.party}`,
      );
    }
    if (genesis.buyer.key !== this.#keys.publicKey) {
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
    const buyerSig = signAgreement(id, this.#keys);
    const agreement = { genesis: expected, id, sigs: { seller: proposal.sellerSig, buyer: buyerSig } };
    verifyAgreement(agreement);
    const existing = await this.store.getBilateral(id);
    if (existing === undefined) {
      await this.store.putBilateral({
        id,
        agreement,
        role: 'buyer',
        peerEndpoint: proposal.endpoint,
        createdAt: this.#now().toISOString(),
      });
      this.#log(`bilateral ${short(id)} with ${genesis.seller.id} countersigned`);
    }
    return { buyerSig };
  }

  async listBilaterals(): Promise<BilateralRecord[]> {
    return this.store.listBilaterals();
  }

  async bilateral(id: string): Promise<BilateralRecord> {
    return (await this.#load(id)).record;
  }

  /** The key a party must sign peer requests with for bilateral `id`: only its counterparty's. */
  async counterpartyKey(id: string, party: string): Promise<string | undefined> {
    const loaded = await this.#tryLoad(id);
    if (loaded === undefined) return undefined;
    return loaded.counterparty.id === party ? loaded.counterparty.key : undefined;
  }

  // ── recording ─────────────────────────────────────────────────────────────

  /**
   * Record a commercial fact (TERMS.md §2) in this party's stream and
   * replicate it. A fact that would make its service's history impossible
   * (`FACTS_INCONSISTENT`, naming the rule) is refused before it is signed.
   */
  async recordFact(id: string, fact: unknown): Promise<{ entry: StoredEntry; push: PushOutcome }> {
    const loaded = await this.#load(id);
    const parsed = parseFact(fact, loaded.terms);
    const entry = await this.#serial.run(id, async () => {
      await this.#checkFacts(loaded, [{ ref: 'fact', fact: parsed }]);
      return this.#appendOwn(loaded, 'fact', parsed as unknown as JsonValue);
    });
    return { entry, push: await this.push(id) };
  }

  /**
   * Record many facts at once, in order, as `facts` entries of up to
   * FACTS_PER_ENTRY facts each (fact i of entry seq is referenced as
   * `author/seq#i`). All are validated first, each on its own and then
   * together with the record: one invalid fact (named by its index) records
   * none.
   */
  async recordFacts(
    id: string,
    facts: readonly unknown[],
  ): Promise<{ entries: StoredEntry[]; refs: string[]; push: PushOutcome }> {
    const loaded = await this.#load(id);
    if (facts.length === 0)
      throw new ValidationError('FACT_INVALID', [{ path: '', rule: 'expected at least one fact' }]);
    const parsed = facts.map((fact, index) => {
      try {
        return parseFact(fact, loaded.terms);
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(
            error.code,
            error.issues.map((issue) => ({
              ...issue,
              path: `[${index}]${issue.path === '' ? '' : `.${issue.path}`}`,
            })),
          );
        }
        throw error;
      }
    });
    // Signed in memory as a chain from the head — one `facts` entry per
    // FACTS_PER_ENTRY facts: one signature and one verification per entry,
    // not per fact — then stored in one transaction.
    const entries = await this.#serial.run(id, async () => {
      await this.#checkFacts(
        loaded,
        parsed.map((fact, index) => ({ ref: `facts[${index}]`, fact })),
      );
      let head = await this.store.head(id, this.party);
      const seen = (await this.store.head(id, loaded.counterparty.id)) ?? null;
      const out: StoredEntry[] = [];
      for (let i = 0; i < parsed.length; i += FACTS_PER_ENTRY) {
        const body = { facts: parsed.slice(i, i + FACTS_PER_ENTRY) } as unknown as JsonValue;
        const stored = this.#signOwn(loaded, head, seen, 'facts', body, true);
        out.push(stored);
        head = { seq: stored.signed.entry.seq, hash: stored.hash };
      }
      await this.store.appendEntries(out);
      return out;
    });
    const refs = factsOf(entries).map((f) => f.ref);
    return { entries, refs, push: await this.push(id) };
  }

  /** Throws `FACTS_INCONSISTENT` unless `facts` keep the histories of the services they touch possible. */
  async #checkFacts(loaded: Loaded, facts: readonly FactRef[]): Promise<void> {
    const id = loaded.record.id;
    let index = this.#factIndexes.get(id);
    if (index === undefined) {
      index = new FactIndex(this.store, id);
      this.#factIndexes.set(id, index);
    }
    await index.refresh([this.party, loaded.counterparty.id]);
    index.check(loaded.terms, facts);
  }

  // ── usage (src/node/usage.ts) ─────────────────────────────────────────────

  /**
   * Appends an own entry (serialised with every other write to the bilateral)
   * and, when given, its usage records in the same store transaction. Does
   * not push: a bulk importer pushes when it chooses.
   */
  async appendOwn(
    id: string,
    kind: EntryKind,
    body: JsonValue,
    records?: readonly UsageRecord[] | EncodedUsage,
  ): Promise<StoredEntry> {
    const loaded = await this.#load(id);
    return this.#serial.run(id, () => this.#appendOwn(loaded, kind, body, records));
  }

  async #appendOwn(
    loaded: Loaded,
    kind: EntryKind,
    body: JsonValue,
    records?: readonly UsageRecord[] | EncodedUsage,
  ): Promise<StoredEntry> {
    const id = loaded.record.id;
    const head = await this.store.head(id, this.party);
    const seen = (await this.store.head(id, loaded.counterparty.id)) ?? null;
    const stored = this.#signOwn(loaded, head, seen, kind, body);
    if (records === undefined) await this.store.appendEntry(stored);
    else await this.store.appendEntryWithUsage(stored, records);
    return stored;
  }

  /** Our next entry after `head`, checked and signed (no I/O). */
  #signOwn(
    loaded: Loaded,
    head: StreamPosition | undefined,
    seen: StreamPosition | null,
    kind: EntryKind,
    body: JsonValue,
    prechecked = false,
  ): StoredEntry {
    const id = loaded.record.id;
    const entry: Entry = {
      bilateral: id,
      author: this.party,
      seq: (head?.seq ?? 0) + 1,
      prev: head?.hash ?? id,
      seen,
      kind,
      body,
      recordedAt: this.#now().toISOString(),
    };
    // A body already parsed against the terms (recordFacts) is not checked twice.
    if (!prechecked) checkBody(entry, bodyValidators(loaded.terms, this.party));
    const { signed, hash } = signAndHashEntry(entry, this.#keys);
    return { signed, hash, receivedAt: entry.recordedAt };
  }

  // ── replication ───────────────────────────────────────────────────────────

  /**
   * Send our entries the counterparty lacks. Never throws: an offline peer
   * catches up later. Pushes to one bilateral are coalesced: while one runs,
   * every caller arriving meanwhile shares the single round that starts after
   * it, so concurrent recordings cost one round trip, not one each.
   */
  push(id: string): Promise<PushOutcome> {
    const state = this.#pushes.get(id) ?? {};
    this.#pushes.set(id, state);
    if (state.running === undefined) {
      state.running = this.#pushOnce(id).finally(() => {
        state.running = undefined;
      });
      return state.running;
    }
    state.next ??= state.running.then(() => {
      state.next = undefined;
      return this.push(id);
    });
    return state.next;
  }

  async #pushOnce(id: string): Promise<PushOutcome> {
    const loaded = await this.#load(id);
    try {
      let theirs = this.#acked.get(id);
      if (theirs === undefined) {
        const heads = await this.#peer.request<Record<string, { seq: number } | null>>(
          loaded.record.peerEndpoint,
          'GET',
          `/peer/bilaterals/${id}/heads`,
        );
        theirs = heads[this.party]?.seq ?? 0;
      }
      for (;;) {
        const batch = await this.store.listEntries(id, {
          author: this.party,
          fromSeq: theirs + 1,
          limit: PULL_PAGE,
        });
        if (batch.length === 0) break;
        const results = await this.#peer.request<ReceiveResult[]>(
          loaded.record.peerEndpoint,
          'POST',
          `/peer/bilaterals/${id}/entries`,
          { entries: batch.map((e) => e.signed) },
        );
        const refused = results.find((r) => r.status === 'rejected' && r.code !== 'ENTRY_REPLAYED');
        if (refused !== undefined) {
          this.#acked.delete(id);
          return { replicated: false, error: `${refused.code}: ${refused.message}` };
        }
        theirs = batch[batch.length - 1]!.signed.entry.seq;
        this.#acked.set(id, theirs);
        if (batch.length < PULL_PAGE) break;
      }
      return { replicated: true };
    } catch (error) {
      this.#acked.delete(id);
      const message = error instanceof Error ? error.message : String(error);
      return { replicated: false, error: message };
    }
  }

  /** A signed peer-protocol GET to the counterparty's node of bilateral `id`. */
  async peerGet<T>(id: string, path: string): Promise<T> {
    const loaded = await this.#load(id);
    return this.#peer.request<T>(loaded.record.peerEndpoint, 'GET', path);
  }

  /** Fetch the counterparty's entries we lack (after being offline) and verify each. */
  async pull(id: string): Promise<{ received: number; rejected: ReceiveResult[] }> {
    const loaded = await this.#load(id);
    let received = 0;
    const rejected: ReceiveResult[] = [];
    for (;;) {
      const from = ((await this.store.head(id, loaded.counterparty.id))?.seq ?? 0) + 1;
      const page = await this.#peer.request<{ entries: SignedEntry[] }>(
        loaded.record.peerEndpoint,
        'GET',
        `/peer/bilaterals/${id}/entries?author=${encodeURIComponent(loaded.counterparty.id)}&from=${from}&limit=${PULL_PAGE}`,
      );
      if (page.entries.length === 0) break;
      const results = await this.receive(id, loaded.counterparty.id, page.entries);
      received += results.filter((r) => r.status === 'appended').length;
      rejected.push(...results.filter((r) => r.status === 'rejected'));
      if (page.entries.length < PULL_PAGE || results.some((r) => r.status === 'rejected')) break;
    }
    return { received, rejected };
  }

  /** Pull what we lack and push what they lack, for one bilateral or all. */
  async sync(id?: string): Promise<void> {
    const ids = id === undefined ? (await this.store.listBilaterals()).map((b) => b.id) : [id];
    for (const each of ids) {
      try {
        await this.pull(each);
      } catch (error) {
        this.#log(
          `sync ${short(each)}: pull failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      await this.push(each);
      this.#schedule(() => this.#answerPendingInvoices(each));
    }
  }

  /**
   * Verify and store entries sent by `from` (already authenticated as the
   * bilateral's counterparty). Entries are taken in order; each is verified in
   * full before it is stored, and a rejected one is kept as evidence.
   */
  async receive(id: string, from: string, inputs: readonly unknown[]): Promise<ReceiveResult[]> {
    const loaded = await this.#load(id);
    const results = await this.#serial.run(id, async () => {
      // Each entry is verified against the stream as extended by the ones before
      // it; the verified ones are stored together in one transaction.
      const accepted: StoredEntry[] = [];
      const out: ReceiveResult[] = [];
      let head = await this.store.head(id, from);
      for (const input of inputs) {
        const result = await this.#verifyOne(loaded, from, input, head, accepted);
        if (result.status === 'appended') {
          const stored = accepted[accepted.length - 1]!;
          head = { seq: stored.signed.entry.seq, hash: stored.hash };
        }
        out.push(result);
      }
      await this.store.appendEntries(accepted);
      return out;
    });
    // Only a new invoice needs an answer (a periodic sync retries any left unanswered).
    if (results.some((r, i) => r.status === 'appended' && kindOf(inputs[i]) === 'invoice.issued')) {
      this.#schedule(() => this.#answerPendingInvoices(id));
    }
    return results;
  }

  async #verifyOne(
    loaded: Loaded,
    from: string,
    input: unknown,
    head: StreamPosition | undefined,
    accepted: StoredEntry[],
  ): Promise<ReceiveResult> {
    const id = loaded.record.id;
    const claimedSeq = seqOf(input);
    try {
      const { signed, hash } = checkSignedEntryHashed(loaded.context, input);
      if (signed.entry.author !== from) {
        throw new NodeError('NOT_PERMITTED', `entry by ${signed.entry.author} relayed by ${from}`);
      }
      checkBody(signed.entry, bodyValidators(loaded.terms, signed.entry.author));
      const seq = signed.entry.seq;
      const stored =
        accepted.find((e) => e.signed.entry.seq === seq)?.signed ??
        (head !== undefined && seq <= head.seq
          ? (await this.store.getEntry(id, from, seq))?.signed
          : undefined);
      checkPlacement(head, stored, signed);
      accepted.push({ signed, hash, receivedAt: this.#now().toISOString() });
      return { seq, status: 'appended' };
    } catch (error) {
      if (!(error instanceof BilateralError)) throw error;
      if (error.code !== 'ENTRY_REPLAYED') {
        await this.store.putEvidence({
          bilateral: id,
          author: from,
          seq: claimedSeq,
          code: error.code,
          message: error.message,
          payload: error.code === 'ENTRY_EQUIVOCATION' ? { received: input, details: error.details } : input,
          receivedAt: this.#now().toISOString(),
        });
        this.#log(`rejected entry ${from}/${claimedSeq ?? '?'} of ${short(id)}: ${error.code}`);
      }
      return { seq: claimedSeq, status: 'rejected', code: error.code, message: error.message };
    }
  }

  // ── invoices ──────────────────────────────────────────────────────────────

  /**
   * The invoice for `period` computed from the stored facts (up to `basis` when
   * given) and the Seller's stored usage records of the period (imported in
   * batches; up to the basis' head of the Seller's stream). The Buyer's node
   * first fetches and checks any Seller batch it does not hold yet.
   */
  async computeInvoice(id: string, period: string, basis?: Basis): Promise<Invoice> {
    const loaded = await this.#load(id);
    const entries = await this.store.listEntries(id, { kinds: FACT_KINDS });
    const bounds = billingPeriod(period, loaded.terms.billing.timeZone);
    const seller = loaded.record.agreement.genesis.seller.id;
    if (this.party !== seller) await ensureCounterpartyBatches(this, id, bounds);
    const head = basis === undefined ? Number.POSITIVE_INFINITY : (basis[seller]?.seq ?? 0);
    const usage = await storedUsageTotals(this.store, id, seller, bounds, head);
    return rate(loaded.terms, factsOf(entries, basis), period, usage.count > 0 ? { usage } : {});
  }

  /** Seller: compute the period's invoice from the current heads and issue it as an entry. */
  async issueInvoice(id: string, period: string): Promise<{ invoice: IssuedInvoice; push: PushOutcome }> {
    const loaded = await this.#load(id);
    if (loaded.record.role !== 'seller') {
      throw new NodeError('NOT_PERMITTED', 'only the seller issues invoices');
    }
    await this.#serial.run(id, async () => {
      const open = (await this.invoices(id)).find((i) => i.period === period && i.status !== 'rejected');
      if (open !== undefined) {
        throw new NodeError('NOT_PERMITTED', `the invoice for ${period} is already issued (${open.status})`);
      }
      const basis = await this.#heads(loaded);
      const invoice = await this.computeInvoice(id, period, basis);
      const body = { period, basis, invoice, invoiceHash: hashJson(invoice) };
      return this.#appendOwn(loaded, 'invoice.issued', body as unknown as JsonValue);
    });
    const push = await this.push(id);
    const issued = (await this.invoices(id)).filter((i) => i.period === period);
    return { invoice: issued[issued.length - 1]!, push };
  }

  async invoices(id: string): Promise<IssuedInvoice[]> {
    await this.#load(id);
    return invoicesOf(await this.store.listEntries(id, { kinds: INVOICE_KINDS }));
  }

  /** Buyer: recompute every unanswered invoice from its basis and record the answer. */
  async #answerPendingInvoices(id: string): Promise<void> {
    const loaded = await this.#load(id);
    if (loaded.record.role !== 'buyer') return;
    const answered = await this.#serial.run(id, async () => {
      let count = 0;
      for (const issued of await this.invoices(id)) {
        if (issued.status !== 'pending') continue;
        const computed = await this.computeInvoice(id, issued.period, issued.body.basis);
        const computedHash = hashJson(computed);
        const base = { period: issued.period, invoice: issued.entry, invoiceHash: issued.body.invoiceHash };
        if (computedHash === issued.body.invoiceHash) {
          await this.#appendOwn(loaded, 'invoice.accepted', base as unknown as JsonValue);
          this.#log(`invoice ${issued.period} of ${short(id)} accepted (hash ${short(computedHash)})`);
        } else {
          const differences = diffInvoices(computed, issued.body.invoice);
          await this.#appendOwn(loaded, 'invoice.rejected', {
            ...base,
            computedHash,
            differences,
          } as unknown as JsonValue);
          this.#log(`invoice ${issued.period} of ${short(id)} rejected: ${differences.length} difference(s)`);
        }
        count++;
      }
      return count;
    });
    if (answered > 0) {
      const push = await this.push(id);
      if (push.replicated) await this.#checkpoint(loaded);
    }
  }

  // ── checkpoints ───────────────────────────────────────────────────────────

  /**
   * The state hash and record root of the entries inside `heads`: each
   * stream's root from its frontier, extended by the entries since the last
   * checkpoint (their author, seq, hash and kind only), plus the invoice
   * entries' bodies — never the whole record.
   */
  async #fingerprints(id: string, heads: Basis): Promise<{ stateHash: string; root: string }> {
    const streams: { author: string; root: string }[] = [];
    const invoiceEntries: StoredEntry[] = [];
    let facts = 0;
    const authors = Object.keys(heads).sort(byCodeUnit);
    for (const author of authors) {
      const head = heads[author];
      if (head === null || head === undefined) continue;
      const tally = await this.#tally(id, author, head.seq);
      streams.push({ author, root: tally.frontier.root() });
      facts += tally.facts;
      for (const seq of tally.invoices) {
        const stored = await this.store.getEntry(id, author, seq);
        if (stored !== undefined) invoiceEntries.push(stored);
      }
    }
    return { stateHash: hashJson(stateOf(facts, invoiceEntries)), root: recordRootOf(streams) };
  }

  /**
   * The author's stream tally at `seq`: the cached one extended with the
   * entries after it (it is never changed in place, so concurrent callers
   * cannot disturb each other), or rebuilt from seq 1 when the cache is
   * already past `seq`.
   */
  async #tally(id: string, author: string, seq: number): Promise<StreamTally> {
    const key = `${id}/${author}`;
    const cached = this.#tallies.get(key);
    const base = cached !== undefined && cached.frontier.count <= seq ? cached : undefined;
    if (base?.frontier.count === seq) return base;
    const frontier = base?.frontier.clone() ?? new MerkleFrontier();
    let facts = base?.facts ?? 0;
    const invoices = [...(base?.invoices ?? [])];
    const leaves = await this.store.entryLeaves(id, { author, fromSeq: frontier.count + 1, toSeq: seq });
    for (const leaf of leaves) {
      if (leaf.seq !== frontier.count + 1) break;
      frontier.append(leaf.hash);
      if (FACT_KINDS.includes(leaf.kind)) facts++;
      else if (INVOICE_KINDS.includes(leaf.kind)) invoices.push(leaf.seq);
    }
    if (frontier.count !== seq) {
      throw new NodeError(
        'NOT_PERMITTED',
        `${author}'s stream of ${short(id)} holds entries up to ${frontier.count}, not ${seq}`,
      );
    }
    const tally = { frontier, facts, invoices };
    if ((this.#tallies.get(key)?.frontier.count ?? 0) < seq) this.#tallies.set(key, tally);
    return tally;
  }

  /**
   * Propose a checkpoint at the current heads (after an invoice answer, an
   * agreement point): sign it, have the counterparty co-sign it, store it.
   */
  async #checkpoint(loaded: Loaded): Promise<SignedCheckpoint | undefined> {
    const id = loaded.record.id;
    const heads = await this.#heads(loaded);
    const present = Object.fromEntries(Object.entries(heads).filter(([, h]) => h !== null)) as Record<
      string,
      { seq: number; hash: string }
    >;
    const checkpoint = { bilateral: id, heads: present, ...(await this.#fingerprints(id, heads)) };
    const mine = cosign({ checkpoint, sigs: {} }, this.party, signCheckpoint(checkpoint, this.#keys));
    try {
      const answer = await this.#peer.request<{ sig: string }>(
        loaded.record.peerEndpoint,
        'POST',
        `/peer/bilaterals/${id}/checkpoints`,
        mine,
      );
      const both = cosign(mine, loaded.counterparty.id, answer.sig);
      verifyCheckpoint(both, loaded.context.parties);
      await this.#stored(loaded, both);
      return both;
    } catch (error) {
      this.#log(
        `checkpoint of ${short(id)} not co-signed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  }

  /**
   * Counterparty side: co-sign a checkpoint when its heads are entries we hold
   * and its state hash is what we compute from them.
   */
  async cosignCheckpoint(id: string, from: string, signed: SignedCheckpoint): Promise<{ sig: string }> {
    const loaded = await this.#load(id);
    const { checkpoint } = signed;
    if (checkpoint?.bilateral !== id || typeof signed.sigs?.[from] !== 'string') {
      throw new NodeError('BAD_REQUEST', 'checkpoint: expected this bilateral, signed by the sender');
    }
    if (!verify(loaded.counterparty.key, canonicalBytes(checkpoint), signed.sigs[from])) {
      throw new NodeError('PEER_UNAUTHENTICATED', `checkpoint signature of ${from} does not verify`);
    }
    const theirs = checkpoint.heads[loaded.counterparty.id];
    if (theirs !== undefined && ((await this.store.head(id, from))?.seq ?? 0) < theirs.seq)
      await this.pull(id);
    for (const [party, head] of Object.entries(checkpoint.heads)) {
      const stored = await this.store.getEntry(id, party, head.seq);
      if (stored?.hash !== head.hash) {
        throw new NodeError(
          'NOT_PERMITTED',
          `checkpoint head ${party}/${head.seq} is not an entry this node holds`,
        );
      }
    }
    const heads: Basis = {
      [loaded.me.id]: checkpoint.heads[loaded.me.id] ?? null,
      [loaded.counterparty.id]: checkpoint.heads[loaded.counterparty.id] ?? null,
    };
    const { stateHash, root } = await this.#fingerprints(id, heads);
    if (stateHash !== checkpoint.stateHash || root !== checkpoint.root) {
      throw new NodeError(
        'NOT_PERMITTED',
        `checkpoint differs: this node computes state ${stateHash}, root ${root}`,
      );
    }
    const sig = signCheckpoint(checkpoint, this.#keys);
    const both = cosign(signed, this.party, sig);
    verifyCheckpoint(both, loaded.context.parties);
    await this.#stored(loaded, both);
    return { sig };
  }

  /**
   * A co-signed checkpoint is stored; the seller's node queues it for anchoring
   * (one party anchors, so the pair never competes for the same sequence).
   */
  async #stored(loaded: Loaded, signed: SignedCheckpoint): Promise<void> {
    await this.store.putCheckpoint(signed);
    // Queued even while no chain is attached: a later start with a chain anchors it.
    if (loaded.record.role !== 'seller') return;
    const seq = Object.values(signed.checkpoint.heads).reduce((sum, head) => sum + head.seq, 0);
    await this.store.enqueueAnchor({
      bilateral: loaded.record.id,
      seq,
      value: checkpointHash(signed.checkpoint),
      queuedAt: this.#now().toISOString(),
    });
    void this.#anchorer?.flush();
  }

  /** Anchoring is on when a chain is attached (the node runs with a chain). */
  attachChain(link: { anchorer: Anchorer; chain: AnchorChain } | undefined): void {
    this.#anchorer = link?.anchorer;
    this.#chain = link?.chain;
  }

  get anchorer(): Anchorer | undefined {
    return this.#anchorer;
  }

  /**
   * Checkpoint the bilateral now if its record moved since the last checkpoint
   * (the seller does this on a schedule; either party may ask for it).
   */
  async checkpointNow(id: string): Promise<SignedCheckpoint | undefined> {
    const loaded = await this.#load(id);
    const heads = await this.#heads(loaded);
    const last = (await this.store.listCheckpoints(id)).at(-1);
    const moved = Object.entries(heads).some(
      ([party, head]) => (last?.checkpoint.heads[party]?.seq ?? 0) !== (head?.seq ?? 0),
    );
    if (!moved) return last;
    return this.#checkpoint(loaded);
  }

  /** The scheduled round: checkpoint every bilateral this node sells in whose record moved. */
  async checkpointAll(): Promise<void> {
    for (const record of await this.store.listBilaterals()) {
      if (record.role === 'seller') await this.checkpointNow(record.id);
    }
  }

  async anchors(id: string) {
    await this.#load(id);
    return this.store.listAnchors(id);
  }

  // ── proofs ────────────────────────────────────────────────────────────────

  /**
   * A self-contained proof (see src/ledger/proof.ts) of one entry or of a
   * period's invoice: the entries, their Merkle paths to the first co-signed
   * checkpoint that covers them — the first anchored one when there is one —
   * and where that checkpoint is anchored.
   */
  async proof(
    id: string,
    subject:
      | { entry: { author: string; seq: number } }
      | { invoice: string }
      | { usage: { author: string; id: string } },
  ): Promise<Proof> {
    const loaded = await this.#load(id);
    const all = await this.store.listEntries(id);
    let entries: StoredEntry[];
    let proofSubject: ProofSubject;
    if ('usage' in subject) {
      // A usage record: its Merkle path to its batch entry's root, then the entry's path onwards.
      const { author, id: recordId } = subject.usage;
      const batchSeq = (await this.store.hasUsageIds(id, author, [recordId])).get(recordId);
      if (batchSeq === undefined)
        throw new NodeError('NOT_FOUND', `no usage record ${recordId} of ${author}`);
      const records = await this.store.usageBatchRecords(id, author, batchSeq);
      const index = records.findIndex((r) => r.id === recordId);
      const batch = all.find((e) => e.signed.entry.author === author && e.signed.entry.seq === batchSeq);
      if (batch === undefined || index < 0)
        throw new NodeError('NOT_FOUND', `no usage batch ${author}/${batchSeq}`);
      entries = [batch];
      proofSubject = usageSubject(records as unknown as JsonValue[], index, { author, seq: batchSeq });
    } else if ('entry' in subject) {
      const found = all.find(
        (e) => e.signed.entry.author === subject.entry.author && e.signed.entry.seq === subject.entry.seq,
      );
      if (found === undefined)
        throw new NodeError('NOT_FOUND', `no entry ${subject.entry.author}/${subject.entry.seq}`);
      entries = [found];
      proofSubject = { kind: 'entry' };
    } else {
      const issued = (await this.invoices(id))
        .filter((i) => i.period === subject.invoice && i.status !== 'rejected')
        .at(-1);
      if (issued === undefined) throw new NodeError('NOT_FOUND', `no invoice issued for ${subject.invoice}`);
      const byHash = (hash: string) => all.find((e) => e.hash === hash)!;
      entries = [
        byHash(issued.entry.hash),
        ...(issued.answer === undefined ? [] : [byHash(issued.answer.entry.hash)]),
      ];
      proofSubject = { kind: 'invoice', period: issued.period, invoiceHash: issued.body.invoiceHash };
    }
    const covering = (await this.store.listCheckpoints(id)).filter(
      (cp) =>
        cp.checkpoint.root !== undefined &&
        Object.keys(cp.sigs).length === 2 &&
        entries.every((e) => (cp.checkpoint.heads[e.signed.entry.author]?.seq ?? 0) >= e.signed.entry.seq),
    );
    if (covering.length === 0) {
      throw new NodeError('NOT_FOUND', 'no co-signed checkpoint covers this item yet; create one first');
    }
    let chosen = covering[0]!;
    let anchor: ProofAnchor | null = null;
    for (const candidate of covering) {
      anchor = await this.#anchorOf(loaded, candidate);
      if (anchor !== null) {
        chosen = candidate;
        break;
      }
    }
    const inside = entriesWithin(all, chosen.checkpoint.heads);
    return buildProof({
      subject: proofSubject,
      agreement: loaded.record.agreement,
      checkpoint: chosen,
      leaves: inside.map((e) => ({ author: e.signed.entry.author, seq: e.signed.entry.seq, hash: e.hash })),
      entries: entries.map((e) => e.signed),
      anchor,
    });
  }

  /** Where a checkpoint is anchored: from our anchoring queue, or (the party that did not anchor) from the chain. */
  async #anchorOf(loaded: Loaded, signed: SignedCheckpoint): Promise<ProofAnchor | null> {
    const seq = anchorSeq(signed.checkpoint);
    const value = checkpointHash(signed.checkpoint);
    const id = loaded.record.id;
    const queued = await this.store.getAnchor(id, seq);
    if (queued?.status === 'mined' && queued.value === value) {
      return {
        chainId: queued.chainId!,
        contract: queued.contract as HexString,
        bilateral: `0x${id}`,
        seq,
        value: `0x${value}`,
        txHash: queued.txHash as HexString,
        blockNumber: queued.blockNumber!,
        blockHash: queued.blockHash as HexString,
      };
    }
    if (this.#chain === undefined) return null;
    const found = await this.#chain.findAnchor(id, seq).catch(() => undefined);
    if (found === undefined || found.value !== value) return null;
    return {
      chainId: this.#chain.chainId,
      contract: this.#chain.contract as HexString,
      bilateral: `0x${id}`,
      seq,
      value: `0x${value}`,
      txHash: found.txHash as HexString,
      blockNumber: found.blockNumber,
      blockHash: found.blockHash as HexString,
    };
  }

  async checkpoints(id: string): Promise<SignedCheckpoint[]> {
    await this.#load(id);
    return this.store.listCheckpoints(id);
  }

  // ── queries ───────────────────────────────────────────────────────────────

  async entries(
    id: string,
    range: { author?: string; fromSeq?: number; limit?: number } = {},
  ): Promise<StoredEntry[]> {
    await this.#load(id);
    return this.store.listEntries(id, range);
  }

  async heads(id: string): Promise<Basis> {
    return this.#heads(await this.#load(id));
  }

  async #heads(loaded: Loaded): Promise<Basis> {
    const id = loaded.record.id;
    const seller = loaded.record.agreement.genesis.seller.id;
    const buyer = loaded.record.agreement.genesis.buyer.id;
    return {
      [seller]: (await this.store.head(id, seller)) ?? null,
      [buyer]: (await this.store.head(id, buyer)) ?? null,
    };
  }

  async evidence(id: string) {
    await this.#load(id);
    return this.store.listEvidence(id);
  }

  /** Resolves when background work (answering invoices, their pushes) has finished. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  // ── internals ─────────────────────────────────────────────────────────────

  #schedule(task: () => Promise<void>): void {
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((error: unknown) => this.#log(`background task failed: ${String(error)}`))
      .finally(() => this.#background.delete(running));
    this.#background.add(running);
  }

  async #tryLoad(id: string): Promise<Loaded | undefined> {
    const cached = this.#loaded.get(id);
    if (cached !== undefined) return cached;
    const record = await this.store.getBilateral(id);
    if (record === undefined) return undefined;
    const { genesis } = record.agreement;
    const me = genesis.seller.id === this.party ? genesis.seller : genesis.buyer;
    const counterparty = genesis.seller.id === this.party ? genesis.buyer : genesis.seller;
    const loaded: Loaded = {
      record,
      terms: parseTerms(genesis.terms),
      context: { bilateral: id, parties: [genesis.seller, genesis.buyer] },
      me,
      counterparty,
    };
    this.#loaded.set(id, loaded);
    return loaded;
  }

  async #load(id: string): Promise<Loaded> {
    const loaded = await this.#tryLoad(id);
    if (loaded === undefined) throw new NodeError('NOT_FOUND', `no bilateral ${id}`);
    return loaded;
  }
}

/** The `kind` of a received entry input, when it has one. */
function kindOf(input: unknown): unknown {
  return (input as { entry?: { kind?: unknown } } | null)?.entry?.kind;
}

function seqOf(input: unknown): number | null {
  const seq = (input as { entry?: { seq?: unknown } } | null)?.entry?.seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : null;
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
