import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical.ts';
import { createEntry, hashEntry, isSignedEntry, positionOf, signAndHashEntry, signEntry } from './entry.ts';
import { ctx, sellerKeys, writer } from './fixtures.ts';
import { hashJson } from './hash.ts';
import { verify } from './keys.ts';
import { verifyIn } from './signing.ts';

describe('entries', () => {
  it('createEntry starts at seq 1 linked to the bilateral id, then follows the head', () => {
    const first = createEntry({
      bilateral: ctx.bilateral,
      author: 'seller-co',
      head: undefined,
      seen: null,
      kind: 'fact',
      body: { a: 1 },
      recordedAt: '2024-01-01T00:00:00.000Z',
    });
    expect(first.seq).toBe(1);
    expect(first.prev).toBe(ctx.bilateral);
    expect(Object.isFrozen(first)).toBe(true);
    const second = createEntry({ ...first, head: positionOf(first), body: { a: 2 } });
    expect(second.seq).toBe(2);
    expect(second.prev).toBe(hashEntry(first));
  });

  it('hash is hashJson(entry); the signature covers the canonical bytes in domain entry', () => {
    const signed = writer('seller-co', sellerKeys).next();
    expect(hashEntry(signed.entry)).toBe(hashJson(signed.entry));
    const bytes = new TextEncoder().encode(canonicalize(signed.entry));
    expect(signed.sig.startsWith('sb2.')).toBe(true);
    expect(verifyIn('entry', sellerKeys.publicKey, bytes, signed.sig, { legacy: false })).toBe(true);
    expect(verify(sellerKeys.publicKey, bytes, signed.sig)).toBe(false);
    expect(signed.key).toBe(sellerKeys.publicKey);
    expect(signAndHashEntry(signed.entry, sellerKeys).signed).toEqual(signed);
  });

  it('isSignedEntry accepts well-formed entries and rejects wrong shapes', () => {
    const signed = signEntry(writer('seller-co', sellerKeys).next().entry, sellerKeys);
    expect(isSignedEntry(signed)).toBe(true);
    expect(isSignedEntry(JSON.parse(JSON.stringify(signed)))).toBe(true);
    expect(isSignedEntry({ ...signed, extra: 1 })).toBe(false);
    expect(isSignedEntry({ ...signed, entry: { ...signed.entry, seq: 0 } })).toBe(false);
    expect(isSignedEntry({ ...signed, entry: { ...signed.entry, body: { x: Number.NaN } } })).toBe(false);
    expect(isSignedEntry(null)).toBe(false);
  });
});

describe('signAndHashEntry', () => {
  it('gives the same signature and hash as signEntry and hashEntry', async () => {
    const { keyPairFromSeed } = await import('./keys.ts');
    const keys = keyPairFromSeed(new Uint8Array(32).fill(7));
    const entry = {
      bilateral: 'ab'.repeat(32),
      author: 'acme-fiber',
      seq: 1,
      prev: 'ab'.repeat(32),
      seen: null,
      kind: 'fact',
      body: { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' },
      recordedAt: '2026-01-15T09:30:00.000Z',
    };
    const { signed, hash } = signAndHashEntry(entry, keys);
    expect(signed).toEqual(signEntry(entry, keys));
    expect(hash).toBe(hashEntry(entry));
  });
});
