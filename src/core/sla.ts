/**
 * SLA credit for one service in one period (TERMS.md §3). Active
 * time is exact (not rounded to proration units); downtime is the union of
 * non-maintenance outages inside the active time, so overlapping outage
 * reports are counted once and an outage spanning two months counts in each
 * for its part. Availability is compared exactly against the tiers.
 */
import { formatDecimal, formatFixed, parseDecimal, round } from './decimal.ts';
import type { DraftLine, Money } from './draft.ts';
import type { ServiceHistory } from './history.ts';
import type { BillingPeriod } from './period.ts';
import type { Window } from './prorate.ts';
import {
  compare,
  div,
  fromInt,
  HUNDRED,
  isZero,
  mul,
  neg,
  ONE,
  type Rational,
  sub,
  sum,
} from './rational.ts';
import type { Sla } from './terms.ts';

export interface Availability {
  readonly activeMs: number;
  readonly downMs: number;
  /** 100 × (1 − down / active), exact. */
  readonly percent: Rational;
  /** Refs of the outages that counted. */
  readonly refs: readonly string[];
}

interface OutageSpan {
  readonly ref: string;
  readonly from: number;
  readonly to: number;
  readonly maintenance: boolean;
}

/** Availability over `active` (already clipped to the period); undefined when never active. */
export function availability(active: Window, outages: readonly OutageSpan[]): Availability | undefined {
  const activeMs = active.end - active.start;
  if (activeMs <= 0) return undefined;
  const clipped = outages
    .filter((o) => !o.maintenance)
    .map((o) => ({ ref: o.ref, from: Math.max(o.from, active.start), to: Math.min(o.to, active.end) }))
    .filter((o) => o.to > o.from)
    .sort((a, b) => a.from - b.from || a.to - b.to);
  let downMs = 0;
  let cursor = Number.NEGATIVE_INFINITY;
  for (const o of clipped) {
    const from = Math.max(o.from, cursor);
    if (o.to > from) downMs += o.to - from;
    cursor = Math.max(cursor, o.to);
  }
  const percent = mul(HUNDRED, sub(ONE, div(fromInt(downMs), fromInt(activeMs))));
  const refs = [...new Set(clipped.map((o) => o.ref))];
  return { activeMs, downMs, percent, refs };
}

/** The largest credit among tiers with availability below `below`, capped; undefined for no credit. */
export function creditPercent(sla: Sla, availabilityPercent: Rational): Rational | undefined {
  let best: Rational | undefined;
  for (const tier of sla.tiers) {
    if (compare(availabilityPercent, parseDecimal(tier.below)) >= 0) continue;
    const credit = parseDecimal(tier.creditPercent);
    if (best === undefined || compare(credit, best) > 0) best = credit;
  }
  if (best === undefined) return undefined;
  if (sla.creditCapPercent !== undefined && compare(best, parseDecimal(sla.creditCapPercent)) > 0) {
    return parseDecimal(sla.creditCapPercent);
  }
  return best;
}

/**
 * The period's SLA credit line for a service, or undefined: `−round(base ×
 * credit / 100)` where base is the sum of its recurring and discount lines.
 */
export function slaCreditLine(
  sla: Sla,
  history: ServiceHistory,
  period: BillingPeriod,
  base: readonly DraftLine[],
  money: Money,
): DraftLine | undefined {
  if (history.activated === undefined) return undefined;
  const active = {
    start: Math.max(history.activated.at, period.start),
    end: Math.min(history.terminated?.at ?? Number.POSITIVE_INFINITY, period.end),
  };
  const a = availability(active, history.outages);
  const percent = a === undefined ? undefined : creditPercent(sla, a.percent);
  if (a === undefined || percent === undefined || isZero(percent)) return undefined;
  const baseAmount = sum(base.map((line) => line.amount));
  return {
    kind: 'sla-credit',
    service: history.service,
    description: `SLA credit ${formatDecimal(percent)}%: availability ${formatFixed(round(a.percent, 4, 'half-up'), 4)}%`,
    amount: neg(money.round(div(mul(baseAmount, percent), HUNDRED))),
    refs: a.refs,
  };
}
