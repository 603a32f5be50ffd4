/**
 * UBL export checked the way a Peppol access point checks it: the worked
 * example's three months (through `sb ubl`), a reverse-charge invoice, a JPY
 * invoice and two credit notes are written to files and run through
 * `../shared/validators/validate-ubl` (UBL 2.1 XSD, EN 16931 and Peppol BIS 3
 * rules). A BHD invoice is plain UBL 2.1: schema-valid, and refused by the
 * EN 16931 rules for the reason the export gives. Needs xmllint, Java and
 * Saxon-HE (`apt-get install -y libxml2-utils libsaxonhe-java`): no skipping.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ubl } from '../src/cli/ubl.ts';
import { parseJsonl } from '../src/core/fixtures/example.ts';
import {
  adjustment,
  creditNoteUbl,
  debitNoteUbl,
  invoiceUbl,
  parseTerms,
  rate,
  type Terms,
  type UblDocument,
  type UblOptions,
} from '../src/core/index.ts';

const repo = resolve(import.meta.dirname, '..');
/**
 * The published validators (not part of the product): `../shared` beside the
 * checkout, or where `SB_SHARED_DIR` says, or the machine's `/work/shared`
 * when the checkout is elsewhere (a clean clone in a temporary folder).
 */
const shared =
  [process.env.SB_SHARED_DIR, join(repo, '..', 'shared'), '/work/shared'].find(
    (dir): dir is string => dir !== undefined && existsSync(join(dir, 'validators', 'validate-ubl')),
  ) ?? join(repo, '..', 'shared');
const validator = join(shared, 'validators', 'validate-ubl');
const schemas = join(shared, 'validators', 'ubl-2.1', 'xsd', 'maindoc');
const example = join(repo, 'examples', 'dia-acme-globex');
const raw = JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8'));
const factsText = readFileSync(join(example, 'facts.jsonl'), 'utf8');
const run = promisify(execFile);

/** The parties' addresses and the payee account: what the terms do not hold (the example's file). */
const details = JSON.parse(readFileSync(join(example, 'ubl-details.json'), 'utf8')) as UblOptions;

function facts(terms: Terms, extra = '') {
  return parseJsonl(factsText + extra, 'facts.jsonl', terms);
}

/** Runs a command, resolving with its exit code and output instead of throwing on exit 1. */
async function exec(file: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(file, [...args], { maxBuffer: 1 << 24 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** The example's month as `sb ubl` prints it, with the details file. */
async function cliInvoice(period: string): Promise<string> {
  const detailsFile = join(example, 'ubl-details.json');
  let out = '';
  let err = '';
  const code = await ubl(
    [
      '--terms',
      join(example, 'terms.json'),
      '--events',
      join(example, 'facts.jsonl'),
      '--period',
      period,
      '--details',
      detailsFile,
    ],
    { stdout: (t) => (out += t), stderr: (t) => (err += t) },
  );
  expect({ code, err }).toEqual({ code: 0, err: '' });
  return out;
}

function reverseCharge(): UblDocument {
  const ae = parseTerms({
    ...raw,
    buyer: { id: 'globex', name: 'Globex Telecom GmbH', country: 'DE', vatId: 'DE123456789' },
    tax: { category: 'AE', ratePercent: '0' },
  });
  const buyer = { street: 'Globexstraße 2', city: 'Berlin', postalZone: '10115' };
  return invoiceUbl(ae, rate(ae, facts(ae), '2026-02'), { ...details, buyer });
}

/** The example priced in yen (0 decimals); March has the early-termination line, 35 months × 300000. */
function yen(): UblDocument {
  const [offering] = raw.offerings;
  const jpy = parseTerms({
    ...raw,
    currency: 'JPY',
    offerings: [
      {
        ...offering,
        plans: { '100M': { mrc: '45000' }, '1G': { mrc: '180000' }, '10G': { mrc: '600000' } },
        nrc: { install: '75000' },
        onDemand: { ...offering.onDemand, prices: { '1G': '375', '10G': '1350' } },
        usage: [
          {
            metric: 'gb',
            pricing: {
              model: 'graduated',
              tiers: [
                { upTo: '1000', price: '0' },
                { upTo: null, price: '8' },
              ],
            },
          },
        ],
      },
    ],
  });
  return invoiceUbl(jpy, rate(jpy, facts(jpy), '2026-03'), details);
}

/** README's story: the Buyer reports February's outage late (a credit note of the SLA credit). */
function lateOutage(): UblDocument {
  const terms = parseTerms(raw);
  const all = facts(terms);
  const issued = rate(
    terms,
    all.filter((f) => f.fact.type !== 'outage'),
    '2026-02',
  );
  const note = adjustment([issued], rate(terms, all, '2026-02'))!;
  return creditNoteUbl(terms, note, issued, { ...details, id: 'CN-2026-02-1', issueDate: '2026-04-15' });
}

/** The termination was a day earlier: March's recurring and discount change in opposite directions. */
function earlierTermination(): UblDocument {
  const terms = parseTerms(raw);
  const issued = rate(terms, facts(terms), '2026-03');
  const corrected = facts(
    terms,
    '{"type":"service.terminated","service":"S1","at":"2026-03-09T08:00:00Z","corrects":"facts.jsonl:5"}\n',
  );
  const note = adjustment([issued], rate(terms, corrected, '2026-03'))!;
  expect(note.type).toBe('credit');
  return creditNoteUbl(terms, note, issued, { ...details, id: 'CN-2026-03-1', issueDate: '2026-04-20' });
}

/** The termination was a day later: March bills a day more (a debit note, an Invoice of type 383). */
function laterTermination(): UblDocument {
  const terms = parseTerms(raw);
  const issued = rate(terms, facts(terms), '2026-03');
  const corrected = facts(
    terms,
    '{"type":"service.terminated","service":"S1","at":"2026-03-11T08:00:00Z","corrects":"facts.jsonl:5"}\n',
  );
  const note = adjustment([issued], rate(terms, corrected, '2026-03'))!;
  expect(note.type).toBe('debit');
  return debitNoteUbl(terms, note, issued, { ...details, id: 'DN-2026-03-1', issueDate: '2026-04-20' });
}

describe('UBL export through the Peppol validator', () => {
  it('the example months, reverse charge, JPY, credit and debit notes pass UBL 2.1, EN 16931 and Peppol BIS 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ubl-'));
    const documents: Record<string, string> = {};
    for (const period of ['2026-01', '2026-02', '2026-03'])
      documents[`invoice-${period}.xml`] = await cliInvoice(period);
    const built = {
      'reverse-charge-2026-02.xml': reverseCharge(),
      'jpy-2026-03.xml': yen(),
      'credit-note-late-outage.xml': lateOutage(),
      'credit-note-earlier-termination.xml': earlierTermination(),
      'debit-note-later-termination.xml': laterTermination(),
    };
    for (const [name, doc] of Object.entries(built)) {
      expect({ name, reasons: doc.reasons }).toEqual({ name, reasons: [] });
      documents[name] = doc.xml;
    }
    const files = Object.entries(documents).map(([name, xml]) => {
      writeFileSync(join(dir, name), xml);
      return join(dir, name);
    });
    const { code, out } = await exec(validator, files);
    console.log(out);
    expect(out.trim().split('\n')).toEqual(
      files.map((f) => `${f}: ok (UBL 2.1 schema, EN 16931, Peppol BIS 3)`),
    );
    expect(code).toBe(0);
  }, 240_000);

  it('BHD: schema-valid plain UBL 2.1; the EN 16931 rules refuse its 3 decimals, as the export says', async () => {
    const bhd = parseTerms({ ...raw, currency: 'BHD' });
    const doc = invoiceUbl(bhd, rate(bhd, facts(bhd), '2026-02'), details);
    expect(doc.peppol).toBe(false);
    expect(doc.reasons).toEqual([expect.stringMatching(/BHD amounts have 3 decimals.*BR-DEC/)]);
    const file = join(mkdtempSync(join(tmpdir(), 'sb-ubl-')), 'bhd-2026-02.xml');
    writeFileSync(file, doc.xml);
    const schema = await exec('xmllint', ['--noout', '--schema', join(schemas, 'UBL-Invoice-2.1.xsd'), file]);
    expect(schema).toEqual({ code: 0, out: `${file} validates\n` });
    const rules = await exec(validator, [file]);
    console.log(rules.out);
    expect(rules.code).toBe(1);
    expect(rules.out).toContain(`${file}: FAIL CEN-EN16931-UBL`);
    expect(rules.out).toContain('BR-DEC-23');
    // No Peppol identifiers claimed, so the Peppol rules report them missing rather than a false claim.
    expect(rules.out).toContain('PEPPOL-EN16931-R001');
  }, 120_000);
});
