/**
 * Early termination (TERMS.md §3). The term ends `termMonths` calendar
 * months after activation (same local day and time, clamped to the end of a
 * shorter month). A service terminated before then owes a percentage of the
 * plan's list MRC for each remaining month, counting a started month whole:
 * n is the smallest whole number with termination + n months ≥ term end.
 */
import { addMonths } from './calendar.ts';
import { parseDecimal } from './decimal.ts';
import { type DraftLine, inPeriod, type Money, priceText, uniqueRefs } from './draft.ts';
import type { ServiceHistory } from './history.ts';
import type { Instant } from './instant.ts';
import type { BillingPeriod } from './period.ts';
import { div, fromInt, HUNDRED, mul } from './rational.ts';

/** Calendar-month term end in `zone`. */
export function termEnd(activation: Instant, termMonths: number, zone: string): Instant {
  return addMonths(activation, termMonths, zone);
}

/**
 * Remaining whole months owed, 0 when the service ran its term.
 * @example remainingMonths(2026-01-15T09:30Z, 36, 2026-03-10T08:00Z, 'UTC') // 35
 */
export function remainingMonths(
  activation: Instant,
  termMonths: number,
  termination: Instant,
  zone: string,
): number {
  const end = termEnd(activation, termMonths, zone);
  if (termination >= end) return 0;
  let n = 1;
  while (addMonths(termination, n, zone) < end) n++;
  return n;
}

/** The fee line on the invoice of the termination period, at the list MRC of the plan at termination. */
export function earlyTerminationLine(
  percent: string,
  history: ServiceHistory,
  period: BillingPeriod,
  zone: string,
  money: Money,
): DraftLine | undefined {
  const { activated, terminated } = history;
  const last = history.spans[history.spans.length - 1];
  if (activated === undefined || terminated === undefined || last === undefined) return undefined;
  if (!inPeriod(terminated.at, period)) return undefined;
  const months = remainingMonths(activated.at, history.termMonths, terminated.at, zone);
  if (months === 0) return undefined;
  const mrc = history.offering.plans[last.plan]!.mrc;
  const perMonth = div(mul(parseDecimal(percent), parseDecimal(mrc)), HUNDRED);
  return {
    kind: 'early-termination',
    service: history.service,
    description: `Early termination: ${percent}% of ${last.plan} MRC ${mrc} × ${months} months`,
    amount: money.round(mul(perMonth, fromInt(months))),
    plan: last.plan,
    quantity: String(months),
    unit: 'month',
    unitPrice: priceText(perMonth, money.decimals),
    refs: uniqueRefs([history.ordered.ref, activated.ref, last.planRef, terminated.ref]),
  };
}
