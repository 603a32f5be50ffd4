/**
 * `sb rate`: rates one period offline from a terms file and a facts file —
 * no node, no network, no chain — for auditors, tests and parallel runs
 * against a legacy billing system. Bad input exits 2 with `file:line: field:
 * rule` for every problem found, so a user can fix a file in one pass.
 */
import type { Invoice } from '../core/index.ts';
import type { Command, Io } from './main.ts';
import { offlineFlags, offlineInvoice, periodFlag, runOffline } from './offline-inputs.ts';

const USAGE = 'usage: sb rate --terms TERMS.json --events FACTS.jsonl --period YYYY-MM [--json]\n';

interface Options {
  readonly terms: string;
  readonly events: string;
  readonly period: string;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): Options | 'help' {
  const values = offlineFlags('rate', args, {
    values: ['terms', 'events', 'period'],
    switches: ['json'],
    required: ['terms', 'events', 'period'],
  });
  if (values === 'help') return 'help';
  return {
    terms: values.terms as string,
    events: values.events as string,
    period: periodFlag('rate', values.period),
    json: values.json === true,
  };
}

export const rate: Command = async (args: readonly string[], io: Io): Promise<number> =>
  runOffline('rate', USAGE, io, () => {
    const options = parseArgs(args);
    if (options === 'help') return undefined;
    const { invoice } = offlineInvoice(options);
    return options.json ? `${JSON.stringify(invoice, null, 2)}\n` : table(invoice);
  });

/** A readable invoice for people at a terminal. */
function table(invoice: Invoice): string {
  const rows = invoice.lines.map((l) => [l.kind, l.service, l.description, l.amount] as const);
  const width = (i: 0 | 1 | 2 | 3, title: string) => Math.max(title.length, ...rows.map((r) => r[i].length));
  const w = [width(0, 'kind'), width(1, 'service'), width(2, 'description'), width(3, 'amount')] as const;
  const row = (a: string, b: string, c: string, d: string) =>
    `  ${a.padEnd(w[0])}  ${b.padEnd(w[1])}  ${c.padEnd(w[2])}  ${d.padStart(w[3])}\n`;
  const label = w[0] + w[1] + w[2] + 4;
  const sum = (title: string, amount: string) => `  ${title.padStart(label)}  ${amount.padStart(w[3])}\n`;
  return [
    `Invoice ${invoice.terms}: ${invoice.seller} -> ${invoice.buyer}, period ${invoice.period.id} `,
    `(${invoice.period.start} to ${invoice.period.end})\n`,
    `Issued ${invoice.issueDate}, due ${invoice.dueDate}, amounts in ${invoice.currency}\n\n`,
    row('kind', 'service', 'description', 'amount'),
    ...rows.map((r) => row(...r)),
    '\n',
    sum('subtotal', invoice.subtotal),
    ...invoice.taxes.map((t) =>
      sum(
        `tax ${t.category} ${t.ratePercent}% of ${t.taxable}${t.note === undefined ? '' : ` (${t.note})`}`,
        t.amount,
      ),
    ),
    sum('total', invoice.total),
  ].join('');
}
