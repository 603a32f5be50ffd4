/**
 * The invoice kinds. The Seller issues (`invoice.issued`: the period, the
 * stream heads it was computed from, the invoice and its hash); the Buyer
 * recomputes from the same heads and answers once (`invoice.accepted` when
 * the hashes match, `invoice.rejected` naming the differing lines).
 *
 * Their slice of the agreed state is every invoice with its status.
 */
import type { Invoice } from '../core/index.ts';
import { hashJson, type JsonValue } from '../ledger/index.ts';
import {
  answerKindSpec,
  type Basis,
  type EntryKindSpec,
  type EntryRef,
  entryRef,
  HASH_TEXT,
  type HeldEntry,
  objectBody,
  PERIOD_TEXT,
  requireText,
} from './kind.ts';
import type { StateSlice } from './state.ts';

export interface InvoiceIssuedBody {
  readonly period: string;
  readonly basis: Basis;
  readonly invoice: Invoice;
  readonly invoiceHash: string;
}

export interface InvoiceAcceptedBody {
  readonly period: string;
  readonly invoice: EntryRef;
  readonly invoiceHash: string;
}

export interface InvoiceRejectedBody {
  readonly period: string;
  readonly invoice: EntryRef;
  readonly invoiceHash: string;
  readonly computedHash: string;
  readonly differences: JsonValue;
}

export const INVOICE_KINDS: readonly string[] = ['invoice.issued', 'invoice.accepted', 'invoice.rejected'];

export const invoiceIssuedKind: EntryKindSpec = {
  kind: 'invoice.issued',
  author: 'seller',
  validate(body) {
    const o = objectBody(body, 'invoice.issued');
    requireText(o, 'period', PERIOD_TEXT);
    requireText(o, 'invoiceHash', HASH_TEXT);
    objectBody(o.basis ?? null, 'basis');
    objectBody(o.invoice ?? null, 'invoice');
    if (hashJson(o.invoice) !== o.invoiceHash) throw new Error('invoiceHash: does not match the invoice');
  },
};

export const invoiceAcceptedKind = answerKindSpec('invoice.accepted', 'invoice', false);
export const invoiceRejectedKind = answerKindSpec('invoice.rejected', 'invoice', true);

export type InvoiceStatus = 'pending' | 'accepted' | 'rejected';

export interface IssuedInvoice {
  /** Its number in the bilateral: 1 for the first invoice the Seller issued, and so on without a gap. */
  readonly number: number;
  readonly period: string;
  readonly entry: EntryRef;
  readonly body: InvoiceIssuedBody;
  readonly status: InvoiceStatus;
  readonly answer?: { readonly entry: EntryRef; readonly body: InvoiceAcceptedBody | InvoiceRejectedBody };
}

/** Every issued invoice among `entries`, with the Buyer's answer to it, by period then seq. */
export function invoicesOf(entries: readonly HeldEntry[]): IssuedInvoice[] {
  const answers = new Map<
    string,
    { entry: EntryRef; kind: string; body: InvoiceAcceptedBody | InvoiceRejectedBody }
  >();
  for (const held of entries) {
    const { kind, body } = held.signed.entry;
    if (kind !== 'invoice.accepted' && kind !== 'invoice.rejected') continue;
    const answer = body as unknown as InvoiceAcceptedBody | InvoiceRejectedBody;
    answers.set(answer.invoice.hash, { entry: entryRef(held), kind, body: answer });
  }
  const issued: IssuedInvoice[] = [];
  const documents = entries
    .filter((held) => held.signed.entry.kind === 'invoice.issued')
    .sort((a, b) => a.signed.entry.seq - b.signed.entry.seq);
  for (const [index, held] of documents.entries()) {
    const body = held.signed.entry.body as unknown as InvoiceIssuedBody;
    const answer = answers.get(held.hash);
    issued.push({
      number: index + 1,
      period: body.period,
      entry: entryRef(held),
      body,
      status: answer === undefined ? 'pending' : answer.kind === 'invoice.accepted' ? 'accepted' : 'rejected',
      ...(answer === undefined ? {} : { answer: { entry: answer.entry, body: answer.body } }),
    });
  }
  return issued.sort((a, b) => a.period.localeCompare(b.period) || a.entry.seq - b.entry.seq);
}

/** `invoices` in the agreed state: each invoice's period, entry, hash and status (always present). */
export const invoicesSlice: StateSlice = {
  name: 'invoices',
  kinds: INVOICE_KINDS,
  reads: 'entries',
  derive: (_count, entries): JsonValue =>
    invoicesOf(entries).map((i) => ({
      period: i.period,
      entry: i.entry.hash,
      invoiceHash: i.body.invoiceHash,
      status: i.status,
    })),
};
