/**
 * Trust in counterparties: only a pinned or registered key and endpoint are
 * taken; proposals wait unless the policy accepts them, bounded per party;
 * a nonce is taken once within its window.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../ledger/index.ts';
import { openStore, type PeerRecord, type Store } from '../../store/index.ts';
import { rejection } from './access.fixtures.ts';
import { admitProposal, NonceGuard, sameEndpoint, trustedPeer } from './trust.ts';

const now = new Date('2026-03-01T12:00:00.000Z');
const key = generateKeyPair().publicKey;
const rotated = generateKeyPair().publicKey;

function pinned(overrides: Partial<PeerRecord> = {}): PeerRecord {
  return {
    party: 'globex',
    key,
    endpoint: 'https://globex.example',
    source: 'pinned',
    policy: 'approve',
    addedAt: now.toISOString(),
    ...overrides,
  };
}

describe('trust', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  describe('trustedPeer', () => {
    const claim = { party: 'globex', key, endpoint: 'HTTPS://globex.example/' };

    it('takes a pinned key and endpoint, and refuses each mismatch with its code', async () => {
      await store.putPeer(pinned());
      expect(await trustedPeer(store, claim, { now })).toEqual(pinned());
      expect(await rejection(trustedPeer(store, { ...claim, party: 'initech' }, { now }))).toMatchObject({
        code: 'PEER_UNKNOWN',
        status: 403,
      });
      expect(await rejection(trustedPeer(store, { ...claim, key: rotated }, { now }))).toMatchObject({
        code: 'PEER_KEY_MISMATCH',
      });
      expect(
        await rejection(trustedPeer(store, { ...claim, endpoint: 'https://evil.example' }, { now })),
      ).toMatchObject({ code: 'PEER_ENDPOINT_MISMATCH' });
    });

    it('asks the registry for an unpinned party, keeps and refreshes its answer, never over a pin', async () => {
      let registered = { key, endpoint: 'https://globex.example' };
      const registry = async (party: string) => (party === 'globex' ? registered : undefined);
      expect(await trustedPeer(store, claim, { registry, now })).toMatchObject({
        source: 'chain',
        policy: 'approve',
      });
      await store.putPeer({ ...(await store.getPeer('globex'))!, policy: 'accept' });
      registered = { key: rotated, endpoint: 'https://globex.example' };
      expect(await trustedPeer(store, { ...claim, key: rotated }, { registry, now })).toMatchObject({
        key: rotated,
        policy: 'accept',
      });
      expect(await rejection(trustedPeer(store, claim, { registry, now }))).toMatchObject({
        code: 'PEER_KEY_MISMATCH',
      });

      const gone = async () => undefined;
      expect(await rejection(trustedPeer(store, claim, { registry: gone, now }))).toMatchObject({
        code: 'PEER_UNKNOWN',
      });
      expect(await store.getPeer('globex')).toBeUndefined();

      await store.putPeer(pinned());
      expect((await trustedPeer(store, claim, { registry, now })).source).toBe('pinned');
      expect((await trustedPeer(store, claim, { registry: gone, now })).source).toBe('pinned');
      expect(
        await rejection(trustedPeer(store, { ...claim, party: 'initech' }, { registry, now })),
      ).toMatchObject({
        code: 'PEER_UNKNOWN',
      });
    });

    it('compares endpoints as URLs', () => {
      expect(sameEndpoint('https://a.example/', 'HTTPS://A.example')).toBe(true);
      expect(sameEndpoint('https://a.example/x', 'https://a.example/y')).toBe(false);
      expect(sameEndpoint('not a url', 'not a url')).toBe(false);
    });
  });

  describe('admitProposal', () => {
    const proposal = (n: number) => ({ id: n.toString(16).padStart(64, '0'), proposal: { n } });

    it('holds a proposal for approval, answers the same again, and bounds the pending ones per party', async () => {
      const peer = pinned();
      expect(await admitProposal(store, peer, proposal(1), { now, maxPending: 2 })).toEqual({
        decision: 'pending',
      });
      expect(await admitProposal(store, peer, proposal(1), { now, maxPending: 2 })).toEqual({
        decision: 'pending',
      });
      expect(await admitProposal(store, peer, proposal(2), { now, maxPending: 2 })).toEqual({
        decision: 'pending',
      });
      expect(await rejection(admitProposal(store, peer, proposal(3), { now, maxPending: 2 }))).toMatchObject({
        code: 'PROPOSALS_TOO_MANY',
        status: 429,
      });
      await store.setProposalStatus(proposal(1).id, 'declined', now.toISOString());
      expect(await admitProposal(store, peer, proposal(1), { now, maxPending: 2 })).toEqual({
        decision: 'declined',
      });
      expect(await admitProposal(store, peer, proposal(3), { now, maxPending: 2 })).toEqual({
        decision: 'pending',
      });
      expect(await store.countPendingProposals('globex')).toBe(2);
    });

    it('accepts at once under an accept policy, storing nothing', async () => {
      expect(await admitProposal(store, pinned({ policy: 'accept' }), proposal(1), { now })).toEqual({
        decision: 'accept',
      });
      expect(await store.listProposals()).toEqual([]);
    });
  });

  describe('NonceGuard', () => {
    it('refuses a nonce seen within the window, takes it again once the window has closed', async () => {
      const guard = new NonceGuard(store, 60_000);
      const at = (ms: number) => new Date(now.getTime() + ms);
      await guard.check('globex', 'n1', now, now);
      await guard.check('initech', 'n1', now, now);
      expect(await rejection(guard.check('globex', 'n1', now, at(59_999)))).toMatchObject({
        code: 'NONCE_REPLAYED',
        status: 409,
      });
      // Past the window the request's time fails peer-auth's check; the nonce is pruned, not needed.
      await guard.check('globex', 'n1', at(120_000), at(120_000));
    });
  });
});
