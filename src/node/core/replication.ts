/**
 * Replication of the two streams of a bilateral: push our entries the
 * counterparty lacks, pull theirs we lack, and verify every entry we receive
 * (signature, key, link, seq, body) before it is stored. What fails is kept
 * as evidence and never applied. Replication is idempotent by author and seq.
 */
import { BilateralError } from '../../core/index.ts';
import { bodyValidators } from '../../kinds/index.ts';
import {
  canonicalize,
  checkBody,
  checkPlacement,
  checkSignedEntryHashed,
  type JsonValue,
  LedgerError,
  type SignedEntry,
  type StreamPosition,
} from '../../ledger/index.ts';
import type { StoredEntry } from '../../store/index.ts';
import { NodeError } from '../errors.ts';
import { type BilateralContext, currentStream, KEY_ROTATION_KIND } from './context.ts';
import { type NodeCore, short } from './node-core.ts';

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

const PAGE = 500;

export class Replication {
  readonly #core: NodeCore;
  /** Per bilateral: the push running now and the one queued after it. */
  readonly #pushes = new Map<
    string,
    { running?: Promise<PushOutcome> | undefined; next?: Promise<PushOutcome> | undefined }
  >();
  /** Per bilateral: the last seq of our stream the counterparty confirmed holding. */
  readonly #acked = new Map<string, number>();

  constructor(core: NodeCore) {
    this.#core = core;
  }

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
    const core = this.#core;
    const context = await core.context(id);
    try {
      let theirs = this.#acked.get(id);
      if (theirs === undefined) {
        const heads = await core.toCounterparty<Record<string, { seq: number } | null>>(
          context,
          'GET',
          `/peer/bilaterals/${id}/heads`,
        );
        theirs = heads[core.party]?.seq ?? 0;
      }
      for (;;) {
        const batch = await core.store.listEntries(id, {
          author: core.party,
          fromSeq: theirs + 1,
          limit: PAGE,
        });
        if (batch.length === 0) break;
        // Sent only once on disk here: a commit is readable a moment before its fsync ends.
        await core.store.durable();
        const results = await core.toCounterparty<ReceiveResult[]>(
          context,
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
        if (batch.length < PAGE) break;
      }
      return { replicated: true };
    } catch (error) {
      this.#acked.delete(id);
      const message = error instanceof Error ? error.message : String(error);
      return { replicated: false, error: message };
    }
  }

  /** Fetch the counterparty's entries we lack (after being offline) and verify each. */
  async pull(id: string): Promise<{ received: number; rejected: ReceiveResult[] }> {
    const core = this.#core;
    const context = await core.context(id);
    let received = 0;
    const rejected: ReceiveResult[] = [];
    for (;;) {
      const from = ((await core.store.head(id, context.counterparty.id))?.seq ?? 0) + 1;
      const page = await core.toCounterparty<{ entries: SignedEntry[] }>(
        context,
        'GET',
        `/peer/bilaterals/${id}/entries?author=${encodeURIComponent(context.counterparty.id)}&from=${from}&limit=${PAGE}`,
      );
      if (page.entries.length === 0) break;
      const results = await this.receive(id, context.counterparty.id, page.entries);
      received += results.filter((r) => r.status === 'appended').length;
      rejected.push(...results.filter((r) => r.status === 'rejected'));
      if (page.entries.length < PAGE || results.some((r) => r.status === 'rejected')) break;
    }
    return { received, rejected };
  }

  /** Pull what we lack and push what they lack, for one bilateral or all. */
  async sync(id?: string): Promise<void> {
    const core = this.#core;
    const ids = id === undefined ? (await core.store.listBilaterals()).map((b) => b.id) : [id];
    for (const each of ids) {
      try {
        await this.pull(each);
      } catch (error) {
        core.log(
          `sync ${short(each)}: pull failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      await this.push(each);
      core.synced(each);
    }
  }

  /**
   * Verify and store entries sent by `from` (already authenticated as the
   * bilateral's counterparty). Entries are taken in order; each is verified in
   * full before it is stored, and a rejected one is kept as evidence.
   */
  async receive(id: string, from: string, inputs: readonly unknown[]): Promise<ReceiveResult[]> {
    const core = this.#core;
    const context = await core.context(id);
    const kinds = new Set<string>();
    const results = await core.serially(id, async () => {
      // Each entry is verified against the stream as extended by the ones before
      // it; the verified ones are stored together in one transaction.
      const accepted: StoredEntry[] = [];
      const out: ReceiveResult[] = [];
      // Keys as the entries so far leave them: a `party.key` entry makes the
      // author's next entries verify with its new key.
      const keys = new Map(context.keys);
      let head = await core.store.head(id, from);
      for (const input of inputs) {
        const result = await this.#verifyOne(context, keys, from, input, head, accepted);
        if (result.status === 'appended') {
          const stored = accepted[accepted.length - 1]!;
          head = { seq: stored.signed.entry.seq, hash: stored.hash };
          kinds.add(stored.signed.entry.kind);
        }
        out.push(result);
      }
      await core.store.appendEntries(accepted);
      for (const [party, key] of keys) context.keys.set(party, key);
      return out;
    });
    core.received(id, kinds);
    return results;
  }

  async #verifyOne(
    context: BilateralContext,
    keys: Map<string, string>,
    from: string,
    input: unknown,
    head: StreamPosition | undefined,
    accepted: StoredEntry[],
  ): Promise<ReceiveResult> {
    const core = this.#core;
    const id = context.id;
    const claimedSeq = seqOf(input);
    // An entry we already hold, sent again: a replay, whatever key it was signed with.
    if (claimedSeq !== null && head !== undefined && claimedSeq <= head.seq) {
      const held = await core.store.getEntry(id, from, claimedSeq);
      if (held !== undefined && sameJson(held.signed, input)) {
        return {
          seq: claimedSeq,
          status: 'rejected',
          code: 'ENTRY_REPLAYED',
          message: `${from} #${claimedSeq} is already held`,
        };
      }
    }
    try {
      const { signed, hash } = checkSignedEntryHashed(currentStream(context, keys), input);
      if (signed.entry.author !== from) {
        throw new NodeError('NOT_PERMITTED', `entry by ${signed.entry.author} relayed by ${from}`);
      }
      checkBody(signed.entry, bodyValidators(context.terms, signed.entry.author, context.id));
      const rotation =
        signed.entry.kind === KEY_ROTATION_KIND
          ? (signed.entry.body as { oldKey: string; newKey: string })
          : undefined;
      if (rotation !== undefined && rotation.oldKey !== keys.get(from)) {
        throw new LedgerError('ENTRY_MALFORMED_BODY', `party.key body: oldKey is not ${from}'s current key`, {
          details: { author: from, seq: signed.entry.seq, field: 'oldKey' },
        });
      }
      const seq = signed.entry.seq;
      const stored =
        accepted.find((e) => e.signed.entry.seq === seq)?.signed ??
        (head !== undefined && seq <= head.seq
          ? (await core.store.getEntry(id, from, seq))?.signed
          : undefined);
      checkPlacement(head, stored, signed);
      accepted.push({ signed, hash, receivedAt: core.now().toISOString() });
      if (rotation !== undefined) keys.set(from, rotation.newKey);
      return { seq, status: 'appended' };
    } catch (error) {
      if (!(error instanceof BilateralError)) throw error;
      if (error.code !== 'ENTRY_REPLAYED') {
        await core.store.putEvidence({
          bilateral: id,
          author: from,
          seq: claimedSeq,
          code: error.code,
          message: error.message,
          payload: error.code === 'ENTRY_EQUIVOCATION' ? { received: input, details: error.details } : input,
          receivedAt: core.now().toISOString(),
        });
        core.log(`rejected entry ${from}/${claimedSeq ?? '?'} of ${short(id)}: ${error.code}`);
      }
      return { seq: claimedSeq, status: 'rejected', code: error.code, message: error.message };
    }
  }
}

function seqOf(input: unknown): number | null {
  const seq = (input as { entry?: { seq?: unknown } } | null)?.entry?.seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : null;
}

/** True when `input` is the very same JSON as `signed` (key order aside). */
function sameJson(signed: unknown, input: unknown): boolean {
  try {
    return canonicalize(signed as JsonValue) === canonicalize(input as JsonValue);
  } catch {
    return false;
  }
}
