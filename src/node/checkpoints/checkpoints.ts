/**
 * Checkpoints and anchoring: a co-signed checkpoint names both stream heads,
 * the record root (a Merkle root per stream, then over the streams) and the
 * hash of the agreed state derived from the entries inside it (the slices of
 * src/kinds/state.ts). The Seller's node queues each co-signed checkpoint for
 * anchoring on the shared chain (one party anchors, so the pair never
 * competes for the same sequence).
 */
import { byCodeUnit } from '../../core/index.ts';
import { agreedState, type Basis, type HeldEntry, type SliceInput, stateSlices } from '../../kinds/index.ts';
import {
  anchorSeq,
  type Check,
  checkpointHash,
  cosign,
  type HexString,
  hashJson,
  type JsonValue,
  type ProofAnchor,
  recordRootOf,
  type SignedCheckpoint,
  verifyCheckpoint,
  verifyCheckpointSignature,
} from '../../ledger/index.ts';
import type { AnchorRecord } from '../../store/index.ts';
import type { AnchorChain, Anchorer } from '../anchoring.ts';
import { type BilateralContext, currentStream, headsOf, KEY_ROTATION_KIND } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import type { Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';
import { StreamTallies } from './tally.ts';

export class Checkpoints {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  readonly #tallies: StreamTallies;
  #anchorer: Anchorer | undefined;
  #chain: AnchorChain | undefined;

  constructor(core: NodeCore, replication: Replication) {
    this.#core = core;
    this.#replication = replication;
    this.#tallies = new StreamTallies(core.store);
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
   * What the node's chain says of a proof's anchor: the registry holds that
   * value at that sequence, in that transaction and block. Undefined when the
   * node runs without a chain, or the anchor names another chain or registry.
   */
  async checkAnchor(anchor: ProofAnchor): Promise<Check[] | undefined> {
    const chain = this.#chain;
    if (chain === undefined || anchor.chainId !== chain.chainId) return undefined;
    if (anchor.contract.toLowerCase() !== chain.contract.toLowerCase()) return undefined;
    const found = await chain
      .findAnchor(anchor.bilateral.replace(/^0x/, ''), anchor.seq)
      .catch(() => undefined);
    if (found === undefined) {
      return [
        {
          name: 'chain',
          ok: false,
          detail: `no anchor ${anchor.seq} of this bilateral on chain ${chain.chainId}`,
        },
      ];
    }
    const value = found.value.replace(/^0x/, '');
    return [
      {
        name: 'chain: anchored value',
        ok: value === anchor.value.replace(/^0x/, ''),
        detail: `the registry holds ${value.slice(0, 16)}… at sequence ${anchor.seq}`,
      },
      {
        name: 'chain: transaction and block',
        ok: found.txHash === anchor.txHash && found.blockNumber === anchor.blockNumber,
        detail: `transaction ${found.txHash.slice(0, 18)}… in block ${found.blockNumber}`,
      },
    ];
  }

  /**
   * The state hash and record root of the entries inside `heads`: each
   * stream's root from its tally, plus the slices' values (entry bodies read
   * only for slices that need them) — never the whole record.
   */
  async fingerprints(id: string, heads: Basis): Promise<{ stateHash: string; root: string }> {
    const { state, root } = await this.#derive(id, heads);
    return { stateHash: hashJson(state), root };
  }

  /** The agreed state of the entries inside `heads`: what a checkpoint at those heads carries the hash of. */
  async state(id: string, heads: Basis): Promise<Record<string, JsonValue>> {
    return (await this.#derive(id, heads)).state;
  }

  async #derive(id: string, heads: Basis): Promise<{ state: Record<string, JsonValue>; root: string }> {
    const store = this.#core.store;
    const streams: { author: string; root: string }[] = [];
    const counts = new Map<string, number>();
    const entries = new Map<string, HeldEntry[]>();
    for (const author of Object.keys(heads).sort(byCodeUnit)) {
      const head = heads[author];
      if (head === null || head === undefined) continue;
      const tally = await this.#tallies.at(id, author, head.seq);
      streams.push({ author, root: tally.frontier.root() });
      for (const [name, count] of tally.counts) counts.set(name, (counts.get(name) ?? 0) + count);
      for (const [name, seqs] of tally.seqs) {
        const list = entries.get(name) ?? [];
        for (const seq of seqs) {
          const stored = await store.getEntry(id, author, seq);
          if (stored !== undefined) list.push(stored);
        }
        entries.set(name, list);
      }
    }
    const inputs = new Map<string, SliceInput>(
      stateSlices.map((slice) => [
        slice.name,
        { count: counts.get(slice.name) ?? 0, entries: entries.get(slice.name) ?? [] },
      ]),
    );
    return { state: agreedState(stateSlices, inputs), root: recordRootOf(streams) };
  }

  /**
   * Propose a checkpoint at the current heads (after an agreement point such
   * as an invoice answer): sign it, have the counterparty co-sign it, store it.
   * Never throws: a counterparty that does not co-sign is logged.
   */
  async propose(context: BilateralContext): Promise<SignedCheckpoint | undefined> {
    const core = this.#core;
    const id = context.id;
    const heads = await headsOf(core.store, context);
    // Signed and sent only once those heads are on disk here (Store.durable).
    await core.store.durable();
    const present = Object.fromEntries(Object.entries(heads).filter(([, h]) => h !== null)) as Record<
      string,
      { seq: number; hash: string }
    >;
    const checkpoint = { bilateral: id, heads: present, ...(await this.fingerprints(id, heads)) };
    const mine = cosign({ checkpoint, sigs: {} }, core.party, core.signCheckpoint(context, checkpoint));
    try {
      const answer = await core.toCounterparty<{ sig: string }>(
        context,
        'POST',
        `/peer/bilaterals/${id}/checkpoints`,
        mine,
      );
      const both = cosign(mine, context.counterparty.id, answer.sig);
      verifyCheckpoint(both, currentStream(context).parties, legacy(context));
      await this.#stored(context, both);
      return both;
    } catch (error) {
      core.log(
        `checkpoint of ${short(id)} not co-signed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
  }

  /**
   * Counterparty side: co-sign a checkpoint when its heads are entries we hold
   * and its state hash is what we compute from them.
   */
  async cosign(id: string, from: string, signed: SignedCheckpoint): Promise<{ sig: string }> {
    const core = this.#core;
    const context = await core.context(id);
    const checkpoint = signed?.checkpoint;
    if (checkpoint?.bilateral !== id || typeof signed.sigs?.[from] !== 'string') {
      throw new NodeError('BAD_REQUEST', 'checkpoint: expected this bilateral, signed by the sender');
    }
    // Entries we lack first: one may rotate the key the checkpoint is signed with.
    const theirs = checkpoint.heads[context.counterparty.id];
    if (theirs !== undefined && ((await core.store.head(id, from))?.seq ?? 0) < theirs.seq)
      await this.#replication.pull(id);
    const key = context.keys.get(from) ?? context.counterparty.key;
    if (!verifyCheckpointSignature(checkpoint, key, signed.sigs[from], legacy(context))) {
      throw new NodeError('PEER_UNAUTHENTICATED', `checkpoint signature of ${from} does not verify`);
    }
    for (const [party, head] of Object.entries(checkpoint.heads)) {
      const stored = await core.store.getEntry(id, party, head.seq);
      if (stored?.hash !== head.hash) {
        throw new NodeError(
          'NOT_PERMITTED',
          `checkpoint head ${party}/${head.seq} is not an entry this node holds`,
        );
      }
    }
    const heads: Basis = {
      [context.me.id]: checkpoint.heads[context.me.id] ?? null,
      [context.counterparty.id]: checkpoint.heads[context.counterparty.id] ?? null,
    };
    const { stateHash, root } = await this.fingerprints(id, heads);
    if (stateHash !== checkpoint.stateHash || root !== checkpoint.root) {
      throw new NodeError(
        'STATE_DIFFERS',
        `checkpoint differs: this node computes state ${stateHash}, root ${root}`,
      );
    }
    // We co-sign with our current key, so the heads must include our latest key
    // rotation: a verifier checks co-signatures with the keys current at the heads.
    const rotations = await core.store.listEntries(id, { author: core.party, kinds: [KEY_ROTATION_KIND] });
    const rotatedAt = rotations.at(-1)?.signed.entry.seq ?? 0;
    if (rotatedAt > (checkpoint.heads[core.party]?.seq ?? 0)) {
      throw new NodeError(
        'STATE_DIFFERS',
        `checkpoint predates ${core.party}'s key rotation at seq ${rotatedAt}; sync first`,
      );
    }
    const sig = core.signCheckpoint(context, checkpoint);
    const both = cosign(signed, core.party, sig);
    verifyCheckpoint(both, currentStream(context).parties, legacy(context));
    await this.#stored(context, both);
    return { sig };
  }

  /** A co-signed checkpoint is stored; the seller's node queues it for anchoring. */
  async #stored(context: BilateralContext, signed: SignedCheckpoint): Promise<void> {
    const core = this.#core;
    await core.store.putCheckpoint(signed);
    // Queued even while no chain is attached: a later start with a chain anchors it.
    if (context.record.role !== 'seller') return;
    await core.store.enqueueAnchor({
      bilateral: context.id,
      seq: anchorSeq(signed.checkpoint),
      value: checkpointHash(signed.checkpoint),
      queuedAt: core.now().toISOString(),
    });
    void this.#anchorer?.flush();
  }

  /**
   * Checkpoint the bilateral now if its record moved since the last checkpoint
   * (the seller does this on a schedule; either party may ask for it).
   */
  async now(id: string): Promise<SignedCheckpoint | undefined> {
    const core = this.#core;
    const context = await core.context(id);
    const heads = await headsOf(core.store, context);
    const last = (await core.store.listCheckpoints(id)).at(-1);
    const moved = Object.entries(heads).some(
      ([party, head]) => (last?.checkpoint.heads[party]?.seq ?? 0) !== (head?.seq ?? 0),
    );
    if (!moved) return last;
    return this.propose(context);
  }

  /** The scheduled round: checkpoint every bilateral this node sells in whose record moved. */
  async all(): Promise<void> {
    for (const record of await this.#core.store.listBilaterals()) {
      if (record.role === 'seller') await this.now(record.id);
    }
  }

  async list(id: string): Promise<SignedCheckpoint[]> {
    await this.#core.context(id);
    return this.#core.store.listCheckpoints(id);
  }

  async anchors(id: string): Promise<AnchorRecord[]> {
    await this.#core.context(id);
    return this.#core.store.listAnchors(id);
  }

  /** Where a checkpoint is anchored: from our anchoring queue, or (the party that did not anchor) from the chain. */
  async anchorOf(context: BilateralContext, signed: SignedCheckpoint): Promise<ProofAnchor | null> {
    const seq = anchorSeq(signed.checkpoint);
    const value = checkpointHash(signed.checkpoint);
    const id = context.id;
    const queued = await this.#core.store.getAnchor(id, seq);
    // Ours: cited once final, and never when covered (the covering checkpoint is cited instead).
    if (
      queued?.status === 'mined' &&
      queued.coveredBy === null &&
      queued.finalAt !== null &&
      queued.value === value
    ) {
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
}

/** Whether the bilateral accepts legacy (bare) signatures: only one agreed before domain separation. */
function legacy(context: BilateralContext): { legacy: boolean } {
  return { legacy: context.stream.legacySignatures === true };
}
