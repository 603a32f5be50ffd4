import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FactRef } from './facts.ts';
import { parseJsonl } from './fixtures/example.ts';
import { rate } from './rate.ts';
import { statement } from './statement.ts';
import { parseTerms } from './terms.ts';

const dir = join(import.meta.dirname, 'fixtures', 'dia-acme-globex');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const terms = parseTerms(JSON.parse(read('terms-with-interest.json')));
const facts = parseJsonl(read('facts.jsonl'), 'facts.jsonl', terms);
const payments = parseJsonl(read('payments.jsonl'), 'payments.jsonl', terms);
const expected = JSON.parse(read('statement-2026-07-15.json')) as Record<string, unknown>;

const payment = (
  id: string,
  amount: string,
  at: string,
  allocations?: { period: string; amount: string }[],
) =>
  ({
    ref: `p:${id}`,
    fact: { type: 'payment', id, amount, at, ...(allocations === undefined ? {} : { allocations }) },
  }) as FactRef;

describe('statement (TERMS.md §6)', () => {
  it('gives the worked example to the cent', () => {
    const got = statement(terms, [...facts, ...payments], '2026-07-15');
    expect(got).toMatchObject(expected);
    expect(got.invoices.map((i) => i.state)).toEqual(['settled', 'settled', 'paymentDue']);
    expect(got.payments.map((p) => p.ref)).toEqual([
      'payments.jsonl:1',
      'payments.jsonl:2',
      'payments.jsonl:3',
    ]);
  });

  it('does not depend on the order facts come in, and ignores payments after the day', () => {
    const shuffled = [...payments].reverse().concat([...facts].reverse());
    expect(statement(terms, shuffled, '2026-07-15')).toEqual(
      statement(terms, [...facts, ...payments], '2026-07-15'),
    );
    const early = statement(terms, [...facts, ...payments], '2026-04-10');
    // P3 (May) does not count; P2 (April 10, 09:00) does: the end of the day is what counts.
    expect(early.payments.map((p) => p.id)).toEqual(['P1', 'P2']);
    expect(early.invoices.map((i) => [i.period, i.open, i.daysPastDue])).toEqual([
      ['2026-01', '0.00', 38],
      ['2026-02', '1041.20', 10],
      ['2026-03', '85393.55', 0],
    ]);
    // 2026-02 due 03-31: days 04-01…04-10 at 2041.20 (P2 came after the start of 04-10): 10 × 2041.20 × 8 % / 365 = 4.47.
    expect(early.invoices[1]!.interest).toBe('4.47');
    expect(early.aging).toEqual({
      current: '85393.55',
      '1-30': '1041.20',
      '31-60': '0.00',
      '61-90': '0.00',
      '90+': '0.00',
    });
  });

  it('lists only invoices issued by the day that have a line', () => {
    expect(statement(terms, facts, '2026-03-31').invoices.map((i) => i.period)).toEqual([
      '2026-01',
      '2026-02',
    ]);
    // April's invoice has no line (the service ended in March): it is never on a statement.
    expect(statement(terms, facts, '2026-12-31').invoices.map((i) => i.period)).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
  });

  it('carries what a payment left to the next invoice, at its issue, before payments at that instant', () => {
    const got = statement(
      terms,
      [
        ...facts,
        payment('A', '2000.00', '2026-01-20T00:00:00Z'),
        payment('B', '100.00', '2026-03-01T00:00:00Z'),
      ],
      '2026-03-01',
    );
    // A: nothing issued on Jan 20 → all credit; January's invoice (Feb 1) takes 1310.70, February's
    // (Mar 1, 00:00) the remaining 689.30 before B at that same instant pays 100.00 more.
    expect(got.payments).toEqual([
      expect.objectContaining({
        id: 'A',
        applied: [
          { period: '2026-01', amount: '1310.70' },
          { period: '2026-02', amount: '689.30' },
        ],
        unapplied: '0.00',
      }),
      expect.objectContaining({
        id: 'B',
        applied: [{ period: '2026-02', amount: '100.00' }],
        unapplied: '0.00',
      }),
    ]);
    expect(got.invoices[1]).toMatchObject({ period: '2026-02', applied: '789.30', open: '1251.90' });
  });

  it('keeps what nothing could take as unapplied credit', () => {
    const got = statement(terms, [...facts, payment('X', '100000.00', '2026-04-02T00:00:00Z')], '2026-04-30');
    expect(got.totals).toMatchObject({ open: '0.00', unapplied: String((100000 * 100 - 8874545) / 100) });
    expect(got.payments[0]!.unapplied).toBe(got.totals.unapplied);
  });

  it('refuses an allocation to an invoice not issued yet, or above its open amount, naming it', () => {
    const early = payment('E', '10.00', '2026-02-15T00:00:00Z', [{ period: '2026-02', amount: '10.00' }]);
    expect(() => statement(terms, [...facts, early], '2026-07-15')).toThrow(
      /p:E: payment E: allocations\[0\]: no invoice for 2026-02 is issued at 2026-02-15T00:00:00Z/,
    );
    const over = payment('O', '5000.00', '2026-03-02T00:00:00Z', [
      { period: '2026-01', amount: '100.00' },
      { period: '2026-02', amount: '2041.21' },
    ]);
    expect(() => statement(terms, [...facts, over], '2026-07-15')).toThrow(
      expect.objectContaining({
        code: 'PAYMENT_INVALID',
        details: { ref: 'p:O', payment: 'O', allocation: 1 },
      }),
    );
    const twice = [
      payment('T', '1.00', '2026-03-02T00:00:00Z'),
      { ...payment('T', '2.00', '2026-03-03T00:00:00Z'), ref: 'q' },
    ];
    expect(() => statement(terms, [...facts, ...twice], '2026-07-15')).toThrow(
      /payment id T was already recorded at p:T/,
    );
  });

  it('applies a credit note at its instant to the invoice it corrects; a debit note is due on its own', () => {
    const notes = [
      { type: 'credit', period: '2026-02', total: '-100.00', issuedAt: '2026-03-15T00:00:00Z' },
      { type: 'debit', period: '2026-03', total: '50.00', issuedAt: '2026-06-10T12:00:00Z' },
    ] as const;
    const got = statement(terms, [...facts, ...payments], '2026-07-15', { notes });
    // February owes 100.00 less from March 15: P3 pays 941.20 of it (not 1041.20), and 100.00 more of March.
    expect(got.payments[2]!.applied).toEqual([
      { period: '2026-03', amount: '40000.00' },
      { period: '2026-02', amount: '941.20' },
      { period: '2026-03', amount: '9058.80' },
    ]);
    expect(
      got.invoices.map((i) => [i.document, i.period, i.issueDate, i.dueDate, i.total, i.open, i.daysPastDue]),
    ).toEqual([
      ['invoice', '2026-01', '2026-02-01', '2026-03-03', '1310.70', '0.00', 134],
      ['invoice', '2026-02', '2026-03-01', '2026-03-31', '2041.20', '0.00', 106],
      ['invoice', '2026-03', '2026-04-01', '2026-05-01', '85393.55', '36334.75', 75],
      ['debit-note', '2026-03', '2026-06-10', '2026-07-10', '50.00', '50.00', 5],
    ]);
    expect(got.totals).toMatchObject({ invoiced: '88795.45', open: '36384.75', unapplied: '0.00' });
    expect(got.aging).toMatchObject({ '1-30': '50.00', '61-90': '36334.75' });
    // A credit above what is open on its invoice leaves the rest as credit.
    const big = statement(terms, facts, '2026-07-15', {
      notes: [{ type: 'credit', period: '2026-01', total: '-2000.00', issuedAt: '2026-02-10T00:00:00Z' }],
    });
    expect(big.invoices[0]).toMatchObject({ applied: '1310.70', open: '0.00' });
    // February (issued 03-01) takes the remaining 689.30 at its issue.
    expect(big.invoices[1]).toMatchObject({ applied: '689.30' });
  });

  it('sets a disputed amount aside from interest and aging while open; resolved for the Seller, as if never disputed', () => {
    const all = [...facts, ...payments];
    const base = statement(terms, all, '2026-07-15');
    const open = { period: '2026-03', amount: '1000.00', raisedAt: '2026-05-10T00:00:00Z' };
    const disputed = statement(terms, all, '2026-07-15', { disputes: [open] });
    const march = disputed.invoices[2]!;
    expect(march).toMatchObject({ open: '36434.75', disputed: '1000.00' });
    expect(disputed.totals.disputed).toBe('1000.00');
    expect(disputed.aging['61-90']).toBe('35434.75');
    // 1000.00 less on each day past due that starts after it was raised (05-11 … 07-15, 66 days): 66 × 1000 × 8 % / 365.
    expect(Number(base.invoices[2]!.interest) - Number(march.interest)).toBeCloseTo(
      (66 * 1000 * 0.08) / 365,
      2,
    );
    const forSeller = statement(terms, all, '2026-07-15', {
      disputes: [{ ...open, resolved: { for: 'seller', at: '2026-06-01T00:00:00Z' } }],
    });
    expect(forSeller.invoices[2]).toMatchObject({ interest: base.invoices[2]!.interest, disputed: '0.00' });
    const forBuyer = statement(terms, all, '2026-07-15', {
      disputes: [{ ...open, resolved: { for: 'buyer', at: '2026-06-01T00:00:00Z' } }],
    });
    // Set aside on the days 05-11 … 06-01 (22), owed again after (the credit note, when it comes, lowers it).
    expect(Number(base.invoices[2]!.interest) - Number(forBuyer.invoices[2]!.interest)).toBeCloseTo(
      (22 * 1000 * 0.08) / 365,
      2,
    );
    expect(forBuyer.invoices[2]!.disputed).toBe('0.00');
  });

  it('refuses a day that is not a date', () => {
    for (const bad of ['2026-02-30', '2026-7-15', '', '2026-07-15T00:00:00Z']) {
      expect(() => statement(terms, facts, bad)).toThrow(
        expect.objectContaining({ code: 'STATEMENT_INVALID' }),
      );
    }
  });

  it('counts days in the billing zone: a payment late on the 10th in UTC is on the 11th in Auckland', () => {
    const late = payment('L', '10.00', '2026-04-10T13:00:00Z');
    const auckland = parseTerms({
      ...JSON.parse(read('terms-with-interest.json')),
      billing: { ...terms.billing, timeZone: 'Pacific/Auckland' },
    });
    const utcIds = statement(terms, [...facts, late], '2026-04-10').payments.map((p) => p.id);
    const nzIds = statement(auckland, [...facts, late], '2026-04-10').payments.map((p) => p.id);
    expect(utcIds).toEqual(['L']);
    expect(nzIds).toEqual([]);
    expect(statement(auckland, [...facts, late], '2026-04-11').payments.map((p) => p.id)).toEqual(['L']);
  });

  it('charges no interest without settlement terms', () => {
    const plain = parseTerms(JSON.parse(read('terms.json')));
    const got = statement(plain, [...facts, ...payments], '2026-07-15');
    expect(got.totals.interest).toBe('0.00');
    expect(got.invoices.map((i) => i.open)).toEqual(['0.00', '0.00', '36434.75']);
  });

  it('properties: applied + unapplied = paid; open = invoiced − applied; aging sums to open; rating ignores payments', () => {
    const invoiced = ['2026-01', '2026-02', '2026-03'].map((p) => rate(terms, facts, p).total);
    expect(invoiced).toEqual(['1310.70', '2041.20', '85393.55']);
    expect(
      ['2026-01', '2026-02', '2026-03'].map((p) => rate(terms, [...facts, ...payments], p).total),
    ).toEqual(invoiced);
    const cents = (text: string) => BigInt(text.replace('.', ''));
    const arbitrary = fc.array(
      fc.record({
        cents: fc.integer({ min: 1, max: 10_000_000 }),
        day: fc.integer({ min: 0, max: 200 }),
        minute: fc.integer({ min: 0, max: 1439 }),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arbitrary, fc.integer({ min: 0, max: 220 }), (list, asOfDay) => {
        const start = Date.UTC(2026, 0, 20);
        const paid = list.map((p, i) =>
          payment(
            `P${i}`,
            (BigInt(p.cents) / 100n).toString() + '.' + String(p.cents % 100).padStart(2, '0'),
            new Date(start + p.day * 86_400_000 + p.minute * 60_000).toISOString().replace('.000Z', 'Z'),
          ),
        );
        const asOf = new Date(start + asOfDay * 86_400_000).toISOString().slice(0, 10);
        const s = statement(terms, [...facts, ...paid], asOf);
        const sum = (xs: string[]) => xs.reduce((a, b) => a + cents(b), 0n);
        const counted = s.payments;
        expect(sum(counted.map((p) => p.amount))).toBe(
          sum(counted.flatMap((p) => p.applied.map((a) => a.amount))) + sum(counted.map((p) => p.unapplied)),
        );
        expect(cents(s.totals.unapplied)).toBe(sum(counted.map((p) => p.unapplied)));
        expect(cents(s.totals.applied)).toBe(sum(counted.flatMap((p) => p.applied.map((a) => a.amount))));
        expect(cents(s.totals.open)).toBe(cents(s.totals.invoiced) - cents(s.totals.applied));
        expect(sum(Object.values(s.aging))).toBe(cents(s.totals.open));
        for (const invoice of s.invoices) {
          expect(cents(invoice.open)).toBeGreaterThanOrEqual(0n);
          expect(cents(invoice.open)).toBe(cents(invoice.total) - cents(invoice.applied));
        }
        // Credit is left only when nothing issued is open.
        if (cents(s.totals.unapplied) > 0n) expect(cents(s.totals.open)).toBe(0n);
      }),
      { numRuns: 200 },
    );
  });
});
