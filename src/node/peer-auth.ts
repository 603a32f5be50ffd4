/**
 * Authentication of node-to-node requests. The caller signs
 * `{method, path, time, body}` (body as its SHA-256) with its Ed25519 entry key;
 * the receiver looks up the key the bilateral binds to the counterparty and
 * checks the signature and that the time is within a skew window, so a captured
 * request cannot be replayed later.
 */
import { canonicalBytes, type KeyPair, sha256Hex, sign, verify } from '../ledger/index.ts';
import { NodeError } from './errors.ts';

export const PEER_PARTY_HEADER = 'x-sb-party';
export const PEER_TIME_HEADER = 'x-sb-time';
export const PEER_SIGNATURE_HEADER = 'x-sb-signature';

/** How far a request's clock may be from ours. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

export interface PeerRequest {
  readonly method: string;
  /** Path with query string, as sent. */
  readonly path: string;
  readonly body: string;
}

function signingBytes(request: PeerRequest, party: string, time: string): Uint8Array {
  return canonicalBytes({
    method: request.method.toUpperCase(),
    path: request.path,
    party,
    time,
    body: sha256Hex(request.body),
  });
}

export function signPeerRequest(
  request: PeerRequest,
  party: string,
  keys: KeyPair,
  now: Date,
): Record<string, string> {
  const time = now.toISOString();
  return {
    [PEER_PARTY_HEADER]: party,
    [PEER_TIME_HEADER]: time,
    [PEER_SIGNATURE_HEADER]: sign(keys.privateKey, signingBytes(request, party, time)),
  };
}

/**
 * Checks a signed peer request and returns the party id it claims. `keyOf`
 * resolves the key that party must have signed with (undefined: unknown party).
 */
export function verifyPeerRequest(
  request: PeerRequest,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  keyOf: (party: string) => string | undefined,
  now: Date,
): string {
  const party = headers[PEER_PARTY_HEADER];
  const time = headers[PEER_TIME_HEADER];
  const sig = headers[PEER_SIGNATURE_HEADER];
  if (typeof party !== 'string' || typeof time !== 'string' || typeof sig !== 'string') {
    throw new NodeError('PEER_UNAUTHENTICATED', 'peer request is not signed');
  }
  const at = Date.parse(time);
  if (Number.isNaN(at) || Math.abs(at - now.getTime()) > MAX_SKEW_MS) {
    throw new NodeError('PEER_UNAUTHENTICATED', `peer request time ${time} is outside the allowed skew`);
  }
  const key = keyOf(party);
  if (key === undefined) {
    throw new NodeError('PEER_FORBIDDEN', `party ${party} is not a counterparty of this bilateral`);
  }
  if (!verify(key, signingBytes(request, party, time), sig)) {
    throw new NodeError('PEER_UNAUTHENTICATED', `signature of party ${party} does not verify`);
  }
  return party;
}
