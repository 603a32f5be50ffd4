import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './hash.ts';
import { MerkleFrontier, merkleRoot } from './merkle.ts';
import { type RecordLeaf, recordPathRoot, recordProof, recordRoot, recordRootOf } from './record-root.ts';

const leaf = (author: string, seq: number): RecordLeaf => ({
  author,
  seq,
  hash: sha256Hex(`${author}/${seq}`),
});
const hashes = (author: string, n: number) => Array.from({ length: n }, (_, i) => leaf(author, i + 1).hash);

describe('recordRoot', () => {
  const leaves = [
    leaf('globex', 1),
    leaf('acme-fiber', 2),
    leaf('acme-fiber', 1),
    leaf('globex', 2),
    leaf('globex', 3),
  ];

  it('is the root over each stream root, authors in code-unit order, whatever the input order', () => {
    const expected = merkleRoot([merkleRoot(hashes('acme-fiber', 2)), merkleRoot(hashes('globex', 3))]);
    expect(recordRoot(leaves)).toBe(expected);
    expect(recordRoot([...leaves].reverse())).toBe(expected);
    expect(
      recordRootOf([
        { author: 'globex', root: merkleRoot(hashes('globex', 3)) },
        { author: 'acme-fiber', root: merkleRoot(hashes('acme-fiber', 2)) },
      ]),
    ).toBe(expected);
  });

  it('takes only authors with entries, and is the empty root for no entries', () => {
    expect(recordRoot([leaf('globex', 1)])).toBe(merkleRoot([merkleRoot(hashes('globex', 1))]));
    expect(recordRoot([])).toBe(merkleRoot([]));
  });

  it('refuses a stream with a gap or a repeated seq, and a stream named twice', () => {
    expect(() => recordRoot([leaf('globex', 1), leaf('globex', 3)])).toThrow(/seq 3 where 2 belongs/);
    expect(() => recordRoot([leaf('globex', 1), leaf('globex', 1)])).toThrow(/seq 1 where 2 belongs/);
    expect(() => recordRoot([leaf('globex', 2)])).toThrow(/seq 2 where 1 belongs/);
    const root = merkleRoot([]);
    expect(() =>
      recordRootOf([
        { author: 'a', root },
        { author: 'a', root },
      ]),
    ).toThrow(/appears twice/);
  });

  it('proves each entry at its place: index seq − 1 of its stream, the stream at its author position', () => {
    const root = recordRoot(leaves);
    for (const { author, seq, hash } of leaves) {
      const path = recordProof(leaves, author, seq);
      expect(path.entry.leaf).toBe(hash);
      expect(path.entry.index).toBe(seq - 1);
      expect(path.entry.count).toBe(author === 'globex' ? 3 : 2);
      expect(path.stream).toMatchObject({ count: 2, index: author === 'globex' ? 1 : 0 });
      expect(recordPathRoot(path)).toBe(root);
    }
  });

  it('leads elsewhere, or nowhere, when any part of a path is changed', () => {
    const root = recordRoot(leaves);
    const path = recordProof(leaves, 'globex', 2);
    const other = sha256Hex('other');
    expect(recordPathRoot({ ...path, entry: { ...path.entry, leaf: other } })).toBeUndefined();
    expect(recordPathRoot({ ...path, stream: { ...path.stream, leaf: other } })).toBeUndefined();
    const sibling = path.stream.siblings[0]!;
    const changed = { ...path, stream: { ...path.stream, siblings: [{ ...sibling, hash: other }] } };
    expect(recordPathRoot(changed)).not.toBe(root);
    expect(recordPathRoot({ ...path, stream: { ...path.stream, siblings: [] } })).toBeUndefined();
    expect(recordPathRoot(null as never)).toBeUndefined();
  });

  it('refuses an entry outside the heads', () => {
    expect(() => recordProof(leaves, 'globex', 4)).toThrow(/not inside these heads/);
    expect(() => recordProof(leaves, 'initech', 1)).toThrow(/not inside these heads/);
  });

  it('equals stream frontiers extended one entry at a time, in any interleaving', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('acme-fiber', 'globex', 'initech'), { maxLength: 60 }),
        (authors) => {
          const frontiers = new Map<string, MerkleFrontier>();
          const seen: RecordLeaf[] = [];
          for (const author of authors) {
            const frontier = frontiers.get(author) ?? new MerkleFrontier();
            frontiers.set(author, frontier);
            const next = leaf(author, frontier.count + 1);
            frontier.append(next.hash);
            seen.push(next);
            const streams = [...frontiers].map(([a, f]) => ({ author: a, root: f.root() }));
            expect(recordRootOf(streams)).toBe(recordRoot(seen));
          }
        },
      ),
    );
  });
});
