/**
 * Lines outside the monthly charge: on-demand bandwidth boosts (billed in
 * the period they start, whole units with a minimum) and usage (summed per
 * metric over records dated in the period, then priced). Neither is
 * discounted nor part of the SLA base.
 */
import { formatDecimal, parseDecimal } from './decimal.ts';
import { type DraftLine, inPeriod, type Money } from './draft.ts';
import type { ServiceHistory } from './history.ts';
import { DAY, formatInstant, HOUR, MINUTE, SECOND } from './instant.ts';
import type { OnDemandUnit } from './offering.ts';
import type { BillingPeriod } from './period.ts';
import { ceil, fromInt, mul, rational, sum } from './rational.ts';
import { priceUsage } from './usage-pricing.ts';

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
  const records = history.usage.filter((u) => inPeriod(u.at, period));
  const metrics = [...new Set(records.map((r) => r.metric))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return metrics.map((metric) => {
    const mine = records.filter((r) => r.metric === metric);
    const quantity = sum(mine.map((r) => r.quantity));
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
      refs: mine.map((r) => r.ref),
    };
  });
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
