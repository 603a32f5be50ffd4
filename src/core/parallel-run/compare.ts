/**
 * The parallel run: a legacy billing system's invoices beside the Smart
 * Bilateral's for the same contracts and periods, line by line, with the
 * KPIs a finance team decides a switch-over on and every difference with its
 * probable cause.
 *
 * Design rationale:
 * - Lines are matched by (contract, period, service, kind, plan or metric);
 *   several lines with one key pair up in order, the rest stand alone. The
 *   Smart Bilateral's side is computed from the terms and facts (`rate`),
 *   so a difference is always the legacy system's departure from the
 *   contract as code.
 * - A cause is what the terms and facts make likely, not proven: the report
 *   says "probable". Each rule reads the facts of the line's service (its
 *   activation, changes and termination) and the terms' prices:
 *   within two minor units → rounding; a recurring line of a service
 *   terminated in or before the period, billed for more → missed
 *   termination; a full month where the contract prorates (activation or
 *   change in the period) → missed proration; any other recurring, NRC or
 *   usage amount → wrong rate; a missing SLA credit → outage not credited;
 *   a one-time charge the contract billed already → NRC billed twice. A
 *   discount or SLA-credit line follows its service's recurring line when
 *   that line differs too.
 * - Amounts are exact (Rationals from decimal strings); figures that are
 *   ratios (shares, days, DSO) are decimal strings too.
 * - A dispute "would have been raised" when an invoice's net amount differs
 *   beyond the terms' `disputes.tolerance` (beyond the absolute bound AND the
 *   percentage of the Smart Bilateral's amount, as usage reconciliation reads it).
 */
import { applyCorrections } from '../corrections.ts';
import { minorUnit } from '../currency.ts';
import { parseDay } from '../days.ts';
import { formatFixed as exactFixed, parseDecimal, round } from '../decimal.ts';
import type { FactRef } from '../facts.ts';
import { parseInstant } from '../instant.ts';
import type { Invoice, InvoiceLine } from '../invoice.ts';
import {
  abs,
  add,
  compare,
  div,
  fromInt,
  HUNDRED,
  isZero,
  mul,
  type Rational,
  rational,
  sub,
  ZERO,
} from '../rational.ts';
import type { Statement } from '../statement.ts';
import type { Terms } from '../terms.ts';
import type { LegacyInvoice, LegacyLine, LegacyStatus } from './legacy.ts';

/** `value` to `decimals` places, half up (legacy amounts may carry more decimals than the currency). */
function formatFixed(value: Rational, decimals: number): string {
  return exactFixed(round(value, decimals, 'half-up'), decimals);
}

export const PARALLEL_RUN_SCHEMA = 'smart-bilateral/parallel-run@1';

export const CAUSES = [
  'wrong-rate',
  'missed-proration',
  'missed-termination',
  'outage-not-credited',
  'nrc-billed-twice',
  'rounding',
  'not-billed-by-legacy',
  'not-in-contract',
  'unexplained',
] as const;
export type Cause = (typeof CAUSES)[number];

export const CAUSE_LABELS: Readonly<Record<Cause, string>> = {
  'wrong-rate': 'Wrong rate',
  'missed-proration': 'Missed proration',
  'missed-termination': 'Missed termination',
  'outage-not-credited': 'Outage not credited',
  'nrc-billed-twice': 'NRC billed twice',
  rounding: 'Rounding',
  'not-billed-by-legacy': 'Not billed by legacy',
  'not-in-contract': 'Not in the contract',
  unexplained: 'Unexplained',
};

/** One bilateral as the run takes it: its terms, every fact (payments included) and the periods compared. */
export interface RunBilateral {
  readonly terms: Terms;
  readonly facts: readonly FactRef[];
  readonly periods: readonly string[];
  /** The Smart Bilateral's invoice of each period (`rate`), computed by the caller. */
  readonly invoices: ReadonlyMap<string, Invoice>;
  /** The Smart Bilateral's statement as of the run's day (for DSO). */
  readonly statement: Statement;
}

export interface Difference {
  readonly contract: string;
  readonly period: string;
  readonly service: string;
  readonly kind: string;
  readonly detail?: string;
  readonly currency: string;
  /** The Smart Bilateral's amount (absent: no such line). */
  readonly smartBilateral?: string;
  readonly legacy?: string;
  /** legacy − Smart Bilateral. */
  readonly difference: string;
  readonly cause: Cause;
  readonly explanation: string;
  readonly legacySource?: string;
  readonly legacyInvoice?: string;
  /** The facts behind the Smart Bilateral's line. */
  readonly refs: readonly string[];
}

export interface InvoiceComparison {
  readonly contract: string;
  readonly period: string;
  readonly currency: string;
  readonly smartBilateral?: { readonly subtotal: string; readonly total: string; readonly issueDate: string };
  readonly legacy?: { readonly id: string; readonly subtotal: string; readonly issueDate: string };
  readonly difference: string;
  readonly agrees: boolean;
  readonly lines: number;
  readonly linesAgreeing: number;
  readonly disputeWouldBeRaised: boolean;
}

export interface SideTiming {
  /** Invoices agreed, and the mean and longest days from period close to agreement. */
  readonly agreed: number;
  readonly notAgreed: number;
  readonly meanDays: string | null;
  readonly maxDays: number | null;
}

export interface ParallelRunReport {
  readonly schema: typeof PARALLEL_RUN_SCHEMA;
  readonly asOf: string;
  readonly contracts: readonly {
    readonly id: string;
    readonly seller: string;
    readonly buyer: string;
    readonly currency: string;
    readonly periods: readonly string[];
  }[];
  readonly kpis: {
    readonly invoices: { readonly compared: number; readonly agreeing: number; readonly share: string };
    readonly lines: { readonly compared: number; readonly agreeing: number; readonly share: string };
    /** Per currency: the sum of |legacy − Smart Bilateral| over lines, and the net legacy − Smart Bilateral. */
    readonly amountInDifference: Readonly<
      Record<string, { readonly absolute: string; readonly net: string }>
    >;
    readonly disputesWouldBeRaised: number;
    readonly timeToAgreedInvoice: { readonly smartBilateral: SideTiming; readonly legacy: SideTiming };
    /** Days sales outstanding as of `asOf`, per currency: open receivables ÷ invoiced × days. */
    readonly dso: Readonly<
      Record<string, { readonly smartBilateral: string; readonly legacy: string; readonly days: number }>
    >;
    readonly causes: Readonly<
      Partial<Record<Cause, { readonly count: number; readonly amount: Readonly<Record<string, string>> }>>
    >;
  };
  readonly invoices: readonly InvoiceComparison[];
  readonly differences: readonly Difference[];
}

/** The run: `legacy` invoices (with their `status`) against the bilaterals' own, as of `asOf`. */
export function parallelRun(
  bilaterals: readonly RunBilateral[],
  legacy: readonly LegacyInvoice[],
  status: ReadonlyMap<string, LegacyStatus>,
  asOf: string,
): ParallelRunReport {
  const asOfDay = parseDay(asOf);
  if (asOfDay === undefined) throw new RangeError(`parallel run: as-of '${asOf}' is not YYYY-MM-DD`);
  const byContract = new Map(bilaterals.map((b) => [b.terms.id, b]));
  const legacyByKey = new Map<string, LegacyInvoice>();
  for (const invoice of legacy) {
    const key = `${invoice.contract}\n${invoice.period}`;
    if (legacyByKey.has(key))
      throw new RangeError(
        `${invoice.source}: a second legacy invoice for ${invoice.contract} ${invoice.period}`,
      );
    if (!byContract.has(invoice.contract))
      throw new RangeError(
        `${invoice.source}: contract '${invoice.contract}' is not one of the run's bilaterals`,
      );
    if (invoice.currency !== byContract.get(invoice.contract)!.terms.currency)
      throw new RangeError(
        `${invoice.source}: currency ${invoice.currency}, the contract's is ${byContract.get(invoice.contract)!.terms.currency}`,
      );
    legacyByKey.set(key, invoice);
  }

  const differences: Difference[] = [];
  const invoices: InvoiceComparison[] = [];
  const sbTimes: number[] = [];
  const legacyTimes: number[] = [];
  let legacyNotAgreed = 0;
  for (const bilateral of bilaterals) {
    const { terms } = bilateral;
    const history = histories(applyCorrections(bilateral.facts));
    const periods = new Set(bilateral.periods);
    for (const invoice of legacy) if (invoice.contract === terms.id) periods.add(invoice.period);
    const nrcBilled = new Map<string, string>();
    for (const period of [...periods].sort()) {
      const sb = nonEmpty(bilateral.invoices.get(period));
      const old = legacyByKey.get(`${terms.id}\n${period}`);
      if (sb === undefined && old === undefined) continue;
      const found = compareInvoice(terms, period, sb, old, history, nrcBilled);
      differences.push(...found.differences);
      const sbSubtotal = sb === undefined ? ZERO : parseDecimal(sb.subtotal);
      const oldSubtotal = old === undefined ? ZERO : sumOf(old.lines.map((l) => l.amount));
      const delta = sub(oldSubtotal, sbSubtotal);
      const decimals = minorUnit(terms.currency);
      const dispute = beyondTolerance(delta, sbSubtotal, terms);
      invoices.push({
        contract: terms.id,
        period,
        currency: terms.currency,
        ...(sb === undefined
          ? {}
          : { smartBilateral: { subtotal: sb.subtotal, total: sb.total, issueDate: sb.issueDate } }),
        ...(old === undefined
          ? {}
          : {
              legacy: { id: old.id, subtotal: formatFixed(oldSubtotal, decimals), issueDate: old.issueDate },
            }),
        difference: formatFixed(delta, decimals),
        agrees: sb !== undefined && old !== undefined && found.differences.length === 0,
        lines: found.lines,
        linesAgreeing: found.lines - found.differences.length,
        disputeWouldBeRaised: dispute,
      });
      const closeDay = parseDay(periodEndDay(sb, old, period))!;
      if (sb !== undefined) sbTimes.push(parseDay(sb.issueDate)! - closeDay);
      if (old !== undefined) {
        const agreed = status.get(old.id)?.agreedDate ?? (dispute ? undefined : old.issueDate);
        if (agreed === undefined || parseDay(agreed)! > asOfDay) legacyNotAgreed++;
        else legacyTimes.push(parseDay(agreed)! - closeDay);
      }
    }
  }

  const linesCompared = invoices.reduce((n, i) => n + i.lines, 0);
  const linesAgreeing = invoices.reduce((n, i) => n + i.linesAgreeing, 0);
  const agreeing = invoices.filter((i) => i.agrees).length;
  return {
    schema: PARALLEL_RUN_SCHEMA,
    asOf,
    contracts: bilaterals.map((b) => ({
      id: b.terms.id,
      seller: b.terms.seller.name ?? b.terms.seller.id,
      buyer: b.terms.buyer.name ?? b.terms.buyer.id,
      currency: b.terms.currency,
      periods: b.periods,
    })),
    kpis: {
      invoices: { compared: invoices.length, agreeing, share: share(agreeing, invoices.length) },
      lines: { compared: linesCompared, agreeing: linesAgreeing, share: share(linesAgreeing, linesCompared) },
      amountInDifference: amounts(differences),
      disputesWouldBeRaised: invoices.filter((i) => i.disputeWouldBeRaised).length,
      timeToAgreedInvoice: {
        smartBilateral: timing(sbTimes, 0),
        legacy: timing(legacyTimes, legacyNotAgreed),
      },
      dso: dso(bilaterals, legacy, status, asOfDay),
      causes: causes(differences),
    },
    invoices,
    differences,
  };
}

// ---------------------------------------------------------------------------
// One invoice, line by line.

interface ServiceHistory {
  activated?: number | undefined;
  terminated?: number | undefined;
  modified: number[];
  offering?: string;
}

function histories(facts: readonly FactRef[]): Map<string, ServiceHistory> {
  const out = new Map<string, ServiceHistory>();
  const of = (service: string) => {
    let h = out.get(service);
    if (h === undefined) {
      h = { modified: [] };
      out.set(service, h);
    }
    return h;
  };
  for (const { fact } of facts) {
    if (fact.type === 'service.ordered') of(fact.service).offering = fact.offering;
    else if (fact.type === 'service.activated') of(fact.service).activated = parseInstant(fact.at);
    else if (fact.type === 'service.terminated') of(fact.service).terminated = parseInstant(fact.at);
    else if (fact.type === 'service.modified') of(fact.service).modified.push(parseInstant(fact.at)!);
  }
  return out;
}

function nonEmpty(invoice: Invoice | undefined): Invoice | undefined {
  return invoice === undefined || invoice.lines.length === 0 ? undefined : invoice;
}

function periodEndDay(sb: Invoice | undefined, old: LegacyInvoice | undefined, period: string): string {
  if (sb !== undefined) return sb.period.end.slice(0, 10);
  void old;
  const [y, m] = period.split('-').map((p) => Number.parseInt(p, 10)) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

type Pair = { sb?: InvoiceLine; old?: LegacyLine };

function lineKey(service: string, kind: string, detail: string | undefined): string {
  return `${service}\n${kind}\n${detail ?? ''}`;
}

function compareInvoice(
  terms: Terms,
  period: string,
  sb: Invoice | undefined,
  old: LegacyInvoice | undefined,
  history: ReadonlyMap<string, ServiceHistory>,
  nrcBilled: Map<string, string>,
): { lines: number; differences: Difference[] } {
  const pairs = new Map<string, Pair[]>();
  const slot = (key: string) => {
    let list = pairs.get(key);
    if (list === undefined) {
      list = [];
      pairs.set(key, list);
    }
    return list;
  };
  for (const line of sb?.lines ?? [])
    slot(lineKey(line.service, line.kind, line.plan ?? line.metric)).push({ sb: line });
  for (const line of old?.lines ?? []) {
    const list = slot(lineKey(line.service, line.kind, line.detail));
    const free = list.find((p) => p.old === undefined && p.sb !== undefined);
    if (free !== undefined) free.old = line;
    else list.push({ old: line });
  }
  const decimals = minorUnit(terms.currency);
  const tiny = rational(2n, 10n ** BigInt(decimals));
  const periodStart = sb === undefined ? undefined : parseInstant(sb.period.start);
  const periodEnd = sb === undefined ? undefined : parseInstant(sb.period.end);
  const all = [...pairs.values()].flat();
  // Which services' recurring lines differ: their discounts and SLA credits follow them.
  const recurringCause = new Map<string, Cause>();
  const differences: Difference[] = [];
  const ordered = [...all].sort((a, b) => rank(a) - rank(b));
  for (const pair of ordered) {
    const s = pair.sb === undefined ? undefined : parseDecimal(pair.sb.amount);
    const l = pair.old === undefined ? undefined : parseDecimal(pair.old.amount);
    const service = pair.sb?.service ?? pair.old!.service;
    const kind = pair.sb?.kind ?? pair.old!.kind;
    const detail = pair.sb?.plan ?? pair.sb?.metric ?? pair.old?.detail;
    if (kind === 'nrc' && pair.sb !== undefined) nrcBilled.set(service, period);
    if (s !== undefined && l !== undefined && compare(s, l) === 0) continue;
    const delta = sub(l ?? ZERO, s ?? ZERO);
    const h = history.get(service) ?? { modified: [] };
    const money = (r: Rational) => formatFixed(r, decimals);
    let cause: Cause;
    let explanation: string;
    if (s !== undefined && l !== undefined && compare(abs(delta), tiny) <= 0) {
      cause = 'rounding';
      explanation = `${money(delta)}: within two minor units, a rounding rule other than the contract's (${terms.billing.rounding})`;
    } else if (kind === 'recurring') {
      const mrc = planPrice(terms, h.offering, detail);
      const terminatedBy = h.terminated !== undefined && periodEnd !== undefined && h.terminated < periodEnd;
      const changedIn = (t: number | undefined) =>
        t !== undefined &&
        periodStart !== undefined &&
        periodEnd !== undefined &&
        t > periodStart &&
        t < periodEnd;
      if (terminatedBy && (s === undefined || (l !== undefined && compare(l, s) > 0))) {
        cause = 'missed-termination';
        explanation = `service ${service} was terminated at ${new Date(h.terminated!).toISOString()}; legacy billed ${money(l ?? ZERO)} for ${period}, the contract ${money(s ?? ZERO)}`;
      } else if (
        s !== undefined &&
        l !== undefined &&
        mrc !== undefined &&
        compare(l, mrc) === 0 &&
        (changedIn(h.activated) || h.modified.some(changedIn))
      ) {
        cause = 'missed-proration';
        explanation = `legacy billed the whole month (${money(mrc)}); ${pair.sb!.description} is ${money(s)} (activation or change in ${period})`;
      } else if (s !== undefined && l !== undefined && mrc !== undefined) {
        cause = 'wrong-rate';
        const fraction = div(s, mrc);
        const implied = isZero(fraction) ? l : div(l, fraction);
        explanation = `legacy billed at about ${money(implied)} a month for ${detail ?? 'the plan'}; the terms say ${money(mrc)}`;
      } else if (s === undefined) {
        cause = 'not-in-contract';
        explanation = `service ${service} is not active in ${period} on the record`;
      } else {
        cause = 'not-billed-by-legacy';
        explanation = `${pair.sb!.description} (${money(s)}) is missing from the legacy invoice`;
      }
      recurringCause.set(service, cause);
    } else if (
      (kind === 'discount' || kind === 'sla-credit') &&
      recurringCause.has(service) &&
      s !== undefined &&
      l !== undefined
    ) {
      cause = recurringCause.get(service)!;
      explanation = `follows the recurring line of ${service} (${CAUSE_LABELS[cause].toLowerCase()})`;
    } else if (kind === 'sla-credit' && s !== undefined && (l === undefined || compare(abs(l), abs(s)) < 0)) {
      cause = 'outage-not-credited';
      explanation = `the contract credits ${money(abs(s))} for the outages of ${service} in ${period}; legacy credited ${money(abs(l ?? ZERO))}`;
    } else if (kind === 'nrc' && pair.sb === undefined) {
      const earlier = nrcBilled.get(service);
      if (earlier !== undefined) {
        cause = 'nrc-billed-twice';
        explanation = `${pair.old!.description || 'the one-time charge'} of ${service} was billed in ${earlier}${earlier === period ? ' on this invoice already' : ''}; legacy bills it again`;
      } else {
        cause = 'not-in-contract';
        explanation = `no one-time charge of ${service} is due in ${period}`;
      }
    } else if (s === undefined) {
      cause = 'not-in-contract';
      explanation = `legacy bills ${kind} ${money(l!)} for ${service}; the contract nothing for ${period}`;
    } else if (l === undefined) {
      cause = kind === 'sla-credit' ? 'outage-not-credited' : 'not-billed-by-legacy';
      explanation = `${pair.sb!.description} (${money(s)}) is missing from the legacy invoice`;
    } else if (
      kind === 'nrc' ||
      kind === 'usage' ||
      kind === 'on-demand' ||
      kind === 'early-termination' ||
      kind === 'discount'
    ) {
      cause = 'wrong-rate';
      const price = pair.old?.unitPrice === undefined ? '' : ` at ${pair.old.unitPrice} a unit`;
      const contractPrice =
        pair.sb?.unitPrice === undefined ? '' : ` (contract: ${pair.sb.unitPrice} a unit)`;
      explanation = `legacy billed ${money(l)}${price}; the contract ${money(s)}${contractPrice}`;
    } else {
      cause = 'unexplained';
      explanation = `legacy ${money(l)}, contract ${money(s)}`;
    }
    differences.push({
      contract: terms.id,
      period,
      service,
      kind,
      ...(detail === undefined ? {} : { detail }),
      currency: terms.currency,
      ...(s === undefined ? {} : { smartBilateral: money(s) }),
      ...(l === undefined ? {} : { legacy: money(l) }),
      difference: money(delta),
      cause,
      explanation,
      ...(pair.old === undefined ? {} : { legacySource: pair.old.source, legacyInvoice: old!.id }),
      refs: pair.sb?.refs ?? [],
    });
  }
  return { lines: all.length, differences };
}

/** Recurring lines first (discounts and credits follow them), then in kind order. */
function rank(pair: Pair): number {
  const kind = pair.sb?.kind ?? pair.old?.kind ?? '';
  return kind === 'recurring' ? 0 : kind === 'nrc' ? (pair.sb === undefined ? 2 : 1) : 3;
}

function planPrice(
  terms: Terms,
  offering: string | undefined,
  plan: string | undefined,
): Rational | undefined {
  if (plan === undefined) return undefined;
  const offerings =
    offering === undefined ? terms.offerings : terms.offerings.filter((o) => o.id === offering);
  for (const o of offerings) {
    const p = o.plans[plan];
    if (p !== undefined) return parseDecimal(p.mrc);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// KPIs.

function sumOf(amounts: readonly string[]): Rational {
  return amounts.reduce((s, a) => add(s, parseDecimal(a)), ZERO);
}

function beyondTolerance(delta: Rational, base: Rational, terms: Terms): boolean {
  if (isZero(delta)) return false;
  const tolerance = terms.disputes?.tolerance ?? {};
  const absolute = parseDecimal(tolerance.absolute ?? '0');
  const percent = parseDecimal(tolerance.percent ?? '0');
  const magnitude = abs(delta);
  return compare(magnitude, absolute) > 0 && compare(mul(magnitude, HUNDRED), mul(percent, abs(base))) > 0;
}

function share(part: number, whole: number): string {
  return whole === 0 ? '1.0000' : formatFixed(rational(BigInt(part), BigInt(whole)), 4);
}

function amounts(differences: readonly Difference[]): Record<string, { absolute: string; net: string }> {
  const out = new Map<string, { absolute: Rational; net: Rational }>();
  for (const d of differences) {
    const seen = out.get(d.currency) ?? { absolute: ZERO, net: ZERO };
    const delta = parseDecimal(d.difference);
    out.set(d.currency, { absolute: add(seen.absolute, abs(delta)), net: add(seen.net, delta) });
  }
  return Object.fromEntries(
    [...out].map(([currency, v]) => [
      currency,
      {
        absolute: formatFixed(v.absolute, minorUnit(currency)),
        net: formatFixed(v.net, minorUnit(currency)),
      },
    ]),
  );
}

function causes(differences: readonly Difference[]): ParallelRunReport['kpis']['causes'] {
  const out: Partial<Record<Cause, { count: number; amount: Map<string, Rational> }>> = {};
  for (const d of differences) {
    const entry = out[d.cause] ?? { count: 0, amount: new Map<string, Rational>() };
    out[d.cause] = entry;
    entry.count++;
    entry.amount.set(d.currency, add(entry.amount.get(d.currency) ?? ZERO, abs(parseDecimal(d.difference))));
  }
  return Object.fromEntries(
    CAUSES.filter((c) => out[c] !== undefined).map((c) => [
      c,
      {
        count: out[c]!.count,
        amount: Object.fromEntries(
          [...out[c]!.amount].map(([cur, a]) => [cur, formatFixed(a, minorUnit(cur))]),
        ),
      },
    ]),
  );
}

function timing(days: readonly number[], notAgreed: number): SideTiming {
  if (days.length === 0) return { agreed: 0, notAgreed, meanDays: null, maxDays: null };
  const total = days.reduce((a, b) => a + b, 0);
  return {
    agreed: days.length,
    notAgreed,
    meanDays: formatFixed(rational(BigInt(total), BigInt(days.length)), 1),
    maxDays: Math.max(...days),
  };
}

/**
 * DSO as of the run's day, per currency: receivables of the run's invoices
 * open at the end of the day ÷ what they invoiced × the days since the first
 * period began.
 * The Smart Bilateral's from its statement; the legacy system's from its
 * invoices (issued by then, gross at the contract's tax rate) and their paid dates.
 */
function dso(
  bilaterals: readonly RunBilateral[],
  legacy: readonly LegacyInvoice[],
  status: ReadonlyMap<string, LegacyStatus>,
  asOfDay: number,
): ParallelRunReport['kpis']['dso'] {
  const per = new Map<
    string,
    { sbOpen: Rational; sbSales: Rational; oldOpen: Rational; oldSales: Rational; first: number }
  >();
  for (const b of bilaterals) {
    const currency = b.terms.currency;
    const seen = per.get(currency) ?? {
      sbOpen: ZERO,
      sbSales: ZERO,
      oldOpen: ZERO,
      oldSales: ZERO,
      first: asOfDay,
    };
    // The run's periods only: a statement lists every invoice issued by its day.
    for (const invoice of b.statement.invoices) {
      if (!b.periods.includes(invoice.period)) continue;
      seen.sbOpen = add(seen.sbOpen, parseDecimal(invoice.open));
      seen.sbSales = add(seen.sbSales, parseDecimal(invoice.total));
    }
    for (const period of b.periods) {
      const start = parseDay(`${period}-01`);
      if (start !== undefined && start < seen.first) seen.first = start;
    }
    const rate = parseDecimal(b.terms.tax.ratePercent);
    for (const invoice of legacy) {
      if (invoice.contract !== b.terms.id || parseDay(invoice.issueDate)! > asOfDay) continue;
      const net = sumOf(invoice.lines.map((l) => l.amount));
      const gross = add(net, div(mul(net, rate), HUNDRED));
      seen.oldSales = add(seen.oldSales, gross);
      const paid = status.get(invoice.id)?.paidDate;
      if (paid === undefined || parseDay(paid)! > asOfDay) seen.oldOpen = add(seen.oldOpen, gross);
    }
    per.set(currency, seen);
  }
  return Object.fromEntries(
    [...per].map(([currency, v]) => {
      const days = asOfDay - v.first + 1;
      const of = (open: Rational, sales: Rational) =>
        isZero(sales) ? '0.0' : formatFixed(mul(div(open, sales), fromInt(days)), 1);
      return [currency, { smartBilateral: of(v.sbOpen, v.sbSales), legacy: of(v.oldOpen, v.oldSales), days }];
    }),
  );
}
