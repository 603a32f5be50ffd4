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
 * `merkleRoot` for every shape of tree and to `node:crypto` for texts of
 * every length of one to four SHA-256 blocks.
 *
 * SHA-256 is computed here in JavaScript, not by `node:crypto`: a call of
 * `crypto.hash` costs 1–1.5 µs whatever the input (OpenSSL 3 looks up the
 * digest and allocates a context each time; the compression itself is 40 ns
 * a block), three calls per record; this code costs about 0.23 µs a block,
 * six blocks per record (a ~130-byte text is three, a leaf one, a node two).
 * Digests stay 32-bit words in one Int32Array per level: the leaf's and the
 * node's message blocks are built from the words, no byte is copied.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
/** The block being compressed, as 16 big-endian words. */
const W = new Int32Array(16);
/** The running state. */
const H = new Int32Array(8);

/**
 * The compression function, its 64 rounds unrolled with the constants in
 * place and the eight working variables renamed round by round instead of
 * shifted (a third faster than the loop): generated once, here, as text.
 */
function compressSource() {
  const v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const rotr = (x, n) => '((' + x + ' >>> ' + n + ') | (' + x + ' << ' + (32 - n) + '))';
  let s = 'let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7]; ';
  for (let j = 0; j < 16; j++) s += 'let w' + j + ' = W[' + j + ']; ';
  for (let i = 0; i < 64; i++) {
    const at = (k) => v[(k - (i % 8) + 8) % 8];
    const [A, B, C, D, E, F, G, X] = [0, 1, 2, 3, 4, 5, 6, 7].map(at);
    const w = 'w' + (i % 16);
    if (i >= 16) {
      const w15 = 'w' + ((i - 15) % 16), w2 = 'w' + ((i - 2) % 16), w7 = 'w' + ((i - 7) % 16);
      const s0 = rotr(w15, 7) + ' ^ ' + rotr(w15, 18) + ' ^ (' + w15 + ' >>> 3)';
      const s1 = rotr(w2, 17) + ' ^ ' + rotr(w2, 19) + ' ^ (' + w2 + ' >>> 10)';
      s += w + ' = (' + w + ' + (' + s0 + ') + ' + w7 + ' + (' + s1 + ')) | 0; ';
    }
    const S1 = rotr(E, 6) + ' ^ ' + rotr(E, 11) + ' ^ ' + rotr(E, 25);
    const S0 = rotr(A, 2) + ' ^ ' + rotr(A, 13) + ' ^ ' + rotr(A, 22);
    s += X + ' = (' + X + ' + (' + S1 + ') + ((' + E + ' & ' + F + ') ^ (~' + E + ' & ' + G + ')) + ' + (K[i] | 0) + ' + ' + w + ') | 0; ';
    s += D + ' = (' + D + ' + ' + X + ') | 0; ';
    s += X + ' = (' + X + ' + (' + S0 + ') + ((' + A + ' & ' + B + ') ^ (' + A + ' & ' + C + ') ^ (' + B + ' & ' + C + '))) | 0; ';
  }
  for (let j = 0; j < 8; j++) s += 'H[' + j + '] = (H[' + j + '] + ' + v[j] + ') | 0; ';
  return s;
}
const compressBlock = new Function('W', 'H', compressSource());
function compress() {
  compressBlock(W, H);
}

/** H = SHA-256 of bytes[start, end). */
function digest(bytes, start, end) {
  H.set(IV);
  let p = start;
  for (; p + 64 <= end; p += 64) {
    for (let j = 0, q = p; j < 16; j++, q += 4) {
      W[j] = (bytes[q] << 24) | (bytes[q + 1] << 16) | (bytes[q + 2] << 8) | bytes[q + 3];
    }
    compress();
  }
  const rest = end - p;
  W.fill(0);
  for (let j = 0; j < rest; j++) W[j >> 2] |= bytes[p + j] << (24 - 8 * (j & 3));
  W[rest >> 2] |= 0x80 << (24 - 8 * (rest & 3));
  if (rest >= 56) {
    compress();
    W.fill(0);
  }
  const length = end - start;
  W[14] = Math.floor(length / 0x20000000);
  W[15] = length << 3;
  compress();
}

/** H = SHA-256(0x00 ‖ the 32-byte digest now in H): the leaf of a text. */
function leaf() {
  W[0] = H[0] >>> 8;
  for (let j = 1; j < 8; j++) W[j] = (H[j - 1] << 24) | (H[j] >>> 8);
  W[8] = (H[7] << 24) | 0x800000;
  W.fill(0, 9, 15);
  W[15] = 33 * 8;
  H.set(IV);
  compress();
}

/** H = SHA-256(0x01 ‖ level[i] ‖ level[i + 1]): an inner node, the digests as 8 words each at 8i. */
function node(level, i) {
  const o = i * 8;
  W[0] = 0x01000000 | (level[o] >>> 8);
  for (let j = 1; j < 16; j++) W[j] = (level[o + j - 1] << 24) | (level[o + j] >>> 8);
  H.set(IV);
  compress();
  W[0] = (level[o + 15] << 24) | 0x800000;
  W.fill(0, 1, 15);
  W[15] = 65 * 8;
  compress();
}

function hex(words, at) {
  let out = '';
  for (let j = 0; j < 8; j++) out += (words[at + j] >>> 0).toString(16).padStart(8, '0');
  return out;
}

function root(bytes, ends) {
  const n = ends.length;
  if (n === 0) {
    digest(bytes, 0, 0);
    return hex(H, 0);
  }
  const level = new Int32Array(n * 8);
  for (let i = 0, start = 0; i < n; start = ends[i++] + 1) {
    digest(bytes, start, ends[i]);
    leaf();
    level.set(H, i * 8);
  }
  let size = n;
  while (size > 1) {
    let out = 0;
    for (let i = 0; i < size; i += 2, out++) {
      if (i + 1 < size) {
        node(level, i);
        level.set(H, out * 8);
      } else level.copyWithin(out * 8, i * 8, i * 8 + 8);
    }
    size = out;
  }
  return hex(level, 0);
}
parentPort.on('message', ({ id, bytes, ends }) => {
  try {
    const r = root(new Uint8Array(bytes), ends);
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
