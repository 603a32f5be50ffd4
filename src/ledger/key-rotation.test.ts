import { describe, expect, it } from 'vitest';
import { canonicalBytes } from './canonical.ts';
import { buyerKeys, legacySign, malloryKeys, sellerKeys, thrown } from './fixtures.ts';
import { type KeyRotation, signKeyRotation, verifyKeyRotation } from './key-rotation.ts';
import { signIn, signingDomains, verifyIn } from './signing.ts';

const statement: KeyRotation = {
  party: 'seller-co',
  oldKey: sellerKeys.publicKey,
  newKey: malloryKeys.publicKey,
};

describe('key rotation statements', () => {
  it('are signed by the old key in domain key-rotation, and verify', () => {
    const sig = signKeyRotation(statement, sellerKeys);
    expect(sig.startsWith('sb2.')).toBe(true);
    expect(verifyKeyRotation(statement, sig)).toBe(true);
    expect(verifyKeyRotation(JSON.parse(JSON.stringify(statement)), sig)).toBe(true);
    const bytes = canonicalBytes(statement);
    for (const domain of signingDomains) {
      expect(verifyIn(domain, sellerKeys.publicKey, bytes, sig, { legacy: true })).toBe(
        domain === 'key-rotation',
      );
    }
  });

  it('fail for any other party, key or signature', () => {
    const sig = signKeyRotation(statement, sellerKeys);
    expect(verifyKeyRotation({ ...statement, party: 'buyer-co' }, sig)).toBe(false);
    expect(verifyKeyRotation({ ...statement, newKey: buyerKeys.publicKey }, sig)).toBe(false);
    expect(verifyKeyRotation({ ...statement, oldKey: buyerKeys.publicKey }, sig)).toBe(false);
    // Signed by the new key instead of the old one.
    expect(verifyKeyRotation(statement, signIn('key-rotation', canonicalBytes(statement), malloryKeys))).toBe(
      false,
    );
    // The same bytes signed for another purpose, or in the legacy form.
    expect(verifyKeyRotation(statement, signIn('entry', canonicalBytes(statement), sellerKeys))).toBe(false);
    expect(verifyKeyRotation(statement, legacySign(statement, sellerKeys))).toBe(false);
    expect(verifyKeyRotation(statement, 42 as unknown as string)).toBe(false);
  });

  it('refuse to sign or verify a malformed statement, naming the field', () => {
    const field = (s: unknown, keys = sellerKeys) =>
      thrown(() => signKeyRotation(s as KeyRotation, keys)).details.field;
    expect(field({ ...statement, party: '' })).toBe('party');
    expect(field({ ...statement, oldKey: 'x' })).toBe('oldKey');
    expect(field({ ...statement, newKey: sellerKeys.publicKey })).toBe('newKey');
    expect(field(null)).toBe('statement');
    expect(field(statement, buyerKeys)).toBe('oldKeys');
    expect(thrown(() => signKeyRotation(statement, buyerKeys)).code).toBe('KEY_INVALID');
    const sig = signKeyRotation(statement, sellerKeys);
    expect(verifyKeyRotation({ ...statement, newKey: 'x' }, sig)).toBe(false);
    expect(verifyKeyRotation(null as unknown as KeyRotation, sig)).toBe(false);
  });
});
