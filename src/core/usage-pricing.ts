/**
 * Prices a period's summed usage quantity under one of the four models of
 * TERMS.md §3: per-unit, graduated (each unit at its tier's price), volume
 * (all units at the price of the tier the total falls in; a total equal to
 * a tier's `upTo` is in that tier) and package (whole blocks, partial blocks
 * round up). The result is exact; the caller rounds the line once.
 */
import { type Checker, child, type DecimalBounds } from './checker.ts';
import { parseDecimal } from './decimal.ts';
import { add, ceil, compare, div, mul, type Rational, rational, sub, ZERO } from './rational.ts';

export interface Tier {
  /** Cumulative upper bound of the tier, or null for the last, unbounded tier. */
  readonly upTo: string | null;
  readonly price: string;
}

export type UsagePricing =
  | { readonly model: 'per-unit'; readonly price: string }
  | { readonly model: 'graduated' | 'volume'; readonly tiers: readonly Tier[] }
  | { readonly model: 'package'; readonly size: string; readonly price: string };

export const USAGE_MODELS = ['per-unit', 'graduated', 'volume', 'package'] as const;

const NON_NEGATIVE: DecimalBounds = { min: ZERO, rule: 'expected a non-negative decimal string' };
const POSITIVE: DecimalBounds = { above: ZERO, rule: 'expected a positive decimal string' };

/** Records every broken rule of a pricing object at `path`. */
export function checkUsagePricing(c: Checker, value: unknown, path: string): void {
  const p = c.object(value, path);
  if (p === undefined) return;
  const model = c.literal(p.model, child(path, 'model'), USAGE_MODELS);
  if (model === 'per-unit') c.decimal(p.price, child(path, 'price'), NON_NEGATIVE);
  if (model === 'package') {
    c.decimal(p.size, child(path, 'size'), POSITIVE);
    c.decimal(p.price, child(path, 'price'), NON_NEGATIVE);
  }
  if (model !== 'graduated' && model !== 'volume') return;
  const tiersPath = child(path, 'tiers');
  const tiers = c.array(p.tiers, tiersPath, true);
  if (tiers === undefined) return;
  let previous: Rational = ZERO;
  tiers.forEach((value, i) => {
    const tierPath = child(tiersPath, i);
    const tier = c.object(value, tierPath);
    if (tier === undefined) return;
    c.decimal(tier.price, child(tierPath, 'price'), NON_NEGATIVE);
    const last = i === tiers.length - 1;
    if (tier.upTo === null) {
      if (!last) c.fail(child(tierPath, 'upTo'), 'only the last tier may have upTo null', null);
      return;
    }
    if (last) {
      c.fail(child(tierPath, 'upTo'), 'expected null in the last tier', tier.upTo);
      return;
    }
    const upTo = c.decimal(tier.upTo, child(tierPath, 'upTo'), POSITIVE);
    if (upTo === undefined) return;
    if (compare(parseDecimal(upTo), previous) <= 0) {
      c.fail(child(tierPath, 'upTo'), 'expected tiers in increasing order of upTo', upTo);
    } else {
      previous = parseDecimal(upTo);
    }
  });
}

/** The exact charge for `quantity` units (not rounded). */
export function priceUsage(pricing: UsagePricing, quantity: Rational): Rational {
  switch (pricing.model) {
    case 'per-unit':
      return mul(parseDecimal(pricing.price), quantity);
    case 'package': {
      const blocks = ceil(div(quantity, parseDecimal(pricing.size)));
      return mul(rational(blocks), parseDecimal(pricing.price));
    }
    case 'volume': {
      const tier = pricing.tiers.find((t) => t.upTo === null || compare(quantity, parseDecimal(t.upTo)) <= 0);
      return tier === undefined ? ZERO : mul(parseDecimal(tier.price), quantity);
    }
    case 'graduated': {
      let total = ZERO;
      let floor = ZERO;
      for (const tier of pricing.tiers) {
        if (compare(quantity, floor) <= 0) break;
        const top = tier.upTo === null ? quantity : parseDecimal(tier.upTo);
        const inTier = sub(compare(quantity, top) < 0 ? quantity : top, floor);
        total = add(total, mul(inTier, parseDecimal(tier.price)));
        floor = top;
      }
      return total;
    }
  }
}
