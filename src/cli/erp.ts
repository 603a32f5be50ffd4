/**
 * `sb erp`: the ERP export offline, from the same inputs as `sb statement`
 * (terms, facts and payments, one `--events` file or several read in order)
 * — invoices.csv, lines.csv, notes.csv, payments.csv, statement.csv and
 * journal.csv in `--out`, for a finance system to import as they are. The
 * journal is booked for one side (`--side seller|buyer`) with the provider's
 * account mapping (`--mapping`), or the default one, which the output names.
 * Offline there are no notes (they are issued on a node): notes.csv holds
 * its header only. Bad input exits 2 naming the file and line.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_ERP_MAPPING,
  ERP_SIDES,
  type ErpMapping,
  type ErpSide,
  formatIssue,
  invoicesCsv,
  journal,
  journalCsv,
  journalTotals,
  linesCsv,
  locateJsonPath,
  minorUnit,
  notesCsv,
  offlineErp,
  parseDay,
  parseErpMapping,
  paymentsCsv,
  statementCsv,
  ValidationError,
} from '../core/index.ts';
import type { Command, Io } from './main.ts';
import {
  computed,
  InputError,
  loadAllFacts,
  loadTerms,
  offlineFlags,
  readJson,
  runOffline,
} from './offline-inputs.ts';

const USAGE =
  'usage: sb erp --terms TERMS.json --events FACTS.jsonl [--events PAYMENTS.jsonl ...] --as-of YYYY-MM-DD\n' +
  '              --side seller|buyer [--mapping MAPPING.json] --out DIR\n' +
  '  MAPPING.json: {"receivable", "payable", "bank", "vatOutput", "vatInput": account,\n' +
  '                 "revenue", "cost": {"default": account, OFFERING: account, ...},\n' +
  '                 "reverseChargeRatePercent"?: the Buyer\'s own VAT rate for AE documents}\n';

interface Options {
  readonly terms: string;
  readonly events: readonly string[];
  readonly asOf: string;
  readonly side: ErpSide;
  readonly mapping?: string;
  readonly out: string;
}

/**
 * `--events` may repeat, which `offlineFlags` (one value a flag) does not
 * allow: its values are taken out first, the rest is parsed as usual.
 */
function takeEvents(args: readonly string[]): { events: string[]; rest: string[] } {
  const events: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg !== '--events' && !arg.startsWith('--events=')) {
      rest.push(arg);
      continue;
    }
    const value = arg === '--events' ? args[++i] : arg.slice('--events='.length);
    if (value === undefined || value === '') throw new InputError(['sb erp: --events needs a value']);
    events.push(value);
  }
  return { events, rest };
}

function parseArgs(args: readonly string[]): Options | 'help' {
  const { events, rest } = takeEvents(args);
  const values = offlineFlags('erp', rest, {
    values: ['terms', 'as-of', 'side', 'mapping', 'out'],
    required: ['terms', 'as-of', 'side', 'out'],
  });
  if (values === 'help') return 'help';
  if (events.length === 0) throw new InputError(['sb erp: missing --events']);
  const asOf = values['as-of'] as string;
  if (parseDay(asOf) === undefined)
    throw new InputError([`sb erp: --as-of: expected a date YYYY-MM-DD, got '${asOf}'`]);
  const side = values.side as string;
  if (!(ERP_SIDES as readonly string[]).includes(side))
    throw new InputError([`sb erp: --side: expected seller or buyer, got '${side}'`]);
  return {
    terms: values.terms as string,
    events,
    asOf,
    side: side as ErpSide,
    ...(values.mapping === undefined ? {} : { mapping: values.mapping as string }),
    out: values.out as string,
  };
}

export const erp: Command = async (args: readonly string[], io: Io): Promise<number> =>
  runOffline('erp', USAGE, io, () => {
    const options = parseArgs(args);
    if (options === 'help') return undefined;
    const terms = loadTerms(options.terms);
    const facts = loadAllFacts(options.events, terms);
    const mapping = options.mapping === undefined ? DEFAULT_ERP_MAPPING : loadMapping(options.mapping);
    const { documents, statement } = computed(() => offlineErp(terms, facts, options.asOf), options.events);
    const lines = journal(options.side, mapping, documents);
    const files: [string, string][] = [
      ['invoices.csv', invoicesCsv(documents.invoices)],
      ['lines.csv', linesCsv(documents.invoices, documents.notes, documents.offerings)],
      ['notes.csv', notesCsv(documents.notes)],
      ['payments.csv', paymentsCsv(documents.payments, terms.billing.timeZone)],
      ['statement.csv', statementCsv(statement)],
      ['journal.csv', journalCsv(lines)],
    ];
    mkdirSync(options.out, { recursive: true });
    for (const [name, text] of files) writeFileSync(join(options.out, name), text);
    const totals = journalTotals(lines, minorUnit(terms.currency));
    return [
      `ERP export as of ${options.asOf}, ${options.side} side, amounts in ${terms.currency}\n`,
      options.mapping === undefined
        ? `  mapping: the default (no --mapping): ${JSON.stringify(DEFAULT_ERP_MAPPING)}\n`
        : `  mapping: ${options.mapping}\n`,
      ...files.map(([name, text]) => `  ${join(options.out, name)}: ${rowCount(text)} rows\n`),
      `  journal: debit ${totals.debit}, credit ${totals.credit}\n`,
    ].join('');
  });

/** The mapping file, or every problem with it as `file:line: path: rule`. */
function loadMapping(file: string): ErpMapping {
  const json = readJson(file);
  try {
    return parseErpMapping(json);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const text = readFileSync(file, 'utf8');
    throw new InputError(
      error.issues.map(
        (issue) =>
          `${file}:${locateJsonPath(text, issue.path)?.line ?? 1}: ${formatIssue(issue)} (${error.code})`,
      ),
    );
  }
}

/** Data rows of a CSV text (the header not counted); a quoted line break does not end a row. */
function rowCount(text: string): number {
  let rows = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) rows++;
  }
  return rows - 1;
}
