/**
 * Decimal strings at the boundaries: strict parsing (no exponents, signs
 * other than '-', blanks or bare dots), rounding to N decimals with the four
 * contract modes, and fixed-point formatting. Inside, values are Rationals.
 */
import { BilateralError } from './errors.ts';
import { abs, compare, neg, type Rational, rational } from './rational.ts';

export const ROUNDING_MODES = ['half-up', 'half-even', 'down', 'up'] as const;
/** half-up: half away from zero; half-even: banker's; down: toward zero; up: away from zero. */
export type RoundingMode = (typeof ROUNDING_MODES)[number];

const DECIMAL = /^-?\d{1,64}(\.\d{1,64})?$/;

/** True for strings like "12", "-0.5", "0.00125"; false for "1e3", " 1", "+1", "", ".5", "1." and non-strings. */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value);
}

/**
 * Parses a decimal string exactly.
 * @example parseDecimal('0.05') // { num: 1n, den: 20n }
 */
export function parseDecimal(text: string): Rational {
  if (!isDecimalString(text)) {
    throw new BilateralError('DECIMAL_INVALID', `expected a decimal string, got ${JSON.stringify(text)}`, {
      details: { value: text },
    });
  }
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = BigInt(whole + fraction);
  return rational(negative ? -digits : digits, 10n ** BigInt(fraction.length));
}

/** Rounds `value` to `decimals` places (0 or more) with `mode`; the result is exact. */
export function round(value: Rational, decimals: number, mode: RoundingMode): Rational {
  if (!Number.isSafeInteger(decimals) || decimals < 0)
    throw new RangeError(`round: bad decimals ${decimals}`);
  const scale = 10n ** BigInt(decimals);
  const magnitude = abs(value);
  const scaled = magnitude.num * scale;
  let q = scaled / magnitude.den;
  const remainder = scaled - q * magnitude.den;
  if (remainder !== 0n) {
    const twice = remainder * 2n;
    const above = twice > magnitude.den;
    const half = twice === magnitude.den;
    if (
      mode === 'up' ||
      (mode === 'half-up' && (above || half)) ||
      (mode === 'half-even' && (above || (half && q % 2n === 1n)))
    ) {
      q += 1n;
    }
  }
  const rounded = rational(q, scale);
  return value.num < 0n ? neg(rounded) : rounded;
}

/**
 * Formats `value` with exactly `decimals` places; the value must already be
 * representable (round it first). Negative zero prints as zero.
 * @example formatFixed(parseDecimal('-0'), 2) // '0.00'
 */
export function formatFixed(value: Rational, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  if ((value.num * scale) % value.den !== 0n) {
    throw new RangeError(`formatFixed: value is not representable with ${decimals} decimals`);
  }
  const scaled = (value.num * scale) / value.den;
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const text = decimals === 0 ? whole : `${whole}.${digits.slice(digits.length - decimals)}`;
  return negative ? `-${text}` : text;
}

/** The shortest decimal string for a value with a terminating expansion ("20", "0.5"). */
export function formatDecimal(value: Rational): string {
  let den = value.den;
  let decimals = 0;
  while (den % 10n === 0n) {
    den /= 10n;
    decimals++;
  }
  while (den % 2n === 0n || den % 5n === 0n) {
    den = den % 2n === 0n ? den / 2n : den / 5n;
    decimals++;
  }
  if (den !== 1n) throw new RangeError('formatDecimal: value has no finite decimal expansion');
  const text = formatFixed(value, decimals);
  return decimals === 0 ? text : text.replace(/0+$/, '').replace(/\.$/, '');
}

/** Compares two decimal strings numerically. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  return compare(parseDecimal(a), parseDecimal(b));
}
