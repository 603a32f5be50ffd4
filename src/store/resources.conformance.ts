/**
 * The conformance suite of the resource pools table, part of `describeStore`,
 * so it runs on every engine.
 */
import { describe, expect, it } from 'vitest';
import { freshStores, type OpenedStore } from './access.conformance.ts';
import type { ResourcePoolRecord } from './types.ts';

const T0 = '2026-04-10T09:00:00.000Z';

function pool(id: string, overrides: Partial<ResourcePoolRecord> = {}): ResourcePoolRecord {
  return {
    id,
    kind: 'capacity',
    spec: { unit: 'Mbps', capacity: '10000' },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function describeResourcePools(open: () => Promise<OpenedStore>): void {
  describe('resource pools table', () => {
    const fresh = freshStores(open);

    it('keeps a pool, takes a new spec but never a new kind, and survives a reopen', async () => {
      const { store, reopen } = await fresh();
      await store.putResourcePool(pool('ams-2'));
      await store.putResourcePool(
        pool('ams-1', { kind: 'vlan', spec: { port: 'ams-1', ranges: [[100, 199]] } }),
      );
      await store.putResourcePool(
        pool('ams-2', {
          kind: 'prefix',
          spec: { unit: 'Mbps', capacity: '20000' },
          updatedAt: '2026-04-11T00:00:00.000Z',
        }),
      );
      const again = await reopen();
      expect(await again.getResourcePool('ams-2')).toEqual(
        pool('ams-2', { spec: { unit: 'Mbps', capacity: '20000' }, updatedAt: '2026-04-11T00:00:00.000Z' }),
      );
      expect((await again.listResourcePools()).map((p) => p.id)).toEqual(['ams-1', 'ams-2']);
      expect(await again.getResourcePool('none')).toBeUndefined();
    });

    it('refuses a malformed pool and writes nothing', async () => {
      const { store } = await fresh();
      const bad = pool('', { kind: 'disk' as ResourcePoolRecord['kind'], spec: [] as never, createdAt: 'x' });
      await expect(store.putResourcePool(bad)).rejects.toMatchObject({
        code: 'STORE_BAD_POOL',
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'id' }),
          expect.objectContaining({ path: 'kind' }),
          expect.objectContaining({ path: 'spec' }),
          expect.objectContaining({ path: 'createdAt' }),
        ]),
      });
      expect(await store.listResourcePools()).toEqual([]);
    });
  });

  describe('resource claims table', () => {
    const fresh = freshStores(open);
    const claim = (n: number, bilateral = 'a'.repeat(64)) => ({
      fingerprint: `0x${n.toString(16).padStart(64, '0')}`,
      bilateral,
      name: `vlan:ams-1-vlans:${100 + n}`,
      claimedAt: `2026-04-10T09:00:0${n}.000Z`,
    });

    it('keeps claims across a reopen, once each, and forgets those deleted', async () => {
      const { store, reopen } = await fresh();
      await store.putResourceClaims([claim(2), claim(1)]);
      await store.putResourceClaims([claim(1)]);
      await store.putResourceClaims([claim(1, 'b'.repeat(64))]);
      const again = await reopen();
      expect((await again.listResourceClaims()).map((c) => [c.name, c.bilateral[0]])).toEqual([
        ['vlan:ams-1-vlans:101', 'a'],
        ['vlan:ams-1-vlans:101', 'b'],
        ['vlan:ams-1-vlans:102', 'a'],
      ]);
      await again.deleteResourceClaims([
        claim(1),
        { fingerprint: claim(9).fingerprint, bilateral: 'a'.repeat(64) },
      ]);
      expect((await again.listResourceClaims()).map((c) => c.name)).toEqual([
        'vlan:ams-1-vlans:101',
        'vlan:ams-1-vlans:102',
      ]);
    });

    it('refuses a malformed claim whole, naming the field', async () => {
      const { store } = await fresh();
      await expect(
        store.putResourceClaims([claim(1), { ...claim(2), fingerprint: '0xABC' }]),
      ).rejects.toMatchObject({ code: 'STORE_BAD_CLAIM' });
      expect(await store.listResourceClaims()).toEqual([]);
    });
  });
}
