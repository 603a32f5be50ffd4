/**
 * The access capability's own behaviour over a store: credentials read once
 * per CREDENTIAL_CACHE_MS, changes made through the node seen at once and
 * changes made beside it (another process on the store) within that time;
 * audit records of one burst written together, and read back by the log.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { rejection } from './access.fixtures.ts';
import { Access, CREDENTIAL_CACHE_MS } from './access.ts';

const now = new Date('2026-03-01T12:00:00.000Z');

describe('access', () => {
  let store: Store;
  let access: Access;
  let reads: number;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    reads = 0;
    const counted = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'getCredentialByHash') reads++;
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    access = new Access({ store: counted, now: () => now } as unknown as NodeCore);
  });
  afterEach(async () => {
    await store.close();
  });

  const issue = () => access.issue({ name: 'oss', role: 'operator', createdBy: 'cli:root' });
  const record = (request: unknown, actor = 'c1') =>
    access.audit({
      actor,
      action: 'facts.record',
      bilateral: null,
      request,
      result: null,
      outcome: 'ok',
      code: null,
    });

  it('reads a credential once for a burst of requests', async () => {
    const { token } = await issue();
    const seen = await Promise.all(Array.from({ length: 20 }, () => access.authenticate(token)));
    expect(new Set(seen.map((c) => c.id)).size).toBe(1);
    expect(reads).toBeLessThanOrEqual(20);
    const before = reads;
    await access.authenticate(token);
    expect(reads).toBe(before);
  });

  it('refuses a credential revoked or expired through the node at once', async () => {
    const one = await issue();
    const two = await issue();
    await access.authenticate(one.token);
    await access.authenticate(two.token);
    await access.revoke(one.credential.id);
    await access.expire(two.credential.id, new Date(now.getTime() - 1));
    expect((await rejection(access.authenticate(one.token))).code).toBe('CREDENTIAL_REVOKED');
    expect((await rejection(access.authenticate(two.token))).code).toBe('CREDENTIAL_EXPIRED');
  });

  it('sees a revocation written to the store beside it within CREDENTIAL_CACHE_MS', async () => {
    const { token, credential } = await issue();
    await access.authenticate(token);
    await store.revokeCredential(credential.id, now.toISOString());
    await new Promise((resolve) => setTimeout(resolve, CREDENTIAL_CACHE_MS + 50));
    expect((await rejection(access.authenticate(token))).code).toBe('CREDENTIAL_REVOKED');
  });

  it('writes the audit records of one burst together, in order, and the log reads them at once', async () => {
    const seqs = await Promise.all(Array.from({ length: 30 }, (_, i) => record({ i })));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const pending = record({ i: 30 });
    // Not awaited: reading the log still finds it.
    const log = await access.log({ limit: 100 });
    expect(log.map((r) => (r.request as { i: number }).i)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    expect(await pending).toBe(log.at(-1)!.seq);
  });

  it('keeps a good audit record when another of its burst is refused', async () => {
    const good = record(null);
    const bad = record(null, '');
    expect((await rejection(bad)).code).toBe('STORE_BAD_AUDIT');
    expect(await good).toBeGreaterThan(0);
    expect((await access.log({ limit: 10 })).map((r) => r.actor)).toEqual(['c1']);
  });
});
