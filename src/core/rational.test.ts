import { describe, expect, it } from 'vitest';
import { add, ceil, compare, div, floor, mul, neg, rational, sub, sum } from './rational.ts';

describe('rational', () => {
  it('keeps fractions reduced with a positive denominator', () => {
    expect(rational(6n, -4n)).toEqual({ num: -3n, den: 2n });
    expect(rational(0n, 7n)).toEqual({ num: 0n, den: 1n });
    expect(() => rational(1n, 0n)).toThrow(RangeError);
  });

  it('adds, subtracts, multiplies and divides exactly', () => {
    const third = rational(1n, 3n);
    expect(add(third, third)).toEqual(rational(2n, 3n));
    expect(sub(third, rational(1n, 2n))).toEqual(rational(-1n, 6n));
    expect(mul(rational(1200n), rational(17n, 31n))).toEqual(rational(20400n, 31n));
    expect(div(rational(1n), third)).toEqual(rational(3n));
    expect(() => div(third, rational(0n))).toThrow(RangeError);
    expect(sum([third, third, third])).toEqual(rational(1n));
    expect(neg(third)).toEqual(rational(-1n, 3n));
  });

  it('compares, floors and ceils including negatives', () => {
    expect(compare(rational(1n, 3n), rational(333n, 1000n))).toBe(1);
    expect(compare(rational(-1n, 2n), rational(-1n, 3n))).toBe(-1);
    expect(compare(rational(2n, 4n), rational(1n, 2n))).toBe(0);
    expect(floor(rational(7n, 2n))).toBe(3n);
    expect(floor(rational(-7n, 2n))).toBe(-4n);
    expect(ceil(rational(7n, 2n))).toBe(4n);
    expect(ceil(rational(-7n, 2n))).toBe(-3n);
    expect(ceil(rational(4n))).toBe(4n);
  });
});
