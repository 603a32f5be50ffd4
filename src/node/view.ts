/**
 * What a bilateral's two streams mean, derived purely from the stored entries:
 * the facts to rate (each referenced as `author/seq`, or `author/seq#i` for the
 * i-th, 0-based, of a `facts` entry), the invoices the seller
 * issued and the buyer's answer to each. Nothing here is cached state that could
 * drift from the record; both nodes derive the same view from the same entries.
 */
import type { Fact, FactRef } from '../core/index.ts';
import type { StoredEntry } from '../store/index.ts';
import type {
  Basis,
  EntryRef,
  InvoiceAcceptedBody,
  InvoiceIssuedBody,
  InvoiceRejectedBody,
} from './bodies.ts';

export function entryRef(stored: StoredEntry): EntryRef {
  return { author: stored.signed.entry.author, seq: stored.signed.entry.seq, hash: stored.hash };
}

/** Entry kinds whose body carries facts: `fact` one, `facts` several (`{ facts: [...] }`). */
export const FACT_KINDS: readonly string[] = ['fact', 'facts'];

/** The facts recorded in the streams, limited to each stream's head in `basis` when given. */
export function factsOf(entries: readonly StoredEntry[], basis?: Basis): FactRef[] {
  const facts: FactRef[] = [];
  for (const stored of entries) {
    const { author, seq, kind, body } = stored.signed.entry;
    if (!FACT_KINDS.includes(kind)) continue;
    if (basis !== undefined) {
      const head = basis[author];
      if (head === undefined || head === null || seq > head.seq) continue;
    }
    if (kind === 'fact') {
      facts.push({ ref: `${author}/${seq}`, fact: body as unknown as Fact });
      continue;
    }
    const many = (body as unknown as { facts: Fact[] }).facts;
    for (let i = 0; i < many.length; i++) facts.push({ ref: `${author}/${seq}#${i}`, fact: many[i]! });
  }
  return facts;
}

export type InvoiceStatus = 'pending' | 'accepted' | 'rejected';

export interface IssuedInvoice {
  readonly period: string;
  readonly entry: EntryRef;
  readonly body: InvoiceIssuedBody;
  readonly status: InvoiceStatus;
  readonly answer?: { readonly entry: EntryRef; readonly body: InvoiceAcceptedBody | InvoiceRejectedBody };
}

export function invoicesOf(entries: readonly StoredEntry[]): IssuedInvoice[] {
  const answers = new Map<
    string,
    { entry: EntryRef; kind: string; body: InvoiceAcceptedBody | InvoiceRejectedBody }
  >();
  for (const stored of entries) {
    const { kind, body } = stored.signed.entry;
    if (kind !== 'invoice.accepted' && kind !== 'invoice.rejected') continue;
    const answer = body as unknown as InvoiceAcceptedBody | InvoiceRejectedBody;
    answers.set(answer.invoice.hash, { entry: entryRef(stored), kind, body: answer });
  }
  const issued: IssuedInvoice[] = [];
  for (const stored of entries) {
    if (stored.signed.entry.kind !== 'invoice.issued') continue;
    const body = stored.signed.entry.body as unknown as InvoiceIssuedBody;
    const answer = answers.get(stored.hash);
    issued.push({
      period: body.period,
      entry: entryRef(stored),
      body,
      status: answer === undefined ? 'pending' : answer.kind === 'invoice.accepted' ? 'accepted' : 'rejected',
      ...(answer === undefined ? {} : { answer: { entry: answer.entry, body: answer.body } }),
    });
  }
  return issued.sort((a, b) => a.period.localeCompare(b.period) || a.entry.seq - b.entry.seq);
}

/** The entries inside `heads`: each stream up to and including its head. */
export function entriesWithin(entries: readonly StoredEntry[], heads: Basis): StoredEntry[] {
  return entries.filter((stored) => {
    const head = heads[stored.signed.entry.author];
    return head !== undefined && head !== null && stored.signed.entry.seq <= head.seq;
  });
}

/**
 * The agreed state a checkpoint fingerprints beside its record root: how many
 * entries carry facts and every invoice with its answer. Both nodes derive it
 * from the same entries: `facts` counts the `fact` and `facts` entries inside
 * the checkpoint, `invoiceEntries` are the invoice entries among them. (Which
 * facts they are is what the record root commits to.)
 */
export function stateOf(facts: number, invoiceEntries: readonly StoredEntry[]) {
  return {
    facts,
    invoices: invoicesOf(invoiceEntries).map((i) => ({
      period: i.period,
      entry: i.entry.hash,
      invoiceHash: i.body.invoiceHash,
      status: i.status,
    })),
  };
}
