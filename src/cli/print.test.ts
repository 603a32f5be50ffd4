import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../core/fixtures/example.ts';
import { parseTerms, rate } from '../core/index.ts';
import { hashJson, type JsonValue } from '../ledger/index.ts';
import { main } from './main.ts';

const example = resolve(import.meta.dirname, '..', '..', 'examples', 'dia-acme-globex');
const termsFile = join(example, 'terms.json');
const factsFile = join(example, 'facts.jsonl');
const out = mkdtempSync(join(tmpdir(), 'sb-print-'));

async function sb(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('sb print', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const base = ['print', '--terms', termsFile, '--events', factsFile, '--period', '2026-02'];

  it('prints the page on stdout: the invoice total, the terms hash, the addresses of --details', async () => {
    const raw = JSON.parse(readFileSync(termsFile, 'utf8'));
    const terms = parseTerms(raw);
    const invoice = rate(terms, parseJsonl(readFileSync(factsFile, 'utf8'), 'facts.jsonl', terms), '2026-02');
    const details = JSON.parse(readFileSync(join(example, 'ubl-details.json'), 'utf8'));
    const answer = await sb(...base, '--details', join(example, 'ubl-details.json'));
    expect(answer).toMatchObject({ code: 0, stderr: '' });
    expect(answer.stdout).toContain(`id="total"><span class="amount">${invoice.total}</span>`);
    expect(answer.stdout).toContain(hashJson(raw as JsonValue));
    expect(answer.stdout).toContain(details.seller.street);
  });

  it('refuses bad arguments with exit 2, naming them', async () => {
    expect(await sb(...base.slice(0, -1), '2026-13')).toMatchObject({ code: 2 });
    const pdf = await sb(...base, '--format', 'pdf');
    expect(pdf.code).toBe(2);
    expect(pdf.stderr).toContain('--format pdf needs --out');
    expect((await sb(...base, '--format', 'docx')).stderr).toContain(
      "--format: expected html or pdf, got 'docx'",
    );
  });

  it('writes a PDF through Chromium', async () => {
    const file = join(out, 'invoice.pdf');
    const answer = await sb(...base, '--format', 'pdf', '--out', file);
    expect(answer.code, answer.stderr).toBe(0);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  }, 30_000);
});

describe('sb node --document-details', () => {
  it('refuses a details file with a problem before anything starts, naming file, line and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-node-details-'));
    const file = join(dir, 'details.json');
    writeFileSync(file, '{\n  "seller": {"street": 5}\n}\n');
    const failed = await promisify(execFile)(
      process.execPath,
      [
        'bin/sb.js',
        'node',
        '--data',
        join(dir, 'data'),
        '--party',
        'acme-fiber',
        '--no-chain',
        '--document-details',
        file,
      ],
      { cwd: resolve(import.meta.dirname, '..', '..') },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`${file}:2: seller.street: expected a non-empty string`),
    });
  });
});
