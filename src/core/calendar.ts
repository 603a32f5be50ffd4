/**
 * Calendar arithmetic in the contract's `billing.timeZone`, with nothing but
 * Intl. Billing periods are local calendar months; proration counts local
 * calendar days (a 23- or 25-hour DST day is one day), or elapsed hours or
 * seconds (a DST March in Europe/Amsterdam has 743 hours). Instants stay UTC
 * milliseconds; only wall-clock views go through the zone.
 */
import { daysInMonth, HOUR, type Instant, SECOND, utc } from './instant.ts';
import { type Rational, rational } from './rational.ts';

export const TIME_UNITS = ['day', 'hour', 'second'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

/** A wall-clock reading in a zone (1-based month). */
export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `name` is an IANA zone name this runtime knows ("UTC", "Europe/Amsterdam"). */
export function isTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `zone` at `instant`. */
export function toLocal(instant: Instant, zone: string): LocalTime {
  const ms = ((instant % SECOND) + SECOND) % SECOND;
  if (zone === 'UTC') {
    const d = new Date(instant);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      ms,
    };
  }
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(instant)) parts[p.type] = p.value;
  const year = Number(parts.year);
  return {
    year: parts.era === 'BC' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    ms,
  };
}

function wallAsUtc(t: LocalTime): number {
  return utc(t.year, t.month, t.day, t.hour, t.minute, t.second, t.ms);
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
function offsetAt(instant: Instant, zone: string): number {
  return wallAsUtc(toLocal(instant, zone)) - instant;
}

/**
 * The instant a wall-clock time happens in `zone`. A time that happens twice
 * (autumn fold) resolves to the earlier instant; a time that never happens
 * (spring gap) resolves as if the clock had not yet moved, i.e. to the
 * instant just as far past the transition — so the start of a day whose
 * midnight is skipped is the transition itself.
 */
export function fromLocal(time: LocalTime, zone: string): Instant {
  const wall = wallAsUtc(time);
  if (zone === 'UTC') return wall;
  const before = offsetAt(wall - 86_400_000, zone);
  const after = offsetAt(wall + 86_400_000, zone);
  const candidates = [wall - before, wall - after].filter((t) => offsetAt(t, zone) === wall - t);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before;
}

/** Start of local calendar month `month` (1-based; may overflow into the next year). */
export function monthStart(year: number, month: number, zone: string): Instant {
  const y = year + Math.floor((month - 1) / 12);
  const m = ((((month - 1) % 12) + 12) % 12) + 1;
  return fromLocal({ year: y, month: m, day: 1, hour: 0, minute: 0, second: 0, ms: 0 }, zone);
}

function dayStart(year: number, month: number, day: number, zone: string): Instant {
  return fromLocal({ year, month, day, hour: 0, minute: 0, second: 0, ms: 0 }, zone);
}

/** The start of the local day, hour or second containing `instant`. */
export function floorTo(instant: Instant, unit: TimeUnit, zone: string): Instant {
  const t = toLocal(instant, zone);
  if (unit === 'second') return instant - t.ms;
  if (unit === 'hour') return instant - t.ms - (t.minute * 60 + t.second) * SECOND;
  return dayStart(t.year, t.month, t.day, zone);
}

/** The end of the local day, hour or second containing `instant` (itself if on a boundary). */
export function ceilTo(instant: Instant, unit: TimeUnit, zone: string): Instant {
  const start = floorTo(instant, unit, zone);
  if (start === instant) return instant;
  if (unit === 'second') return start + SECOND;
  if (unit === 'hour') return start + HOUR;
  const t = toLocal(instant, zone);
  return dayStart(t.year, t.month, t.day + 1, zone);
}

function dayNumber(instant: Instant, zone: string): number {
  const t = toLocal(instant, zone);
  return Math.round(utc(t.year, t.month, t.day) / 86_400_000);
}

/**
 * Units in `[start, end)`: local calendar days when both ends are local day
 * starts; elapsed hours or seconds otherwise (exact, as a Rational).
 */
export function countUnits(start: Instant, end: Instant, unit: TimeUnit, zone: string): Rational {
  if (end <= start) return rational(0n);
  if (unit === 'day') return rational(BigInt(dayNumber(end, zone) - dayNumber(start, zone)));
  return rational(BigInt(end - start), BigInt(unit === 'hour' ? HOUR : SECOND));
}

/**
 * `instant` plus `months` calendar months at the same local day and time,
 * clamped to the last day of a shorter month (Jan 31 + 1 month = Feb 28/29).
 */
export function addMonths(instant: Instant, months: number, zone: string): Instant {
  const t = toLocal(instant, zone);
  const index = t.year * 12 + (t.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return fromLocal({ ...t, year, month, day: Math.min(t.day, daysInMonth(year, month)) }, zone);
}
