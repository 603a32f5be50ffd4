import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFixed, parseDecimal } from '../decimal.ts';
import { parseFact } from '../facts.ts';
import type { Invoice } from '../invoice.ts';
import { rate } from '../rate.ts';
import { add } from '../rational.ts';
import { statement } from '../statement.ts';
import { parseTerms } from '../terms.ts';
import { invoiceUbl } from '../ubl.ts';
import { type LegacyInvoice, parallelRun, readLegacyCsv, readLegacyStatus, readLegacyUbl } from './index.ts';
import { parseXml } from './xml.ts';

const example = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'dia-acme-globex');
const terms = parseTerms(JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8')));
const facts = readFileSync(join(example, 'facts.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l, i) => ({ ref: `facts.jsonl:${i + 1}`, fact: parseFact(JSON.parse(l), terms) }));
const periods = ['2026-01', '2026-02', '2026-03'];
const invoices = new Map(periods.map((p) => [p, rate(terms, facts, p)]));
const bilateral = { terms, facts, periods, invoices, statement: statement(terms, facts, '2026-05-31') };

/** The Smart Bilateral's own invoice as a legacy system would send it. */
function asLegacy(invoice: Invoice): LegacyInvoice {
  return {
    id: `L-${invoice.period.id}`,
    contract: invoice.terms,
    period: invoice.period.id,
    issueDate: invoice.issueDate,
    currency: invoice.currency,
    source: 'test',
    lines: invoice.lines.map((l, i) => ({
      service: l.service,
      kind: l.kind,
      ...((l.plan ?? l.metric) ? { detail: (l.plan ?? l.metric)! } : {}),
      description: l.description,
      amount: l.amount,
      source: `test:${i}`,
    })),
  };
}

describe('parallelRun', () => {
  it('a legacy system that bills as the contract does agrees on every invoice and line', () => {
    const report = parallelRun([bilateral], [...invoices.values()].map(asLegacy), new Map(), '2026-05-31');
    expect(report.differences).toEqual([]);
    expect(report.kpis.invoices).toEqual({ compared: 3, agreeing: 3, share: '1.0000' });
    expect(report.kpis.lines.share).toBe('1.0000');
    expect(report.kpis.disputesWouldBeRaised).toBe(0);
  });

  it('any one line off by more than two cents is one difference of exactly that amount', () => {
    const lines = [...invoices.values()].flatMap((inv) =>
      inv.lines.map((_, i) => ({ period: inv.period.id, i })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...lines),
        fc.bigInt({ min: 3n, max: 10_000_000n }),
        fc.boolean(),
        (at, cents, up) => {
          const delta = `${up ? '' : '-'}${formatFixed({ num: cents, den: 100n }, 2)}`;
          const legacy = [...invoices.values()].map(asLegacy).map((inv) =>
            inv.period !== at.period
              ? inv
              : {
                  ...inv,
                  lines: inv.lines.map((l, i) =>
                    i === at.i
                      ? { ...l, amount: formatFixed(add(parseDecimal(l.amount), parseDecimal(delta)), 2) }
                      : l,
                  ),
                },
          );
          const report = parallelRun([bilateral], legacy, new Map(), '2026-05-31');
          expect(report.differences).toHaveLength(1);
          expect(report.differences[0]!.difference).toBe(delta);
          expect(report.differences[0]!.cause).not.toBe('rounding');
          expect(report.kpis.invoices.agreeing).toBe(2);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads back its own UBL export line for line', () => {
    const xml = invoiceUbl(terms, invoices.get('2026-02')!, { id: 'X-1' }).xml;
    const read = readLegacyUbl(xml, 'x.xml');
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value).toMatchObject({ id: 'X-1', contract: terms.id, period: '2026-02', currency: 'EUR' });
    const report = parallelRun([bilateral], [read.value], new Map(), '2026-05-31');
    expect(report.invoices.find((i) => i.period === '2026-02')!.agrees).toBe(true);
  });

  it('refuses a legacy invoice for a contract not in the run, or twice for a period', () => {
    const feb = asLegacy(invoices.get('2026-02')!);
    expect(() => parallelRun([bilateral], [{ ...feb, contract: 'other' }], new Map(), '2026-05-31')).toThrow(
      /not one of the run's bilaterals/,
    );
    expect(() => parallelRun([bilateral], [feb, { ...feb, id: 'again' }], new Map(), '2026-05-31')).toThrow(
      /a second legacy invoice/,
    );
  });
});

describe('legacy CSV', () => {
  const header = 'invoice,contract,period,issue_date,service,kind,amount,currency,description\n';

  it('reads quoted fields with commas, quotes and line breaks, naming each record by its first line', () => {
    const text = `${header}A,c,2026-01,2026-02-01,S1,recurring,1.00,EUR,"one, ""two""\nthree"\nA,c,2026-01,2026-02-01,S2,nrc,2.00,EUR,x\n`;
    const read = readLegacyCsv(text, 'l.csv');
    expect(read.ok && read.value[0]!.lines.map((l) => [l.description, l.source])).toEqual([
      ['one, "two"\nthree', 'l.csv:2'],
      ['x', 'l.csv:4'],
    ]);
  });

  it('names file, line, field and rule for every problem', () => {
    const text = `${header}A,c,2026-1,2026-02-30,S1,recurring,1.0O,EU,d\nA,d,2026-01,2026-02-01,S1,,1.00,EUR,d\n`;
    const read = readLegacyCsv(text, 'l.csv');
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems).toEqual(
      expect.arrayContaining([
        "l.csv:2: period: expected YYYY-MM, got '2026-1'",
        "l.csv:2: issue_date: expected YYYY-MM-DD, got '2026-02-30'",
        "l.csv:2: amount: expected a decimal string, got '1.0O'",
        "l.csv:2: currency: expected an ISO 4217 code, got 'EU'",
        'l.csv:3: kind: expected a value',
      ]),
    );
    expect(read.problems.some((p) => p.startsWith('l.csv:3: contract: invoice A says'))).toBe(true);
  });

  it('refuses an unknown or missing column, an unclosed quote and an overlong field', () => {
    const unknown = readLegacyCsv('invoice,contract,nope\n', 'l.csv');
    expect(!unknown.ok && unknown.problems).toEqual(
      expect.arrayContaining([
        'l.csv:1: period: expected this column in the header',
        expect.stringMatching(/^l\.csv:1: nope: expected one of/),
      ]),
    );
    const open = readLegacyCsv(
      `${header}A,c,2026-01,2026-02-01,S1,recurring,1.00,EUR,"never closed\n${'x,'.repeat(200)}`,
      'l.csv',
    );
    expect(!open.ok && open.problems).toEqual(['l.csv:2: a quoted field is never closed']);
    const runaway = readLegacyCsv(`${header}A,"never closed\n${'x,'.repeat(200_000)}`, 'l.csv');
    expect(!runaway.ok && runaway.problems).toEqual([
      'l.csv:2: a quoted field is longer than 4096 characters (is its closing quote missing?)',
    ]);
    const long = readLegacyCsv(`${header}${'y'.repeat(5000)}\n`, 'l.csv');
    expect(!long.ok && long.problems).toEqual(['l.csv:2: a field is longer than 4096 characters']);
  });

  it('status: dates checked, an invoice listed once', () => {
    const read = readLegacyStatus('invoice,agreed_date,paid_date\nA,2026-04-01,\nA,,2026-13-01\n', 's.csv');
    expect(!read.ok && read.problems).toEqual([
      's.csv:3: invoice: A is listed twice',
      "s.csv:3: paid_date: expected YYYY-MM-DD, got '2026-13-01'",
    ]);
  });
});

describe('the XML reader', () => {
  it('keeps local names, text and lines; decodes the predefined entities only', () => {
    const read = parseXml(
      '<?xml version="1.0"?>\n<a:Root x="1>2">\n  <b:Child>A &amp; B &#233;</b:Child><![CDATA[<raw>]]></a:Root>',
    );
    expect(read.ok && read.value).toMatchObject({
      name: 'Root',
      line: 2,
      children: [{ name: 'Child', line: 3, text: 'A & B é' }],
    });
    expect(read.ok && read.value.text.trim()).toBe('<raw>');
  });

  it.each([
    [
      '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
      'a DOCTYPE or other declaration: refused (no entities, no external references)',
    ],
    [
      '<r>&e;</r>',
      'an unknown entity or a bad character reference (only &lt; &gt; &amp; &quot; &apos; and &#…; are read)',
    ],
    ['<r><s></r>', 'end tag </r> does not close <s>'],
    ['<r>', '<r> is never closed'],
    ['<r/><s/>', 'a second root element'],
    [`${'<a>'.repeat(70)}${'</a>'.repeat(70)}`, 'elements nested deeper than 64'],
  ])('refuses %s', (text, rule) => {
    const read = parseXml(text);
    expect(read.ok).toBe(false);
    expect(!read.ok && read.rule).toBe(rule);
  });

  it('never throws and never loops on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('<', '>', '/', 'a', ' ', '&', ';', '!', '?', '-', '"', '\n', '['),
        }),
        (text) => {
          const read = parseXml(text);
          expect(typeof read.ok).toBe('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
