/**
 * The ERP export: what a Smart Bilateral computes — invoices and their lines,
 * credit and debit notes, payments, the statement — as CSV files a finance
 * system imports as they are, and an accounting journal of balanced
 * double-entry lines per document, for either side of the bilateral (the
 * Seller books receivables and revenue, the Buyer payables and cost).
 *
 * Design rationale:
 * - Amounts leave as the decimal strings the documents carry; the journal
 *   adds them as Rationals, so a document's debits equal its credits exactly.
 *   Each document is checked to add up (lines to subtotal, subtotal + tax to
 *   total) before it is booked, so the balance holds by construction, and a
 *   document that does not add up is refused rather than booked with a plug.
 * - One signed posting list per document (debit above zero, credit below): a
 *   credit note is an invoice with negative figures, so booking "the reverse"
 *   needs no second code path; each posting lands on the side its sign says.
 * - Revenue (Buyer: cost) is booked per offering, net of discounts and
 *   credits, since those reduce what the offering earned; offerings mapped to
 *   one account share one journal line.
 * - Reverse charge (AE): terms validation holds AE at 0 %, so the rate the
 *   Buyer self-assesses cannot come from the terms. It is the Buyer's own
 *   rate, `reverseChargeRatePercent` in the mapping; without it an AE
 *   document gets no VAT lines on either side.
 * - CSV per RFC 4180: a header row, CRLF after every row, a field quoted when
 *   it holds a comma, a quote or a line break. Cells are strings only.
 * - Late interest is not journaled: it is a claim the statement reports, not
 *   a document either party has issued.
 */
import type { Adjustment } from './adjustment.ts';
import { Checker, child, deepFreeze } from './checker.ts';
import { byCodeUnit } from './code-unit.ts';
import { minorUnit } from './currency.ts';
import { dayOf } from './days.ts';
import { formatFixed, parseDecimal, round } from './decimal.ts';
import { BilateralError, ValidationError } from './errors.ts';
import type { FactRef } from './facts.ts';
import { buildHistories } from './history.ts';
import { parseInstant } from './instant.ts';
import type { Invoice, InvoiceLine } from './invoice.ts';
import { rate } from './rate.ts';
import { add, compare, div, HUNDRED, isZero, mul, neg, type Rational, sum, ZERO } from './rational.ts';
import { type Statement, type StatementPayment, statement, statementPeriods } from './statement.ts';
import type { Terms } from './terms.ts';
import { ublInvoiceId } from './ubl.ts';

// ---------------------------------------------------------------------------
// The documents.

/** An invoice with the number it is known by (offline `<terms id>-<period>`, as `sb ubl` numbers it). */
export interface ErpInvoice {
  readonly id: string;
  readonly invoice: Invoice;
}

/** A credit or debit note, with its number, the number of the invoice it amends and its issue day. */
export interface ErpNote {
  readonly id: string;
  readonly invoice: string;
  /** `YYYY-MM-DD` in the billing zone. */
  readonly issueDate: string;
  readonly note: Adjustment;
}

/** Everything the export reads, as the offline commands (or a node) already compute it. */
export interface ErpDocuments {
  readonly terms: Terms;
  /** Service id → offering id: revenue and cost are booked per offering. */
  readonly offerings: ReadonlyMap<string, string>;
  readonly invoices: readonly ErpInvoice[];
  readonly notes: readonly ErpNote[];
  /** The statement's payments: how each applied is what payments.csv shows. */
  readonly payments: readonly StatementPayment[];
}

/**
 * The documents and statement of `sb statement` as of `asOf`, offline: each
 * period of `statementPeriods` rated once (the statement reuses those
 * invoices), periods without lines left out as the statement leaves them out,
 * and no notes (notes exist only on a node).
 * @throws as `rate` and `statement` do (`FACTS_INCONSISTENT`, `PAYMENT_INVALID`, `STATEMENT_INVALID`).
 */
export function offlineErp(
  terms: Terms,
  facts: readonly FactRef[],
  asOf: string,
): { documents: ErpDocuments; statement: Statement } {
  const rated = statementPeriods(terms, asOf).map((period) => rate(terms, facts, period));
  const result = statement(terms, facts, asOf, { invoices: new Map(rated.map((i) => [i.period.id, i])) });
  const offerings = new Map(buildHistories(terms, facts).map((h) => [h.service, h.offering.id]));
  const invoices = rated
    .filter((invoice) => invoice.lines.length > 0)
    .map((invoice) => ({ id: ublInvoiceId(invoice), invoice }));
  return {
    documents: { terms, offerings, invoices, notes: [], payments: result.payments },
    statement: result,
  };
}

// ---------------------------------------------------------------------------
// CSV.

/** One field per RFC 4180: quoted when it holds a comma, a quote or a line break, with quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A CSV text: the header, then each row, every row ended by `eol` (CRLF, as
 * RFC 4180 writes it, unless told otherwise).
 * @example csv(['a', 'b'], [['1', 'x, "y"']]) // 'a,b\r\n1,"x, ""y"""\r\n'
 * @throws RangeError when a row's length differs from the header's.
 */
export function csv(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  eol: '\r\n' | '\n' = '\r\n',
): string {
  const bad = rows.findIndex((row) => row.length !== header.length);
  if (bad >= 0)
    throw new RangeError(`csv: row ${bad + 1} has ${rows[bad]!.length} fields, not ${header.length}`);
  return [header, ...rows].map((row) => row.map(csvField).join(',') + eol).join('');
}

/** One row per invoice. */
export function invoicesCsv(invoices: readonly ErpInvoice[]): string {
  return csv(
    [
      'invoice',
      'period',
      'issueDate',
      'dueDate',
      'currency',
      'subtotal',
      'taxCategory',
      'taxRatePercent',
      'tax',
      'total',
    ],
    invoices.map(({ id, invoice: i }) => [
      id,
      i.period.id,
      i.issueDate,
      i.dueDate,
      i.currency,
      i.subtotal,
      i.taxes.map((t) => t.category).join(';'),
      i.taxes.map((t) => t.ratePercent).join(';'),
      i.tax,
      i.total,
    ]),
  );
}

/** What a line of an invoice or a note may carry (a note's lines have no quantity or price). */
type AnyLine = Pick<InvoiceLine, 'kind' | 'service' | 'description' | 'amount' | 'refs'> &
  Partial<Pick<InvoiceLine, 'plan' | 'metric' | 'quantity' | 'unit' | 'unitPrice' | 'periodCoverage'>>;

/**
 * One row per line of every invoice, then of every note (`documentType`
 * `invoice`, `credit-note`, `debit-note`), numbered from 1 within its
 * document, with the offering the line's service was ordered under. Refs are
 * separated by `;`.
 */
export function linesCsv(
  invoices: readonly ErpInvoice[],
  notes: readonly ErpNote[],
  offerings: ReadonlyMap<string, string>,
): string {
  const rows = (id: string, type: string, lines: readonly AnyLine[]) =>
    lines.map((l, i) => [
      id,
      type,
      String(i + 1),
      l.kind,
      l.service,
      offerings.get(l.service) ?? '',
      l.plan ?? '',
      l.metric ?? '',
      l.description,
      l.quantity ?? '',
      l.unit ?? '',
      l.unitPrice ?? '',
      l.amount,
      l.periodCoverage?.start ?? '',
      l.periodCoverage?.end ?? '',
      l.refs.join(';'),
    ]);
  return csv(
    [
      'document',
      'documentType',
      'line',
      'kind',
      'service',
      'offering',
      'plan',
      'metric',
      'description',
      'quantity',
      'unit',
      'unitPrice',
      'amount',
      'coverageStart',
      'coverageEnd',
      'refs',
    ],
    [
      ...invoices.flatMap(({ id, invoice }) => rows(id, 'invoice', invoice.lines)),
      ...notes.flatMap(({ id, note }) => rows(id, noteType(note), note.lines)),
    ],
  );
}

function noteType(note: Adjustment): 'credit-note' | 'debit-note' {
  return note.type === 'credit' ? 'credit-note' : 'debit-note';
}

/** One row per credit or debit note; a credit note's figures are below zero, as on the note. */
export function notesCsv(notes: readonly ErpNote[]): string {
  return csv(
    ['note', 'type', 'invoice', 'period', 'issueDate', 'currency', 'subtotal', 'tax', 'total'],
    notes.map(({ id, invoice, issueDate, note: n }) => [
      id,
      noteType(n),
      invoice,
      n.period.id,
      issueDate,
      n.currency,
      n.subtotal,
      n.tax,
      n.total,
    ]),
  );
}

/**
 * One row per payment: `date` is the day of `at` in the billing zone (the day
 * it is booked); `applied` lists how it applied, in order, as
 * `period=amount` separated by `;`, carried credit included.
 */
export function paymentsCsv(payments: readonly StatementPayment[], timeZone: string): string {
  return csv(
    ['payment', 'at', 'date', 'amount', 'applied', 'unapplied', 'ref'],
    payments.map((p) => [
      p.id,
      p.at,
      dayOf(parseInstant(p.at)!, timeZone),
      p.amount,
      p.applied.map((a) => `${a.period}=${a.amount}`).join(';'),
      p.unapplied,
      p.ref,
    ]),
  );
}

/** One row per document of the statement, as of its day. */
export function statementCsv(s: Statement): string {
  return csv(
    [
      'document',
      'period',
      'issueDate',
      'dueDate',
      'currency',
      'total',
      'applied',
      'open',
      'disputed',
      'interest',
      'daysPastDue',
      'state',
    ],
    s.invoices.map((i) => [
      i.document,
      i.period,
      i.issueDate,
      i.dueDate,
      s.currency,
      i.total,
      i.applied,
      i.open,
      i.disputed,
      i.interest,
      String(i.daysPastDue),
      i.state,
    ]),
  );
}

// ---------------------------------------------------------------------------
// The account mapping.

/** The ledger accounts a provider books to; `revenue` and `cost` by offering id, `default` for any other. */
export interface ErpMapping {
  readonly receivable: string;
  readonly payable: string;
  readonly bank: string;
  readonly vatOutput: string;
  readonly vatInput: string;
  readonly revenue: Readonly<Record<string, string>>;
  readonly cost: Readonly<Record<string, string>>;
  /** The Buyer's own VAT rate, self-assessed on reverse-charge (AE) documents; absent: no VAT lines for AE. */
  readonly reverseChargeRatePercent?: string;
}

/** The mapping used when the provider gives none: one revenue and one cost account for every offering. */
export const DEFAULT_ERP_MAPPING: ErpMapping = deepFreeze({
  receivable: '1300',
  payable: '1600',
  bank: '1100',
  vatOutput: '1520',
  vatInput: '1510',
  revenue: { default: '8000' },
  cost: { default: '7000' },
});

const ACCOUNTS = ['receivable', 'payable', 'bank', 'vatOutput', 'vatInput'] as const;
const BY_OFFERING = ['revenue', 'cost'] as const;
const MAPPING_FIELDS: readonly string[] = [...ACCOUNTS, ...BY_OFFERING, 'reverseChargeRatePercent'];
const RATE = { min: ZERO, max: HUNDRED, rule: 'expected a percentage from 0 to 100' };

/**
 * Validates a mapping document and returns it frozen.
 * @throws ValidationError `ERP_MAPPING_INVALID`, one issue per broken rule, e.g.
 *   `{ path: 'revenue.default', rule: 'expected an account code (a non-empty string)' }`.
 */
export function parseErpMapping(json: unknown): ErpMapping {
  const c = new Checker();
  const doc = c.object(json, '');
  if (doc !== undefined) {
    for (const key of Object.keys(doc))
      if (!MAPPING_FIELDS.includes(key))
        c.fail(key, `unknown field; expected one of ${MAPPING_FIELDS.map((f) => `"${f}"`).join(', ')}`);
    for (const key of ACCOUNTS) account(c, doc[key], key);
    for (const key of BY_OFFERING) byOffering(c, doc[key], key);
    if (doc.reverseChargeRatePercent !== undefined)
      c.decimal(doc.reverseChargeRatePercent, 'reverseChargeRatePercent', RATE);
  }
  if (c.issues.length > 0) throw new ValidationError('ERP_MAPPING_INVALID', c.issues);
  return deepFreeze(structuredClone(json) as ErpMapping);
}

/** Account codes are strings: a JSON number would lose leading zeros ("0400"). */
function account(c: Checker, value: unknown, path: string): void {
  if (typeof value !== 'string' || value.trim() === '' || value.trim() !== value)
    c.fail(path, 'expected an account code (a non-empty string without surrounding blanks)', value);
}

function byOffering(c: Checker, value: unknown, path: string): void {
  const map = c.object(value, path);
  if (map === undefined) return;
  if (!Object.hasOwn(map, 'default'))
    c.fail(child(path, 'default'), 'required: the account for any other offering');
  for (const [offering, code] of Object.entries(map)) account(c, code, child(path, offering));
}

// ---------------------------------------------------------------------------
// The journal.

export const ERP_SIDES = ['seller', 'buyer'] as const;
export type ErpSide = (typeof ERP_SIDES)[number];

/** One line of the journal: `debit` or `credit` is `0` (with the currency's decimals), never both above it. */
export interface JournalLine {
  /** `YYYY-MM-DD`: an invoice's issue date, a note's issue date, a payment's day in the billing zone. */
  readonly date: string;
  readonly document: string;
  readonly account: string;
  readonly debit: string;
  readonly credit: string;
  readonly description: string;
}

/** A posting before it is split into debit and credit: above zero a debit, below zero a credit. */
interface Posting {
  readonly account: string;
  readonly amount: Rational;
  readonly description: string;
}

/** What a document must give to be booked: an invoice or a note. */
interface Billing {
  readonly lines: readonly { readonly service: string; readonly amount: string }[];
  readonly subtotal: string;
  readonly taxes: readonly {
    readonly category: string;
    readonly ratePercent: string;
    readonly taxable: string;
  }[];
  readonly tax: string;
  readonly total: string;
}

/**
 * The journal of every document, in date order (documents of one day in the
 * order invoices, notes, payments). For each document the debits equal the
 * credits exactly.
 *
 * Seller: invoice → Dr receivable total / Cr revenue per offering / Cr VAT
 * output; credit note the reverse; payment → Dr bank / Cr receivable.
 * Buyer: invoice → Dr cost per offering / Dr VAT input / Cr payable;
 * payment → Dr payable / Cr bank; reverse charge → Dr VAT input / Cr VAT
 * output of the self-assessed VAT (see `reverseChargeRatePercent`).
 * @example journal('seller', DEFAULT_ERP_MAPPING, documents)[0]
 *   // { date: '2026-02-01', document: 'msa-acme-globex-2026-2026-01', account: '1300', debit: '1310.70', credit: '0.00', … }
 * @throws BilateralError `ERP_DOCUMENT_INVALID` when a document's figures do not add up.
 */
export function journal(side: ErpSide, mapping: ErpMapping, documents: ErpDocuments): JournalLine[] {
  const { terms } = documents;
  const decimals = minorUnit(terms.currency);
  const rc = (taxable: Rational) =>
    mapping.reverseChargeRatePercent === undefined
      ? ZERO
      : round(
          div(mul(taxable, parseDecimal(mapping.reverseChargeRatePercent)), HUNDRED),
          decimals,
          terms.billing.rounding,
        );
  const book = (doc: Billing, label: string) =>
    billingPostings(side, mapping, doc, documents.offerings, label, rc);
  const entries = [
    ...documents.invoices.map(({ id, invoice }) => ({
      date: invoice.issueDate,
      id,
      postings: book(invoice, `Invoice ${invoice.period.id}`),
    })),
    ...documents.notes.map(({ id, issueDate, note }) => ({
      date: issueDate,
      id,
      postings: book(note, `${note.type === 'credit' ? 'Credit' : 'Debit'} note ${note.period.id}`),
    })),
    ...documents.payments.map((p) => ({
      date: dayOf(parseInstant(p.at)!, terms.billing.timeZone),
      id: p.id,
      postings: paymentPostings(side, mapping, p),
    })),
  ];
  // Array sort is stable: within a day, invoices before notes before payments, each in the order given.
  entries.sort((a, b) => byCodeUnit(a.date, b.date));
  return entries.flatMap((e) => journalLines(e.date, e.id, e.postings, decimals));
}

function billingPostings(
  side: ErpSide,
  mapping: ErpMapping,
  doc: Billing,
  offerings: ReadonlyMap<string, string>,
  label: string,
  selfAssess: (taxable: Rational) => Rational,
): Posting[] {
  checkAddsUp(doc, label);
  const total = parseDecimal(doc.total);
  const tax = parseDecimal(doc.tax);
  const rate = doc.taxes.map((t) => `${t.ratePercent}%`).join(', ');
  const nets = netByAccount(doc.lines, offerings, side === 'seller' ? mapping.revenue : mapping.cost);
  if (side === 'seller') {
    return [
      { account: mapping.receivable, amount: total, description: `${label}: receivable` },
      ...nets.map((n) => ({
        account: n.account,
        amount: neg(n.amount),
        description: `${label}: revenue ${n.of}`,
      })),
      { account: mapping.vatOutput, amount: neg(tax), description: `${label}: VAT output ${rate}` },
    ];
  }
  // The Buyer owes VAT on a reverse-charge supply and deducts it at once: both sides, same amount.
  const reverse = selfAssess(
    sum(doc.taxes.filter((t) => t.category === 'AE').map((t) => parseDecimal(t.taxable))),
  );
  const vat = `VAT self-assessed (reverse charge) ${mapping.reverseChargeRatePercent ?? '0'}%`;
  return [
    ...nets.map((n) => ({ account: n.account, amount: n.amount, description: `${label}: cost ${n.of}` })),
    { account: mapping.vatInput, amount: tax, description: `${label}: VAT input ${rate}` },
    { account: mapping.vatInput, amount: reverse, description: `${label}: ${vat}` },
    { account: mapping.vatOutput, amount: neg(reverse), description: `${label}: ${vat}` },
    { account: mapping.payable, amount: neg(total), description: `${label}: payable` },
  ];
}

function paymentPostings(side: ErpSide, mapping: ErpMapping, p: StatementPayment): Posting[] {
  const amount = parseDecimal(p.amount);
  const label = `Payment ${p.id}`;
  return side === 'seller'
    ? [
        { account: mapping.bank, amount, description: `${label}: bank` },
        { account: mapping.receivable, amount: neg(amount), description: `${label}: receivable` },
      ]
    : [
        { account: mapping.payable, amount, description: `${label}: payable` },
        { account: mapping.bank, amount: neg(amount), description: `${label}: bank` },
      ];
}

/** The lines' amounts summed per account (an offering's own, else `default`), in first-seen order. */
function netByAccount(
  lines: Billing['lines'],
  offerings: ReadonlyMap<string, string>,
  accounts: Readonly<Record<string, string>>,
): { account: string; amount: Rational; of: string }[] {
  const out = new Map<string, { account: string; amount: Rational; offerings: Set<string> }>();
  for (const line of lines) {
    const offering = offerings.get(line.service);
    const own = offering !== undefined && Object.hasOwn(accounts, offering);
    const account = own ? accounts[offering]! : accounts.default!;
    const seen = out.get(account) ?? { account, amount: ZERO, offerings: new Set<string>() };
    seen.offerings.add(offering ?? line.service);
    out.set(account, { ...seen, amount: add(seen.amount, parseDecimal(line.amount)) });
  }
  return [...out.values()].map((n) => ({
    account: n.account,
    amount: n.amount,
    of: [...n.offerings].join(', '),
  }));
}

/** Refuses a document whose own figures do not add up: booking it would need a plug line. */
function checkAddsUp(doc: Billing, label: string): void {
  const subtotal = parseDecimal(doc.subtotal);
  const broken = [
    compare(sum(doc.lines.map((l) => parseDecimal(l.amount))), subtotal) === 0
      ? undefined
      : 'lines do not sum to the subtotal',
    compare(add(subtotal, parseDecimal(doc.tax)), parseDecimal(doc.total)) === 0
      ? undefined
      : 'subtotal + tax is not the total',
  ].filter((m) => m !== undefined);
  if (broken.length > 0)
    throw new BilateralError('ERP_DOCUMENT_INVALID', `${label}: ${broken.join('; ')}`, {
      details: { label },
    });
}

/** Postings as journal lines, zero amounts dropped; asserts the balance (a bug here would mis-state books). */
function journalLines(
  date: string,
  document: string,
  postings: readonly Posting[],
  decimals: number,
): JournalLine[] {
  if (!isZero(sum(postings.map((p) => p.amount))))
    throw new BilateralError('ERP_UNBALANCED', `${document}: debits and credits differ`, {
      details: { document },
    });
  const zero = formatFixed(ZERO, decimals);
  return postings
    .filter((p) => !isZero(p.amount))
    .map((p) => {
      const above = compare(p.amount, ZERO) > 0;
      const amount = formatFixed(above ? p.amount : neg(p.amount), decimals);
      return {
        date,
        document,
        account: p.account,
        debit: above ? amount : zero,
        credit: above ? zero : amount,
        description: p.description,
      };
    });
}

/** The journal as CSV. */
export function journalCsv(lines: readonly JournalLine[]): string {
  return csv(
    ['date', 'document', 'account', 'debit', 'credit', 'description'],
    lines.map((l) => [l.date, l.document, l.account, l.debit, l.credit, l.description]),
  );
}

/** Total debits and credits of some journal lines, with `decimals` places (equal when the lines balance). */
export function journalTotals(
  lines: readonly JournalLine[],
  decimals: number,
): { debit: string; credit: string } {
  const total = (pick: (l: JournalLine) => string) =>
    formatFixed(sum(lines.map((l) => parseDecimal(pick(l)))), decimals);
  return { debit: total((l) => l.debit), credit: total((l) => l.credit) };
}
