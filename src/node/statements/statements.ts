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
  type ItemLine,
  type ItemState,
  itemStates,
  minorUnit,
  parseDay,
  type Statement,
  type StatementInvoice,
  type StatementOptions,
  type StatementSource,
  statement,
  statementPeriods,
} from '../../core/index.ts';
import {
  ASSIGNMENT_KINDS,
  assignmentsOf,
  FACT_KINDS,
  factsOf,
  type MissingPayment,
  NETTING_KINDS,
  type PaymentReceipt,
  statementDisputes,
  statementFacts,
  statementInvoices,
  statementNotes,
  statementRefusing,
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
  /**
   * Each invoice (not a debit note) with its items and their states, and —
   * once the Buyer acknowledged a notice of assignment — the financier it is
   * paid to from then on.
   */
  readonly invoices: readonly (StatementInvoice & {
    readonly items?: readonly StatementItem[];
    readonly assignedTo?: {
      readonly financier: { readonly id: string; readonly account: string };
      readonly payTo: string;
      readonly since: string;
    };
  })[];
  readonly payments: readonly (Omit<Statement['payments'][number], 'applied'> & {
    /** Each application; `payee`: the financier an assigned invoice was paid to. */
    readonly applied: readonly (Statement['payments'][number]['applied'][number] & {
      readonly payee?: string;
    })[];
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
    const { facts, marks, missing } = await this.#facts(id);
    const { options, items } = await this.#inputs(context, day);
    const { statement: result, refused } = statementRefusing(context.terms, facts, day, options);
    // An invoice assigned to a financier (notice acknowledged by the Buyer): paid to the financier from then on.
    const assigned = new Map(
      assignmentsOf(await this.#core.store.listEntries(id, { kinds: ASSIGNMENT_KINDS }))
        .filter((a) => a.acknowledged !== undefined)
        .map((a) => [
          a.body.period,
          { financier: a.body.financier, payTo: a.body.payTo, since: a.acknowledged!.at },
        ]),
    );
    const payee = (period: string, at: string) => {
      const to = assigned.get(period);
      return to !== undefined && Date.parse(at) >= Date.parse(to.since) ? to.financier.id : undefined;
    };
    return {
      ...result,
      invoices: result.invoices.map((invoice) => {
        const listed = items(invoice);
        const to = invoice.document === 'invoice' ? assigned.get(invoice.period) : undefined;
        return {
          ...invoice,
          ...(listed === undefined ? {} : { items: listed }),
          ...(to === undefined ? {} : { assignedTo: to }),
        };
      }),
      payments: result.payments.map((p) => {
        const applied = p.applied.map((a) => {
          const to = payee(a.period, p.at);
          return to === undefined ? a : { ...a, payee: to };
        });
        return p.id.startsWith('netting-') && !marks.has(p.id)
          ? { ...p, applied }
          : { ...p, applied, receipt: marks.get(p.id)?.status ?? 'pending' };
      }),
      ...(missing.length === 0 ? {} : { missingPayments: missing }),
      ...(refused.length === 0 ? {} : { refusedPayments: refused }),
    };
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
    const { options } = await this.#inputs(context, latest);
    statement(context.terms, [...(await this.#facts(context.id)).facts, ...facts], latest, options);
  }

  /**
   * The facts a statement applies — payments marked missing left out (and
   * named), netting agreements in as allocated payments — with the marks.
   */
  async #facts(id: string): Promise<{
    facts: FactRef[];
    marks: Awaited<ReturnType<Payments['receipts']>>;
    missing: MissingPayment[];
  }> {
    const context = await this.#core.context(id);
    const marks = await this.#payments.receipts(id);
    const { facts, missing } = statementFacts(
      factsOf(await this.#core.store.listEntries(id, { kinds: FACT_KINDS })),
      marks,
      await this.#core.store.listEntries(id, { kinds: NETTING_KINDS }),
      minorUnit(context.terms.currency),
    );
    return { facts, marks, missing };
  }

  /**
   * What a statement as of `asOf` applies besides the facts (the invoices,
   * notes and disputes), and each invoice's items with their MEF 141 state:
   * the invoice's lines, with what open disputes put at stake and what notes
   * issued by the end of the day changed.
   */
  async #inputs(
    context: BilateralContext,
    asOf: string,
  ): Promise<{
    options: StatementOptions;
    items: (invoice: StatementInvoice) => StatementItem[] | undefined;
  }> {
    const periods = statementPeriods(context.terms, asOf);
    const issued = statementInvoices(await this.#invoices.list(context.id));
    const invoices = new Map<string, StatementSource>();
    for (const period of periods) {
      const source = issued.get(period) ?? {
        ...(await this.#invoices.compute(context.id, period)),
        agreed: false,
      };
      invoices.set(period, source);
    }
    const held = (await this.#notes.list(context.id)).filter((n) => n.status !== 'rejected');
    const notes = statementNotes(held);
    const raised = await this.#disputes.list(context.id);
    const disputes = statementDisputes(raised, context.buyer);
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
    return { options: { invoices, notes, disputes }, items };
  }
}
