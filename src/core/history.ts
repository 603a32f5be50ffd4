/**
 * Turns a bag of facts into one timeline per service — order, activation,
 * plan spans, termination, outages, boosts, usage — and rejects sequences
 * that cannot have happened (activated twice, terminated before activation,
 * a fact for a service never ordered, …) with `FACTS_INCONSISTENT` naming
 * the ref. Facts are first sorted by time, type and ref, so the result and
 * any error are the same whatever order the facts arrive in.
 */

import { byCodeUnit } from './code-unit.ts';
import { applyCorrections } from './corrections.ts';
import { parseDecimal } from './decimal.ts';
import { BilateralError, ValidationError } from './errors.ts';
import { sortFacts, factTime as time } from './fact-order.ts';
import { type FactRef, factIssues, isServiceFact } from './facts.ts';
import { type Instant, parseInstant } from './instant.ts';
import type { Offering } from './offering.ts';
import { type PlanChange, type PlanSpan, planSpans, type Stamp } from './plan-spans.ts';
import type { Rational } from './rational.ts';

export type { PlanSpan, Stamp } from './plan-spans.ts';

import type { Terms } from './terms.ts';

export interface ServiceHistory {
  readonly service: string;
  readonly offering: Offering;
  readonly termMonths: number;
  readonly ordered: Stamp;
  readonly activated: Stamp | undefined;
  readonly terminated: Stamp | undefined;
  readonly spans: readonly PlanSpan[];
  readonly outages: readonly {
    readonly ref: string;
    readonly from: Instant;
    readonly to: Instant;
    readonly maintenance: boolean;
  }[];
  readonly boosts: readonly {
    readonly ref: string;
    readonly plan: string;
    readonly from: Instant;
    readonly to: Instant;
  }[];
  readonly usage: readonly {
    readonly ref: string;
    readonly metric: string;
    readonly quantity: Rational;
    readonly at: Instant;
  }[];
}

export function inconsistent(ref: string, service: string, message: string): BilateralError {
  return new BilateralError('FACTS_INCONSISTENT', `${ref}: ${message}`, { details: { ref, service } });
}

/**
 * One history per ordered service, sorted by service id.
 * Facts are re-checked for shape (they may come from a store, not `parseFact`); names are checked here.
 * @throws ValidationError `FACT_INVALID` (details.ref) for a malformed fact; BilateralError `FACTS_INCONSISTENT`.
 */
export function buildHistories(terms: Terms, facts: readonly FactRef[]): ServiceHistory[] {
  for (const { ref, fact } of facts) {
    const issues = factIssues(fact);
    if (issues.length > 0) throw new ValidationError('FACT_INVALID', issues, { ref });
  }
  // Payments are settlement (statement.ts), never rated; a corrected fact gives way to its correction.
  const sorted = applyCorrections(sortFacts(facts)).filter(isServiceFact);
  const refs = new Set<string>();
  for (const { ref, fact } of sorted) {
    if (refs.has(ref)) throw inconsistent(ref, fact.service, `ref ${ref} is used by more than one fact`);
    refs.add(ref);
  }
  const byService = new Map<string, FactRef[]>();
  for (const item of sorted) {
    const list = byService.get(item.fact.service) ?? [];
    list.push(item);
    byService.set(item.fact.service, list);
  }
  const usageIds = new Map<string, string>();
  for (const { ref, fact } of sorted) {
    if (fact.type !== 'usage') continue;
    const first = usageIds.get(fact.id);
    if (first !== undefined)
      throw inconsistent(ref, fact.service, `usage id ${fact.id} was already recorded at ${first}`);
    usageIds.set(fact.id, ref);
  }
  return [...byService.keys()]
    .sort(byCodeUnit)
    .map((service) => buildHistory(terms, service, byService.get(service) ?? []));
}

function buildHistory(terms: Terms, service: string, facts: readonly FactRef[]): ServiceHistory {
  const orders = facts.filter((f) => f.fact.type === 'service.ordered');
  const order = orders[0];
  if (order === undefined || order.fact.type !== 'service.ordered') {
    const first = facts[0]!;
    throw inconsistent(first.ref, service, `service ${service} was never ordered`);
  }
  const second = orders[1];
  if (second !== undefined)
    throw inconsistent(second.ref, service, `service ${service} is ordered twice (first at ${order.ref})`);
  const orderFact = order.fact;
  const offering = terms.offerings.find((o) => o.id === orderFact.offering);
  if (offering === undefined)
    throw inconsistent(order.ref, service, `unknown offering ${orderFact.offering}`);
  const ordered: Stamp = { ref: order.ref, at: time(order.fact) };

  let activated: Stamp | undefined;
  let terminated: Stamp | undefined;
  const changes: PlanChange[] = [{ ref: order.ref, at: ordered.at, plan: orderFact.plan }];
  const outages: ServiceHistory['outages'][number][] = [];
  const boosts: ServiceHistory['boosts'][number][] = [];
  const usage: ServiceHistory['usage'][number][] = [];

  for (const { ref, fact } of facts) {
    const at = time(fact);
    if ((fact.type === 'service.activated' || fact.type === 'service.modified') && at < ordered.at) {
      throw inconsistent(ref, service, `${fact.type} before the order at ${ordered.ref}`);
    }
    switch (fact.type) {
      case 'service.ordered':
        break;
      case 'service.activated':
        if (activated !== undefined)
          throw inconsistent(
            ref,
            service,
            `service ${service} is activated twice (first at ${activated.ref})`,
          );
        activated = { ref, at };
        break;
      case 'service.modified': {
        const last = changes[changes.length - 1]!;
        if (last.at === at && last.ref !== order.ref) {
          throw inconsistent(ref, service, `two plan changes at the same time (also ${last.ref})`);
        }
        changes.push({ ref, at, plan: fact.plan });
        break;
      }
      case 'service.terminated':
        if (terminated !== undefined)
          throw inconsistent(
            ref,
            service,
            `service ${service} is terminated twice (first at ${terminated.ref})`,
          );
        if (activated === undefined)
          throw inconsistent(ref, service, `service ${service} is terminated before it was activated`);
        terminated = { ref, at };
        break;
      case 'outage':
        outages.push({
          ref,
          from: at,
          to: parseInstant(fact.to) ?? at,
          maintenance: fact.maintenance === true,
        });
        break;
      case 'bandwidth.boost':
        if (offering.onDemand?.prices[fact.plan] === undefined) {
          throw inconsistent(
            ref,
            service,
            `offering ${offering.id} has no on-demand price for plan ${fact.plan}`,
          );
        }
        boosts.push({ ref, plan: fact.plan, from: at, to: parseInstant(fact.to) ?? at });
        break;
      case 'usage':
        if (!offering.usage?.some((u) => u.metric === fact.metric)) {
          throw inconsistent(ref, service, `offering ${offering.id} has no usage metric ${fact.metric}`);
        }
        usage.push({ ref, metric: fact.metric, quantity: parseDecimal(fact.quantity), at });
        break;
    }
  }
  for (const change of changes) {
    if (!Object.hasOwn(offering.plans, change.plan)) {
      throw inconsistent(change.ref, service, `offering ${offering.id} has no plan ${change.plan}`);
    }
    if (terminated !== undefined && change.ref !== order.ref && change.at >= terminated.at) {
      throw inconsistent(change.ref, service, `plan change at or after the termination at ${terminated.ref}`);
    }
  }
  const spans = activated === undefined ? [] : planSpans(changes, activated, terminated);
  return {
    service,
    offering,
    termMonths: orderFact.termMonths,
    ordered,
    activated,
    terminated,
    spans,
    outages,
    boosts,
    usage,
  };
}
