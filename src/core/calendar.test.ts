import { describe, expect, it } from 'vitest';
import {
  addMonths,
  ceilTo,
  countUnits,
  floorTo,
  fromLocal,
  isTimeZone,
  monthStart,
  toLocal,
} from './calendar.ts';
import { formatInstant, parseInstant } from './instant.ts';
import { rational } from './rational.ts';

const t = (text: string) => parseInstant(text)!;
const AMS = 'Europe/Amsterdam';

describe('zones', () => {
  it('accepts IANA names and rejects others', () => {
    for (const zone of ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata'])
      expect(isTimeZone(zone)).toBe(true);
    for (const zone of ['Mars/Olympus', '', 'CET+1', '+01:00', 42, null])
      expect(isTimeZone(zone)).toBe(false);
  });

  it('reads the wall clock in a zone', () => {
    expect(toLocal(t('2026-03-29T01:30:00Z'), AMS)).toMatchObject({ day: 29, hour: 3, minute: 30 });
    expect(toLocal(t('2026-01-01T00:00:00Z'), 'Asia/Kolkata')).toMatchObject({ hour: 5, minute: 30 });
  });

  it('resolves gaps forward and folds to the earlier instant', () => {
    const gap = { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0, ms: 0 };
    expect(formatInstant(fromLocal(gap, AMS))).toBe('2026-03-29T01:30:00Z');
    const fold = { year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0, ms: 0 };
    expect(formatInstant(fromLocal(fold, AMS))).toBe('2026-10-25T00:30:00Z');
  });
});

describe('months', () => {
  it('starts local months at local midnight', () => {
    expect(formatInstant(monthStart(2026, 3, AMS))).toBe('2026-02-28T23:00:00Z');
    expect(formatInstant(monthStart(2026, 4, AMS))).toBe('2026-03-31T22:00:00Z');
    expect(formatInstant(monthStart(2026, 13, 'UTC'))).toBe('2027-01-01T00:00:00Z');
    expect(formatInstant(monthStart(2026, 1, 'America/New_York'))).toBe('2026-01-01T05:00:00Z');
  });

  it('counts 743 hours in a spring DST month and 745 in an autumn one', () => {
    expect(countUnits(monthStart(2026, 3, AMS), monthStart(2026, 4, AMS), 'hour', AMS)).toEqual(
      rational(743n),
    );
    expect(countUnits(monthStart(2026, 10, AMS), monthStart(2026, 11, AMS), 'hour', AMS)).toEqual(
      rational(745n),
    );
    expect(countUnits(monthStart(2026, 3, AMS), monthStart(2026, 4, AMS), 'day', AMS)).toEqual(rational(31n));
    expect(countUnits(monthStart(2026, 2, 'UTC'), monthStart(2026, 3, 'UTC'), 'second', 'UTC')).toEqual(
      rational(2_419_200n),
    );
  });

  it('adds calendar months, clamping to the end of shorter months', () => {
    expect(formatInstant(addMonths(t('2026-01-31T10:00:00Z'), 1, 'UTC'))).toBe('2026-02-28T10:00:00Z');
    expect(formatInstant(addMonths(t('2028-01-31T10:00:00Z'), 1, 'UTC'))).toBe('2028-02-29T10:00:00Z');
    expect(formatInstant(addMonths(t('2026-01-15T09:30:00Z'), 36, 'UTC'))).toBe('2029-01-15T09:30:00Z');
    expect(formatInstant(addMonths(t('2026-08-31T00:00:00Z'), 1, 'UTC'))).toBe('2026-09-30T00:00:00Z');
    // 12:00 local in winter plus 3 months is 12:00 local in summer, an hour earlier in UTC.
    expect(formatInstant(addMonths(t('2026-01-10T11:00:00Z'), 3, AMS))).toBe('2026-04-10T10:00:00Z');
  });
});

describe('floor and ceil', () => {
  it('rounds to local days, hours and seconds', () => {
    const at = t('2026-03-29T10:15:30.500Z'); // 12:15:30.5 CEST
    expect(formatInstant(floorTo(at, 'day', AMS))).toBe('2026-03-28T23:00:00Z');
    expect(formatInstant(ceilTo(at, 'day', AMS))).toBe('2026-03-29T22:00:00Z');
    expect(formatInstant(floorTo(at, 'hour', AMS))).toBe('2026-03-29T10:00:00Z');
    expect(formatInstant(ceilTo(at, 'hour', AMS))).toBe('2026-03-29T11:00:00Z');
    expect(formatInstant(floorTo(at, 'second', AMS))).toBe('2026-03-29T10:15:30Z');
    expect(formatInstant(ceilTo(at, 'second', AMS))).toBe('2026-03-29T10:15:31Z');
    expect(formatInstant(floorTo(t('2026-01-01T03:00:00Z'), 'hour', 'Asia/Kolkata'))).toBe(
      '2026-01-01T02:30:00Z',
    );
  });

  it('leaves instants on a boundary where they are', () => {
    const midnight = t('2026-03-10T00:00:00Z');
    expect(ceilTo(midnight, 'day', 'UTC')).toBe(midnight);
    expect(floorTo(midnight, 'day', 'UTC')).toBe(midnight);
  });

  it('counts a 23-hour DST day as one day', () => {
    const start = floorTo(t('2026-03-29T10:00:00Z'), 'day', AMS);
    const end = ceilTo(t('2026-03-29T10:00:00Z'), 'day', AMS);
    expect(end - start).toBe(23 * 3_600_000);
    expect(countUnits(start, end, 'day', AMS)).toEqual(rational(1n));
    expect(countUnits(start, end, 'hour', AMS)).toEqual(rational(23n));
  });
});
