/**
 * Tax on the invoice (TERMS.md §3): per category, round(taxable × rate / 100)
 * with the contract's rounding. Reverse charge (AE) carries no tax and a
 * note telling the Buyer to self-account; zero-rated (Z) and exempt (E)
 * carry no tax.
 */
import { formatDecimal, parseDecimal, type RoundingMode, round } from './decimal.ts';
import { div, HUNDRED, mul, type Rational } from './rational.ts';
import type { TaxCategory } from './terms.ts';

export interface TaxComputation {
  readonly category: TaxCategory;
  /** The rate as the shortest decimal string ("20", "0"). */
  readonly ratePercent: string;
  readonly taxable: Rational;
  readonly amount: Rational;
  readonly note?: string;
}

export const REVERSE_CHARGE_NOTE = 'Reverse charge';

export function computeTax(
  tax: { readonly category: TaxCategory; readonly ratePercent: string },
  taxable: Rational,
  decimals: number,
  mode: RoundingMode,
): TaxComputation {
  const rate = tax.category === 'S' ? parseDecimal(tax.ratePercent) : parseDecimal('0');
  const amount = round(div(mul(taxable, rate), HUNDRED), decimals, mode);
  const base = { category: tax.category, ratePercent: formatDecimal(rate), taxable, amount };
  return tax.category === 'AE' ? { ...base, note: REVERSE_CHARGE_NOTE } : base;
}
