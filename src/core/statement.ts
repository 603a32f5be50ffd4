/**
 * The account statement (TERMS.md §6): which invoices stand, how the Buyer's
 * payments applied to them, what is open, the late interest and the aging,
 * as of the end of a day — computed from the terms and the facts alone, so
 * both nodes, `sb statement` and an auditor get the same figures to the cent.
 *
 * Design rationale:
 * - Money is counted in the currency's minor units as BigInt: invoice totals
 *   and payments have exactly the currency's decimals (parseFact holds
 *   payments to it), so every application is exact; only interest is a
 *   fraction, summed exactly and rounded once per invoice.
 * - One pass over time. Invoices are issued at the start of their issue day
 *   and payments happen at `at`; at the same instant the issue comes first
 *   (carried credit applies "before any payment at that instant", and a
 *   payment may pay an invoice issued at that instant). Payments at one
 *   instant go in `id` order (code units).
 * - Unapplied credit is kept as a queue of what each payment had left (and
 *   what an invoice with a negative total gave), oldest first, so a
 *   payment's list of applications includes the carried credit it paid
 *   later, as the statement shows it.
 * - An invoice with a negative total is settled by itself at issue: its
 *   whole amount becomes credit (applied = total, open = 0).
 * - Interest: for each day after the due date up to and including the
 *   statement day, the open amount at the start of that day (what was
 *   applied before that instant subtracted). Days are integers
 *   (days.ts); where a day starts depends on the zone.
 */

import { byCodeUnit } from './code-unit.ts';
import { minorUnit } from './currency.ts';
import { type DayNumber, dayOf, dayStart, formatDay, parseDay } from './days.ts';
import { formatFixed, parseDecimal, round } from './decimal.ts';
import { BilateralError, ValidationError } from './errors.ts';
import type { FactRef, Payment } from './facts.ts';
import { type Instant, parseInstant } from './instant.ts';
import { billingPeriod, invoiceDates, nextPeriod, periodOf } from './period.ts';
import { rate } from './rate.ts';
import { add, div, mul, rational, ZERO } from './rational.ts';
import type { Terms } from './terms.ts';

export interface StatementInvoice {
  /** An invoice, or a debit note (due like an invoice, from its own issue date). */
  readonly document: 'invoice' | 'debit-note';
  readonly period: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly total: string;
  /** Applied to it by the end of the statement day. */
  readonly applied: string;
  readonly open: string;
  /** max(0, statement day − due date). */
  readonly daysPastDue: number;
  readonly interest: string;
  /** Disputed and not resolved at the end of the day: set aside from `open` for aging (and interest). */
  readonly disputed: string;
  /**
   * Its billing state after MEF 141: `generated` until both parties agree it
   * (on a node: the Buyer has not accepted it yet), then `paymentDue` while
   * anything is open, `settled` once nothing is.
   */
  readonly state: InvoiceState;
}

export const INVOICE_STATES = ['generated', 'paymentDue', 'settled'] as const;
export type InvoiceState = (typeof INVOICE_STATES)[number];

export interface StatementApplication {
  readonly period: string;
  readonly amount: string;
}

export interface StatementPayment {
  readonly id: string;
  readonly at: string;
  readonly amount: string;
  /** Every application up to the end of the statement day, in order (carried credit included). */
  readonly applied: readonly StatementApplication[];
  readonly unapplied: string;
  /** The fact it came from. */
  readonly ref: string;
}

export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export interface Statement {
  readonly asOf: string;
  readonly currency: string;
  readonly invoices: readonly StatementInvoice[];
  readonly payments: readonly StatementPayment[];
  readonly totals: {
    readonly invoiced: string;
    readonly applied: string;
    readonly open: string;
    /** Credit not yet applied: what payments (and invoices with a negative total) have left. */
    readonly unapplied: string;
    readonly interest: string;
    /** Set aside by open disputes at the end of the day (aging leaves it out). */
    readonly disputed: string;
  };
  readonly aging: Readonly<Record<AgingBucket, string>>;
}

/** An invoice as the pass sees it. */
interface Open {
  readonly document: 'invoice' | 'debit-note';
  readonly period: string;
  readonly issueDay: DayNumber;
  readonly issuedAt: Instant;
  readonly dueDay: DayNumber;
  readonly total: bigint;
  readonly agreed: boolean;
  applied: bigint;
  /** Applications in time order: when, and how much. */
  readonly applications: { at: Instant; amount: bigint }[];
}

/** What is left of a payment (or of an invoice's negative total) to apply later. */
interface Credit {
  readonly payment: StatementPaymentDraft | undefined;
  left: bigint;
}

interface StatementPaymentDraft {
  readonly fact: Payment;
  readonly ref: string;
  readonly at: Instant;
  readonly applied: { period: string; amount: bigint }[];
  left: bigint;
}

/** What a statement needs of an invoice. */
export interface StatementSource {
  readonly total: string;
  readonly lines: readonly unknown[];
  /** Whether both parties agree it (default true: offline, the terms and facts are the agreement). */
  readonly agreed?: boolean;
}

/** A credit or debit note for a period's invoice (core/adjustment.ts), as issued on a node. */
export interface StatementNote {
  readonly type: 'credit' | 'debit';
  readonly period: string;
  /** Below zero for a credit note. */
  readonly total: string;
  /** When it was issued (RFC 3339). */
  readonly issuedAt: string;
  readonly agreed?: boolean;
}

/**
 * An amount of a period's invoice the Buyer disputes (the amount at stake of
 * a dispute that lowers what it owes), with when it was raised and, once
 * answered, when and for whom.
 */
export interface StatementDispute {
  readonly period: string;
  /** Above zero: what the Buyer says it does not owe. */
  readonly amount: string;
  readonly raisedAt: string;
  /** `seller`: rejected (owed after all, with interest as if never disputed); `buyer`: accepted (a note follows). */
  readonly resolved?: { readonly for: 'seller' | 'buyer'; readonly at: string };
}

export interface StatementOptions {
  /**
   * Disputed amounts: left out of their invoice's open amount for interest
   * and aging while the dispute is open (TERMS.md §6). Resolved for the
   * Seller, interest is owed as if it had never been disputed; for the
   * Buyer, it stays out until the resolution, and the credit note follows.
   */
  readonly disputes?: readonly StatementDispute[];
  /**
   * Notes issued for the periods' invoices. A credit note applies at its
   * issue instant to the invoice it corrects, like a payment allocated to
   * it, and what exceeds that invoice's open amount becomes credit; a debit
   * note is a document of its own, issued at the start of its issue day and
   * due `paymentTermsDays` later.
   */
  readonly notes?: readonly StatementNote[];
  /**
   * The invoice of each period (`statementPeriods`) as the parties hold it —
   * a node passes the issued invoice where there is one — instead of rating
   * the period from `facts`.
   */
  readonly invoices?: ReadonlyMap<string, StatementSource>;
}

/** The periods whose invoice a statement as of `asOf` may list: from effectiveFrom's to the last issued by `asOf`. */
export function statementPeriods(terms: Terms, asOf: string): string[] {
  const day = parseDay(asOf);
  if (day === undefined) throw badDay(asOf);
  const zone = terms.billing.timeZone;
  const out: string[] = [];
  for (let period = periodOf(parseInstant(terms.effectiveFrom)!, zone); ; period = nextPeriod(period)) {
    const dates = invoiceDates(billingPeriod(period, zone), terms.billing.paymentTermsDays);
    if (parseDay(dates.issueDate)! > day) return out;
    out.push(period);
  }
}

function badDay(asOf: unknown): ValidationError {
  return new ValidationError('STATEMENT_INVALID', [
    { path: 'asOf', rule: 'expected a date YYYY-MM-DD', value: asOf },
  ]);
}

/**
 * The statement as of the end of `asOf` (`YYYY-MM-DD` in the billing zone).
 * @param facts every fact known (service facts and payments), each with a ref.
 * @throws ValidationError `STATEMENT_INVALID` for a bad `asOf`; BilateralError
 *   `PAYMENT_INVALID` (details: ref, payment, allocation) for an allocation to
 *   an invoice not issued at the payment's time or above its open amount, or a
 *   payment id used twice; `FACTS_INCONSISTENT` from rating.
 */
export function statement(
  terms: Terms,
  facts: readonly FactRef[],
  asOf: string,
  options: StatementOptions = {},
): Statement {
  const day = parseDay(asOf);
  if (day === undefined) throw badDay(asOf);
  const zone = terms.billing.timeZone;
  const decimals = minorUnit(terms.currency);
  const scale = 10n ** BigInt(decimals);
  const money = (minor: bigint) => formatFixed(rational(minor, scale), decimals);
  const end = dayStart(day + 1, zone);

  const invoices = issuedBy(terms, facts, asOf, scale, options.invoices);
  const payments = paymentsBefore(facts, end, scale);

  const credits: Credit[] = [];
  const apply = (invoice: Open, amount: bigint, at: Instant, payment: StatementPaymentDraft | undefined) => {
    if (amount <= 0n) return;
    invoice.applied += amount;
    invoice.applications.push({ at, amount });
    payment?.applied.push({ period: invoice.period, amount });
  };
  const issue = (invoice: Open) => {
    if (invoice.total < 0n) {
      invoice.applied = invoice.total;
      credits.push({ payment: undefined, left: -invoice.total });
      return;
    }
    while (credits.length > 0 && invoice.total - invoice.applied > 0n) {
      const first = credits[0]!;
      const take = min(first.left, invoice.total - invoice.applied);
      apply(invoice, take, invoice.issuedAt, first.payment);
      first.left -= take;
      if (first.payment !== undefined) first.payment.left -= take;
      if (first.left === 0n) credits.shift();
    }
  };

  const notes = options.notes ?? [];
  for (const note of notes) {
    if (note.type !== 'debit') continue;
    const issueDay = parseDay(dayOf(parseInstant(note.issuedAt)!, zone))!;
    if (issueDay > day) continue;
    invoices.push({
      document: 'debit-note',
      period: note.period,
      issueDay,
      issuedAt: dayStart(issueDay, zone),
      dueDay: issueDay + terms.billing.paymentTermsDays,
      total: minor(note.total, scale),
      agreed: note.agreed ?? true,
      applied: 0n,
      applications: [],
    });
  }
  // Stable: an invoice before a debit note issued the same day.
  invoices.sort((a, b) => a.issuedAt - b.issuedAt);
  const credit = (note: StatementNote, at: Instant) => {
    let left = -minor(note.total, scale);
    const invoice = invoices.find(
      (i) => i.document === 'invoice' && i.period === note.period && i.issuedAt <= at,
    );
    if (invoice !== undefined) {
      const take = min(left, invoice.total - invoice.applied);
      apply(invoice, take, at, undefined);
      left -= take;
    }
    if (left > 0n) credits.push({ payment: undefined, left });
  };
  // One pass in time: issues first at an instant, then credit notes, then payments (by id).
  const events: { at: Instant; order: number; run: () => void }[] = [
    ...invoices.map((invoice) => ({ at: invoice.issuedAt, order: 0, run: () => issue(invoice) })),
    ...notes
      .filter((note) => note.type === 'credit')
      .map((note) => ({ note, at: parseInstant(note.issuedAt)! }))
      .filter(({ at }) => at < end)
      .map(({ note, at }) => ({ at, order: 1, run: () => credit(note, at) })),
    ...payments.map((payment) => ({
      at: payment.at,
      order: 2,
      run: () => {
        pay(payment, invoices, scale, apply);
        if (payment.left > 0n) credits.push({ payment, left: payment.left });
      },
    })),
  ];
  // Array sort is stable: payments keep their (at, id) order, invoices their issue order.
  events.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const event of events) event.run();

  const annual = terms.settlement?.lateInterest?.annualPercent;
  const perDay = annual === undefined ? undefined : div(parseDecimal(annual), rational(36_500n));
  const aging = Object.fromEntries(AGING_BUCKETS.map((b) => [b, 0n])) as Record<AgingBucket, bigint>;
  let interestTotal = ZERO;
  const disputes = (options.disputes ?? []).map((d) => ({
    period: d.period,
    amount: minor(d.amount, scale),
    from: parseInstant(d.raisedAt)!,
    // Resolved for the Seller: as if never disputed. For the Buyer: set aside until then.
    until:
      d.resolved === undefined
        ? Number.POSITIVE_INFINITY
        : d.resolved.for === 'seller'
          ? -1
          : parseInstant(d.resolved.at)!,
  }));
  const setAside = (invoice: Open, at: Instant) =>
    invoice.document !== 'invoice'
      ? 0n
      : disputes
          .filter((d) => d.period === invoice.period && d.from < at && at <= d.until && d.until !== -1)
          .reduce((sum, d) => sum + d.amount, 0n);
  let disputedTotal = 0n;
  const lines = invoices.map((invoice): StatementInvoice => {
    const open = invoice.total - invoice.applied;
    const late = day - invoice.dueDay;
    const disputed = min(open > 0n ? open : 0n, setAside(invoice, end));
    disputedTotal += disputed;
    aging[bucketOf(late)] += open - disputed;
    const interest =
      perDay === undefined
        ? ZERO
        : round(
            mul(
              rational(
                openDays(invoice, day, zone, (at) => setAside(invoice, at)),
                scale,
              ),
              perDay,
            ),
            decimals,
            terms.billing.rounding,
          );
    interestTotal = add(interestTotal, interest);
    return {
      document: invoice.document,
      period: invoice.period,
      issueDate: formatDay(invoice.issueDay),
      dueDate: formatDay(invoice.dueDay),
      total: money(invoice.total),
      applied: money(invoice.applied),
      open: money(open),
      daysPastDue: Math.max(0, late),
      interest: formatFixed(interest, decimals),
      disputed: money(disputed),
      state: !invoice.agreed ? 'generated' : open > 0n ? 'paymentDue' : 'settled',
    };
  });
  const sum = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);
  return {
    asOf: formatDay(day),
    currency: terms.currency,
    invoices: lines,
    payments: payments.map((p) => ({
      id: p.fact.id,
      at: p.fact.at,
      amount: p.fact.amount,
      applied: p.applied.map((a) => ({ period: a.period, amount: money(a.amount) })),
      unapplied: money(p.left),
      ref: p.ref,
    })),
    totals: {
      invoiced: money(sum(invoices.map((i) => i.total))),
      applied: money(sum(invoices.map((i) => i.applied))),
      open: money(sum(invoices.map((i) => i.total - i.applied))),
      unapplied: money(sum(credits.map((c) => c.left))),
      interest: formatFixed(interestTotal, decimals),
      disputed: money(disputedTotal),
    },
    aging: Object.fromEntries(AGING_BUCKETS.map((b) => [b, money(aging[b])])) as Record<AgingBucket, string>,
  };
}

/** Σ over the days after the due date up to `day` of what is open and not set aside (minor units) at each day's start. */
function openDays(invoice: Open, day: DayNumber, zone: string, aside: (at: Instant) => bigint): bigint {
  let total = 0n;
  let open = invoice.total;
  let k = 0;
  const apps = invoice.applications;
  for (let d = invoice.dueDay + 1; d <= day; d++) {
    const start = dayStart(d, zone);
    while (k < apps.length && apps[k]!.at < start) open -= apps[k++]!.amount;
    const owed = open - aside(start);
    if (owed > 0n) total += owed;
  }
  return total;
}

function bucketOf(late: number): AgingBucket {
  if (late <= 0) return 'current';
  if (late <= 30) return '1-30';
  if (late <= 60) return '31-60';
  if (late <= 90) return '61-90';
  return '90+';
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Minor units of a decimal string with at most the currency's decimals. */
function minor(text: string, scale: bigint): bigint {
  const value = parseDecimal(text);
  return (value.num * scale) / value.den;
}

/** The invoices on the statement: every period from effectiveFrom's whose issue day is ≤ `asOf`, with a line. */
function issuedBy(
  terms: Terms,
  facts: readonly FactRef[],
  asOf: string,
  scale: bigint,
  given: ReadonlyMap<string, StatementSource> | undefined,
): Open[] {
  const zone = terms.billing.timeZone;
  const out: Open[] = [];
  for (const period of statementPeriods(terms, asOf)) {
    const dates = invoiceDates(billingPeriod(period, zone), terms.billing.paymentTermsDays);
    const issueDay = parseDay(dates.issueDate)!;
    const invoice = given?.get(period) ?? rate(terms, facts, period);
    if (invoice.lines.length === 0) continue;
    out.push({
      document: 'invoice',
      period,
      issueDay,
      issuedAt: dayStart(issueDay, zone),
      dueDay: parseDay(dates.dueDate)!,
      total: minor(invoice.total, scale),
      agreed: (invoice as StatementSource).agreed ?? true,
      applied: 0n,
      applications: [],
    });
  }
  return out;
}

/** The payments made before `end`, in the order they apply: `at`, then `id`. */
function paymentsBefore(facts: readonly FactRef[], end: Instant, scale: bigint): StatementPaymentDraft[] {
  const seen = new Map<string, string>();
  const out: StatementPaymentDraft[] = [];
  for (const { ref, fact } of facts) {
    if (fact.type !== 'payment') continue;
    const first = seen.get(fact.id);
    if (first !== undefined) {
      throw invalid(ref, fact.id, undefined, `payment id ${fact.id} was already recorded at ${first}`);
    }
    seen.set(fact.id, ref);
    const at = parseInstant(fact.at)!;
    if (at >= end) continue;
    out.push({ fact, ref, at, applied: [], left: minor(fact.amount, scale) });
  }
  return out.sort((a, b) => a.at - b.at || byCodeUnit(a.fact.id, b.fact.id));
}

/** Applies one payment: its allocations, then the rest to open invoices, earliest due first. */
function pay(
  payment: StatementPaymentDraft,
  invoices: readonly Open[],
  scale: bigint,
  apply: (invoice: Open, amount: bigint, at: Instant, payment: StatementPaymentDraft) => void,
): void {
  const { fact, ref, at } = payment;
  const issued = invoices.filter((i) => i.issuedAt <= at);
  (fact.allocations ?? []).forEach((allocation, index) => {
    const invoice = issued.find((i) => i.document === 'invoice' && i.period === allocation.period);
    if (invoice === undefined) {
      throw invalid(
        ref,
        fact.id,
        index,
        `allocations[${index}]: no invoice for ${allocation.period} is issued at ${fact.at}`,
      );
    }
    const amount = minor(allocation.amount, scale);
    const open = invoice.total - invoice.applied;
    if (amount > open) {
      throw invalid(
        ref,
        fact.id,
        index,
        `allocations[${index}]: ${allocation.amount} is above the open amount of ${allocation.period}'s invoice at ${fact.at}`,
      );
    }
    if (amount > payment.left) {
      throw invalid(
        ref,
        fact.id,
        index,
        `allocations[${index}]: the allocations sum to more than the payment`,
      );
    }
    apply(invoice, amount, at, payment);
    payment.left -= amount;
  });
  const byDue = issued
    .filter((i) => i.total - i.applied > 0n)
    .sort((a, b) => a.dueDay - b.dueDay || byCodeUnit(a.period, b.period));
  for (const invoice of byDue) {
    if (payment.left === 0n) break;
    const take = min(payment.left, invoice.total - invoice.applied);
    apply(invoice, take, at, payment);
    payment.left -= take;
  }
}

function invalid(
  ref: string,
  payment: string,
  allocation: number | undefined,
  message: string,
): BilateralError {
  return new BilateralError('PAYMENT_INVALID', `${ref}: payment ${payment}: ${message}`, {
    details: { ref, payment, ...(allocation === undefined ? {} : { allocation }) },
  });
}
