import { describe, expect, it } from 'vitest';
import { hashJson, type JsonValue } from '../ledger/index.ts';
import { factsSlice } from './facts.ts';
import { invoicesSlice } from './invoices.ts';
import { sliceOf, stateSlices } from './registry.ts';
import { agreedState, type SliceInput, type StateSlice } from './state.ts';

/** A slice as a future capability would add one: absent while it has no entries. */
const future: StateSlice = {
  name: 'future',
  kinds: ['future.kind'],
  reads: 'count',
  derive: (count): JsonValue | undefined => (count === 0 ? undefined : { open: count }),
};

describe('the agreed state', () => {
  const inputs = new Map<string, SliceInput>([['facts', { count: 7, entries: [] }]]);

  it('is the facts count and the invoices, as checkpoints have always hashed it', () => {
    expect(agreedState(stateSlices, inputs)).toEqual({ facts: 7, invoices: [] });
    expect(stateSlices.slice(0, 2)).toEqual([factsSlice, invoicesSlice]);
  });

  it('counts notes, disputes, receipts and nettings only once there are some', () => {
    const some = new Map(inputs)
      .set('disputes', { count: 3, entries: [] })
      .set('receipts', { count: 2, entries: [] })
      .set('notes', { count: 0, entries: [] });
    expect(agreedState(stateSlices, some)).toEqual({ facts: 7, invoices: [], disputes: 3, receipts: 2 });
    expect(sliceOf('dispute.rejected')?.name).toBe('disputes');
    expect(sliceOf('payment.missing')?.name).toBe('receipts');
    expect(sliceOf('note.accepted')?.name).toBe('notes');
    expect(sliceOf('netting.settled')?.name).toBe('nettings');
    expect(sliceOf('usage.batch')).toBeUndefined();
  });

  it('keeps its hash when a new kind’s slice is empty, so upgraded and older nodes co-sign alike', () => {
    const before = hashJson(agreedState(stateSlices, inputs));
    const upgraded = [...stateSlices, future];
    expect(hashJson(agreedState(upgraded, inputs))).toBe(before);
    const withDispute = new Map(inputs).set('future', { count: 1, entries: [] });
    expect(agreedState(upgraded, withDispute)).toEqual({ facts: 7, invoices: [], future: { open: 1 } });
    expect(hashJson(agreedState(upgraded, withDispute))).not.toBe(before);
  });
});
