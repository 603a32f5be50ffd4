/**
 * Calendar days (TERMS.md §6): a day is a date in the terms' billing zone,
 * written `YYYY-MM-DD`. Days are counted as integers (days since
 * 1970-01-01 of the proleptic Gregorian calendar, whatever the zone), so
 * "days past due" and "each day after the due date" are integer arithmetic;
 * only where a day starts depends on the zone.
 */
import { fromLocal, toLocal } from './calendar.ts';
import { DAY, daysInMonth, formatDate, utc } from './instant.ts';

/** A day as an integer: days since 1970-01-01. */
export type DayNumber = number;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day `text` names; undefined unless it is a real `YYYY-MM-DD` date. */
export function parseDay(text: unknown): DayNumber | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE.exec(text);
  if (m === null) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return utc(year, month, day) / DAY;
}

/** `YYYY-MM-DD` of a day number. */
export function formatDay(day: DayNumber): string {
  const date = new Date(day * DAY);
  return formatDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

/** The instant `day` starts at in `zone`. */
export function dayStart(day: DayNumber, zone: string): number {
  const date = new Date(day * DAY);
  return fromLocal(
    {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
      ms: 0,
    },
    zone,
  );
}

/** The day (`YYYY-MM-DD`) `instant` falls on in `zone`. */
export function dayOf(instant: number, zone: string): string {
  const local = toLocal(instant, zone);
  return formatDate(local.year, local.month, local.day);
}
