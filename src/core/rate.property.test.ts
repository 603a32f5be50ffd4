/**
 * Properties of rating that must hold for any facts: lines sum to the
 * subtotal and subtotal + tax is the total; the invoice does not depend on
 * the order the facts arrive in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from './decimal.ts';
import type { FactRef } from './facts.ts';
import { parseFact } from './facts.ts';
import { termsJson } from './fixtures/build.ts';
import { formatInstant } from './instant.ts';
import { rate } from './rate.ts';
import { add, compare, sum } from './rational.ts';
import { parseTerms } from './terms.ts';

const YEAR_START = Date.UTC(2026, 0, 1);
const SPAN = 365 * 86_400_000;
const time = (offset: number) => formatInstant(YEAR_START + offset);

const termsArb = fc
  .record({
    proration: fc.constantFrom('day', 'hour', 'second', 'none'),
    rounding: fc.constantFrom('half-up', 'half-even', 'down', 'up'),
    timeZone: fc.constantFrom('UTC', 'Europe/Amsterdam', 'America/New_York'),
    currency: fc.constantFrom('EUR', 'JPY', 'BHD'),
    tax: fc.constantFrom(
      { category: 'S', ratePercent: '20' },
      { category: 'S', ratePercent: '7.5' },
      { category: 'AE', ratePercent: '0' },
    ),
  })
  .map(({ proration, rounding, timeZone, currency, tax }) =>
    parseTerms(
      termsJson(
        {
          currency,
          tax,
          offerings: [
            {
              id: 'dia',
              plans: { A: { mrc: '1000.37' }, B: { mrc: '2999.99' }, C: { mrc: '17.3' } },
              nrc: { install: '500.005' },
              onDemand: { unit: 'hour', minimumUnits: 2, prices: { B: '9.99' } },
              usage: [
                {
                  metric: 'gb',
                  pricing: {
                    model: 'graduated',
                    tiers: [
                      { upTo: '10', price: '0' },
                      { upTo: null, price: '0.333' },
                    ],
                  },
                },
              ],
            },
          ],
          discounts: [{ id: 'd', kind: 'term', minTermMonths: 12, percent: '12.5' }],
          sla: {
            tiers: [
              { below: '99.9', creditPercent: '5' },
              { below: '99', creditPercent: '15' },
            ],
            creditCapPercent: '10',
          },
          termination: { earlyTerminationPercent: '75' },
        },
        { proration, rounding, timeZone },
      ),
    ),
  );

/** One service's facts: a consistent life cycle plus outages, boosts and usage. */
const serviceArb = (service: string) =>
  fc
    .record({
      times: fc.uniqueArray(fc.integer({ min: 0, max: SPAN }), { minLength: 5, maxLength: 5 }),
      termMonths: fc.constantFrom(1, 12, 36),
      plans: fc.array(fc.constantFrom('A', 'B', 'C'), { minLength: 1, maxLength: 3 }),
      terminate: fc.boolean(),
      outages: fc.array(
        fc.tuple(fc.integer({ min: 0, max: SPAN }), fc.integer({ min: 1, max: 86_400_000 }), fc.boolean()),
        {
          maxLength: 4,
        },
      ),
      boosts: fc.array(
        fc.tuple(fc.integer({ min: 0, max: SPAN }), fc.integer({ min: 1, max: 20 * 3_600_000 })),
        { maxLength: 3 },
      ),
      usage: fc.array(fc.tuple(fc.integer({ min: 0, max: SPAN }), fc.integer({ min: 0, max: 100_000 })), {
        maxLength: 4,
      }),
    })
    .map(({ times, termMonths, plans, terminate, outages, boosts, usage }) => {
      const [order, act, mod1, mod2, end] = [...times].sort((a, b) => a - b) as [
        number,
        number,
        number,
        number,
        number,
      ];
      const list: Record<string, unknown>[] = [
        { type: 'service.ordered', service, offering: 'dia', plan: plans[0], termMonths, at: time(order) },
        { type: 'service.activated', service, at: time(act) },
      ];
      if (plans[1] !== undefined)
        list.push({ type: 'service.modified', service, plan: plans[1], at: time(mod1) });
      if (plans[2] !== undefined)
        list.push({ type: 'service.modified', service, plan: plans[2], at: time(mod2) });
      if (terminate) list.push({ type: 'service.terminated', service, at: time(end) });
      for (const [from, length, maintenance] of outages) {
        list.push({ type: 'outage', service, from: time(from), to: time(from + length), maintenance });
      }
      for (const [from, length] of boosts) {
        list.push({ type: 'bandwidth.boost', service, plan: 'B', from: time(from), to: time(from + length) });
      }
      usage.forEach(([at, centi], i) => {
        list.push({
          type: 'usage',
          service,
          metric: 'gb',
          quantity: (centi / 100).toFixed(2),
          at: time(at),
          id: `${service}-u${i}`,
        });
      });
      return list;
    });

const scenarioArb = fc.record({
  terms: termsArb,
  facts: fc
    .tuple(serviceArb('S1'), serviceArb('S2'))
    .map(([a, b]) => [...a, ...b].map((json, i): FactRef => ({ ref: `e${i}`, fact: parseFact(json) }))),
  month: fc.integer({ min: 1, max: 12 }),
});

const periodId = (month: number) => `2026-${String(month).padStart(2, '0')}`;

describe('rating properties', () => {
  it('lines sum to the subtotal and subtotal + tax = total', () => {
    fc.assert(
      fc.property(scenarioArb, ({ terms, facts, month }) => {
        const invoice = rate(terms, facts, periodId(month));
        const lines = sum(invoice.lines.map((l) => parseDecimal(l.amount)));
        expect(compare(lines, parseDecimal(invoice.subtotal))).toBe(0);
        const taxes = sum(invoice.taxes.map((t) => parseDecimal(t.amount)));
        expect(compare(taxes, parseDecimal(invoice.tax))).toBe(0);
        expect(
          compare(
            add(parseDecimal(invoice.subtotal), parseDecimal(invoice.tax)),
            parseDecimal(invoice.total),
          ),
        ).toBe(0);
        const decimals = { EUR: 2, JPY: 0, BHD: 3 }[invoice.currency as 'EUR' | 'JPY' | 'BHD'];
        for (const amount of [...invoice.lines.map((l) => l.amount), invoice.total]) {
          expect(amount.split('.')[1]?.length ?? 0).toBe(decimals);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is independent of the order of the facts', () => {
    fc.assert(
      fc.property(scenarioArb, fc.infiniteStream(fc.nat()), ({ terms, facts, month }, randoms) => {
        const shuffled = [...facts];
        const it = randoms[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (it.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(rate(terms, shuffled, periodId(month))).toEqual(rate(terms, facts, periodId(month)));
      }),
      { numRuns: 150 },
    );
  });
});
