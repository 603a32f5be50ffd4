/**
 * Capacity a service draws from its Seller's resource pool over time.
 *
 * The terms map each plan and on-demand bandwidth level of an offering to an
 * amount of capacity (`offerings[i].capacity`, in the unit of the pool it is
 * drawn from: `{ "1G": "1000" }` for Mbps). A service ordered with a `pool`
 * draws, at every instant from its order until its termination, the capacity
 * of the plan in force; during a `bandwidth.boost` `[from, to)` it draws the
 * larger of that and the boost level's capacity. Before its order and from
 * its termination on it draws nothing. A service ordered without a pool, or
 * of an offering without a capacity map, draws on no pool.
 *
 * Amounts are exact: decimal strings of at most CAPACITY_DECIMALS places,
 * held as integers of millionths (bigint), never floating point.
 */
import { type Checker, child } from './checker.ts';
import { applyCorrections } from './corrections.ts';
import { isDecimalString } from './decimal.ts';
import type { FactRef } from './facts.ts';
import { type Instant, parseInstant } from './instant.ts';
import type { Terms } from './terms.ts';

/** Most decimal places a capacity amount may have (amounts are kept as millionths). */
export const CAPACITY_DECIMALS = 6;
const SCALE = 10n ** BigInt(CAPACITY_DECIMALS);

/** A capacity amount in millionths of its unit. */
export type Capacity = bigint;

/** `"1000.5"` → 1_000_500_000n; undefined unless a non-negative decimal string of at most 6 places. */
export function parseCapacity(text: unknown): Capacity | undefined {
  if (!isDecimalString(text) || text.startsWith('-')) return undefined;
  const [whole = '0', fraction = ''] = text.split('.');
  if (fraction.length > CAPACITY_DECIMALS) return undefined;
  return BigInt(whole) * SCALE + BigInt(fraction.padEnd(CAPACITY_DECIMALS, '0'));
}

/** 1_000_500_000n → `"1000.5"` (no trailing zeros; a minus sign when negative). */
export function formatCapacity(amount: Capacity): string {
  const sign = amount < 0n ? '-' : '';
  const abs = amount < 0n ? -amount : amount;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(CAPACITY_DECIMALS, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** Validates `offerings[i].capacity`: every plan and on-demand level of the offering has an amount. */
export function checkCapacityMap(c: Checker, value: unknown, path: string, levels: readonly string[]): void {
  const map = c.object(value, path);
  if (map === undefined) return;
  for (const [level, amount] of Object.entries(map)) {
    if (parseCapacity(amount) === undefined) {
      c.fail(
        child(path, level),
        `expected a non-negative decimal string of at most ${CAPACITY_DECIMALS} decimal places`,
        amount,
      );
    }
  }
  for (const level of levels) {
    if (!Object.hasOwn(map, level)) c.fail(child(path, level), 'expected the capacity of this plan or level');
  }
}

/** Capacity drawn in `[from, to)`; `to` null: from `from` on, with no end yet. */
export interface Demand {
  readonly from: Instant;
  readonly to: Instant | null;
  readonly amount: Capacity;
}

/** The pool a service draws on and what it draws, by time. */
export interface ServiceDemand {
  readonly service: string;
  readonly pool: string;
  readonly demand: readonly Demand[];
}

/**
 * What `service` draws, from its facts (any order; corrections applied), or
 * undefined when it draws on no pool (not ordered with one, or its offering
 * maps no capacity). The demand is a list of non-overlapping windows in time
 * order, each at one amount above zero.
 */
export function serviceDemand(
  terms: Terms,
  service: string,
  facts: readonly FactRef[],
): ServiceDemand | undefined {
  const own = applyCorrections(facts.filter((f) => 'service' in f.fact && f.fact.service === service));
  const order = own.find((f) => f.fact.type === 'service.ordered')?.fact;
  if (order === undefined || order.type !== 'service.ordered' || order.pool === undefined) return undefined;
  const offering = terms.offerings.find((o) => o.id === order.offering);
  const capacity = offering?.capacity;
  if (capacity === undefined) return undefined;
  const amountOf = (level: string) => parseCapacity(capacity[level]) ?? 0n;
  const at = (text: string) => parseInstant(text) ?? 0;

  // The base: the plan in force from the order on, changed by modifications, ended by termination.
  const changes: { at: Instant; amount: Capacity }[] = [{ at: at(order.at), amount: amountOf(order.plan) }];
  let end: Instant | null = null;
  const boosts: { from: Instant; to: Instant; amount: Capacity }[] = [];
  for (const { fact } of own) {
    if (fact.type === 'service.modified') changes.push({ at: at(fact.at), amount: amountOf(fact.plan) });
    else if (fact.type === 'service.terminated')
      end = end === null ? at(fact.at) : Math.min(end, at(fact.at));
    else if (fact.type === 'bandwidth.boost')
      boosts.push({ from: at(fact.from), to: at(fact.to), amount: amountOf(fact.plan) });
  }
  changes.sort((a, b) => a.at - b.at);
  const start = changes[0]!.at;
  // One sweep over the instants the drawn amount may change, within [start, end).
  const events: { at: Instant; change?: Capacity; boost?: Capacity; ends?: boolean }[] = [];
  for (const change of changes) events.push({ at: change.at, change: change.amount });
  for (const boost of boosts) {
    if (boost.to <= boost.from) continue;
    events.push({ at: boost.from, boost: boost.amount });
    events.push({ at: boost.to, boost: boost.amount, ends: true });
  }
  events.sort((a, b) => a.at - b.at);
  const levels = new Map<Capacity, number>();
  let base: Capacity = 0n;
  const demand: Demand[] = [];
  for (let i = 0; i < events.length; ) {
    const at = events[i]!.at;
    for (; i < events.length && events[i]!.at === at; i++) {
      const event = events[i]!;
      if (event.change !== undefined) base = event.change;
      else if (event.boost !== undefined) {
        const count = (levels.get(event.boost) ?? 0) + (event.ends ? -1 : 1);
        if (count === 0) levels.delete(event.boost);
        else levels.set(event.boost, count);
      }
    }
    if (at < start || (end !== null && at >= end)) continue;
    let amount = base;
    for (const level of levels.keys()) if (level > amount) amount = level;
    const last = demand.at(-1);
    if (last !== undefined && last.to === null) {
      if (last.amount === amount) continue;
      demand[demand.length - 1] = { ...last, to: at };
    }
    if (amount > 0n) demand.push({ from: at, to: null, amount });
  }
  const last = demand.at(-1);
  if (last !== undefined && last.to === null && end !== null)
    demand[demand.length - 1] = { ...last, to: end };
  return { service, pool: order.pool, demand };
}
