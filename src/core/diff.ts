/**
 * Compares an invoice received from the counterparty with the one computed
 * locally, so the Buyer can reject an invoice "naming the differing lines".
 * Lines are matched by kind, service, plan or metric and coverage start
 * (the n-th of equal keys with the n-th), then any left over by kind and
 * service in order. Amounts are compared as numbers; other line fields
 * (quantity, unit, unitPrice, coverage) only when both sides state them.
 */
import { isDecimalString, parseDecimal } from './decimal.ts';
import type { Invoice, InvoiceLine } from './invoice.ts';
import { compare } from './rational.ts';

export interface InvoiceDifference {
  /** `total`, `taxes[S].amount`, or for a line `amount`, `quantity`, … and `line` when a line is missing or extra. */
  readonly field: string;
  /** Index of the line in the expected invoice (absent for invoice fields and extra lines). */
  readonly expectedLine?: number;
  /** Index of the line in the actual invoice (absent for invoice fields and missing lines). */
  readonly actualLine?: number;
  /** `kind service [plan|metric] [coverage start]` of the line. */
  readonly key?: string;
  readonly expected: string | null;
  readonly actual: string | null;
}

function lineKey(line: InvoiceLine): string {
  return [line.kind, line.service, line.plan ?? line.metric, line.periodCoverage?.start]
    .filter((x) => x !== undefined)
    .join(' ');
}

function same(a: string, b: string): boolean {
  return isDecimalString(a) && isDecimalString(b) ? compare(parseDecimal(a), parseDecimal(b)) === 0 : a === b;
}

function differs(e: string | null, a: string | null): boolean {
  return e === null || a === null ? e !== a : !same(e, a);
}

function text(value: unknown): string | null {
  return value === undefined || value === null ? null : String(value);
}

/**
 * Every difference between `expected` (computed locally) and `actual` (received); empty when they agree.
 * @example diffInvoices(mine, theirs) // [{ field: 'amount', expectedLine: 2, actualLine: 2, key: 'sla-credit S1', expected: '-189.00', actual: '-94.50' }]
 */
export function diffInvoices(expected: Invoice, actual: Invoice): InvoiceDifference[] {
  const out: InvoiceDifference[] = [];
  /** Compares one invoice field; `optional` fields are compared only when both sides state them. */
  const header = (field: string, e: unknown, a: unknown, optional = false) => {
    const et = text(e);
    const at = text(a);
    if (optional && (et === null || at === null)) return;
    if (differs(et, at)) out.push({ field, expected: et, actual: at });
  };
  for (const field of ['terms', 'seller', 'buyer', 'issueDate', 'dueDate'] as const) {
    header(field, expected[field], actual[field], true);
  }
  header('currency', expected.currency, actual.currency);
  header('period.start', expected.period.start, actual.period.start);
  header('period.end', expected.period.end, actual.period.end);

  const unmatched = new Set(actual.lines.keys());
  const pairs: [number, number | undefined][] = expected.lines.map((line, i) => {
    const j = [...unmatched].find((k) => lineKey(actual.lines[k]!) === lineKey(line));
    if (j !== undefined) unmatched.delete(j);
    return [i, j];
  });
  for (const pair of pairs) {
    if (pair[1] !== undefined) continue;
    const line = expected.lines[pair[0]]!;
    const j = [...unmatched].find(
      (k) => actual.lines[k]!.kind === line.kind && actual.lines[k]!.service === line.service,
    );
    if (j !== undefined) unmatched.delete(j);
    pair[1] = j;
  }
  for (const [i, j] of pairs) {
    const e = expected.lines[i]!;
    const key = lineKey(e);
    if (j === undefined) {
      out.push({ field: 'line', expectedLine: i, key, expected: e.amount, actual: null });
      continue;
    }
    const a = actual.lines[j]!;
    const fields: [string, unknown, unknown][] = [
      ['amount', e.amount, a.amount],
      ['quantity', e.quantity, a.quantity],
      ['unit', e.unit, a.unit],
      ['unitPrice', e.unitPrice, a.unitPrice],
      ['periodCoverage.start', e.periodCoverage?.start, a.periodCoverage?.start],
      ['periodCoverage.end', e.periodCoverage?.end, a.periodCoverage?.end],
    ];
    for (const [field, ev, av] of fields) {
      const et = text(ev);
      const at = text(av);
      const stated = field === 'amount' || (et !== null && at !== null);
      if (stated && differs(et, at)) {
        out.push({ field, expectedLine: i, actualLine: j, key, expected: et, actual: at });
      }
    }
  }
  for (const j of [...unmatched].sort((x, y) => x - y)) {
    out.push({
      field: 'line',
      actualLine: j,
      key: lineKey(actual.lines[j]!),
      expected: null,
      actual: actual.lines[j]!.amount,
    });
  }

  const categories = [...new Set([...expected.taxes, ...actual.taxes].map((t) => t.category))];
  for (const category of categories) {
    const e = expected.taxes.find((t) => t.category === category);
    const a = actual.taxes.find((t) => t.category === category);
    for (const field of ['ratePercent', 'taxable', 'amount'] as const) {
      header(`taxes[${category}].${field}`, e?.[field], a?.[field]);
    }
  }
  for (const field of ['subtotal', 'tax', 'total'] as const) header(field, expected[field], actual[field]);
  return out;
}
