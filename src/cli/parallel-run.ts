/**
 * `sb parallel-run`: a legacy billing system's invoices beside the Smart
 * Bilateral's for the same contracts and periods (docs/parallel-run.md).
 * Offline like `sb rate`: a manifest names each bilateral's terms, facts
 * (payments included) and periods, the legacy files (CSV lines, UBL
 * invoices, a status CSV of agreed and paid dates) and the day to measure
 * as of. Writes `report.html` and `report.json` in `--out` and prints the
 * key figures (or the JSON with `--json`). Bad input exits 2 naming the file
 * and line.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  CAUSE_LABELS,
  Checker,
  child,
  formatIssue,
  type Invoice,
  isPeriodId,
  type LegacyInvoice,
  type LegacyStatus,
  locateJsonPath,
  MAX_LEGACY_BYTES,
  type ParallelRunReport,
  parallelRun,
  parallelRunHtml,
  parseDay,
  type Read,
  type RunBilateral,
  rate,
  readLegacyCsv,
  readLegacyStatus,
  readLegacyUbl,
  statement,
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
  'usage: sb parallel-run --manifest MANIFEST.json --out DIR [--json]\n' +
  '  MANIFEST.json: {"asOf": "YYYY-MM-DD",\n' +
  '                  "bilaterals": [{"terms": FILE, "events": [FILE, ...], "periods": ["YYYY-MM", ...]}],\n' +
  '                  "legacy": {"csv": [FILE, ...], "ubl": [FILE, ...], "status": FILE}}\n' +
  '  (paths relative to the manifest)\n';

interface Manifest {
  readonly asOf: string;
  readonly bilaterals: readonly {
    readonly terms: string;
    readonly events: readonly string[];
    readonly periods: readonly string[];
  }[];
  readonly legacy: {
    readonly csv: readonly string[];
    readonly ubl: readonly string[];
    readonly status?: string;
  };
}

export const parallelRunCommand: Command = async (args: readonly string[], io: Io): Promise<number> =>
  runOffline('parallel-run', USAGE, io, () => {
    const values = offlineFlags('parallel-run', args, {
      values: ['manifest', 'out'],
      switches: ['json'],
      required: ['manifest', 'out'],
    });
    if (values === 'help') return undefined;
    const file = values.manifest as string;
    const manifest = loadManifest(file);
    const base = dirname(resolve(file));
    const at = (path: string) => resolve(base, path);
    const bilaterals: RunBilateral[] = manifest.bilaterals.map((b) => {
      const terms = loadTerms(at(b.terms));
      const events = b.events.map(at);
      const facts = loadAllFacts(events, terms);
      const invoices = new Map<string, Invoice>();
      for (const period of b.periods)
        invoices.set(
          period,
          computed(() => rate(terms, facts, period), events),
        );
      return {
        terms,
        facts,
        periods: b.periods,
        invoices,
        statement: computed(() => statement(terms, facts, manifest.asOf), events),
      };
    });
    const legacy: LegacyInvoice[] = [];
    const problems: string[] = [];
    const take = <T>(read: Read<T>, use: (value: T) => void) => {
      if (read.ok) use(read.value);
      else problems.push(...read.problems);
    };
    for (const path of manifest.legacy.csv)
      take(readLegacyCsv(readText(at(path)), path), (v) => legacy.push(...v));
    for (const path of manifest.legacy.ubl)
      take(readLegacyUbl(readText(at(path)), path), (v) => legacy.push(v));
    let status = new Map<string, LegacyStatus>();
    if (manifest.legacy.status !== undefined) {
      const path = manifest.legacy.status;
      take(readLegacyStatus(readText(at(path)), path), (v) => {
        status = v;
      });
    }
    if (problems.length > 0) throw new InputError(problems);
    let report: ParallelRunReport;
    try {
      report = parallelRun(bilaterals, legacy, status, manifest.asOf);
    } catch (error) {
      if (error instanceof RangeError) throw new InputError([error.message]);
      throw error;
    }
    const out = values.out as string;
    mkdirSync(out, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(join(out, 'report.json'), json);
    writeFileSync(join(out, 'report.html'), parallelRunHtml(report));
    if (values.json === true) return json;
    return summary(report, out);
  });

function summary(report: ParallelRunReport, out: string): string {
  const { kpis } = report;
  const lines = [
    `Parallel run as of ${report.asOf}: ${report.contracts.length} contracts, ${kpis.invoices.compared} invoices, ${kpis.lines.compared} lines`,
    `  invoices agreeing: ${kpis.invoices.agreeing} of ${kpis.invoices.compared} (${kpis.invoices.share})`,
    `  lines agreeing:    ${kpis.lines.agreeing} of ${kpis.lines.compared} (${kpis.lines.share})`,
    ...Object.entries(kpis.amountInDifference).map(
      ([c, a]) => `  amount in difference: ${a.absolute} ${c} (net ${a.net}, legacy − Smart Bilateral)`,
    ),
    `  disputes that would have been raised: ${kpis.disputesWouldBeRaised}`,
    `  days from period close to an agreed invoice (mean): Smart Bilateral ${kpis.timeToAgreedInvoice.smartBilateral.meanDays ?? '-'}, legacy ${kpis.timeToAgreedInvoice.legacy.meanDays ?? '-'} (${kpis.timeToAgreedInvoice.legacy.notAgreed} not agreed)`,
    ...Object.entries(kpis.dso).map(
      ([c, d]) => `  DSO (${c}): Smart Bilateral ${d.smartBilateral}, legacy ${d.legacy}`,
    ),
    '  differences by probable cause:',
    ...Object.entries(kpis.causes).map(
      ([cause, v]) =>
        `    ${CAUSE_LABELS[cause as keyof typeof CAUSE_LABELS]}: ${v.count} (${Object.entries(v.amount)
          .map(([c, a]) => `${a} ${c}`)
          .join(', ')})`,
    ),
    `  ${join(out, 'report.html')}`,
    `  ${join(out, 'report.json')}`,
  ];
  return `${lines.join('\n')}\n`;
}

function readText(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new InputError([`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  if (size > MAX_LEGACY_BYTES) throw new InputError([`${path}: larger than ${MAX_LEGACY_BYTES} bytes`]);
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

/** The manifest, or every problem with it as `file:line: path: rule`. */
function loadManifest(file: string): Manifest {
  const json = readJson(file);
  const c = new Checker();
  const doc = c.object(json, '');
  if (doc !== undefined) {
    for (const key of Object.keys(doc))
      if (!['asOf', 'bilaterals', 'legacy'].includes(key))
        c.fail(key, 'expected one of "asOf", "bilaterals", "legacy"');
    if (parseDay(doc.asOf) === undefined) c.fail('asOf', 'expected a date YYYY-MM-DD');
    const list = c.array(doc.bilaterals, 'bilaterals');
    if (list !== undefined && list.length === 0) c.fail('bilaterals', 'expected at least one bilateral');
    list?.forEach((item, i) => {
      const path = `bilaterals[${i}]`;
      const b = c.object(item, path);
      if (b === undefined) return;
      for (const key of Object.keys(b))
        if (!['terms', 'events', 'periods'].includes(key))
          c.fail(child(path, key), 'expected one of "terms", "events", "periods"');
      c.string(b.terms, child(path, 'terms'));
      strings(c, b.events, child(path, 'events'));
      const periods = strings(c, b.periods, child(path, 'periods'));
      periods?.forEach((p, j) => {
        if (!isPeriodId(p)) c.fail(`${child(path, 'periods')}[${j}]`, 'expected YYYY-MM');
      });
    });
    const legacy = c.object(doc.legacy, 'legacy');
    if (legacy !== undefined) {
      for (const key of Object.keys(legacy))
        if (!['csv', 'ubl', 'status'].includes(key))
          c.fail(child('legacy', key), 'expected one of "csv", "ubl", "status"');
      if (legacy.csv !== undefined) strings(c, legacy.csv, 'legacy.csv');
      if (legacy.ubl !== undefined) strings(c, legacy.ubl, 'legacy.ubl');
      if (legacy.status !== undefined) c.string(legacy.status, 'legacy.status');
    }
  }
  if (c.issues.length > 0) {
    const text = readFileSync(file, 'utf8');
    throw new InputError(
      c.issues.map(
        (issue) => `${file}:${locateJsonPath(text, issue.path)?.line ?? 1}: ${formatIssue(issue)}`,
      ),
    );
  }
  const m = json as { asOf: string; bilaterals: Manifest['bilaterals']; legacy: Partial<Manifest['legacy']> };
  return {
    asOf: m.asOf,
    bilaterals: m.bilaterals,
    legacy: {
      csv: m.legacy.csv ?? [],
      ubl: m.legacy.ubl ?? [],
      ...(m.legacy.status === undefined ? {} : { status: m.legacy.status }),
    },
  };
}

function strings(c: Checker, value: unknown, path: string): string[] | undefined {
  const list = c.array(value, path);
  list?.forEach((v, i) => {
    c.string(v, `${path}[${i}]`);
  });
  return list?.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
}
