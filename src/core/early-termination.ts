/**
 * Early termination (TERMS.md §3). The term ends `termMonths` calendar
 * months after activation (same local day and time, clamped to the end of a
 * shorter month). A service terminated before then owes a percentage of the
 * plan's list MRC for each remaining month, counting a started month whole:
 * n is the smallest whole number with termination + n months ≥ term end.
 */
import { addMonths } from './calendar.ts';
import type { Instant } from './instant.ts';

/** Calendar-month term end in `zone`. */
export function termEnd(activation: Instant, termMonths: number, zone: string): Instant {
  return addMonths(activation, termMonths, zone);
}

/**
 * Remaining whole months owed, 0 when the service ran its term.
 * @example remainingMonths(2026-01-15T09:30Z, 36, 2026-03-10T08:00Z, 'UTC') // 35
 */
export function remainingMonths(
  activation: Instant,
  termMonths: number,
  termination: Instant,
  zone: string,
): number {
  const end = termEnd(activation, termMonths, zone);
  if (termination >= end) return 0;
  let n = 1;
  while (addMonths(termination, n, zone) < end) n++;
  return n;
}
