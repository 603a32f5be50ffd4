/**
 * Instants as integer milliseconds since the Unix epoch, parsed from and
 * printed as RFC 3339 UTC strings. Facts carry times in UTC only, so a
 * fact's meaning never depends on the reader's zone; millisecond precision
 * is the finest the contract counts (SLA seconds are exact at that grain).
 */

const RFC3339_UTC =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3})(0{0,6}))?(?:[Zz]|\+00:00)$/;

/** Milliseconds since 1970-01-01T00:00:00Z. */
export type Instant = number;

/**
 * Parses `2026-01-15T09:30:00Z` (also `.123`, `.123000`, `+00:00`); undefined for
 * anything else, including impossible dates (Feb 30), leap seconds and offsets other than UTC.
 */
export function parseInstant(text: unknown): Instant | undefined {
  if (typeof text !== 'string') return undefined;
  const m = RFC3339_UTC.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0')); // digits past milliseconds must be zeros
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return utc(year, month, day, hour, minute, second, ms);
}

/** The instant of a UTC wall-clock time (1-based month; no two-digit-year quirk of `Date.UTC`). */
export function utc(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): Instant {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** Prints an instant as `2026-02-01T00:00:00Z`, with `.mmm` only when it has milliseconds. */
export function formatInstant(instant: Instant): string {
  const iso = new Date(instant).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** Days in a proleptic Gregorian month (1-based month). */
export function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0)).getUTCDate();
}

/** A calendar date as `YYYY-MM-DD`. */
export function formatDate(year: number, month: number, day: number): string {
  return new Date(utc(year, month, day)).toISOString().slice(0, 10);
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
