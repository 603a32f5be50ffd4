/**
 * The conformance suite of the access tables (credentials, audit log, peer
 * directory, pending proposals, peer nonces), part of `describeStore`, so it
 * runs on every engine. Concurrency cases fire the racing calls through one
 * store: on PostgreSQL they run on separate pooled connections.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from './store.conformance.ts';
import { hex } from './store.fixtures.ts';
import type { AuditInput, CredentialRecord, PeerRecord, Store } from './types.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T01:00:00.000Z';
const T2 = '2026-01-01T02:00:00.000Z';

function credential(n: number, overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    id: `c${String(n).padStart(11, '0')}`,
    name: `credential ${n}`,
    role: 'operator',
    bilaterals: null,
    party: null,
    tokenHash: hex(`token/${n}`),
    createdAt: T0,
    expiresAt: null,
    revokedAt: null,
    createdBy: 'cli:root',
    ...overrides,
  };
}

function audit(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    at: T0,
    actor: 'c00000000001',
    action: 'facts.record',
    bilateral: hex('b1'),
    request: { facts: 1 },
    result: { entries: [{ author: 'seller.example', seq: 3 }] },
    outcome: 'ok',
    code: null,
    ...overrides,
  };
}

/** A valid Ed25519 public key's base64url (any 32 bytes are accepted as a key's encoding). */
const KEY = Buffer.alloc(32, 7).toString('base64url');

function peer(party: string, overrides: Partial<PeerRecord> = {}): PeerRecord {
  return {
    party,
    key: KEY,
    endpoint: `https://${party}/peer`,
    source: 'pinned',
    policy: 'approve',
    addedAt: T0,
    ...overrides,
  };
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  throw new Error('expected a rejection');
}

/**
 * Fresh stores for a suite's tests, each closed after its test (a reopened
 * one too): `const fresh = freshStores(open)` inside a `describe`.
 */
export function freshStores(
  open: () => Promise<OpenedStore>,
): () => Promise<{ store: Store; reopen: () => Promise<Store> }> {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  return async () => {
    const { store, reopen } = await open();
    opened.push(store);
    return {
      store,
      reopen: async () => {
        const again = await reopen();
        opened.push(again);
        return again;
      },
    };
  };
}

export type { OpenedStore };

export function describeAccess(open: () => Promise<OpenedStore>): void {
  describe('access tables', () => {
    const fresh = freshStores(open);

    describe('credentials', () => {
      it('round-trips put, get by id and by hash, and lists oldest first', async () => {
        const { store } = await fresh();
        const scoped = credential(2, {
          role: 'financier',
          bilaterals: [hex('b2'), hex('b1')],
          party: 'bank.example',
          createdAt: T1,
          expiresAt: T2,
          createdBy: null,
        });
        await store.putCredential(scoped);
        await store.putCredential(credential(1));
        expect(await store.getCredential(scoped.id)).toEqual(scoped);
        expect(await store.getCredentialByHash(scoped.tokenHash)).toEqual(scoped);
        expect(await store.getCredential('nope')).toBeUndefined();
        expect(await store.getCredentialByHash(hex('unknown'))).toBeUndefined();
        expect(await store.listCredentials()).toEqual([credential(1), scoped]);
      });

      it('takes the same record again as a no-op and refuses another with its id or token', async () => {
        const { store } = await fresh();
        await store.putCredential(credential(1));
        await store.putCredential(credential(1));
        expect(await code(store.putCredential(credential(1, { role: 'admin' })))).toBe(
          'STORE_CREDENTIAL_CONFLICT',
        );
        expect(await code(store.putCredential(credential(2, { tokenHash: credential(1).tokenHash })))).toBe(
          'STORE_CREDENTIAL_CONFLICT',
        );
        expect(await store.listCredentials()).toEqual([credential(1)]);
      });

      it('lets exactly one of two concurrent puts of one token win', async () => {
        const { store } = await fresh();
        const results = await Promise.allSettled([
          store.putCredential(credential(1)),
          store.putCredential(credential(2, { tokenHash: credential(1).tokenHash })),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(await store.listCredentials()).toHaveLength(1);
      });

      it('names each invalid field', async () => {
        const { store } = await fresh();
        const bad = [
          credential(1, { role: 'root' as CredentialRecord['role'] }),
          credential(1, { bilaterals: [] }),
          credential(1, { bilaterals: ['a', 'a'] }),
          credential(1, { role: 'financier' }),
          credential(1, { party: 'bank.example' }),
          credential(1, { tokenHash: 'secret' }),
          credential(1, { createdAt: '2026-01-01T00:00:00Z' }),
          credential(1, { expiresAt: 'tomorrow' }),
          credential(1, { id: '' }),
        ];
        for (const record of bad)
          expect(await code(store.putCredential(record))).toBe('STORE_BAD_CREDENTIAL');
        expect(await store.listCredentials()).toEqual([]);
      });

      it('revokes once, at the first time, and reports unknown ids', async () => {
        const { store } = await fresh();
        await store.putCredential(credential(1));
        expect(await store.revokeCredential(credential(1).id, T1)).toEqual(credential(1, { revokedAt: T1 }));
        expect((await store.revokeCredential(credential(1).id, T2))?.revokedAt).toBe(T1);
        expect(await store.revokeCredential('c99999999999', T1)).toBeUndefined();
        expect(await code(store.revokeCredential(credential(1).id, 'now'))).toBe('STORE_BAD_CREDENTIAL');
      });

      it('brings an expiry forward but never pushes it back', async () => {
        const { store } = await fresh();
        await store.putCredential(credential(1));
        expect((await store.expireCredential(credential(1).id, T2))?.expiresAt).toBe(T2);
        expect((await store.expireCredential(credential(1).id, T1))?.expiresAt).toBe(T1);
        expect((await store.expireCredential(credential(1).id, T2))?.expiresAt).toBe(T1);
        expect(await store.expireCredential('c99999999999', T1)).toBeUndefined();
        expect((await store.getCredential(credential(1).id))?.revokedAt).toBeNull();
      });
    });

    describe('audit log', () => {
      it('appends with increasing seqs and reads back by bilateral, actor and page', async () => {
        const { store } = await fresh();
        const records = [
          audit(),
          audit({
            actor: 'cli:root',
            action: 'credentials.create',
            bilateral: null,
            request: { role: 'admin' },
          }),
          audit({ bilateral: hex('b2'), outcome: 'refused', code: 'ACCESS_DENIED', result: null }),
          audit({ at: T1, request: undefined }),
        ];
        const seqs: number[] = [];
        for (const record of records) seqs.push(await store.appendAudit(record));
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(4);
        const all = await store.listAudit({ limit: 10 });
        expect(all.map((r) => r.seq)).toEqual(seqs);
        expect(all[1]).toEqual({ ...records[1], seq: seqs[1] });
        expect(all[3]?.request).toBeNull();
        expect((await store.listAudit({ bilateral: hex('b1'), limit: 10 })).map((r) => r.seq)).toEqual([
          seqs[0],
          seqs[3],
        ]);
        expect((await store.listAudit({ actor: 'cli:root', limit: 10 })).map((r) => r.action)).toEqual([
          'credentials.create',
        ]);
        expect((await store.listAudit({ fromSeq: seqs[1]!, limit: 2 })).map((r) => r.seq)).toEqual([
          seqs[1],
          seqs[2],
        ]);
        expect(await store.listAudit({ fromSeq: 2 ** 40, limit: 10 })).toEqual([]);
        expect(await store.listAudit({ fromSeq: -5, limit: 1 })).toHaveLength(1);
      });

      it('refuses bad records and queries, naming the field', async () => {
        const { store } = await fresh();
        for (const record of [
          audit({ at: 'yesterday' }),
          audit({ actor: '' }),
          audit({ outcome: 'maybe' as AuditInput['outcome'] }),
          audit({ outcome: 'refused' }),
          audit({ code: 'ACCESS_DENIED' }),
        ]) {
          expect(await code(store.appendAudit(record))).toBe('STORE_BAD_AUDIT');
        }
        for (const limit of [0, 1001, 1.5])
          expect(await code(store.listAudit({ limit }))).toBe('STORE_BAD_AUDIT');
        expect(await store.listAudit({ limit: 10 })).toEqual([]);
      });

      it('appends many records at once, in order, or none when one is bad', async () => {
        const { store } = await fresh();
        const many = Array.from({ length: 1203 }, (_, i) => audit({ request: { i } }));
        const seqs = await store.appendAudits(many);
        expect(seqs).toHaveLength(1203);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        const stored = [];
        for (let from = 0; ; ) {
          const page = await store.listAudit({ fromSeq: from, limit: 1000 });
          stored.push(...page);
          if (page.length < 1000) break;
          from = page.at(-1)!.seq + 1;
        }
        expect(stored.map((r) => (r.request as { i: number }).i)).toEqual(many.map((_, i) => i));
        expect(stored.map((r) => r.seq)).toEqual(seqs);
        expect(await code(store.appendAudits([audit(), audit({ actor: '' })]))).toBe('STORE_BAD_AUDIT');
        expect(await store.appendAudits([])).toEqual([]);
        const after = await store.listAudit({ fromSeq: seqs.at(-1)! + 1, limit: 10 });
        expect(after).toEqual([]);
      });

      it('keeps every record of concurrent appends, each with its own seq', async () => {
        const { store, reopen } = await fresh();
        const seqs = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.appendAudit(audit({ request: { i } }))),
        );
        expect(new Set(seqs).size).toBe(20);
        const again = await reopen();
        expect(await again.listAudit({ limit: 100 })).toHaveLength(20);
      });
    });

    describe('peer directory', () => {
      it('puts, replaces, lists by party and removes', async () => {
        const { store } = await fresh();
        await store.putPeer(peer('z.example'));
        await store.putPeer(peer('a.example', { source: 'chain', policy: 'accept' }));
        expect(await store.getPeer('a.example')).toEqual(
          peer('a.example', { source: 'chain', policy: 'accept' }),
        );
        expect(await store.getPeer('nobody')).toBeUndefined();
        const moved = peer('z.example', { endpoint: 'http://10.0.0.2:7000', policy: 'accept', addedAt: T1 });
        await store.putPeer(moved);
        expect(await store.listPeers()).toEqual([
          peer('a.example', { source: 'chain', policy: 'accept' }),
          moved,
        ]);
        expect(await store.removePeer('z.example')).toBe(true);
        expect(await store.removePeer('z.example')).toBe(false);
        expect((await store.listPeers()).map((p) => p.party)).toEqual(['a.example']);
      });

      it('refuses a bad key, endpoint, source or policy', async () => {
        const { store } = await fresh();
        for (const record of [
          peer('p', { key: 'not-a-key' }),
          peer('p', { endpoint: 'ftp://p' }),
          peer('p', { endpoint: 'p:7000/x' }),
          peer('p', { source: 'message' as PeerRecord['source'] }),
          peer('p', { policy: 'always' as PeerRecord['policy'] }),
          peer('', {}),
        ]) {
          expect(await code(store.putPeer(record))).toBe('STORE_BAD_PEER');
        }
        expect(await store.listPeers()).toEqual([]);
      });
    });

    describe('pending proposals', () => {
      const proposal = (n: number, party = 'buyer.example', receivedAt = T0) => ({
        id: hex(`proposal/${n}`),
        party,
        receivedAt,
        proposal: { terms: { n }, endpoint: `https://${party}` },
      });

      it('holds a proposal once, lists by status, counts pending per party', async () => {
        const { store } = await fresh();
        expect(await store.putProposal(proposal(1))).toBe(true);
        expect(await store.putProposal({ ...proposal(1), proposal: { other: true } })).toBe(false);
        expect(await store.putProposal(proposal(2, 'buyer.example', T1))).toBe(true);
        expect(await store.putProposal(proposal(3, 'other.example'))).toBe(true);
        expect(await store.getProposal(proposal(1).id)).toEqual({
          ...proposal(1),
          status: 'pending',
          decidedAt: null,
        });
        expect(await store.getProposal(hex('none'))).toBeUndefined();
        expect(await store.countPendingProposals('buyer.example')).toBe(2);
        expect(await store.countPendingProposals('nobody')).toBe(0);
        expect((await store.listProposals()).map((p) => p.id)).toEqual(
          [proposal(1).id, proposal(3).id].sort().concat(proposal(2).id),
        );
      });

      it('decides a pending proposal once', async () => {
        const { store } = await fresh();
        await store.putProposal(proposal(1));
        await store.putProposal(proposal(2));
        expect(await store.setProposalStatus(proposal(1).id, 'accepted', T1)).toBe(true);
        expect(await store.setProposalStatus(proposal(1).id, 'declined', T2)).toBe(false);
        expect(await store.setProposalStatus(hex('none'), 'declined', T2)).toBe(false);
        expect(await store.getProposal(proposal(1).id)).toMatchObject({ status: 'accepted', decidedAt: T1 });
        expect(await store.countPendingProposals('buyer.example')).toBe(1);
        expect((await store.listProposals({ status: 'accepted' })).map((p) => p.id)).toEqual([
          proposal(1).id,
        ]);
        expect((await store.listProposals({ status: 'pending' })).map((p) => p.id)).toEqual([proposal(2).id]);
        expect(await store.listProposals({ status: 'declined' })).toEqual([]);
        // A proposal received again after its decision stays decided.
        expect(await store.putProposal(proposal(1))).toBe(false);
        expect((await store.getProposal(proposal(1).id))?.status).toBe('accepted');
      });

      it('lets one of two concurrent decisions win', async () => {
        const { store } = await fresh();
        await store.putProposal(proposal(1));
        const outcomes = await Promise.all([
          store.setProposalStatus(proposal(1).id, 'accepted', T1),
          store.setProposalStatus(proposal(1).id, 'declined', T1),
        ]);
        expect(outcomes.filter(Boolean)).toHaveLength(1);
      });

      it('refuses bad input', async () => {
        const { store } = await fresh();
        expect(await code(store.putProposal({ ...proposal(1), receivedAt: 'now' }))).toBe(
          'STORE_BAD_PROPOSAL',
        );
        expect(await code(store.putProposal({ ...proposal(1), proposal: undefined }))).toBe(
          'STORE_BAD_PROPOSAL',
        );
        expect(await code(store.setProposalStatus(proposal(1).id, 'pending' as 'accepted', T1))).toBe(
          'STORE_BAD_PROPOSAL',
        );
        expect(await code(store.listProposals({ status: 'open' as 'pending' }))).toBe('STORE_BAD_PROPOSAL');
      });
    });

    describe('peer nonces', () => {
      it('remembers a nonce once per party, forgets it when pruned after expiry', async () => {
        const { store, reopen } = await fresh();
        expect(await store.rememberNonce('a.example', 'n1', T1)).toBe(true);
        expect(await store.rememberNonce('a.example', 'n1', T2)).toBe(false);
        expect(await store.rememberNonce('b.example', 'n1', T1)).toBe(true);
        expect(await store.rememberNonce('a.example', 'n2', T2)).toBe(true);
        const again = await reopen();
        expect(await again.rememberNonce('a.example', 'n1', T2)).toBe(false);
        expect(await again.pruneNonces(T0)).toBe(0);
        expect(await again.pruneNonces(T1)).toBe(2);
        expect(await again.rememberNonce('a.example', 'n1', T2)).toBe(true);
        expect(await again.rememberNonce('a.example', 'n2', T2)).toBe(false);
      });

      it('gives exactly one of many concurrent calls with one nonce true', async () => {
        const { store } = await fresh();
        const results = await Promise.all(
          Array.from({ length: 16 }, () => store.rememberNonce('a.example', 'race', T1)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('refuses a bad party, nonce or time', async () => {
        const { store } = await fresh();
        expect(await code(store.rememberNonce('', 'n', T1))).toBe('STORE_BAD_NONCE');
        expect(await code(store.rememberNonce('a', '', T1))).toBe('STORE_BAD_NONCE');
        expect(await code(store.rememberNonce('a', 'n'.repeat(129), T1))).toBe('STORE_BAD_NONCE');
        expect(await code(store.rememberNonce('a', 'n', '2026-01-01'))).toBe('STORE_BAD_NONCE');
        expect(await code(store.pruneNonces('later'))).toBe('STORE_BAD_NONCE');
      });
    });
  });
}
