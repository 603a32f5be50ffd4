import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../core/decimal.ts';
import { add, isZero, sub, ZERO } from '../core/rational.ts';
import { type CliRun, runCli } from './cli.fixtures.ts';

const example = new URL('../../examples/dia-acme-globex/', import.meta.url);
const file = (name: string) => new URL(name, example).pathname;
// The statement's expected figures include 8 % late interest: the terms that say so.
const TERMS = file('terms-with-interest.json');
const FACTS = file('facts.jsonl');
const PAYMENTS = file('payments.jsonl');
const FILES = ['invoices.csv', 'lines.csv', 'notes.csv', 'payments.csv', 'statement.csv', 'journal.csv'];

/** `sb erp ARGS` as a user runs it. */
const run = (...args: string[]): Promise<CliRun> => runCli(['erp', ...args]);

const scratch = () => mkdtempSync(join(tmpdir(), 'sb-erp-'));
const base = (out: string) => [
  '--terms',
  TERMS,
  '--events',
  FACTS,
  '--events',
  PAYMENTS,
  '--as-of',
  '2026-07-15',
  '--out',
  out,
];

/** Rows of a CSV file as records by header (the files here hold no quoted fields with line breaks). */
function records(path: string): Record<string, string>[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\r\n')).toBe(true);
  const [header, ...rows] = text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => split(line));
  return rows.map((row) => Object.fromEntries(header!.map((h, i) => [h, row[i]!])));
}

/** One CSV row's fields, quoted ones unquoted. */
function split(line: string): string[] {
  const fields: string[] = [];
  for (const match of line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)) {
    const raw = match[1]!;
    fields.push(raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw);
  }
  return fields;
}

describe('sb erp', () => {
  it('writes the six files for the Seller with the default mapping, and says so', async () => {
    const out = scratch();
    const { code, out: stdout, err } = await run(...base(out), '--side', 'seller');
    expect(err).toBe('');
    expect(code).toBe(0);
    for (const name of FILES) expect(existsSync(join(out, name)), name).toBe(true);
    expect(stdout).toContain('mapping: the default (no --mapping)');
    expect(stdout).toContain('"receivable":"1300"');
    // Debits: the three invoice totals (88745.45) and the three payments (52310.70).
    expect(stdout).toContain('journal: debit 141056.15, credit 141056.15');
    expect(readFileSync(join(out, 'notes.csv'), 'utf8')).toBe(
      'note,type,invoice,period,issueDate,currency,subtotal,tax,total\r\n',
    );
    expect(records(join(out, 'invoices.csv')).map((r) => r.total)).toEqual([
      '1310.70',
      '2041.20',
      '85393.55',
    ]);
    expect(records(join(out, 'lines.csv'))).toHaveLength(11);
  });

  it("gives statement.csv the figures of the example's statement as of 2026-07-15", async () => {
    const out = scratch();
    expect((await run(...base(out), '--side', 'seller')).code).toBe(0);
    const expected = JSON.parse(readFileSync(file('statement-2026-07-15.json'), 'utf8')) as {
      invoices: Record<string, string | number>[];
      payments: {
        id: string;
        amount: string;
        unapplied: string;
        applied: { period: string; amount: string }[];
      }[];
    };
    const got = records(join(out, 'statement.csv'));
    expect(got.map((r) => ({ ...r, daysPastDue: Number(r.daysPastDue) }))).toEqual(
      expected.invoices.map((i) => expect.objectContaining(i)),
    );
    expect(got.map((r) => r.state)).toEqual(['settled', 'settled', 'paymentDue']);
    expect(
      records(join(out, 'payments.csv')).map((p) => [p.payment, p.amount, p.applied, p.unapplied]),
    ).toEqual(
      expected.payments.map((p) => [
        p.id,
        p.amount,
        p.applied.map((a) => `${a.period}=${a.amount}`).join(';'),
        p.unapplied,
      ]),
    );
  });

  it("balances every document's journal, for either side, with a provider's mapping", async () => {
    const dir = scratch();
    const mapping = join(dir, 'mapping.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        receivable: '1300',
        payable: '1600',
        bank: '1100',
        vatOutput: '1520',
        vatInput: '1510',
        revenue: { default: '8000', dia: '8010' },
        cost: { default: '7000', dia: '7010' },
      }),
    );
    for (const side of ['seller', 'buyer']) {
      const out = join(dir, side);
      const { code, out: stdout } = await run(...base(out), '--side', side, '--mapping', mapping);
      expect(code).toBe(0);
      expect(stdout).toContain(`mapping: ${mapping}`);
      const lines = records(join(out, 'journal.csv'));
      const net = new Map<string, ReturnType<typeof parseDecimal>>();
      for (const l of lines)
        net.set(
          l.document!,
          add(net.get(l.document!) ?? ZERO, sub(parseDecimal(l.debit!), parseDecimal(l.credit!))),
        );
      expect(net.size).toBe(6);
      for (const [document, difference] of net) expect(isZero(difference), document).toBe(true);
      const january = lines.filter((l) => l.document === 'msa-acme-globex-2026-2026-01');
      expect(january.map((l) => [l.account, l.debit, l.credit])).toEqual(
        side === 'seller'
          ? [
              ['1300', '1310.70', '0.00'],
              ['8010', '0.00', '1092.25'],
              ['1520', '0.00', '218.45'],
            ]
          : [
              ['7010', '1092.25', '0.00'],
              ['1510', '218.45', '0.00'],
              ['1600', '0.00', '1310.70'],
            ],
      );
    }
  });

  it('refuses a bad mapping naming file, line, field and rule, and bad arguments with the usage', async () => {
    const dir = scratch();
    const mapping = join(dir, 'mapping.json');
    writeFileSync(mapping, '{\n  "receivable": 1300,\n  "revenue": {}\n}\n');
    const bad = await run(...base(join(dir, 'out')), '--side', 'seller', '--mapping', mapping);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${mapping}:2: receivable: expected an account code`);
    expect(bad.err).toContain(`${mapping}:3: revenue.default: required`);
    expect(existsSync(join(dir, 'out'))).toBe(false);

    const side = await run(...base(join(dir, 'out')), '--side', 'both');
    expect(side.code).toBe(2);
    expect(side.err).toContain("sb erp: --side: expected seller or buyer, got 'both'");
    expect(side.err).toContain('usage: sb erp');

    const missing = await run('--terms', TERMS, '--as-of', '2026-07-15', '--side', 'seller', '--out', dir);
    expect(missing.err).toContain('sb erp: missing --events');
    expect((await run(...base(dir), '--side', 'seller', '--events')).err).toContain(
      'sb erp: --events needs a value',
    );
  });
});
