/**
 * How the ledger's identifiers become the contracts' `bytes32` keys, in one
 * place so every caller derives the same key.
 *
 * - party id: keccak256 of the party's UTF-8 name (names have any length);
 * - bilateral id, terms hash, invoice hash, checkpoint root: already SHA-256,
 *   so the 32 bytes are used as they are (`0x` + the hex), and read back;
 * - entry key: the raw 32 bytes of the Ed25519 public key;
 * - key-rotation signature: the raw 64 bytes of the Ed25519 signature;
 * - resource id: keccak256 of a canonical name `kind:identifier`, e.g.
 *   `port:AMS1/xe-0/0/1`, `vlan:AMS1/100`, `ip:192.0.2.0/24`.
 */
import { bytesToHex, type Hex, hexToBytes, isHex, keccak256, toBytes } from 'viem';
import { isHash, isPublicKey, isSignature } from '../ledger/index.ts';
import { ChainError } from './errors.ts';

const resourceName = /^[a-z][a-z0-9-]*:[^\s]+$/;

function invalid(field: string, rule: string, value: unknown): ChainError {
  return new ChainError('CHAIN_INPUT_INVALID', `${field}: ${rule}`, { details: { field, rule, value } });
}

/** keccak256 of the party's UTF-8 name. @example partyIdOf('Acme Transit') */
export function partyIdOf(party: string): Hex {
  if (typeof party !== 'string' || party.length === 0)
    throw invalid('party', 'expected a non-empty string', party);
  return keccak256(toBytes(party));
}

/** A ledger hash (64 lowercase hex) as bytes32. @example bytes32FromHash('ab…') === '0xab…' */
export function bytes32FromHash(hash: string): Hex {
  if (!isHash(hash)) throw invalid('hash', 'expected 64 lowercase hex characters', hash);
  return `0x${hash}`;
}

/** The ledger hash a bytes32 holds (inverse of `bytes32FromHash`). */
export function hashFromBytes32(value: Hex): string {
  if (!isBytes32(value)) throw invalid('bytes32', 'expected 0x and 64 hex characters', value);
  return value.slice(2).toLowerCase();
}

/** The raw 32 bytes of a base64url Ed25519 public key, as bytes32. */
export function entryKeyBytes32(publicKey: string): Hex {
  if (!isPublicKey(publicKey))
    throw invalid('entryKey', 'expected base64url of a 32-byte Ed25519 public key', publicKey);
  return bytesToHex(Buffer.from(publicKey, 'base64url'));
}

/** The base64url public key a bytes32 entry key holds (inverse of `entryKeyBytes32`). */
export function entryKeyFromBytes32(value: Hex): string {
  if (!isBytes32(value)) throw invalid('entryKey', 'expected 0x and 64 hex characters', value);
  return Buffer.from(hexToBytes(value)).toString('base64url');
}

/** The raw 64 bytes of a base64url Ed25519 signature, as `bytes`. */
export function signatureBytes(sig: string, field = 'sig'): Hex {
  if (!isSignature(sig)) throw invalid(field, 'expected base64url of a 64-byte Ed25519 signature', sig);
  return bytesToHex(Buffer.from(sig, 'base64url'));
}

/** The base64url signature `bytes` hold (inverse of `signatureBytes`). */
export function signatureFromBytes(value: Hex): string {
  if (!isHex(value, { strict: true }) || value.length !== 130) {
    throw invalid('sig', 'expected 0x and 128 hex characters', value);
  }
  return Buffer.from(hexToBytes(value)).toString('base64url');
}

/** keccak256 of a canonical resource name `kind:identifier`. @example resourceIdOf('port:AMS1/xe-0/0/1') */
export function resourceIdOf(name: string): Hex {
  if (typeof name !== 'string' || !resourceName.test(name)) {
    throw invalid('resource', 'expected kind:identifier (lowercase kind, no whitespace)', name);
  }
  return keccak256(toBytes(name));
}

/** True for `0x` followed by exactly 64 hex characters. */
export function isBytes32(value: unknown): value is Hex {
  return typeof value === 'string' && value.length === 66 && isHex(value, { strict: true });
}
