/** Issuing credentials and authenticating tokens, on an in-memory SQLite store. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/index.ts';
import { bilateralRecord } from '../../store/store.fixtures.ts';
import { rejection } from './access.fixtures.ts';
import { authenticate, createToken, hashToken, issueCredential, tokenId } from './credentials.ts';

const now = new Date('2026-03-01T12:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe('credentials', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('makes tokens sbk_<id>_<secret> with fresh ids and secrets', () => {
    const tokens = Array.from({ length: 50 }, createToken);
    for (const { id, token } of tokens) {
      expect(token).toMatch(/^sbk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(tokenId(token)).toBe(id);
    }
    expect(new Set(tokens.map((t) => t.token)).size).toBe(50);
    expect(tokenId('sbk_short_x')).toBeUndefined();
    expect(tokenId(42)).toBeUndefined();
  });

  it('stores only the hash, and authenticates the token it showed once', async () => {
    const record = bilateralRecord('one');
    await store.putBilateral(record);
    const { credential, token } = await issueCredential(store, {
      name: ' billing ',
      role: 'finance',
      bilaterals: [record.id],
      expiresAt: later(60_000),
      createdBy: 'cli:root',
      now,
    });
    expect(credential).toMatchObject({
      name: 'billing',
      role: 'finance',
      bilaterals: [record.id],
      party: null,
      tokenHash: hashToken(token),
      createdAt: now.toISOString(),
      expiresAt: later(60_000).toISOString(),
      revokedAt: null,
      createdBy: 'cli:root',
    });
    expect(JSON.stringify(await store.listCredentials())).not.toContain(token.slice(17));
    expect(await authenticate(store, token, now)).toEqual(credential);
  });

  it('refuses a missing, malformed, unknown or altered token with 401 codes', async () => {
    const { token } = await issueCredential(store, { name: 'ops', role: 'operator', now });
    const other = createToken();
    const swapped = `sbk_${other.id}${token.slice(16)}`;
    const cases: [unknown, string][] = [
      [undefined, 'CREDENTIAL_MISSING'],
      ['', 'CREDENTIAL_MISSING'],
      ['Bearer x', 'CREDENTIAL_INVALID'],
      [`${token}x`, 'CREDENTIAL_INVALID'],
      [other.token, 'CREDENTIAL_INVALID'],
      [swapped, 'CREDENTIAL_INVALID'],
      [{ token }, 'CREDENTIAL_INVALID'],
    ];
    for (const [presented, code] of cases) {
      const error = await rejection(authenticate(store, presented, now));
      expect(error).toMatchObject({ code, status: 401 });
      expect(error.message).not.toContain(token.slice(17));
    }
  });

  it('refuses a revoked token, and an expired one from its expiry on', async () => {
    const revoked = await issueCredential(store, { name: 'a', role: 'auditor', now });
    await store.revokeCredential(revoked.credential.id, now.toISOString());
    expect(await rejection(authenticate(store, revoked.token, now))).toMatchObject({
      code: 'CREDENTIAL_REVOKED',
    });

    const expiring = await issueCredential(store, {
      name: 'b',
      role: 'auditor',
      expiresAt: later(1000),
      now,
    });
    expect((await authenticate(store, expiring.token, later(999))).id).toBe(expiring.credential.id);
    expect(await rejection(authenticate(store, expiring.token, later(1000)))).toMatchObject({
      code: 'CREDENTIAL_EXPIRED',
      status: 401,
    });
    await store.expireCredential(expiring.credential.id, now.toISOString());
    expect(await rejection(authenticate(store, expiring.token, now))).toMatchObject({
      code: 'CREDENTIAL_EXPIRED',
    });
  });

  it('names each bad field of an issue request and stores nothing', async () => {
    const record = bilateralRecord('held');
    await store.putBilateral(record);
    const bad = [
      [{ name: '', role: 'operator' }, 'name'],
      [{ name: 'x'.repeat(201), role: 'operator' }, 'name'],
      [{ name: 'x', role: 'root' }, 'role'],
      [{ name: 'x', role: 'operator', bilaterals: [] }, 'bilaterals'],
      [{ name: 'x', role: 'operator', bilaterals: ['f'.repeat(64)] }, 'bilaterals[0]'],
      [{ name: 'x', role: 'operator', bilaterals: [record.id, record.id] }, 'bilaterals[1]'],
      [{ name: 'x', role: 'financier' }, 'party'],
      [{ name: 'x', role: 'operator', party: 'bank' }, 'party'],
      [{ name: 'x', role: 'operator', expiresAt: now }, 'expiresAt'],
      [{ name: 'x', role: 'operator', expiresAt: new Date('nope') }, 'expiresAt'],
    ] as const;
    for (const [request, path] of bad) {
      const error = await rejection(
        issueCredential(store, { ...request, now } as Parameters<typeof issueCredential>[1]),
      );
      expect(error.code).toBe('ACCESS_BAD_INPUT');
      expect(error.issues).toEqual([expect.objectContaining({ path })]);
    }
    expect(await store.listCredentials()).toEqual([]);
  });

  it('issues a financier credential naming its party', async () => {
    const { credential } = await issueCredential(store, {
      name: 'bank',
      role: 'financier',
      party: 'bank.example',
      now,
    });
    expect(credential.party).toBe('bank.example');
  });
});
