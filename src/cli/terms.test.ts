import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashJson } from '../ledger/index.ts';
import { runCli } from './cli.fixtures.ts';

const example = join(import.meta.dirname, '..', '..', 'examples', 'dia-acme-globex', 'terms.json');

describe('sb terms render', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-terms-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (name: string, value: unknown) => {
    const file = join(root, name);
    writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
  };

  it('renders every price and rule of the terms, with the hash the bilateral signs', async () => {
    const { code, out, err } = await runCli(['terms', 'render', '--terms', example]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const hash = hashJson(JSON.parse(readFileSync(example, 'utf8')));
    expect(out).toContain(`Terms hash (SHA-256 of the canonical JSON of the terms document): \`${hash}\``);
    for (const row of ['| 100M | 300.00 |', '| 10G | 4000.00 |', '| install | 500.00 |', '| 10G | 9.00 |']) {
      expect(out).toContain(row);
    }
    expect(out).toContain('| 1000 | and above | 0.05 |');
    expect(out).toContain('| 99.0 % | 25 % |');
    expect(out).toContain('charged 50 % of its plan');
    expect(out).toContain('Payment is due 30 days after');
    expect(out).toContain('Tax: category S (standard rate) at 20 %');
  });

  it('gives other terms another hash, and says late interest when the terms charge it', async () => {
    const terms = JSON.parse(readFileSync(example, 'utf8'));
    const changed = { ...terms, settlement: { lateInterest: { annualPercent: '8' } } };
    const { out } = await runCli(['terms', 'render', '--terms', write('interest.json', changed)]);
    expect(out).toContain(`\`${hashJson(changed)}\``);
    expect(hashJson(changed)).not.toBe(hashJson(terms));
    expect(out).toContain('interest at 8 % a year');
  });

  it('writes HTML with every value escaped', async () => {
    const terms = JSON.parse(readFileSync(example, 'utf8'));
    const hostile = {
      ...terms,
      title: '<script>alert(1)</script>',
      seller: { ...terms.seller, name: 'A & "B"' },
    };
    const file = join(root, 'schedule.html');
    const { code, out } = await runCli([
      'terms',
      'render',
      '--terms',
      write('hostile.json', hostile),
      '--format',
      'html',
      '--out',
      file,
    ]);
    expect(code).toBe(0);
    expect(out).toContain(`written to ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).toContain('A &amp; &quot;B&quot;');
    expect(html).toContain('<td>4000.00</td>');
    expect(html).toContain(`<code>${hashJson(hostile)}</code>`);
  });

  it('refuses terms that are not valid, naming file, line and field, and a format it does not write', async () => {
    const terms = JSON.parse(readFileSync(example, 'utf8'));
    const bad = await runCli([
      'terms',
      'render',
      '--terms',
      write('bad.json', { ...terms, currency: 'EURO' }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad\.json:\d+: currency/);
    const format = await runCli(['terms', 'render', '--terms', example, '--format', 'pdf']);
    expect(format.code).toBe(2);
    expect(format.err).toContain("--format: expected markdown or html, got 'pdf'");
    expect((await runCli(['terms', 'render'])).err).toContain('missing --terms');
  });
});
