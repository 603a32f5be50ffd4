/**
 * SHA-256, the one hash of the ledger (DESIGN.md decision 4). A `Hash` is
 * always 64 lowercase hex characters; `hashJson` hashes the RFC 8785 canonical
 * bytes, so two parties that hold equal values compute equal hashes.
 */
import { createHash } from 'node:crypto';
import { canonicalBytes } from './canonical.ts';
import type { Hash } from './types.ts';

const hashPattern = /^[0-9a-f]{64}$/;

/** SHA-256 of `data` (strings are hashed as UTF-8), lowercase hex. */
export function sha256Hex(data: Uint8Array | string): Hash {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * SHA-256 of the canonical JSON bytes of `value`.
 *
 * @example hashJson({ b: 1, a: 2 }) === sha256Hex('{"a":2,"b":1}')
 */
export function hashJson(value: unknown): Hash {
  return sha256Hex(canonicalBytes(value));
}

/** True when `value` is a well-formed `Hash` (64 lowercase hex characters). */
export function isHash(value: unknown): value is Hash {
  return typeof value === 'string' && hashPattern.test(value);
}
