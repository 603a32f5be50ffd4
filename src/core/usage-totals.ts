/**
 * Exact, streaming sums of usage quantities — the input that lets `rate`
 * price a period of millions of stored records without holding them as
 * facts (TERMS.md §3 "Usage": per service, metric and period, quantities
 * summed, then priced).
 *
 * Design rationale:
 * - No Rational per record. A `DecimalSum` keeps the sum as an integer at a
 *   fixed decimal scale (the most decimals seen so far): quantities are
 *   parsed digit by digit into a safe-integer `number` and added there;
 *   the `number` is folded into a BigInt only before it could lose a digit,
 *   when the scale grows, or for quantities of more than 15 digits. Exact
 *   for every decimal string, and O(1) per record.
 * - Refs stay small. A line cites what it was computed from; with ten
 *   million records it cannot cite each one. `add` takes an optional ref and
 *   keeps each distinct ref once, in first-seen order: pass the ref of the
 *   `usage.batch` entry a record came in (whose Merkle root proves every
 *   record of it) and a line cites its batches; pass each record's own ref
 *   and the line is byte-identical to rating the same records as `usage`
 *   facts (given in the facts' order: time, then ref). Feed records in a
 *   deterministic order (batch by batch) so both parties cite alike.
 * - Record ids are not checked for repeats here (that needs the ids in
 *   memory): the store keeps them unique per bilateral, and reconciliation
 *   (`reconcile.ts`) reports repeats.
 */

import { byCodeUnit } from './code-unit.ts';
import { formatDecimal } from './decimal.ts';
import { BilateralError } from './errors.ts';
import { type Rational, rational } from './rational.ts';

/** One (service, metric) sum: what `rate(…, { usage })` needs for a usage line. */
export interface UsageSum {
  readonly service: string;
  readonly metric: string;
  /** The exact sum, as the shortest decimal string. */
  readonly quantity: string;
  /** How many records were summed. */
  readonly count: number;
  /** Distinct refs given with the records, in first-seen order. */
  readonly refs: readonly string[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_DIGITS = 64;
const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);
const BIG_POW10: bigint[] = [];
function bigPow10(n: number): bigint {
  let p = BIG_POW10[n];
  if (p === undefined) {
    p = 10n ** BigInt(n);
    BIG_POW10[n] = p;
  }
  return p;
}

function invalid(text: unknown): BilateralError {
  return new BilateralError(
    'DECIMAL_INVALID',
    `expected a non-negative decimal string, got ${JSON.stringify(text)}`,
    { details: { value: text } },
  );
}

/**
 * An exact running sum of non-negative decimal strings ("12", "0.5",
 * "0.00125"; the forms `parseDecimal` accepts, without a sign).
 * @example const s = new DecimalSum(); s.add('1.5'); s.add('0.25'); s.toString() // '1.75'
 */
export class DecimalSum {
  #big = 0n;
  #small = 0;
  #scale = 0;

  /** Adds one quantity. @throws BilateralError `DECIMAL_INVALID` (nothing is added). */
  add(text: string): void {
    if (typeof text !== 'string') throw invalid(text);
    const n = text.length;
    let dot = -1;
    let value = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 46) {
        if (dot >= 0) throw invalid(text);
        dot = i;
      } else if (c >= 48 && c <= 57) {
        value = value * 10 + (c - 48);
      } else {
        throw invalid(text);
      }
    }
    const whole = dot < 0 ? n : dot;
    const fraction = dot < 0 ? 0 : n - dot - 1;
    if (whole === 0 || whole > MAX_DIGITS || (dot >= 0 && (fraction === 0 || fraction > MAX_DIGITS))) {
      throw invalid(text);
    }
    if (fraction > this.#scale) this.#rescale(fraction);
    const shift = this.#scale - fraction;
    if (whole + fraction <= 15 && shift < POW10.length) {
      const scaled = value * POW10[shift]!;
      if (scaled <= MAX_SAFE) {
        if (scaled > MAX_SAFE - this.#small) {
          this.#big += BigInt(this.#small);
          this.#small = 0;
        }
        this.#small += scaled;
        return;
      }
    }
    const digits = dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1);
    this.#big += BigInt(digits) * bigPow10(shift);
  }

  #rescale(scale: number): void {
    this.#big = (this.#big + BigInt(this.#small)) * bigPow10(scale - this.#scale);
    this.#small = 0;
    this.#scale = scale;
  }

  /** The exact sum. */
  value(): Rational {
    return rational(this.#big + BigInt(this.#small), bigPow10(this.#scale));
  }

  /** The sum as the shortest decimal string ("20", "0.5"). */
  toString(): string {
    return formatDecimal(this.value());
  }
}

interface Group {
  readonly service: string;
  readonly metric: string;
  readonly sum: DecimalSum;
  count: number;
  readonly refs: string[];
  readonly seen: Set<string>;
}

/**
 * Per (service, metric) sums of usage records, built one record at a time
 * in O(1) amortised. Iterating gives the sums sorted by service, then metric.
 *
 * @example
 * const totals = new UsageTotals();
 * for (const r of recordsOfThePeriod) totals.add(r.service, r.metric, r.quantity, batchRef);
 * rate(terms, facts, '2026-02', { usage: totals });
 */
export class UsageTotals implements Iterable<UsageSum> {
  readonly #groups = new Map<string, Map<string, Group>>();
  #last: Group | undefined;
  #count = 0;

  /**
   * Adds one record's quantity; `ref`, when given, is cited once by the line.
   * @throws BilateralError `DECIMAL_INVALID` for a quantity that is not a non-negative decimal string.
   */
  add(service: string, metric: string, quantity: string, ref?: string): void {
    let group = this.#last;
    if (group === undefined || group.service !== service || group.metric !== metric) {
      group = this.#group(service, metric);
      this.#last = group;
    }
    group.sum.add(quantity);
    group.count++;
    this.#count++;
    if (ref !== undefined && group.refs[group.refs.length - 1] !== ref && !group.seen.has(ref)) {
      group.seen.add(ref);
      group.refs.push(ref);
    }
  }

  #group(service: string, metric: string): Group {
    if (typeof service !== 'string' || typeof metric !== 'string') {
      throw new BilateralError('USAGE_INVALID', 'usage: service and metric must be strings', {
        details: { service, metric },
      });
    }
    let metrics = this.#groups.get(service);
    if (metrics === undefined) {
      metrics = new Map();
      this.#groups.set(service, metrics);
    }
    let group = metrics.get(metric);
    if (group === undefined) {
      group = { service, metric, sum: new DecimalSum(), count: 0, refs: [], seen: new Set() };
      metrics.set(metric, group);
    }
    return group;
  }

  /** Records added so far. */
  get count(): number {
    return this.#count;
  }

  /** The sum for one service and metric, if any record was added for it. */
  get(service: string, metric: string): UsageSum | undefined {
    const group = this.#groups.get(service)?.get(metric);
    return group === undefined ? undefined : snapshot(group);
  }

  /** Every sum, sorted by service, then metric. */
  sums(): UsageSum[] {
    return [...this.#groups.keys()].sort(byCodeUnit).flatMap((service) => {
      const metrics = this.#groups.get(service)!;
      return [...metrics.keys()].sort(byCodeUnit).map((metric) => snapshot(metrics.get(metric)!));
    });
  }

  [Symbol.iterator](): Iterator<UsageSum> {
    return this.sums()[Symbol.iterator]();
  }
}

function snapshot(group: Group): UsageSum {
  return Object.freeze({
    service: group.service,
    metric: group.metric,
    quantity: group.sum.toString(),
    count: group.count,
    refs: Object.freeze([...group.refs]),
  });
}
