/**
 * `sb statement`: the account statement of TERMS.md §6 offline, from a
 * terms file and the facts with the Buyer's payments (one file, or several
 * `--events` read in order) — invoices issued by the day, how each payment
 * applied, what is open, the late interest and the aging — with no node,
 * for auditors, tests and a parallel run. Bad input exits 2 naming the file
 * and line: a malformed fact, or a payment that cannot apply as recorded (an
 * allocation to an invoice not issued at the payment's time, or above what
 * is open on it).
 */
import { basename } from 'node:path';
import { BilateralError, parseDay, type Statement, statement } from '../core/index.ts';
import type { Command, Io } from './main.ts';
import { InputError, loadAllFacts, loadTerms, runOffline } from './offline-inputs.ts';

const USAGE =
  'usage: sb statement --terms TERMS.json --events FACTS.jsonl [--events PAYMENTS.jsonl] --as-of YYYY-MM-DD [--json]\n';

interface Options {
  readonly terms: string;
  readonly events: readonly string[];
  readonly asOf: string;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): Options | 'help' {
  let terms: string | undefined;
  let asOf: string | undefined;
  const events: string[] = [];
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') {
      json = true;
      continue;
    }
    const split = arg.startsWith('--') && arg.includes('=');
    const flag = split ? arg.slice(0, arg.indexOf('=')) : arg;
    if (flag !== '--terms' && flag !== '--events' && flag !== '--as-of') {
      throw new InputError([`sb statement: unknown argument '${arg}'`]);
    }
    const value = split ? arg.slice(arg.indexOf('=') + 1) : args[++i];
    if (value === undefined || value === '') throw new InputError([`sb statement: ${flag} needs a value`]);
    if (flag === '--terms') terms = value;
    else if (flag === '--as-of') asOf = value;
    else events.push(value);
  }
  const missing = [
    ...(terms === undefined ? ['terms'] : []),
    ...(events.length === 0 ? ['events'] : []),
    ...(asOf === undefined ? ['as-of'] : []),
  ];
  if (missing.length > 0) throw new InputError(missing.map((name) => `sb statement: missing --${name}`));
  if (parseDay(asOf) === undefined) {
    throw new InputError([`sb statement: --as-of: expected a date YYYY-MM-DD, got '${asOf}'`]);
  }
  return { terms: terms!, events, asOf: asOf!, json };
}

export const statementCommand: Command = async (args: readonly string[], io: Io): Promise<number> =>
  runOffline('statement', USAGE, io, () => {
    const options = parseArgs(args);
    if (options === 'help') return undefined;
    const terms = loadTerms(options.terms);
    const facts = loadAllFacts(options.events, terms);
    let result: Statement;
    try {
      result = statement(terms, facts, options.asOf);
    } catch (error) {
      if (error instanceof BilateralError && ['PAYMENT_INVALID', 'FACTS_INCONSISTENT'].includes(error.code)) {
        throw new InputError([`${located(error.message, options.events)} (${error.code})`]);
      }
      throw error;
    }
    return options.json ? `${JSON.stringify(result, null, 2)}\n` : table(result);
  });

/** A message starting with a fact's ref (`payments.jsonl:3: …`), with the file as the user named it. */
function located(message: string, files: readonly string[]): string {
  const file = files.find((f) => message.startsWith(`${basename(f)}:`));
  return file === undefined ? message : `${file}${message.slice(basename(file).length)}`;
}

/** A readable statement for people at a terminal. */
function table(s: Statement): string {
  const pad = (cells: readonly string[], widths: readonly number[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}\n`;
  const grid = (head: readonly string[], rows: readonly (readonly string[])[]) => {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    return [pad(head, widths), ...rows.map((r) => pad(r, widths))].join('');
  };
  return [
    `Statement as of ${s.asOf} (end of day), amounts in ${s.currency}\n\n`,
    grid(
      ['invoice', 'issued', 'due', 'total', 'applied', 'open', 'days past due', 'interest'],
      s.invoices.map((i) => [
        i.period,
        i.issueDate,
        i.dueDate,
        i.total,
        i.applied,
        i.open,
        String(i.daysPastDue),
        i.interest,
      ]),
    ),
    '\n',
    grid(
      ['payment', 'at', 'amount', 'applied to', 'unapplied'],
      s.payments.map((p) => [
        p.id,
        p.at,
        p.amount,
        p.applied.map((a) => `${a.period} ${a.amount}`).join(', ') || '-',
        p.unapplied,
      ]),
    ),
    '\n',
    `  invoiced ${s.totals.invoiced}, applied ${s.totals.applied}, open ${s.totals.open}, `,
    `unapplied credit ${s.totals.unapplied}, interest ${s.totals.interest}\n`,
    `  aging: ${Object.entries(s.aging)
      .map(([bucket, amount]) => `${bucket} ${amount}`)
      .join(', ')}\n`,
  ].join('');
}
