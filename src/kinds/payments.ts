/**
 * The Seller's word on a Buyer's payment: `payment.received` (the money
 * arrived) or `payment.missing` (it did not, as of now). A payment the Seller
 * marks missing is set aside by statements — listed, not applied — until the
 * Seller marks it received; a payment marked received stays received.
 */
import { type EntryKindSpec, type HeldEntry, objectBody, requireText } from './kind.ts';

export type PaymentReceipt = 'received' | 'missing';

export interface PaymentReceiptBody {
  /** The payment's id (unique in the bilateral). */
  readonly payment: string;
  /** The fact it was recorded in (`author/seq#i`). */
  readonly ref: string;
  /** Why, for `payment.missing` (what the Seller's bank shows). */
  readonly reason?: string;
}

export const PAYMENT_RECEIPT_KINDS: readonly string[] = ['payment.received', 'payment.missing'];

function receiptKind(kind: 'payment.received' | 'payment.missing'): EntryKindSpec {
  return {
    kind,
    author: 'seller',
    validate(body) {
      const o = objectBody(body, kind);
      requireText(o, 'payment', /^[\s\S]{1,128}$/);
      requireText(o, 'ref', /^[^/]+\/\d+(#\d+)?$/);
      if (kind === 'payment.missing') requireText(o, 'reason', /^[\s\S]{1,1000}$/);
      else if (o.reason !== undefined) requireText(o, 'reason', /^[\s\S]{1,1000}$/);
    },
  };
}

export const paymentReceivedKind = receiptKind('payment.received');
export const paymentMissingKind = receiptKind('payment.missing');

/** Each payment's latest mark (by payment id) among `entries`, in stream order, with when it was made. */
export function paymentReceiptsOf(
  entries: readonly HeldEntry[],
): Map<string, { readonly status: PaymentReceipt; readonly at: string; readonly reason?: string }> {
  const out = new Map<string, { status: PaymentReceipt; at: string; reason?: string }>();
  const ordered = [...entries].sort((a, b) => a.signed.entry.seq - b.signed.entry.seq);
  for (const held of ordered) {
    const { kind, body, recordedAt } = held.signed.entry;
    if (kind !== 'payment.received' && kind !== 'payment.missing') continue;
    const b = body as unknown as PaymentReceiptBody;
    out.set(b.payment, {
      status: kind === 'payment.received' ? 'received' : 'missing',
      at: recordedAt,
      ...(b.reason === undefined ? {} : { reason: b.reason }),
    });
  }
  return out;
}
