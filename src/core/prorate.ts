/**
 * Proration of a monthly charge (TERMS.md §3): the start of a plan span is
 * rounded down to its unit and a termination is rounded up, so the day of
 * activation, the day of termination and the day of a change (at the new
 * plan) are each billed whole; the fraction is the span's units inside the
 * period over the period's units, counted in the contract's zone. With
 * `none`, any overlap bills the whole month.
 */
import { ceilTo, countUnits, floorTo } from './calendar.ts';
import type { Instant } from './instant.ts';
import type { PlanSpan } from './plan-spans.ts';
import { div, ONE, type Rational } from './rational.ts';
import type { Proration } from './terms.ts';

export interface Window {
  readonly start: Instant;
  readonly end: Instant;
}

export interface Coverage extends Window {
  /** Units of the span inside the period (days, hours, seconds; 1 for `none`). */
  readonly units: Rational;
  /** Units in the whole period (1 for `none`). */
  readonly periodUnits: Rational;
  readonly fraction: Rational;
}

/** The span's billable window: start rounded down, a termination rounded up, a change rounded down. */
export function billableWindow(span: PlanSpan, proration: Proration, zone: string): Window {
  if (proration === 'none') return { start: span.start.at, end: span.end?.at ?? Number.POSITIVE_INFINITY };
  const start = floorTo(span.start.at, proration, zone);
  if (span.end === null) return { start, end: Number.POSITIVE_INFINITY };
  const end =
    span.endKind === 'terminated'
      ? ceilTo(span.end.at, proration, zone)
      : floorTo(span.end.at, proration, zone);
  return { start, end };
}

/**
 * The part of `window` inside `period` and its fraction of the period, or
 * undefined when they do not overlap.
 * @example 1G from 2026-01-15T09:30Z, day proration, January (UTC) → 17/31
 */
export function prorate(
  window: Window,
  period: Window,
  proration: Proration,
  zone: string,
): Coverage | undefined {
  const start = Math.max(window.start, period.start);
  const end = Math.min(window.end, period.end);
  if (end <= start) return undefined;
  if (proration === 'none') return { start, end, units: ONE, periodUnits: ONE, fraction: ONE };
  const units = countUnits(start, end, proration, zone);
  const periodUnits = countUnits(period.start, period.end, proration, zone);
  return { start, end, units, periodUnits, fraction: div(units, periodUnits) };
}
