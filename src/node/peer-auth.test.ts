import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, keyPairFromSeed, sha256Hex, sign, signIn } from '../ledger/index.ts';
import { NodeError } from './errors.ts';
import {
  checkPeerRequest,
  MAX_SKEW_MS,
  PEER_NONCE_HEADER,
  PEER_SIGNATURE_HEADER,
  PEER_TIME_HEADER,
  type PeerRequest,
  peerNonce,
  signPeerRequest,
  verifyPeerRequest,
} from './peer-auth.ts';

const keys = keyPairFromSeed(new Uint8Array(32).fill(7));
const other = keyPairFromSeed(new Uint8Array(32).fill(8));
const now = new Date('2026-03-01T12:00:00.000Z');
const request: PeerRequest = { method: 'post', path: '/peer/bilaterals/abc/checkpoints', body: '{"x":1}' };
const keyOf = (party: string) => (party === 'acme' ? keys.publicKey : undefined);
const nonce = 'AAECAwQFBgcICQoLDA0ODw';

const codeOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NodeError);
    return (error as NodeError).code;
  }
  throw new Error('did not throw');
};

describe('peer request authentication', () => {
  it('checks a signed request: party, nonce, and when a replay would expire anyway', () => {
    const headers = signPeerRequest(request, 'acme', keys, now, nonce);
    expect(headers[PEER_SIGNATURE_HEADER]).toMatch(/^sb2\./);
    const later = new Date(now.getTime() + 1000);
    expect(checkPeerRequest(request, headers, keyOf, later)).toEqual({
      party: 'acme',
      nonce,
      expiresAt: new Date(now.getTime() + MAX_SKEW_MS),
    });
    expect(verifyPeerRequest(request, headers, keyOf, later)).toBe('acme');
  });

  it('a fresh nonce per request: 16 random bytes, base64url', () => {
    const a = signPeerRequest(request, 'acme', keys, now)[PEER_NONCE_HEADER]!;
    const b = signPeerRequest(request, 'acme', keys, now)[PEER_NONCE_HEADER]!;
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(16);
    expect(a).not.toBe(b);
    expect(peerNonce()).not.toBe(peerNonce());
    expect(() => signPeerRequest(request, 'acme', keys, now, 'short')).toThrow(RangeError);
  });

  it('PEER_UNAUTHENTICATED: a missing or malformed nonce', () => {
    const headers = signPeerRequest(request, 'acme', keys, now, nonce);
    const { [PEER_NONCE_HEADER]: _, ...without } = headers;
    expect(codeOf(() => checkPeerRequest(request, without, keyOf, now))).toBe('PEER_UNAUTHENTICATED');
    // 'AAECAwQFBgcICQoLDA0ODx' decodes to the same 16 bytes: not the canonical text.
    for (const bad of [
      '',
      'AAECAwQFBgcICQoLDA0O',
      'AAECAwQFBgcICQoLDA0ODx',
      'AAECAwQFBgcICQoLDA0OD+',
      [nonce, nonce],
    ]) {
      expect(
        codeOf(() => checkPeerRequest(request, { ...headers, [PEER_NONCE_HEADER]: bad }, keyOf, now)),
      ).toBe('PEER_UNAUTHENTICATED');
    }
  });

  it('the nonce, method, path, body and time are all signed', () => {
    const headers = signPeerRequest(request, 'acme', keys, now, nonce);
    const changed: [PeerRequest, Record<string, string>][] = [
      [request, { ...headers, [PEER_NONCE_HEADER]: 'AQECAwQFBgcICQoLDA0ODw' }],
      [request, { ...headers, [PEER_TIME_HEADER]: new Date(now.getTime() + 1).toISOString() }],
      [{ ...request, method: 'GET' }, headers],
      [{ ...request, path: '/peer/bilaterals/abd/checkpoints' }, headers],
      [{ ...request, body: '{"x":2}' }, headers],
    ];
    for (const [req, h] of changed) {
      expect(codeOf(() => checkPeerRequest(req, h, keyOf, now))).toBe('PEER_UNAUTHENTICATED');
    }
    // The method is compared upper-cased, as sent on the wire.
    expect(checkPeerRequest({ ...request, method: 'POST' }, headers, keyOf, now).party).toBe('acme');
  });

  it('refuses an old time, an unknown party, another key, a legacy or another domain’s signature', () => {
    const headers = signPeerRequest(request, 'acme', keys, now, nonce);
    const late = new Date(now.getTime() + MAX_SKEW_MS + 1);
    expect(codeOf(() => checkPeerRequest(request, headers, keyOf, late))).toBe('PEER_UNAUTHENTICATED');
    expect(codeOf(() => checkPeerRequest(request, { ...headers, 'x-sb-party': 'mallory' }, keyOf, now))).toBe(
      'PEER_FORBIDDEN',
    );
    const forged = signPeerRequest(request, 'acme', other, now, nonce);
    expect(codeOf(() => checkPeerRequest(request, forged, keyOf, now))).toBe('PEER_UNAUTHENTICATED');
    const bytes = canonicalBytes({
      method: 'POST',
      path: request.path,
      party: 'acme',
      time: now.toISOString(),
      nonce,
      body: sha256Hex(request.body),
    });
    for (const sig of [sign(keys.privateKey, bytes), signIn('entry', bytes, keys)]) {
      expect(
        codeOf(() => checkPeerRequest(request, { ...headers, [PEER_SIGNATURE_HEADER]: sig }, keyOf, now)),
      ).toBe('PEER_UNAUTHENTICATED');
    }
    expect(
      checkPeerRequest(
        request,
        { ...headers, [PEER_SIGNATURE_HEADER]: signIn('peer-request', bytes, keys) },
        keyOf,
        now,
      ).party,
    ).toBe('acme');
  });

  it('signs the ledger golden vector of the peer-request domain', () => {
    const vectors = JSON.parse(readFileSync(new URL('../ledger/vectors.json', import.meta.url), 'utf8')) as {
      sb2: { domains: { domain: string; seed: string; payload: string; sig: string }[] };
    };
    const vector = vectors.sb2.domains.find((d) => d.domain === 'peer-request')!;
    const payload = JSON.parse(vector.payload) as Record<string, string>;
    expect(payload.body).toBe(sha256Hex(''));
    const headers = signPeerRequest(
      { method: payload.method!, path: payload.path!, body: '' },
      payload.party!,
      keyPairFromSeed(Buffer.from(vector.seed, 'hex')),
      new Date(payload.time!),
      payload.nonce!,
    );
    expect(headers[PEER_SIGNATURE_HEADER]).toBe(vector.sig);
  });
});
