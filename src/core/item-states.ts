/**
 * The state of each item of an invoice, after MEF 141's CustomerBillItem:
 * `generated`, `paymentDue` and `settled` follow the invoice; an item is
 * `disputeBeingInvestigated` while an open dispute puts an amount of its
 * service at stake, `withdrawn` once credit notes take back its whole
 * amount, and `credit` once a credit note takes back part of it (an SLA
 * credit for its service included).
 *
 * Matching: a dispute's or a note's line concerns an item of the same kind
 * and service (and plan, where both name one); a line of a kind the invoice
 * does not have for that service (an SLA credit for an outage) concerns
 * the service's items of other kinds.
 */
import type { InvoiceState } from './statement.ts';

export const ITEM_STATES = [
  'generated',
  'disputeBeingInvestigated',
  'credit',
  'withdrawn',
  'paymentDue',
  'settled',
] as const;
export type ItemState = (typeof ITEM_STATES)[number];

/** What an item, a dispute's line or a note's line says: kind, service, plan, amount. */
export interface ItemLine {
  readonly kind: string;
  readonly service: string;
  readonly plan?: string;
  readonly amount: string;
}

function minor(amount: string): bigint {
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  const value = BigInt(`${whole}${fraction.padEnd(6, '0').slice(0, 6)}`);
  return amount.startsWith('-') ? -value : value;
}

/** The lines of `lines` that concern `item` (see the header). */
function concerning(item: ItemLine, items: readonly ItemLine[], lines: readonly ItemLine[]): ItemLine[] {
  return lines.filter((l) => {
    if (l.service !== item.service) return false;
    const sameKind = items.some((i) => i.service === l.service && i.kind === l.kind);
    if (!sameKind) return l.kind !== item.kind;
    return l.kind === item.kind && (l.plan === undefined || item.plan === undefined || l.plan === item.plan);
  });
}

/**
 * Each item's state, in the order of `items`, given the invoice's state,
 * the lines at stake in its open disputes, and the lines of its credit and
 * debit notes (not rejected).
 */
export function itemStates(
  items: readonly ItemLine[],
  invoice: InvoiceState,
  disputed: readonly ItemLine[],
  notes: readonly ItemLine[],
): ItemState[] {
  return items.map((item) => {
    if (concerning(item, items, disputed).length > 0) return 'disputeBeingInvestigated';
    const credited = concerning(item, items, notes);
    const same = credited.filter((l) => l.kind === item.kind);
    const taken = same.reduce((t, l) => t + minor(l.amount), 0n);
    if (same.length > 0 && taken !== 0n && taken === -minor(item.amount)) return 'withdrawn';
    if (credited.some((l) => minor(l.amount) < 0n)) return 'credit';
    return invoice;
  });
}
