/**
 * The Merkle root of a bilateral's record at given heads, in two levels:
 *
 *   stream root  = merkleRoot(the author's entry hashes, seq 1…head)
 *   record root  = merkleRoot(the stream roots, authors in code-unit order of party id)
 *
 * Only authors with at least one entry take part. Both parties derive the
 * same order without knowing roles, and one entry is proven by two paths: its
 * hash at index seq − 1 of its stream (of head-seq leaves), then that stream's
 * root at its author's position among the streams.
 *
 * Design rationale: the streams grow independently, so a root over one flat
 * list (author A's entries, then B's) would move every entry of B each time
 * A appends, and the whole tree would have to be rebuilt for each checkpoint.
 * With a root per stream, a node keeps each stream's root in a
 * `MerkleFrontier`, extended in O(log n) per new entry, and the record root
 * is one more hash (`recordRootOf`).
 */
import { byCodeUnit } from '../core/index.ts';
import { LedgerError } from './errors.ts';
import { type MerkleProof, merkleProof, merkleProofRoot, merkleRoot } from './merkle.ts';
import type { Hash } from './types.ts';

export interface RecordLeaf {
  readonly author: string;
  readonly seq: number;
  readonly hash: Hash;
}

/** A stream's root at its head, as `recordRootOf` combines them. */
export interface StreamRoot {
  readonly author: string;
  readonly root: Hash;
}

/** How one entry leads to a record root. */
export interface RecordPath {
  /** The entry's hash in its author's stream: `count` = the author's head seq, `index` = seq − 1. */
  readonly entry: MerkleProof;
  /** The stream's root among the record's stream roots: `count` = authors with entries, `index` = the author's position. */
  readonly stream: MerkleProof;
}

/** The record root from each present author's stream root (any order in, code-unit order used). */
export function recordRootOf(streams: readonly StreamRoot[]): Hash {
  const sorted = [...streams].sort((a, b) => byCodeUnit(a.author, b.author));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.author === sorted[i - 1]!.author) {
      throw new LedgerError('MERKLE_INVALID', `streams: ${sorted[i]!.author} appears twice`, {
        details: { field: 'streams', author: sorted[i]!.author },
      });
    }
  }
  return merkleRoot(sorted.map((s) => s.root));
}

/** The record root of `leaves` (every entry inside the heads, any order). */
export function recordRoot(leaves: readonly RecordLeaf[]): Hash {
  return recordRootOf(
    [...streamsOf(leaves)].map(([author, hashes]) => ({ author, root: merkleRoot(hashes) })),
  );
}

/** The path of the entry (author, seq) to the record root of `leaves`. */
export function recordProof(leaves: readonly RecordLeaf[], author: string, seq: number): RecordPath {
  const streams = streamsOf(leaves);
  const hashes = streams.get(author);
  if (hashes === undefined || !Number.isSafeInteger(seq) || seq < 1 || seq > hashes.length) {
    throw new LedgerError('MERKLE_INVALID', `entry ${author}/${seq} is not inside these heads`, {
      details: { author, seq },
    });
  }
  const authors = [...streams.keys()].sort(byCodeUnit);
  return {
    entry: merkleProof(hashes, seq - 1),
    stream: merkleProof(
      authors.map((a) => merkleRoot(streams.get(a)!)),
      authors.indexOf(author),
    ),
  };
}

/** The record root `path` leads to, or undefined when its two parts do not join up or are malformed. Never throws. */
export function recordPathRoot(path: RecordPath): Hash | undefined {
  if (typeof path !== 'object' || path === null) return undefined;
  const streamRoot = merkleProofRoot(path.entry);
  if (streamRoot === undefined || typeof path.stream !== 'object' || path.stream === null) return undefined;
  if (path.stream.leaf !== streamRoot) return undefined;
  return merkleProofRoot(path.stream);
}

/** Each author's entry hashes in seq order; throws unless every stream is exactly 1…k. */
function streamsOf(leaves: readonly RecordLeaf[]): Map<string, Hash[]> {
  const sorted = [...leaves].sort((a, b) => byCodeUnit(a.author, b.author) || a.seq - b.seq);
  const streams = new Map<string, Hash[]>();
  for (const leaf of sorted) {
    let hashes = streams.get(leaf.author);
    if (hashes === undefined) {
      hashes = [];
      streams.set(leaf.author, hashes);
    }
    if (leaf.seq !== hashes.length + 1) {
      throw new LedgerError(
        'MERKLE_INVALID',
        `leaves: ${leaf.author}'s stream has seq ${leaf.seq} where ${hashes.length + 1} belongs — a stream's leaves are seq 1…head`,
        { details: { field: 'leaves', author: leaf.author, seq: leaf.seq, expected: hashes.length + 1 } },
      );
    }
    hashes.push(leaf.hash);
  }
  return streams;
}
