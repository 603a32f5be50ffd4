/**
 * Authentication of node-to-node requests. The caller signs
 * `{method, path, party, time, nonce, body}` (body as its SHA-256) with its
 * Ed25519 entry key in the `peer-request` signing domain (`ledger/signing.ts`),
 * so a request signature can never pass for an entry, a checkpoint or an
 * agreement, nor one of those for a request. The receiver looks up the key the
 * bilateral binds to the counterparty and checks the signature and that the
 * time is within a skew window.
 *
 * Design rationale — the nonce. The skew window alone lets a captured request
 * be replayed for as long as the window lasts. Each request carries 16 random
 * bytes (`x-sb-nonce`) inside the signed bytes; `checkPeerRequest` returns the
 * nonce and the instant after which the time check refuses the request anyway
 * (`expiresAt`), so the node need remember a nonce only until then to refuse
 * every replay. Requests are a new protocol version: no legacy signatures.
 */
import { randomBytes } from 'node:crypto';
import { canonicalBytes, type KeyPair, sha256Hex, signIn, verifyIn } from '../ledger/index.ts';
import { NodeError } from './errors.ts';

export const PEER_PARTY_HEADER = 'x-sb-party';
export const PEER_TIME_HEADER = 'x-sb-time';
export const PEER_NONCE_HEADER = 'x-sb-nonce';
export const PEER_SIGNATURE_HEADER = 'x-sb-signature';

/** How far a request's clock may be from ours. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

const NONCE_BYTES = 16;

export interface PeerRequest {
  readonly method: string;
  /** Path with query string, as sent. */
  readonly path: string;
  readonly body: string;
}

/** A verified peer request: who sent it, its nonce, and until when a replay of it would pass the time check. */
export interface CheckedPeerRequest {
  readonly party: string;
  readonly nonce: string;
  readonly expiresAt: Date;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function signingBytes(request: PeerRequest, party: string, time: string, nonce: string): Uint8Array {
  return canonicalBytes({
    method: request.method.toUpperCase(),
    path: request.path,
    party,
    time,
    nonce,
    body: sha256Hex(request.body),
  });
}

/** 16 random bytes, base64url: a fresh request nonce. */
export function peerNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64url');
}

/**
 * The headers that authenticate `request` as `party`'s, at `now`. `nonce` is
 * fresh unless given (tests and golden vectors fix it).
 *
 * @example const headers = signPeerRequest({ method: 'GET', path: '/peer/identity', body: '' }, 'acme', keys, new Date());
 */
export function signPeerRequest(
  request: PeerRequest,
  party: string,
  keys: KeyPair,
  now: Date,
  nonce: string = peerNonce(),
): Record<string, string> {
  if (!isNonce(nonce)) throw new RangeError('signPeerRequest: nonce must be base64url of 16 bytes');
  const time = now.toISOString();
  return {
    [PEER_PARTY_HEADER]: party,
    [PEER_TIME_HEADER]: time,
    [PEER_NONCE_HEADER]: nonce,
    [PEER_SIGNATURE_HEADER]: signIn('peer-request', signingBytes(request, party, time, nonce), keys),
  };
}

/**
 * Checks a signed peer request: headers present, nonce well formed, time
 * within `MAX_SKEW_MS` of `now`, party known to `keyOf` (undefined: unknown
 * party, `PEER_FORBIDDEN`), signature in domain `peer-request` by that key.
 * Everything else is `PEER_UNAUTHENTICATED`. Whether the nonce was seen before
 * is the caller's to check (remember it until `expiresAt`).
 */
export function checkPeerRequest(
  request: PeerRequest,
  headers: Headers,
  keyOf: (party: string) => string | undefined,
  now: Date,
): CheckedPeerRequest {
  const party = headers[PEER_PARTY_HEADER];
  const time = headers[PEER_TIME_HEADER];
  const nonce = headers[PEER_NONCE_HEADER];
  const sig = headers[PEER_SIGNATURE_HEADER];
  if (typeof party !== 'string' || typeof time !== 'string' || typeof sig !== 'string') {
    throw new NodeError('PEER_UNAUTHENTICATED', 'peer request is not signed');
  }
  if (!isNonce(nonce)) {
    throw new NodeError('PEER_UNAUTHENTICATED', `${PEER_NONCE_HEADER}: expected base64url of 16 bytes`, {
      details: { header: PEER_NONCE_HEADER },
    });
  }
  const at = Date.parse(time);
  if (Number.isNaN(at) || Math.abs(at - now.getTime()) > MAX_SKEW_MS) {
    throw new NodeError('PEER_UNAUTHENTICATED', `peer request time ${time} is outside the allowed skew`);
  }
  const key = keyOf(party);
  if (key === undefined) {
    throw new NodeError('PEER_FORBIDDEN', `party ${party} is not a counterparty of this bilateral`);
  }
  if (!verifyIn('peer-request', key, signingBytes(request, party, time, nonce), sig, { legacy: false })) {
    throw new NodeError('PEER_UNAUTHENTICATED', `signature of party ${party} does not verify`);
  }
  return Object.freeze({ party, nonce, expiresAt: new Date(at + MAX_SKEW_MS) });
}

/**
 * Checks a signed peer request and returns the party id it claims (see
 * `checkPeerRequest`, which also gives the nonce for replay protection).
 */
export function verifyPeerRequest(
  request: PeerRequest,
  headers: Headers,
  keyOf: (party: string) => string | undefined,
  now: Date,
): string {
  return checkPeerRequest(request, headers, keyOf, now).party;
}

/** Canonical base64url of exactly 16 bytes (one text per nonce, so a replay cannot re-encode it). */
function isNonce(value: unknown): value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(value)) return false;
  return Buffer.from(value, 'base64url').toString('base64url') === value;
}
