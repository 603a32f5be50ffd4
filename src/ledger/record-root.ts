/**
 * The Merkle root of a bilateral's record at given heads: the leaves are the
 * entry hashes of both streams, ordered by author (code-unit order of the party
 * id) and then seq. Both parties derive the same order without knowing roles,
 * and one entry is proven against a checkpoint by its index in this order.
 */
import { LedgerError } from './errors.ts';
import { type MerkleProof, merkleProof, merkleRoot } from './merkle.ts';
import type { Hash } from './types.ts';

export interface RecordLeaf {
  readonly author: string;
  readonly seq: number;
  readonly hash: Hash;
}

function ordered(leaves: readonly RecordLeaf[]): RecordLeaf[] {
  return [...leaves].sort((a, b) => (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq));
}

export function recordRoot(leaves: readonly RecordLeaf[]): Hash {
  return merkleRoot(ordered(leaves).map((leaf) => leaf.hash));
}

/** The Merkle path of the entry (author, seq) within the record `leaves`. */
export function recordProof(leaves: readonly RecordLeaf[], author: string, seq: number): MerkleProof {
  const sorted = ordered(leaves);
  const index = sorted.findIndex((leaf) => leaf.author === author && leaf.seq === seq);
  if (index < 0) {
    throw new LedgerError('MERKLE_INVALID', `entry ${author}/${seq} is not inside these heads`, {
      details: { author, seq },
    });
  }
  return merkleProof(
    sorted.map((leaf) => leaf.hash),
    index,
  );
}
