/**
 * Documents: what the node has issued or agreed, exported as the documents a
 * finance system or a person takes — UBL 2.1 / Peppol BIS 3 e-invoices and
 * credit notes, printable HTML pages, and the ERP export (CSV files and a
 * balanced journal) — straight from the record, never re-rated.
 *
 * Design rationale:
 * - Read only, through the other capabilities: the invoice of a period is
 *   the one the Seller issued (the latest not rejected), a note the
 *   `note.issued` body, the statement the node's own. Every figure is the
 *   signed document's, so the exports of both nodes are the same documents.
 * - Numbering: an invoice is `<terms id>-<period>` (as `sb ubl` and `sb erp`
 *   number it); the n-th note of a period is `<terms id>-<period>-CN<n>`
 *   (credit) or `-DN<n>` (debit), n counting the period's notes from 1 in the
 *   order issued; a note's issue date is the day the Seller's node signed it,
 *   in the billing zone.
 * - What the terms do not hold (street addresses, the payee account, the
 *   Peppol endpoints) is the node's configuration (`details`): without it a
 *   Dutch party's e-invoice is plain UBL 2.1, and the answer says why.
 * - The ERP journal is booked for this node's own side of the bilateral
 *   (the Seller's node books receivables, the Buyer's payables); the account
 *   mapping is the caller's (a JSON document, checked like `sb erp
 *   --mapping`) or the default.
 */
import {
  type Adjustment,
  buildHistories,
  creditNoteUbl,
  DEFAULT_ERP_MAPPING,
  dayOf,
  debitNoteUbl,
  type ErpDocuments,
  type ErpMapping,
  type ErpNote,
  explainInvoice,
  type Invoice,
  invoiceHtml,
  invoicesCsv,
  invoiceUbl,
  journal,
  journalCsv,
  journalTotals,
  type LineExplanation,
  linesCsv,
  minorUnit,
  noteHtml,
  notesCsv,
  parseErpMapping,
  paymentsCsv,
  statementCsv,
  type UblDocument,
  type UblOptions,
  ublInvoiceId,
} from '../../core/index.ts';
import { FACT_KINDS, factsOf, type IssuedInvoice, type IssuedNote } from '../../kinds/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { Invoices } from '../invoices/invoices.ts';
import type { Notes } from '../notes/notes.ts';
import type { Statements } from '../statements/statements.ts';

/** The files of the ERP export, as `sb erp` writes them. */
export const ERP_FILES = [
  'invoices.csv',
  'lines.csv',
  'notes.csv',
  'payments.csv',
  'statement.csv',
  'journal.csv',
] as const;
export type ErpFile = (typeof ERP_FILES)[number];

/** An exported e-invoice or note: the XML, and whether it claims Peppol BIS 3 (why not, otherwise). */
export interface ExportedUbl extends UblDocument {
  readonly id: string;
}

/** An issued invoice, each line with its explanation, and both parties' word on it. */
export interface InvoiceExplanation {
  readonly period: string;
  readonly number: number;
  readonly status: IssuedInvoice['status'];
  readonly termsHash: string;
  readonly entry: { readonly author: string; readonly seq: number; readonly hash: string };
  /** The invoice hash the Seller's node signed. */
  readonly sellerHash: string;
  /** The Buyer's answer: the hash its node computed (and, on a rejection, the differences). */
  readonly answer?: {
    readonly entry: { readonly author: string; readonly seq: number; readonly hash: string };
    readonly computedHash: string;
    readonly differences?: unknown;
  };
  readonly invoice: Invoice;
  readonly lines: readonly ({ readonly line: Invoice['lines'][number] } & LineExplanation)[];
}

/** A page people read, with the document's number. */
export interface ExportedHtml {
  readonly id: string;
  readonly html: string;
}

interface NoteDocument {
  readonly id: string;
  readonly issueDate: string;
  readonly issued: IssuedNote;
  readonly invoice: IssuedInvoice;
}

export class Documents {
  readonly #core: NodeCore;
  readonly #invoices: Invoices;
  readonly #notes: Notes;
  readonly #statements: Statements;
  #details: UblOptions = {};

  constructor(core: NodeCore, invoices: Invoices, notes: Notes, statements: Statements) {
    this.#core = core;
    this.#invoices = invoices;
    this.#notes = notes;
    this.#statements = statements;
  }

  /** What e-invoices carry beyond the terms (addresses, payee account, endpoints): `sb ubl --details`' shape. */
  configure(details: UblOptions): void {
    this.#details = details;
  }

  /** The invoice the Seller issued for `period` (the latest not rejected); NOT_FOUND when there is none. */
  async #invoice(id: string, period: string): Promise<IssuedInvoice> {
    const issued = (await this.#invoices.list(id)).filter(
      (i) => i.period === period && i.status !== 'rejected',
    );
    const last = issued.at(-1);
    if (last === undefined)
      throw new NodeError('DOCUMENT_NOT_ISSUED', `no invoice issued for period ${period}`);
    return last;
  }

  /** The period's notes (not rejected), numbered in the order issued. */
  async #notesOf(id: string, period?: string): Promise<NoteDocument[]> {
    const context = await this.#core.context(id);
    const invoices = await this.#invoices.list(id);
    const counts = new Map<string, number>();
    const out: NoteDocument[] = [];
    for (const issued of await this.#notes.list(id)) {
      if (issued.status === 'rejected') continue;
      const invoice = invoices.find((i) => i.entry.hash === issued.body.invoice.hash);
      if (invoice === undefined) continue;
      const n = (counts.get(issued.period) ?? 0) + 1;
      counts.set(issued.period, n);
      if (period !== undefined && issued.period !== period) continue;
      const prefix = issued.body.note.type === 'credit' ? 'CN' : 'DN';
      out.push({
        id: `${context.terms.id}-${issued.period}-${prefix}${n}`,
        issueDate: dayOf(Date.parse(issued.recordedAt), context.terms.billing.timeZone),
        issued,
        invoice,
      });
    }
    return out;
  }

  async #note(id: string, period: string, n: number): Promise<NoteDocument> {
    const note = (await this.#notesOf(id, period))[n - 1];
    if (note === undefined)
      throw new NodeError('DOCUMENT_NOT_ISSUED', `no note ${n} issued for period ${period}`);
    return note;
  }

  #termsHash(context: { record: { agreement: { genesis: { termsHash: string } } } }): string {
    return context.record.agreement.genesis.termsHash;
  }

  /** The period's issued invoice as UBL 2.1 (Peppol BIS 3 when nothing known stands in the way). */
  async invoiceUbl(id: string, period: string): Promise<ExportedUbl> {
    const context = await this.#core.context(id);
    const issued = await this.#invoice(id, period);
    const document = invoiceUbl(context.terms, issued.body.invoice, this.#details);
    return { id: this.#details.id ?? ublInvoiceId(issued.body.invoice), ...document };
  }

  /** The period's issued invoice as a printable page, with the terms hash and the entry's hash. */
  async invoiceHtml(id: string, period: string): Promise<ExportedHtml> {
    const context = await this.#core.context(id);
    const issued = await this.#invoice(id, period);
    const invoice = issued.body.invoice;
    const html = invoiceHtml(context.terms, invoice, {
      termsHash: this.#termsHash(context),
      recordHash: issued.entry.hash,
      ...this.#addresses(),
    });
    return { id: ublInvoiceId(invoice), html };
  }

  /**
   * The period's issued invoice with each line explained (core/explain.ts) from
   * the terms and the facts it was computed from (those within its basis), the
   * Seller's invoice hash, and the Buyer's answer with the hash its node
   * computed; the terms hash, so a reader knows which terms ran.
   */
  async explain(id: string, period: string): Promise<InvoiceExplanation> {
    const context = await this.#core.context(id);
    const issued = await this.#invoice(id, period);
    const invoice = issued.body.invoice;
    const entries = await this.#core.store.listEntries(id, { kinds: FACT_KINDS });
    const facts = factsOf(entries, issued.body.basis);
    const explained = explainInvoice(context.terms, invoice, facts);
    const answer = issued.answer;
    return {
      period,
      number: issued.number,
      status: issued.status,
      termsHash: this.#termsHash(context),
      entry: { ...issued.entry },
      sellerHash: issued.body.invoiceHash,
      ...(answer === undefined
        ? {}
        : {
            answer: {
              entry: { ...answer.entry },
              computedHash:
                'computedHash' in answer.body ? answer.body.computedHash : answer.body.invoiceHash,
              ...('differences' in answer.body ? { differences: answer.body.differences } : {}),
            },
          }),
      invoice,
      lines: invoice.lines.map((line, i) => ({ line, ...explained[i]! })),
    };
  }

  /** Note `n` (from 1) of `period`: a UBL CreditNote (381), or an Invoice of type 383 for a debit note. */
  async noteUbl(id: string, period: string, n: number): Promise<ExportedUbl> {
    const context = await this.#core.context(id);
    const note = await this.#note(id, period, n);
    const adjustment: Adjustment = note.issued.body.note;
    const corrected: Invoice = note.invoice.body.invoice;
    const options = { ...this.#details, id: note.id, issueDate: note.issueDate };
    const document =
      adjustment.type === 'credit'
        ? creditNoteUbl(context.terms, adjustment, corrected, options)
        : debitNoteUbl(context.terms, adjustment, corrected, options);
    return { id: note.id, ...document };
  }

  async noteHtml(id: string, period: string, n: number): Promise<ExportedHtml> {
    const context = await this.#core.context(id);
    const note = await this.#note(id, period, n);
    const html = noteHtml(context.terms, note.issued.body.note, note.invoice.body.invoice, {
      id: note.id,
      issueDate: note.issueDate,
      termsHash: this.#termsHash(context),
      recordHash: note.issued.entry.hash,
      ...this.#addresses(),
    });
    return { id: note.id, html };
  }

  #addresses() {
    const pick = (p: UblOptions['seller']) => ({
      ...(p?.street === undefined ? {} : { street: p.street }),
      ...(p?.city === undefined ? {} : { city: p.city }),
      ...(p?.postalZone === undefined ? {} : { postalZone: p.postalZone }),
    });
    return { seller: pick(this.#details.seller), buyer: pick(this.#details.buyer) };
  }

  /**
   * One file of the ERP export as of `asOf` (default today in the billing
   * zone), booked for this node's side, with `mapping` (unchecked JSON: it is
   * checked here, `ERP_MAPPING_INVALID` naming the field) or the default.
   */
  async erp(
    id: string,
    file: ErpFile,
    options: { asOf?: string; mapping?: unknown } = {},
  ): Promise<{ text: string; side: 'seller' | 'buyer'; debit: string; credit: string }> {
    const mapping: ErpMapping =
      options.mapping === undefined ? DEFAULT_ERP_MAPPING : parseErpMapping(options.mapping);
    const context = await this.#core.context(id);
    const { terms } = context;
    const side = context.record.role;
    const statement = await this.#statements.statement(id, options.asOf);
    const asOfEnd = statement.asOf;
    const invoices = (await this.#invoices.list(id))
      .filter((i) => i.status !== 'rejected' && i.body.invoice.issueDate <= asOfEnd)
      // The latest issued (not rejected) invoice of each period: the one the statement uses.
      .filter((i, index, all) => !all.slice(index + 1).some((later) => later.period === i.period))
      .map((i) => ({ id: ublInvoiceId(i.body.invoice), invoice: i.body.invoice }));
    const notes: ErpNote[] = (await this.#notesOf(id))
      .filter((n) => n.issueDate <= asOfEnd)
      .map((n) => ({
        id: n.id,
        invoice: ublInvoiceId(n.invoice.body.invoice),
        issueDate: n.issueDate,
        note: n.issued.body.note,
      }));
    const facts = factsOf(await this.#core.store.listEntries(id, { kinds: FACT_KINDS }));
    const offerings = new Map(buildHistories(terms, facts).map((h) => [h.service, h.offering.id]));
    const documents: ErpDocuments = { terms, offerings, invoices, notes, payments: statement.payments };
    const lines = journal(side, mapping, documents);
    const totals = journalTotals(lines, minorUnit(terms.currency));
    const text = (() => {
      switch (file) {
        case 'invoices.csv':
          return invoicesCsv(invoices);
        case 'lines.csv':
          return linesCsv(invoices, notes, offerings);
        case 'notes.csv':
          return notesCsv(notes);
        case 'payments.csv':
          return paymentsCsv(statement.payments, terms.billing.timeZone);
        case 'statement.csv':
          return statementCsv(statement);
        case 'journal.csv':
          return journalCsv(lines);
      }
    })();
    return { text, side, debit: totals.debit, credit: totals.credit };
  }
}
