import { describe, expect, it } from 'vitest';
import { canonicalBytes } from './canonical.ts';
import {
  checkpointHash,
  cosign,
  signCheckpoint,
  verifyCheckpoint,
  verifyCheckpointSignature,
} from './checkpoint.ts';
import { buyerKeys, ctx, legacySign, malloryKeys, sellerKeys, thrown } from './fixtures.ts';
import { hashJson, sha256Hex } from './hash.ts';
import { verify } from './keys.ts';
import { verifyIn } from './signing.ts';
import type { Checkpoint, SignedCheckpoint } from './types.ts';

const checkpoint: Checkpoint = {
  bilateral: ctx.bilateral,
  heads: { 'seller-co': { seq: 3, hash: sha256Hex('s3') }, 'buyer-co': { seq: 1, hash: sha256Hex('b1') } },
  stateHash: sha256Hex('state'),
};
const both = (): SignedCheckpoint =>
  cosign(
    cosign({ checkpoint, sigs: {} }, 'seller-co', signCheckpoint(checkpoint, sellerKeys)),
    'buyer-co',
    signCheckpoint(checkpoint, buyerKeys),
  );

describe('checkpoints', () => {
  it('signs the canonical bytes in domain checkpoint; the hash is hashJson(checkpoint)', () => {
    const sig = signCheckpoint(checkpoint, sellerKeys);
    expect(sig.startsWith('sb2.')).toBe(true);
    const bytes = canonicalBytes(checkpoint);
    expect(verifyIn('checkpoint', sellerKeys.publicKey, bytes, sig, { legacy: false })).toBe(true);
    expect(verifyIn('entry', sellerKeys.publicKey, bytes, sig, { legacy: true })).toBe(false);
    expect(verify(sellerKeys.publicKey, bytes, sig)).toBe(false);
    expect(verifyCheckpointSignature(checkpoint, sellerKeys.publicKey, sig)).toBe(true);
    expect(verifyCheckpointSignature(checkpoint, buyerKeys.publicKey, sig)).toBe(false);
    expect(checkpointHash(checkpoint)).toBe(hashJson(checkpoint));
  });

  it('legacy signatures count only when the caller allows them', () => {
    const legacy = {
      checkpoint,
      sigs: {
        'seller-co': legacySign(checkpoint, sellerKeys),
        'buyer-co': legacySign(checkpoint, buyerKeys),
      },
    };
    expect(() => verifyCheckpoint(legacy, ctx.parties, { legacy: true })).not.toThrow();
    expect(thrown(() => verifyCheckpoint(legacy, ctx.parties)).code).toBe('CHECKPOINT_BAD_SIGNATURE');
    expect(thrown(() => verifyCheckpoint(legacy, ctx.parties, { legacy: false })).code).toBe(
      'CHECKPOINT_BAD_SIGNATURE',
    );
    // A legacy bilateral keeps going with new signatures, and may mix the two forms.
    expect(() => verifyCheckpoint(both(), ctx.parties, { legacy: true })).not.toThrow();
    const mixed = cosign(legacy, 'buyer-co', signCheckpoint(checkpoint, buyerKeys));
    expect(() => verifyCheckpoint(mixed, ctx.parties, { legacy: true })).not.toThrow();
    const sig = legacy.sigs['seller-co'];
    expect(verifyCheckpointSignature(checkpoint, sellerKeys.publicKey, sig)).toBe(false);
    expect(verifyCheckpointSignature(checkpoint, sellerKeys.publicKey, sig, { legacy: true })).toBe(true);
  });

  it('cosign adds a signature without changing the input', () => {
    const once = cosign({ checkpoint, sigs: {} }, 'seller-co', 'x');
    const twice = cosign(once, 'buyer-co', 'y');
    expect(once.sigs).toEqual({ 'seller-co': 'x' });
    expect(twice.sigs).toEqual({ 'seller-co': 'x', 'buyer-co': 'y' });
    expect(Object.isFrozen(twice.sigs)).toBe(true);
  });

  it('verifies with both signatures, also after a JSON round trip', () => {
    expect(() => verifyCheckpoint(both(), ctx.parties)).not.toThrow();
    expect(() => verifyCheckpoint(JSON.parse(JSON.stringify(both())), ctx.parties)).not.toThrow();
  });

  it('CHECKPOINT_MISSING_SIGNATURE: one party only', () => {
    const once = cosign({ checkpoint, sigs: {} }, 'seller-co', signCheckpoint(checkpoint, sellerKeys));
    const error = thrown(() => verifyCheckpoint(once, ctx.parties));
    expect(error.code).toBe('CHECKPOINT_MISSING_SIGNATURE');
    expect(error.details.party).toBe('buyer-co');
  });

  it('CHECKPOINT_BAD_SIGNATURE: wrong key, or the checkpoint changed after signing', () => {
    const forged = cosign(both(), 'buyer-co', signCheckpoint(checkpoint, malloryKeys));
    expect(thrown(() => verifyCheckpoint(forged, ctx.parties)).code).toBe('CHECKPOINT_BAD_SIGNATURE');
    const changed = { ...both(), checkpoint: { ...checkpoint, stateHash: sha256Hex('other state') } };
    expect(thrown(() => verifyCheckpoint(changed, ctx.parties)).code).toBe('CHECKPOINT_BAD_SIGNATURE');
  });

  it('CHECKPOINT_MALFORMED: head or signature of a stranger, bad position, extra field', () => {
    const s = both();
    const field = (signed: unknown) =>
      thrown(() => verifyCheckpoint(signed as SignedCheckpoint, ctx.parties)).details.field;
    expect(field(cosign(s, 'mallory', 'x'))).toBe('sigs.mallory');
    const heads = { ...checkpoint.heads, mallory: { seq: 1, hash: sha256Hex('m') } };
    expect(field({ ...s, checkpoint: { ...checkpoint, heads } })).toBe('checkpoint.heads.mallory');
    const zero = { ...checkpoint.heads, 'buyer-co': { seq: 0, hash: sha256Hex('b') } };
    expect(field({ ...s, checkpoint: { ...checkpoint, heads: zero } })).toBe('checkpoint.heads.buyer-co');
    expect(field({ ...s, checkpoint: { ...checkpoint, at: 1 } })).toBe('checkpoint.at');
    expect(field({ ...s, checkpoint: { ...checkpoint, stateHash: 'x' } })).toBe('checkpoint.stateHash');
  });
});

describe('checkpoint root', () => {
  const rooted: Checkpoint = { ...checkpoint, root: sha256Hex('record') };
  const sigs = (cp: Checkpoint) => ({
    'seller-co': signCheckpoint(cp, sellerKeys),
    'buyer-co': signCheckpoint(cp, buyerKeys),
  });

  it('accepts a record root and signs over it', () => {
    expect(() => verifyCheckpoint({ checkpoint: rooted, sigs: sigs(rooted) }, ctx.parties)).not.toThrow();
    const swapped = { ...rooted, root: sha256Hex('other') };
    expect(
      thrown(() => verifyCheckpoint({ checkpoint: swapped, sigs: sigs(rooted) }, ctx.parties)).code,
    ).toBe('CHECKPOINT_BAD_SIGNATURE');
  });

  it('refuses a root that is not a hash', () => {
    const bad = { ...rooted, root: 'nope' };
    expect(thrown(() => verifyCheckpoint({ checkpoint: bad, sigs: sigs(bad) }, ctx.parties)).code).toBe(
      'CHECKPOINT_MALFORMED',
    );
  });
});
