/**
 * The lines one service contributes to one period's invoice: NRC on
 * activation, a recurring line per plan span with its term discount, the
 * SLA credit on those, the early-termination fee, then on-demand boosts
 * and usage. Each amount is rounded once here; refs name the facts used.
 */
import { formatDecimal, formatFixed, parseDecimal, round } from './decimal.ts';
import { remainingMonths } from './early-termination.ts';
import { boostLines, usageLines } from './extra-lines.ts';
import type { ServiceHistory } from './history.ts';
import { formatInstant } from './instant.ts';
import type { BillingPeriod } from './period.ts';
import { billableWindow, prorate } from './prorate.ts';
import type { DraftLine, Money } from './rate.ts';
import { compare, div, fromInt, HUNDRED, isZero, mul, neg, type Rational, sum } from './rational.ts';
import { availability, creditPercent } from './sla.ts';
import type { Discount, Terms } from './terms.ts';

export function serviceLines(
  terms: Terms,
  history: ServiceHistory,
  period: BillingPeriod,
  money: Money,
): DraftLine[] {
  const lines: DraftLine[] = [];
  const { service, offering, activated, terminated } = history;
  const inPeriod = (t: number) => t >= period.start && t < period.end;
  const label = offering.name ?? offering.id;

  if (activated !== undefined && inPeriod(activated.at)) {
    for (const [name, amount] of Object.entries(offering.nrc ?? {})) {
      lines.push({
        kind: 'nrc',
        service,
        description: `${label}: ${name} (one-time)`,
        amount: money.round(parseDecimal(amount)),
        refs: unique([history.ordered.ref, activated.ref]),
      });
    }
  }

  const discount = bestTermDiscount(terms.discounts ?? [], history.termMonths);
  const { proration, timeZone } = terms.billing;
  const base: Rational[] = [];
  for (const span of history.spans) {
    const window = billableWindow(span, proration, timeZone);
    const coverage = prorate(window, period, proration, timeZone);
    if (coverage === undefined) continue;
    const mrc = parseDecimal(offering.plans[span.plan]!.mrc);
    const amount = money.round(mul(mrc, coverage.fraction));
    const cut = span.end !== null && window.end <= period.end ? [span.end.ref] : [];
    const refs = unique([history.ordered.ref, activated?.ref ?? '', span.planRef, span.start.ref, ...cut]);
    const periodCoverage = { start: formatInstant(coverage.start), end: formatInstant(coverage.end) };
    const share =
      proration === 'none'
        ? 'full month'
        : `${fractionText(coverage.units)}/${fractionText(coverage.periodUnits)} ${proration}s`;
    lines.push({
      kind: 'recurring',
      service,
      description: `${label} ${span.plan}, ${share}`,
      amount,
      plan: span.plan,
      unitPrice: offering.plans[span.plan]!.mrc,
      periodCoverage,
      refs,
    });
    base.push(amount);
    if (discount === undefined) continue;
    const percent = parseDecimal(discount.percent);
    const off = neg(money.round(div(mul(amount, percent), HUNDRED)));
    lines.push({
      kind: 'discount',
      service,
      description: `Term discount ${discount.id} ${discount.percent}% on ${span.plan}`,
      amount: off,
      plan: span.plan,
      periodCoverage,
      refs,
    });
    base.push(off);
  }

  const sla = terms.sla;
  if (sla !== undefined && activated !== undefined) {
    const active = {
      start: Math.max(activated.at, period.start),
      end: Math.min(terminated?.at ?? Number.POSITIVE_INFINITY, period.end),
    };
    const a = availability(active, history.outages);
    const percent = a === undefined ? undefined : creditPercent(sla, a.percent);
    if (a !== undefined && percent !== undefined && !isZero(percent)) {
      lines.push({
        kind: 'sla-credit',
        service,
        description: `SLA credit ${formatDecimal(percent)}%: availability ${formatFixed(round(a.percent, 4, 'half-up'), 4)}%`,
        amount: neg(money.round(div(mul(sum(base), percent), HUNDRED))),
        refs: a.refs,
      });
    }
  }

  const fee = terms.termination;
  const lastSpan = history.spans[history.spans.length - 1];
  if (
    fee !== undefined &&
    activated !== undefined &&
    terminated !== undefined &&
    lastSpan !== undefined &&
    inPeriod(terminated.at)
  ) {
    const months = remainingMonths(activated.at, history.termMonths, terminated.at, timeZone);
    if (months > 0) {
      const mrc = parseDecimal(offering.plans[lastSpan.plan]!.mrc);
      const perMonth = div(mul(parseDecimal(fee.earlyTerminationPercent), mrc), HUNDRED);
      lines.push({
        kind: 'early-termination',
        service,
        description: `Early termination: ${fee.earlyTerminationPercent}% of ${lastSpan.plan} MRC ${formatDecimal(mrc)} × ${months} months`,
        amount: money.round(mul(perMonth, fromInt(months))),
        plan: lastSpan.plan,
        quantity: String(months),
        unit: 'month',
        unitPrice: priceText(perMonth, money.decimals),
        refs: unique([history.ordered.ref, activated.ref, lastSpan.planRef, terminated.ref]),
      });
    }
  }

  lines.push(...boostLines(history, period, money), ...usageLines(history, period, money));
  return lines;
}

/**
 * Term discounts are tiers: of those whose `minTermMonths` the order's term
 * reaches, the largest percent applies (the first such in document order).
 */
export function bestTermDiscount(discounts: readonly Discount[], termMonths: number): Discount | undefined {
  let best: Discount | undefined;
  for (const d of discounts) {
    if (d.kind !== 'term' || termMonths < d.minTermMonths) continue;
    if (best === undefined || compare(parseDecimal(d.percent), parseDecimal(best.percent)) > 0) best = d;
  }
  return best;
}

function unique(refs: readonly string[]): string[] {
  return [...new Set(refs.filter((r) => r !== ''))];
}

/** A unit price with at least the currency's decimals (more when exact needs them). */
function priceText(price: Rational, decimals: number): string {
  return formatFixed(price, Math.max(decimals, decimalsOf(price)));
}

function decimalsOf(value: Rational): number {
  const text = fractionText(value);
  return text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
}

function fractionText(units: Rational): string {
  try {
    return formatDecimal(units);
  } catch {
    return `${units.num}/${units.den}`;
  }
}
