/**
 * The conformance suite of the netting table, part of `describeStore`, so it
 * runs on every engine.
 */
import { describe, expect, it } from 'vitest';
import { freshStores, type OpenedStore } from './access.conformance.ts';
import { hex } from './store.fixtures.ts';
import type { NettingAgreementRecord } from './types.ts';

const T0 = '2026-04-10T09:00:00.000Z';

function agreement(name: string, overrides: Partial<NettingAgreementRecord> = {}): NettingAgreementRecord {
  return {
    hash: hex(name),
    type: 'settlement',
    round: null,
    document: { name, amounts: ['1.00', '2.50'] },
    signatures: { acme: 'sb2.a' },
    progress: null,
    createdAt: T0,
    agreedAt: null,
    ...overrides,
  };
}

export function describeNetting(open: () => Promise<OpenedStore>): void {
  describe('netting table', () => {
    const fresh = freshStores(open);

    it('keeps a document as written, takes later signatures and progress, and survives a reopen', async () => {
      const { store, reopen } = await fresh();
      await store.putNettingAgreement(agreement('s1'));
      await store.putNettingAgreement(
        agreement('s1', {
          document: { replaced: true },
          signatures: { acme: 'sb2.a', globex: 'sb2.g' },
          agreedAt: '2026-04-10T09:00:01.000Z',
          progress: { paid: ['P1'] },
        }),
      );
      const again = await reopen();
      const got = await again.getNettingAgreement(hex('s1'));
      expect(got).toEqual(
        agreement('s1', {
          signatures: { acme: 'sb2.a', globex: 'sb2.g' },
          agreedAt: '2026-04-10T09:00:01.000Z',
          progress: { paid: ['P1'] },
        }),
      );
      expect(await again.getNettingAgreement(hex('none'))).toBeUndefined();
    });

    it('lists by type and round, oldest first', async () => {
      const { store } = await fresh();
      await store.putNettingAgreement(
        agreement('r', { type: 'round', round: 'r1', createdAt: '2026-04-10T09:00:02.000Z' }),
      );
      await store.putNettingAgreement(agreement('a', { round: 'r1', createdAt: '2026-04-10T09:00:01.000Z' }));
      await store.putNettingAgreement(agreement('b'));
      expect((await store.listNettingAgreements()).map((r) => r.hash)).toEqual([
        hex('b'),
        hex('a'),
        hex('r'),
      ]);
      expect((await store.listNettingAgreements({ type: 'round' })).map((r) => r.hash)).toEqual([hex('r')]);
      expect((await store.listNettingAgreements({ round: 'r1' })).map((r) => r.hash)).toEqual([
        hex('a'),
        hex('r'),
      ]);
    });

    it('refuses a record that breaks a rule, naming the field, and keeps nothing of it', async () => {
      const { store } = await fresh();
      for (const [bad, path] of [
        [agreement('x', { hash: 'nothex' }), 'hash'],
        [agreement('x', { type: 'other' as never }), 'type'],
        [agreement('x', { createdAt: 'yesterday' }), 'createdAt'],
      ] as const) {
        await expect(store.putNettingAgreement(bad)).rejects.toMatchObject({
          code: 'STORE_BAD_NETTING',
          issues: [expect.objectContaining({ path })],
        });
      }
      expect(await store.listNettingAgreements()).toEqual([]);
    });
  });
}
