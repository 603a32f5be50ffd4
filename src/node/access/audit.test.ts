/** `audited`: a change and its audit record, a refusal and its code. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BilateralError } from '../../core/index.ts';
import { openStore, type Store } from '../../store/index.ts';
import { audited } from './audit.ts';

const at = new Date('2026-03-01T12:00:00.000Z');
const action = {
  actor: 'c0ffee000001',
  action: 'facts.record',
  bilateral: 'b'.repeat(64),
  request: { n: 1 },
  now: () => at,
};

describe('audited', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await store.close();
  });

  it('records a change with its result', async () => {
    const value = await audited(
      store,
      action,
      async () => ({ seq: 7 }),
      (r) => ({ entries: [r.seq] }),
    );
    expect(value).toEqual({ seq: 7 });
    expect(await store.listAudit({ limit: 10 })).toEqual([
      {
        seq: 1,
        at: at.toISOString(),
        actor: action.actor,
        action: 'facts.record',
        bilateral: action.bilateral,
        request: { n: 1 },
        result: { entries: [7] },
        outcome: 'ok',
        code: null,
      },
    ]);
  });

  it('records a refusal with its code and rethrows it', async () => {
    const refused = new BilateralError('ACCESS_DENIED', 'no');
    await expect(audited(store, action, () => Promise.reject(refused))).rejects.toBe(refused);
    expect(await store.listAudit({ limit: 10 })).toMatchObject([
      { outcome: 'refused', code: 'ACCESS_DENIED', result: null },
    ]);
  });

  it('records nothing for a failure that is not a refusal', async () => {
    await expect(audited(store, action, () => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
    expect(await store.listAudit({ limit: 10 })).toEqual([]);
  });
});
