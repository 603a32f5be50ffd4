import { describe, expect, it } from 'vitest';
import { formatFixed, parseDecimal } from './decimal.ts';
import { priceUsage, type UsagePricing } from './usage-pricing.ts';

const price = (pricing: UsagePricing, quantity: string) =>
  formatFixed(priceUsage(pricing, parseDecimal(quantity)), 4);
const tiers = [
  { upTo: '100', price: '1' },
  { upTo: '200', price: '0.5' },
  { upTo: null, price: '0.1' },
];

describe('priceUsage', () => {
  it('per-unit multiplies exactly', () => {
    expect(price({ model: 'per-unit', price: '0.01' }, '1234.5')).toBe('12.3450');
    expect(formatFixed(priceUsage({ model: 'per-unit', price: '0.00125' }, parseDecimal('3')), 5)).toBe(
      '0.00375',
    );
  });

  it('graduated prices each unit in its own tier', () => {
    const graduated: UsagePricing = { model: 'graduated', tiers };
    expect(price(graduated, '0')).toBe('0.0000');
    expect(price(graduated, '100')).toBe('100.0000');
    expect(price(graduated, '150')).toBe('125.0000');
    expect(price(graduated, '250')).toBe('155.0000');
    expect(
      price(
        {
          model: 'graduated',
          tiers: [
            { upTo: '1000', price: '0' },
            { upTo: null, price: '0.05' },
          ],
        },
        '1500',
      ),
    ).toBe('25.0000');
  });

  it('volume prices all units at the tier of the total; a total equal to upTo stays in that tier', () => {
    const volume: UsagePricing = { model: 'volume', tiers };
    expect(price(volume, '100')).toBe('100.0000');
    expect(price(volume, '100.5')).toBe('50.2500');
    expect(price(volume, '200')).toBe('100.0000');
    expect(price(volume, '201')).toBe('20.1000');
  });

  it('package bills whole blocks, partial blocks rounded up', () => {
    const pkg: UsagePricing = { model: 'package', size: '100', price: '4.00' };
    expect(price(pkg, '0')).toBe('0.0000');
    expect(price(pkg, '1')).toBe('4.0000');
    expect(price(pkg, '100')).toBe('4.0000');
    expect(price(pkg, '100.01')).toBe('8.0000');
    expect(price(pkg, '250')).toBe('12.0000');
  });
});
