/**
 * Checkpoints of a SQLite file's write-ahead log on a thread of their own,
 * for the embedded engine (sqlite.ts).
 *
 * A checkpoint copies the pages committed to the log into the database file
 * and, with `synchronous = NORMAL`, fsyncs the log before and the database
 * file after. SQLite runs one on the committing connection's thread when the
 * log passes 1,000 pages (`wal_autocheckpoint`): better-sqlite3 is
 * synchronous, so that was the node's only JavaScript thread, blocked for
 * the two fsyncs. A usage import commits a 1.3 MB batch every 10,000
 * records, and its commits cost 9 ms each, 0.5 µs per record, most of it
 * those fsyncs (3.5 ms without them, in a bare better-sqlite3 loop).
 *
 * Here a worker thread holds a second connection to the file and runs
 * `pragma wal_checkpoint(PASSIVE)` after commits (`nudge`): at most one at a
 * time, one more asked for while it runs, and none sooner than
 * `MIN_INTERVAL_MS` after the last one started, so a stream of small commits
 * costs at most a few checkpoints a second. A passive checkpoint takes no
 * lock a writer needs: the node's connection goes on committing meanwhile.
 * The node's own connection keeps SQLite's automatic checkpoint, at a
 * higher mark (`BACKSTOP_PAGES`), should this thread fall behind or fail.
 *
 * Crash safety is SQLite's own: the checkpoint is the one SQLite runs,
 * with the same syncs (the worker's connection is NORMAL), only on another
 * thread. The log restarts from its beginning when a writer starts after a
 * checkpoint that copied all of it, as it does now.
 *
 * The worker is plain JavaScript evaluated from a string (no loader), loads
 * better-sqlite3 from the path this module resolves, is unref'd (it never
 * keeps a process alive) and is closed before the node's connection, so
 * that the last connection closing still checkpoints and removes the log.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The soonest a checkpoint starts after the previous one started. */
export const MIN_INTERVAL_MS = 50;
/** The automatic checkpoint of the node's own connection, should the worker fall behind (40 MiB of log). */
export const BACKSTOP_PAGES = 10_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    checkpoint.all();
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String((error && error.message) || error) });
  }
});
`;

const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');

export class WalCheckpointer {
  readonly #file: string;
  readonly #minInterval: number;
  #worker: Worker | undefined;
  #running = false;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #lastStart = Number.NEGATIVE_INFINITY;
  #closed = false;
  #checkpoints = 0;
  #failures = 0;
  /** Resolved when no checkpoint runs or waits (`settled`). */
  #idle: (() => void)[] = [];

  /** `database`: the SQLite file, in WAL mode, open on the caller's connection. */
  constructor(database: string, options: { minIntervalMs?: number } = {}) {
    this.#file = database;
    this.#minInterval = options.minIntervalMs ?? MIN_INTERVAL_MS;
  }

  /** Checkpoints done by the worker (for diagnostics and tests). */
  get checkpoints(): number {
    return this.#checkpoints;
  }

  /** Checkpoints that failed (the backstop takes over). */
  get failures(): number {
    return this.#failures;
  }

  /** After a commit: a checkpoint soon, on the worker. */
  nudge(): void {
    if (this.#closed) return;
    if (this.#running || this.#timer !== undefined) {
      this.#again = true;
      return;
    }
    const wait = this.#lastStart + this.#minInterval - performance.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#start();
      }, wait);
      this.#timer.unref();
      return;
    }
    this.#start();
  }

  /** Resolves once no checkpoint runs or is waiting to. */
  settled(): Promise<void> {
    if (!this.#running && this.#timer === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #start(): void {
    if (this.#closed) return;
    this.#worker ??= this.#spawn();
    this.#running = true;
    this.#again = false;
    this.#lastStart = performance.now();
    this.#worker.ref();
    this.#worker.postMessage('checkpoint');
  }

  #spawn(): Worker {
    // No execArgv: the worker needs no loader (and no profiler or inspector flags of the parent).
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { module: sqliteModule, file: this.#file },
    });
    worker.unref();
    worker.on('message', (message: { ok: boolean }) => {
      if (message.ok) this.#checkpoints++;
      else this.#failures++;
      this.#done(worker);
    });
    const gone = () => {
      if (this.#worker === worker) this.#worker = undefined;
      if (this.#running) {
        this.#failures++;
        this.#done(worker);
      }
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    return worker;
  }

  #done(worker: Worker): void {
    this.#running = false;
    worker.unref();
    if (this.#again && !this.#closed) {
      this.nudge();
      if (this.#running || this.#timer !== undefined) return;
    }
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Waits for the checkpoint running, if any, then closes the worker's connection and ends it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#again = false;
    if (!this.#running) for (const resolve of this.#idle.splice(0)) resolve();
    await this.settled();
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('close');
    await exited;
  }
}
