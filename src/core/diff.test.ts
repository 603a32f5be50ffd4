import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffInvoices } from './diff.ts';
import { loadExample } from './fixtures/example.ts';
import type { Invoice } from './invoice.ts';
import { rate } from './rate.ts';

const example = loadExample((name) =>
  readFileSync(new URL(`./fixtures/dia-acme-globex/${name}`, import.meta.url), 'utf8'),
);

const feb = rate(example.terms, example.facts, '2026-02');
/** A mutable deep copy, to play the counterparty's edited invoice. */
const editable = (invoice: Invoice) => JSON.parse(JSON.stringify(invoice));

describe('diffInvoices', () => {
  it('finds nothing between equal invoices', () => {
    expect(diffInvoices(feb, structuredClone(feb) as Invoice)).toEqual([]);
  });

  it('names a differing line and the totals', () => {
    const theirs = editable(feb);
    theirs.lines[4].amount = '-94.50';
    theirs.subtotal = '1795.50';
    theirs.tax = '359.10';
    theirs.taxes[0].taxable = '1795.50';
    theirs.taxes[0].amount = '359.10';
    theirs.total = '2154.60';
    expect(diffInvoices(feb, theirs)).toEqual([
      {
        field: 'amount',
        expectedLine: 4,
        actualLine: 4,
        key: 'sla-credit S1',
        expected: '-189.00',
        actual: '-94.50',
      },
      { field: 'taxes[S].taxable', expected: '1701.00', actual: '1795.50' },
      { field: 'taxes[S].amount', expected: '340.20', actual: '359.10' },
      { field: 'subtotal', expected: '1701.00', actual: '1795.50' },
      { field: 'tax', expected: '340.20', actual: '359.10' },
      { field: 'total', expected: '2041.20', actual: '2154.60' },
    ]);
  });

  it('matches lines by plan and coverage, not position, and reports missing and extra lines', () => {
    const theirs = editable(feb);
    const [r1, d1, r2, d2] = theirs.lines;
    theirs.lines = [
      r2,
      d2,
      r1,
      d1,
      { kind: 'on-demand', service: 'S1', description: 'x', amount: '9.00', refs: [] },
    ];
    const diffs = diffInvoices(feb, theirs);
    expect(diffs.filter((d) => d.field === 'line')).toEqual([
      { field: 'line', expectedLine: 4, key: 'sla-credit S1', expected: '-189.00', actual: null },
      { field: 'line', actualLine: 4, key: 'on-demand S1', expected: null, actual: '9.00' },
    ]);
    expect(diffs.some((d) => d.field === 'amount')).toBe(false);
  });

  it('compares with an invoice that has fewer fields (the example files) by kind, service and order', () => {
    const partial = example.expected('2026-02') as unknown as Invoice;
    expect(diffInvoices(feb, partial)).toEqual([]);
    const wrongPeriod = example.expected('2026-03') as unknown as Invoice;
    expect(diffInvoices(feb, wrongPeriod).map((d) => d.field)).toContain('period.start');
  });

  it('reports a total missing from the received invoice', () => {
    const theirs = editable(feb);
    delete theirs.total;
    delete theirs.dueDate;
    expect(diffInvoices(feb, theirs)).toEqual([{ field: 'total', expected: '2041.20', actual: null }]);
  });

  it('compares amounts as numbers', () => {
    const theirs = editable(feb);
    theirs.total = '2041.2';
    expect(diffInvoices(feb, theirs)).toEqual([]);
  });
});
