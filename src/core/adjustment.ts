/**
 * Credit and debit notes (late facts and corrections). An issued invoice
 * never changes: when a fact arrives after its period was invoiced (a late
 * outage, a corrected termination), the period is rated again with it, and
 * what differs from what was billed for that period — the invoice and the
 * notes since — is a note of its own: a credit note when the period now
 * costs less, a debit note when more. Both nodes compute it the same way
 * from the same record, so the Buyer checks a note as it checks an invoice.
 *
 * The note's lines are the changed lines: for each line key (kind, service,
 * plan or metric, coverage start — the key invoice differences use), the
 * amount rated now minus the amounts billed; unchanged keys are left out.
 * Its subtotal, taxes per category and total are the differences of the
 * documents' own figures, so the note plus what was billed is exactly the
 * period rated now, to the cent.
 */
import { deepFreeze } from './checker.ts';
import { formatFixed, parseDecimal } from './decimal.ts';
import type { Invoice, InvoiceLine } from './invoice.ts';
import { add, compare, isZero, neg, type Rational, sub, ZERO } from './rational.ts';
import type { TaxCategory } from './terms.ts';

export const ADJUSTMENT_SCHEMA = 'smart-bilateral/adjustment@1';

export interface AdjustmentLine {
  readonly kind: InvoiceLine['kind'];
  readonly service: string;
  readonly description: string;
  /** Rated now minus billed: negative where the period now costs less. */
  readonly amount: string;
  readonly plan?: string;
  readonly metric?: string;
  /** As on the invoice line it corrects (what tells two lines of one kind, service and plan apart). */
  readonly periodCoverage?: { readonly start: string; readonly end: string };
  /** The facts the line is rated from now. */
  readonly refs: readonly string[];
}

/** What a note (or the invoice before it) says the period cost: the part `adjustment` reads. */
export interface Billed {
  readonly lines: readonly {
    readonly kind: string;
    readonly service: string;
    readonly amount: string;
    readonly plan?: string;
    readonly metric?: string;
    readonly periodCoverage?: { readonly start: string; readonly end?: string };
  }[];
  readonly subtotal: string;
  readonly taxes: readonly {
    readonly category: TaxCategory;
    readonly ratePercent: string;
    readonly taxable: string;
    readonly amount: string;
  }[];
  readonly tax: string;
  readonly total: string;
}

export interface Adjustment extends Billed {
  readonly schema: typeof ADJUSTMENT_SCHEMA;
  /** `credit` when the total is below zero (the Buyer owes less), else `debit`. */
  readonly type: 'credit' | 'debit';
  readonly terms: string;
  readonly seller: string;
  readonly buyer: string;
  readonly period: Invoice['period'];
  readonly currency: string;
  readonly lines: readonly AdjustmentLine[];
}

function key(line: Billed['lines'][number]): string {
  return [line.kind, line.service, line.plan ?? line.metric ?? '', line.periodCoverage?.start ?? ''].join(
    ' ',
  );
}

/**
 * The note that brings `billed` (the period's invoice and the notes issued
 * for it since, in order) to `rerated` (the period rated now); undefined when
 * no line and no figure changed.
 */
export function adjustment(billed: readonly Billed[], rerated: Invoice): Adjustment | undefined {
  const decimals = rerated.total.includes('.') ? rerated.total.length - rerated.total.indexOf('.') - 1 : 0;
  const money = (value: Rational) => formatFixed(value, decimals);
  const net = new Map<string, { amount: Rational; line: Billed['lines'][number]; now?: InvoiceLine }>();
  const take = (line: Billed['lines'][number], sign: 1 | -1, now?: InvoiceLine) => {
    const k = key(line);
    const amount = parseDecimal(line.amount);
    const seen = net.get(k) ?? { amount: ZERO, line };
    net.set(k, {
      amount: add(seen.amount, sign === 1 ? amount : neg(amount)),
      line: now ?? seen.line,
      ...(now === undefined ? (seen.now === undefined ? {} : { now: seen.now }) : { now }),
    });
  };
  for (const document of billed) for (const line of document.lines) take(line, -1);
  for (const line of rerated.lines) take(line, 1, line);
  const lines: AdjustmentLine[] = [];
  for (const { amount, line, now } of net.values()) {
    if (isZero(amount)) continue;
    lines.push({
      kind: line.kind as InvoiceLine['kind'],
      service: line.service,
      description:
        now === undefined
          ? `No longer billed: ${line.kind} ${line.service}`
          : `Rated again: ${now.description}`,
      amount: money(amount),
      ...(line.plan === undefined ? {} : { plan: line.plan }),
      ...(line.metric === undefined ? {} : { metric: line.metric }),
      ...(line.periodCoverage?.end === undefined
        ? {}
        : { periodCoverage: { start: line.periodCoverage.start, end: line.periodCoverage.end } }),
      refs: now?.refs ?? [],
    });
  }
  const difference = (now: string, before: (d: Billed) => string) =>
    billed.reduce((sum, d) => sub(sum, parseDecimal(before(d))), parseDecimal(now));
  const total = difference(rerated.total, (d) => d.total);
  const taxes = new Map<
    string,
    { category: TaxCategory; ratePercent: string; taxable: Rational; amount: Rational }
  >();
  const addTax = (t: Billed['taxes'][number], sign: 1 | -1) => {
    const k = `${t.category} ${t.ratePercent}`;
    const seen = taxes.get(k) ?? {
      category: t.category,
      ratePercent: t.ratePercent,
      taxable: ZERO,
      amount: ZERO,
    };
    const s = (v: string) => (sign === 1 ? parseDecimal(v) : neg(parseDecimal(v)));
    taxes.set(k, {
      ...seen,
      taxable: add(seen.taxable, s(t.taxable)),
      amount: add(seen.amount, s(t.amount)),
    });
  };
  for (const document of billed) for (const t of document.taxes) addTax(t, -1);
  for (const t of rerated.taxes) addTax(t, 1);
  if (lines.length === 0 && isZero(total)) return undefined;
  return deepFreeze({
    schema: ADJUSTMENT_SCHEMA,
    type: compare(total, ZERO) < 0 ? 'credit' : 'debit',
    terms: rerated.terms,
    seller: rerated.seller,
    buyer: rerated.buyer,
    period: rerated.period,
    currency: rerated.currency,
    lines,
    subtotal: money(difference(rerated.subtotal, (d) => d.subtotal)),
    taxes: [...taxes.values()]
      .filter((t) => !(isZero(t.taxable) && isZero(t.amount)))
      .map((t) => ({
        category: t.category,
        ratePercent: t.ratePercent,
        taxable: money(t.taxable),
        amount: money(t.amount),
      })),
    tax: money(difference(rerated.tax, (d) => d.tax)),
    total: money(total),
  });
}
