/**
 * The contract engine: `rate(terms, facts, period)` → the period's invoice
 * (TERMS.md §3). Pure and deterministic: no clock, no I/O, no floats. Each
 * line is computed exactly and rounded once to the currency's minor unit;
 * subtotal is the sum of rounded lines; tax is rounded per category.
 *
 * Line order: services by id; per service NRC, then each plan span's
 * recurring line followed by its discount, then SLA credit, early
 * termination, on-demand boosts (chronological), usage (by metric).
 *
 * Usage at volume: `options.usage` gives the period's usage already summed
 * per (service, metric) — a `UsageTotals` over the stored records — and the
 * usage lines are priced from those sums, line for line as if the same
 * records had been given as `usage` facts. A period's usage comes from one
 * source: a usage fact dated in the period beside `options.usage` is an
 * error rather than a silent double count or drop.
 */
import { deepFreeze } from './checker.ts';
import { minorUnit } from './currency.ts';
import { formatFixed, round } from './decimal.ts';
import { inPeriod, type Money } from './draft.ts';
import { BilateralError } from './errors.ts';
import { usageSumLines } from './extra-lines.ts';
import type { FactRef } from './facts.ts';
import { buildHistories, inconsistent, type ServiceHistory } from './history.ts';
import { formatInstant } from './instant.ts';
import { INVOICE_SCHEMA, type Invoice } from './invoice.ts';
import { type BillingPeriod, billingPeriod, invoiceDates } from './period.ts';
import { add, type Rational, sum } from './rational.ts';
import { serviceLines } from './service-lines.ts';
import { computeTax } from './tax.ts';
import type { Terms } from './terms.ts';
import type { UsageSum } from './usage-totals.ts';

export interface RateOptions {
  /**
   * The period's usage, summed per (service, metric) over the records with
   * `at` in the period — e.g. a `UsageTotals`. Replaces `usage` facts for
   * the period (none may be dated in it).
   */
  readonly usage?: Iterable<UsageSum>;
}

/**
 * Rates one period.
 * @param facts every fact known, each with a ref; order does not matter.
 * @param period `YYYY-MM`, a calendar month in `terms.billing.timeZone`.
 * @param options.usage pre-summed usage of the period (see {@link RateOptions}).
 * @throws BilateralError `FACTS_INCONSISTENT` naming the ref (or, for a usage sum, the service and
 *   metric); ValidationError `PERIOD_INVALID`.
 */
export function rate(
  terms: Terms,
  facts: readonly FactRef[],
  period: string,
  options: RateOptions = {},
): Invoice {
  const zone = terms.billing.timeZone;
  const bounds = billingPeriod(period, zone);
  const decimals = minorUnit(terms.currency);
  const rounding: Money = { decimals, round: (exact) => round(exact, decimals, terms.billing.rounding) };
  const money = (value: Rational) => formatFixed(value, decimals);

  const histories: ServiceHistory[] = buildHistories(terms, facts);
  const sums = options.usage === undefined ? undefined : usageSumsByService(histories, options.usage, bounds);
  const drafts = histories.flatMap((history) => {
    const lines = serviceLines(terms, history, bounds, rounding);
    const mine = sums?.get(history.service);
    return mine === undefined ? lines : [...lines, ...usageSumLines(history, mine, rounding)];
  });
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

/** Checks the sums against the histories and groups them by service. */
function usageSumsByService(
  histories: readonly ServiceHistory[],
  usage: Iterable<UsageSum>,
  period: BillingPeriod,
): Map<string, UsageSum[]> {
  const byService = new Map<string, UsageSum[]>();
  const known = new Map(histories.map((h) => [h.service, h]));
  for (const history of histories) {
    const fact = history.usage.find((u) => inPeriod(u.at, period));
    if (fact !== undefined) {
      throw inconsistent(
        fact.ref,
        history.service,
        'usage in the period is given both as facts and as summed records; give one',
      );
    }
  }
  for (const s of usage) {
    const fail = (message: string) =>
      new BilateralError('FACTS_INCONSISTENT', `usage ${s.service}/${s.metric}: ${message}`, {
        details: { service: s.service, metric: s.metric },
      });
    const history = known.get(s.service);
    if (history === undefined) throw fail(`service ${s.service} was never ordered`);
    if (!history.offering.usage?.some((u) => u.metric === s.metric)) {
      throw fail(`offering ${history.offering.id} has no usage metric ${s.metric}`);
    }
    const list = byService.get(s.service) ?? [];
    if (list.some((other) => other.metric === s.metric)) throw fail('given twice');
    list.push(s);
    byService.set(s.service, list);
  }
  return byService;
}
