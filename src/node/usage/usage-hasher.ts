/**
 * The Merkle root of a usage batch, computed on a worker thread so an import
 * parses and stores one batch while the next is hashed (a SHA-256 per record
 * and one per inner node: about a quarter of an import's work on one core).
 *
 * Design rationale:
 * - One worker per process, started on the first large batch and kept; it
 *   holds the event loop open only while it has work (ref'd while a batch
 *   is out, unref'd when idle), so it never keeps a process alive.
 * - The batch goes over as its texts' UTF-8 bytes in one ArrayBuffer, each
 *   followed by a line break (the form the store keeps), with where each
 *   text ends: transferred, not cloned, hashed in place by the worker, and
 *   transferred back with the root for the store to write.
 * - The worker is plain JavaScript evaluated from a string (below), so it
 *   starts in milliseconds and needs no TypeScript loader, in any process.
 * - Small batches (tests, a REST request of a few records) are hashed in
 *   place: starting a worker costs more than they do.
 */
import { hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { type Hash, merkleRoot } from '../../ledger/index.ts';

/** Below this many records a batch is hashed on the calling thread. */
export const WORKER_MIN_RECORDS = 2048;

/** The batch's leaves (SHA-256 of each canonical JSON text) and their Merkle root, in place. */
export function usageRoot(texts: readonly string[]): Hash {
  const leaves = new Array<string>(texts.length);
  for (let i = 0; i < texts.length; i++) leaves[i] = hash('sha256', texts[i]!, 'hex');
  return merkleRoot(leaves);
}

/**
 * The worker: plain JavaScript (no loader, a few MiB), the ledger's Merkle
 * tree (src/ledger/merkle.ts) restated on raw digests: leaf = SHA-256(0x00 ‖
 * SHA-256(text)), node = SHA-256(0x01 ‖ left ‖ right), an odd node promoted,
 * the empty tree SHA-256 of nothing. usage-hasher.test.ts holds it equal to
 * `merkleRoot` for every shape of tree.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { hash } = require('node:crypto');
const scratch = Buffer.alloc(65);
function root(bytes, ends) {
  const n = ends.length;
  if (n === 0) return hash('sha256', '', 'hex');
  const level = Buffer.allocUnsafe(n * 32);
  scratch[0] = 0x00;
  for (let i = 0, start = 0; i < n; start = ends[i++] + 1) {
    hash('sha256', bytes.subarray(start, ends[i]), 'buffer').copy(scratch, 1);
    hash('sha256', scratch.subarray(0, 33), 'buffer').copy(level, i * 32);
  }
  scratch[0] = 0x01;
  let size = n;
  while (size > 1) {
    let out = 0;
    for (let i = 0; i < size; i += 2, out++) {
      if (i + 1 < size) {
        level.copy(scratch, 1, i * 32, i * 32 + 64);
        hash('sha256', scratch, 'buffer').copy(level, out * 32);
      } else level.copy(level, out * 32, i * 32, i * 32 + 32);
    }
    size = out;
  }
  return level.toString('hex', 0, 32);
}
parentPort.on('message', ({ id, bytes, ends }) => {
  try {
    const r = root(Buffer.from(bytes), ends);
    parentPort.postMessage({ id, root: r, bytes, ends }, [bytes, ends.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.stack) || error) });
  }
});
`;

/** A batch's canonical texts in UTF-8, each followed by '\n', and where each text ends (exclusive). */
export interface UsageBytes {
  readonly bytes: Buffer;
  readonly ends: Uint32Array;
}

/** `usageRoot` of the texts in `batch`, in place. */
export function usageBytesRoot({ bytes, ends }: UsageBytes): Hash {
  const leaves = new Array<string>(ends.length);
  for (let i = 0, start = 0; i < ends.length; start = ends[i++]! + 1) {
    leaves[i] = hash('sha256', bytes.subarray(start, ends[i]), 'hex');
  }
  return merkleRoot(leaves);
}

/** A batch's root, and its bytes and ends back from the worker. */
export interface HashedUsage extends UsageBytes {
  readonly root: Hash;
}

interface Job {
  resolve(result: HashedUsage): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
const jobs = new Map<number, Job>();
let nextId = 0;

function start(): Worker {
  // No execArgv: the worker needs no loader (and no profiler or inspector flags of the parent).
  const started = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  started.unref();
  started.on(
    'message',
    (message: { id: number; root?: Hash; bytes?: ArrayBuffer; ends?: Uint32Array; error?: string }) => {
      const { id, root, bytes, ends, error } = message;
      const job = jobs.get(id);
      if (job === undefined) return;
      jobs.delete(id);
      if (jobs.size === 0) started.unref();
      if (error === undefined) job.resolve({ root: root!, bytes: Buffer.from(bytes!), ends: ends! });
      else job.reject(new Error(`usage hasher: ${error}`));
    },
  );
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const job of jobs.values()) job.reject(error);
    jobs.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`usage hasher exited (${code})`)));
  return started;
}

/**
 * The Merkle root of the batch (`usageRoot` of its texts), on the worker when
 * the batch is large. `batch.bytes` must own its whole ArrayBuffer
 * (`Buffer.allocUnsafeSlow`): it is moved to the worker and back with the
 * ends, and the caller must use the `bytes` and `ends` of the result, not
 * its own, from then on.
 */
export function usageRootAsync(batch: UsageBytes): Promise<HashedUsage> {
  const { bytes, ends } = batch;
  if (ends.length < WORKER_MIN_RECORDS) return Promise.resolve({ root: usageBytesRoot(batch), bytes, ends });
  if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) {
    throw new Error('usageRootAsync: the bytes must own their ArrayBuffer');
  }
  worker ??= start();
  const id = nextId++;
  const promise = new Promise<HashedUsage>((resolve, reject) => jobs.set(id, { resolve, reject }));
  if (jobs.size === 1) worker.ref();
  const buffers = [bytes.buffer, ends.buffer] as ArrayBuffer[];
  worker.postMessage({ id, bytes: bytes.buffer, ends }, buffers);
  return promise;
}
