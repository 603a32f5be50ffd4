/**
 * Exact rational numbers on BigInt. Money, rates and proration fractions
 * (17/31 of a month, 743 hours of a DST March) are multiplied together
 * exactly and rounded once, where the contract says; no value ever passes
 * through a floating-point `number`.
 */

/** A reduced fraction `num / den` with `den > 0`. Plain, frozen data. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** Builds a reduced rational; throws on a zero denominator. */
export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new RangeError('rational: zero denominator');
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return Object.freeze(g > 1n ? { num: num / g, den: den / g } : { num, den });
}

export const ZERO: Rational = rational(0n);
export const ONE: Rational = rational(1n);
export const HUNDRED: Rational = rational(100n);

export function add(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** `a / b`; throws RangeError when `b` is zero. */
export function div(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('rational: division by zero');
  return rational(a.num * b.den, a.den * b.num);
}

export function neg(a: Rational): Rational {
  return rational(-a.num, a.den);
}

export function abs(a: Rational): Rational {
  return a.num < 0n ? neg(a) : a;
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function isZero(a: Rational): boolean {
  return a.num === 0n;
}

export function sum(values: readonly Rational[]): Rational {
  return values.reduce(add, ZERO);
}

export function min(a: Rational, b: Rational): Rational {
  return compare(a, b) <= 0 ? a : b;
}

export function max(a: Rational, b: Rational): Rational {
  return compare(a, b) >= 0 ? a : b;
}

/** Largest integer not greater than `a`. */
export function floor(a: Rational): bigint {
  const q = a.num / a.den;
  return a.num < 0n && q * a.den !== a.num ? q - 1n : q;
}

/** Smallest integer not less than `a`. */
export function ceil(a: Rational): bigint {
  const q = a.num / a.den;
  return a.num > 0n && q * a.den !== a.num ? q + 1n : q;
}

/** An integer count (days, units, months) as a rational. */
export function fromInt(n: number | bigint): Rational {
  if (typeof n === 'number' && !Number.isSafeInteger(n))
    throw new RangeError(`rational: ${n} is not an integer`);
  return rational(BigInt(n));
}
