/**
 * The anchoring loop: co-signed checkpoints go to the shared ledger in batches,
 * on a schedule and on demand. Recording never waits for it. The queue lives in
 * the store, so a restart resumes it: an anchor marked `sent` is settled from
 * its transaction receipt (or from the chain's own record) before anything new
 * is sent, and the registry's strictly increasing sequence means nothing can be
 * anchored twice. Failures go back to the queue with exponential backoff.
 *
 * Finality: an anchor is `final` once its block has `confirmations` blocks
 * (itself included) and is still the chain's block at that height. Mined is
 * not trusted for ever: after a restart of the node, a chain outage, a chain
 * whose head went back or whose block at a height we saw changed (a restarted
 * Anvil that lost its last second, a reorganisation), every bilateral's
 * anchors are checked again against the chain, newest first, down to the
 * first one found intact (a chain loses its newest blocks, never older ones
 * alone). One missing is queued and sent again.
 *
 * Order: the registry takes sequences in increasing order, so an anchor whose
 * sequence the chain has passed cannot be sent. When the chain holds a later
 * checkpoint of ours, that checkpoint extends this one (streams only grow):
 * the anchor is marked covered by it, with its transaction and block, and is
 * never retried.
 */
import { anchorSeq, checkpointHash, type Hash } from '../ledger/index.ts';
import type { AnchorKey, AnchorRecord, Store } from '../store/index.ts';

/** What the loop needs from a chain (implemented over viem in src/chain). */
export interface AnchorChain {
  readonly chainId: number;
  /** Address of the anchor registry. */
  readonly contract: string;
  /** Make sure the bilateral is in the on-chain registry before its first anchor. */
  ensureBilateral(bilateral: Hash): Promise<void>;
  /** The last anchored sequence of a bilateral on chain (0 when none). */
  latest(bilateral: Hash): Promise<number>;
  /** Signs and broadcasts one transaction anchoring every item; resolves with its hash. */
  sendBatch(items: readonly { bilateral: Hash; seq: number; value: Hash }[]): Promise<string>;
  /** Waits for the transaction to be mined. */
  waitMined(txHash: string): Promise<MinedTx>;
  /** The receipt of a transaction, if the chain knows it. */
  receipt(txHash: string): Promise<MinedTx | undefined>;
  /** Where (bilateral, seq) was anchored, from the registry's events; undefined when it was not. */
  findAnchor(bilateral: Hash, seq: number): Promise<(MinedTx & { value: Hash }) | undefined>;
  /** The chain's latest block. */
  head(): Promise<{ number: number; hash: string }>;
  /** The hash of the canonical block at `number`; undefined when the chain is not that long. */
  blockHash(number: number): Promise<string | undefined>;
  /** Drops what the adapter remembers of the chain (registered bilaterals): the chain may have lost it. */
  forget(): void;
}

export interface MinedTx {
  readonly txHash: string;
  readonly status: 'success' | 'reverted';
  readonly blockNumber: number;
  readonly blockHash: string;
}

export interface AnchorerOptions {
  readonly store: Store;
  readonly chain: AnchorChain;
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** Most anchors in one transaction. */
  readonly batchSize?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /**
   * Longest wait for a sent transaction to be mined (default 60 000 ms). A
   * transaction the chain lost (dropped, or a chain restarted from an older
   * state) is then queued again instead of stalling the loop.
   */
  readonly confirmTimeoutMs?: number;
  /** Blocks (the anchor's own included) before an anchor is final; default 1. */
  readonly confirmations?: number;
}

export class Anchorer {
  readonly #store: Store;
  readonly #chain: AnchorChain;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  readonly #batchSize: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  readonly #confirmTimeoutMs: number;
  readonly #confirmations: number;
  /** Check every mined anchor against the chain in the next round (set at start, after outages and chain resets). */
  #recheckAll = true;
  /** The chain's head as last seen, to notice it going back or changing under us. */
  #lastHead: { number: number; hash: string } | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: AnchorerOptions) {
    this.#store = options.store;
    this.#chain = options.chain;
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? (() => {});
    this.#batchSize = options.batchSize ?? 200;
    this.#backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.#backoffMaxMs = options.backoffMaxMs ?? 5 * 60 * 1000;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 60_000;
    this.#confirmations = Math.max(1, Math.trunc(options.confirmations ?? 1));
  }

  /** Asks the next round to check every mined anchor against the chain (the chain restarted). */
  recheck(): void {
    this.#recheckAll = true;
  }

  /** Run the loop every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    const tick = () => {
      void this.flush().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, intervalMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Anchor everything due now; resolves with the number of anchors mined. Calls
   * made while a round runs are folded into one more round after it. Never
   * rejects (callers fire and forget it): a failed round is logged and retried
   * by the next one.
   */
  flush(): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let mined = 0;
      do {
        this.#again = false;
        try {
          mined += await this.#round();
        } catch (error) {
          // The chain may come back with less than it had: look at everything again then.
          this.#recheckAll = true;
          this.#log(`anchoring round failed: ${message(error)}`);
        }
      } while (this.#again);
      return mined;
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #round(): Promise<number> {
    try {
      await this.#watchHead();
      if (this.#recheckAll) {
        this.#recheckAll = false;
        this.#chain.forget();
        await this.#recheck();
      }
    } catch (error) {
      // The chain is not answering: what is due is tried (and backs off) below; check again later.
      this.#recheckAll = true;
      this.#lastHead = undefined;
      this.#log(`anchors not re-checked: ${message(error)}`);
    }
    let mined = await this.#settleSent();
    for (;;) {
      const due = await this.#store.dueAnchors(this.#now().toISOString(), this.#batchSize);
      if (due.length > 0) {
        const prepared = await this.#prepare(due);
        mined += prepared.mined;
        if (prepared.sendable.length > 0) mined += await this.#send(prepared.sendable);
      }
      if (due.length < this.#batchSize) break;
    }
    try {
      await this.#confirm();
    } catch (error) {
      this.#recheckAll = true;
      this.#log(`anchors not confirmed: ${message(error)}`);
    }
    return mined;
  }

  /** Notices a chain whose head went back, or whose block at the last head's height changed. */
  async #watchHead(): Promise<void> {
    const head = await this.#chain.head();
    const last = this.#lastHead;
    this.#lastHead = head;
    if (last === undefined || (head.number === last.number && head.hash === last.hash)) return;
    const then = head.number < last.number ? undefined : await this.#chain.blockHash(last.number);
    if (then !== last.hash) {
      this.#log(
        `the chain changed under block ${last.number} (now at ${head.number}): checking anchors again`,
      );
      this.#recheckAll = true;
    }
  }

  /**
   * Checks mined anchors against the chain, per bilateral newest first, down
   * to the first found in the block we recorded; those missing go back to
   * the queue, those found elsewhere (re-mined after a reorganisation) get
   * their new block and lose finality until it has its confirmations.
   */
  async #recheck(): Promise<void> {
    const byBilateral = new Map<string, AnchorRecord[]>();
    for (const anchor of await this.#store.minedAnchors()) {
      byBilateral.set(anchor.bilateral, [...(byBilateral.get(anchor.bilateral) ?? []), anchor]);
    }
    const at = this.#now().toISOString();
    for (const anchors of byBilateral.values()) {
      for (const anchor of anchors.reverse()) {
        const onChain = anchor.coveredBy ?? anchor.seq;
        const found = await this.#chain.findAnchor(anchor.bilateral, onChain);
        const intact =
          found !== undefined &&
          (anchor.coveredBy === null
            ? found.value === anchor.value
            : await this.#isOurs(anchor.bilateral, anchor.coveredBy, found.value));
        if (!intact) {
          this.#log(
            `anchor ${anchor.bilateral.slice(0, 12)}#${anchor.seq} is not on the chain: sending it again`,
          );
          await this.#store.requeueAnchors([keyOf(anchor)], 'missing from the chain at a re-check', at);
          continue;
        }
        if (found.blockHash === anchor.blockHash) break;
        if (anchor.coveredBy === null) await this.#markMined([keyOf(anchor)], found);
        else await this.#store.markAnchorCovered(keyOf(anchor), anchor.coveredBy, this.#minedOf(found));
      }
    }
  }

  /** Marks final the mined anchors with their confirmations whose block is still the chain's. */
  async #confirm(): Promise<void> {
    const pending = await this.#store.minedAnchors({ notFinal: true });
    if (pending.length === 0) return;
    const head = await this.#chain.head();
    const canonical = new Map<number, Promise<string | undefined>>();
    const final: AnchorKey[] = [];
    for (const anchor of pending) {
      const block = anchor.blockNumber;
      if (block === null || head.number - block + 1 < this.#confirmations) continue;
      let hash = canonical.get(block);
      if (hash === undefined) {
        hash = this.#chain.blockHash(block);
        canonical.set(block, hash);
      }
      if ((await hash) === anchor.blockHash) final.push(keyOf(anchor));
      else this.#recheckAll = true;
    }
    if (final.length > 0) await this.#store.markAnchorsFinal(final, this.#now().toISOString());
  }

  /**
   * After a restart: anchors whose transaction went out before we could record
   * the receipt. Each transaction is looked up (and waited for) once, however
   * many anchors it carries; one the chain does not mine in time goes back to
   * the queue, where the registry's latest sequence is checked before resending.
   */
  async #settleSent(): Promise<number> {
    let mined = 0;
    const receipts = new Map<string, Promise<MinedTx | undefined>>();
    const waits = new Map<string, Promise<MinedTx | undefined>>();
    for (const anchor of await this.#store.sentAnchors()) {
      const key = [keyOf(anchor)];
      const txHash = anchor.txHash;
      try {
        const receipt =
          txHash === null ? undefined : await once(receipts, txHash, () => this.#chain.receipt(txHash));
        if (receipt?.status === 'success') {
          await this.#markMined(key, receipt);
          mined++;
          continue;
        }
        const found = await this.#chain.findAnchor(anchor.bilateral, anchor.seq);
        if (found !== undefined && found.value === anchor.value) {
          await this.#markMined(key, found);
          mined++;
        } else if (receipt === undefined && txHash !== null) {
          // Not mined yet: wait for it (a while) rather than sending a second transaction.
          const waited = await once(waits, txHash, () => this.#waitMined(txHash));
          if (waited?.status === 'success') {
            await this.#markMined(key, waited);
            mined++;
          } else if (waited === undefined) {
            await this.#fail(
              key,
              anchor,
              `transaction ${txHash} not mined within ${this.#confirmTimeoutMs} ms`,
            );
          } else await this.#fail(key, anchor, 'transaction reverted');
        } else await this.#fail(key, anchor, 'transaction reverted');
      } catch (error) {
        await this.#fail(key, anchor, message(error));
      }
    }
    return mined;
  }

  /** The transaction's receipt once mined; undefined when it is not mined within the confirmation timeout. */
  async #waitMined(txHash: string): Promise<MinedTx | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const waiting = this.#chain.waitMined(txHash);
    // Past the timeout nobody awaits it; its eventual rejection must not go unhandled.
    waiting.catch(() => {});
    try {
      return await Promise.race([
        waiting,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), this.#confirmTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops what the chain already holds (marking ours mined) and registers new bilaterals. */
  async #prepare(due: readonly AnchorRecord[]): Promise<{ sendable: AnchorRecord[]; mined: number }> {
    let mined = 0;
    const sendable: AnchorRecord[] = [];
    const latest = new Map<string, number>();
    for (const anchor of due) {
      const key = [{ bilateral: anchor.bilateral, seq: anchor.seq }];
      try {
        if (!latest.has(anchor.bilateral)) {
          await this.#chain.ensureBilateral(anchor.bilateral);
          latest.set(anchor.bilateral, await this.#chain.latest(anchor.bilateral));
        }
        const onChain = latest.get(anchor.bilateral)!;
        if (anchor.seq > onChain) {
          sendable.push(anchor);
          continue;
        }
        const found = await this.#chain.findAnchor(anchor.bilateral, anchor.seq);
        if (found !== undefined && found.value === anchor.value) {
          await this.#markMined(key, found);
          mined++;
          continue;
        }
        // The chain passed this sequence: covered when what it holds at its latest is our checkpoint.
        const covering = await this.#chain.findAnchor(anchor.bilateral, onChain);
        if (covering !== undefined && (await this.#isOurs(anchor.bilateral, onChain, covering.value))) {
          await this.#store.markAnchorCovered(key[0]!, onChain, this.#minedOf(covering));
          this.#log(`anchor ${anchor.bilateral.slice(0, 12)}#${anchor.seq} is covered by #${onChain}`);
          mined++;
        } else {
          await this.#fail(
            key,
            anchor,
            `superseded: the chain is at sequence ${onChain}, which is not a checkpoint of ours`,
            this.#backoffMaxMs,
          );
        }
      } catch (error) {
        await this.#fail(key, anchor, message(error));
      }
    }
    sendable.sort((a, b) => a.bilateral.localeCompare(b.bilateral) || a.seq - b.seq);
    return { sendable, mined };
  }

  async #send(batch: readonly AnchorRecord[]): Promise<number> {
    const keys = batch.map((a) => ({ bilateral: a.bilateral, seq: a.seq }));
    let txHash: string;
    try {
      txHash = await this.#chain.sendBatch(
        batch.map((a) => ({ bilateral: a.bilateral, seq: a.seq, value: a.value })),
      );
    } catch (error) {
      for (const anchor of batch) await this.#fail([keyOf(anchor)], anchor, message(error));
      return 0;
    }
    await this.#store.markAnchorsSent(keys, txHash);
    try {
      const receipt = await this.#waitMined(txHash);
      if (receipt === undefined) {
        this.#log(
          `anchor transaction ${txHash} not mined within ${this.#confirmTimeoutMs} ms; settling it later`,
        );
        return 0;
      }
      if (receipt.status !== 'success') {
        for (const anchor of batch)
          await this.#fail([keyOf(anchor)], anchor, `transaction ${txHash} reverted`);
        return 0;
      }
      await this.#markMined(keys, receipt);
      this.#log(`anchored ${batch.length} checkpoint(s) in ${txHash} (block ${receipt.blockNumber})`);
      return batch.length;
    } catch (error) {
      // The transaction may still be mined: leave it `sent`; the next round settles it.
      this.#log(`anchor transaction ${txHash} not confirmed yet: ${message(error)}`);
      return 0;
    }
  }

  /**
   * Whether `value` at `seq` is a checkpoint of this bilateral that we hold:
   * queued by us, or co-signed and stored (the counterparty anchored it).
   */
  async #isOurs(bilateral: Hash, seq: number, value: Hash): Promise<boolean> {
    if ((await this.#store.getAnchor(bilateral, seq))?.value === value) return true;
    return (await this.#store.listCheckpoints(bilateral)).some(
      (signed) => anchorSeq(signed.checkpoint) === seq && checkpointHash(signed.checkpoint) === value,
    );
  }

  async #markMined(keys: readonly AnchorKey[], tx: MinedTx): Promise<void> {
    await this.#store.markAnchorsMined(keys, this.#minedOf(tx));
  }

  #minedOf(tx: MinedTx) {
    return {
      txHash: tx.txHash,
      blockNumber: tx.blockNumber,
      blockHash: tx.blockHash,
      chainId: this.#chain.chainId,
      contract: this.#chain.contract,
    };
  }

  async #fail(
    keys: readonly AnchorKey[],
    anchor: AnchorRecord,
    error: string,
    delayMs?: number,
  ): Promise<void> {
    const delay = delayMs ?? Math.min(this.#backoffBaseMs * 2 ** anchor.attempts, this.#backoffMaxMs);
    const next = new Date(this.#now().getTime() + delay).toISOString();
    await this.#store.markAnchorsFailed(keys, error, next);
    this.#log(`anchor ${anchor.bilateral.slice(0, 12)}#${anchor.seq} failed (${error}); retry at ${next}`);
  }
}

/** The promise `map` holds for `key`, started by `start` on first use. */
function once<T>(map: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  let promise = map.get(key);
  if (promise === undefined) {
    promise = start();
    map.set(key, promise);
  }
  return promise;
}

function keyOf(anchor: AnchorRecord): AnchorKey {
  return { bilateral: anchor.bilateral, seq: anchor.seq };
}

function message(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}
