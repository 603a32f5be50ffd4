import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.ts';
import { merkleRoot, verifyMerkleProof } from './merkle.ts';
import { recordProof, recordRoot } from './record-root.ts';

const leaf = (author: string, seq: number) => ({ author, seq, hash: sha256Hex(`${author}/${seq}`) });

describe('recordRoot', () => {
  const leaves = [leaf('globex', 1), leaf('acme-fiber', 2), leaf('acme-fiber', 1), leaf('globex', 2)];

  it('orders by author then seq, whatever the input order', () => {
    const expected = merkleRoot(
      [leaf('acme-fiber', 1), leaf('acme-fiber', 2), leaf('globex', 1), leaf('globex', 2)].map((l) => l.hash),
    );
    expect(recordRoot(leaves)).toBe(expected);
    expect(recordRoot([...leaves].reverse())).toBe(expected);
  });

  it('proves each entry against the root, and no other', () => {
    const root = recordRoot(leaves);
    for (const { author, seq } of leaves) {
      const proof = recordProof(leaves, author, seq);
      expect(proof.leaf).toBe(leaf(author, seq).hash);
      expect(verifyMerkleProof(proof, root)).toBe(true);
    }
    expect(verifyMerkleProof(recordProof(leaves, 'globex', 1), recordRoot(leaves.slice(1)))).toBe(false);
  });

  it('refuses an entry outside the heads', () => {
    expect(() => recordProof(leaves, 'globex', 3)).toThrow(/not inside these heads/);
  });
});
