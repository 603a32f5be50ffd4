/**
 * A notice of assignment: the Seller assigns an accepted invoice to the
 * financier that pledged it (`invoice.assigned`: the invoice's issued entry,
 * the financier's name and chain account, the pledge key, where to pay), and
 * the Buyer's node acknowledges it (`invoice.assignment.acknowledged`), from
 * which point the Buyer's payments of that invoice are due to the financier.
 * An invoice is assigned once: a second notice of the same invoice is not
 * acknowledged, and the Seller's node does not write one.
 */
import {
  type EntryKindSpec,
  type EntryRef,
  entryRef,
  HASH_TEXT,
  type HeldEntry,
  objectBody,
  PERIOD_TEXT,
  requireEntryRef,
  requireText,
} from './kind.ts';

/** A financier's name (as its credential on the Seller's node names it). */
export const FINANCIER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A chain account, lowercase. */
export const ACCOUNT_TEXT = /^0x[0-9a-f]{40}$/;

export interface InvoiceAssignedBody {
  readonly period: string;
  /** The `invoice.issued` entry assigned. */
  readonly invoice: EntryRef;
  readonly invoiceHash: string;
  readonly pledgeKey: string;
  readonly financier: { readonly id: string; readonly account: string };
  /** Where the Buyer pays from now on (the financier's account details), in words. */
  readonly payTo: string;
}

export interface AssignmentAcknowledgedBody {
  readonly period: string;
  readonly invoiceHash: string;
  /** The `invoice.assigned` entry acknowledged. */
  readonly assignment: EntryRef;
}

export const ASSIGNMENT_KINDS: readonly string[] = ['invoice.assigned', 'invoice.assignment.acknowledged'];

export const invoiceAssignedKind: EntryKindSpec = {
  kind: 'invoice.assigned',
  author: 'seller',
  validate(body) {
    const o = objectBody(body, 'invoice.assigned');
    requireText(o, 'period', PERIOD_TEXT);
    requireEntryRef(o, 'invoice');
    requireText(o, 'invoiceHash', HASH_TEXT);
    requireText(o, 'pledgeKey', /^0x[0-9a-f]{64}$/);
    const financier = objectBody(o.financier ?? null, 'financier');
    requireText(financier, 'id', FINANCIER_ID);
    requireText(financier, 'account', ACCOUNT_TEXT);
    requireText(o, 'payTo', /^[\s\S]{1,500}$/);
  },
};

export const assignmentAcknowledgedKind: EntryKindSpec = {
  kind: 'invoice.assignment.acknowledged',
  author: 'buyer',
  validate(body) {
    const o = objectBody(body, 'invoice.assignment.acknowledged');
    requireText(o, 'period', PERIOD_TEXT);
    requireText(o, 'invoiceHash', HASH_TEXT);
    requireEntryRef(o, 'assignment');
  },
};

export interface HeldAssignment {
  readonly entry: EntryRef;
  readonly assignedAt: string;
  readonly body: InvoiceAssignedBody;
  /** When the Buyer's node acknowledged it; absent until then. */
  readonly acknowledged?: { readonly entry: EntryRef; readonly at: string };
}

/** The first notice of each invoice among `entries`, with its acknowledgement, in the order assigned. */
export function assignmentsOf(entries: readonly HeldEntry[]): HeldAssignment[] {
  const acks = new Map<string, { entry: EntryRef; at: string }>();
  for (const held of entries) {
    if (held.signed.entry.kind !== 'invoice.assignment.acknowledged') continue;
    const body = held.signed.entry.body as unknown as AssignmentAcknowledgedBody;
    if (!acks.has(body.assignment.hash))
      acks.set(body.assignment.hash, { entry: entryRef(held), at: held.signed.entry.recordedAt });
  }
  const seen = new Set<string>();
  const out: HeldAssignment[] = [];
  const notices = entries
    .filter((held) => held.signed.entry.kind === 'invoice.assigned')
    .sort((a, b) => a.signed.entry.seq - b.signed.entry.seq);
  for (const held of notices) {
    const body = held.signed.entry.body as unknown as InvoiceAssignedBody;
    if (seen.has(body.invoice.hash)) continue;
    seen.add(body.invoice.hash);
    const ack = acks.get(held.hash);
    out.push({
      entry: entryRef(held),
      assignedAt: held.signed.entry.recordedAt,
      body,
      ...(ack === undefined ? {} : { acknowledged: ack }),
    });
  }
  return out;
}
