/**
 * `DecimalSum` is exact; `UsageTotals` sums per (service, metric); rating
 * from totals gives the very lines rating the same records as facts gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal } from './decimal.ts';
import { sortFacts } from './fact-order.ts';
import { type FactRef, parseFact, type Usage } from './facts.ts';
import { termsJson } from './fixtures/build.ts';
import { formatInstant } from './instant.ts';
import { rate } from './rate.ts';
import { sum } from './rational.ts';
import { parseTerms } from './terms.ts';
import { DecimalSum, UsageTotals } from './usage-totals.ts';

const decimalArb = fc
  .tuple(
    fc.oneof(fc.nat({ max: 99 }), fc.nat(), fc.bigInt({ min: 0n, max: 10n ** 30n })),
    fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }),
  )
  .map(([whole, fraction]) => (fraction === undefined ? String(whole) : `${whole}.${fraction}`));

describe('DecimalSum', () => {
  it('sums exactly, whatever the scales and sizes', () => {
    fc.assert(
      fc.property(fc.array(decimalArb, { maxLength: 40 }), (texts) => {
        const s = new DecimalSum();
        for (const t of texts) s.add(t);
        expect(s.toString()).toBe(formatDecimal(sum(texts.map(parseDecimal))));
      }),
      { numRuns: 300 },
    );
  });

  it('stays exact across the safe-integer boundary', () => {
    const s = new DecimalSum();
    for (let i = 0; i < 1000; i++) s.add('999999999999999');
    s.add('0.001');
    expect(s.toString()).toBe('999999999999999000.001');
  });

  it.each(['', '-1', '+1', '1e3', '.5', '1.', '1.2.3', ' 1', '1,5', '1'.repeat(65)])(
    'rejects %j and adds nothing',
    (text) => {
      const s = new DecimalSum();
      s.add('1');
      expect(() => s.add(text)).toThrow(expect.objectContaining({ code: 'DECIMAL_INVALID' }));
      expect(s.toString()).toBe('1');
    },
  );
});

describe('UsageTotals', () => {
  it('sums per service and metric, counts records and keeps each ref once', () => {
    const t = new UsageTotals();
    t.add('S2', 'gb', '1.5', 'b1');
    t.add('S1', 'gb', '2', 'b1');
    t.add('S1', 'gb', '0.25', 'b1');
    t.add('S1', 'min', '7', 'b2');
    t.add('S1', 'gb', '3', 'b2');
    t.add('S1', 'gb', '1', 'b1');
    t.add('S1', 'gb', '1');
    expect(t.count).toBe(7);
    expect(t.sums()).toEqual([
      { service: 'S1', metric: 'gb', quantity: '7.25', count: 5, refs: ['b1', 'b2'] },
      { service: 'S1', metric: 'min', quantity: '7', count: 1, refs: ['b2'] },
      { service: 'S2', metric: 'gb', quantity: '1.5', count: 1, refs: ['b1'] },
    ]);
    expect(t.get('S1', 'min')?.quantity).toBe('7');
    expect(t.get('S3', 'gb')).toBeUndefined();
    expect([...t]).toEqual(t.sums());
  });
});

const PRICINGS = [
  { model: 'per-unit', price: '0.0125' },
  {
    model: 'graduated',
    tiers: [
      { upTo: '10', price: '0' },
      { upTo: '100.5', price: '0.333' },
      { upTo: null, price: '0.05' },
    ],
  },
  {
    model: 'volume',
    tiers: [
      { upTo: '50', price: '0.1' },
      { upTo: null, price: '0.07' },
    ],
  },
  { model: 'package', size: '25', price: '4.00' },
];

const terms = parseTerms(
  termsJson({
    offerings: [
      {
        id: 'dia',
        plans: { A: { mrc: '1000.00' } },
        usage: PRICINGS.map((pricing, i) => ({ metric: `m${i}`, pricing })),
      },
    ],
  }),
);

const MONTH_START = Date.UTC(2026, 2, 1);
const SPAN = 40 * 86_400_000;

const life = (service: string): Record<string, unknown>[] => [
  {
    type: 'service.ordered',
    service,
    offering: 'dia',
    plan: 'A',
    termMonths: 12,
    at: '2026-01-05T00:00:00Z',
  },
  { type: 'service.activated', service, at: '2026-01-10T00:00:00Z' },
];

const usageArb = fc.array(
  fc.record({
    service: fc.constantFrom('S1', 'S2'),
    metric: fc.constantFrom('m0', 'm1', 'm2', 'm3'),
    quantity: decimalArb,
    offset: fc.integer({ min: -5 * 86_400_000, max: SPAN }),
  }),
  { maxLength: 60 },
);

function split(records: { service: string; metric: string; quantity: string; offset: number }[]) {
  const facts: FactRef[] = [...life('S1'), ...life('S2')].map((json, i) => ({
    ref: `f${i}`,
    fact: parseFact(json),
  }));
  const usage: FactRef[] = records.map((r, i) => ({
    ref: `u${String(i).padStart(3, '0')}`,
    fact: parseFact({
      type: 'usage',
      service: r.service,
      metric: r.metric,
      quantity: r.quantity,
      at: formatInstant(MONTH_START + r.offset),
      id: `id${i}`,
    }),
  }));
  return { facts, usage };
}

/** Usage facts of the period summed into totals, in the facts' own order (time, then ref). */
function totalsOf(usage: readonly FactRef[], period: string, refOf: (f: FactRef) => string) {
  const invoice = rate(terms, [], period);
  const [start, end] = [Date.parse(invoice.period.start), Date.parse(invoice.period.end)];
  const totals = new UsageTotals();
  for (const f of sortFacts(usage)) {
    const u = f.fact as Usage;
    const at = Date.parse(u.at);
    if (at >= start && at < end) totals.add(u.service, u.metric, u.quantity, refOf(f));
  }
  return totals;
}

describe('rate with usage totals', () => {
  it('gives byte-identical invoices to rating the records as usage facts', () => {
    fc.assert(
      fc.property(usageArb, fc.constantFrom('2026-02', '2026-03', '2026-04'), (records, period) => {
        const { facts, usage } = split(records);
        const viaFacts = rate(terms, [...facts, ...usage], period);
        const viaTotals = rate(terms, facts, period, { usage: totalsOf(usage, period, (f) => f.ref) });
        expect(JSON.stringify(viaTotals)).toBe(JSON.stringify(viaFacts));
      }),
      { numRuns: 200 },
    );
  });

  it('cites batch refs once each, with the same amounts and quantities', () => {
    fc.assert(
      fc.property(usageArb, (records) => {
        const { facts, usage } = split(records);
        const viaFacts = rate(terms, [...facts, ...usage], '2026-03');
        const batchOf = (f: FactRef) => `batch-${Number(f.ref.slice(1)) % 3}`;
        const viaTotals = rate(terms, facts, '2026-03', { usage: totalsOf(usage, '2026-03', batchOf) });
        const strip = ({ refs: _refs, ...line }: (typeof viaFacts.lines)[number]) => line;
        expect(viaTotals.lines.map(strip)).toEqual(viaFacts.lines.map(strip));
        expect(viaTotals.total).toBe(viaFacts.total);
        for (const [i, line] of viaTotals.lines.entries()) {
          if (line.kind !== 'usage') continue;
          const expected = new Set(viaFacts.lines[i]!.refs.map((r) => batchOf({ ref: r } as FactRef)));
          expect(new Set(line.refs)).toEqual(expected);
          expect(line.refs.length).toBe(expected.size);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('accepts plain sums and rejects unknown services, metrics, repeats and double sources', () => {
    const { facts, usage } = split([{ service: 'S1', metric: 'm0', quantity: '4', offset: 0 }]);
    const sums = [{ service: 'S1', metric: 'm0', quantity: '4', count: 1, refs: ['x'] }];
    const lines = rate(terms, facts, '2026-03', { usage: sums }).lines;
    expect(lines.filter((l) => l.kind === 'usage')).toEqual([
      expect.objectContaining({
        kind: 'usage',
        amount: '0.05',
        quantity: '4',
        refs: ['x'],
      }),
    ]);
    const code = expect.objectContaining({ code: 'FACTS_INCONSISTENT' });
    expect(() => rate(terms, facts, '2026-03', { usage: [{ ...sums[0]!, service: 'S9' }] })).toThrow(code);
    expect(() => rate(terms, facts, '2026-03', { usage: [{ ...sums[0]!, metric: 'gb' }] })).toThrow(code);
    expect(() => rate(terms, facts, '2026-03', { usage: [...sums, ...sums] })).toThrow(code);
    expect(() => rate(terms, [...facts, ...usage], '2026-03', { usage: sums })).toThrow(code);
    // usage facts of other periods may sit beside the period's totals
    expect(rate(terms, [...facts, ...usage], '2026-04', { usage: [] }).lines).toEqual(
      rate(terms, facts, '2026-04').lines,
    );
  });
});
