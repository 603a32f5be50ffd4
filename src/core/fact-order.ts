/**
 * The one order in which facts are considered: by time (`at`, or `from` for
 * outages and boosts), then by type (an order before its activation before a
 * change, a termination last), then by ref. Sorting first makes rating and
 * its errors independent of the order facts arrive in.
 */
import type { Fact, FactRef } from './facts.ts';
import { type Instant, parseInstant } from './instant.ts';

const TYPE_RANK: Record<Fact['type'], number> = {
  'service.ordered': 0,
  'service.activated': 1,
  'service.modified': 2,
  outage: 3,
  'bandwidth.boost': 4,
  usage: 5,
  'service.terminated': 6,
  payment: 7,
};

/** The instant a fact happens at (NaN for a malformed time). */
export function factTime(fact: Fact): Instant {
  return parseInstant('at' in fact ? fact.at : fact.from) ?? Number.NaN;
}

/**
 * Total order on facts: time, then type, then ref (plain code-unit order).
 * Each fact's time is parsed once, not once per comparison: with thousands
 * of boosts or usage facts the parsing dominated the sort.
 */
export function sortFacts(facts: readonly FactRef[]): FactRef[] {
  return facts
    .map((item) => ({ item, time: factTime(item.fact), rank: TYPE_RANK[item.fact.type] }))
    .sort(
      (a, b) =>
        a.time - b.time ||
        a.rank - b.rank ||
        (a.item.ref < b.item.ref ? -1 : a.item.ref > b.item.ref ? 1 : 0),
    )
    .map((d) => d.item);
}
