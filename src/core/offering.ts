/**
 * What the Seller sells under the terms: plans with a monthly recurring
 * charge, one-time charges due on activation, on-demand bandwidth prices and
 * usage metrics. Validation of `offerings[i]` lives here, beside the types.
 */
import { checkCapacityMap } from './capacity.ts';
import { type Checker, child, type DecimalBounds } from './checker.ts';
import { ZERO } from './rational.ts';
import { checkUsagePricing, type UsagePricing } from './usage-pricing.ts';

export const ON_DEMAND_UNITS = ['second', 'minute', 'hour', 'day'] as const;
/** Fixed lengths: a minute is 60 s, an hour 3600 s, a day 86 400 s. */
export type OnDemandUnit = (typeof ON_DEMAND_UNITS)[number];

export interface Plan {
  readonly mrc: string;
}

export interface OnDemand {
  readonly unit: OnDemandUnit;
  /** At least this many units per boost; 0 when absent. */
  readonly minimumUnits?: number;
  /** Price per unit, by bandwidth level: a plan id, or a level no plan has (a 1G port bursting to 5G). */
  readonly prices: Readonly<Record<string, string>>;
}

export interface UsageMetric {
  readonly metric: string;
  readonly pricing: UsagePricing;
}

export interface Offering {
  readonly id: string;
  readonly name?: string;
  readonly plans: Readonly<Record<string, Plan>>;
  /** One-time charges by name ("install"), billed in the activation period. */
  readonly nrc?: Readonly<Record<string, string>>;
  readonly onDemand?: OnDemand;
  readonly usage?: readonly UsageMetric[];
  /**
   * Capacity each plan and on-demand level draws from the Seller's pool
   * (capacity.ts), in the pool's unit: `{ "1G": "1000" }` in Mbps.
   */
  readonly capacity?: Readonly<Record<string, string>>;
}

const NON_NEGATIVE: DecimalBounds = { min: ZERO, rule: 'expected a non-negative decimal string' };

export function checkOfferings(c: Checker, value: unknown, path: string): void {
  const ids = new Set<string>();
  c.array(value, path, true)?.forEach((item, i) => {
    const id = checkOffering(c, item, child(path, i));
    if (id !== undefined && ids.has(id))
      c.fail(child(child(path, i), 'id'), 'expected a unique offering id', id);
    if (id !== undefined) ids.add(id);
  });
}

function checkOffering(c: Checker, value: unknown, path: string): string | undefined {
  const o = c.object(value, path);
  if (o === undefined) return undefined;
  const id = c.string(o.id, child(path, 'id'));
  if (o.name !== undefined && typeof o.name !== 'string')
    c.fail(child(path, 'name'), 'expected a string', o.name);
  const plans = c.object(o.plans, child(path, 'plans'));
  if (plans !== undefined && Object.keys(plans).length === 0)
    c.fail(child(path, 'plans'), 'expected at least one plan');
  for (const [planId, plan] of Object.entries(plans ?? {})) {
    const planPath = child(child(path, 'plans'), planId);
    const p = c.object(plan, planPath);
    if (p !== undefined) c.decimal(p.mrc, child(planPath, 'mrc'), NON_NEGATIVE);
  }
  if (o.nrc !== undefined) {
    const nrc = c.object(o.nrc, child(path, 'nrc'));
    for (const [name, amount] of Object.entries(nrc ?? {})) {
      c.decimal(amount, child(child(path, 'nrc'), name), NON_NEGATIVE);
    }
  }
  if (o.onDemand !== undefined) checkOnDemand(c, o.onDemand, child(path, 'onDemand'));
  if (o.capacity !== undefined) {
    const onDemand =
      isObject(o.onDemand) && isObject(o.onDemand.prices) ? Object.keys(o.onDemand.prices) : [];
    checkCapacityMap(c, o.capacity, child(path, 'capacity'), [...Object.keys(plans ?? {}), ...onDemand]);
  }
  if (o.usage !== undefined) {
    const metrics = new Set<string>();
    c.array(o.usage, child(path, 'usage'))?.forEach((item, i) => {
      const usagePath = child(child(path, 'usage'), i);
      const u = c.object(item, usagePath);
      if (u === undefined) return;
      const metric = c.string(u.metric, child(usagePath, 'metric'));
      if (metric !== undefined && metrics.has(metric)) {
        c.fail(child(usagePath, 'metric'), 'expected a unique metric in the offering', metric);
      }
      if (metric !== undefined) metrics.add(metric);
      checkUsagePricing(c, u.pricing, child(usagePath, 'pricing'));
    });
  }
  return id;
}

function checkOnDemand(c: Checker, value: unknown, path: string): void {
  const d = c.object(value, path);
  if (d === undefined) return;
  c.literal(d.unit, child(path, 'unit'), ON_DEMAND_UNITS);
  if (d.minimumUnits !== undefined) c.integer(d.minimumUnits, child(path, 'minimumUnits'));
  // Keys are bandwidth levels a service may burst to (a 1G port to 5G), not necessarily plans.
  const prices = c.object(d.prices, child(path, 'prices'));
  for (const [level, price] of Object.entries(prices ?? {})) {
    const pricePath = child(child(path, 'prices'), level);
    if (level.trim() === '') c.fail(pricePath, 'expected a bandwidth level name', level);
    c.decimal(price, pricePath, NON_NEGATIVE);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
