/**
 * Durable SQLite commits without blocking the event loop: group commit for
 * the embedded engine (sqlite.ts).
 *
 * better-sqlite3 runs every statement on the calling thread, so with
 * `synchronous = FULL` each commit's fsync of the write-ahead log blocked
 * the node's only JavaScript thread: 11–18 % of a node's time when facts
 * arrive one per request (BENCHMARKS.md), and every request behind it waited.
 * Here the connection runs `synchronous = NORMAL` (a commit appends to the
 * log and returns; SQLite still fsyncs at checkpoints), and a commit that
 * must be durable waits for an `fdatasync` of the log on libuv's thread pool
 * before its caller goes on. The connection is free meanwhile: the next
 * transaction runs while the disk works, and one fsync covers every commit
 * that was in the log when it started (commits that arrive during an fsync
 * share the next one).
 *
 * Why it is as durable as FULL: a committed transaction is frames appended
 * to the log; an fdatasync of the log file started after the append puts
 * them on disk. If a checkpoint copied them into the database file and the
 * log was restarted meanwhile, the checkpoint fsynced the database first
 * (NORMAL syncs checkpoints), so they are on disk there. The log is opened
 * once and held: SQLite deletes it only when the last connection to the
 * database closes, and this one is open until `close`. (Opening it for each
 * sync cost twice the event-loop time of the sync itself.)
 * Nothing is acknowledged before its sync: the caller's `await` on the
 * store returns after it.
 */
import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';

const openFile = promisify(open);
const closeFile = promisify(close);
const syncData = promisify(fdatasync);

export class WalSync {
  readonly #wal: string;
  /** The fsync running now, if any. */
  #running: Promise<void> | undefined;
  /** The fsync to start when the running one ends: it covers every commit made before it starts. */
  #next: Promise<void> | undefined;
  /** The log, open for syncing. */
  #fd: Promise<number> | undefined;
  #closed = false;
  #syncs = 0;

  /** `database`: the SQLite file (its log is `database-wal`). */
  constructor(database: string) {
    this.#wal = `${database}-wal`;
  }

  /** How many fsyncs of the log were done: fewer than the commits they covered when commits came together. */
  get syncs(): number {
    return this.#syncs;
  }

  /**
   * Resolves once every sync asked for so far has run: every durable commit
   * made before this call is on disk then (each asks for one right after its
   * COMMIT, before the connection serves anything else). No new fsync: at
   * once when none is running or waiting.
   */
  settled(): Promise<void> {
    return this.#next ?? this.#running ?? Promise.resolve();
  }

  /** Resolves once every commit made before this call is on disk. */
  sync(): Promise<void> {
    this.#next ??= this.#after(this.#running);
    return this.#next;
  }

  /** The next sync: starts when `before` ends, covering every commit made until then. */
  async #after(before: Promise<void> | undefined): Promise<void> {
    // Past this await `#next` holds this call's own promise (sync() set it on return).
    await before?.catch(() => {});
    const mine = this.#next;
    this.#next = undefined;
    this.#running = mine;
    try {
      await this.#sync();
    } finally {
      if (this.#running === mine) this.#running = undefined;
    }
  }

  /** Once every sync is done, lets go of the log (the store closes its connection after). */
  async close(): Promise<void> {
    await this.#next?.catch(() => {});
    await this.#running?.catch(() => {});
    this.#closed = true;
    const fd = await this.#fd?.catch(() => undefined);
    this.#fd = undefined;
    if (fd !== undefined) await closeFile(fd);
  }

  async #sync(): Promise<void> {
    if (this.#closed) throw new Error('the store is closed');
    // Open on first use: the log exists once something was written.
    this.#fd ??= openFile(this.#wal, 'r');
    let fd: number;
    try {
      fd = await this.#fd;
    } catch (error) {
      this.#fd = undefined;
      throw error;
    }
    await syncData(fd);
    this.#syncs++;
  }
}
