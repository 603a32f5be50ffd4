/**
 * Payments as the Seller sees them arrive: each `payment` fact the Buyer
 * recorded, with the Seller's word on it (`payment.received`,
 * `payment.missing`). A payment marked missing is set aside by the
 * statement (listed with its mark, not applied) until it is marked
 * received; one marked received stays received.
 */
import type { Payment } from '../../core/index.ts';
import {
  FACT_KINDS,
  factsOf,
  PAYMENT_RECEIPT_KINDS,
  type PaymentReceipt,
  paymentReceiptsOf,
} from '../../kinds/index.ts';
import type { JsonValue } from '../../ledger/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import type { Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';

export interface PaymentView {
  readonly id: string;
  readonly ref: string;
  readonly at: string;
  readonly amount: string;
  readonly allocations: Payment['allocations'];
  /** `pending` until the Seller says; then its latest mark. */
  readonly receipt: PaymentReceipt | 'pending';
  readonly markedAt?: string;
  readonly reason?: string;
}

export class Payments {
  readonly #core: NodeCore;
  readonly #replication: Replication;

  constructor(core: NodeCore, replication: Replication) {
    this.#core = core;
    this.#replication = replication;
  }

  /** Every payment of bilateral `id`, in the order recorded, with its receipt. */
  async list(id: string): Promise<PaymentView[]> {
    await this.#core.context(id);
    const marks = await this.receipts(id);
    const facts = factsOf(await this.#core.store.listEntries(id, { kinds: FACT_KINDS }));
    const out: PaymentView[] = [];
    for (const { ref, fact } of facts) {
      if (fact.type !== 'payment') continue;
      const mark = marks.get(fact.id);
      out.push({
        id: fact.id,
        ref,
        at: fact.at,
        amount: fact.amount,
        allocations: fact.allocations,
        receipt: mark?.status ?? 'pending',
        ...(mark === undefined ? {} : { markedAt: mark.at }),
        ...(mark?.reason === undefined ? {} : { reason: mark.reason }),
      });
    }
    return out;
  }

  /** Each payment's latest mark, by payment id. */
  async receipts(id: string): Promise<ReturnType<typeof paymentReceiptsOf>> {
    return paymentReceiptsOf(await this.#core.store.listEntries(id, { kinds: PAYMENT_RECEIPT_KINDS }));
  }

  /**
   * The Seller marks payment `payment` received or missing (with `reason`).
   * Marking it as it already is records nothing; a payment marked received
   * cannot be marked missing (`PAYMENT_RECEIVED`).
   */
  async mark(id: string, payment: string, status: PaymentReceipt, reason?: unknown): Promise<PaymentView> {
    const context = await this.#core.context(id);
    if (context.seller !== this.#core.party) {
      throw new NodeError('NOT_PERMITTED', 'the Seller marks a payment received or missing');
    }
    if (
      status === 'missing' &&
      (typeof reason !== 'string' || reason.trim() === '' || reason.length > 1000)
    ) {
      throw new NodeError('BAD_REQUEST', 'reason: expected 1 to 1,000 characters');
    }
    const recorded = await this.#core.serially(id, async () => {
      const held = (await this.list(id)).find((p) => p.id === payment);
      if (held === undefined) throw new NodeError('NOT_FOUND', `no payment ${payment}`);
      if (held.receipt === status) return false;
      if (held.receipt === 'received') {
        throw new NodeError('PAYMENT_RECEIVED', `payment ${payment} was marked received at ${held.markedAt}`);
      }
      await this.#core.appendOwn(context, `payment.${status}`, {
        payment,
        ref: held.ref,
        ...(status === 'missing' ? { reason: reason as string } : {}),
      } as JsonValue);
      return true;
    });
    if (recorded) await this.#replication.push(id);
    return (await this.list(id)).find((p) => p.id === payment)!;
  }
}
