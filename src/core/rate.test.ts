import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadExample } from './fixtures/example.ts';
import { rate } from './rate.ts';

const example = loadExample((name) =>
  readFileSync(new URL(`./fixtures/dia-acme-globex/${name}`, import.meta.url), 'utf8'),
);

describe('rate: the worked example of TERMS.md §4', () => {
  it.each(['2026-01', '2026-02', '2026-03'])('%s matches the expected invoice', (period) => {
    const invoice = rate(example.terms, example.facts, period);
    const expected = example.expected(period);
    expect(invoice.period.start).toBe(expected.period.start);
    expect(invoice.period.end).toBe(expected.period.end);
    expect(invoice.currency).toBe(expected.currency);
    expect(invoice.lines.map(({ kind, service, amount }) => ({ kind, service, amount }))).toEqual(
      expected.lines,
    );
    expect(invoice.subtotal).toBe(expected.subtotal);
    expect(invoice.taxes).toEqual(expected.taxes);
    expect(invoice.tax).toBe(expected.tax);
    expect(invoice.total).toBe(expected.total);
  });

  it('fills the header: ids, period id, issue and due dates', () => {
    const invoice = rate(example.terms, example.facts, '2026-02');
    expect(invoice).toMatchObject({
      schema: 'smart-bilateral/invoice@1',
      terms: 'msa-acme-globex-2026',
      seller: 'acme-fiber',
      buyer: 'globex',
      period: { id: '2026-02' },
      issueDate: '2026-03-01',
      dueDate: '2026-03-31',
    });
    expect(Object.isFrozen(invoice.lines[0])).toBe(true);
  });

  it('cites the facts each line was computed from', () => {
    const [jan, feb, mar] = ['2026-01', '2026-02', '2026-03'].map((p) =>
      rate(example.terms, example.facts, p),
    );
    expect(jan!.lines.map((l) => l.refs)).toEqual([
      ['facts.jsonl:1', 'facts.jsonl:2'],
      ['facts.jsonl:1', 'facts.jsonl:2'],
      ['facts.jsonl:1', 'facts.jsonl:2'],
    ]);
    expect(feb!.lines[0]!.refs).toEqual(['facts.jsonl:1', 'facts.jsonl:2', 'facts.jsonl:4']);
    expect(feb!.lines[2]!.refs).toContain('facts.jsonl:4');
    expect(feb!.lines[4]).toMatchObject({ kind: 'sla-credit', refs: ['facts.jsonl:3'] });
    expect(mar!.lines[2]).toMatchObject({
      kind: 'early-termination',
      quantity: '35',
      refs: expect.arrayContaining(['facts.jsonl:5']),
    });
    expect(feb!.lines[0]!.periodCoverage).toEqual({
      start: '2026-02-01T00:00:00Z',
      end: '2026-02-20T00:00:00Z',
    });
  });

  it('bills nothing before activation or after the last period', () => {
    expect(rate(example.terms, example.facts, '2025-12').lines).toEqual([]);
    const april = rate(example.terms, example.facts, '2026-04');
    expect(april.lines).toEqual([]);
    expect(april.total).toBe('0.00');
    expect(april.taxes).toEqual([{ category: 'S', ratePercent: '20', taxable: '0.00', amount: '0.00' }]);
  });

  it('rejects a malformed period', () => {
    expect(() => rate(example.terms, example.facts, '2026-2')).toThrow(/PERIOD|YYYY-MM/);
  });
});
