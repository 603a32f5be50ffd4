/**
 * The heads of the streams, and the bilaterals known to be stored, kept in
 * memory beside one SQLite connection (sqlite.ts), so that appending an
 * entry does not read them again: recording one fact per request read a
 * stream's head two or three times per entry (the node's heads, then the
 * append's own check) and the bilateral once, a third of the statements a
 * node ran (BENCHMARKS.md, "Single facts: heads from memory").
 *
 * Exactness, and why:
 * - Values change only at a commit. An append stages the new head inside its
 *   transaction (`stage`); the driver calls `committed` right after its
 *   COMMIT succeeds, before the connection is free for anything else, and
 *   `rolledBack` after a ROLLBACK. A reader never sees a head its
 *   connection's data does not hold.
 * - Another process may write the file (`sb` commands beside a running
 *   node). SQLite's `pragma data_version` changes whenever another connection
 *   commits; each lookup asks it (a pragma, no page read), and a change
 *   forgets everything. Inside a write transaction no other connection can
 *   commit.
 * - A head read from the database is kept only if no commit happened since
 *   the read was asked for (`stamp`/`fill`): the read may have run before a
 *   commit whose `committed` came first.
 * - The entries table is written only by the store's appends
 *   (kysely-store.ts `insertEntryRows`), which all stage their heads, and
 *   bilaterals are never deleted.
 */
import type { StreamPosition } from '../ledger/index.ts';

/** A stream's key: its bilateral and author. */
export function streamKey(bilateral: string, author: string): string {
  return `${bilateral}\n${author}`;
}

/** "Not known here": read the database. (A known stream may have no head: `undefined`.) */
export const UNKNOWN = Symbol('unknown head');
export type CachedHead = StreamPosition | undefined | typeof UNKNOWN;

export class HeadCache {
  readonly #dataVersion: () => number;
  /** Committed heads by stream key. */
  readonly #heads = new Map<string, StreamPosition | undefined>();
  /** Bilaterals known to be stored (committed). */
  readonly #bilaterals = new Set<string>();
  /** Heads the open transaction wrote, applied at its commit. */
  #staged = new Map<string, StreamPosition>();
  /** The `data_version` the cached values belong to. */
  #version: number | undefined;
  /** Counts commits and forgettings: a read asked for at one count is kept only at the same count. */
  #commits = 0;

  /** `dataVersion`: the connection's `pragma data_version`, run synchronously. */
  constructor(dataVersion: () => number) {
    this.#dataVersion = dataVersion;
  }

  /** The committed head of a stream, or UNKNOWN. */
  head(key: string): CachedHead {
    this.#current();
    return this.#heads.has(key) ? this.#heads.get(key) : UNKNOWN;
  }

  /** Inside a write transaction: what it staged, else the committed head, else UNKNOWN. */
  headInTransaction(key: string): CachedHead {
    const staged = this.#staged.get(key);
    return staged ?? this.head(key);
  }

  /** Whether the bilateral is known to be stored. */
  hasBilateral(id: string): boolean {
    this.#current();
    return this.#bilaterals.has(id);
  }

  /** Remembers a bilateral read from the database inside or outside a transaction (it stays once stored). */
  bilateralStored(id: string, stamp: number): void {
    if (stamp === this.#commits) this.#bilaterals.add(id);
  }

  /** Take before asking the database; pass to `fill` with what it answered. */
  stamp(): number {
    this.#current();
    return this.#commits;
  }

  /** Keeps a head read from the database (committed data only) unless a commit came since `stamp`. */
  fill(key: string, head: StreamPosition | undefined, stamp: number): void {
    if (stamp === this.#commits && !this.#staged.has(key)) this.#heads.set(key, head);
  }

  /** A head written by the open transaction. */
  stage(key: string, head: StreamPosition): void {
    this.#staged.set(key, head);
  }

  /** A transaction begins: nothing is staged yet. */
  begun(): void {
    this.#staged = new Map();
  }

  /** The open transaction committed: its heads are now the committed ones. */
  committed(): void {
    // Our own commits leave `data_version` as it is; another connection's, before ours, does not.
    this.#current();
    this.#commits++;
    for (const [key, head] of this.#staged) this.#heads.set(key, head);
    this.#staged = new Map();
  }

  /** The open transaction rolled back: what it staged never happened. */
  rolledBack(): void {
    this.#staged = new Map();
  }

  /** Forgets everything (another connection committed). */
  forget(): void {
    this.#commits++;
    this.#heads.clear();
    this.#bilaterals.clear();
  }

  #current(): void {
    const version = this.#dataVersion();
    if (version !== this.#version) {
      if (this.#version !== undefined) this.forget();
      this.#version = version;
    }
  }
}
