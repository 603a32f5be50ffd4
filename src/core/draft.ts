/**
 * What the line builders share: the currency's precision with the
 * contract's rounding mode (applied once per line), and a line whose amount
 * is still an exact Rational until the invoice is printed.
 */
import { formatDecimal, formatFixed } from './decimal.ts';
import type { InvoiceLine } from './invoice.ts';
import type { BillingPeriod } from './period.ts';
import type { Rational } from './rational.ts';

export interface Money {
  /** ISO 4217 minor unit of the invoice currency. */
  readonly decimals: number;
  /** Rounds an exact amount once, to `decimals`, with `billing.rounding`. */
  round(exact: Rational): Rational;
}

export interface DraftLine extends Omit<InvoiceLine, 'amount'> {
  readonly amount: Rational;
}

export function inPeriod(instant: number, period: BillingPeriod): boolean {
  return instant >= period.start && instant < period.end;
}

/** Refs without blanks or repeats, in first-seen order. */
export function uniqueRefs(refs: readonly (string | undefined)[]): string[] {
  return [...new Set(refs.filter((r): r is string => r !== undefined && r !== ''))];
}

/** A count or price for descriptions: the shortest decimal, or `num/den` when it does not terminate. */
export function numberText(value: Rational): string {
  try {
    return formatDecimal(value);
  } catch {
    return `${value.num}/${value.den}`;
  }
}

/** A unit price with at least the currency's decimals (more when it needs them). */
export function priceText(price: Rational, decimals: number): string {
  const text = numberText(price);
  const needed = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
  return formatFixed(price, Math.max(decimals, needed));
}
