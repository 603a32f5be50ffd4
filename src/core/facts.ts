/**
 * Facts (TERMS.md §2): the commercial events both parties record, tagged by
 * `type`. `parseFact` validates one fact and names each bad field; given the
 * terms it also checks that the offering, plan and metric it names exist.
 * Consistency across facts (activated twice, …) is the rater's job.
 */
import { Checker, child, type DecimalBounds, deepFreeze, isRecord } from './checker.ts';
import { minorUnit } from './currency.ts';
import { parseDecimal } from './decimal.ts';
import { type Issue, ValidationError } from './errors.ts';
import { isPeriodId } from './period.ts';
import { add, compare, type Rational, ZERO } from './rational.ts';
import type { Terms } from './terms.ts';

export const FACT_TYPES = [
  'service.ordered',
  'service.activated',
  'service.modified',
  'service.terminated',
  'outage',
  'bandwidth.boost',
  'usage',
  'payment',
] as const;
export type FactType = (typeof FACT_TYPES)[number];

export interface ServiceOrdered {
  readonly type: 'service.ordered';
  readonly service: string;
  readonly offering: string;
  readonly plan: string;
  readonly termMonths: number;
  readonly at: string;
  /** The Seller's capacity pool the service draws on (capacity.ts); rating ignores it. */
  readonly pool?: string;
  /**
   * Unique resources given to the service (a VLAN on a port, an IP prefix:
   * `vlan:ams-1:101`, `prefix:192.0.2.0/28`), each to one service at most;
   * released when it is terminated. Rating ignores them.
   */
  readonly resources?: readonly string[];
}
export interface ServiceActivated {
  readonly type: 'service.activated';
  readonly service: string;
  readonly at: string;
}
export interface ServiceModified {
  readonly type: 'service.modified';
  readonly service: string;
  readonly plan: string;
  readonly at: string;
}
export interface ServiceTerminated {
  readonly type: 'service.terminated';
  readonly service: string;
  readonly at: string;
}
/** The service was down in `[from, to)`; maintenance windows never count against the SLA. Absent `maintenance` means false. */
export interface Outage {
  readonly type: 'outage';
  readonly service: string;
  readonly from: string;
  readonly to: string;
  readonly maintenance?: boolean;
}
/** On-demand bandwidth at `plan` in `[from, to)`. */
export interface BandwidthBoost {
  readonly type: 'bandwidth.boost';
  readonly service: string;
  readonly plan: string;
  readonly from: string;
  readonly to: string;
}
export interface Usage {
  readonly type: 'usage';
  readonly service: string;
  readonly metric: string;
  readonly quantity: string;
  readonly at: string;
  /** Unique per bilateral. */
  readonly id: string;
}

/** Part of a payment the Buyer assigned to one period's invoice (TERMS.md §6). */
export interface Allocation {
  readonly period: string;
  readonly amount: string;
}

/** The Buyer paid `amount` at `at` (TERMS.md §6); ignored by rating. `id` is unique per bilateral. */
export interface Payment {
  readonly type: 'payment';
  readonly id: string;
  readonly amount: string;
  readonly at: string;
  readonly allocations?: readonly Allocation[];
}

/** The facts about a service: every type but `payment`. */
export type ServiceFact = Exclude<Fact, Payment & FactCommon>;

/** A fact about a service, with where it came from. */
export interface ServiceFactRef extends FactRef {
  readonly fact: ServiceFact;
}

/** Whether the fact is about a service (every type but `payment`, which rating ignores). */
export function isServiceFact(item: FactRef): item is ServiceFactRef {
  return item.fact.type !== 'payment';
}

/**
 * An OSS system's own references, carried with a fact and never read by the
 * rater: strings, finite numbers, booleans and objects of them, bounded by EXT_LIMITS.
 */
export interface FactExt {
  readonly [key: string]: string | number | boolean | FactExt;
}

export type Fact = (
  | ServiceOrdered
  | ServiceActivated
  | ServiceModified
  | ServiceTerminated
  | Outage
  | BandwidthBoost
  | Usage
  | Payment
) &
  FactCommon;

/** What any fact may carry besides its type's fields. */
export interface FactCommon {
  readonly ext?: FactExt;
  /**
   * The ref of an earlier fact this one corrects (`author/seq#i` on a node,
   * `file:line` offline): rating uses this fact instead of that one. A fact
   * is corrected at most once, and only by its own author (on a node).
   */
  readonly corrects?: string;
}

/**
 * Fields each type may carry besides `type` and `ext`; any other field is
 * refused, so a fact cannot smuggle unbounded data into a signed, replicated
 * record (a 31 MB field and a `__proto__` key were once signed).
 */
const FIELDS: Readonly<Record<FactType, readonly string[]>> = {
  'service.ordered': ['service', 'offering', 'plan', 'termMonths', 'at', 'pool', 'resources'],
  'service.activated': ['service', 'at'],
  'service.modified': ['service', 'plan', 'at'],
  'service.terminated': ['service', 'at'],
  outage: ['service', 'from', 'to', 'maintenance'],
  'bandwidth.boost': ['service', 'plan', 'from', 'to'],
  usage: ['service', 'metric', 'quantity', 'at', 'id'],
  payment: ['id', 'amount', 'at', 'allocations'],
};

/** Longest service, offering, plan, metric, pool and resource name. */
export const MAX_NAME = 128;
/** Most unique resources one order may name. */
export const MAX_RESOURCES = 64;
/** Longest ref a correction may cite. */
export const MAX_REF = 512;
/** Longest usage id: as long as the usage importer allows (usage-record.ts). */
export const MAX_USAGE_ID = 256;
/** The `ext` object: at most this many keys (nested ones included), canonical JSON bytes and depth. */
export const EXT_LIMITS = { keys: 32, bytes: 4096, depth: 3 } as const;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A fact and where it came from (`facts.jsonl:3`, a ledger entry id); invoice lines cite refs. */
export interface FactRef {
  readonly ref: string;
  readonly fact: Fact;
}

const QUANTITY: DecimalBounds = { min: ZERO, rule: 'expected a non-negative decimal string' };
const POSITIVE: DecimalBounds = { above: ZERO, rule: 'expected a decimal string above zero' };

/**
 * Validates one fact and returns it deeply frozen.
 * @throws ValidationError `FACT_INVALID`, e.g. `{ path: 'at', rule: 'expected an RFC 3339 UTC time' }`.
 */
export function parseFact(json: unknown, terms?: Terms): Fact {
  const fact = normalizeQuantity(json);
  const issues = factIssues(fact, terms);
  if (issues.length > 0) throw new ValidationError('FACT_INVALID', issues);
  return deepFreeze(structuredClone(fact)) as Fact;
}

/**
 * A usage quantity written as a JSON integer (`"quantity": 1500`) is exact, so it
 * is taken as its decimal string; a fractional quantity must be a string, since
 * a JSON fraction may already have lost digits by the time it is parsed.
 */
function normalizeQuantity(json: unknown): unknown {
  if (!isRecord(json) || json.type !== 'usage' || !Number.isSafeInteger(json.quantity)) return json;
  return { ...json, quantity: String(json.quantity) };
}

/** Every broken rule of a fact (empty when valid), without copying it. */
export function factIssues(json: unknown, terms?: Terms): Issue[] {
  const c = new Checker();
  const f = c.object(json, '');
  if (f !== undefined) checkFact(c, f, terms);
  return c.issues;
}

function checkFact(c: Checker, f: Record<string, unknown>, terms: Terms | undefined): void {
  const type = c.literal(f.type, 'type', FACT_TYPES);
  if (type === undefined) return;
  const allowed = FIELDS[type];
  for (const key of Object.keys(f)) {
    if (key !== 'type' && key !== 'ext' && key !== 'corrects' && !allowed.includes(key)) {
      c.fail(key, 'unexpected field');
    }
  }
  if (Object.hasOwn(f, 'ext')) checkExt(c, f.ext);
  if (Object.hasOwn(f, 'corrects')) {
    // A payment is not rated, so a correction of one would count beside it: a payment recorded
    // wrongly is set aside by the Seller's mark (payment.missing) and recorded again instead.
    if (type === 'payment') c.fail('corrects', 'a payment is not corrected: the Seller marks it missing');
    else if (typeof f.corrects !== 'string' || f.corrects === '')
      c.fail('corrects', 'expected the ref of an earlier fact');
    else bounded(c, f.corrects, 'corrects', MAX_REF);
  }
  for (const key of ['service', 'offering', 'plan', 'metric', 'pool'] as const) {
    if (allowed.includes(key)) bounded(c, f[key], key, MAX_NAME);
  }
  if (type === 'usage' || type === 'payment') bounded(c, f.id, 'id', MAX_USAGE_ID);
  if (c.issues.length > 0) return;
  if (type === 'payment') {
    checkPayment(c, f, terms);
    return;
  }
  c.string(f.service, 'service');
  const offerings = terms?.offerings ?? [];
  switch (type) {
    case 'service.ordered': {
      const offeringId = c.string(f.offering, 'offering');
      const plan = c.string(f.plan, 'plan');
      c.integer(f.termMonths, 'termMonths');
      c.time(f.at, 'at');
      if (f.pool !== undefined) c.string(f.pool, 'pool');
      if (f.resources !== undefined) checkResources(c, f.resources);
      if (terms === undefined || offeringId === undefined) return;
      const offering = offerings.find((o) => o.id === offeringId);
      if (offering === undefined) c.fail('offering', 'expected an offering of the terms', offeringId);
      else if (plan !== undefined && !Object.hasOwn(offering.plans, plan)) {
        c.fail('plan', `expected a plan of offering ${offeringId}`, plan);
      }
      return;
    }
    case 'service.modified': {
      const plan = c.string(f.plan, 'plan');
      c.time(f.at, 'at');
      if (terms !== undefined && plan !== undefined && !offerings.some((o) => Object.hasOwn(o.plans, plan))) {
        c.fail('plan', 'expected a plan of the terms', plan);
      }
      return;
    }
    case 'service.activated':
    case 'service.terminated':
      c.time(f.at, 'at');
      return;
    case 'outage':
      checkWindow(c, f);
      if (f.maintenance !== undefined) c.boolean(f.maintenance, 'maintenance');
      return;
    case 'bandwidth.boost': {
      const plan = c.string(f.plan, 'plan');
      checkWindow(c, f);
      const priced = offerings.some(
        (o) => isRecord(o.onDemand?.prices) && Object.hasOwn(o.onDemand.prices, plan ?? ''),
      );
      if (terms !== undefined && plan !== undefined && !priced) {
        c.fail('plan', 'expected a bandwidth level with an on-demand price', plan);
      }
      return;
    }
    case 'usage': {
      const metric = c.string(f.metric, 'metric');
      c.decimal(f.quantity, 'quantity', QUANTITY);
      c.time(f.at, 'at');
      c.string(f.id, 'id');
      const known = offerings.some((o) => o.usage?.some((u) => u.metric === metric));
      if (terms !== undefined && metric !== undefined && !known)
        c.fail('metric', 'expected a metric of the terms', metric);
      return;
    }
  }
}

/** A unique resource's name: a kind, then `:` and what names it within the kind (`vlan:ams-1:101`). */
export const RESOURCE_NAME = /^[a-z][a-z0-9-]{0,31}:[A-Za-z0-9._:/-]{1,95}$/;

function checkResources(c: Checker, value: unknown): void {
  const list = c.array(value, 'resources');
  if (list === undefined) return;
  if (list.length > MAX_RESOURCES) {
    c.fail('resources', `expected at most ${MAX_RESOURCES} resources`);
    return;
  }
  const seen = new Set<string>();
  list.forEach((name, i) => {
    const path = child('resources', i);
    if (typeof name !== 'string' || !RESOURCE_NAME.test(name)) {
      c.fail(path, 'expected a resource name: kind:name (vlan:ams-1:101, prefix:192.0.2.0/28)', name);
    } else if (seen.has(name)) c.fail(path, 'expected each resource once', name);
    else seen.add(name);
  });
}

/** Most allocations one payment may carry. */
export const MAX_ALLOCATIONS = 1000;

function checkPayment(c: Checker, f: Record<string, unknown>, terms: Terms | undefined): void {
  c.string(f.id, 'id');
  c.time(f.at, 'at');
  const decimals = terms === undefined ? undefined : minorUnit(terms.currency);
  const amount = money(c, f.amount, 'amount', decimals);
  if (f.allocations === undefined) return;
  const list = c.array(f.allocations, 'allocations');
  if (list === undefined) return;
  if (list.length > MAX_ALLOCATIONS) {
    c.fail('allocations', `expected at most ${MAX_ALLOCATIONS} allocations`);
    return;
  }
  let allocated = ZERO;
  const periods = new Set<string>();
  list.forEach((item, i) => {
    const path = child('allocations', i);
    const a = c.object(item, path);
    if (a === undefined) return;
    for (const key of Object.keys(a)) {
      if (key !== 'period' && key !== 'amount') c.fail(child(path, key), 'unexpected field');
    }
    if (!isPeriodId(a.period)) c.fail(child(path, 'period'), 'expected YYYY-MM', a.period);
    else if (periods.has(a.period))
      c.fail(child(path, 'period'), 'expected one allocation per period', a.period);
    else periods.add(a.period);
    const share = money(c, a.amount, child(path, 'amount'), decimals);
    if (share !== undefined) allocated = add(allocated, share);
  });
  if (amount !== undefined && compare(allocated, amount) > 0) {
    c.fail('allocations', `expected allocations summing to at most the amount ${f.amount as string}`);
  }
}

/** An amount above zero, with exactly the currency's `decimals` when known. */
function money(c: Checker, value: unknown, path: string, decimals: number | undefined): Rational | undefined {
  const text = c.decimal(value, path, POSITIVE);
  if (text === undefined) return undefined;
  if (decimals !== undefined && decimalsOf(text) !== decimals) {
    c.fail(path, `expected exactly ${decimals} decimals (the currency's)`, value);
    return undefined;
  }
  return parseDecimal(text);
}

function decimalsOf(text: string): number {
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.length - point - 1;
}

function checkWindow(c: Checker, f: Record<string, unknown>): void {
  const from = c.time(f.from, 'from');
  const to = c.time(f.to, 'to');
  if (from !== undefined && to !== undefined && to <= from) c.fail('to', 'expected a time after from', f.to);
}

/** A non-empty string of at most `max` characters and valid Unicode; only the length is checked when not a string. */
function bounded(c: Checker, value: unknown, path: string, max: number): void {
  if (typeof value !== 'string') return;
  if (value.length > max) c.fail(path, `expected at most ${max} characters`);
  else if (LONE_SURROGATE.test(value)) c.fail(path, 'expected valid Unicode (no lone surrogate)');
}

/** The declared extension object, within EXT_LIMITS. */
function checkExt(c: Checker, ext: unknown): void {
  const before = c.issues.length;
  let keys = 0;
  const walk = (value: unknown, path: string, depth: number): void => {
    if (
      !isRecord(value) ||
      (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    ) {
      c.fail(path, 'expected an object');
      return;
    }
    if (depth > EXT_LIMITS.depth) {
      c.fail(path, `expected objects nested at most ${EXT_LIMITS.depth} deep`);
      return;
    }
    for (const key of Object.keys(value)) {
      const at = child(path, key);
      keys++;
      if (keys > EXT_LIMITS.keys) {
        c.fail(at, `expected at most ${EXT_LIMITS.keys} keys in ext`);
        return;
      }
      if (key === '' || key.length > MAX_NAME || LONE_SURROGATE.test(key) || RESERVED.has(key)) {
        c.fail(at, `expected a key of 1 to ${MAX_NAME} characters, not __proto__, constructor or prototype`);
        continue;
      }
      const v = value[key];
      if (typeof v === 'string') {
        if (LONE_SURROGATE.test(v)) c.fail(at, 'expected valid Unicode (no lone surrogate)');
      } else if (typeof v === 'number') {
        if (!Number.isFinite(v)) c.fail(at, 'expected a finite number');
      } else if (typeof v !== 'boolean') {
        if (isRecord(v)) walk(v, at, depth + 1);
        else c.fail(at, 'expected a string, number, boolean or object');
      }
      if (c.issues.length > before) return;
    }
  };
  walk(ext, 'ext', 1);
  if (c.issues.length > before) return;
  const bytes = new TextEncoder().encode(JSON.stringify(ext)).length;
  if (bytes > EXT_LIMITS.bytes)
    c.fail('ext', `expected at most ${EXT_LIMITS.bytes} bytes of JSON, got ${bytes}`);
}

const RESERVED: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
