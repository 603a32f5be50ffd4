/**
 * The agreed state a co-signed checkpoint fingerprints beside its record
 * root, built from slices: each slice names the kinds it folds and derives
 * its value from them. Both nodes derive it from the same entries.
 *
 * Why a slice may be absent: a slice that returns `undefined` is left out of
 * the state object, so adding a capability with new kinds leaves the state
 * (and its hash) of every bilateral that has none of them exactly as it was —
 * an upgraded node keeps co-signing with one that does not know the kinds.
 * The two original slices, `facts` and `invoices`, are always present, as
 * they always were.
 */
import type { JsonValue } from '../ledger/index.ts';
import type { HeldEntry } from './kind.ts';

export interface StateSlice {
  readonly name: string;
  /** The entry kinds folded into this slice. */
  readonly kinds: readonly string[];
  /** `count`: only how many such entries there are; `entries`: the entries themselves. */
  readonly reads: 'count' | 'entries';
  /** The slice's value; `undefined` leaves it out of the state. */
  derive(count: number, entries: readonly HeldEntry[]): JsonValue | undefined;
}

/** What a slice was given: how many entries of its kinds, and (for `entries` slices) those entries. */
export interface SliceInput {
  readonly count: number;
  readonly entries: readonly HeldEntry[];
}

/** The state object of `slices` over their inputs (a missing input is an empty slice). */
export function agreedState(
  slices: readonly StateSlice[],
  inputs: ReadonlyMap<string, SliceInput>,
): Record<string, JsonValue> {
  const state: Record<string, JsonValue> = {};
  for (const slice of slices) {
    const input = inputs.get(slice.name);
    const value = slice.derive(input?.count ?? 0, input?.entries ?? []);
    if (value !== undefined) state[slice.name] = value;
  }
  return state;
}

/**
 * A slice that is only the number of entries of `kinds`, left out while
 * there are none: cheap to keep at any volume, and enough for a third party
 * holding a proof of every such entry to know it was given all of them.
 */
export function countSlice(name: string, kinds: readonly string[]): StateSlice {
  return {
    name,
    kinds,
    reads: 'count',
    derive: (count) => (count === 0 ? undefined : count),
  };
}
