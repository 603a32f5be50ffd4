/**
 * A stream's tally up to some seq: its Merkle frontier, and for each state
 * slice how many of its entries there are (and, for slices that read
 * entries, their seqs). Stored entries never change, so a tally only grows;
 * a checkpoint reads just the entries since the last one — their author,
 * seq, hash and kind.
 */
import { sliceOf } from '../../kinds/index.ts';
import { MerkleFrontier } from '../../ledger/index.ts';
import type { Store } from '../../store/index.ts';
import { NodeError } from '../errors.ts';

export interface StreamTally {
  readonly frontier: MerkleFrontier;
  /** Per slice name: how many entries of its kinds. */
  readonly counts: ReadonlyMap<string, number>;
  /** Per slice name (slices that read entries): the seqs of those entries. */
  readonly seqs: ReadonlyMap<string, readonly number[]>;
}

export class StreamTallies {
  readonly #store: Store;
  /** Per `bilateral/author`: the furthest tally computed. */
  readonly #tallies = new Map<string, StreamTally>();

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * The author's stream tally at `seq`: the cached one extended with the
   * entries after it (never changed in place, so concurrent callers cannot
   * disturb each other), or rebuilt from seq 1 when the cache is already
   * past `seq`.
   */
  async at(id: string, author: string, seq: number): Promise<StreamTally> {
    const key = `${id}/${author}`;
    const cached = this.#tallies.get(key);
    const base = cached !== undefined && cached.frontier.count <= seq ? cached : undefined;
    if (base?.frontier.count === seq) return base;
    const frontier = base?.frontier.clone() ?? new MerkleFrontier();
    const counts = new Map(base?.counts ?? []);
    const seqs = new Map([...(base?.seqs ?? [])].map(([name, list]) => [name, [...list]]));
    const leaves = await this.#store.entryLeaves(id, { author, fromSeq: frontier.count + 1, toSeq: seq });
    for (const leaf of leaves) {
      if (leaf.seq !== frontier.count + 1) break;
      frontier.append(leaf.hash);
      const slice = sliceOf(leaf.kind);
      if (slice === undefined) continue;
      counts.set(slice.name, (counts.get(slice.name) ?? 0) + 1);
      if (slice.reads !== 'entries') continue;
      const list = seqs.get(slice.name) ?? [];
      list.push(leaf.seq);
      seqs.set(slice.name, list);
    }
    if (frontier.count !== seq) {
      throw new NodeError(
        'NOT_PERMITTED',
        `${author}'s stream of ${id.slice(0, 12)} holds entries up to ${frontier.count}, not ${seq}`,
      );
    }
    const tally = { frontier, counts, seqs };
    if ((this.#tallies.get(key)?.frontier.count ?? 0) < seq) this.#tallies.set(key, tally);
    return tally;
  }
}
