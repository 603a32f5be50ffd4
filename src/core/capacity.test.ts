import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCapacity, parseCapacity, serviceDemand } from './capacity.ts';
import { type FactRef, parseFact } from './facts.ts';
import { parseInstant } from './instant.ts';
import { parseTerms } from './terms.ts';

const raw = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'dia-acme-globex', 'terms.json'), 'utf8'),
);
const capacity = { '100M': '100', '1G': '1000', '10G': '10000' };
const terms = parseTerms({ ...raw, offerings: [{ ...raw.offerings[0], capacity }] });
const t = (text: string) => parseInstant(text)!;
const mbps = (n: number) => BigInt(n) * 1_000_000n;

let n = 0;
const ref = (fact: unknown): FactRef => ({ ref: `f${++n}`, fact: parseFact(fact, terms) });
const order = (plan = '1G', pool: string | null = 'ams-1') =>
  ref({
    type: 'service.ordered',
    service: 'S1',
    offering: 'dia',
    plan,
    termMonths: 12,
    at: '2026-01-05T00:00:00Z',
    ...(pool === null ? {} : { pool }),
  });

describe('capacity amounts', () => {
  it('are exact millionths, parsed and printed back', () => {
    expect(parseCapacity('1000')).toBe(1_000_000_000n);
    expect(parseCapacity('0.000001')).toBe(1n);
    expect(formatCapacity(parseCapacity('1000.5')!)).toBe('1000.5');
    expect(formatCapacity(-2_500_000n)).toBe('-2.5');
    for (const bad of ['0.0000001', '-1', '1e3', 1000, '', 'x']) expect(parseCapacity(bad)).toBeUndefined();
  });

  it('must be given for every plan and on-demand level of an offering that maps capacity', () => {
    const missing = { ...raw, offerings: [{ ...raw.offerings[0], capacity: { '1G': '1000', '10G': 'x' } }] };
    expect(() => parseTerms(missing)).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({ path: 'offerings[0].capacity.100M' }),
          expect.objectContaining({ path: 'offerings[0].capacity.10G' }),
        ]),
      }),
    );
  });
});

describe('serviceDemand', () => {
  it('draws the plan from the order until termination, the new plan after a change', () => {
    const facts = [
      order('1G'),
      ref({ type: 'service.modified', service: 'S1', plan: '10G', at: '2026-02-01T00:00:00Z' }),
      ref({ type: 'service.terminated', service: 'S1', at: '2026-03-01T00:00:00Z' }),
    ];
    expect(serviceDemand(terms, 'S1', facts)).toEqual({
      service: 'S1',
      pool: 'ams-1',
      demand: [
        { from: t('2026-01-05T00:00:00Z'), to: t('2026-02-01T00:00:00Z'), amount: mbps(1000) },
        { from: t('2026-02-01T00:00:00Z'), to: t('2026-03-01T00:00:00Z'), amount: mbps(10000) },
      ],
    });
  });

  it('raises the amount to a boost level only within the boost, and never lowers it', () => {
    const facts = [
      order('1G'),
      ref({
        type: 'bandwidth.boost',
        service: 'S1',
        plan: '10G',
        from: '2026-01-10T10:00:00Z',
        to: '2026-01-10T12:00:00Z',
      }),
      // A boost to a level below the plan draws nothing more.
      ref({
        type: 'bandwidth.boost',
        service: 'S1',
        plan: '1G',
        from: '2026-01-11T10:00:00Z',
        to: '2026-01-11T12:00:00Z',
      }),
    ];
    expect(serviceDemand(terms, 'S1', facts)?.demand).toEqual([
      { from: t('2026-01-05T00:00:00Z'), to: t('2026-01-10T10:00:00Z'), amount: mbps(1000) },
      { from: t('2026-01-10T10:00:00Z'), to: t('2026-01-10T12:00:00Z'), amount: mbps(10000) },
      { from: t('2026-01-10T12:00:00Z'), to: null, amount: mbps(1000) },
    ]);
  });

  it('draws on no pool without one, and uses a correction instead of what it corrects', () => {
    expect(serviceDemand(terms, 'S1', [order('1G', null)])).toBeUndefined();
    const first = order('1G');
    const corrected = ref({
      type: 'service.ordered',
      service: 'S1',
      offering: 'dia',
      plan: '100M',
      termMonths: 12,
      at: '2026-01-05T00:00:00Z',
      pool: 'ams-2',
      corrects: first.ref,
    });
    expect(serviceDemand(terms, 'S1', [first, corrected])).toEqual({
      service: 'S1',
      pool: 'ams-2',
      demand: [{ from: t('2026-01-05T00:00:00Z'), to: null, amount: mbps(100) }],
    });
  });
});

describe('serviceDemand, against its definition', () => {
  it('draws at every instant the larger of the plan in force and any boost level active then', () => {
    const day = (d: number) => `2026-01-${String(d).padStart(2, '0')}T00:00:00Z`;
    const plans = ['100M', '1G', '10G'] as const;
    const capacityOf = { '100M': mbps(100), '1G': mbps(1000), '10G': mbps(10000) };
    fc.assert(
      fc.property(
        fc.constantFrom(...plans),
        fc.array(fc.tuple(fc.integer({ min: 6, max: 28 }), fc.constantFrom(...plans)), { maxLength: 4 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: 28 }),
            fc.integer({ min: 1, max: 5 }),
            fc.constantFrom('1G' as const, '10G' as const),
          ),
          {
            maxLength: 6,
          },
        ),
        fc.option(fc.integer({ min: 6, max: 31 })),
        (plan, modifications, boosts, terminated) => {
          const facts = [
            order(plan), // on day 5
            ...modifications.map(([d, p]) =>
              ref({ type: 'service.modified', service: 'S1', plan: p, at: day(d) }),
            ),
            ...boosts.map(([d, length, p]) =>
              ref({
                type: 'bandwidth.boost',
                service: 'S1',
                plan: p,
                from: day(d),
                to: day(Math.min(31, d + length)),
              }),
            ),
            ...(terminated === null
              ? []
              : [ref({ type: 'service.terminated', service: 'S1', at: day(terminated) })]),
          ];
          const demand = serviceDemand(terms, 'S1', facts)?.demand ?? [];
          for (let d = 1; d <= 31; d++) {
            const at = t(day(d));
            const inLife = d >= 5 && (terminated === null || d < terminated);
            let expected = 0n;
            if (inLife) {
              let base = capacityOf[plan];
              let baseAt = 5;
              for (const [md, mp] of [...modifications].sort((a, b) => a[0] - b[0]))
                if (md <= d && md >= baseAt) {
                  base = capacityOf[mp];
                  baseAt = md;
                }
              expected = base;
              for (const [bd, length, bp] of boosts) {
                if (bd <= d && d < Math.min(31, bd + length) && capacityOf[bp] > expected)
                  expected = capacityOf[bp];
              }
            }
            const got = demand.find((x) => x.from <= at && (x.to === null || at < x.to))?.amount ?? 0n;
            expect(got).toBe(expected);
          }
          // Windows do not overlap and come in time order.
          for (let i = 1; i < demand.length; i++)
            expect(demand[i]!.from).toBeGreaterThanOrEqual(demand[i - 1]!.to!);
        },
      ),
      { numRuns: 300 },
    );
  });
});
