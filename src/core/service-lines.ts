/**
 * The lines one service contributes to one period's invoice, in invoice
 * order: NRC on activation, recurring lines each with its term discount,
 * the SLA credit on those, the early-termination fee, then on-demand boosts
 * and usage. Each builder rounds its amounts once and cites its facts.
 */
import { parseDecimal } from './decimal.ts';
import { type DraftLine, inPeriod, type Money, uniqueRefs } from './draft.ts';
import { earlyTerminationLine } from './early-termination.ts';
import { boostLines, usageLines } from './extra-lines.ts';
import type { ServiceHistory } from './history.ts';
import type { BillingPeriod } from './period.ts';
import { recurringLines } from './recurring.ts';
import { slaCreditLine } from './sla.ts';
import type { Terms } from './terms.ts';

export function serviceLines(
  terms: Terms,
  history: ServiceHistory,
  period: BillingPeriod,
  money: Money,
): DraftLine[] {
  const recurring = recurringLines(terms, history, period, money);
  const credit = terms.sla && slaCreditLine(terms.sla, history, period, recurring, money);
  const fee =
    terms.termination &&
    earlyTerminationLine(
      terms.termination.earlyTerminationPercent,
      history,
      period,
      terms.billing.timeZone,
      money,
    );
  return [
    ...nrcLines(history, period, money),
    ...recurring,
    ...(credit ? [credit] : []),
    ...(fee ? [fee] : []),
    ...boostLines(history, period, money),
    ...usageLines(history, period, money),
  ];
}

/** Each one-time charge of the offering, on the invoice of the activation period. */
function nrcLines(history: ServiceHistory, period: BillingPeriod, money: Money): DraftLine[] {
  const { activated, offering } = history;
  if (activated === undefined || !inPeriod(activated.at, period)) return [];
  return Object.entries(offering.nrc ?? {}).map(([name, amount]) => ({
    kind: 'nrc',
    service: history.service,
    description: `${offering.name ?? offering.id}: ${name} (one-time)`,
    amount: money.round(parseDecimal(amount)),
    refs: uniqueRefs([history.ordered.ref, activated.ref]),
  }));
}
