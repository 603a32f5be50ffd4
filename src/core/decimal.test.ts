import { describe, expect, it } from 'vitest';
import {
  formatDecimal,
  formatFixed,
  isDecimalString,
  parseDecimal,
  type RoundingMode,
  round,
} from './decimal.ts';
import { rational } from './rational.ts';

describe('parseDecimal', () => {
  it('accepts plain decimal strings', () => {
    expect(parseDecimal('0.05')).toEqual(rational(1n, 20n));
    expect(parseDecimal('-12.50')).toEqual(rational(-25n, 2n));
    expect(parseDecimal('1200')).toEqual(rational(1200n));
    expect(parseDecimal('0.00125')).toEqual(rational(1n, 800n));
  });

  it.each(['1e3', ' 1', '1 ', '+1', '', '.5', '1.', '1,5', '0x10', '--1', 'NaN', 'Infinity', '١'])(
    'rejects %j',
    (text) => {
      expect(isDecimalString(text)).toBe(false);
      expect(() => parseDecimal(text)).toThrow(/expected a decimal string/);
    },
  );

  it('rejects non-strings', () => {
    for (const value of [1, 1.5, null, undefined, 10n, {}]) expect(isDecimalString(value)).toBe(false);
  });
});

describe('round', () => {
  const cases: [string, RoundingMode, string][] = [
    ['2.345', 'half-up', '2.35'],
    ['2.345', 'half-even', '2.34'],
    ['2.355', 'half-even', '2.36'],
    ['2.345', 'down', '2.34'],
    ['2.341', 'up', '2.35'],
    ['-2.345', 'half-up', '-2.35'],
    ['-2.345', 'half-even', '-2.34'],
    ['-2.355', 'half-even', '-2.36'],
    ['-2.349', 'down', '-2.34'],
    ['-2.341', 'up', '-2.35'],
    ['2.3449', 'half-up', '2.34'],
    ['-0.001', 'half-up', '0.00'],
    ['2.34', 'up', '2.34'],
  ];
  it.each(cases)('%s %s → %s', (value, mode, expected) => {
    expect(formatFixed(round(parseDecimal(value), 2, mode), 2)).toBe(expected);
  });

  it('rounds thirds and to zero or three decimals', () => {
    expect(formatFixed(round(rational(20400n, 31n), 2, 'half-up'), 2)).toBe('658.06');
    expect(formatFixed(round(rational(5n, 2n), 0, 'half-even'), 0)).toBe('2');
    expect(formatFixed(round(rational(7n, 2n), 0, 'half-even'), 0)).toBe('4');
    expect(formatFixed(round(rational(-5n, 2n), 0, 'half-up'), 0)).toBe('-3');
    expect(formatFixed(round(rational(1n, 3n), 3, 'up'), 3)).toBe('0.334');
  });
});

describe('formatting', () => {
  it('prints exactly N decimals and never a negative zero', () => {
    expect(formatFixed(parseDecimal('5'), 2)).toBe('5.00');
    expect(formatFixed(parseDecimal('-0.5'), 2)).toBe('-0.50');
    expect(formatFixed(parseDecimal('-0'), 2)).toBe('0.00');
    expect(formatFixed(parseDecimal('0.001'), 3)).toBe('0.001');
    expect(formatFixed(parseDecimal('1234'), 0)).toBe('1234');
    expect(() => formatFixed(parseDecimal('0.001'), 2)).toThrow(RangeError);
  });

  it('prints the shortest decimal', () => {
    expect(formatDecimal(parseDecimal('20.00'))).toBe('20');
    expect(formatDecimal(parseDecimal('0.050'))).toBe('0.05');
    expect(formatDecimal(rational(1n, 8n))).toBe('0.125');
    expect(() => formatDecimal(rational(1n, 3n))).toThrow(RangeError);
  });
});
