import { keccak256, stringToHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { keyPairFromSeed, sha256Hex, sign } from '../ledger/index.ts';
import { ChainError } from './errors.ts';
import {
  bytes32FromHash,
  entryKeyBytes32,
  entryKeyFromBytes32,
  hashFromBytes32,
  isBytes32,
  partyIdOf,
  resourceIdOf,
  signatureBytes,
  signatureFromBytes,
} from './ids.ts';

describe('ids', () => {
  it('derives a party id as keccak256 of the UTF-8 name', () => {
    expect(partyIdOf('Acme Transit')).toBe(keccak256(stringToHex('Acme Transit')));
    expect(partyIdOf('Ærø Telecom')).toBe(keccak256(new TextEncoder().encode('Ærø Telecom')));
    expect(() => partyIdOf('')).toThrow(ChainError);
  });

  it('carries a ledger hash as bytes32 and back', () => {
    const hash = sha256Hex('terms');
    expect(bytes32FromHash(hash)).toBe(`0x${hash}`);
    expect(hashFromBytes32(bytes32FromHash(hash))).toBe(hash);
    expect(() => bytes32FromHash(hash.toUpperCase())).toThrow(/hash: expected 64 lowercase hex/);
    expect(() => bytes32FromHash(`0x${hash}`)).toThrow(ChainError);
    expect(() => hashFromBytes32('0x12')).toThrow(ChainError);
  });

  it('carries an Ed25519 public key as its raw 32 bytes and back', () => {
    const { publicKey } = keyPairFromSeed(new Uint8Array(32).fill(5));
    const b32 = entryKeyBytes32(publicKey);
    expect(b32).toBe(`0x${Buffer.from(publicKey, 'base64url').toString('hex')}`);
    expect(entryKeyFromBytes32(b32)).toBe(publicKey);
    expect(() => entryKeyBytes32('not-a-key')).toThrow(/entryKey/);
  });

  it('derives a resource id from a canonical name', () => {
    expect(resourceIdOf('port:AMS1/xe-0/0/1')).toBe(keccak256(stringToHex('port:AMS1/xe-0/0/1')));
    expect(resourceIdOf('vlan:AMS1/100')).not.toBe(resourceIdOf('vlan:AMS1/101'));
    for (const bad of ['AMS1/xe-0/0/1', 'Port:x', 'port:', 'port:a b', '']) {
      expect(() => resourceIdOf(bad), bad).toThrow(ChainError);
    }
  });

  it('recognises bytes32', () => {
    expect(isBytes32(`0x${'ab'.repeat(32)}`)).toBe(true);
    expect(isBytes32(`0x${'ab'.repeat(31)}`)).toBe(false);
    expect(isBytes32(`0x${'zz'.repeat(32)}`)).toBe(false);
  });

  it('carries an Ed25519 signature as its 64 raw bytes and back', () => {
    const pair = keyPairFromSeed(new Uint8Array(32).fill(5));
    const sig = sign(pair.privateKey, new TextEncoder().encode('rotation'));
    const bytes = signatureBytes(sig);
    expect(bytes).toMatch(/^0x[0-9a-f]{128}$/);
    expect(signatureFromBytes(bytes)).toBe(sig);
    expect(() => signatureBytes(pair.publicKey)).toThrow(/sig: expected base64url of a 64-byte/);
    expect(() => signatureBytes('x', 'rotationSig')).toThrow(/^rotationSig: /);
    expect(() => signatureFromBytes('0x12')).toThrow(ChainError);
  });
});
