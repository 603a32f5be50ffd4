/**
 * Disputes over facts: what a party's own systems saw (its inventory's
 * activation and termination dates, its NOC's outages) compared with the
 * facts the counterparty recorded, under the party's rules. Each difference
 * beyond tolerance is a finding: the counterparty's fact and the version the
 * party's systems support (a correction of that fact), or an outage the
 * counterparty did not record at all.
 *
 * Design rationale:
 * - Only what the counterparty recorded is disputed: a party corrects its
 *   own facts itself. An outage either party recorded is not missing.
 * - Times are compared exactly (integer milliseconds); outage lengths by
 *   percentage of the observed length, with an exact decimal comparison.
 * - The proposed version is a whole fact (`corrects` the disputed one), so
 *   accepting a dispute is recording that fact, and its effect on any
 *   invoice is the credit or debit note the record then implies.
 */
import { parseDecimal } from './decimal.ts';
import type { Fact, FactRef } from './facts.ts';
import { parseInstant } from './instant.ts';
import { compare, HUNDRED, mul, rational } from './rational.ts';

export const DISPUTED_TYPES = ['service.activated', 'service.terminated', 'outage'] as const;
export type DisputedType = (typeof DISPUTED_TYPES)[number];

export interface DisputeRules {
  /** The fact types compared. */
  readonly types: readonly DisputedType[];
  /** How far apart an activation or termination may be, in milliseconds, before it is disputed. */
  readonly timeToleranceMs: number;
  /** How far an outage's length may differ, in percent of the observed length, before it is disputed. */
  readonly outagePercent: string;
}

/** Activations and terminations more than an hour apart; outages more than 5 % longer or shorter. */
export const DEFAULT_DISPUTE_RULES: DisputeRules = {
  types: DISPUTED_TYPES,
  timeToleranceMs: 3_600_000,
  outagePercent: '5',
};

export interface Finding {
  /** The counterparty's fact disputed; undefined for an outage it did not record. */
  readonly fact: FactRef | undefined;
  /** The version the party's systems support: a correction of `fact`, or the missing fact. */
  readonly proposed: Fact;
  /** What the party's systems saw. */
  readonly observed: Fact;
  readonly reason: string;
}

/**
 * The findings of `observed` (the party's own systems' facts) against the
 * record: `theirs` are the counterparty's facts, `all` every fact of the
 * bilateral (both parties', corrections applied).
 */
export function findings(
  theirs: readonly FactRef[],
  all: readonly FactRef[],
  observed: readonly Fact[],
  rules: DisputeRules = DEFAULT_DISPUTE_RULES,
): Finding[] {
  const out: Finding[] = [];
  const percent = parseDecimal(rules.outagePercent);
  for (const seen of observed) {
    if (!(rules.types as readonly string[]).includes(seen.type)) continue;
    if (seen.type === 'service.activated' || seen.type === 'service.terminated') {
      const recorded = theirs.find(
        (f) => f.fact.type === seen.type && 'service' in f.fact && f.fact.service === seen.service,
      );
      if (recorded === undefined || !('at' in recorded.fact)) continue;
      const gap = Math.abs(parseInstant(recorded.fact.at)! - parseInstant(seen.at)!);
      if (gap <= rules.timeToleranceMs) continue;
      out.push({
        fact: recorded,
        proposed: { ...recorded.fact, at: seen.at, corrects: recorded.ref } as Fact,
        observed: seen,
        reason: `${seen.type} at ${seen.at}, not ${recorded.fact.at}: ${Math.round(gap / 60_000)} minutes apart (tolerance ${rules.timeToleranceMs / 60_000})`,
      });
      continue;
    }
    if (seen.type !== 'outage') continue;
    const from = parseInstant(seen.from)!;
    const to = parseInstant(seen.to)!;
    const overlapping = (list: readonly FactRef[]) =>
      list.filter(
        (f) =>
          f.fact.type === 'outage' &&
          f.fact.service === seen.service &&
          parseInstant(f.fact.from)! < to &&
          parseInstant(f.fact.to)! > from,
      );
    if (overlapping(all).length === 0) {
      const { corrects: _none, ...missing } = seen;
      out.push({
        fact: undefined,
        proposed: missing as Fact,
        observed: seen,
        reason: `outage of ${seen.service} from ${seen.from} to ${seen.to} is not in the record`,
      });
      continue;
    }
    const recorded = overlapping(theirs)[0];
    if (recorded === undefined || recorded.fact.type !== 'outage') continue;
    const length = to - from;
    const theirsLength = parseInstant(recorded.fact.to)! - parseInstant(recorded.fact.from)!;
    // |theirs − observed| × 100 > percent × observed, exactly.
    const differs = compare(
      mul(rational(BigInt(Math.abs(theirsLength - length))), HUNDRED),
      mul(percent, rational(BigInt(length))),
    );
    if (differs <= 0) continue;
    out.push({
      fact: recorded,
      proposed: { ...recorded.fact, from: seen.from, to: seen.to, corrects: recorded.ref } as Fact,
      observed: seen,
      reason: `outage of ${Math.round(length / 60_000)} minutes, not ${Math.round(theirsLength / 60_000)} (tolerance ${rules.outagePercent} %)`,
    });
  }
  return out;
}
