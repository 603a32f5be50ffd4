/**
 * The entry kinds a bilateral's streams carry, and the rule each body must
 * satisfy before a node stores it — its own or its counterparty's. The seller
 * alone issues invoices; the buyer alone answers them.
 */
import { type Invoice, parseFact, type Terms } from '../core/index.ts';
import { hashJson, type JsonValue, type StreamPosition } from '../ledger/index.ts';
import { checkUsageBatchBody } from './usage-batch.ts';

export const entryKinds = [
  'fact',
  'facts',
  'invoice.issued',
  'invoice.accepted',
  'invoice.rejected',
  'usage.batch',
] as const;
export type EntryKind = (typeof entryKinds)[number];

/** The stream heads an invoice was computed from, by party id. */
export type Basis = Readonly<Record<string, StreamPosition | null>>;

export interface InvoiceIssuedBody {
  readonly period: string;
  readonly basis: Basis;
  readonly invoice: Invoice;
  readonly invoiceHash: string;
}

export interface EntryRef {
  readonly author: string;
  readonly seq: number;
  readonly hash: string;
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

type Validator = (body: JsonValue) => void;

/** At most this many facts in one `facts` entry (a larger request is split over several). */
export const FACTS_PER_ENTRY = 1000;

function record(body: JsonValue, what: string): Record<string, JsonValue> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new Error(`${what}: expected an object`);
  return body as Record<string, JsonValue>;
}

function requireString(o: Record<string, JsonValue>, field: string, pattern?: RegExp): void {
  const value = o[field];
  if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) {
    throw new Error(
      `${field}: expected ${pattern === undefined ? 'a string' : `a string matching ${pattern}`}`,
    );
  }
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const HASH = /^[0-9a-f]{64}$/;

function requireEntryRef(o: Record<string, JsonValue>, field: string): void {
  const ref = record(o[field] ?? null, field);
  if (typeof ref.author !== 'string' || typeof ref.seq !== 'number' || typeof ref.hash !== 'string') {
    throw new Error(`${field}: expected {author, seq, hash}`);
  }
}

/** Validators for every kind, for one bilateral, as the ledger's `checkBody` takes them. */
export function bodyValidators(terms: Terms, author: string): Readonly<Record<EntryKind, Validator>> {
  const sellerOnly = (kind: string) => {
    if (author !== terms.seller.id)
      throw new Error(`${kind} may be written only by the seller ${terms.seller.id}`);
  };
  const buyerOnly = (kind: string) => {
    if (author !== terms.buyer.id)
      throw new Error(`${kind} may be written only by the buyer ${terms.buyer.id}`);
  };
  const answer = (kind: string) => (body: JsonValue) => {
    buyerOnly(kind);
    const o = record(body, kind);
    requireString(o, 'period', PERIOD);
    requireString(o, 'invoiceHash', HASH);
    requireEntryRef(o, 'invoice');
    if (kind === 'invoice.rejected') requireString(o, 'computedHash', HASH);
  };
  return {
    fact: (body) => {
      parseFact(body, terms);
    },
    facts: (body) => {
      const list = record(body, 'facts').facts;
      if (!Array.isArray(list) || list.length === 0 || list.length > FACTS_PER_ENTRY) {
        throw new Error(`facts: expected an array of 1 to ${FACTS_PER_ENTRY} facts`);
      }
      list.forEach((fact, i) => {
        try {
          parseFact(fact, terms);
        } catch (error) {
          throw new Error(`facts[${i}]: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
      if (Object.keys(body as object).length !== 1) throw new Error('facts: the body holds only `facts`');
    },
    'invoice.issued': (body) => {
      sellerOnly('invoice.issued');
      const o = record(body, 'invoice.issued');
      requireString(o, 'period', PERIOD);
      requireString(o, 'invoiceHash', HASH);
      record(o.basis ?? null, 'basis');
      record(o.invoice ?? null, 'invoice');
      if (hashJson(o.invoice) !== o.invoiceHash) throw new Error('invoiceHash: does not match the invoice');
    },
    'invoice.accepted': answer('invoice.accepted'),
    'invoice.rejected': answer('invoice.rejected'),
    'usage.batch': checkUsageBatchBody,
  };
}
