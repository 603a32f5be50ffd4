import { describe, expect, it } from 'vitest';
import { canonicalBytes } from './canonical.ts';
import { buyerKeys, legacySign, sellerKeys } from './fixtures.ts';
import { isSignature, sign, verify } from './keys.ts';
import {
  isSigningDomain,
  type SigningDomain,
  signIn,
  signingDomains,
  signingMessage,
  verifyIn,
} from './signing.ts';

const payload = { b: 2, a: 'é€' };
const bytes = canonicalBytes(payload);
const text = (message: Uint8Array) => new TextDecoder().decode(message);

describe('signingMessage (the PAE)', () => {
  it('is SB-SIG/2, the tag and the payload, each length in bytes', () => {
    // '{"a":"é€","b":2}' is 16 characters but 19 UTF-8 bytes.
    expect(text(signingMessage('entry', bytes))).toBe(
      'SB-SIG/2 21 smart-bilateral/entry 19 {"a":"é€","b":2}',
    );
    expect(text(signingMessage('peer-request', new Uint8Array()))).toBe(
      'SB-SIG/2 28 smart-bilateral/peer-request 0 ',
    );
  });

  it('refuses a domain that is not in the list', () => {
    expect(() => signingMessage('invoice' as SigningDomain, bytes)).toThrow(TypeError);
    expect(isSigningDomain('entry')).toBe(true);
    expect(isSigningDomain('Entry')).toBe(false);
  });
});

describe('signIn and verifyIn', () => {
  it('sign sb2. over the PAE; an object and its canonical bytes sign alike', () => {
    const sig = signIn('checkpoint', payload, sellerKeys);
    expect(sig).toMatch(/^sb2\.[A-Za-z0-9_-]{86}$/);
    expect(signIn('checkpoint', bytes, sellerKeys)).toBe(sig);
    expect(verify(sellerKeys.publicKey, signingMessage('checkpoint', bytes), sig.slice(4))).toBe(true);
    expect(verifyIn('checkpoint', sellerKeys.publicKey, bytes, sig, { legacy: false })).toBe(true);
    expect(verifyIn('checkpoint', buyerKeys.publicKey, bytes, sig, { legacy: false })).toBe(false);
    expect(
      verifyIn('checkpoint', sellerKeys.publicKey, canonicalBytes({ a: 1 }), sig, { legacy: false }),
    ).toBe(false);
  });

  it('a signature made for one domain verifies in no other (every pair)', () => {
    for (const signed of signingDomains) {
      const sig = signIn(signed, bytes, sellerKeys);
      for (const checked of signingDomains) {
        for (const legacy of [false, true]) {
          expect(verifyIn(checked, sellerKeys.publicKey, bytes, sig, { legacy })).toBe(signed === checked);
        }
      }
    }
  });

  it('an sb2. signature is never checked over the bare bytes', () => {
    const sig = signIn('entry', bytes, sellerKeys);
    // The raw signature of the bare bytes, relabelled sb2., is not an entry signature.
    const relabelled = `sb2.${sign(sellerKeys.privateKey, bytes)}`;
    expect(verifyIn('entry', sellerKeys.publicKey, bytes, relabelled, { legacy: true })).toBe(false);
    // And the PAE signature without its version is not a legacy one of the bare bytes.
    expect(verifyIn('entry', sellerKeys.publicKey, bytes, sig.slice(4), { legacy: true })).toBe(false);
    expect(verify(sellerKeys.publicKey, bytes, sig)).toBe(false);
  });

  it('a legacy signature verifies only when the caller allows legacy', () => {
    const legacy = legacySign(payload, sellerKeys);
    for (const domain of signingDomains) {
      expect(verifyIn(domain, sellerKeys.publicKey, bytes, legacy, { legacy: false })).toBe(false);
      expect(verifyIn(domain, sellerKeys.publicKey, bytes, legacy, { legacy: true })).toBe(true);
    }
  });

  it('answers false, never throws, on malformed input', () => {
    const sig = signIn('entry', bytes, sellerKeys);
    const cases: [string, string, unknown][] = [
      ['entry', 'not a key', sig],
      ['entry', sellerKeys.publicKey, 42],
      ['entry', sellerKeys.publicKey, 'sb2.'],
      ['entry', sellerKeys.publicKey, `SB2.${sig.slice(4)}`],
      ['entry', sellerKeys.publicKey, `sb3.${sig.slice(4)}`],
      ['entry', sellerKeys.publicKey, `${sig}A`],
      ['invoice', sellerKeys.publicKey, sig],
    ];
    for (const [domain, key, s] of cases) {
      expect(verifyIn(domain as SigningDomain, key, bytes, s as string, { legacy: true })).toBe(false);
    }
  });
});

describe('isSignature', () => {
  it('accepts the sb2. form and the legacy form, nothing else', () => {
    const sig = signIn('entry', bytes, sellerKeys);
    expect(isSignature(sig)).toBe(true);
    expect(isSignature(sig.slice(4))).toBe(true);
    expect(isSignature(`sb3.${sig.slice(4)}`)).toBe(false);
    expect(isSignature(`sb2.sb2.${sig.slice(8)}`)).toBe(false);
    expect(isSignature(sig.slice(0, -1))).toBe(false);
    expect(isSignature('sb2.')).toBe(false);
    expect(isSignature(undefined)).toBe(false);
  });
});
