/**
 * Ed25519 keys and signatures through `node:crypto` (DESIGN.md decision 4:
 * 15–20× faster than pure JS). Keys travel as base64url without padding of
 * their raw bytes: public key 32 bytes, private key the 32-byte seed
 * (RFC 8032 §5.1.5), signature 64 bytes.
 *
 * Design rationale:
 * - Raw keys become `KeyObject`s by prefixing the fixed DER headers of an
 *   Ed25519 SubjectPublicKeyInfo / PKCS#8 structure (RFC 8410); parsing is the
 *   slow part, so KeyObjects are cached by their base64url string.
 * - Encodings are checked strictly (length, alphabet, canonical last
 *   character), so one key or signature has exactly one text form.
 * - `verify` answers false, never throws, on anything malformed: a signature
 *   that cannot be checked is a signature that does not verify.
 */
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  randomBytes,
} from 'node:crypto';
import { LedgerError } from './errors.ts';

export interface KeyPair {
  /** base64url of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** base64url of the raw 32-byte Ed25519 seed. Keep secret. */
  readonly privateKey: string;
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const CACHE_LIMIT = 4096;
const publicCache = new Map<string, KeyObject>();
const privateCache = new Map<string, KeyObject>();
const base64url = /^[A-Za-z0-9_-]*$/;

/** Raw bytes of a canonical base64url string of exactly `size` bytes, else undefined. */
export function decodeBase64url(text: unknown, size: number): Buffer | undefined {
  if (typeof text !== 'string' || text.length !== Math.ceil((size * 4) / 3) || !base64url.test(text)) {
    return undefined;
  }
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === size && bytes.toString('base64url') === text ? bytes : undefined;
}

/** True when `value` is a well-formed public key (base64url of 32 bytes). */
export function isPublicKey(value: unknown): value is string {
  return decodeBase64url(value, 32) !== undefined;
}

/** The text that starts every domain-separated signature (`signing.ts`). */
export const SIGNATURE_PREFIX = 'sb2.';

/**
 * True when `value` is a well-formed signature in either form: `sb2.` +
 * base64url of 64 bytes (domain-separated, `signing.ts`) or the legacy bare
 * base64url of 64 bytes. Which form a record may use is decided where it is
 * verified, not here.
 */
export function isSignature(value: unknown): value is string {
  if (typeof value === 'string' && value.startsWith(SIGNATURE_PREFIX)) {
    return decodeBase64url(value.slice(SIGNATURE_PREFIX.length), 64) !== undefined;
  }
  return decodeBase64url(value, 64) !== undefined;
}

/** A fresh key pair from 32 random bytes. */
export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(randomBytes(32));
}

/**
 * The key pair of a 32-byte seed (deterministic: tests and golden vectors use fixed seeds).
 *
 * @example keyPairFromSeed(new Uint8Array(32)).publicKey // 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik'
 */
export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new LedgerError('KEY_INVALID', 'seed: expected 32 bytes', { details: { field: 'seed' } });
  }
  const privateKey = Buffer.from(seed).toString('base64url');
  const publicDer = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return Object.freeze({
    publicKey: publicDer.subarray(SPKI_PREFIX.length).toString('base64url'),
    privateKey,
  });
}

/**
 * Raw Ed25519 signature of `message`, base64url of 64 bytes (no domain, no
 * version: records are signed with `signIn`). Throws `KEY_INVALID` on a malformed key.
 */
export function sign(privateKey: string, message: Uint8Array): string {
  return nodeSign(null, message, privateKeyObject(privateKey)).toString('base64url');
}

/**
 * True when `sig` is a valid raw Ed25519 signature of `message` by `publicKey`;
 * false on anything malformed, including an `sb2.` signature (those are
 * checked over their domain's message by `verifyIn`, never over bare bytes).
 */
export function verify(publicKey: string, message: Uint8Array, sig: string): boolean {
  const sigBytes = decodeBase64url(sig, 64);
  if (sigBytes === undefined) return false;
  try {
    const key = publicKeyObject(publicKey);
    return key !== undefined && nodeVerify(null, message, key, sigBytes);
  } catch {
    return false;
  }
}

function publicKeyObject(publicKey: string): KeyObject | undefined {
  const cached = publicCache.get(publicKey);
  if (cached !== undefined) return cached;
  const raw = decodeBase64url(publicKey, 32);
  if (raw === undefined) return undefined;
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  remember(publicCache, publicKey, key);
  return key;
}

function privateKeyObject(privateKey: string): KeyObject {
  const cached = privateCache.get(privateKey);
  if (cached !== undefined) return cached;
  const raw = decodeBase64url(privateKey, 32);
  if (raw === undefined) {
    throw new LedgerError('KEY_INVALID', 'privateKey: expected base64url of a 32-byte seed', {
      details: { field: 'privateKey' },
    });
  }
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  remember(privateCache, privateKey, key);
  return key;
}

/** Bounded cache: a node talks to few counterparties, but input must not grow memory without limit. */
function remember(cache: Map<string, KeyObject>, text: string, key: KeyObject): void {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(text, key);
}
