/**
 * The batch an import is filling (usage.ts): its checked records by column,
 * each record's canonical text already written in UTF-8 to one buffer, the
 * form the hasher reads and the store keeps.
 *
 * Design rationale:
 * - No object per record. An import holds up to three batches (30,000
 *   records by default) while it reads on; records kept as objects, with
 *   the strings they point to, live through several young-generation
 *   collections and are copied each time. Here a record is its id, a few
 *   numbers in arrays and its bytes in the buffer.
 * - Totals and the time range are summed as records come in (exact
 *   `UsageTotals`), so sealing a batch reads nothing again.
 * - Dropping records (ids the store already holds: a file imported again)
 *   is the rare path: the batch is rebuilt from its own bytes, each record's
 *   sums and time read back from its text.
 */
import { formatInstant, type UsageRecord, UsageTotals, usageInstant } from '../../core/index.ts';
import type { UsageBatchBody } from '../../kinds/index.ts';
import type { UsageBytes } from './usage-hasher.ts';

/** A full batch, taken out of the batcher: what the hasher and the store need. */
export interface SealedBatch extends UsageBytes {
  readonly ids: readonly string[];
  /** The line of each record in its source. */
  readonly lines: readonly number[];
  /** Everything of the `usage.batch` body but the root. */
  readonly summary: Omit<UsageBatchBody, 'root'>;
  /** The earliest and the latest record instant. */
  readonly from: number;
  readonly to: number;
}

const INITIAL_BYTES = 1 << 20;

export class UsageBatcher {
  #ids: string[] = [];
  #lines: number[] = [];
  #ends: number[] = [];
  #bytes = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  #used = 0;
  #totals = new UsageTotals();
  #from = Number.POSITIVE_INFINITY;
  #to = Number.NEGATIVE_INFINITY;
  /** Records before this position were checked against the store. */
  checked = 0;

  get length(): number {
    return this.#ids.length;
  }

  id(position: number): string {
    return this.#ids[position]!;
  }

  line(position: number): number {
    return this.#lines[position]!;
  }

  /** The ids from `checked` on. */
  unchecked(): string[] {
    return this.#ids.slice(this.checked);
  }

  /** Adds a checked record: `text` is its `usageRecordJson`, `instant` its `at`. */
  add(
    id: string,
    line: number,
    instant: number,
    text: string,
    service: string,
    metric: string,
    quantity: string,
  ): void {
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    const bytes = this.reserve(text.length * 3);
    this.commit(this.#used + bytes.write(text, this.#used), id, line, instant, service, metric, quantity);
  }

  /** The buffer, with room for `size` bytes of a record's text from `offset` (then `commit` it). */
  reserve(size: number): Buffer {
    // One more byte for the line break after the text.
    if (this.#used + size + 1 > this.#bytes.length) this.#grow(size + 1);
    return this.#bytes;
  }

  /** Where the next record's text starts in the buffer. */
  get offset(): number {
    return this.#used;
  }

  /** Adds the checked record whose text was written from `offset` to `end` (after `reserve`). */
  commit(
    end: number,
    id: string,
    line: number,
    instant: number,
    service: string,
    metric: string,
    quantity: string,
  ): void {
    this.#used = end;
    this.#ends.push(end);
    this.#bytes[this.#used++] = 10;
    this.#ids.push(id);
    this.#lines.push(line);
    this.#totals.add(service, metric, quantity);
    if (instant < this.#from) this.#from = instant;
    if (instant > this.#to) this.#to = instant;
  }

  #grow(more: number): void {
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.#bytes.length * 2, this.#used + more));
    this.#bytes.copy(bigger, 0, 0, this.#used);
    this.#bytes = bigger;
  }

  /** Leaves out the records at `positions`; the rest keep their order. */
  drop(positions: ReadonlySet<number>): void {
    const bytes = this.#bytes;
    const ids = this.#ids;
    const lines = this.#lines;
    const ends = this.#ends;
    const checked = this.checked;
    this.#reset();
    this.#bytes = Buffer.allocUnsafeSlow(bytes.length);
    this.#refill(bytes, ends, ids, lines, positions);
    let before = 0;
    for (const p of positions) if (p < checked) before++;
    this.checked = checked - before;
  }

  /**
   * A sealed batch without the records at `positions` (found stored after
   * it was sealed), the rest in their order: `hashed` is where its bytes
   * and ends are now (the hasher hands them back).
   */
  static without(sealed: SealedBatch, hashed: UsageBytes, positions: ReadonlySet<number>): SealedBatch {
    const batcher = new UsageBatcher();
    batcher.#refill(hashed.bytes, hashed.ends, sealed.ids, sealed.lines, positions);
    return batcher.take();
  }

  /** Adds the records of `bytes` (texts ending at `ends`) but those at `positions`, each read back from its text. */
  #refill(
    bytes: Buffer,
    ends: ArrayLike<number>,
    ids: readonly string[],
    lines: readonly number[],
    positions: ReadonlySet<number>,
  ): void {
    for (let i = 0, start = 0; i < ids.length; start = ends[i++]! + 1) {
      if (positions.has(i)) continue;
      const text = bytes.toString('utf8', start, ends[i]);
      const { service, metric, quantity, at } = JSON.parse(text) as UsageRecord;
      this.add(ids[i]!, lines[i]!, usageInstant(at)!, text, service, metric, quantity);
    }
  }

  /** The batch so far, taken out: the batcher starts again empty. */
  take(): SealedBatch {
    const sealed: SealedBatch = {
      ids: this.#ids,
      lines: this.#lines,
      bytes: this.#bytes,
      ends: Uint32Array.from(this.#ends),
      summary: {
        count: this.#ids.length,
        totals: [...this.#totals].map(({ service, metric, quantity }) => ({ service, metric, quantity })),
        from: this.#ids.length === 0 ? '' : formatInstant(this.#from),
        to: this.#ids.length === 0 ? '' : formatInstant(this.#to),
      },
      from: this.#from,
      to: this.#to,
    };
    this.#reset();
    this.#bytes = Buffer.allocUnsafeSlow(Math.max(INITIAL_BYTES, sealed.bytes.length));
    return sealed;
  }

  #reset(): void {
    this.#ids = [];
    this.#lines = [];
    this.#ends = [];
    this.#used = 0;
    this.#totals = new UsageTotals();
    this.#from = Number.POSITIVE_INFINITY;
    this.#to = Number.NEGATIVE_INFINITY;
    this.checked = 0;
  }
}
