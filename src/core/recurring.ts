/**
 * Recurring lines: one per plan span overlapping the period, `mrc ×
 * fraction` rounded once, each followed by its term discount line
 * `−round(rounded recurring × percent / 100)`. Their sum is the SLA base.
 */
import { parseDecimal } from './decimal.ts';
import { type DraftLine, type Money, numberText, uniqueRefs } from './draft.ts';
import type { ServiceHistory } from './history.ts';
import { formatInstant } from './instant.ts';
import type { BillingPeriod } from './period.ts';
import { billableWindow, prorate } from './prorate.ts';
import { compare, div, HUNDRED, mul, neg } from './rational.ts';
import type { Discount, Terms } from './terms.ts';

export function recurringLines(
  terms: Terms,
  history: ServiceHistory,
  period: BillingPeriod,
  money: Money,
): DraftLine[] {
  const { service, offering } = history;
  const { proration, timeZone } = terms.billing;
  const discount = bestTermDiscount(terms.discounts ?? [], history.termMonths);
  const lines: DraftLine[] = [];
  for (const span of history.spans) {
    const window = billableWindow(span, proration, timeZone);
    const coverage = prorate(window, period, proration, timeZone);
    if (coverage === undefined) continue;
    const mrc = offering.plans[span.plan]!.mrc;
    const amount = money.round(mul(parseDecimal(mrc), coverage.fraction));
    // The fact ending the span is cited only when it cut this period's coverage.
    const cut = span.end !== null && window.end <= period.end ? span.end.ref : undefined;
    const refs = uniqueRefs([history.ordered.ref, history.activated?.ref, span.planRef, span.start.ref, cut]);
    const periodCoverage = { start: formatInstant(coverage.start), end: formatInstant(coverage.end) };
    const share =
      proration === 'none'
        ? 'full month'
        : `${numberText(coverage.units)}/${numberText(coverage.periodUnits)} ${proration}s`;
    lines.push({
      kind: 'recurring',
      service,
      description: `${offering.name ?? offering.id} ${span.plan}, ${share}`,
      amount,
      plan: span.plan,
      unitPrice: mrc,
      periodCoverage,
      refs,
    });
    if (discount === undefined) continue;
    lines.push({
      kind: 'discount',
      service,
      description: `Term discount ${discount.id} ${discount.percent}% on ${span.plan}`,
      amount: neg(money.round(div(mul(amount, parseDecimal(discount.percent)), HUNDRED))),
      plan: span.plan,
      periodCoverage,
      refs,
    });
  }
  return lines;
}

/**
 * Term discounts are tiers: of those whose `minTermMonths` the order's term
 * reaches, the one with the largest percent applies (the first on a tie).
 */
export function bestTermDiscount(discounts: readonly Discount[], termMonths: number): Discount | undefined {
  let best: Discount | undefined;
  for (const d of discounts) {
    if (d.kind !== 'term' || termMonths < d.minTermMonths) continue;
    if (best === undefined || compare(parseDecimal(d.percent), parseDecimal(best.percent)) > 0) best = d;
  }
  return best;
}
