import { describe, expect, it } from 'vitest';
import { LedgerError } from './errors.ts';
import { decodeBase64url, generateKeyPair, isPublicKey, keyPairFromSeed, sign, verify } from './keys.ts';

const hex = (text: string) => Buffer.from(text, 'hex');
const b64 = (text: string) => hex(text).toString('base64url');

describe('Ed25519 — RFC 8032 §7.1 test vectors', () => {
  it('TEST 1: empty message', () => {
    const keys = keyPairFromSeed(hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    expect(keys.publicKey).toBe(b64('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'));
    const sig = sign(keys.privateKey, new Uint8Array(0));
    expect(sig).toBe(
      b64(
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      ),
    );
    expect(verify(keys.publicKey, new Uint8Array(0), sig)).toBe(true);
  });

  it('TEST 2: one-byte message 0x72', () => {
    const keys = keyPairFromSeed(hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'));
    expect(keys.publicKey).toBe(b64('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'));
    expect(sign(keys.privateKey, hex('72'))).toBe(
      b64(
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      ),
    );
  });
});

describe('keys', () => {
  it('generates distinct, working key pairs with 43-character encodings', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(a.publicKey).not.toBe(b.publicKey);
    expect(a.publicKey).toHaveLength(43);
    expect(a.privateKey).toHaveLength(43);
    expect(keyPairFromSeed(Buffer.from(a.privateKey, 'base64url'))).toEqual(a);
    const message = new TextEncoder().encode('hello');
    expect(verify(a.publicKey, message, sign(a.privateKey, message))).toBe(true);
    expect(verify(b.publicKey, message, sign(a.privateKey, message))).toBe(false);
  });

  it('rejects a seed that is not 32 bytes and a malformed private key with KEY_INVALID', () => {
    expect(() => keyPairFromSeed(new Uint8Array(31))).toThrow(LedgerError);
    expect(() => sign('not a key', new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    );
  });

  it('verify answers false, never throws, on malformed input', () => {
    const keys = keyPairFromSeed(new Uint8Array(32).fill(7));
    const message = new Uint8Array([1, 2, 3]);
    const sig = sign(keys.privateKey, message);
    expect(verify(keys.publicKey, message, sig)).toBe(true);
    expect(verify(keys.publicKey, new Uint8Array([1, 2, 4]), sig)).toBe(false);
    expect(verify('', message, sig)).toBe(false);
    expect(verify(keys.publicKey, message, '')).toBe(false);
    expect(verify(keys.publicKey, message, sig.slice(0, -1))).toBe(false);
    expect(verify(`${keys.publicKey}=`, message, sig)).toBe(false);
    expect(verify(keys.publicKey.replace(/^./, '+'), message, sig)).toBe(false);
    expect(verify(undefined as unknown as string, message, sig)).toBe(false);
    // A 32-byte string that is not a valid curve point.
    expect(verify(Buffer.alloc(32, 0xff).toString('base64url'), message, sig)).toBe(false);
  });

  it('accepts only the canonical base64url form (unused low bits zero)', () => {
    const key = keyPairFromSeed(new Uint8Array(32)).publicKey;
    expect(key).toBe(b64('3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29'));
    expect(isPublicKey(key)).toBe(true);
    const last = key.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const tweaked = key.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(tweaked, 'base64url').equals(Buffer.from(key, 'base64url'))).toBe(true);
    expect(decodeBase64url(tweaked, 32)).toBeUndefined();
  });

  it('signs fast enough for the hot path (cached key objects)', () => {
    const keys = keyPairFromSeed(new Uint8Array(32).fill(9));
    const message = new Uint8Array(300);
    const start = performance.now();
    for (let i = 0; i < 2000; i++) sign(keys.privateKey, message);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
