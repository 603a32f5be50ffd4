/**
 * A service's plan over time, from activation to termination, as spans
 * `[start, end)` at one plan each. A change before activation sets the
 * starting plan; a change to the plan already in force does not split a
 * span (so it cannot split a line and its rounding).
 */
import type { Instant } from './instant.ts';

export interface Stamp {
  readonly ref: string;
  readonly at: Instant;
}

/** The order or a `service.modified` fact: from `at`, the service is at `plan`. */
export interface PlanChange {
  readonly ref: string;
  readonly at: Instant;
  readonly plan: string;
}

/** The service at one plan in `[start, end)`, raw instants; `end` null while still running. */
export interface PlanSpan {
  readonly plan: string;
  readonly start: Stamp;
  readonly end: Stamp | null;
  /** How the span ends: a plan change (rounded down) or termination (rounded up). */
  readonly endKind: 'modified' | 'terminated' | 'open';
  /** The order or modification that set the plan. */
  readonly planRef: string;
}

/** Plan spans from activation on; a change before activation sets the starting plan; no-op changes are skipped. */
export function planSpans(
  changes: readonly PlanChange[],
  activated: Stamp,
  terminated: Stamp | undefined,
): PlanSpan[] {
  const before = changes.filter((c) => c.at <= activated.at);
  const first = before[before.length - 1]!;
  let current = { plan: first.plan, planRef: first.ref, start: activated };
  const spans: PlanSpan[] = [];
  for (const change of changes) {
    if (change.at <= activated.at || change.plan === current.plan) continue;
    const end: Stamp = { ref: change.ref, at: change.at };
    spans.push({
      plan: current.plan,
      start: current.start,
      end,
      endKind: 'modified',
      planRef: current.planRef,
    });
    current = { plan: change.plan, planRef: change.ref, start: end };
  }
  spans.push({
    plan: current.plan,
    start: current.start,
    end: terminated ?? null,
    endKind: terminated === undefined ? 'open' : 'terminated',
    planRef: current.planRef,
  });
  return spans;
}
