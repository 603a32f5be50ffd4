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
  // Plain arithmetic, no Date: facts carry several instants each and every fact is read on both nodes.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const fraction = m[7];
  // Digits past milliseconds must be zeros (the pattern holds that).
  const ms =
    fraction === undefined
      ? 0
      : Number(fraction) * (fraction.length === 1 ? 100 : fraction.length === 2 ? 10 : 1);
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > (month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (1-based month), any year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
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
