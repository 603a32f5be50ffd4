import { describe, expect, it } from 'vitest';
import { hashJson, isHash, sha256Hex } from './hash.ts';

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 / well-known digests', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('hashes strings as UTF-8, same as their bytes', () => {
    expect(sha256Hex('€')).toBe(sha256Hex(new Uint8Array([0xe2, 0x82, 0xac])));
  });
});

describe('hashJson', () => {
  it('is the hash of the canonical bytes, independent of key order', () => {
    expect(hashJson({ b: 1, a: 2 })).toBe(sha256Hex('{"a":2,"b":1}'));
    expect(hashJson({ a: 2, b: 1 })).toBe(hashJson({ b: 1, a: 2 }));
  });
});

describe('isHash', () => {
  it('accepts 64 lowercase hex characters only', () => {
    expect(isHash('a'.repeat(64))).toBe(true);
    expect(isHash('A'.repeat(64))).toBe(false);
    expect(isHash('a'.repeat(63))).toBe(false);
    expect(isHash(`${'a'.repeat(64)}\n`)).toBe(false);
    expect(isHash(42)).toBe(false);
  });
});
