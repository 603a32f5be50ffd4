import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
