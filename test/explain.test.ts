/**
 * Invoice explanations (src/core/explain.ts): every line of the worked
 * example's invoices, and of invoices with usage tiers, on-demand boosts and
 * an early termination, is explained by steps that give its amount again;
 * an amount changed by one cent no longer agrees.
 */
import { describe, expect, it } from 'vitest';
import { explainInvoice, type FactRef, parseFact, parseTerms, rate } from '../src/core/index.ts';
import { exampleFacts, exampleTerms } from './support.ts';

const terms = parseTerms(exampleTerms());
const refs = (facts: readonly unknown[]): FactRef[] =>
  facts.map((f, i) => ({ ref: `facts.jsonl:${i + 1}`, fact: parseFact(f, terms) }));

describe('explainInvoice', () => {
  const facts = refs(exampleFacts());

  for (const period of ['2026-01', '2026-02', '2026-03']) {
    it(`explains every line of the worked example's ${period} invoice, each recomputed to its amount`, () => {
      const invoice = rate(terms, facts, period);
      const explained = explainInvoice(terms, invoice, facts);
      expect(explained).toHaveLength(invoice.lines.length);
      for (const [i, e] of explained.entries()) {
        expect(e.agrees, `${invoice.lines[i]!.description}: ${e.steps.join(' | ')}`).toBe(true);
        expect(e.recomputed).toBe(invoice.lines[i]!.amount);
        expect(e.steps.length).toBeGreaterThan(2);
      }
    });
  }

  it('shows the proration days, the availability and the months left', () => {
    const text = (period: string) =>
      explainInvoice(terms, rate(terms, facts, period), facts)
        .flatMap((e) => e.steps)
        .join('\n');
    expect(text('2026-01')).toMatch(/17 of the period's 31 days/);
    const february = text('2026-02');
    expect(february).toMatch(/outage 2026-02-03T10:00:00Z to 2026-02-03T14:30:00Z/);
    expect(february).toMatch(/down \(overlaps counted once\): 270 min/);
    expect(february).toMatch(/availability .* = 99\.3304% → credit 10%/);
    expect(text('2026-03')).toMatch(/months left/);
  });

  it('explains usage tiers and on-demand boosts', () => {
    const more = refs([
      ...exampleFacts().slice(0, 2),
      {
        type: 'usage',
        service: 'S1',
        metric: 'gb',
        quantity: '1500.5',
        at: '2026-01-20T00:00:00Z',
        id: 'u1',
      },
      {
        type: 'bandwidth.boost',
        service: 'S1',
        plan: '10G',
        from: '2026-01-21T10:00:00Z',
        to: '2026-01-21T13:00:00Z',
      },
    ]);
    const invoice = rate(terms, more, '2026-01');
    const explained = explainInvoice(terms, invoice, more);
    const usage = explained[invoice.lines.findIndex((l) => l.kind === 'usage')]!;
    expect(usage.steps.join('\n')).toMatch(/1000 to ∞: 500\.5 × 0\.05 = 25\.025/);
    const boost = explained[invoice.lines.findIndex((l) => l.kind === 'on-demand')]!;
    expect(boost.steps.join('\n')).toMatch(/3 × 9\.00 = 27/);
    for (const e of explained) expect(e.agrees, e.steps.join(' | ')).toBe(true);
  });

  it('says so when a line does not follow from the steps', () => {
    const invoice = rate(terms, facts, '2026-02');
    const tampered = {
      ...invoice,
      lines: invoice.lines.map((l, i) => (i === 0 ? { ...l, amount: '814.30' } : l)),
    };
    const explained = explainInvoice(terms, tampered, facts);
    expect(explained[0]).toMatchObject({ agrees: false, recomputed: '814.29' });
    expect(explained.slice(1).every((e) => e.agrees)).toBe(true);
  });
});
