/**
 * A Buyer's account with the Seller, computed from the entries alone: the
 * statement (TERMS.md §6) as of a day and the Buyer's payment record — which
 * agreed invoices, due by then, it paid on time. A node serves the same
 * statement (node/statements); a financier recomputes the account from the
 * entries a financing package carries (receivable-proof.ts) and gets the same
 * figures, so the Seller cannot improve on them.
 *
 * Design rationale:
 * - The inputs a statement needs from the record are built here, once, for
 *   the node and for the package: the facts (payments the Seller marked
 *   missing set aside, netting agreements in as allocated payments), the
 *   notes, the disputes that lower what the Buyer owes, the issued invoices.
 * - Offline there is no usage store, so a period whose invoice is not issued
 *   yet counts as an empty document not agreed: it is no receivable, and it
 *   is the same on both sides of a package.
 * - On time: an agreed invoice due by `asOf` was paid on time when, at the
 *   end of its due date, nothing was open on it beyond what the Buyer
 *   disputed (the statement as of the due date). Ratios are text with four
 *   decimals, rounded half-up: never a float.
 */
import {
  BilateralError,
  type FactRef,
  formatFixed,
  formatMinor,
  minorUnit,
  rational,
  round,
  type Statement,
  type StatementDispute,
  type StatementNote,
  type StatementSource,
  statement,
  statementPeriods,
  type Terms,
} from '../core/index.ts';
import { disputesOf, type HeldDispute } from './disputes.ts';
import { factsOf } from './facts.ts';
import { type IssuedInvoice, invoicesOf } from './invoices.ts';
import type { HeldEntry } from './kind.ts';
import { nettingSettlementsOf } from './netting.ts';
import { type IssuedNote, notesOf } from './notes.ts';
import { paymentReceiptsOf } from './payments.ts';

/** A payment the Seller marked missing: set aside by statements, not applied. */
export interface MissingPayment {
  readonly id: string;
  readonly ref: string;
  readonly reason?: string;
}

/** Minor units of a statement amount (it has exactly the currency's decimals). */
export function minorOf(amount: string): bigint {
  return BigInt(amount.replace('.', ''));
}

/**
 * The facts a statement applies, from the fact entries: payments marked
 * missing left out (and listed), each netting agreement in as a payment
 * allocated to the invoices it settles (id `netting-` + its hash's start).
 */
export function statementFacts(
  facts: readonly FactRef[],
  marks: ReturnType<typeof paymentReceiptsOf>,
  nettingEntries: readonly HeldEntry[],
  decimals: number,
): { facts: FactRef[]; missing: MissingPayment[] } {
  const applied: FactRef[] = [];
  const missing: MissingPayment[] = [];
  for (const item of facts) {
    const mark = item.fact.type === 'payment' ? marks.get(item.fact.id) : undefined;
    if (item.fact.type === 'payment' && mark?.status === 'missing') {
      missing.push({
        id: item.fact.id,
        ref: item.ref,
        ...(mark.reason === undefined ? {} : { reason: mark.reason }),
      });
    } else applied.push(item);
  }
  for (const { ref, body } of nettingSettlementsOf(nettingEntries)) {
    let total = 0n;
    for (const item of body.items) total += minorOf(item.amount);
    applied.push({
      ref,
      fact: {
        type: 'payment',
        id: `netting-${body.hash.slice(0, 16)}`,
        amount: formatMinor(total, decimals),
        at: body.at,
        allocations: body.items,
      },
    });
  }
  return { facts: applied, missing };
}

/** The issued invoices a statement uses, by period (rejected ones left out), agreed once accepted. */
export function statementInvoices(invoices: readonly IssuedInvoice[]): Map<string, StatementSource> {
  const issued = new Map<string, StatementSource>();
  for (const held of invoices) {
    if (held.status !== 'rejected') {
      issued.set(held.period, { ...held.body.invoice, agreed: held.status === 'accepted' });
    }
  }
  return issued;
}

/** The notes a statement applies (rejected ones left out). */
export function statementNotes(notes: readonly IssuedNote[]): StatementNote[] {
  return notes
    .filter((n) => n.status !== 'rejected')
    .map((n) => ({
      type: n.body.note.type,
      period: n.period,
      total: n.body.note.total,
      issuedAt: n.recordedAt,
      agreed: n.status === 'accepted',
    }));
}

/** What the Buyer disputes (a dispute by the Buyer that lowers what it owes): set aside while open. */
export function statementDisputes(disputes: readonly HeldDispute[], buyer: string): StatementDispute[] {
  return disputes
    .filter((d) => d.entry.author === buyer && d.body.atStake.total.startsWith('-'))
    .map((d) => ({
      period: d.body.period,
      amount: d.body.atStake.total.slice(1),
      raisedAt: d.raisedAt,
      ...(d.answer === undefined
        ? {}
        : { resolved: { for: d.status === 'accepted' ? 'buyer' : 'seller', at: d.answer.at } as const }),
    }));
}

/**
 * `statement` leaving out each payment that cannot apply as recorded (named
 * in `refused`), as a node does: only a node that skipped the check before
 * signing makes one.
 */
export function statementRefusing(
  terms: Terms,
  facts: readonly FactRef[],
  asOf: string,
  options: Parameters<typeof statement>[3],
): { statement: Statement; refused: { ref: string; reason: string }[] } {
  let kept = facts;
  const refused: { ref: string; reason: string }[] = [];
  for (;;) {
    try {
      return { statement: statement(terms, kept, asOf, options), refused };
    } catch (error) {
      const ref =
        error instanceof BilateralError && error.code === 'PAYMENT_INVALID' ? error.details?.ref : undefined;
      if (typeof ref !== 'string' || refused.some((r) => r.ref === ref)) throw error;
      refused.push({ ref, reason: (error as Error).message });
      kept = kept.filter((f) => f.ref !== ref);
    }
  }
}

/** One agreed invoice due by the account's day, and whether the Buyer paid it on time. */
export interface AccountInvoice {
  readonly period: string;
  readonly total: string;
  readonly dueDate: string;
  /** Open at the end of the account's day. */
  readonly open: string;
  readonly disputed: string;
  /** Nothing open beyond what was disputed at the end of its due date. */
  readonly onTime: boolean;
}

/** The Buyer's account as of a day, as a financier reads it. */
export interface Account {
  readonly asOf: string;
  readonly currency: string;
  /** The invoice offered: its figures on the statement as of `asOf`. */
  readonly invoice: {
    readonly period: string;
    readonly total: string;
    readonly dueDate: string;
    readonly open: string;
    readonly disputed: string;
    readonly daysPastDue: number;
    /** Raised on this period and not answered: the invoice is disputed. */
    readonly openDisputes: number;
  };
  /** Agreed invoices due by `asOf` (the offered one among them once due), oldest first. */
  readonly history: readonly AccountInvoice[];
  readonly onTime: { readonly due: number; readonly paid: number; readonly ratio: string };
  readonly totals: Statement['totals'];
}

/**
 * The account of the bilateral whose `terms` and entries these are, as of
 * the end of `asOf`, about the invoice of `period`. `entries` must hold
 * every fact, invoice, note, dispute, payment receipt and netting entry.
 * @throws BilateralError `NOT_FOUND` when no agreed invoice of `period` is among them.
 */
export function accountOf(
  terms: Terms,
  entries: readonly HeldEntry[],
  asOf: string,
  period: string,
): Account {
  const buyer = terms.buyer.id;
  const decimals = minorUnit(terms.currency);
  const { facts } = statementFacts(
    factsOf(entries),
    paymentReceiptsOf(entries),
    entries.filter((e) => e.signed.entry.kind === 'netting.settled'),
    decimals,
  );
  const invoices = statementInvoices(invoicesOf(entries));
  const disputes = disputesOf(entries);
  const options = {
    invoices,
    notes: statementNotes(notesOf(entries)),
    disputes: statementDisputes(disputes, buyer),
  };
  const withEmpty = (day: string) => {
    // A period not issued yet is no receivable: an empty document, not agreed.
    const sources = new Map(invoices);
    for (const p of statementPeriods(terms, day)) {
      if (!sources.has(p)) sources.set(p, { total: formatMinor(0n, decimals), lines: [], agreed: false });
    }
    return { ...options, invoices: sources };
  };
  const now = statementRefusing(terms, facts, asOf, withEmpty(asOf)).statement;
  const offered = now.invoices.find((i) => i.document === 'invoice' && i.period === period);
  if (offered === undefined || offered.state === 'generated') {
    throw new BilateralError('NOT_FOUND', `no agreed invoice of ${period} as of ${asOf}`);
  }
  const history: AccountInvoice[] = [];
  for (const invoice of now.invoices) {
    if (invoice.document !== 'invoice' || invoice.state === 'generated' || invoice.dueDate > asOf) continue;
    const then = statementRefusing(terms, facts, invoice.dueDate, withEmpty(invoice.dueDate)).statement;
    const due = then.invoices.find((i) => i.document === 'invoice' && i.period === invoice.period);
    history.push({
      period: invoice.period,
      total: invoice.total,
      dueDate: invoice.dueDate,
      open: invoice.open,
      disputed: invoice.disputed,
      onTime: due !== undefined && minorOf(due.open) - minorOf(due.disputed) <= 0n,
    });
  }
  const paid = history.filter((h) => h.onTime).length;
  return {
    asOf,
    currency: now.currency,
    invoice: {
      period,
      total: offered.total,
      dueDate: offered.dueDate,
      open: offered.open,
      disputed: offered.disputed,
      daysPastDue: offered.daysPastDue,
      openDisputes: disputes.filter((d) => d.body.period === period && d.status === 'raised').length,
    },
    history,
    onTime: { due: history.length, paid, ratio: ratioText(paid, history.length) },
    totals: now.totals,
  };
}

/** `part / whole` with four decimals (half-up); `1.0000` when there is nothing due. */
function ratioText(part: number, whole: number): string {
  if (whole === 0) return formatFixed(rational.rational(1n), 4);
  return formatFixed(round(rational.rational(BigInt(part), BigInt(whole)), 4, 'half-up'), 4);
}
