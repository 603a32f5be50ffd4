import { describe, expect, it } from 'vitest';
import { hashJson, type JsonValue } from '../ledger/index.ts';
import { factsSlice } from './facts.ts';
import { invoicesSlice } from './invoices.ts';
import { stateSlices } from './registry.ts';
import { agreedState, type SliceInput, type StateSlice } from './state.ts';

/** A slice as a future capability would add one: absent while it has no entries. */
const disputes: StateSlice = {
  name: 'disputes',
  kinds: ['dispute.raised'],
  reads: 'count',
  derive: (count): JsonValue | undefined => (count === 0 ? undefined : { open: count }),
};

describe('the agreed state', () => {
  const inputs = new Map<string, SliceInput>([['facts', { count: 7, entries: [] }]]);

  it('is the facts count and the invoices, as checkpoints have always hashed it', () => {
    expect(agreedState(stateSlices, inputs)).toEqual({ facts: 7, invoices: [] });
    expect(stateSlices).toEqual([factsSlice, invoicesSlice]);
  });

  it('keeps its hash when a new kind’s slice is empty, so upgraded and older nodes co-sign alike', () => {
    const before = hashJson(agreedState(stateSlices, inputs));
    const upgraded = [...stateSlices, disputes];
    expect(hashJson(agreedState(upgraded, inputs))).toBe(before);
    const withDispute = new Map(inputs).set('disputes', { count: 1, entries: [] });
    expect(agreedState(upgraded, withDispute)).toEqual({ facts: 7, invoices: [], disputes: { open: 1 } });
    expect(hashJson(agreedState(upgraded, withDispute))).not.toBe(before);
  });
});
