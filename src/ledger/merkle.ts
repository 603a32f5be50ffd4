/**
 * SHA-256 Merkle trees over batches of hashes (DESIGN.md decision 6: an entry
 * carries a batch's root; any single record is proven by its path).
 *
 * Design rationale:
 * - Domain separation (as RFC 6962): leaf = sha256(0x00 ‖ leaf bytes),
 *   node = sha256(0x01 ‖ left ‖ right), where leaf bytes are the 32 raw bytes
 *   of the leaf `Hash`. A leaf can never be passed off as an inner node.
 * - An odd node at the end of a level is promoted unchanged to the next level
 *   (not duplicated as in Bitcoin, whose duplication lets [a,b,c] and
 *   [a,b,c,c] share a root). Levels pair left to right.
 * - The empty tree's root is sha256 of no bytes (as RFC 6962).
 * - A proof names the leaf count and index; verification derives from them
 *   which levels have a sibling and on which side, and requires the proof to
 *   say exactly that. So a proof binds the position of the leaf, not only
 *   its membership. The root does not commit to the count, so a verifier
 *   also checks `proof.count` against the count its batch entry carries.
 * - Levels are flat Buffers of 32-byte hashes and one scratch buffer feeds
 *   `crypto.hash`: 2n hash calls and no per-node strings, ~64 MB for a full
 *   tree of 1e6 leaves. The per-call cost of `node:crypto` (~1–3 µs) dominates.
 */
import { hash as nodeHash } from 'node:crypto';
import { LedgerError } from './errors.ts';
import { isHash } from './hash.ts';
import type { Hash } from './types.ts';

export interface MerkleSibling {
  readonly hash: Hash;
  /** Where the sibling sits relative to the running hash. */
  readonly side: 'left' | 'right';
}

export interface MerkleProof {
  /** Number of leaves in the tree. */
  readonly count: number;
  /** Position of the leaf, 0-based. */
  readonly index: number;
  readonly leaf: Hash;
  /** Bottom-up; levels where the node was promoted have no sibling. */
  readonly siblings: readonly MerkleSibling[];
}

export interface MerkleTree {
  readonly root: Hash;
  readonly count: number;
  proof(index: number): MerkleProof;
}

const EMPTY_ROOT = nodeHash('sha256', new Uint8Array(0), 'hex');
const scratch = Buffer.alloc(65);

/** The Merkle root of `leaves` (in order). */
export function merkleRoot(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  const level = leafLevel(leaves);
  let size = leaves.length;
  while (size > 1) size = reduce(level, size, level);
  return level.toString('hex', 0, 32);
}

/** A full tree, to serve many proofs of one batch. */
export function merkleTree(leaves: readonly Hash[]): MerkleTree {
  const count = leaves.length;
  const levels: Buffer[] = [];
  if (count > 0) {
    let level = leafLevel(leaves);
    levels.push(level);
    for (let size = count; size > 1; ) {
      const next = Buffer.allocUnsafe(Math.ceil(size / 2) * 32);
      size = reduce(level, size, next);
      levels.push(next);
      level = next;
    }
  }
  const root = count === 0 ? EMPTY_ROOT : levels.at(-1)!.toString('hex', 0, 32);
  return Object.freeze({
    root,
    count,
    proof(index: number): MerkleProof {
      if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
        throw new LedgerError('MERKLE_INVALID', `index: ${index} is outside 0..${count - 1}`, {
          details: { field: 'index', value: index, count },
        });
      }
      const siblings: MerkleSibling[] = [];
      let position = index;
      let size = count;
      for (let depth = 0; size > 1; depth++) {
        const sibling = position ^ 1;
        if (sibling < size) {
          const hash = levels[depth]!.toString('hex', sibling * 32, sibling * 32 + 32);
          siblings.push(Object.freeze({ hash, side: position & 1 ? 'left' : 'right' }));
        }
        position >>= 1;
        size = Math.ceil(size / 2);
      }
      return Object.freeze({ count, index, leaf: leaves[index]!, siblings: Object.freeze(siblings) });
    },
  });
}

/** The proof that `leaves[index]` is at `index` in the tree of `leaves`. */
export function merkleProof(leaves: readonly Hash[], index: number): MerkleProof {
  return merkleTree(leaves).proof(index);
}

/** True when `proof` shows its leaf at its index in a tree of its count with root `root`. Never throws. */
export function verifyMerkleProof(proof: MerkleProof, root: Hash): boolean {
  return isHash(root) && merkleProofRoot(proof) === root;
}

/**
 * The root `proof` leads to: its leaf hashed up through its siblings, each on
 * the side its count and index require. Undefined when the proof is
 * malformed (a sibling missing, extra, on the wrong side, or not a hash).
 * Never throws.
 */
export function merkleProofRoot(proof: MerkleProof): Hash | undefined {
  if (typeof proof !== 'object' || proof === null || !isHash(proof.leaf)) return undefined;
  const { count, index, siblings } = proof;
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(index) || index < 0 || index >= count)
    return undefined;
  if (!Array.isArray(siblings)) return undefined;
  let running = leafHash(Buffer.from(proof.leaf, 'hex'));
  let position = index;
  let used = 0;
  for (let size = count; size > 1; size = Math.ceil(size / 2)) {
    if ((position ^ 1) < size) {
      const sibling: unknown = siblings[used++];
      if (typeof sibling !== 'object' || sibling === null) return undefined;
      const { hash, side } = sibling as MerkleSibling;
      if (!isHash(hash) || side !== (position & 1 ? 'left' : 'right')) return undefined;
      const other = Buffer.from(hash, 'hex');
      running = side === 'left' ? nodeOf(other, running) : nodeOf(running, other);
    }
    position >>= 1;
  }
  return used === siblings.length ? running.toString('hex') : undefined;
}

/**
 * The root of a growing list of leaves, kept in O(log n) space and extended
 * in O(log n) per leaf: the roots ("peaks") of the perfect subtrees that the
 * binary digits of the count split the list into, largest first. Pairing left
 * to right with the odd node promoted makes the tree of n leaves exactly
 * those subtrees joined from the right — root = peak₀ ∘ (peak₁ ∘ (… ∘ peakₖ)) —
 * so `root` equals `merkleRoot` of the same leaves.
 *
 * @example
 * const frontier = new MerkleFrontier();
 * for (const leaf of leaves) frontier.append(leaf);
 * frontier.root() === merkleRoot(leaves) // true
 */
export class MerkleFrontier {
  #count = 0;
  /** Peak hashes, largest subtree first; peak i covers 2^heights[i] leaves. */
  #peaks: Buffer[] = [];
  #heights: number[] = [];

  get count(): number {
    return this.#count;
  }

  append(leaf: Hash): void {
    if (!isHash(leaf)) {
      throw new LedgerError('MERKLE_INVALID', `leaf ${this.#count}: expected a lowercase hex SHA-256`, {
        details: { field: 'leaf', value: leaf },
      });
    }
    let peak = leafHash(Buffer.from(leaf, 'hex'));
    let height = 0;
    while (this.#heights.length > 0 && this.#heights.at(-1) === height) {
      this.#heights.pop();
      peak = nodeOf(this.#peaks.pop()!, peak);
      height++;
    }
    this.#peaks.push(peak);
    this.#heights.push(height);
    this.#count++;
  }

  root(): Hash {
    if (this.#count === 0) return EMPTY_ROOT;
    let running = this.#peaks.at(-1)!;
    for (let i = this.#peaks.length - 2; i >= 0; i--) running = nodeOf(this.#peaks[i]!, running);
    return running.toString('hex');
  }

  /** An independent copy, to extend without changing this one. */
  clone(): MerkleFrontier {
    const copy = new MerkleFrontier();
    copy.#count = this.#count;
    copy.#peaks = [...this.#peaks];
    copy.#heights = [...this.#heights];
    return copy;
  }
}

function leafLevel(leaves: readonly Hash[]): Buffer {
  const level = Buffer.allocUnsafe(leaves.length * 32);
  scratch[0] = 0x00;
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i];
    if (!isHash(leaf)) {
      throw new LedgerError('MERKLE_INVALID', `leaves[${i}]: expected a lowercase hex SHA-256`, {
        details: { field: `leaves[${i}]`, value: leaf },
      });
    }
    scratch.write(leaf, 1, 32, 'hex');
    nodeHash('sha256', scratch.subarray(0, 33), 'buffer').copy(level, i * 32);
  }
  return level;
}

/** Hashes pairs of `from[0..size)` into `to` (may be the same buffer); returns the new size. */
function reduce(from: Buffer, size: number, to: Buffer): number {
  scratch[0] = 0x01;
  let out = 0;
  for (let i = 0; i < size; i += 2, out++) {
    if (i + 1 < size) {
      from.copy(scratch, 1, i * 32, i * 32 + 64);
      nodeHash('sha256', scratch, 'buffer').copy(to, out * 32);
    } else {
      from.copy(to, out * 32, i * 32, i * 32 + 32);
    }
  }
  return out;
}

function leafHash(leaf: Buffer): Buffer {
  return nodeHash('sha256', Buffer.concat([Buffer.of(0x00), leaf]), 'buffer');
}

function nodeOf(left: Buffer, right: Buffer): Buffer {
  return nodeHash('sha256', Buffer.concat([Buffer.of(0x01), left, right]), 'buffer');
}
