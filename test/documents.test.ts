/**
 * Documents from a node's record, end to end: a Seller and a Buyer node over
 * HTTP issue the example's invoices and a credit note (a late outage); the
 * owner routes export them as UBL, passed through the published validator
 * (`../shared/validators/validate-ubl`, UBL 2.1 XSD + EN 16931 + Peppol BIS 3,
 * as test/ubl.test.ts runs it), as a printable page opened in headless
 * Chromium and printed to PDF, and as the ERP export, whose journal balances.
 * Both nodes export the same figures: each is the signed document's.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import { htmlToPdf } from '../src/cli/print.ts';
import { parseDecimal, rational, type UblOptions } from '../src/core/index.ts';
import type { IssuedInvoice, IssuedNote } from '../src/node/index.ts';
import { launchChromium } from './browser.fixtures.ts';
import { call, callOk, exampleDir, exampleFacts, exampleTerms } from './support.ts';

const repo = resolve(import.meta.dirname, '..');
/** The published validators, found as test/ubl.test.ts finds them. */
const shared =
  [process.env.SB_SHARED_DIR, join(repo, '..', 'shared'), '/work/shared'].find(
    (dir): dir is string => dir !== undefined && existsSync(join(dir, 'validators', 'validate-ubl')),
  ) ?? join(repo, '..', 'shared');
const validator = join(shared, 'validators', 'validate-ubl');
const run = promisify(execFile);
const details = JSON.parse(readFileSync(join(exampleDir, 'ubl-details.json'), 'utf8')) as UblOptions;

async function validate(file: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(validator, [file], { maxBuffer: 1 << 24 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** A raw GET on a node's owner API with its admin token. */
async function get(node: RunningNode, path: string): Promise<Response> {
  return fetch(new URL(path, node.url), { headers: { authorization: `Bearer ${node.adminToken}` } });
}

/** RFC 4180 rows (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('documents from the node: UBL, printable page, PDF, ERP export', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-documents-'));
  let seller: RunningNode;
  let buyer: RunningNode;
  let browser: Browser;
  let id: string;
  let issued: IssuedInvoice[];

  beforeAll(async () => {
    const options = { syncIntervalMs: 0, checkpointIntervalMs: 0, chain: false } as const;
    seller = await startServer({ ...options, dataDir: join(root, 'seller'), party: 'acme-fiber' });
    buyer = await startServer({ ...options, dataDir: join(root, 'buyer'), party: 'globex' });
    await introduce(seller, buyer);
    browser = await launchChromium();
    const created = await callOk<{ id: string }>(seller, 'POST', '/bilaterals', {
      terms: exampleTerms(),
      peer: buyer.peerUrl,
    });
    id = created.id;
    const facts = exampleFacts();
    for (const fact of facts.filter((f) => f.type !== 'outage'))
      await callOk(seller, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    for (const period of ['2026-01', '2026-02', '2026-03'])
      await callOk(seller, 'POST', `/bilaterals/${id}/invoices`, { period });
    await buyer.node.idle();
    await seller.node.idle();
    // The outage arrives late: February now costs less, and a credit note follows.
    for (const fact of facts.filter((f) => f.type === 'outage'))
      await callOk(buyer, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    await callOk(seller, 'POST', `/bilaterals/${id}/notes`);
    await buyer.node.idle();
    await seller.node.idle();
    issued = await callOk<IssuedInvoice[]>(seller, 'GET', `/bilaterals/${id}/invoices`);
    // What the terms do not hold (addresses, the payee account): the node's configuration.
    seller.node.documents.configure(details);
    buyer.node.documents.configure(details);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await seller?.close();
    await buyer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the invoices are issued and accepted, the credit note too', async () => {
    expect(issued.map((i) => [i.period, i.status])).toEqual([
      ['2026-01', 'accepted'],
      ['2026-02', 'accepted'],
      ['2026-03', 'accepted'],
    ]);
    const notes = await callOk<IssuedNote[]>(buyer, 'GET', `/bilaterals/${id}/notes`);
    expect(notes.map((n) => [n.period, n.body.note.type, n.status])).toEqual([
      ['2026-02', 'credit', 'accepted'],
    ]);
  });

  it('each invoice exports as UBL claiming Peppol BIS 3, and passes the published validator', async () => {
    for (const invoice of issued) {
      const response = await get(buyer, `/bilaterals/${id}/invoices/${invoice.period}/ubl`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(response.headers.get('x-peppol')).toBe('bis-3');
      expect(response.headers.get('x-peppol-reasons')).toBe('[]');
      const xml = await response.text();
      expect(xml).toContain(
        `<cbc:PayableAmount currencyID="EUR">${invoice.body.invoice.total}</cbc:PayableAmount>`,
      );
      const file = join(root, `${invoice.period}.xml`);
      writeFileSync(file, xml);
      const result = await validate(file);
      expect(result, file).toMatchObject({ code: 0 });
    }
  }, 120_000);

  it('the credit note exports as a UBL CreditNote that passes the validator', async () => {
    const response = await get(seller, `/bilaterals/${id}/notes/2026-02/1/ubl`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-document-id')).toBe('msa-acme-globex-2026-2026-02-CN1');
    const xml = await response.text();
    expect(xml).toContain('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>');
    expect(xml).toContain('msa-acme-globex-2026-2026-02</cbc:ID>');
    const file = join(root, 'cn.xml');
    writeFileSync(file, xml);
    expect(await validate(file), file).toMatchObject({ code: 0 });
  }, 60_000);

  it('without the details, a Dutch party cannot claim Peppol: plain UBL, and the header says why', async () => {
    buyer.node.documents.configure({});
    try {
      const response = await get(buyer, `/bilaterals/${id}/invoices/2026-01/ubl`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-peppol')).toBe('none');
      const reasons = JSON.parse(response.headers.get('x-peppol-reasons') ?? '[]') as string[];
      expect(reasons.length).toBeGreaterThan(0);
      expect(reasons.join(' ')).toMatch(/NL-R-00/);
      expect(await response.text()).not.toContain('CustomizationID');
    } finally {
      buyer.node.documents.configure(details);
    }
  });

  it('the printable page, opened in Chromium, shows the invoice totals and every line; it prints to a PDF', async () => {
    const march = issued.find((i) => i.period === '2026-03')!;
    const response = await get(seller, `/bilaterals/${id}/invoices/2026-03/html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.setContent(html);
      const invoice = march.body.invoice;
      expect((await page.locator('#total').textContent())?.trim()).toBe(`${invoice.total} EUR`);
      expect((await page.locator('#subtotal').textContent())?.trim()).toBe(`${invoice.subtotal} EUR`);
      expect((await page.locator('#tax').textContent())?.trim()).toBe(`${invoice.tax} EUR`);
      expect(await page.locator('tr.line').count()).toBe(invoice.lines.length);
      const text = (await page.locator('main').textContent()) ?? '';
      for (const total of ['#total', '#subtotal', '#tax'])
        expect(await page.locator(total).isVisible(), total).toBe(true);
      for (const line of invoice.lines) expect(text).toContain(line.amount);
      expect(text).toContain(march.entry.hash);
      // Readable on a phone: nothing wider than the screen.
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth'));
      expect(overflow).toBeLessThanOrEqual(390);
    } finally {
      await page.close();
    }
    const pdf = Buffer.from(await htmlToPdf(html));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/Type\s*\/Page[^s]/);
  }, 60_000);

  it('the credit note page shows the note total and cites the invoice it corrects', async () => {
    const notes = await callOk<IssuedNote[]>(seller, 'GET', `/bilaterals/${id}/notes`);
    const response = await get(seller, `/bilaterals/${id}/notes/2026-02/1/html`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`<span class="amount">${notes[0]!.body.note.total}</span>`);
    expect(html).toContain('Corrects invoice');
    expect(html).toContain('msa-acme-globex-2026-2026-02 of');
  });

  it('the ERP export: the same invoices on both nodes, and each side journal balanced to the cent', async () => {
    const invoicesCsv = async (node: RunningNode) =>
      (await get(node, `/bilaterals/${id}/erp/invoices.csv`)).text();
    const atSeller = await invoicesCsv(seller);
    expect(atSeller).toBe(await invoicesCsv(buyer));
    const rows = parseCsv(atSeller);
    expect(rows.length - 1).toBe(issued.length);
    for (const invoice of issued) expect(atSeller).toContain(invoice.body.invoice.total);
    expect(parseCsv(await (await get(seller, `/bilaterals/${id}/erp/notes.csv`)).text())).toHaveLength(2);

    for (const [node, side] of [
      [seller, 'seller'],
      [buyer, 'buyer'],
    ] as const) {
      const response = await get(node, `/bilaterals/${id}/erp/journal.csv`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('x-erp-side')).toBe(side);
      const [header, ...lines] = parseCsv(await response.text());
      const debitAt = header!.indexOf('debit');
      const creditAt = header!.indexOf('credit');
      expect(debitAt).toBeGreaterThanOrEqual(0);
      let debit = rational.ZERO;
      let credit = rational.ZERO;
      for (const line of lines) {
        if (line[debitAt] !== '') debit = rational.add(debit, parseDecimal(line[debitAt]!));
        if (line[creditAt] !== '') credit = rational.add(credit, parseDecimal(line[creditAt]!));
      }
      expect(rational.compare(debit, credit)).toBe(0);
      expect(rational.compare(debit, rational.ZERO)).toBe(1);
      expect(response.headers.get('x-journal-debit')).toBe(response.headers.get('x-journal-credit'));
    }
  });

  it('refuses what is not there or not valid with a 4xx naming it', async () => {
    const cases: [string, number, string][] = [
      [`/bilaterals/${id}/invoices/2026-13/ubl`, 422, 'PERIOD_INVALID'],
      [`/bilaterals/${id}/invoices/2026-09/html`, 409, 'DOCUMENT_NOT_ISSUED'],
      [`/bilaterals/${id}/notes/2026-02/0/ubl`, 400, 'BAD_REQUEST'],
      [`/bilaterals/${id}/notes/2026-02/2/html`, 409, 'DOCUMENT_NOT_ISSUED'],
      [`/bilaterals/${id}/erp/secrets.csv`, 400, 'BAD_REQUEST'],
      [`/bilaterals/${id}/erp/journal.csv?asOf=2026-02-30`, 422, 'STATEMENT_INVALID'],
      [`/bilaterals/${id}/erp/journal.csv?asOf=2026-02-01&asOf=2026-03-01`, 400, 'BAD_REQUEST'],
      [`/bilaterals/${id}/invoices/2026-02%3Cscript%3E/html`, 422, 'PERIOD_INVALID'],
      [`/bilaterals/${id}/erp/journal.csv?mapping=%7Bnot-json`, 400, 'BAD_REQUEST'],
      [`/bilaterals/${id}/erp/journal.csv?mapping=%7B%22receivable%22%3A5%7D`, 422, 'ERP_MAPPING_INVALID'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await call<{ code: string }>(seller, 'GET', path);
      expect([path, answer.status, answer.body.code]).toEqual([path, status, code]);
    }
  });
});
