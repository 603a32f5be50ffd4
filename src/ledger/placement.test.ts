import { describe, expect, it } from 'vitest';
import { createEntry, positionOf, signEntry } from './entry.ts';
import { equivocationProof, verifyEquivocationProof } from './equivocation.ts';
import { buyerKeys, ctx, legacySign, sellerKeys, thrown, writer } from './fixtures.ts';
import { sha256Hex } from './hash.ts';
import { checkPlacement, checkSeen } from './placement.ts';
import type { EquivocationProof, SignedEntry } from './types.ts';

function stream(n: number) {
  const w = writer('seller-co', sellerKeys);
  const entries = Array.from({ length: n }, () => w.next());
  return { entries, head: positionOf(entries.at(-1)!.entry) };
}

describe('checkPlacement', () => {
  it('accepts seq 1 linked to the bilateral id, and head + 1 linked to the head', () => {
    const { entries } = stream(3);
    expect(() => checkPlacement(undefined, undefined, entries[0]!)).not.toThrow();
    expect(() => checkPlacement(positionOf(entries[1]!.entry), undefined, entries[2]!)).not.toThrow();
  });

  it('ENTRY_REPLAYED: the same entry again', () => {
    const { entries, head } = stream(3);
    expect(thrown(() => checkPlacement(head, entries[1], entries[1]!)).code).toBe('ENTRY_REPLAYED');
  });

  it('ENTRY_EQUIVOCATION: a different entry at a stored seq, with a verifiable proof', () => {
    const { entries, head } = stream(3);
    const fork = signEntry({ ...entries[1]!.entry, body: { n: 'forked' } }, sellerKeys);
    const error = thrown(() => checkPlacement(head, entries[1], fork));
    expect(error.code).toBe('ENTRY_EQUIVOCATION');
    expect(error.details.stored).toBe(entries[1]);
    expect(error.details.received).toBe(fork);
    const proof = error.details.proof as EquivocationProof;
    expect(verifyEquivocationProof(proof)).toBe(true);
    expect(verifyEquivocationProof(proof, ctx.parties)).toBe(true);
  });

  it('equivocation proofs of legacy entries verify only when legacy is allowed', () => {
    const { entries, head } = stream(2);
    const bare = (signed: SignedEntry): SignedEntry => ({
      ...signed,
      sig: legacySign(signed.entry, sellerKeys),
    });
    const fork = bare(signEntry({ ...entries[1]!.entry, body: { n: 'forked' } }, sellerKeys));
    const proof = thrown(() => checkPlacement(head, bare(entries[1]!), fork)).details
      .proof as EquivocationProof;
    expect(verifyEquivocationProof(proof, ctx.parties, { legacy: true })).toBe(true);
    expect(verifyEquivocationProof(proof, ctx.parties)).toBe(false);
    expect(equivocationProof(proof.a, proof.b)).toBeUndefined();
    expect(equivocationProof(proof.a, proof.b, { legacy: true })).toEqual(proof);
  });

  it('ENTRY_SEQ_GAP: seq beyond head + 1, or beyond 1 on an empty stream', () => {
    const { entries } = stream(4);
    expect(thrown(() => checkPlacement(positionOf(entries[0]!.entry), undefined, entries[2]!)).code).toBe(
      'ENTRY_SEQ_GAP',
    );
    expect(thrown(() => checkPlacement(undefined, undefined, entries[3]!)).details).toMatchObject({
      expected: 1,
      seq: 4,
    });
  });

  it('ENTRY_BROKEN_LINK: prev is not the head hash (or not the bilateral id for seq 1)', () => {
    const { entries, head } = stream(2);
    const next = createEntry({ ...entries[1]!.entry, head: { seq: 2, hash: sha256Hex('other') } });
    expect(thrown(() => checkPlacement(head, undefined, signEntry(next, sellerKeys))).code).toBe(
      'ENTRY_BROKEN_LINK',
    );
    const first = signEntry({ ...entries[0]!.entry, prev: sha256Hex('x') }, sellerKeys);
    expect(thrown(() => checkPlacement(undefined, undefined, first)).code).toBe('ENTRY_BROKEN_LINK');
  });

  it('is a caller error to omit the stored entry at or below the head', () => {
    const { entries, head } = stream(2);
    expect(() => checkPlacement(head, undefined, entries[0]!)).toThrow(RangeError);
  });
});

describe('checkSeen', () => {
  const buyer = writer('buyer-co', buyerKeys);
  const b1 = buyer.next();
  const b2 = buyer.next();
  const h1 = positionOf(b1.entry);
  const h2 = positionOf(b2.entry);
  const sellerEntry = (seen: { seq: number; hash: string } | null) =>
    writer('seller-co', sellerKeys).next({}, seen).entry;

  it('accepts null and any existing counterparty position', () => {
    expect(() => checkSeen(sellerEntry(null), undefined)).not.toThrow();
    expect(() => checkSeen(sellerEntry(h2), h2)).not.toThrow();
    expect(() => checkSeen(sellerEntry(h1), h2, h1.hash)).not.toThrow();
  });

  it('ENTRY_BAD_SEEN: beyond the head, a wrong hash at the head, or a wrong hash where known', () => {
    expect(thrown(() => checkSeen(sellerEntry(h1), undefined)).code).toBe('ENTRY_BAD_SEEN');
    expect(thrown(() => checkSeen(sellerEntry(h2), h1)).code).toBe('ENTRY_BAD_SEEN');
    expect(thrown(() => checkSeen(sellerEntry({ seq: 2, hash: h1.hash }), h2)).code).toBe('ENTRY_BAD_SEEN');
    expect(thrown(() => checkSeen(sellerEntry({ seq: 1, hash: h2.hash }), h2, h1.hash)).code).toBe(
      'ENTRY_BAD_SEEN',
    );
  });
});

describe('equivocation proofs', () => {
  const { entries } = stream(2);
  const a = entries[1]!;
  const b = signEntry({ ...a.entry, body: { n: 'other' } }, sellerKeys);

  it('is the same proof whichever order the pair comes in, and verifies', () => {
    const p = equivocationProof(a, b)!;
    expect(p).toEqual(equivocationProof(b, a));
    expect(verifyEquivocationProof(p)).toBe(true);
    expect(verifyEquivocationProof({ a: p.b, b: p.a })).toBe(true);
  });

  it('is not a proof: same entry, different seq, different author, bad signature', () => {
    expect(equivocationProof(a, a)).toBeUndefined();
    expect(equivocationProof(entries[0]!, a)).toBeUndefined();
    const buyers = writer('buyer-co', buyerKeys);
    buyers.next();
    expect(equivocationProof(a, buyers.next())).toBeUndefined();
  });

  it('altered proofs fail', () => {
    const p = equivocationProof(a, b)!;
    type Loose = { a: { entry: Record<string, unknown>; sig: string }; b?: Loose['a'] };
    const alter = (mutate: (x: Loose) => void): EquivocationProof => {
      const copy = structuredClone(p) as unknown as Loose;
      mutate(copy);
      return copy as unknown as EquivocationProof;
    };
    expect(
      verifyEquivocationProof(
        alter((x) => {
          x.b!.entry.body = { n: 'tampered' };
        }),
      ),
    ).toBe(false);
    expect(
      verifyEquivocationProof(
        alter((x) => {
          x.a.entry.seq = 3;
        }),
      ),
    ).toBe(false);
    expect(
      verifyEquivocationProof(
        alter((x) => {
          x.b!.sig = x.a.sig;
        }),
      ),
    ).toBe(false);
    expect(
      verifyEquivocationProof(
        alter((x) => {
          x.b = x.a;
        }),
      ),
    ).toBe(false);
    expect(
      verifyEquivocationProof(
        alter((x) => {
          delete x.b;
        }),
      ),
    ).toBe(false);
    expect(verifyEquivocationProof(null as unknown as EquivocationProof)).toBe(false);
  });

  it('with parties, the key must be the author’s registered key', () => {
    const p = equivocationProof(a, b)!;
    expect(verifyEquivocationProof(p, [{ id: 'seller-co', key: buyerKeys.publicKey }])).toBe(false);
    expect(verifyEquivocationProof(p, [])).toBe(false);
  });
});
