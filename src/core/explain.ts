/**
 * Why each line of an invoice says what it says, for people (the console's
 * invoice page, docs/invoices.md): the terms and facts behind it and the
 * arithmetic, step by step — the proration units, the availability behind
 * an SLA credit, the months behind an early-termination fee, the usage
 * tiers — computed with the rater's own functions, and the line's amount
 * recomputed from those steps so a reader sees that they agree.
 *
 * An explanation never changes an invoice: `agrees` is false (and shown) when
 * the steps do not give the line's amount — an invoice issued under other
 * facts than those given, say — and null when a line's kind has no
 * recomputation here (none today).
 */
import { minorUnit } from './currency.ts';
import { formatDecimal, formatFixed, parseDecimal, round } from './decimal.ts';
import { remainingMonths, termEnd } from './early-termination.ts';
import type { FactRef } from './facts.ts';
import { buildHistories, type ServiceHistory } from './history.ts';
import { formatInstant } from './instant.ts';
import type { Invoice, InvoiceLine } from './invoice.ts';
import { billingPeriod } from './period.ts';
import { billableWindow, prorate } from './prorate.ts';
import { add, compare, div, fromInt, HUNDRED, mul, neg, type Rational, sum, ZERO } from './rational.ts';
import { bestTermDiscount } from './recurring.ts';
import { availability, creditPercent } from './sla.ts';
import type { Terms } from './terms.ts';
import { priceUsage, type UsagePricing } from './usage-pricing.ts';

export interface LineExplanation {
  /** The steps, in reading order: what the terms say, what the facts say, the arithmetic. */
  readonly steps: readonly string[];
  /** The amount the steps give, with the currency's decimals. */
  readonly recomputed: string | null;
  /** Whether that is the line's amount. */
  readonly agrees: boolean | null;
}

const HOUR = 3_600_000;

type Result = (steps: string[], exact: Rational, line: InvoiceLine, negated?: boolean) => LineExplanation;

/** An exact value as a reader sees it: its decimals, or eight of them and `…` when it does not terminate. */
function show(value: Rational): string {
  try {
    return formatDecimal(value);
  } catch {
    return `${formatFixed(round(value, 8, 'down'), 8)}…`;
  }
}

function when(instant: number): string {
  return formatInstant(instant);
}

/** One explanation per line of `invoice`, in its order. */
export function explainInvoice(terms: Terms, invoice: Invoice, facts: readonly FactRef[]): LineExplanation[] {
  const zone = terms.billing.timeZone;
  const period = billingPeriod(invoice.period.id, zone);
  const decimals = minorUnit(terms.currency);
  const mode = terms.billing.rounding;
  const histories = new Map(buildHistories(terms, facts).map((h) => [h.service, h]));
  /** The amount `exact` gives, rounded as the rater rounds it: a discount or credit rounds its magnitude, then negates. */
  const result: Result = (steps, exact, line, negated = false) => {
    const magnitude = round(exact, decimals, mode);
    const recomputed = formatFixed(negated ? neg(magnitude) : magnitude, decimals);
    steps.push(`rounded ${mode} to ${decimals} decimals: ${recomputed}`);
    return { steps, recomputed, agrees: recomputed === line.amount };
  };

  return invoice.lines.map((line, index) => {
    const history = histories.get(line.service);
    const steps: string[] = [];
    if (history === undefined) {
      steps.push(`no service ${line.service} among the facts given`);
      return { steps, recomputed: null, agrees: false };
    }
    const offering = history.offering;
    switch (line.kind) {
      case 'recurring': {
        // The plan span whose billed window in the period starts where the line's coverage does.
        const found = history.spans
          .filter((s) => s.plan === line.plan)
          .map((s) => ({
            span: s,
            coverage: prorate(
              billableWindow(s, terms.billing.proration, zone),
              period,
              terms.billing.proration,
              zone,
            ),
          }))
          .find((c) => c.coverage !== undefined && when(c.coverage.start) === line.periodCoverage?.start);
        if (found === undefined) return noSource(steps, line);
        const { span } = found;
        const coverage = found.coverage!;
        const mrc = offering.plans[span.plan]!.mrc;
        steps.push(`terms: ${offering.name ?? offering.id} plan ${span.plan}, monthly charge ${mrc}`);
        steps.push(
          `facts: the plan from ${when(span.start.at)} (${span.start.ref})${span.end === null ? '' : ` to ${when(span.end.at)} (${span.end.ref})`}`,
        );
        const unit = terms.billing.proration;
        steps.push(
          unit === 'none'
            ? `billed for the whole period (${invoice.period.start} to ${invoice.period.end}): proration none`
            : `billed ${when(coverage.start)} to ${when(coverage.end)}: ${show(coverage.units)} of the period's ${show(coverage.periodUnits)} ${unit}s (proration by ${unit})`,
        );
        const exact = mul(parseDecimal(mrc), coverage.fraction);
        steps.push(`${mrc} × ${show(coverage.units)} / ${show(coverage.periodUnits)} = ${show(exact)}`);
        return result(steps, exact, line);
      }
      case 'discount': {
        const discount = bestTermDiscount(terms.discounts ?? [], history.termMonths);
        const base = invoice.lines
          .slice(0, index)
          .reverse()
          .find(
            (l) =>
              l.kind === 'recurring' &&
              l.service === line.service &&
              l.plan === line.plan &&
              l.periodCoverage?.start === line.periodCoverage?.start,
          );
        if (discount === undefined || base === undefined) return noSource(steps, line);
        steps.push(
          `terms: discount ${discount.id}, ${discount.percent}% for a term of at least ${discount.minTermMonths} months`,
        );
        steps.push(
          `facts: ${line.service} was ordered for ${history.termMonths} months (${history.ordered.ref})`,
        );
        steps.push(
          `−(${base.amount} × ${discount.percent} / 100) on the recurring line above = ${show(neg(div(mul(parseDecimal(base.amount), parseDecimal(discount.percent)), HUNDRED)))}`,
        );
        const exact = div(mul(parseDecimal(base.amount), parseDecimal(discount.percent)), HUNDRED);
        return result(steps, exact, line, true);
      }
      case 'sla-credit':
        return slaSteps(terms, history, period, invoice, line, steps, result);
      case 'early-termination': {
        const { activated, terminated } = history;
        const last = history.spans[history.spans.length - 1];
        const percent = terms.termination?.earlyTerminationPercent;
        if (
          activated === undefined ||
          terminated === undefined ||
          last === undefined ||
          percent === undefined
        ) {
          return noSource(steps, line);
        }
        const end = termEnd(activated.at, history.termMonths, zone);
        const months = remainingMonths(activated.at, history.termMonths, terminated.at, zone);
        const mrc = offering.plans[last.plan]!.mrc;
        steps.push(`terms: early termination costs ${percent}% of the monthly charge for each month left`);
        steps.push(
          `facts: active from ${when(activated.at)} (${activated.ref}) for a term of ${history.termMonths} months, to ${when(end)}`,
        );
        steps.push(`facts: terminated at ${when(terminated.at)} (${terminated.ref}): ${months} months left`);
        const exact = mul(div(mul(parseDecimal(percent), parseDecimal(mrc)), HUNDRED), fromInt(months));
        steps.push(`${percent}% × ${last.plan} monthly charge ${mrc} × ${months} = ${show(exact)}`);
        return result(steps, exact, line);
      }
      case 'usage': {
        const metric = offering.usage?.find((u) => u.metric === line.metric);
        if (metric === undefined || line.quantity === undefined) return noSource(steps, line);
        const quantity = parseDecimal(line.quantity);
        steps.push(
          `usage: ${line.quantity} ${line.metric} in the period, summed over the records of ${line.service}`,
        );
        steps.push(...tierSteps(metric.pricing, quantity));
        return result(steps, priceUsage(metric.pricing, quantity), line);
      }
      case 'on-demand': {
        const price = line.plan === undefined ? undefined : offering.onDemand?.prices[line.plan];
        if (price === undefined || line.quantity === undefined) return noSource(steps, line);
        steps.push(`terms: on-demand ${line.plan} at ${price} per ${offering.onDemand!.unit}`);
        steps.push(`facts: ${line.description}`);
        const exact = mul(parseDecimal(line.quantity), parseDecimal(price));
        steps.push(`${line.quantity} × ${price} = ${show(exact)}`);
        return result(steps, exact, line);
      }
      case 'nrc': {
        const charges = Object.entries(offering.nrc ?? {});
        if (charges.length === 0) return noSource(steps, line);
        for (const [name, amount] of charges) steps.push(`terms: one-time charge ${name} ${amount}`);
        if (history.activated !== undefined) {
          steps.push(
            `facts: activated at ${when(history.activated.at)} (${history.activated.ref}), in this period`,
          );
        }
        const exact = sum(charges.map(([, amount]) => parseDecimal(amount)));
        steps.push(`${charges.map(([, a]) => a).join(' + ')} = ${show(exact)}`);
        return result(steps, exact, line);
      }
      default:
        return noSource(steps, line);
    }
  });
}

function noSource(steps: string[], line: InvoiceLine): LineExplanation {
  steps.push(`${line.description}: the terms and facts given do not reproduce this line`);
  return { steps, recomputed: null, agrees: false };
}

function slaSteps(
  terms: Terms,
  history: ServiceHistory,
  period: { start: number; end: number },
  invoice: Invoice,
  line: InvoiceLine,
  steps: string[],
  result: Result,
): LineExplanation {
  const sla = terms.sla;
  if (sla === undefined || history.activated === undefined) return noSource(steps, line);
  const active = {
    start: Math.max(history.activated.at, period.start),
    end: Math.min(history.terminated?.at ?? Number.POSITIVE_INFINITY, period.end),
  };
  const a = availability(active, history.outages);
  const percent = a === undefined ? undefined : creditPercent(sla, a.percent);
  if (a === undefined || percent === undefined) return noSource(steps, line);
  steps.push(
    `terms: ${sla.tiers.map((t) => `below ${t.below}% → ${t.creditPercent}%`).join(', ')}${sla.creditCapPercent === undefined ? '' : `, at most ${sla.creditCapPercent}%`}`,
  );
  steps.push(
    `active in the period ${when(active.start)} to ${when(active.end)}: ${show(div(fromInt(a.activeMs), fromInt(HOUR)))} h`,
  );
  for (const o of history.outages) {
    const inside = Math.min(o.to, active.end) > Math.max(o.from, active.start);
    if (!inside) continue;
    steps.push(
      `facts: outage ${when(o.from)} to ${when(o.to)} (${o.ref})${o.maintenance ? ': maintenance, not counted' : ''}`,
    );
  }
  steps.push(`down (overlaps counted once): ${show(div(fromInt(a.downMs), fromInt(60_000)))} min`);
  steps.push(
    `availability 100 × (1 − ${a.downMs} / ${a.activeMs}) = ${formatFixed(round(a.percent, 4, 'half-up'), 4)}% → credit ${show(percent)}%`,
  );
  const base = invoice.lines.filter(
    (l) => l.service === line.service && (l.kind === 'recurring' || l.kind === 'discount'),
  );
  const baseAmount = base.reduce((t, l) => add(t, parseDecimal(l.amount)), ZERO);
  steps.push(`base: the recurring and discount lines of ${line.service} = ${show(baseAmount)}`);
  const exact = div(mul(baseAmount, percent), HUNDRED);
  steps.push(`−(${show(baseAmount)} × ${show(percent)} / 100) = ${show(neg(exact))}`);
  return result(steps, exact, line, true);
}

/** The tiers a quantity falls in, priced as the terms' model says. */
function tierSteps(pricing: UsagePricing, quantity: Rational): string[] {
  switch (pricing.model) {
    case 'per-unit':
      return [`terms: ${pricing.price} per unit`];
    case 'package':
      return [`terms: ${pricing.price} per package of ${pricing.size} (a started package counts whole)`];
    case 'volume':
      return [
        `terms: volume pricing, the whole quantity at the price of the tier it reaches: ${pricing.tiers
          .map((t) => `${t.upTo === null ? 'above' : `up to ${t.upTo}`} at ${t.price}`)
          .join(', ')}`,
      ];
    case 'graduated': {
      const out: string[] = ['terms: graduated tiers, each part of the quantity at its own tier'];
      let floor = ZERO;
      for (const tier of pricing.tiers) {
        const top = tier.upTo === null ? quantity : parseDecimal(tier.upTo);
        if (compare(quantity, floor) <= 0) break;
        const upper = compare(quantity, top) < 0 ? quantity : top;
        const inTier = add(upper, neg(floor));
        out.push(
          `${show(floor)} to ${tier.upTo ?? '∞'}: ${show(inTier)} × ${tier.price} = ${show(mul(inTier, parseDecimal(tier.price)))}`,
        );
        floor = top;
      }
      return out;
    }
  }
}
