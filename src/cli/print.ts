/**
 * `sb print`: one period's invoice as a page people read — HTML on stdout
 * (or `--out`), or a PDF that Debian's Chromium prints from that same page
 * (`--format pdf --out FILE`). Offline like `sb rate` and `sb ubl`: the same
 * inputs, the same `file:line: field: rule` errors and exit 2 on bad input.
 * The page carries the terms hash, so a reader can tie it to the agreement.
 */
import { writeFileSync } from 'node:fs';
import {
  Checker,
  child,
  formatIssue,
  invoiceHtml,
  type PrintAddress,
  type PrintOptions,
} from '../core/index.ts';
import { hashJson, type JsonValue } from '../ledger/index.ts';
import type { Command, Io } from './main.ts';
import { InputError, offlineFlags, offlineInvoice, periodFlag, readJson } from './offline-inputs.ts';

const USAGE =
  'usage: sb print --terms TERMS.json --events FACTS.jsonl --period YYYY-MM [--details DETAILS.json]\n' +
  '                [--id INVOICE-ID] [--format html|pdf] [--out FILE]\n' +
  '  html goes to stdout unless --out names a file; pdf needs --out (Chromium at /usr/bin/chromium,\n' +
  '  or where SB_CHROMIUM says). DETAILS.json is the `sb ubl --details` file: its seller and buyer\n' +
  '  street, city and postalZone are printed; the rest is ignored.\n';

const FORMATS = ['html', 'pdf'] as const;
type Format = (typeof FORMATS)[number];

/** The browser the PDF is printed with: Debian's Chromium unless SB_CHROMIUM names another. */
export const CHROMIUM_PATH = process.env.SB_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The page printed to PDF by headless Chromium (A4, backgrounds on). The
 * page loads nothing (it is self-contained), and any request it tried would be
 * refused anyway: the browser gets no network.
 */
/** Debian's Chromium, headless, with no background traffic: the one browser launch of the project (tests use it too). */
export async function launchChromium(): Promise<import('playwright-core').Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function htmlToPdf(html: string): Promise<Uint8Array> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}

interface Options {
  readonly terms: string;
  readonly events: string;
  readonly period: string;
  readonly details?: string;
  readonly id?: string;
  readonly format: Format;
  readonly out?: string;
}

function parseArgs(args: readonly string[]): Options | 'help' {
  const values = offlineFlags('print', args, {
    values: ['terms', 'events', 'period', 'details', 'id', 'format', 'out'],
    required: ['terms', 'events', 'period'],
  });
  if (values === 'help') return 'help';
  const period = periodFlag('print', values.period);
  const format = (values.format ?? 'html') as string;
  if (!(FORMATS as readonly string[]).includes(format))
    throw new InputError([`sb print: --format: expected html or pdf, got '${format}'`]);
  if (format === 'pdf' && values.out === undefined)
    throw new InputError(['sb print: --format pdf needs --out FILE (a PDF is not written to a terminal)']);
  return {
    terms: values.terms as string,
    events: values.events as string,
    period,
    format: format as Format,
    ...(values.details === undefined ? {} : { details: values.details as string }),
    ...(values.id === undefined ? {} : { id: values.id as string }),
    ...(values.out === undefined ? {} : { out: values.out as string }),
  };
}

/** The invoice page, or an InputError naming what is wrong with the inputs. */
function render(options: Options): string {
  const { terms, invoice } = offlineInvoice(options);
  const addresses = options.details === undefined ? {} : loadAddresses(options.details);
  const print: PrintOptions = {
    ...addresses,
    termsHash: hashJson(readJson(options.terms) as JsonValue),
    ...(options.id === undefined ? {} : { id: options.id }),
  };
  return invoiceHtml(terms, invoice, print);
}

/** The seller's and buyer's postal address from a `--details` file; its other fields are `sb ubl`'s. */
function loadAddresses(file: string): { seller?: PrintAddress; buyer?: PrintAddress } {
  const json = readJson(file);
  const c = new Checker();
  const doc = c.object(json, '');
  const out: { seller?: PrintAddress; buyer?: PrintAddress } = {};
  if (doc !== undefined) {
    for (const role of ['seller', 'buyer'] as const) {
      if (doc[role] === undefined) continue;
      const party = c.object(doc[role], role);
      if (party === undefined) continue;
      const address: Record<string, string> = {};
      for (const key of ['street', 'city', 'postalZone'] as const) {
        if (party[key] === undefined) continue;
        const value = c.string(party[key], child(role, key));
        if (value !== undefined) address[key] = value;
      }
      out[role] = address;
    }
  }
  if (c.issues.length > 0) throw new InputError(c.issues.map((issue) => `${file}: ${formatIssue(issue)}`));
  return out;
}

export const print: Command = async (args: readonly string[], io: Io): Promise<number> => {
  let options: Options | 'help';
  let html: string;
  try {
    options = parseArgs(args);
    if (options === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    html = render(options);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(error.lines.map((line) => `${line}\n`).join(''));
    if (error.lines.some((line) => line.startsWith('sb print: '))) io.stderr(USAGE);
    return 2;
  }
  if (options.format === 'html') {
    if (options.out === undefined) io.stdout(html);
    else writeFileSync(options.out, html);
    return 0;
  }
  let pdf: Uint8Array;
  try {
    pdf = await htmlToPdf(html);
  } catch (error) {
    io.stderr(`sb print: cannot print the PDF with ${CHROMIUM_PATH}: ${(error as Error).message}\n`);
    return 1;
  }
  writeFileSync(options.out as string, pdf);
  io.stderr(`sb print: wrote ${options.out} (${pdf.byteLength} bytes)\n`);
  return 0;
};
