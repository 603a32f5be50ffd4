/**
 * Statements: what the Buyer owes as of a day (TERMS.md §6), served live
 * from the record both nodes hold — the facts, the Buyer's payments and the
 * invoices — so the two nodes, and `sb statement` over the same facts, give
 * the same figures.
 *
 * Design rationale:
 * - An issued invoice never changes: where a period's invoice was issued
 *   (and not rejected) the statement uses that document; a period whose
 *   issue date has come but which is not issued yet is rated as it would be
 *   (stored usage included), as TERMS.md §6 lists it.
 * - Each invoice's items carry their MEF 141 state (core/item-states.ts):
 *   under investigation while an open dispute puts them at stake, credit
 *   or withdrawn once a credit note takes part or all of them back.
 * - A payment the Seller marked missing (`payments`) is set aside: listed
 *   with its mark, never applied, until it is marked received.
 * - A netting agreement (`netting.settled`) applies at its time like a
 *   payment allocated to the invoices it settles; its id is `netting-` and
 *   the start of the agreement's hash.
 * - A payment is checked before it is signed, by the same rule the
 *   statement applies: its allocations must go to invoices issued by its
 *   time and stay within what is open on them (`PAYMENT_INVALID`), so no
 *   signed payment can make a statement fail later.
 */
import {
  BilateralError,
  dayOf,
  dayStart,
  type FactRef,
  formatMinor,
  type ItemLine,
  type ItemState,
  itemStates,
  minorUnit,
  parseDay,
  type Statement,
  type StatementDispute,
  type StatementInvoice,
  type StatementNote,
  type StatementSource,
  statement,
  statementPeriods,
} from '../../core/index.ts';
import {
  FACT_KINDS,
  factsOf,
  NETTING_KINDS,
  nettingSettlementsOf,
  type PaymentReceipt,
} from '../../kinds/index.ts';
import type { BilateralContext } from '../core/context.ts';
import type { NodeCore } from '../core/node-core.ts';
import type { Disputes } from '../disputes/disputes.ts';
import type { Invoices } from '../invoices/invoices.ts';
import type { Notes } from '../notes/notes.ts';
import type { Payments } from '../payments/payments.ts';

/** A statement as a node serves it: each payment with the Seller's word on it. */
/** An invoice's item (line) with its MEF 141 CustomerBillItem state. */
export interface StatementItem {
  readonly kind: string;
  readonly service: string;
  readonly plan?: string;
  readonly amount: string;
  readonly state: ItemState;
}

export type NodeStatement = Omit<Statement, 'payments' | 'invoices'> & {
  /** Each invoice (not a debit note) with its items and their states. */
  readonly invoices: readonly (StatementInvoice & { readonly items?: readonly StatementItem[] })[];
  readonly payments: readonly (Statement['payments'][number] & {
    readonly receipt?: PaymentReceipt | 'pending';
  })[];
  /** Payments the Seller marked missing: set aside, not applied. */
  readonly missingPayments?: readonly {
    readonly id: string;
    readonly ref: string;
    readonly reason?: string;
  }[];
  readonly refusedPayments?: readonly { readonly ref: string; readonly reason: string }[];
};

export class Statements {
  readonly #core: NodeCore;
  readonly #invoices: Invoices;
  readonly #notes: Notes;
  readonly #disputes: Disputes;
  readonly #payments: Payments;

  constructor(core: NodeCore, invoices: Invoices, notes: Notes, disputes: Disputes, payments: Payments) {
    this.#core = core;
    this.#invoices = invoices;
    this.#notes = notes;
    this.#disputes = disputes;
    this.#payments = payments;
  }

  /**
   * The statement of bilateral `id` as of the end of `asOf` (default: today
   * in the billing zone). A signed payment that cannot apply as recorded —
   * only a node that skipped the check before signing makes one — is left
   * out and named in `refusedPayments`, the same on both nodes, rather than
   * making every statement fail.
   */
  async statement(id: string, asOf?: string): Promise<NodeStatement> {
    const context = await this.#core.context(id);
    const day = asOf ?? dayOf(this.#core.now().getTime(), context.terms.billing.timeZone);
    const read = await this.#facts(id);
    let { facts } = read;
    const { marks, missing } = read;
    const refused: { ref: string; reason: string }[] = [];
    for (;;) {
      try {
        const { statement: result, items } = await this.#statementWithItems(context, facts, day);
        return {
          ...result,
          invoices: result.invoices.map((invoice) => {
            const listed = items(invoice);
            return listed === undefined ? invoice : { ...invoice, items: listed };
          }),
          payments: result.payments.map((p) =>
            p.id.startsWith('netting-') && !marks.has(p.id)
              ? p
              : { ...p, receipt: marks.get(p.id)?.status ?? 'pending' },
          ),
          ...(missing.length === 0 ? {} : { missingPayments: missing }),
          ...(refused.length === 0 ? {} : { refusedPayments: refused }),
        };
      } catch (error) {
        const ref =
          error instanceof BilateralError && error.code === 'PAYMENT_INVALID'
            ? error.details?.ref
            : undefined;
        if (typeof ref !== 'string' || refused.some((r) => r.ref === ref)) throw error;
        refused.push({ ref, reason: (error as Error).message });
        facts = facts.filter((f) => f.ref !== ref);
      }
    }
  }

  /**
   * Throws `PAYMENT_INVALID` unless each payment among `facts` applies as
   * recorded beside the stored ones: checked on the statement as of the
   * latest payment's day.
   */
  async checkPayments(context: BilateralContext, facts: readonly FactRef[]): Promise<void> {
    const zone = context.terms.billing.timeZone;
    let latest: string | undefined;
    for (const { ref, fact } of facts) {
      if (fact.type !== 'payment') continue;
      if (fact.id.startsWith('netting-')) {
        throw new BilateralError(
          'PAYMENT_INVALID',
          `${ref}: payment ids starting netting- name netting agreements`,
          {
            details: { ref, payment: fact.id },
          },
        );
      }
      const day = dayOf(Date.parse(fact.at), zone);
      if (latest === undefined || day > latest) latest = day;
    }
    if (latest === undefined) return;
    await this.#statement(context, [...(await this.#facts(context.id)).facts, ...facts], latest);
  }

  /**
   * The facts a statement applies — payments marked missing left out (and
   * named), netting agreements in as allocated payments — with the marks.
   */
  async #facts(id: string): Promise<{
    facts: FactRef[];
    marks: Awaited<ReturnType<Payments['receipts']>>;
    missing: { id: string; ref: string; reason?: string }[];
  }> {
    const context = await this.#core.context(id);
    const marks = await this.#payments.receipts(id);
    const facts: FactRef[] = [];
    const missing: { id: string; ref: string; reason?: string }[] = [];
    for (const item of factsOf(await this.#core.store.listEntries(id, { kinds: FACT_KINDS }))) {
      const mark = item.fact.type === 'payment' ? marks.get(item.fact.id) : undefined;
      if (item.fact.type === 'payment' && mark?.status === 'missing') {
        missing.push({
          id: item.fact.id,
          ref: item.ref,
          ...(mark.reason === undefined ? {} : { reason: mark.reason }),
        });
      } else facts.push(item);
    }
    const decimals = minorUnit(context.terms.currency);
    for (const { ref, body } of nettingSettlementsOf(
      await this.#core.store.listEntries(id, { kinds: NETTING_KINDS }),
    )) {
      let total = 0n;
      for (const item of body.items) total += BigInt(item.amount.replace('.', ''));
      facts.push({
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
    return { facts, marks, missing };
  }

  async #statement(context: BilateralContext, facts: readonly FactRef[], asOf: string): Promise<Statement> {
    return (await this.#statementWithItems(context, facts, asOf)).statement;
  }

  /**
   * The statement, and each invoice's items with their MEF 141 state: the
   * invoice's lines, with what open disputes put at stake and what notes
   * issued by the end of the day changed.
   */
  async #statementWithItems(
    context: BilateralContext,
    facts: readonly FactRef[],
    asOf: string,
  ): Promise<{ statement: Statement; items: (invoice: StatementInvoice) => StatementItem[] | undefined }> {
    const periods = statementPeriods(context.terms, asOf);
    const issued = new Map<string, StatementSource>();
    for (const held of await this.#invoices.list(context.id)) {
      if (held.status !== 'rejected') {
        issued.set(held.period, { ...held.body.invoice, agreed: held.status === 'accepted' });
      }
    }
    const invoices = new Map<string, StatementSource>();
    for (const period of periods) {
      const source = issued.get(period) ?? {
        ...(await this.#invoices.compute(context.id, period)),
        agreed: false,
      };
      invoices.set(period, source);
    }
    const held = (await this.#notes.list(context.id)).filter((n) => n.status !== 'rejected');
    const notes: StatementNote[] = held.map((n) => ({
      type: n.body.note.type,
      period: n.period,
      total: n.body.note.total,
      issuedAt: n.recordedAt,
      agreed: n.status === 'accepted',
    }));
    // What the Buyer disputes (a dispute that lowers what it owes) is set aside while open.
    const raised = await this.#disputes.list(context.id);
    const disputes: StatementDispute[] = raised
      .filter((d) => d.entry.author === context.buyer && d.body.atStake.total.startsWith('-'))
      .map((d) => ({
        period: d.body.period,
        amount: d.body.atStake.total.slice(1),
        raisedAt: d.raisedAt,
        ...(d.answer === undefined
          ? {}
          : { resolved: { for: d.status === 'accepted' ? 'buyer' : 'seller', at: d.answer.at } as const }),
      }));
    const result = statement(context.terms, facts, asOf, { invoices, notes, disputes });
    const end = dayStart(parseDay(asOf)! + 1, context.terms.billing.timeZone);
    const linesOf = (lines: readonly unknown[]) => lines as readonly ItemLine[];
    const items = (invoice: StatementInvoice): StatementItem[] | undefined => {
      const source = invoices.get(invoice.period);
      if (invoice.document !== 'invoice' || source === undefined) return undefined;
      const lines = linesOf(source.lines);
      const disputed = raised
        .filter(
          (d) =>
            d.body.period === invoice.period &&
            Date.parse(d.raisedAt) < end &&
            (d.answer === undefined || Date.parse(d.answer.at) >= end),
        )
        .flatMap((d) => linesOf(d.body.atStake.lines));
      const noted = held
        .filter((n) => n.period === invoice.period && Date.parse(n.recordedAt) < end)
        .flatMap((n) => linesOf(n.body.note.lines));
      const states = itemStates(lines, invoice.state, disputed, noted);
      return lines.map((l, i) => ({
        kind: l.kind,
        service: l.service,
        ...(l.plan === undefined ? {} : { plan: l.plan }),
        amount: l.amount,
        state: states[i]!,
      }));
    };
    return { statement: result, items };
  }
}
