import { describe, expect, it } from 'vitest';
import { currencyCodes, isCurrencyCode, minorUnit } from './currency.ts';
import { ValidationError } from './errors.ts';

describe('minorUnit', () => {
  it.each([
    ['EUR', 2],
    ['USD', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['ISK', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['LYD', 3],
    ['IQD', 3],
    ['CLF', 4],
    ['UYW', 4],
  ])('%s has %i decimals', (code, decimals) => {
    expect(minorUnit(code)).toBe(decimals);
  });

  it('rejects unknown, lowercase and metal codes', () => {
    for (const code of ['XYZ', 'eur', 'EURO', '', 'XAU']) {
      expect(isCurrencyCode(code)).toBe(false);
      expect(() => minorUnit(code)).toThrow(ValidationError);
    }
  });

  it('lists codes once each, three capital letters', () => {
    const codes = currencyCodes();
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => /^[A-Z]{3}$/.test(c))).toBe(true);
    expect(codes.length).toBeGreaterThan(150);
  });
});
