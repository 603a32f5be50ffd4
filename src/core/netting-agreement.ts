/**
 * Netting agreements: the settlement statement two providers co-sign, and the
 * multilateral round a group of providers signs over its members' co-signed
 * statements (TERMS.md §6 practice; STANDARDS.md "Bilateral netting").
 *
 * A settlement statement lists, for each bilateral between the two parties in
 * one currency, the invoices of billing periods up to `period` with what is
 * open on them and undisputed at the end of `asOf`, and nets the two
 * directions into one payment. Standing alone, it settles by set-off: the
 * side that owes less is settled in full, the other side up to the same
 * amount, and the net payer's one payment settles the rest. Inside a round
 * (`round` names it) it settles nothing by itself: the round clears every
 * invoice of every statement it includes, and its payments (at most one
 * fewer than its members) replace them.
 *
 * Design rationale:
 * - Pure and deterministic: each party computes the document from its own
 *   copy of the record and signs only when its bytes match; nothing here
 *   trusts the other side's figures.
 * - Every invoice stays a gross tax document. The agreement only applies
 *   amounts to invoices, like payments allocated to them.
 * - Exact: amounts are minor units (BigInt) inside, decimal strings with the
 *   currency's decimals outside.
 */
import { byCodeUnit } from './code-unit.ts';
import { minorUnit } from './currency.ts';
import { ValidationError } from './errors.ts';
import { positions, settle } from './netting.ts';

/** An invoice (of billing period `period`) and the amount the agreement counts on it. */
export interface NettingItem {
  readonly period: string;
  readonly amount: string;
}

/** One bilateral of a settlement statement: who sells to whom, and its invoices counted. */
export interface NettingLeg {
  readonly bilateral: string;
  readonly seller: string;
  readonly buyer: string;
  readonly items: readonly NettingItem[];
}

/** `from` owes (or pays) `to` `amount`. */
export interface NettingAmount {
  readonly from: string;
  readonly to: string;
  readonly amount: string;
}

export interface SettlementStatement {
  readonly type: 'netting.settlement';
  /** The two parties, in code-unit order. */
  readonly parties: readonly string[];
  readonly currency: string;
  /** The last billing period whose invoices it counts (`YYYY-MM`). */
  readonly period: string;
  /** The day whose end the open amounts are taken at. */
  readonly asOf: string;
  /** The round it is an input to, or null when it settles by itself. */
  readonly round: string | null;
  /** In bilateral id order; a bilateral with nothing to count is left out. */
  readonly bilaterals: readonly NettingLeg[];
  /** What each party owes the other, one line per direction with anything owed. */
  readonly owed: readonly NettingAmount[];
  /** The one payment that settles both directions; null when they are equal. */
  readonly net: NettingAmount | null;
}

/** A statement as a round lists it: its hash and what it nets. */
export interface RoundStatement {
  readonly hash: string;
  readonly parties: readonly string[];
  readonly owed: readonly NettingAmount[];
}

export interface NettingRound {
  readonly type: 'netting.round';
  readonly id: string;
  readonly currency: string;
  readonly period: string;
  readonly asOf: string;
  /** Every member, in code-unit order. */
  readonly members: readonly string[];
  /** The co-signed statements it nets, in hash order. */
  readonly statements: readonly RoundStatement[];
  /** Each member's position: what it is owed minus what it owes (sums to zero). */
  readonly positions: readonly { readonly member: string; readonly position: string }[];
  /** The payments that bring every position to zero: at most one fewer than the members not at zero. */
  readonly payments: readonly NettingAmount[];
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** What a round's id may be: 1 to 128 letters, digits and `._:-`. */
export const ROUND_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function invalid(path: string, rule: string, value?: unknown): ValidationError {
  return new ValidationError('NETTING_INVALID', [{ path, rule, ...(value === undefined ? {} : { value }) }]);
}

/** Minor units of `text`, which must have exactly `decimals` places and be above zero. */
function positiveMinor(text: string, decimals: number, path: string): bigint {
  const pattern = decimals === 0 ? /^\d+$/ : new RegExp(`^\\d+\\.\\d{${decimals}}$`);
  if (typeof text !== 'string' || !pattern.test(text)) {
    throw invalid(path, `expected an amount with ${decimals} decimals`, text);
  }
  const minor = BigInt(text.replace('.', ''));
  if (minor <= 0n) throw invalid(path, 'expected an amount above zero', text);
  return minor;
}

/** Minor units as a decimal string with `decimals` places. */
export function formatMinor(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return negative ? `-${text}` : text;
}

function header(currency: string, period: string, asOf: string): number {
  if (typeof period !== 'string' || !PERIOD.test(period)) throw invalid('period', 'expected YYYY-MM', period);
  if (typeof asOf !== 'string' || !DAY.test(asOf)) throw invalid('asOf', 'expected YYYY-MM-DD', asOf);
  if (typeof currency !== 'string') throw invalid('currency', 'expected an ISO 4217 code', currency);
  try {
    return minorUnit(currency);
  } catch {
    throw invalid('currency', 'expected an ISO 4217 code', currency);
  }
}

/**
 * The settlement statement between `parties` over `legs` (any order; legs
 * with no item are left out). Throws `NETTING_INVALID` naming the field.
 */
export function settlementStatement(input: {
  readonly parties: readonly string[];
  readonly currency: string;
  readonly period: string;
  readonly asOf: string;
  readonly round: string | null;
  readonly legs: readonly NettingLeg[];
}): SettlementStatement {
  const decimals = header(input.currency, input.period, input.asOf);
  if (
    !Array.isArray(input.parties as unknown) ||
    input.parties.length !== 2 ||
    !input.parties.every((p) => typeof p === 'string' && p !== '') ||
    input.parties[0] === input.parties[1]
  ) {
    throw invalid('parties', 'expected two different parties', input.parties);
  }
  const parties = [...input.parties].sort(byCodeUnit);
  if (input.round !== null && (typeof input.round !== 'string' || !ROUND_ID.test(input.round))) {
    throw invalid('round', `expected null or ${ROUND_ID}`, input.round);
  }
  if (!Array.isArray(input.legs as unknown)) throw invalid('bilaterals', 'expected an array');
  input.legs.forEach((leg: NettingLeg, i: number) => {
    const ok =
      leg !== null &&
      typeof leg === 'object' &&
      typeof leg.bilateral === 'string' &&
      typeof leg.seller === 'string' &&
      typeof leg.buyer === 'string' &&
      Array.isArray(leg.items as unknown) &&
      (leg.items as readonly unknown[]).every((item) => item !== null && typeof item === 'object');
    if (!ok)
      throw invalid(`bilaterals[${i}]`, 'expected {bilateral, seller, buyer, items: [{period, amount}]}');
  });
  const owed = new Map<string, bigint>(parties.map((p) => [p, 0n]));
  const legs = [...input.legs]
    .filter((leg) => leg.items.length > 0)
    .sort((a, b) => byCodeUnit(a.bilateral, b.bilateral));
  legs.forEach((leg, i) => {
    if (i > 0 && legs[i - 1]!.bilateral === leg.bilateral) {
      throw invalid(`bilaterals[${i}].bilateral`, 'listed twice', leg.bilateral);
    }
    if (!parties.includes(leg.seller) || !parties.includes(leg.buyer) || leg.seller === leg.buyer) {
      throw invalid(`bilaterals[${i}]`, 'seller and buyer must be the two parties');
    }
    leg.items.forEach((item, j) => {
      if (typeof item.period !== 'string' || !PERIOD.test(item.period) || item.period > input.period) {
        throw invalid(
          `bilaterals[${i}].items[${j}].period`,
          `expected a period up to ${input.period}`,
          item.period,
        );
      }
      if (j > 0 && leg.items[j - 1]!.period >= item.period) {
        throw invalid(
          `bilaterals[${i}].items[${j}].period`,
          'expected periods in increasing order',
          item.period,
        );
      }
      const amount = positiveMinor(item.amount, decimals, `bilaterals[${i}].items[${j}].amount`);
      owed.set(leg.buyer, owed.get(leg.buyer)! + amount);
    });
  });
  const lines: NettingAmount[] = [];
  const [a, b] = parties as [string, string];
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const amount = owed.get(from)!;
    if (amount > 0n) lines.push({ from, to, amount: formatMinor(amount, decimals) });
  }
  const difference = owed.get(a)! - owed.get(b)!;
  const net =
    difference === 0n
      ? null
      : difference > 0n
        ? { from: a, to: b, amount: formatMinor(difference, decimals) }
        : { from: b, to: a, amount: formatMinor(-difference, decimals) };
  return {
    type: 'netting.settlement',
    parties,
    currency: input.currency,
    period: input.period,
    asOf: input.asOf,
    round: input.round,
    bilaterals: legs.map((leg) => ({
      bilateral: leg.bilateral,
      seller: leg.seller,
      buyer: leg.buyer,
      items: leg.items.map((item) => ({ period: item.period, amount: item.amount })),
    })),
    owed: lines,
    net,
  };
}

/**
 * What a statement standing alone settles by set-off, per bilateral: every
 * item of the side that owes less, and the other side's items in order up to
 * the same sum. Empty for a statement inside a round (the round settles).
 */
export function settlementApplications(s: SettlementStatement): Map<string, NettingItem[]> {
  const out = new Map<string, NettingItem[]>();
  if (s.round !== null) return out;
  const decimals = minorUnit(s.currency);
  const payer = s.net?.from;
  // What the payee owes the payer: the set-off, matched on the payer's side.
  let setOff = 0n;
  for (const leg of s.bilaterals) {
    if (leg.seller === payer) for (const item of leg.items) setOff += BigInt(item.amount.replace('.', ''));
  }
  for (const leg of s.bilaterals) {
    if (payer === undefined || leg.seller === payer) {
      out.set(leg.bilateral, [...leg.items]);
      continue;
    }
    const applied: NettingItem[] = [];
    for (const item of leg.items) {
      if (setOff === 0n) break;
      const amount = BigInt(item.amount.replace('.', ''));
      const take = amount < setOff ? amount : setOff;
      applied.push({ period: item.period, amount: formatMinor(take, decimals) });
      setOff -= take;
    }
    if (applied.length > 0) out.set(leg.bilateral, applied);
  }
  return out;
}

/**
 * The net payment of a statement standing alone, by the bilateral it is
 * recorded in (each one the net payer buys in) with its allocations: what
 * `settlementApplications` leaves open. Together they sum to `net.amount`.
 */
export function netPaymentParts(
  s: SettlementStatement,
): { readonly bilateral: string; readonly amount: string; readonly allocations: readonly NettingItem[] }[] {
  if (s.round !== null || s.net === null) return [];
  const decimals = minorUnit(s.currency);
  const applied = settlementApplications(s);
  const out: { bilateral: string; amount: string; allocations: NettingItem[] }[] = [];
  for (const leg of s.bilaterals) {
    if (leg.buyer !== s.net.from) continue;
    const done = new Map(
      (applied.get(leg.bilateral) ?? []).map((i) => [i.period, BigInt(i.amount.replace('.', ''))]),
    );
    const allocations: NettingItem[] = [];
    let total = 0n;
    for (const item of leg.items) {
      const left = BigInt(item.amount.replace('.', '')) - (done.get(item.period) ?? 0n);
      if (left > 0n) {
        allocations.push({ period: item.period, amount: formatMinor(left, decimals) });
        total += left;
      }
    }
    if (total > 0n) out.push({ bilateral: leg.bilateral, amount: formatMinor(total, decimals), allocations });
  }
  return out;
}

/**
 * The round over co-signed `statements` (each with its hash) among
 * `members`: every statement must name the round, be in its currency,
 * period and day, and be between two members; no pair twice. Throws
 * `NETTING_INVALID` naming the statement.
 */
export function nettingRound(
  input: {
    readonly id: string;
    readonly currency: string;
    readonly period: string;
    readonly asOf: string;
    readonly members: readonly string[];
  },
  statements: readonly { readonly hash: string; readonly statement: SettlementStatement }[],
): NettingRound {
  const decimals = header(input.currency, input.period, input.asOf);
  if (typeof input.id !== 'string' || !ROUND_ID.test(input.id))
    throw invalid('id', `expected ${ROUND_ID}`, input.id);
  if (
    !Array.isArray(input.members as unknown) ||
    !input.members.every((m) => typeof m === 'string' && m !== '')
  ) {
    throw invalid('members', 'expected party ids', input.members);
  }
  const members = [...new Set(input.members)].sort(byCodeUnit);
  if (members.length < 2 || members.length !== input.members.length) {
    throw invalid('members', 'expected two or more different members', input.members);
  }
  const pairs = new Set<string>();
  const obligations: { from: string; to: string; amount: bigint }[] = [];
  const listed = [...statements].sort((x, y) => byCodeUnit(x.hash, y.hash));
  listed.forEach(({ statement: s }, i) => {
    const path = `statements[${i}]`;
    if (s.round !== input.id) throw invalid(`${path}.round`, `expected ${input.id}`, s.round);
    for (const field of ['currency', 'period', 'asOf'] as const) {
      if (s[field] !== input[field]) throw invalid(`${path}.${field}`, `expected ${input[field]}`, s[field]);
    }
    if (!s.parties.every((p) => members.includes(p)))
      throw invalid(`${path}.parties`, 'expected two members');
    const pair = s.parties.join('\u0000');
    if (pairs.has(pair)) throw invalid(`${path}.parties`, 'a pair of members is netted once per round');
    pairs.add(pair);
    for (const line of s.owed) {
      obligations.push({ from: line.from, to: line.to, amount: positiveMinor(line.amount, decimals, path) });
    }
  });
  const net = positions(obligations);
  const payments = settle(net);
  return {
    type: 'netting.round',
    id: input.id,
    currency: input.currency,
    period: input.period,
    asOf: input.asOf,
    members,
    statements: listed.map(({ hash, statement: s }) => ({ hash, parties: s.parties, owed: s.owed })),
    positions: members.map((member) => ({ member, position: formatMinor(net.get(member) ?? 0n, decimals) })),
    payments: payments.map((p) => ({ from: p.from, to: p.to, amount: formatMinor(p.amount, decimals) })),
  };
}

/** What an agreed round settles in each bilateral of its statements: every item, in full. */
export function roundApplications(statements: readonly SettlementStatement[]): Map<string, NettingItem[]> {
  const out = new Map<string, NettingItem[]>();
  for (const s of statements) for (const leg of s.bilaterals) out.set(leg.bilateral, [...leg.items]);
  return out;
}
