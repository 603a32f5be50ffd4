/**
 * What every service this node sells draws from each capacity pool, over
 * time, across all its bilaterals: one `Timeline` per pool, kept from the
 * record (the facts of every bilateral this node is the Seller in) and
 * changed only by synchronous steps, so a check and the reservation it
 * admits happen with nothing in between (the node's one thread).
 *
 * An admission adds the new facts' demand at once (a hold) and answers a
 * `Hold`: `confirm` once the facts are stored (with their refs), `release`
 * if they were not. A refused fact leaves every timeline as it was.
 */
import {
  type Capacity,
  type Demand,
  type FactRef,
  formatCapacity,
  formatInstant,
  parseCapacity,
  parseInstant,
  type ServiceDemand,
  serviceDemand,
  type Terms,
} from '../../core/index.ts';
import { FACT_KINDS, factsOf } from '../../kinds/index.ts';
import type { Store } from '../../store/index.ts';
import type { BilateralContext } from '../core/context.ts';
import { NodeError } from '../errors.ts';
import type { Hold } from '../facts/facts.ts';
import { Timeline } from './timeline.ts';

/** Fact types that change what a service draws (and, for an order, which unique resources it holds). */
export const DRAWING: ReadonlySet<string> = new Set([
  'service.ordered',
  'service.modified',
  'service.terminated',
  'bandwidth.boost',
]);

interface Tracked {
  readonly terms: Terms;
  readonly facts: FactRef[];
  demand: ServiceDemand | undefined;
}

/** A pool as the book needs it: its capacity, and its unit for messages. */
export interface CapacityPool {
  readonly capacity: Capacity;
  readonly unit: string;
}

export class CapacityBook {
  readonly #store: Store;
  readonly #pool: (id: string) => CapacityPool | undefined;
  readonly #timelines = new Map<string, Timeline>();
  /** By bilateral, then service. */
  readonly #services = new Map<string, Map<string, Tracked>>();
  /** By bilateral: the refs of facts already counted (read from the record, or confirmed). */
  readonly #known = new Map<string, Set<string>>();
  /** By bilateral, then author: the last seq read. */
  readonly #read = new Map<string, Map<string, number>>();

  /** `pool(id)`: the declared capacity pool `id`, or undefined. */
  constructor(store: Store, pool: (id: string) => CapacityPool | undefined) {
    this.#store = store;
    this.#pool = pool;
  }

  /** The services drawing on pool `id`, with what each draws, by bilateral then service. */
  drawing(id: string): { bilateral: string; service: string; demand: readonly Demand[] }[] {
    const out: { bilateral: string; service: string; demand: readonly Demand[] }[] = [];
    for (const [bilateral, services] of this.#services) {
      for (const [service, tracked] of services) {
        if (tracked.demand?.pool === id && tracked.demand.demand.length > 0) {
          out.push({ bilateral, service, demand: tracked.demand.demand });
        }
      }
    }
    return out.sort((a, b) => a.bilateral.localeCompare(b.bilateral) || a.service.localeCompare(b.service));
  }

  /** The timeline of pool `id` (empty until a service draws on it). */
  timeline(id: string): Timeline {
    let timeline = this.#timelines.get(id);
    if (timeline === undefined) {
      timeline = new Timeline();
      this.#timelines.set(id, timeline);
    }
    return timeline;
  }

  /**
   * Reads the facts of bilateral `context` stored since the last look, and
   * counts their demand; `arriving` sees them first (before they count).
   */
  async sync(
    context: BilateralContext,
    authors: readonly string[],
    arriving?: (facts: readonly FactRef[]) => void,
  ): Promise<void> {
    const id = context.id;
    const read = this.#map(this.#read, id, () => new Map<string, number>());
    const known = this.#map(this.#known, id, () => new Set<string>());
    const heads = await this.#store.heads(id, [authors[0]!, authors[1]!]);
    const touched = new Set<string>();
    const fresh: FactRef[] = [];
    for (const [i, author] of authors.entries()) {
      const after = read.get(author) ?? 0;
      const head = heads[i]?.seq ?? 0;
      if (head <= after) continue;
      const entries = await this.#store.listEntries(id, {
        author,
        kinds: FACT_KINDS,
        fromSeq: after + 1,
        toSeq: head,
      });
      for (const item of factsOf(entries)) {
        if (known.has(item.ref) || !DRAWING.has(item.fact.type) || !('service' in item.fact)) continue;
        known.add(item.ref);
        fresh.push(item);
      }
      if (head > (read.get(author) ?? 0)) read.set(author, head);
    }
    if (fresh.length > 0) arriving?.(fresh);
    for (const item of fresh) {
      const { service } = item.fact as { service: string };
      this.#tracked(context, service).facts.push(item);
      touched.add(service);
    }
    // Stored facts count whatever they draw: the record is what it is.
    for (const service of touched) this.#redraw(id, service);
  }

  /**
   * Admits `facts` (about to be signed in bilateral `context`, in order):
   * each one's demand is added and checked against its pool wherever it
   * draws more than before. Throws `CAPACITY_EXCEEDED` (or `POOL_UNKNOWN`)
   * naming the first fact refused, leaving every timeline as it was.
   */
  admit(context: BilateralContext, facts: readonly FactRef[]): Hold {
    const undo: (() => void)[] = [];
    const added: { tracked: Tracked; item: FactRef }[] = [];
    const undoAll = () => {
      for (const step of undo.reverse()) step();
      undo.length = 0;
    };
    try {
      for (const item of facts) {
        if (!DRAWING.has(item.fact.type) || !('service' in item.fact)) continue;
        const service = item.fact.service;
        const tracked = this.#tracked(context, service);
        if (item.fact.type === 'service.ordered' && item.fact.pool !== undefined) {
          this.#requirePool(item.ref, item.fact.pool);
        }
        tracked.facts.push(item);
        undo.push(() => tracked.facts.splice(tracked.facts.lastIndexOf(item), 1));
        added.push({ tracked, item });
        const before = tracked.demand;
        const raised = this.#raise(tracked, item);
        if (raised !== undefined) {
          // A boost adds its window: only that window of the timeline moves, whatever the service held.
          const timeline = this.timeline(raised.pool);
          for (const change of raised.changes) timeline.add(change.from, change.to, change.delta);
          tracked.demand = raised.after;
          undo.push(() => {
            for (const change of raised.changes) timeline.add(change.from, change.to, -change.delta);
            tracked.demand = before;
          });
          this.#check(item.ref, raised.after, raised.changes);
          continue;
        }
        const after = this.#redraw(context.id, service);
        undo.push(() => this.#swap(context.id, service, after, before));
        if (after !== undefined) {
          const changes =
            before?.pool === after.pool
              ? difference(after.demand, before.demand)
              : difference(after.demand, []);
          this.#check(item.ref, after, changes);
        }
      }
    } catch (error) {
      undoAll();
      throw error;
    }
    return {
      confirm: (id, refs) => {
        const known = this.#map(this.#known, id, () => new Set<string>());
        // The stored facts replace the admitted ones under their refs.
        for (const { tracked, item } of added) {
          const ref = refs[facts.indexOf(item)];
          if (ref === undefined) continue;
          known.add(ref);
          const at = tracked.facts.indexOf(item);
          if (at >= 0) tracked.facts[at] = { ref, fact: item.fact };
        }
        this.#advance(id, refs);
      },
      // Other admissions may have changed the same services since: each is recomputed without these facts.
      release: () => {
        const services = new Set<string>();
        for (const { tracked, item } of added) {
          const at = tracked.facts.indexOf(item);
          if (at >= 0) tracked.facts.splice(at, 1);
          if ('service' in item.fact) services.add(item.fact.service);
        }
        added.length = 0;
        for (const service of services) this.#redraw(context.id, service);
      },
    };
  }

  /** Moves the read position of each author past the entries `refs` name, where they follow it. */
  #advance(id: string, refs: readonly string[]): void {
    const read = this.#map(this.#read, id, () => new Map<string, number>());
    for (const ref of refs) {
      const match = /^(.+)\/(\d+)(?:#\d+)?$/.exec(ref);
      if (match === null) continue;
      const author = match[1]!;
      const seq = Number(match[2]);
      const last = read.get(author) ?? 0;
      if (seq === last + 1) read.set(author, seq);
    }
  }

  /**
   * What a plain boost (no correction) of a service that draws on a pool
   * changes: within its window the service draws at least the boost level,
   * elsewhere what it drew. Undefined for any other fact (recomputed whole).
   */
  #raise(
    tracked: Tracked,
    item: FactRef,
  ): { pool: string; after: ServiceDemand; changes: Change[] } | undefined {
    const fact = item.fact;
    const before = tracked.demand;
    if (fact.type !== 'bandwidth.boost' || fact.corrects !== undefined || before === undefined)
      return undefined;
    const order = tracked.facts.find((f) => f.fact.type === 'service.ordered')?.fact;
    if (order?.type !== 'service.ordered' || order.corrects !== undefined) return undefined;
    const capacity = tracked.terms.offerings.find((o) => o.id === order.offering)?.capacity ?? {};
    // A plan drawing nothing leaves gaps in a life a boost would fill: recomputed whole.
    if (Object.values(capacity).some((amount) => parseCapacity(amount) === 0n)) return undefined;
    const level = parseCapacity(capacity[fact.plan]);
    const from = parseInstant(fact.from);
    const to = parseInstant(fact.to);
    if (level === undefined || from === undefined || to === undefined || to <= from) return undefined;
    const { demand, changes } = raiseWithin(before.demand, from, to, level);
    return { pool: before.pool, after: { ...before, demand }, changes };
  }

  /** Throws unless every window where `changes` add to `after`'s pool stays within it. */
  #check(ref: string, after: ServiceDemand, changes: readonly Change[]): void {
    const pool = this.#requirePool(ref, after.pool);
    const timeline = this.timeline(after.pool);
    for (const window of increasesOf(changes)) {
      const peak = timeline.peak(window.from, window.to);
      if (peak <= pool.capacity) continue;
      const free = pool.capacity - (peak - window.amount);
      const span = `[${formatInstant(window.from)}, ${window.to === null ? '…' : formatInstant(window.to)})`;
      throw new NodeError(
        'CAPACITY_EXCEEDED',
        `${ref}: pool ${after.pool} has ${formatCapacity(free < 0n ? 0n : free)} ${pool.unit} for ${after.service} ` +
          `in ${span}; it would draw ${formatCapacity(window.amount)}: ${formatCapacity(peak - pool.capacity)} ${pool.unit} short`,
        {
          details: {
            ref,
            service: after.service,
            pool: after.pool,
            from: formatInstant(window.from),
            to: window.to === null ? null : formatInstant(window.to),
            unit: pool.unit,
            capacity: formatCapacity(pool.capacity),
            peak: formatCapacity(peak),
            shortfall: formatCapacity(peak - pool.capacity),
          },
        },
      );
    }
  }

  #requirePool(ref: string, id: string): CapacityPool {
    const pool = this.#pool(id);
    if (pool === undefined) {
      throw new NodeError('POOL_UNKNOWN', `${ref}: pool ${id} is not a capacity pool this node declared`, {
        details: { ref, pool: id },
      });
    }
    return pool;
  }

  /** Recomputes what `service` draws from its facts and puts it in the timelines instead of what it drew. */
  #redraw(id: string, service: string): ServiceDemand | undefined {
    const tracked = this.#services.get(id)?.get(service);
    if (tracked === undefined) return undefined;
    const after = serviceDemand(tracked.terms, service, tracked.facts);
    this.#swap(id, service, tracked.demand, after);
    return after;
  }

  #swap(id: string, service: string, from: ServiceDemand | undefined, to: ServiceDemand | undefined): void {
    if (from !== undefined && to !== undefined && from.pool === to.pool) {
      // The same pool: only where the two differ (a boost changes its window, not the whole life).
      const timeline = this.timeline(to.pool);
      for (const change of difference(to.demand, from.demand))
        timeline.add(change.from, change.to, change.delta);
    } else {
      if (from !== undefined) {
        const timeline = this.timeline(from.pool);
        for (const d of from.demand) timeline.add(d.from, d.to, -d.amount);
      }
      if (to !== undefined) {
        const timeline = this.timeline(to.pool);
        for (const d of to.demand) timeline.add(d.from, d.to, d.amount);
      }
    }
    const tracked = this.#services.get(id)?.get(service);
    if (tracked !== undefined) tracked.demand = to;
  }

  #tracked(context: BilateralContext, service: string): Tracked {
    const services = this.#map(this.#services, context.id, () => new Map<string, Tracked>());
    let tracked = services.get(service);
    if (tracked === undefined) {
      tracked = { terms: context.terms, facts: [], demand: undefined };
      services.set(service, tracked);
    }
    return tracked;
  }

  #map<K, V>(map: Map<K, V>, key: K, make: () => V): V {
    let value = map.get(key);
    if (value === undefined) {
      value = make();
      map.set(key, value);
    }
    return value;
  }
}

/** A window where two demands differ: `delta` is `after` less `before` there, `amount` what `after` draws. */
export interface Change {
  readonly from: number;
  readonly to: number | null;
  readonly delta: Capacity;
  readonly amount: Capacity;
}

/** Where `after` differs from `before` (both in time order, not overlapping), in one sweep. */
export function difference(after: readonly Demand[], before: readonly Demand[]): Change[] {
  const points = new Set<number>();
  for (const d of [...after, ...before]) {
    points.add(d.from);
    if (d.to !== null) points.add(d.to);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const cursor = (list: readonly Demand[]) => {
    let i = 0;
    return (t: number): Capacity => {
      while (i < list.length && list[i]!.to !== null && list[i]!.to! <= t) i++;
      const d = list[i];
      return d !== undefined && d.from <= t ? d.amount : 0n;
    };
  };
  const afterAt = cursor(after);
  const beforeAt = cursor(before);
  const out: Change[] = [];
  sorted.forEach((from, i) => {
    const to = sorted[i + 1] ?? null;
    const amount = afterAt(from);
    const delta = amount - beforeAt(from);
    if (delta === 0n) return;
    const last = out.at(-1);
    if (last !== undefined && last.to === from && last.delta === delta && last.amount === amount) {
      out[out.length - 1] = { ...last, to };
    } else out.push({ from, to, delta, amount });
  });
  return out;
}

/** The windows where `after` draws more than `before`, each with the most `after` draws there. */
export function increases(after: readonly Demand[], before: readonly Demand[]): Demand[] {
  return increasesOf(difference(after, before));
}

/** The windows where `changes` add, adjacent ones joined, each with the most drawn there. */
function increasesOf(changes: readonly Change[]): Demand[] {
  const out: Demand[] = [];
  for (const change of changes) {
    if (change.delta <= 0n) continue;
    const last = out.at(-1);
    if (last !== undefined && last.to === change.from) {
      // biome-ignore lint/complexity/useMathMinMax: capacities are bigints, which Math.max does not take
      const amount = change.amount > last.amount ? change.amount : last.amount;
      out[out.length - 1] = { from: last.from, to: change.to, amount };
    } else out.push({ from: change.from, to: change.to, amount: change.amount });
  }
  return out;
}

/**
 * `demand` (in time order, not overlapping) raised to at least `level`
 * within `[from, to)` wherever it draws anything, and the changes that makes
 * — found by binary search, so a boost costs O(log k) plus the windows it
 * spans, not the service's whole life.
 */
export function raiseWithin(
  demand: readonly Demand[],
  from: number,
  to: number,
  level: Capacity,
): { demand: Demand[]; changes: Change[] } {
  // The first window that ends after `from`.
  let lo = 0;
  let hi = demand.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const end = demand[mid]!.to;
    if (end !== null && end <= from) lo = mid + 1;
    else hi = mid;
  }
  const replaced: Demand[] = [];
  const changes: Change[] = [];
  let i = lo;
  for (; i < demand.length && demand[i]!.from < to; i++) {
    const d = demand[i]!;
    const start = Math.max(d.from, from);
    const stop = d.to === null ? to : Math.min(d.to, to);
    if (d.amount >= level) {
      replaced.push(d);
      continue;
    }
    if (d.from < start) replaced.push({ from: d.from, to: start, amount: d.amount });
    replaced.push({ from: start, to: stop, amount: level });
    changes.push({ from: start, to: stop, delta: level - d.amount, amount: level });
    if (d.to === null || stop < d.to) replaced.push({ from: stop, to: d.to, amount: d.amount });
  }
  return { demand: [...demand.slice(0, lo), ...replaced, ...demand.slice(i)], changes };
}
