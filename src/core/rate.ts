/**
 * The contract engine: `rate(terms, facts, period)` → the period's invoice
 * (TERMS.md §3). Pure and deterministic: no clock, no I/O, no floats. Each
 * line is computed exactly and rounded once to the currency's minor unit;
 * subtotal is the sum of rounded lines; tax is rounded per category.
 *
 * Line order: services by id; per service NRC, then each plan span's
 * recurring line followed by its discount, then SLA credit, early
 * termination, on-demand boosts (chronological), usage (by metric).
 */
import { deepFreeze } from './checker.ts';
import { minorUnit } from './currency.ts';
import { formatFixed, round } from './decimal.ts';
import type { Money } from './draft.ts';
import type { FactRef } from './facts.ts';
import { buildHistories, type ServiceHistory } from './history.ts';
import { formatInstant } from './instant.ts';
import { INVOICE_SCHEMA, type Invoice } from './invoice.ts';
import { billingPeriod, invoiceDates } from './period.ts';
import { add, type Rational, sum } from './rational.ts';
import { serviceLines } from './service-lines.ts';
import { computeTax } from './tax.ts';
import type { Terms } from './terms.ts';

/**
 * Rates one period.
 * @param facts every fact known, each with a ref; order does not matter.
 * @param period `YYYY-MM`, a calendar month in `terms.billing.timeZone`.
 * @throws BilateralError `FACTS_INCONSISTENT` naming the ref; ValidationError `PERIOD_INVALID`.
 */
export function rate(terms: Terms, facts: readonly FactRef[], period: string): Invoice {
  const zone = terms.billing.timeZone;
  const bounds = billingPeriod(period, zone);
  const decimals = minorUnit(terms.currency);
  const rounding: Money = { decimals, round: (exact) => round(exact, decimals, terms.billing.rounding) };
  const money = (value: Rational) => formatFixed(value, decimals);

  const histories: ServiceHistory[] = buildHistories(terms, facts);
  const drafts = histories.flatMap((history) => serviceLines(terms, history, bounds, rounding));
  const subtotal = sum(drafts.map((d) => d.amount));
  const tax = computeTax(terms.tax, subtotal, decimals, terms.billing.rounding);
  const { issueDate, dueDate } = invoiceDates(bounds, terms.billing.paymentTermsDays);

  return deepFreeze({
    schema: INVOICE_SCHEMA,
    terms: terms.id,
    seller: terms.seller.id,
    buyer: terms.buyer.id,
    period: { id: period, start: formatInstant(bounds.start), end: formatInstant(bounds.end) },
    issueDate,
    dueDate,
    currency: terms.currency,
    lines: drafts.map((d) => ({ ...d, amount: money(d.amount) })),
    subtotal: money(subtotal),
    taxes: [
      {
        category: tax.category,
        ratePercent: tax.ratePercent,
        taxable: money(tax.taxable),
        amount: money(tax.amount),
        ...(tax.note === undefined ? {} : { note: tax.note }),
      },
    ],
    tax: money(tax.amount),
    total: money(add(subtotal, tax.amount)),
  });
}
