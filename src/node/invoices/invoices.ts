/**
 * Invoices: the Seller computes a period's invoice from the stored facts and
 * its stored usage, and issues it as an entry naming the stream heads it was
 * computed from; the Buyer's node recomputes from the same heads and answers
 * with an acceptance (hashes match) or a rejection listing the differing
 * lines, then asks for a co-signed checkpoint (an agreement point).
 */
import {
  billingPeriod,
  diffInvoices,
  type FactRef,
  type Invoice,
  nextPeriod,
  parseInstant,
  periodOf,
  rate,
} from '../../core/index.ts';
import {
  type Basis,
  FACT_KINDS,
  factsOf,
  INVOICE_KINDS,
  type IssuedInvoice,
  invoicesOf,
} from '../../kinds/index.ts';
import { hashJson, type JsonValue } from '../../ledger/index.ts';
import type { Checkpoints } from '../checkpoints/checkpoints.ts';
import { headsOf } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import type { PushOutcome, Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';
import type { ReconciliationNode } from '../usage/reconciliation.ts';
import { ensureCounterpartyBatches, storedUsageTotals } from '../usage/reconciliation.ts';

export class Invoices {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  readonly #checkpoints: Checkpoints;
  readonly #usage: ReconciliationNode;
  /** Per bilateral: periods found to have no line, with the heads they were rated at (issueDue). */
  readonly #empty = new Map<string, Map<string, string>>();

  constructor(core: NodeCore, replication: Replication, checkpoints: Checkpoints, usage: ReconciliationNode) {
    this.#core = core;
    this.#replication = replication;
    this.#checkpoints = checkpoints;
    this.#usage = usage;
    // Only a new invoice needs an answer; every sync retries any left unanswered.
    const answer = (id: string) => core.schedule(() => this.#answerPending(id));
    core.onReceived('invoice.issued', answer);
    core.onSynced(answer);
  }

  /**
   * The invoice for `period` computed from the stored facts (up to `basis` when
   * given) and the Seller's stored usage records of the period (imported in
   * batches; up to the basis' head of the Seller's stream). The Buyer's node
   * first fetches and checks any Seller batch it does not hold yet.
   */
  async compute(id: string, period: string, basis?: Basis, extra: readonly FactRef[] = []): Promise<Invoice> {
    const core = this.#core;
    const context = await core.context(id);
    const entries = await core.store.listEntries(id, { kinds: FACT_KINDS });
    const bounds = billingPeriod(period, context.terms.billing.timeZone);
    if (core.party !== context.seller) await ensureCounterpartyBatches(this.#usage, id, bounds);
    const head = basis === undefined ? Number.POSITIVE_INFINITY : (basis[context.seller]?.seq ?? 0);
    const usage = await storedUsageTotals(core.store, id, context.seller, bounds, head);
    return rate(
      context.terms,
      [...factsOf(entries, basis), ...extra],
      period,
      usage.count > 0 ? { usage } : {},
    );
  }

  /** Seller: compute the period's invoice from the current heads and issue it as an entry. */
  async issue(id: string, period: string): Promise<{ invoice: IssuedInvoice; push: PushOutcome }> {
    const core = this.#core;
    const context = await core.context(id);
    if (context.record.role !== 'seller') {
      throw new NodeError('NOT_PERMITTED', 'only the seller issues invoices');
    }
    await core.serially(id, async () => {
      const open = (await this.list(id)).find((i) => i.period === period && i.status !== 'rejected');
      if (open !== undefined) {
        throw new NodeError('INVOICE_EXISTS', `the invoice for ${period} is already issued (${open.status})`);
      }
      const basis = await headsOf(core.store, context);
      const invoice = await this.compute(id, period, basis);
      const body = { period, basis, invoice, invoiceHash: hashJson(invoice) };
      return core.appendOwn(context, 'invoice.issued', body as unknown as JsonValue);
    });
    const push = await this.#replication.push(id);
    const issued = (await this.list(id)).filter((i) => i.period === period);
    return { invoice: issued[issued.length - 1]!, push };
  }

  /**
   * Seller: issues, for every bilateral it sells in, each closed period's
   * invoice not issued yet — a period is due `delayMs` after it ends (time
   * for late facts to arrive), from the period holding the terms'
   * `effectiveFrom` on. A period whose invoice has no line is not issued
   * (and not rated again until the record changes); one issued before, even
   * rejected by the Buyer, is left to people. Answers the periods issued.
   */
  async issueDue(delayMs: number): Promise<{ bilateral: string; period: string }[]> {
    const core = this.#core;
    const issued: { bilateral: string; period: string }[] = [];
    const now = core.now().getTime();
    for (const record of await core.store.listBilaterals()) {
      if (record.role !== 'seller') continue;
      const context = await core.context(record.id);
      const zone = context.terms.billing.timeZone;
      const held = new Set((await this.list(record.id)).map((i) => i.period));
      const heads = JSON.stringify(await headsOf(core.store, context));
      const empty = this.#empty.get(record.id);
      for (const period of closedPeriods(context.terms.effectiveFrom, zone, now - delayMs)) {
        if (held.has(period) || empty?.get(period) === heads) continue;
        const invoice = await this.compute(record.id, period);
        if (invoice.lines.length === 0) {
          const memo = this.#empty.get(record.id) ?? new Map<string, string>();
          memo.set(period, heads);
          this.#empty.set(record.id, memo);
          continue;
        }
        try {
          await this.issue(record.id, period);
          issued.push({ bilateral: record.id, period });
          core.log(`invoice ${period} of ${short(record.id)} issued by the schedule`);
        } catch (error) {
          if (!(error instanceof NodeError && error.code === 'INVOICE_EXISTS')) throw error;
        }
      }
    }
    return issued;
  }

  async list(id: string): Promise<IssuedInvoice[]> {
    await this.#core.context(id);
    return invoicesOf(await this.#core.store.listEntries(id, { kinds: INVOICE_KINDS }));
  }

  /** Buyer: recompute every unanswered invoice from its basis and record the answer. */
  async #answerPending(id: string): Promise<void> {
    const core = this.#core;
    const context = await core.context(id);
    if (context.record.role !== 'buyer') return;
    const answered = await core.serially(id, async () => {
      let count = 0;
      for (const issued of await this.list(id)) {
        if (issued.status !== 'pending') continue;
        const computed = await this.compute(id, issued.period, issued.body.basis);
        const computedHash = hashJson(computed);
        const base = { period: issued.period, invoice: issued.entry, invoiceHash: issued.body.invoiceHash };
        if (computedHash === issued.body.invoiceHash) {
          await core.appendOwn(context, 'invoice.accepted', base as unknown as JsonValue);
          core.log(`invoice ${issued.period} of ${short(id)} accepted (hash ${short(computedHash)})`);
        } else {
          const differences = diffInvoices(computed, issued.body.invoice);
          await core.appendOwn(context, 'invoice.rejected', {
            ...base,
            computedHash,
            differences,
          } as unknown as JsonValue);
          core.log(`invoice ${issued.period} of ${short(id)} rejected: ${differences.length} difference(s)`);
        }
        count++;
      }
      return count;
    });
    if (answered > 0) {
      const push = await this.#replication.push(id);
      if (push.replicated) await this.#checkpoints.propose(context);
    }
  }
}

/** The periods from the one holding `effectiveFrom` whose end (in `zone`) is at or before `until`. */
function closedPeriods(effectiveFrom: string, zone: string, until: number): string[] {
  const start = parseInstant(effectiveFrom);
  const out: string[] = [];
  if (start === undefined) return out;
  for (let id = periodOf(start, zone); billingPeriod(id, zone).end <= until; id = nextPeriod(id))
    out.push(id);
  return out;
}
