/**
 * Usage reconciliation (STANDARDS.md "Usage matching", MEF "Stone Panther" /
 * QLC CDR settlement): the Seller's and the Buyer's records of the same
 * usage, side by side, every record classified once, with counts,
 * quantities and — given prices — amounts per class.
 *
 * Rules (records are matched by `id`, unique per bilateral, TERMS.md §2):
 * - `matched`: the id is on both sides, with the same service, metric and
 *   instant, and quantities within tolerance. `mismatch`: the id is on both
 *   sides but a quantity is beyond tolerance, or the service, metric or
 *   instant differ (`fields` says which).
 * - Tolerance: a difference d = |seller − buyer| is tolerated when
 *   d ≤ `absolute` OR d ≤ `percent` % of the Seller's quantity; it is a
 *   mismatch only beyond both, as a wholesale contract reads "disputes
 *   under X or under Y % are waived". The Seller's quantity is the base
 *   because it is the one invoiced. An absent bound is 0 (tolerates
 *   nothing on its own); no tolerance at all asks for equal quantities.
 *   `absolute` is read in the metric's own units (a record has no money).
 * - `duplicate`, on one side: (a) an id seen again on the same side — the
 *   first occurrence takes part in matching, each later one is a duplicate
 *   (`reason: 'id'`, `identical` tells a replay from a conflicting reuse);
 *   (b) a record whose id is not on the other side but whose content
 *   (service, metric, instant, quantity) equals another record's on its own
 *   side — the same usage re-sent under a new id (`reason: 'content'`). The
 *   original of a content group is the record the other side knows by id;
 *   if none does, the first one given (it is then `onlySeller`/`onlyBuyer`).
 *   Records both sides know by id are never content duplicates, so equal
 *   readings that both report stay matched.
 * - `onlySeller` / `onlyBuyer`: the id is on one side only, and no content
 *   duplicate.
 *
 * Counts add up: seller records = matched + mismatch + onlySeller +
 * seller duplicates, and likewise for the buyer; each group's class
 * quantities add up to its side totals.
 *
 * Amounts (with `valuation`): per (service, metric) group, the invoice
 * effect `seller` = round(price(Σ seller quantities)), `buyer` likewise,
 * `difference` = seller − buyer — what rating each side's records would
 * bill; and per class, the class's quantity difference (seller − buyer)
 * valued at the group's average unit price price(S)/S (the per-unit price
 * under per-unit pricing; the Buyer's total when the Seller has none),
 * rounded once: where the money is, not an exact split of the difference
 * under tiered pricing.
 *
 * Volume: the Buyer's records are held in one map by id (O(buyer) memory);
 * the Seller's are streamed, keeping only ids not found at the Buyer.
 * Quantities are summed as scaled integers (`DecimalSum`); a Rational is
 * made only for a pair whose quantity strings differ.
 */

import { byCodeUnit } from './code-unit.ts';
import {
  formatDecimal,
  formatFixed,
  isDecimalString,
  parseDecimal,
  type RoundingMode,
  round,
} from './decimal.ts';
import { ValidationError } from './errors.ts';
import { parseInstant } from './instant.ts';
import { abs, add, compare, div, HUNDRED, mul, type Rational, sub, sum, ZERO } from './rational.ts';
import { priceUsage, type UsagePricing } from './usage-pricing.ts';
import { DecimalSum } from './usage-totals.ts';

export interface UsageRecordLike {
  readonly id: string;
  readonly service: string;
  readonly metric: string;
  /** Non-negative decimal string. */
  readonly quantity: string;
  /** RFC 3339 UTC. */
  readonly at: string;
}

/** `disputes.tolerance` of the terms. */
export interface Tolerance {
  readonly absolute?: string;
  readonly percent?: string;
}

export const RECONCILIATION_CLASSES = [
  'matched',
  'mismatch',
  'onlySeller',
  'onlyBuyer',
  'duplicate',
] as const;
export type ReconciliationClass = (typeof RECONCILIATION_CLASSES)[number];
export type MismatchField = 'service' | 'metric' | 'at' | 'quantity';
export type Side = 'seller' | 'buyer';

/** A record and its position in its side's input. */
export interface Located<R> {
  readonly index: number;
  readonly record: R;
}

export type ReconciliationItem<R> =
  | {
      readonly status: 'matched' | 'mismatch';
      readonly id: string;
      readonly seller: Located<R>;
      readonly buyer: Located<R>;
      /** Seller − buyer quantity. */
      readonly difference: string;
      /** What differs beyond tolerance (empty when matched). */
      readonly fields: readonly MismatchField[];
    }
  | { readonly status: 'onlySeller'; readonly id: string; readonly seller: Located<R> }
  | { readonly status: 'onlyBuyer'; readonly id: string; readonly buyer: Located<R> }
  | {
      readonly status: 'duplicate';
      readonly id: string;
      readonly side: Side;
      readonly record: Located<R>;
      /** The id of the record this one repeats (its own id for `reason: 'id'`). */
      readonly of: string;
      readonly reason: 'id' | 'content';
      /** Same service, metric, instant and quantity as the original. */
      readonly identical: boolean;
    };

export interface SideTotal {
  readonly count: number;
  readonly quantity: string;
}

export interface ClassSummary {
  readonly seller: SideTotal;
  readonly buyer: SideTotal;
  /** (seller − buyer quantity) × the group's average unit price, rounded; with `valuation` only. */
  readonly amount?: string;
}

export interface GroupSummary {
  readonly service: string;
  readonly metric: string;
  readonly seller: SideTotal;
  readonly buyer: SideTotal;
  readonly classes: Readonly<Record<ReconciliationClass, ClassSummary>>;
  /** What each side's records would bill, rounded; with `valuation` and a price for the metric only. */
  readonly amounts?: { readonly seller: string; readonly buyer: string; readonly difference: string };
}

export interface Reconciliation<R> {
  readonly tolerance: { readonly absolute: string; readonly percent: string };
  readonly counts: {
    readonly seller: number;
    readonly buyer: number;
    readonly matched: number;
    readonly mismatch: number;
    readonly onlySeller: number;
    readonly onlyBuyer: number;
    readonly duplicate: number;
    readonly duplicateSeller: number;
    readonly duplicateBuyer: number;
  };
  /** Per (service, metric), sorted. */
  readonly groups: readonly GroupSummary[];
  /** Sums of the priced groups' amounts; with `valuation` only. */
  readonly amounts?: {
    readonly seller: string;
    readonly buyer: string;
    readonly difference: string;
    readonly classes: Readonly<Record<ReconciliationClass, string>>;
  };
  /**
   * Every record not matched: mismatches, then onlySeller, onlyBuyer and
   * duplicates (seller's, then buyer's), each in input order; matched pairs
   * last, with `includeMatched` only.
   */
  readonly items: readonly ReconciliationItem<R>[];
  /** With the `day` option: each day that has records, in order. */
  readonly byDay?: readonly DayCounts[];
}

export interface UsageValuation {
  /** The pricing of a metric of a service (its offering's), or undefined to leave it unpriced. */
  readonly pricing: (service: string, metric: string) => UsagePricing | undefined;
  /** The currency's minor unit. */
  readonly decimals: number;
  readonly rounding: RoundingMode;
}

export interface ReconcileOptions {
  readonly valuation?: UsageValuation;
  /** List matched pairs in `items` too (they are always counted). */
  readonly includeMatched?: boolean;
  /**
   * The day of a record's `at` (in the billing zone, say): given, the result
   * counts each class by day (`byDay`) — a pair and a duplicate on its
   * Seller's record's day unless only the Buyer has it.
   */
  readonly day?: (at: string) => string;
}

/** One day's records by class (`byDay`). */
export type DayCounts = { readonly day: string } & Readonly<Record<ReconciliationClass, number>>;

interface Counter {
  count: number;
  readonly sum: DecimalSum;
}
interface Group {
  readonly service: string;
  readonly metric: string;
  readonly seller: Counter;
  readonly buyer: Counter;
  readonly classes: Record<ReconciliationClass, { readonly seller: Counter; readonly buyer: Counter }>;
}
interface BuyerEntry<R> {
  readonly index: number;
  readonly record: R;
  seller: Located<R> | undefined;
}

const counter = (): Counter => ({ count: 0, sum: new DecimalSum() });

/**
 * Reconciles the two sides' records of a period (and service).
 * @param seller streamed once; @param buyer read once into memory.
 * @throws ValidationError `USAGE_INVALID` naming `seller[i].field` / `buyer[i].field`.
 *
 * @example
 * const r = reconcileUsage(sellerRecords, buyerRecords, terms.disputes?.tolerance ?? {});
 * r.counts // { seller: 1000, buyer: 998, matched: 990, mismatch: 3, onlySeller: 5, … }
 */
export function reconcileUsage<R extends UsageRecordLike>(
  seller: Iterable<R>,
  buyer: Iterable<R>,
  tolerance: Tolerance = {},
  options: ReconcileOptions = {},
): Reconciliation<R> {
  const absolute = toleranceValue(tolerance.absolute, 'absolute');
  const percent = toleranceValue(tolerance.percent, 'percent');
  const groups = new GroupMap();
  const mismatches: ReconciliationItem<R>[] = [];
  const matched: ReconciliationItem<R>[] = [];
  const duplicates: { side: Side; item: ReconciliationItem<R> }[] = [];
  let matchedCount = 0;

  const days = new Map<string, Record<ReconciliationClass, number>>();
  const classify = (c: ReconciliationClass, side: Side, record: R) => {
    const tallied = groups.get(record.service, record.metric).classes[c][side];
    tallied.count++;
    // A pair counts once, on the Seller's record's day; what one side alone has, on its own day.
    if (options.day !== undefined && (side === 'seller' || c === 'onlyBuyer' || c === 'duplicate')) {
      const day = options.day(record.at);
      let tally = days.get(day);
      if (tally === undefined) {
        tally = Object.fromEntries(RECONCILIATION_CLASSES.map((k) => [k, 0])) as Record<
          ReconciliationClass,
          number
        >;
        days.set(day, tally);
      }
      tally[c]++;
    }
    // matched quantities are the side total less the other classes (see `summaries`)
    if (c !== 'matched') tallied.sum.add(record.quantity);
  };
  const duplicate = (side: Side, record: Located<R>, of: R, reason: 'id' | 'content') => {
    duplicates.push({
      side,
      item: {
        status: 'duplicate',
        id: record.record.id,
        side,
        record,
        of: of.id,
        reason,
        identical: sameContent(record.record, of),
      },
    });
    classify('duplicate', side, record.record);
  };

  const buyerById = new Map<string, BuyerEntry<R>>();
  let buyerCount = 0;
  for (const record of buyer) {
    const index = buyerCount++;
    checkRecord(record, 'buyer', index);
    tally(groups.get(record.service, record.metric).buyer, record, 'buyer', index);
    const first = buyerById.get(record.id);
    if (first === undefined) buyerById.set(record.id, { index, record, seller: undefined });
    else duplicate('buyer', { index, record }, first.record, 'id');
  }

  const sellerOnly = new Map<string, Located<R>>();
  let sellerCount = 0;
  for (const record of seller) {
    const index = sellerCount++;
    checkRecord(record, 'seller', index);
    tally(groups.get(record.service, record.metric).seller, record, 'seller', index);
    const located = { index, record };
    const entry = buyerById.get(record.id);
    if (entry === undefined) {
      const first = sellerOnly.get(record.id);
      if (first === undefined) sellerOnly.set(record.id, located);
      else duplicate('seller', located, first.record, 'id');
      continue;
    }
    if (entry.seller !== undefined) {
      duplicate('seller', located, entry.seller.record, 'id');
      continue;
    }
    entry.seller = located;
    const pair = compareRecords(record, entry.record, absolute, percent);
    const status = pair.fields.length === 0 ? 'matched' : 'mismatch';
    classify(status, 'seller', record);
    classify(status, 'buyer', entry.record);
    if (status === 'matched') {
      matchedCount++;
      if (options.includeMatched !== true) continue;
    }
    const item: ReconciliationItem<R> = {
      status,
      id: record.id,
      seller: located,
      buyer: { index: entry.index, record: entry.record },
      difference: pair.difference,
      fields: pair.fields,
    };
    (status === 'matched' ? matched : mismatches).push(item);
  }

  // Records on one side only: a content duplicate, or truly only there.
  const buyerOnly: Located<R>[] = [];
  const pairedBuyers: Located<R>[] = [];
  const pairedSellers: Located<R>[] = [];
  for (const entry of buyerById.values()) {
    if (entry.seller === undefined) buyerOnly.push({ index: entry.index, record: entry.record });
    else {
      pairedBuyers.push({ index: entry.index, record: entry.record });
      pairedSellers.push(entry.seller);
    }
  }
  const onlySeller: ReconciliationItem<R>[] = [];
  for (const { located, original } of contentGroups([...sellerOnly.values()], pairedSellers)) {
    if (original === undefined) {
      onlySeller.push({ status: 'onlySeller', id: located.record.id, seller: located });
      classify('onlySeller', 'seller', located.record);
    } else duplicate('seller', located, original, 'content');
  }
  const onlyBuyer: ReconciliationItem<R>[] = [];
  for (const { located, original } of contentGroups(buyerOnly, pairedBuyers)) {
    if (original === undefined) {
      onlyBuyer.push({ status: 'onlyBuyer', id: located.record.id, buyer: located });
      classify('onlyBuyer', 'buyer', located.record);
    } else duplicate('buyer', located, original, 'content');
  }

  const sideRank = (s: Side) => (s === 'seller' ? 0 : 1);
  duplicates.sort(
    (a, b) =>
      sideRank(a.side) - sideRank(b.side) ||
      (a.item.status === 'duplicate' && b.item.status === 'duplicate'
        ? a.item.record.index - b.item.record.index
        : 0),
  );
  const duplicateSeller = duplicates.filter((d) => d.side === 'seller').length;
  const summaries = groups.summaries(options.valuation);
  return {
    tolerance: { absolute: formatDecimal(absolute), percent: formatDecimal(percent) },
    counts: {
      seller: sellerCount,
      buyer: buyerCount,
      matched: matchedCount,
      mismatch: mismatches.length,
      onlySeller: onlySeller.length,
      onlyBuyer: onlyBuyer.length,
      duplicate: duplicates.length,
      duplicateSeller,
      duplicateBuyer: duplicates.length - duplicateSeller,
    },
    groups: summaries.groups,
    ...(summaries.amounts === undefined ? {} : { amounts: summaries.amounts }),
    items: [...mismatches, ...onlySeller, ...onlyBuyer, ...duplicates.map((d) => d.item), ...matched],
    ...(options.day === undefined
      ? {}
      : {
          byDay: [...days]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([day, tally]) => ({ day, ...tally })),
        }),
  };
}

/**
 * Splits one side's unpaired records into content duplicates and the truly
 * one-sided: a record is a duplicate of the paired record with its content
 * (the lowest index), else of the first unpaired record with its content.
 * Work is O(paired + unpaired); memory O(unpaired).
 */
function contentGroups<R extends UsageRecordLike>(
  unpaired: readonly Located<R>[],
  paired: readonly Located<R>[],
): { located: Located<R>; original: R | undefined }[] {
  if (unpaired.length === 0) return [];
  // A cheap necessary condition first, so the paired records (nearly all)
  // are mostly rejected without parsing their instants.
  const near = new Set(unpaired.map((u) => nearKey(u.record)));
  const byContent = new Map<
    string,
    { original: Located<R> | undefined; firstUnpaired: Located<R> | undefined }
  >();
  for (const located of unpaired)
    byContent.set(contentKey(located.record), { original: undefined, firstUnpaired: undefined });
  for (const located of paired) {
    if (!near.has(nearKey(located.record))) continue;
    const group = byContent.get(contentKey(located.record));
    if (group !== undefined && (group.original === undefined || located.index < group.original.index)) {
      group.original = located;
    }
  }
  const sorted = [...unpaired].sort((a, b) => a.index - b.index);
  return sorted.map((located) => {
    const group = byContent.get(contentKey(located.record))!;
    if (group.original !== undefined) return { located, original: group.original.record };
    if (group.firstUnpaired === undefined) {
      group.firstUnpaired = located;
      return { located, original: undefined };
    }
    return { located, original: group.firstUnpaired.record };
  });
}

/**
 * Service, metric and the instant to the second, as written: every spelling
 * `parseInstant` accepts of one UTC instant has the same date and time
 * digits (only `T`/`t`, fractions and `Z`/`+00:00` vary).
 */
function nearKey(r: UsageRecordLike): string {
  return `${r.service}\u0000${r.metric}\u0000${r.at.slice(0, 10)}${r.at.slice(11, 19)}`;
}

function contentKey(r: UsageRecordLike): string {
  return `${r.service}\u0000${r.metric}\u0000${parseInstant(r.at) ?? r.at}\u0000${canonicalDecimal(r.quantity)}`;
}

function sameContent(a: UsageRecordLike, b: UsageRecordLike): boolean {
  return contentKey(a) === contentKey(b);
}

/** "007.50" → "7.5"; "1.000" → "1" (the string is a valid decimal already). */
function canonicalDecimal(text: string): string {
  let t = text;
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  t = t.replace(/^0+(?=\d)/, '');
  return t;
}

function compareRecords(
  s: UsageRecordLike,
  b: UsageRecordLike,
  absolute: Rational,
  percent: Rational,
): { difference: string; fields: MismatchField[] } {
  const fields: MismatchField[] = [];
  if (s.service !== b.service) fields.push('service');
  if (s.metric !== b.metric) fields.push('metric');
  if (s.at !== b.at && parseInstant(s.at) !== parseInstant(b.at)) fields.push('at');
  if (s.quantity === b.quantity) return { difference: '0', fields };
  const sq = parseDecimal(s.quantity);
  const d = sub(sq, parseDecimal(b.quantity));
  const magnitude = abs(d);
  const tolerated =
    magnitude.num === 0n ||
    compare(magnitude, absolute) <= 0 ||
    compare(mul(magnitude, HUNDRED), mul(percent, sq)) <= 0;
  if (!tolerated) fields.push('quantity');
  return { difference: formatDecimal(d), fields };
}

function toleranceValue(value: string | undefined, name: 'absolute' | 'percent'): Rational {
  if (value === undefined) return ZERO;
  const v = isDecimalString(value) ? parseDecimal(value) : undefined;
  if (v !== undefined && v.num >= 0n && (name === 'absolute' || compare(v, HUNDRED) <= 0)) return v;
  throw new ValidationError('USAGE_INVALID', [
    {
      path: `tolerance.${name}`,
      rule:
        name === 'percent' ? 'expected a percentage from 0 to 100' : 'expected a non-negative decimal string',
      value,
    },
  ]);
}

const RECORD_FIELDS = ['id', 'service', 'metric', 'at'] as const;

function checkRecord(record: UsageRecordLike, side: Side, index: number): void {
  if (
    typeof record === 'object' &&
    record !== null &&
    typeof record.id === 'string' &&
    record.id !== '' &&
    typeof record.service === 'string' &&
    record.service !== '' &&
    typeof record.metric === 'string' &&
    record.metric !== '' &&
    typeof record.at === 'string' &&
    record.at !== ''
  ) {
    return;
  }
  if (typeof record !== 'object' || record === null) {
    throw new ValidationError('USAGE_INVALID', [
      { path: `${side}[${index}]`, rule: 'expected a usage record' },
    ]);
  }
  const field = RECORD_FIELDS.find((f) => typeof record[f] !== 'string' || record[f] === '')!;
  throw new ValidationError('USAGE_INVALID', [
    { path: `${side}[${index}].${field}`, rule: 'expected a non-empty string', value: record[field] },
  ]);
}

function tally(counter: Counter, record: UsageRecordLike, side: Side, index: number): void {
  try {
    counter.sum.add(record.quantity);
  } catch {
    throw new ValidationError('USAGE_INVALID', [
      {
        path: `${side}[${index}].quantity`,
        rule: 'expected a non-negative decimal string',
        value: record.quantity,
      },
    ]);
  }
  counter.count++;
}

class GroupMap {
  readonly #groups = new Map<string, Map<string, Group>>();
  #last: Group | undefined;

  get(service: string, metric: string): Group {
    const last = this.#last;
    if (last !== undefined && last.service === service && last.metric === metric) return last;
    let metrics = this.#groups.get(service);
    if (metrics === undefined) {
      metrics = new Map();
      this.#groups.set(service, metrics);
    }
    let group = metrics.get(metric);
    if (group === undefined) {
      const classes = Object.fromEntries(
        RECONCILIATION_CLASSES.map((c) => [c, { seller: counter(), buyer: counter() }]),
      ) as Group['classes'];
      group = { service, metric, seller: counter(), buyer: counter(), classes };
      metrics.set(metric, group);
    }
    this.#last = group;
    return group;
  }

  summaries(valuation: UsageValuation | undefined): {
    groups: GroupSummary[];
    amounts: Reconciliation<never>['amounts'];
  } {
    const sorted = [...this.#groups.keys()]
      .sort(byCodeUnit)
      .flatMap((s) =>
        [...this.#groups.get(s)!.entries()].sort(([a], [b]) => byCodeUnit(a, b)).map(([, g]) => g),
      );
    const totals = { seller: ZERO, buyer: ZERO, classes: new Map<ReconciliationClass, Rational>() };
    const groups = sorted.map((g): GroupSummary => {
      const pricing = valuation?.pricing(g.service, g.metric);
      const money =
        valuation === undefined || pricing === undefined
          ? undefined
          : (exact: Rational) => round(exact, valuation.decimals, valuation.rounding);
      const S = g.seller.sum.value();
      const B = g.buyer.sum.value();
      let unitPrice = ZERO;
      if (pricing !== undefined) {
        if (S.num !== 0n) unitPrice = div(priceUsage(pricing, S), S);
        else if (B.num !== 0n) unitPrice = div(priceUsage(pricing, B), B);
      }
      const others = (side: Side) =>
        sum(RECONCILIATION_CLASSES.filter((c) => c !== 'matched').map((c) => g.classes[c][side].sum.value()));
      const matched = { seller: sub(S, others('seller')), buyer: sub(B, others('buyer')) };
      const classes = Object.fromEntries(
        RECONCILIATION_CLASSES.map((c) => {
          const { seller, buyer } = g.classes[c];
          const s = c === 'matched' ? matched.seller : seller.sum.value();
          const b = c === 'matched' ? matched.buyer : buyer.sum.value();
          let amount: string | undefined;
          if (money !== undefined && valuation !== undefined) {
            const value = money(mul(sub(s, b), unitPrice));
            totals.classes.set(c, add(totals.classes.get(c) ?? ZERO, value));
            amount = formatFixed(value, valuation.decimals);
          }
          const summary: ClassSummary = {
            seller: { count: seller.count, quantity: formatDecimal(s) },
            buyer: { count: buyer.count, quantity: formatDecimal(b) },
            ...(amount === undefined ? {} : { amount }),
          };
          return [c, summary];
        }),
      ) as GroupSummary['classes'];
      let amounts: GroupSummary['amounts'];
      if (money !== undefined && valuation !== undefined && pricing !== undefined) {
        const seller = money(priceUsage(pricing, S));
        const buyer = money(priceUsage(pricing, B));
        totals.seller = add(totals.seller, seller);
        totals.buyer = add(totals.buyer, buyer);
        const f = (v: Rational) => formatFixed(v, valuation.decimals);
        amounts = { seller: f(seller), buyer: f(buyer), difference: f(sub(seller, buyer)) };
      }
      return {
        service: g.service,
        metric: g.metric,
        seller: { count: g.seller.count, quantity: formatDecimal(S) },
        buyer: { count: g.buyer.count, quantity: formatDecimal(B) },
        classes,
        ...(amounts === undefined ? {} : { amounts }),
      };
    });
    if (valuation === undefined) return { groups, amounts: undefined };
    const f = (v: Rational) => formatFixed(v, valuation.decimals);
    return {
      groups,
      amounts: {
        seller: f(totals.seller),
        buyer: f(totals.buyer),
        difference: f(sub(totals.seller, totals.buyer)),
        classes: Object.fromEntries(
          RECONCILIATION_CLASSES.map((c) => [c, f(totals.classes.get(c) ?? ZERO)]),
        ) as Record<ReconciliationClass, string>,
      },
    };
  }
}
