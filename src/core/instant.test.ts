import { describe, expect, it } from 'vitest';
import { daysInMonth, formatDate, formatInstant, parseInstant } from './instant.ts';

describe('instants', () => {
  it('parses RFC 3339 UTC times', () => {
    expect(parseInstant('2026-01-15T09:30:00Z')).toBe(Date.UTC(2026, 0, 15, 9, 30));
    expect(parseInstant('2026-01-15T09:30:00.250Z')).toBe(Date.UTC(2026, 0, 15, 9, 30, 0, 250));
    expect(parseInstant('2026-01-15T09:30:00+00:00')).toBe(Date.UTC(2026, 0, 15, 9, 30));
    expect(parseInstant('2026-01-15T09:30:00.250000Z')).toBe(Date.UTC(2026, 0, 15, 9, 30, 0, 250));
    expect(parseInstant('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });

  it.each([
    '2026-01-15 09:30:00Z',
    '2026-01-15T09:30:00',
    '2026-01-15T09:30:00+01:00',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01',
    '2026-01-15T09:30:00.2501Z',
    '1767225600000',
  ])('rejects %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('rejects numbers', () => {
    expect(parseInstant(1767225600000)).toBeUndefined();
  });

  it('prints without milliseconds unless there are some', () => {
    expect(formatInstant(Date.UTC(2026, 1, 1))).toBe('2026-02-01T00:00:00Z');
    expect(formatInstant(Date.UTC(2026, 1, 1, 0, 0, 0, 5))).toBe('2026-02-01T00:00:00.005Z');
  });

  it('knows month lengths and normalizes dates', () => {
    expect(daysInMonth(2026, 2)).toBe(28);
    expect(daysInMonth(2028, 2)).toBe(29);
    expect(daysInMonth(2026, 12)).toBe(31);
    expect(formatDate(2026, 13, 1)).toBe('2027-01-01');
    expect(formatDate(2026, 3, 1 + 30)).toBe('2026-03-31');
  });
});

describe('parseInstant against the platform', () => {
  it('reads back every instant toISOString writes, years 0001 to 9999, and refuses a day past its month', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.integer({
          min: -62_135_596_800_000, // 0001-01-01T00:00:00Z
          max: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
        }),
        (t) => {
          const date = new Date(t);
          const iso = date.toISOString();
          expect(parseInstant(iso)).toBe(t);
          expect(parseInstant(iso.replace(/\.\d{3}Z$/, 'Z'))).toBe(t - date.getUTCMilliseconds());
          const year = iso.slice(0, 4);
          const month = Number(iso.slice(5, 7));
          const last = new Date(Date.UTC(date.getUTCFullYear(), month, 0)).getUTCDate();
          expect(parseInstant(`${year}-${iso.slice(5, 7)}-${last + 1}T00:00:00Z`)).toBeUndefined();
        },
      ),
      { numRuns: 2000 },
    );
  });
});
