import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorTo, monthStart } from './calendar.ts';
import { formatDecimal } from './decimal.ts';
import { formatInstant, parseInstant } from './instant.ts';
import type { PlanSpan } from './plan-spans.ts';
import { billableWindow, prorate } from './prorate.ts';
import { add, ONE } from './rational.ts';
import type { Proration } from './terms.ts';

const t = (text: string) => parseInstant(text)!;
const jan = { start: t('2026-01-01T00:00:00Z'), end: t('2026-02-01T00:00:00Z') };
const span = (start: string, end: string | null, endKind: PlanSpan['endKind'] = 'terminated'): PlanSpan => ({
  plan: 'A',
  start: { ref: 's', at: t(start) },
  end: end === null ? null : { ref: 'e', at: t(end) },
  endKind: end === null ? 'open' : endKind,
  planRef: 's',
});
const fraction = (s: PlanSpan, proration: Proration, period = jan, zone = 'UTC') => {
  const c = prorate(billableWindow(s, proration, zone), period, proration, zone);
  return c === undefined ? undefined : formatDecimal(c.units) + '/' + formatDecimal(c.periodUnits);
};

describe('prorate', () => {
  it('day: activation rounded down, termination rounded up, a change rounded down', () => {
    expect(fraction(span('2026-01-15T09:30:00Z', null), 'day')).toBe('17/31');
    expect(fraction(span('2026-01-15T09:30:00Z', '2026-01-20T08:00:00Z'), 'day')).toBe('6/31');
    expect(fraction(span('2026-01-15T09:30:00Z', '2026-01-20T08:00:00Z', 'modified'), 'day')).toBe('5/31');
    expect(fraction(span('2026-01-15T09:30:00Z', '2026-01-15T09:40:00Z', 'modified'), 'day')).toBeUndefined();
    expect(fraction(span('2026-01-10T00:00:00Z', '2026-01-20T00:00:00Z'), 'day')).toBe('10/31');
  });

  it('hour and second', () => {
    expect(fraction(span('2026-01-10T05:45:00Z', null), 'hour')).toBe('523/744');
    expect(fraction(span('2026-01-31T22:59:59.500Z', null), 'second')).toBe('3601/2678400');
    expect(fraction(span('2026-01-01T00:00:00Z', '2026-01-01T00:00:10.200Z'), 'second')).toBe('11/2678400');
  });

  it('none: any overlap is the whole month, touching the boundary is not', () => {
    expect(fraction(span('2026-01-31T23:59:00Z', null), 'none')).toBe('1/1');
    expect(fraction(span('2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z'), 'none')).toBeUndefined();
  });

  it('counts local hours in a DST month', () => {
    const zone = 'Europe/Amsterdam';
    const march = { start: monthStart(2026, 3, zone), end: monthStart(2026, 4, zone) };
    expect(fraction(span('2026-03-30T10:20:00Z', null), 'hour', march, zone)).toBe('36/743');
    expect(fraction(span('2026-03-28T23:30:00Z', null), 'day', march, zone)).toBe('3/31');
    const c = prorate(billableWindow(span('2026-03-28T23:30:00Z', null), 'day', zone), march, 'day', zone)!;
    expect(formatInstant(c.start)).toBe('2026-03-28T23:00:00Z');
  });

  it('property: the fractions of two adjacent pieces add up to the whole', () => {
    const zones = ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata'];
    const units = ['day', 'hour', 'second'] as const;
    const base = t('2026-01-01T00:00:00Z');
    const year = 366 * 86_400_000;
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...units),
        fc.array(fc.integer({ min: 0, max: year }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 12 }),
        (zone, unit, raw, month) => {
          const [a, m, b] = raw.map((x) => floorTo(base + x, unit, zone)).sort((x, y) => x - y) as [
            number,
            number,
            number,
          ];
          const period = { start: monthStart(2026, month, zone), end: monthStart(2026, month + 1, zone) };
          const f = (start: number, end: number) =>
            prorate({ start, end }, period, unit, zone)?.fraction ?? { num: 0n, den: 1n };
          expect(add(f(a, m), f(m, b))).toEqual(f(a, b));
          expect(f(period.start - 1_000_000, period.end + 1_000_000)).toEqual(ONE);
        },
      ),
      { numRuns: 300 },
    );
  });
});
