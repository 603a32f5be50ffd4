import { describe, expect, it } from 'vitest';
import { formatDecimal, formatFixed, parseDecimal, round } from './decimal.ts';
import { parseInstant } from './instant.ts';
import { availability, creditPercent } from './sla.ts';

const t = (text: string) => parseInstant(text)!;
const feb = { start: t('2026-02-01T00:00:00Z'), end: t('2026-03-01T00:00:00Z') };
const outage = (ref: string, from: string, to: string, maintenance = false) => ({
  ref,
  from: t(from),
  to: t(to),
  maintenance,
});
const sla = {
  tiers: [
    { below: '99.9', creditPercent: '5' },
    { below: '99.5', creditPercent: '10' },
    { below: '99.0', creditPercent: '25' },
  ],
  creditCapPercent: '25',
};

describe('availability', () => {
  it('matches the worked example: 4.5 h down in February is 99.3304 %', () => {
    const a = availability(feb, [outage('o1', '2026-02-03T10:00:00Z', '2026-02-03T14:30:00Z')])!;
    expect(a.downMs).toBe(16_200_000);
    expect(formatFixed(round(a.percent, 4, 'half-up'), 4)).toBe('99.3304');
  });

  it('merges overlapping outages and ignores maintenance', () => {
    const a = availability(feb, [
      outage('o1', '2026-02-03T10:00:00Z', '2026-02-03T12:00:00Z'),
      outage('o2', '2026-02-03T11:00:00Z', '2026-02-03T13:00:00Z'),
      outage('o3', '2026-02-03T11:30:00Z', '2026-02-03T11:45:00Z'),
      outage('m1', '2026-02-04T00:00:00Z', '2026-02-04T06:00:00Z', true),
    ])!;
    expect(a.downMs).toBe(3 * 3_600_000);
    expect(a.refs).toEqual(['o1', 'o2', 'o3']);
  });

  it('counts only the part inside the active window', () => {
    const a = availability(feb, [outage('o1', '2026-01-31T20:00:00Z', '2026-02-01T04:00:00Z')])!;
    expect(a.downMs).toBe(4 * 3_600_000);
    expect(availability(feb, [outage('o1', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')])!.refs).toEqual(
      [],
    );
    expect(availability({ start: feb.start, end: feb.start }, [])).toBeUndefined();
  });
});

describe('creditPercent', () => {
  const pct = (a: string) => {
    const p = creditPercent(sla, parseDecimal(a));
    return p === undefined ? undefined : formatDecimal(p);
  };
  it('takes the largest credit among tiers the availability is strictly below', () => {
    expect(pct('100')).toBeUndefined();
    expect(pct('99.9')).toBeUndefined();
    expect(pct('99.8999')).toBe('5');
    expect(pct('99.5')).toBe('5');
    expect(pct('99.3304')).toBe('10');
    expect(pct('98')).toBe('25');
  });

  it('caps the credit', () => {
    const capped = { tiers: [...sla.tiers, { below: '95', creditPercent: '50' }], creditCapPercent: '30' };
    expect(formatDecimal(creditPercent(capped, parseDecimal('90'))!)).toBe('30');
    expect(formatDecimal(creditPercent({ tiers: capped.tiers }, parseDecimal('90'))!)).toBe('50');
  });
});
