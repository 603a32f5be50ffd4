import { describe, expect, it } from 'vitest';
import { positionOf, signEntry } from './entry.ts';
import { buyerKeys, ctx, sellerKeys, thrown, writer } from './fixtures.ts';
import { verifyStream } from './stream.ts';
import type { SignedEntry } from './types.ts';

/** Seller writes 3, buyer acknowledges seller #2, seller acknowledges buyer #1. */
function bilateral(): SignedEntry[] {
  const seller = writer('seller-co', sellerKeys);
  const buyer = writer('buyer-co', buyerKeys);
  const s1 = seller.next();
  const s2 = seller.next();
  const b1 = buyer.next({ ack: true }, seller.head!);
  const s3 = seller.next({ n: 3 }, positionOf(b1.entry));
  return [s1, s2, b1, s3];
}

describe('verifyStream', () => {
  it('verifies interleaved streams and returns both heads', () => {
    const entries = bilateral();
    const heads = verifyStream(ctx, entries, { validators: { fact: () => {} } });
    expect(heads['seller-co']).toEqual(positionOf(entries[3]!.entry));
    expect(heads['buyer-co']).toEqual(positionOf(entries[2]!.entry));
    expect(verifyStream(ctx, [])).toEqual({});
  });

  it('reports the index of the first failing entry', () => {
    const entries = bilateral();
    // The buyer's entry may come before the seller #2 it acknowledges: seen is checked on the whole set.
    expect(verifyStream(ctx, [entries[0]!, entries[2]!, entries[1]!])['buyer-co']?.seq).toBe(1);
    const gap = thrown(() => verifyStream(ctx, [entries[0]!, entries[3]!]));
    expect(gap.code).toBe('ENTRY_SEQ_GAP');
    expect(gap.details.index).toBe(1);
  });

  it('catches replay, equivocation, broken links and bad signatures inside a stream', () => {
    const [s1, s2] = bilateral() as [SignedEntry, SignedEntry];
    expect(thrown(() => verifyStream(ctx, [s1, s2, s2])).code).toBe('ENTRY_REPLAYED');
    const fork = signEntry({ ...s2.entry, body: { forked: true } }, sellerKeys);
    expect(thrown(() => verifyStream(ctx, [s1, s2, fork])).code).toBe('ENTRY_EQUIVOCATION');
    expect(thrown(() => verifyStream(ctx, [s2])).code).toBe('ENTRY_SEQ_GAP');
    const relinked = signEntry({ ...s2.entry, prev: s2.entry.bilateral }, sellerKeys);
    expect(thrown(() => verifyStream(ctx, [s1, relinked])).code).toBe('ENTRY_BROKEN_LINK');
    const tampered = { ...s2, entry: { ...s2.entry, body: { n: 99 } } };
    expect(thrown(() => verifyStream(ctx, [s1, tampered])).code).toBe('ENTRY_BAD_SIGNATURE');
  });

  it('checks seen against the counterparty entries given, or skips it', () => {
    const entries = bilateral();
    const sellerOnly = entries.filter((e) => e.entry.author === 'seller-co');
    expect(thrown(() => verifyStream(ctx, sellerOnly)).code).toBe('ENTRY_BAD_SEEN');
    expect(verifyStream(ctx, sellerOnly, { skipSeen: true })['seller-co']?.seq).toBe(3);
  });

  it('ENTRY_BAD_SEEN when seen moves backwards', () => {
    const seller = writer('seller-co', sellerKeys);
    const buyer = writer('buyer-co', buyerKeys);
    const b1 = buyer.next();
    const b2 = buyer.next();
    const s1 = seller.next({}, positionOf(b2.entry));
    const s2 = seller.next({}, positionOf(b1.entry));
    const error = thrown(() => verifyStream(ctx, [b1, b2, s1, s2]));
    expect(error.code).toBe('ENTRY_BAD_SEEN');
    expect(error.details.index).toBe(3);
  });

  it('ENTRY_MALFORMED_BODY through validators', () => {
    expect(thrown(() => verifyStream(ctx, bilateral(), { validators: {} })).code).toBe(
      'ENTRY_MALFORMED_BODY',
    );
  });
});
