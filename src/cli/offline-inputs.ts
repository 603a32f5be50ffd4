/**
 * Reading the offline commands' inputs (`sb rate`, `sb statement`): a terms
 * document and JSONL facts, with every problem reported as `file:line:
 * field: rule` so a user can fix a file in one pass. A fact's ref is
 * `name:line` (`facts.jsonl:3`): invoice lines and statements cite it.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  BilateralError,
  type FactRef,
  formatIssue,
  type Invoice,
  isPeriodId,
  locateJsonError,
  locateJsonPath,
  parseFact,
  parseTerms,
  rate as rateInvoice,
  type Terms,
  ValidationError,
} from '../core/index.ts';
import type { Io } from './main.ts';

/** Thrown for bad input; the command prints `lines` and exits 2. */
export class InputError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('\n'));
  }
}

/**
 * Runs an offline command: `work` answers what to print (undefined: the
 * help). Bad input (`InputError`) goes to stderr and exits 2, with the usage
 * when a line is about the command's own arguments (`sb NAME: …`).
 */
export async function runOffline(
  name: string,
  usage: string,
  io: Io,
  work: () => string | undefined,
): Promise<number> {
  try {
    io.stdout(work() ?? usage);
    return 0;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(error.lines.map((line) => `${line}\n`).join(''));
    if (error.lines.some((line) => line.startsWith(`sb ${name}: `))) io.stderr(usage);
    return 2;
  }
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError([`cannot read ${file}: ${code}`]);
  }
}

function parseJson(text: string, where: (line: number) => string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const at = locateJsonError(text);
    const reason = at === undefined ? (error as Error).message : `${at.reason} at column ${at.column}`;
    throw new InputError([`${where(at?.line ?? 1)}: invalid JSON: ${reason}`]);
  }
}

/** The terms document in `file`, or every problem with it as `file:line: path: rule`. */
/**
 * The `--flag value` (or `--flag=value`) arguments of offline command
 * `sb NAME`: every flag in `values` takes a value, every flag in `switches`
 * none; `required` must be given. Answers 'help' for `--help`/`-h`; refuses
 * an unknown argument, a flag without a value and a missing one, naming them.
 */
export function offlineFlags(
  name: string,
  args: readonly string[],
  spec: { values: readonly string[]; switches?: readonly string[]; required?: readonly string[] },
): Record<string, string | true> | 'help' {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (spec.switches?.includes(arg.slice(2)) === true && arg.startsWith('--')) {
      out[arg.slice(2)] = true;
      continue;
    }
    const [flag = '', inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg];
    if (!flag.startsWith('--') || !spec.values.includes(flag.slice(2))) {
      throw new InputError([`sb ${name}: unknown argument '${arg}'`]);
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new InputError([`sb ${name}: ${flag} needs a value`]);
    out[flag.slice(2)] = value;
  }
  const missing = (spec.required ?? []).filter((flag) => out[flag] === undefined);
  if (missing.length > 0) throw new InputError(missing.map((flag) => `sb ${name}: missing --${flag}`));
  return out;
}

/** `--period`'s value when it is a month (YYYY-MM), or `sb NAME: --period: …`. */
export function periodFlag(name: string, value: unknown): string {
  const period = value as string;
  if (!isPeriodId(period)) throw new InputError([`sb ${name}: --period: expected YYYY-MM, got '${period}'`]);
  return period;
}

/**
 * The invoice of one period rated offline from a terms file and one JSONL
 * file of facts (`sb rate`, `sb ubl`, `sb print`): every problem with the
 * inputs an `InputError` at its file and line.
 */
export function offlineInvoice(files: { terms: string; events: string; period: string }): {
  terms: Terms;
  invoice: Invoice;
} {
  const terms = loadTerms(files.terms);
  const facts = loadFacts(files.events, terms);
  return { terms, invoice: computed(() => rateInvoice(terms, facts, files.period), [files.events]) };
}

/** A JSON file's value, or `file:line: invalid JSON: …`. */
export function readJson(file: string): unknown {
  return parseJson(read(file), (line) => `${file}:${line}`);
}

export function loadTerms(file: string): Terms {
  const text = read(file);
  const json = parseJson(text, (line) => `${file}:${line}`);
  try {
    return parseTerms(json);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new InputError(
      error.issues.map(
        (issue) => `${file}:${locateJsonPath(text, issue.path)?.line ?? 1}: ${formatIssue(issue)}`,
      ),
    );
  }
}

/** The facts of a JSONL file, each with ref `name:line`, or every problem as `file:line: path: rule`. */
export function loadFacts(file: string, terms: Terms): FactRef[] {
  const name = basename(file);
  const facts: FactRef[] = [];
  const problems: string[] = [];
  read(file)
    .split('\n')
    .forEach((raw, index) => {
      const text = raw.replace(/\r$/, '');
      if (text.trim() === '') return;
      const line = index + 1;
      try {
        const json = parseJson(text, () => `${file}:${line}`);
        facts.push({ ref: `${name}:${line}`, fact: parseFact(json, terms) });
      } catch (error) {
        if (error instanceof InputError) problems.push(...error.lines);
        else if (error instanceof ValidationError)
          problems.push(...error.issues.map((i) => `${file}:${line}: ${formatIssue(i)}`));
        else throw error;
      }
    });
  if (problems.length > 0) throw new InputError(problems);
  return facts;
}

/** Every `--events` file's facts, with every problem of every file reported at once. */
export function loadAllFacts(files: readonly string[], terms: Terms): FactRef[] {
  const facts: FactRef[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      facts.push(...loadFacts(file, terms));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.lines);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return facts;
}

/** Runs the core, turning what is wrong with the facts or payments into a located input error. */
export function computed<T>(work: () => T, files: readonly string[]): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof BilateralError && ['PAYMENT_INVALID', 'FACTS_INCONSISTENT'].includes(error.code)) {
      throw new InputError([`${located(error.message, files)} (${error.code})`]);
    }
    throw error;
  }
}

/** A message starting with a fact's ref (`payments.jsonl:3: …`), with the file as the user named it. */
function located(message: string, files: readonly string[]): string {
  const file = files.find((f) => message.startsWith(`${basename(f)}:`));
  return file === undefined ? message : `${file}${message.slice(basename(file).length)}`;
}
