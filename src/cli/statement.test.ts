import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.fixtures.ts';

const fixtures = new URL('../core/fixtures/dia-acme-globex/', import.meta.url);
const file = (name: string) => new URL(name, fixtures).pathname;
const TERMS = file('terms-with-interest.json');
const FACTS = file('facts.jsonl');
const PAYMENTS = file('payments.jsonl');
const run = (...args: string[]) => runCli(['statement', ...args]);

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-statement-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('sb statement', () => {
  const expected = JSON.parse(readFileSync(file('statement-2026-07-15.json'), 'utf8'));

  it('prints the worked example statement as JSON, from one events file holding facts and payments', async () => {
    const dir = scratch({
      'events.jsonl': readFileSync(FACTS, 'utf8') + readFileSync(PAYMENTS, 'utf8'),
    });
    const { code, out, err } = await run(
      '--terms',
      TERMS,
      '--events',
      join(dir, 'events.jsonl'),
      '--as-of',
      '2026-07-15',
      '--json',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject(expected);
  });

  it('reads several events files in order, and prints a table without --json', async () => {
    const json = await run(
      '--terms',
      TERMS,
      '--events',
      FACTS,
      '--events',
      PAYMENTS,
      '--as-of=2026-07-15',
      '--json',
    );
    expect(JSON.parse(json.out)).toMatchObject(expected);
    const { code, out } = await run(
      `--terms=${TERMS}`,
      `--events=${FACTS}`,
      `--events=${PAYMENTS}`,
      '--as-of=2026-07-15',
    );
    expect(code).toBe(0);
    expect(out).toContain('Statement as of 2026-07-15 (end of day), amounts in EUR');
    expect(out).toMatch(
      /2026-03\s+2026-04-01\s+2026-05-01\s+85393\.55\s+48958\.80\s+36434\.75\s+75\s+749\.16/,
    );
    expect(out).toContain('2026-03 40000.00, 2026-02 1041.20, 2026-03 8958.80');
    expect(out).toContain('61-90 36434.75');
  });

  it('exits 2 naming the file, line and allocation of a payment that cannot apply', async () => {
    const dir = scratch({
      'payments.jsonl': [
        '{"type":"payment","id":"P1","amount":"1310.70","at":"2026-02-20T10:00:00Z"}',
        '{"type":"payment","id":"P2","amount":"500.00","at":"2026-03-05T00:00:00Z","allocations":[{"period":"2026-01","amount":"10.00"}]}',
        '',
      ].join('\n'),
      'early.jsonl':
        '{"type":"payment","id":"E","amount":"5.00","at":"2026-02-01T00:00:00Z","allocations":[{"period":"2026-02","amount":"5.00"}]}\n',
      'sum.jsonl':
        '{"type":"payment","id":"S","amount":"5.00","at":"2026-04-01T00:00:00Z","allocations":[{"period":"2026-02","amount":"3.00"},{"period":"2026-03","amount":"3.00"}]}\n',
      'cents.jsonl': '{"type":"payment","id":"C","amount":"5.001","at":"2026-04-01T00:00:00Z"}\n',
    });
    // P2 allocates 10.00 to January, which P1 paid in full.
    const over = await run(
      '--terms',
      TERMS,
      '--events',
      FACTS,
      '--events',
      join(dir, 'payments.jsonl'),
      '--as-of',
      '2026-07-15',
    );
    expect(over.code).toBe(2);
    expect(over.out).toBe('');
    expect(over.err).toContain(
      `${join(dir, 'payments.jsonl')}:2: payment P2: allocations[0]: 10.00 is above the open amount of 2026-01's invoice at 2026-03-05T00:00:00Z (PAYMENT_INVALID)`,
    );
    const early = await run(
      '--terms',
      TERMS,
      '--events',
      FACTS,
      '--events',
      join(dir, 'early.jsonl'),
      '--as-of',
      '2026-07-15',
    );
    expect(early.code).toBe(2);
    expect(early.err).toContain(
      `${join(dir, 'early.jsonl')}:1: payment E: allocations[0]: no invoice for 2026-02 is issued at`,
    );
    const sum = await run(
      '--terms',
      TERMS,
      '--events',
      FACTS,
      '--events',
      join(dir, 'sum.jsonl'),
      '--as-of',
      '2026-07-15',
    );
    expect(sum.code).toBe(2);
    expect(sum.err).toContain(
      `${join(dir, 'sum.jsonl')}:1: allocations: expected allocations summing to at most the amount 5.00`,
    );
    const cents = await run(
      '--terms',
      TERMS,
      '--events',
      FACTS,
      '--events',
      join(dir, 'cents.jsonl'),
      '--as-of',
      '2026-07-15',
    );
    expect(cents.code).toBe(2);
    expect(cents.err).toContain(
      `${join(dir, 'cents.jsonl')}:1: amount: expected exactly 2 decimals (the currency's)`,
    );
  });

  it.each([
    [['--events', FACTS, '--as-of', '2026-07-15'], /missing --terms/],
    [['--terms', TERMS, '--events', FACTS, '--as-of', '2026-02-30'], /--as-of: expected a date YYYY-MM-DD/],
    [['--terms', TERMS, '--events', FACTS], /missing --as-of/],
    [['--terms', TERMS, '--as-of', '2026-07-15', '--period', '2026-01'], /unknown argument '--period'/],
    [
      ['--terms', TERMS, '--events', '/nonexistent/p.jsonl', '--as-of', '2026-07-15'],
      /cannot read \/nonexistent\/p\.jsonl: ENOENT/,
    ],
  ])('rejects bad arguments %#', async (args, message) => {
    const { code, err, out } = await run(...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(out).toBe('');
  });

  it('rating ignores payments: sb rate gives the same invoice with the payments in the events', async () => {
    const dir = scratch({ 'all.jsonl': readFileSync(FACTS, 'utf8') + readFileSync(PAYMENTS, 'utf8') });
    const plain = await runCli([
      'rate',
      '--terms',
      TERMS,
      '--events',
      FACTS,
      '--period',
      '2026-03',
      '--json',
    ]);
    const mixed = await runCli([
      'rate',
      '--terms',
      TERMS,
      '--events',
      join(dir, 'all.jsonl'),
      '--period',
      '2026-03',
      '--json',
    ]);
    expect(mixed.code).toBe(0);
    expect(JSON.parse(mixed.out).total).toBe('85393.55');
    const amounts = (out: string) =>
      (JSON.parse(out) as { lines: { amount: string }[] }).lines.map((l) => l.amount);
    expect(amounts(mixed.out)).toEqual(amounts(plain.out));
  });
});
