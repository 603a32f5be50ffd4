/**
 * Disputes over facts, raised by the node itself. A party's own systems
 * tell its node what they saw (`observe`: the inventory's activations and
 * terminations, the NOC's outages, each source a snapshot); the node
 * compares them with the counterparty's facts (core/disputes.ts) whenever
 * either changes, and raises a signed dispute for each difference beyond
 * its rules, with the evidence and the amount at stake. The counterparty
 * accepts (its node records the correction, or the missing fact; a credit
 * or debit note follows for an invoiced period) or rejects with a reason;
 * unanswered past the terms' `responseDays` a dispute is escalated.
 *
 * Design rationale:
 * - Observations are the node's own, never replicated: kept per bilateral
 *   and source in the store's meta table, bounded (MAX_OBSERVED per
 *   source), so a dispute raised after a restart needs nothing resent.
 * - A finding is raised once: one already raised about the same fact with
 *   the same proposal (answered or not) is not raised again.
 * - Outside the terms' `windowDays` after its period's invoice was issued,
 *   a difference is not raised (it is logged): the window has closed.
 */
import {
  adjustment,
  applyCorrections,
  DEFAULT_DISPUTE_RULES,
  DISPUTED_TYPES,
  dayStart,
  type Fact,
  findings,
  parseDay,
  parseFact,
  parseInstant,
  periodOf,
  ValidationError,
} from '../../core/index.ts';
import {
  DISPUTE_KINDS,
  type DisputeRaisedBody,
  disputesOf,
  FACT_KINDS,
  factsOf,
  type HeldDispute,
} from '../../kinds/index.ts';
import { hashJson, type JsonValue } from '../../ledger/index.ts';
import type { BilateralContext } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import type { Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';
import type { Facts } from '../facts/facts.ts';
import type { Invoices } from '../invoices/invoices.ts';

/** Most facts one source's snapshot may hold. */
export const MAX_OBSERVED = 5000;
const DAY_MS = 86_400_000;

/** A dispute with the state both nodes derive (escalated: unanswered past `responseDays`). */
export interface DisputeView extends HeldDispute {
  readonly state: 'raised' | 'accepted' | 'rejected' | 'escalated';
}

export class Disputes {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  readonly #facts: Facts;
  readonly #invoices: Invoices;

  constructor(core: NodeCore, replication: Replication, facts: Facts, invoices: Invoices) {
    this.#core = core;
    this.#replication = replication;
    this.#facts = facts;
    this.#invoices = invoices;
    const check = (id: string) => core.schedule(async () => void (await this.check(id)));
    core.onReceived('fact', check);
    core.onReceived('facts', check);
  }

  /** Replaces what `source` (e.g. `inventory`, `noc`) saw, then raises the disputes it supports. */
  async observe(id: string, source: unknown, facts: unknown): Promise<DisputeView[]> {
    const context = await this.#core.context(id);
    if (typeof source !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(source)) {
      throw new NodeError('BAD_REQUEST', 'source: expected a name of 1 to 64 letters, digits, _ . -');
    }
    if (!Array.isArray(facts) || facts.length > MAX_OBSERVED) {
      throw new NodeError('BAD_REQUEST', `facts: expected an array of at most ${MAX_OBSERVED} facts`);
    }
    const parsed = facts.map((fact, i) => {
      try {
        const f = parseFact(fact, context.terms);
        if (!(DISPUTED_TYPES as readonly string[]).includes(f.type)) {
          throw new ValidationError('FACT_INVALID', [
            { path: 'type', rule: `expected one of ${DISPUTED_TYPES.join(', ')}`, value: f.type },
          ]);
        }
        return f;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(
          error.code,
          error.issues.map((issue) => ({
            ...issue,
            path: `facts[${i}]${issue.path === '' ? '' : `.${issue.path}`}`,
          })),
        );
      }
    });
    const all = await this.#observed(id);
    all[source] = parsed;
    await this.#core.store.setMeta(key(id), JSON.stringify(all));
    return this.check(id);
  }

  /** Raises the disputes the observations support that are not raised yet; answers those raised now. */
  async check(id: string): Promise<DisputeView[]> {
    const core = this.#core;
    const context = await core.context(id);
    const sources = await this.#observed(id);
    const observed = Object.values(sources).flat();
    if (observed.length === 0) return [];
    const raised = await core.serially(id, async () => {
      const entries = await core.store.listEntries(id, { kinds: [...FACT_KINDS, ...DISPUTE_KINDS] });
      const all = applyCorrections(factsOf(entries));
      const theirs = all.filter((f) => f.ref.startsWith(`${context.counterparty.id}/`));
      const known = new Set(disputesOf(entries).map((d) => findingKey(d.body.fact, d.body.proposed)));
      const out: string[] = [];
      for (const finding of findings(theirs, all, observed, DEFAULT_DISPUTE_RULES)) {
        const k = findingKey(finding.fact?.ref ?? null, finding.proposed);
        if (known.has(k)) continue;
        known.add(k);
        const period = periodOf(factTime(finding.proposed), context.terms.billing.timeZone);
        if (!(await this.#withinWindow(context, period))) {
          core.log(
            `dispute of ${short(id)} not raised: the window for ${period} has closed (${finding.reason})`,
          );
          continue;
        }
        const recorded = await this.#invoices.compute(id, period);
        const proposed = await this.#invoices.compute(id, period, undefined, [
          { ref: 'proposed', fact: finding.proposed },
        ]);
        const note = adjustment([recorded], proposed);
        const source =
          Object.entries(sources).find(([, list]) => list.includes(finding.observed))?.[0] ?? 'observed';
        const body: DisputeRaisedBody = {
          fact: finding.fact?.ref ?? null,
          proposed: finding.proposed,
          evidence: { source, observed: finding.observed },
          reason: finding.reason,
          period,
          atStake: {
            lines: (note?.lines ?? []).map((l) => ({ kind: l.kind, service: l.service, amount: l.amount })),
            total: note?.total ?? zero(recorded.total),
          },
        };
        const stored = await core.appendOwn(context, 'dispute.raised', body as unknown as JsonValue);
        out.push(`${stored.signed.entry.author}/${stored.signed.entry.seq}`);
        core.log(`dispute ${out.at(-1)} of ${short(id)} raised: ${finding.reason}`);
      }
      return out;
    });
    if (raised.length === 0) return [];
    await this.#replication.push(id);
    return (await this.list(id)).filter((d) => raised.includes(d.id));
  }

  /** The bilateral's disputes, with their derived state. */
  async list(id: string): Promise<DisputeView[]> {
    const context = await this.#core.context(id);
    const entries = await this.#core.store.listEntries(id, { kinds: DISPUTE_KINDS });
    const days = context.terms.disputes?.responseDays;
    const now = this.#core.now().getTime();
    return disputesOf(entries).map((d) => ({
      ...d,
      state:
        d.status === 'raised' && days !== undefined && now > Date.parse(d.raisedAt) + days * DAY_MS
          ? 'escalated'
          : d.status,
    }));
  }

  /** The counterparty of the raiser accepts: it records the proposed fact, then its acceptance citing it. */
  async accept(id: string, dispute: string): Promise<DisputeView> {
    const context = await this.#core.context(id);
    const held = await this.#answerable(id, dispute);
    // Recorded already (an acceptance cut short after its fact was stored): cite that fact.
    const wanted = hashJson(held.body.proposed as unknown as JsonValue);
    const mine = factsOf(
      await this.#core.store.listEntries(id, { author: this.#core.party, kinds: FACT_KINDS }),
    );
    const done = mine.find((f) => hashJson(f.fact as unknown as JsonValue) === wanted)?.ref;
    const correction = done ?? (await this.#facts.recordMany(id, [held.body.proposed], 'stored')).refs[0]!;
    await this.#core.serially(id, () =>
      this.#core.appendOwn(context, 'dispute.accepted', {
        dispute: held.entry,
        correction,
      } as unknown as JsonValue),
    );
    await this.#replication.push(id);
    return (await this.list(id)).find((d) => d.id === dispute)!;
  }

  /** The counterparty of the raiser rejects, with its reason. */
  async reject(id: string, dispute: string, reason: unknown): Promise<DisputeView> {
    const context = await this.#core.context(id);
    if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 1000) {
      throw new NodeError('BAD_REQUEST', 'reason: expected 1 to 1,000 characters');
    }
    const held = await this.#answerable(id, dispute);
    await this.#core.serially(id, () =>
      this.#core.appendOwn(context, 'dispute.rejected', {
        dispute: held.entry,
        reason,
      } as unknown as JsonValue),
    );
    await this.#replication.push(id);
    return (await this.list(id)).find((d) => d.id === dispute)!;
  }

  async #answerable(id: string, dispute: string): Promise<HeldDispute> {
    const held = (await this.list(id)).find((d) => d.id === dispute);
    if (held === undefined) throw new NodeError('NOT_FOUND', `no dispute ${dispute}`);
    if (held.entry.author === this.#core.party) {
      throw new NodeError('NOT_PERMITTED', 'a dispute is answered by the party it was raised with');
    }
    if (held.status !== 'raised')
      throw new NodeError('DISPUTE_ANSWERED', `dispute ${dispute} is already ${held.status}`);
    return held;
  }

  async #observed(id: string): Promise<Record<string, Fact[]>> {
    const text = await this.#core.store.getMeta(key(id));
    return text === undefined ? {} : (JSON.parse(text) as Record<string, Fact[]>);
  }

  /** Whether a dispute about `period` may still be raised: within `windowDays` of its invoice's issue, if issued. */
  async #withinWindow(context: BilateralContext, period: string): Promise<boolean> {
    const windowDays = context.terms.disputes?.windowDays;
    if (windowDays === undefined) return true;
    const issued = (await this.#invoices.list(context.id)).find(
      (i) => i.period === period && i.status !== 'rejected',
    );
    if (issued === undefined) return true;
    const issueDay = parseDay(issued.body.invoice.issueDate)!;
    // Days are the billing zone's (TERMS §6): the window closes at the end of its last day there.
    return this.#core.now().getTime() < dayStart(issueDay + windowDays + 1, context.terms.billing.timeZone);
  }
}

function key(id: string): string {
  return `observations/${id}`;
}

function findingKey(fact: string | null, proposed: Fact): string {
  const { corrects: _c, ...rest } = proposed;
  return `${fact ?? 'missing'}\n${hashJson(rest as unknown as JsonValue)}`;
}

function factTime(fact: Fact): number {
  return parseInstant('at' in fact ? fact.at : 'from' in fact ? fact.from : '') ?? 0;
}

/** Zero with the decimals of `amount` ("0.00" for "12.34"). */
function zero(amount: string): string {
  const point = amount.indexOf('.');
  return point < 0 ? '0' : `0.${'0'.repeat(amount.length - point - 1)}`;
}
