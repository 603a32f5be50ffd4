/**
 * The billing period: a calendar month `[start, next start)` in the
 * contract's zone, named `YYYY-MM`. The invoice is issued on the first local
 * day of the next period and is due `paymentTermsDays` later.
 */
import { monthStart, toLocal } from './calendar.ts';
import { ValidationError } from './errors.ts';
import { formatDate, type Instant } from './instant.ts';

export interface BillingPeriod {
  readonly id: string;
  readonly year: number;
  readonly month: number;
  readonly start: Instant;
  readonly end: Instant;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriodId(value: unknown): value is string {
  return typeof value === 'string' && PERIOD.test(value);
}

/**
 * @example billingPeriod('2026-02', 'UTC') // start 2026-02-01T00:00:00Z, end 2026-03-01T00:00:00Z
 * @throws ValidationError `PERIOD_INVALID` unless `id` is `YYYY-MM`.
 */
export function billingPeriod(id: string, zone: string): BillingPeriod {
  const m = PERIOD.exec(id);
  if (m === null)
    throw new ValidationError('PERIOD_INVALID', [{ path: 'period', rule: 'expected YYYY-MM', value: id }]);
  const year = Number(m[1]);
  const month = Number(m[2]);
  return { id, year, month, start: monthStart(year, month, zone), end: monthStart(year, month + 1, zone) };
}

/** Issue date (first day of the next period) and due date, as `YYYY-MM-DD`. */
export function invoiceDates(
  period: BillingPeriod,
  paymentTermsDays: number,
): { issueDate: string; dueDate: string } {
  return {
    issueDate: formatDate(period.year, period.month + 1, 1),
    dueDate: formatDate(period.year, period.month + 1, 1 + paymentTermsDays),
  };
}

/** The period (`YYYY-MM`) holding `instant` in `zone`. */
export function periodOf(instant: Instant, zone: string): string {
  const local = toLocal(instant, zone);
  return periodId(local.year, local.month);
}

/** The period after `id` (`YYYY-MM`). */
export function nextPeriod(id: string): string {
  const [year, month] = id.split('-').map(Number) as [number, number];
  return month === 12 ? periodId(year + 1, 1) : periodId(year, month + 1);
}

function periodId(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}
