import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustment } from './adjustment.ts';
import { formatFixed, parseDecimal, round } from './decimal.ts';
import {
  csv,
  DEFAULT_ERP_MAPPING,
  type ErpDocuments,
  type ErpMapping,
  type ErpSide,
  invoicesCsv,
  type JournalLine,
  journal,
  journalCsv,
  linesCsv,
  offlineErp,
  parseErpMapping,
  paymentsCsv,
  statementCsv,
} from './erp.ts';
import { ValidationError } from './errors.ts';
import { parseJsonl } from './fixtures/example.ts';
import type { Invoice } from './invoice.ts';
import { rate } from './rate.ts';
import { add, div, HUNDRED, mul, rational, sum, ZERO } from './rational.ts';
import { parseTerms } from './terms.ts';

const dir = join(import.meta.dirname, 'fixtures', 'dia-acme-globex');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const termsJson = JSON.parse(read('terms-with-interest.json'));
const terms = parseTerms(termsJson);
const facts = parseJsonl(read('facts.jsonl'), 'facts.jsonl', terms);
const payments = parseJsonl(read('payments.jsonl'), 'payments.jsonl', terms);
const { documents, statement } = offlineErp(terms, [...facts, ...payments], '2026-07-15');
const JANUARY = 'msa-acme-globex-2026-2026-01';

/** The mapping of the brief: revenue for `dia` on its own account. */
const MAPPING: ErpMapping = parseErpMapping({
  receivable: '1300',
  payable: '1600',
  bank: '1100',
  vatOutput: '1520',
  vatInput: '1510',
  revenue: { default: '8000', dia: '8010' },
  cost: { default: '7000', dia: '7010' },
});

/** A minimal RFC 4180 reader, to check what the writer wrote reads back as it was. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') field += text[++i];
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

const brief = (lines: readonly JournalLine[]) =>
  lines.map((l) => [l.date, l.document, l.account, l.debit, l.credit]);

/** Per document: the sum of its debits and the sum of its credits, exactly. */
function balances(lines: readonly JournalLine[]): Map<string, { debit: string; credit: string }> {
  const out = new Map<string, { debit: ReturnType<typeof sum>; credit: ReturnType<typeof sum> }>();
  for (const l of lines) {
    const seen = out.get(l.document) ?? { debit: ZERO, credit: ZERO };
    out.set(l.document, {
      debit: add(seen.debit, parseDecimal(l.debit)),
      credit: add(seen.credit, parseDecimal(l.credit)),
    });
  }
  return new Map(
    [...out].map(([d, b]) => [d, { debit: formatFixed(b.debit, 2), credit: formatFixed(b.credit, 2) }]),
  );
}

describe('CSV', () => {
  it('quotes a field with a comma, a quote or a line break, doubling quotes, and ends rows with CRLF', () => {
    expect(csv(['a', 'b', 'c'], [['Port "A", 1G', 'two\nlines', 'plain']])).toBe(
      'a,b,c\r\n"Port ""A"", 1G","two\nlines",plain\r\n',
    );
    expect(csv(['a'], [['x']], '\n')).toBe('a\nx\n');
    expect(() => csv(['a', 'b'], [['x']])).toThrow(/row 1 has 1 fields, not 2/);
  });

  it("writes a line's description with a comma and a quote so it reads back exactly", () => {
    const january = documents.invoices[0]!;
    const line = { ...january.invoice.lines[0]!, description: 'Install "DIA", Amsterdam' };
    const invoice = { ...january.invoice, lines: [line] };
    const text = linesCsv([{ id: january.id, invoice }], [], documents.offerings);
    expect(text).toContain(',"Install ""DIA"", Amsterdam",');
    const [header, row] = parseCsv(text);
    expect(row![header!.indexOf('description')]).toBe('Install "DIA", Amsterdam');
    expect(row![header!.indexOf('offering')]).toBe('dia');
    expect(row![header!.indexOf('refs')]).toBe('facts.jsonl:1;facts.jsonl:2');
  });

  it('gives the worked example invoices, payments and statement with their decimal strings as they are', () => {
    expect(parseCsv(invoicesCsv(documents.invoices))).toEqual([
      [
        'invoice',
        'period',
        'issueDate',
        'dueDate',
        'currency',
        'subtotal',
        'taxCategory',
        'taxRatePercent',
        'tax',
        'total',
      ],
      [JANUARY, '2026-01', '2026-02-01', '2026-03-03', 'EUR', '1092.25', 'S', '20', '218.45', '1310.70'],
      [
        'msa-acme-globex-2026-2026-02',
        '2026-02',
        '2026-03-01',
        '2026-03-31',
        'EUR',
        '1701.00',
        'S',
        '20',
        '340.20',
        '2041.20',
      ],
      [
        'msa-acme-globex-2026-2026-03',
        '2026-03',
        '2026-04-01',
        '2026-05-01',
        'EUR',
        '71161.29',
        'S',
        '20',
        '14232.26',
        '85393.55',
      ],
    ]);
    expect(parseCsv(paymentsCsv(documents.payments, 'UTC')).at(-1)).toEqual([
      'P3',
      '2026-05-15T00:00:00Z',
      '2026-05-15',
      '50000.00',
      '2026-03=40000.00;2026-02=1041.20;2026-03=8958.80',
      '0.00',
      'payments.jsonl:3',
    ]);
    expect(parseCsv(statementCsv(statement)).slice(1)).toEqual([
      [
        'invoice',
        '2026-01',
        '2026-02-01',
        '2026-03-03',
        'EUR',
        '1310.70',
        '1310.70',
        '0.00',
        '0.00',
        '0.00',
        '134',
        'settled',
      ],
      [
        'invoice',
        '2026-02',
        '2026-03-01',
        '2026-03-31',
        'EUR',
        '2041.20',
        '2041.20',
        '0.00',
        '0.00',
        '12.46',
        '106',
        'settled',
      ],
      [
        'invoice',
        '2026-03',
        '2026-04-01',
        '2026-05-01',
        'EUR',
        '85393.55',
        '48958.80',
        '36434.75',
        '0.00',
        '749.16',
        '75',
        'paymentDue',
      ],
    ]);
  });
});

describe('journal', () => {
  it("books the worked example's January invoice for the Seller: Dr 1300 / Cr 8010 / Cr 1520", () => {
    const lines = journal('seller', MAPPING, documents).filter((l) => l.document === JANUARY);
    expect(brief(lines)).toEqual([
      ['2026-02-01', JANUARY, '1300', '1310.70', '0.00'],
      ['2026-02-01', JANUARY, '8010', '0.00', '1092.25'],
      ['2026-02-01', JANUARY, '1520', '0.00', '218.45'],
    ]);
    expect(lines.map((l) => l.description)).toEqual([
      'Invoice 2026-01: receivable',
      'Invoice 2026-01: revenue dia',
      'Invoice 2026-01: VAT output 20%',
    ]);
  });

  it('books it mirrored for the Buyer: Dr 7010 / Dr 1510 / Cr 1600', () => {
    const lines = journal('buyer', MAPPING, documents).filter((l) => l.document === JANUARY);
    expect(brief(lines)).toEqual([
      ['2026-02-01', JANUARY, '7010', '1092.25', '0.00'],
      ['2026-02-01', JANUARY, '1510', '218.45', '0.00'],
      ['2026-02-01', JANUARY, '1600', '0.00', '1310.70'],
    ]);
  });

  it('books payments on their day: Seller Dr bank / Cr receivable, Buyer Dr payable / Cr bank', () => {
    const p1 = (side: ErpSide) => brief(journal(side, MAPPING, documents).filter((l) => l.document === 'P1'));
    expect(p1('seller')).toEqual([
      ['2026-02-20', 'P1', '1100', '1310.70', '0.00'],
      ['2026-02-20', 'P1', '1300', '0.00', '1310.70'],
    ]);
    expect(p1('buyer')).toEqual([
      ['2026-02-20', 'P1', '1600', '1310.70', '0.00'],
      ['2026-02-20', 'P1', '1100', '0.00', '1310.70'],
    ]);
  });

  it('lists documents in date order and writes the journal as CSV', () => {
    const lines = journal('seller', DEFAULT_ERP_MAPPING, documents);
    const dates = lines.map((l) => l.date);
    expect(dates).toEqual([...dates].sort());
    expect(new Set(lines.map((l) => l.document)).size).toBe(6);
    const rows = parseCsv(journalCsv(lines));
    expect(rows[0]).toEqual(['date', 'document', 'account', 'debit', 'credit', 'description']);
    expect(rows[2]).toEqual([
      '2026-02-01',
      JANUARY,
      '8000',
      '0.00',
      '1092.25',
      'Invoice 2026-01: revenue dia',
    ]);
  });

  it('books a credit note as the reverse of an invoice', () => {
    // February billed before the outage was known; rated again with it: an SLA credit of 189.00 + VAT.
    const billed = rate(
      terms,
      facts.filter((f) => f.fact.type !== 'outage'),
      '2026-02',
    );
    const note = adjustment([billed], rate(terms, facts, '2026-02'))!;
    expect(note.type).toBe('credit');
    const withNote: ErpDocuments = {
      ...documents,
      invoices: [],
      payments: [],
      notes: [{ id: 'CN-1', invoice: 'msa-acme-globex-2026-2026-02', issueDate: '2026-04-02', note }],
    };
    expect(brief(journal('seller', MAPPING, withNote))).toEqual([
      ['2026-04-02', 'CN-1', '1300', '0.00', '226.80'],
      ['2026-04-02', 'CN-1', '8010', '189.00', '0.00'],
      ['2026-04-02', 'CN-1', '1520', '37.80', '0.00'],
    ]);
    expect(brief(journal('buyer', MAPPING, withNote))).toEqual([
      ['2026-04-02', 'CN-1', '7010', '0.00', '189.00'],
      ['2026-04-02', 'CN-1', '1510', '0.00', '37.80'],
      ['2026-04-02', 'CN-1', '1600', '226.80', '0.00'],
    ]);
  });

  it('reverse charge (AE): the Buyer self-assesses at its own rate; without one, no VAT lines', () => {
    const ae = parseTerms({ ...termsJson, tax: { category: 'AE', ratePercent: '0' } });
    const aeDocs = offlineErp(ae, facts, '2026-02-15').documents;
    const withRate = parseErpMapping({ ...MAPPING, reverseChargeRatePercent: '21' });
    expect(brief(journal('buyer', withRate, aeDocs))).toEqual([
      ['2026-02-01', JANUARY, '7010', '1092.25', '0.00'],
      ['2026-02-01', JANUARY, '1510', '229.37', '0.00'],
      ['2026-02-01', JANUARY, '1520', '0.00', '229.37'],
      ['2026-02-01', JANUARY, '1600', '0.00', '1092.25'],
    ]);
    expect(brief(journal('buyer', MAPPING, aeDocs)).map((l) => l[2])).toEqual(['7010', '1600']);
    // The Seller charges no VAT on a reverse-charge supply, whatever the mapping says.
    expect(brief(journal('seller', withRate, aeDocs)).map((l) => l[2])).toEqual(['1300', '8010']);
  });

  it('refuses a document whose figures do not add up rather than book a plug', () => {
    const january = documents.invoices[0]!;
    const broken = { ...january.invoice, total: '1310.71' };
    expect(() =>
      journal('seller', MAPPING, { ...documents, invoices: [{ id: january.id, invoice: broken }] }),
    ).toThrow(/Invoice 2026-01: subtotal \+ tax is not the total/);
  });
});

describe('mapping', () => {
  it('names every broken field and rule', () => {
    let error: unknown;
    try {
      parseErpMapping({
        receivable: 1300,
        bank: '1100',
        vatOutput: ' 1520',
        vatInput: '1510',
        revenue: { dia: '8010' },
        cost: { default: '' },
        reverseChargeRatePercent: '120',
        recievable: '1300',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('ERP_MAPPING_INVALID');
    const issues = (error as ValidationError).issues.map((i) => `${i.path}: ${i.rule}`);
    expect(issues).toEqual([
      expect.stringMatching(/^recievable: unknown field; expected one of "receivable"/),
      'receivable: expected an account code (a non-empty string without surrounding blanks)',
      'payable: expected an account code (a non-empty string without surrounding blanks)',
      'vatOutput: expected an account code (a non-empty string without surrounding blanks)',
      'revenue.default: required: the account for any other offering',
      'cost.default: expected an account code (a non-empty string without surrounding blanks)',
      'reverseChargeRatePercent: expected a percentage from 0 to 100',
    ]);
    expect(() => parseErpMapping([])).toThrow(/expected an object/);
  });

  it('accepts the default mapping and books every offering to its default accounts', () => {
    expect(parseErpMapping(structuredClone(DEFAULT_ERP_MAPPING))).toEqual(DEFAULT_ERP_MAPPING);
  });
});

describe('journal balances (property)', () => {
  const code = fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s.trim() === s && s.trim() !== '');
  const mapping = fc
    .record({
      receivable: code,
      payable: code,
      bank: code,
      vatOutput: code,
      vatInput: code,
      revenue: fc.record({ default: code, dia: code }, { requiredKeys: ['default'] }),
      cost: fc.record({ default: code, dia: code }, { requiredKeys: ['default'] }),
      reverseChargeRatePercent: fc
        .integer({ min: 0, max: 2500 })
        .map((n) => formatFixed(rational(BigInt(n), 100n), 2)),
    })
    .map((m) => parseErpMapping(m));
  const side = fc.constantFrom<ErpSide>('seller', 'buyer');
  const category = fc.constantFrom('S', 'AE');

  /** Every document's debits equal its credits; the receivable (payable) line carries the total. */
  function holds(lines: readonly JournalLine[]): void {
    for (const [document, b] of balances(lines)) expect(b.debit, document).toBe(b.credit);
    // One side of each line holds the amount; zero postings are left out.
    for (const line of lines) expect([line.debit, line.credit].filter((a) => a !== '0.00')).toHaveLength(1);
  }

  it("holds for the worked example's months, any mapping, either side, with and without reverse charge", () => {
    fc.assert(
      fc.property(mapping, side, category, (m, s, c) => {
        const t = parseTerms({ ...termsJson, tax: { category: c, ratePercent: c === 'S' ? '20' : '0' } });
        holds(journal(s, m, offlineErp(t, [...facts, ...payments], '2026-07-15').documents));
      }),
      { numRuns: 40 },
    );
  });

  it('holds for random invoices: signed lines over several services and offerings, any VAT rate', () => {
    const january = documents.invoices[0]!.invoice;
    const invoice = fc
      .record({
        amounts: fc.array(
          fc.record({
            service: fc.constantFrom('S1', 'S2', 'S3'),
            cents: fc.bigInt(-(10n ** 9n), 10n ** 9n),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        rate: fc.integer({ min: 0, max: 2500 }).map((n) => formatFixed(rational(BigInt(n), 100n), 2)),
      })
      .map(({ amounts, rate: r }): Invoice => {
        const lines = amounts.map((a) => ({
          ...january.lines[0]!,
          service: a.service,
          amount: formatFixed(rational(a.cents, 100n), 2),
        }));
        const subtotal = sum(lines.map((l) => parseDecimal(l.amount)));
        const tax = round(div(mul(subtotal, parseDecimal(r)), HUNDRED), 2, 'half-up');
        const money = (v: ReturnType<typeof sum>) => formatFixed(v, 2);
        return {
          ...january,
          lines,
          subtotal: money(subtotal),
          taxes: [{ category: 'S', ratePercent: r, taxable: money(subtotal), amount: money(tax) }],
          tax: money(tax),
          total: money(add(subtotal, tax)),
        };
      });
    const offerings = new Map([
      ['S1', 'dia'],
      ['S2', 'ipt'],
    ]);
    fc.assert(
      fc.property(fc.array(invoice, { maxLength: 4 }), mapping, side, (invoices, m, s) => {
        const docs: ErpDocuments = {
          ...documents,
          offerings,
          payments: [],
          invoices: invoices.map((invoice, i) => ({ id: `INV-${i}`, invoice })),
        };
        holds(journal(s, m, docs));
      }),
      { numRuns: 200 },
    );
  });
});
