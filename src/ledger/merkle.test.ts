import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.ts';
import {
  MerkleFrontier,
  type MerkleProof,
  merkleProof,
  merkleProofRoot,
  merkleRoot,
  merkleTree,
  verifyMerkleProof,
} from './merkle.ts';

const leaf = (i: number) => sha256Hex(`record ${i}`);
const bytes = (h: string) => Buffer.from(h, 'hex');
const H = (...parts: Buffer[]) => sha256Hex(Buffer.concat(parts));
const L = (h: string) => H(Buffer.of(0), bytes(h));
const N = (l: string, r: string) => H(Buffer.of(1), bytes(l), bytes(r));

describe('merkleRoot', () => {
  it('follows the documented construction', () => {
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map(leaf) as [string, string, string, string, string];
    expect(merkleRoot([])).toBe(sha256Hex(''));
    expect(merkleRoot([a])).toBe(L(a));
    expect(merkleRoot([a, b])).toBe(N(L(a), L(b)));
    // Odd node promoted unchanged.
    expect(merkleRoot([a, b, c])).toBe(N(N(L(a), L(b)), L(c)));
    expect(merkleRoot([a, b, c, d])).toBe(N(N(L(a), L(b)), N(L(c), L(d))));
    expect(merkleRoot([a, b, c, d, e])).toBe(N(N(N(L(a), L(b)), N(L(c), L(d))), L(e)));
  });

  it('does not give [a,b,c] and [a,b,c,c] the same root', () => {
    const [a, b, c] = [leaf(0), leaf(1), leaf(2)];
    expect(merkleRoot([a, b, c])).not.toBe(merkleRoot([a, b, c, c]));
  });

  it('agrees with merkleTree', () => {
    for (let n = 0; n < 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leaf(i));
      expect(merkleTree(leaves).root).toBe(merkleRoot(leaves));
    }
  });

  it('rejects a leaf that is not a hash', () => {
    expect(() => merkleRoot([leaf(0), 'ABC'])).toThrow(expect.objectContaining({ code: 'MERKLE_INVALID' }));
    expect(() => merkleProof([leaf(0)], 1)).toThrow(expect.objectContaining({ code: 'MERKLE_INVALID' }));
  });

  // 2^17 + 1 leaves: the last leaf is promoted through all 17 levels.
  it('handles a large batch in one pass (1e6 with LEDGER_SLOW=1)', () => {
    const n = process.env.LEDGER_SLOW ? 1_000_000 : 2 ** 17 + 1;
    const leaves = Array.from({ length: n }, (_, i) => i.toString(16).padStart(64, '0'));
    const tree = merkleTree(leaves);
    expect(tree.root).toBe(merkleRoot(leaves));
    expect(verifyMerkleProof(tree.proof(n - 1), tree.root)).toBe(true);
    expect(verifyMerkleProof(tree.proof(n >> 1), tree.root)).toBe(true);
    expect(tree.proof(n - 1).siblings).toHaveLength(1);
  }, 120_000);
});

describe('merkle proofs', () => {
  const alter = (proof: MerkleProof, how: number, pick: number): unknown => {
    const siblings = [...proof.siblings];
    const i = pick % Math.max(1, siblings.length);
    switch (how) {
      case 0:
        return { ...proof, leaf: sha256Hex(proof.leaf) };
      case 1:
        return { ...proof, index: (proof.index + 1) % proof.count };
      case 2:
        return { ...proof, index: proof.index + proof.count };
      case 3:
        if (siblings.length === 0) return { ...proof, siblings: [{ hash: proof.leaf, side: 'left' }] };
        siblings[i] = { ...siblings[i]!, hash: sha256Hex(siblings[i]!.hash) };
        return { ...proof, siblings };
      case 4:
        if (siblings.length === 0) return { ...proof, leaf: proof.leaf.toUpperCase() };
        siblings[i] = { ...siblings[i]!, side: siblings[i]!.side === 'left' ? 'right' : 'left' };
        return { ...proof, siblings };
      default:
        return { ...proof, siblings: siblings.slice(0, -1) };
    }
  };

  it('property: every leaf proof verifies; any altered proof fails', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.nat(),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        (n, at, how, pick) => {
          const leaves = Array.from({ length: n }, (_, i) => leaf(i));
          const tree = merkleTree(leaves);
          for (let i = 0; i < n; i++) expect(verifyMerkleProof(tree.proof(i), tree.root)).toBe(true);
          const proof = tree.proof(at % n);
          expect(proof.leaf).toBe(leaves[at % n]);
          const altered = alter(proof, how, pick) as MerkleProof;
          // Moving index within a 1-leaf tree or trimming an empty path changes nothing.
          const unchanged = n === 1 && (how === 1 || how === 5);
          expect(verifyMerkleProof(altered, tree.root)).toBe(unchanged);
          expect(verifyMerkleProof(proof, merkleRoot([...leaves, leaf(n)]))).toBe(false);
        },
      ),
    );
  });

  it('binds the count where it shapes the path (the caller checks it against the batch)', () => {
    const leaves = Array.from({ length: 5 }, (_, i) => leaf(i));
    const proof = merkleProof(leaves, 4);
    expect(verifyMerkleProof(proof, merkleRoot(leaves))).toBe(true);
    expect(verifyMerkleProof({ ...proof, count: 6 }, merkleRoot(leaves))).toBe(false);
  });

  it('never throws on garbage', () => {
    const root = merkleRoot([leaf(0)]);
    for (const junk of [
      null,
      1,
      {},
      { count: 1, index: 0, leaf: leaf(0), siblings: null },
      { siblings: [null] },
    ]) {
      expect(verifyMerkleProof(junk as unknown as MerkleProof, root)).toBe(false);
    }
    expect(verifyMerkleProof(merkleProof([leaf(0), leaf(1)], 0), 'nope')).toBe(false);
    const bad = { count: 2, index: 0, leaf: leaf(0), siblings: [null] };
    expect(verifyMerkleProof(bad as unknown as MerkleProof, root)).toBe(false);
  });
});

describe('MerkleFrontier', () => {
  it('has the root merkleRoot gives after every append, from 0 to 130 leaves', () => {
    const frontier = new MerkleFrontier();
    const leaves: string[] = [];
    expect(frontier.root()).toBe(merkleRoot([]));
    for (let i = 0; i < 130; i++) {
      leaves.push(leaf(i));
      frontier.append(leaf(i));
      expect(frontier.count).toBe(i + 1);
      expect(frontier.root()).toBe(merkleRoot(leaves));
    }
  });

  it('clones into an independent frontier', () => {
    const frontier = new MerkleFrontier();
    for (let i = 0; i < 5; i++) frontier.append(leaf(i));
    const copy = frontier.clone();
    copy.append(leaf(5));
    expect(frontier.root()).toBe(merkleRoot([0, 1, 2, 3, 4].map(leaf)));
    expect(copy.root()).toBe(merkleRoot([0, 1, 2, 3, 4, 5].map(leaf)));
    expect(frontier.count).toBe(5);
  });

  it('refuses a leaf that is not a hash, and stays as it was', () => {
    const frontier = new MerkleFrontier();
    frontier.append(leaf(0));
    expect(() => frontier.append('ABC')).toThrow(expect.objectContaining({ code: 'MERKLE_INVALID' }));
    expect(frontier.count).toBe(1);
    expect(frontier.root()).toBe(merkleRoot([leaf(0)]));
  });
});

describe('merkleProofRoot', () => {
  it('is the root a proof leads to, or undefined for a malformed one', () => {
    const leaves = Array.from({ length: 7 }, (_, i) => leaf(i));
    const proof = merkleProof(leaves, 6);
    expect(merkleProofRoot(proof)).toBe(merkleRoot(leaves));
    expect(merkleProofRoot({ ...proof, siblings: [] })).toBeUndefined();
    expect(merkleProofRoot({ ...proof, index: 7 })).toBeUndefined();
  });
});
