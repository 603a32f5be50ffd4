/** The peer client's answers to a peer that does not speak the protocol. */
import { describe, expect, it } from 'vitest';
import { keyPairFromSeed } from '../ledger/index.ts';
import { PeerClient } from './peer-client.ts';

const client = (answer: () => Promise<Response>) =>
  new PeerClient({
    party: 'acme',
    keys: keyPairFromSeed(new Uint8Array(32).fill(3)),
    now: () => new Date('2026-03-01T00:00:00Z'),
    fetch: () => answer(),
  });

describe('PeerClient', () => {
  it('names a body that is not JSON, an error answer, and a peer that cannot be reached', async () => {
    await expect(
      client(async () => new Response('<html>proxy</html>', { status: 200 })).request(
        'http://p',
        'GET',
        '/x',
      ),
    ).rejects.toMatchObject({ code: 'PEER_REJECTED', details: { status: 200 } });
    await expect(
      client(async () => new Response('{"code":"NOT_FOUND","message":"no"}', { status: 404 })).request(
        'http://p',
        'GET',
        '/x',
      ),
    ).rejects.toMatchObject({ code: 'PEER_REJECTED', details: { status: 404, peerCode: 'NOT_FOUND' } });
    await expect(
      client(() => Promise.reject(new TypeError('fetch failed'))).request('http://p', 'POST', '/x', {}),
    ).rejects.toMatchObject({ code: 'PEER_UNREACHABLE' });
    expect(
      await client(async () => new Response('{"ok":true}', { status: 200 })).request('http://p', 'GET', '/x'),
    ).toEqual({ ok: true });
  });
});
