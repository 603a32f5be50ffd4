/**
 * Facts (TERMS.md §2): the commercial events both parties record, tagged by
 * `type`. `parseFact` validates one fact and names each bad field; given the
 * terms it also checks that the offering, plan and metric it names exist.
 * Consistency across facts (activated twice, …) is the rater's job.
 */
import { Checker, type DecimalBounds, deepFreeze, isRecord } from './checker.ts';
import { type Issue, ValidationError } from './errors.ts';
import { ZERO } from './rational.ts';
import type { Terms } from './terms.ts';

export const FACT_TYPES = [
  'service.ordered',
  'service.activated',
  'service.modified',
  'service.terminated',
  'outage',
  'bandwidth.boost',
  'usage',
] as const;
export type FactType = (typeof FACT_TYPES)[number];

export interface ServiceOrdered {
  readonly type: 'service.ordered';
  readonly service: string;
  readonly offering: string;
  readonly plan: string;
  readonly termMonths: number;
  readonly at: string;
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

export type Fact =
  | ServiceOrdered
  | ServiceActivated
  | ServiceModified
  | ServiceTerminated
  | Outage
  | BandwidthBoost
  | Usage;

/** A fact and where it came from (`facts.jsonl:3`, a ledger entry id); invoice lines cite refs. */
export interface FactRef {
  readonly ref: string;
  readonly fact: Fact;
}

const QUANTITY: DecimalBounds = { min: ZERO, rule: 'expected a non-negative decimal string' };

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
  c.string(f.service, 'service');
  const offerings = terms?.offerings ?? [];
  switch (type) {
    case 'service.ordered': {
      const offeringId = c.string(f.offering, 'offering');
      const plan = c.string(f.plan, 'plan');
      c.integer(f.termMonths, 'termMonths');
      c.time(f.at, 'at');
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
        c.fail('plan', 'expected a plan with an on-demand price', plan);
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

function checkWindow(c: Checker, f: Record<string, unknown>): void {
  const from = c.time(f.from, 'from');
  const to = c.time(f.to, 'to');
  if (from !== undefined && to !== undefined && to <= from) c.fail('to', 'expected a time after from', f.to);
}
