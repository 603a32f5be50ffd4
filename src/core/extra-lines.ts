/**
 * Lines outside the monthly charge: on-demand bandwidth boosts (billed in
 * the period they start, whole units with a minimum) and usage (summed per
 * metric over records dated in the period, then priced). Neither is
 * discounted nor part of the SLA base.
 */

import { byCodeUnit } from './code-unit.ts';
import { formatDecimal, parseDecimal } from './decimal.ts';
import { type DraftLine, inPeriod, type Money } from './draft.ts';
import type { ServiceHistory } from './history.ts';
import { DAY, formatInstant, HOUR, MINUTE, SECOND } from './instant.ts';
import type { OnDemandUnit } from './offering.ts';
import type { BillingPeriod } from './period.ts';
import { ceil, fromInt, mul, type Rational, rational, sum } from './rational.ts';
import { priceUsage } from './usage-pricing.ts';
import type { UsageSum } from './usage-totals.ts';

const UNIT_MS: Record<OnDemandUnit, number> = { second: SECOND, minute: MINUTE, hour: HOUR, day: DAY };

export function boostLines(history: ServiceHistory, period: BillingPeriod, money: Money): DraftLine[] {
  const onDemand = history.offering.onDemand;
  if (onDemand === undefined) return [];
  return history.boosts
    .filter((b) => inPeriod(b.from, period))
    .map((b) => {
      const units = bigMax(
        BigInt(onDemand.minimumUnits ?? 0),
        ceil(rational(BigInt(b.to - b.from), BigInt(UNIT_MS[onDemand.unit]))),
      );
      const price = onDemand.prices[b.plan]!;
      return {
        kind: 'on-demand',
        service: history.service,
        description: `On-demand ${b.plan} from ${formatInstant(b.from)} to ${formatInstant(b.to)}: ${units} ${onDemand.unit}(s)`,
        amount: money.round(mul(fromInt(units), parseDecimal(price))),
        plan: b.plan,
        quantity: units.toString(),
        unit: onDemand.unit,
        unitPrice: price,
        periodCoverage: { start: formatInstant(b.from), end: formatInstant(b.to) },
        refs: [b.ref],
      };
    });
}

export function usageLines(history: ServiceHistory, period: BillingPeriod, money: Money): DraftLine[] {
  const byMetric = new Map<string, { quantities: Rational[]; refs: string[] }>();
  for (const r of history.usage) {
    if (!inPeriod(r.at, period)) continue;
    let mine = byMetric.get(r.metric);
    if (mine === undefined) {
      mine = { quantities: [], refs: [] };
      byMetric.set(r.metric, mine);
    }
    mine.quantities.push(r.quantity);
    mine.refs.push(r.ref);
  }
  return [...byMetric.keys()].sort(byCodeUnit).map((metric) => {
    const mine = byMetric.get(metric)!;
    return usageLine(history, metric, sum(mine.quantities), mine.refs, money);
  });
}

/**
 * Usage lines from pre-summed quantities (`rate(…, { usage })`): the same
 * line `usageLines` gives for records with that sum, citing `refs`.
 * @param sums this service's sums for the period, one per metric.
 */
export function usageSumLines(history: ServiceHistory, sums: readonly UsageSum[], money: Money): DraftLine[] {
  return [...sums]
    .sort((a, b) => byCodeUnit(a.metric, b.metric))
    .map((s) => usageLine(history, s.metric, parseDecimal(s.quantity), s.refs, money));
}

function usageLine(
  history: ServiceHistory,
  metric: string,
  quantity: Rational,
  refs: readonly string[],
  money: Money,
): DraftLine {
  const pricing = history.offering.usage!.find((u) => u.metric === metric)!.pricing;
  return {
    kind: 'usage',
    service: history.service,
    description: `Usage ${metric}: ${formatDecimal(quantity)} (${pricing.model})`,
    amount: money.round(priceUsage(pricing, quantity)),
    metric,
    quantity: formatDecimal(quantity),
    unit: metric,
    ...(pricing.model === 'per-unit' ? { unitPrice: pricing.price } : {}),
    refs: [...refs],
  };
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
