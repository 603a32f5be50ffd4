/**
 * Bandwidth on demand at volume (TERMS.md §3 "On-demand bandwidth"): a
 * month with 10,000 boosts on one service, rated through `rate()`. Each
 * boost is one line on the invoice of the period it starts in, with
 * `units = max(minimumUnits, ceil(duration / hour))` and `amount = units ×
 * price`, rounded once per line. The expected lines and total are computed
 * here independently, with BigInt in hundredths of a cent.
 */
import { describe, expect, it } from 'vitest';
import { type FactRef, parseFact } from './facts.ts';
import { termsJson } from './fixtures/build.ts';
import { formatInstant } from './instant.ts';
import { rate } from './rate.ts';
import { parseTerms } from './terms.ts';

const HOUR = 3_600_000;
const MINIMUM = 2n;
/** Prices in ten-thousandths of a euro: 2.50 and 9.0125 (so half-up rounding per line matters). */
const PRICES = { '1G': 25_000n, '10G': 90_125n } as const;

const terms = parseTerms(
  termsJson(
    {
      offerings: [
        {
          id: 'dia',
          plans: { '1G': { mrc: '1200.00' }, '10G': { mrc: '4000.00' } },
          onDemand: {
            unit: 'hour',
            minimumUnits: Number(MINIMUM),
            prices: { '1G': '2.50', '10G': '9.0125' },
          },
        },
      ],
    },
    // March in Amsterdam runs from 2026-02-28T23:00Z to 2026-03-31T22:00Z (DST starts on the 29th).
    { timeZone: 'Europe/Amsterdam' },
  ),
);
const START = Date.UTC(2026, 1, 28, 23);
const END = Date.UTC(2026, 2, 31, 22);

/** A small deterministic generator (LCG), so the month is the same on every run. */
function generator(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % n;
  };
}

interface Boost {
  readonly plan: '1G' | '10G';
  readonly from: number;
  readonly to: number;
}

/** 10,000 boosts starting in the month, plus boosts starting just before and after it. */
function month(): { inside: Boost[]; outside: Boost[] } {
  const random = generator(20260301);
  const duration = (): number => {
    switch (random(6)) {
      case 0:
        return 1_000 * (1 + random(3599)); // under an hour: the minimum applies
      case 1:
        return HOUR * (1 + random(24)); // exact hours
      case 2:
        return HOUR * random(6) + 1_000 * (1 + random(3599)); // a part hour rounds up
      case 3:
        return HOUR + 1; // one hour and a millisecond: 2 units
      case 4:
        return HOUR * (24 + random(72)) + random(HOUR); // long boosts
      default:
        return 60_000 * (1 + random(240)); // minutes
    }
  };
  const plan = (): Boost['plan'] => (random(3) === 0 ? '10G' : '1G');
  const inside: Boost[] = [];
  // the month's first and last instants, and boosts running into April
  inside.push({ plan: '1G', from: START, to: START + 1 });
  inside.push({ plan: '10G', from: END - 1, to: END + 5 * HOUR });
  inside.push({ plan: '1G', from: END - HOUR / 2, to: END + 49 * HOUR });
  while (inside.length < 10_000) {
    const from = START + random(END - START);
    inside.push({ plan: plan(), from, to: from + duration() });
  }
  const outside: Boost[] = [
    { plan: '1G', from: START - 1, to: START + 10 * HOUR }, // starts in February, ends in March
    { plan: '10G', from: START - 30 * HOUR, to: START + 30 * HOUR },
    { plan: '1G', from: END, to: END + HOUR }, // the first instant of April
    { plan: '10G', from: END + 3 * HOUR, to: END + 4 * HOUR },
  ];
  return { inside, outside };
}

function units(b: Boost): bigint {
  const ms = BigInt(b.to - b.from);
  const hours = (ms + BigInt(HOUR) - 1n) / BigInt(HOUR);
  return hours > MINIMUM ? hours : MINIMUM;
}

/** Half-up rounding of ten-thousandths to cents. */
const cents = (tenThousandths: bigint): bigint => (tenThousandths + 50n) / 100n;
const euros = (c: bigint): string => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;

describe('bandwidth on demand at volume', () => {
  it('rates a month of 10,000 boosts: one line each, minimum and whole hours, only in the start month', () => {
    const { inside, outside } = month();
    const life: FactRef[] = [
      {
        type: 'service.ordered',
        service: 'S1',
        offering: 'dia',
        plan: '1G',
        termMonths: 12,
        at: '2026-01-05T10:00:00Z',
      },
      { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' },
    ].map((json, i) => ({ ref: `life${i}`, fact: parseFact(json) }));
    const boosts: FactRef[] = [...inside, ...outside].map((b, i) => ({
      ref: `boost${String(i).padStart(5, '0')}`,
      fact: parseFact({
        type: 'bandwidth.boost',
        service: 'S1',
        plan: b.plan,
        from: formatInstant(b.from),
        to: formatInstant(b.to),
      }),
    }));

    const invoice = rate(terms, [...life, ...boosts], '2026-03');

    const onDemand = invoice.lines.filter((l) => l.kind === 'on-demand');
    expect(onDemand).toHaveLength(10_000);
    // chronological, and each boost's own units and amount
    const expected = inside
      .map((b, i) => ({ b, ref: `boost${String(i).padStart(5, '0')}` }))
      .sort((x, y) => x.b.from - y.b.from || (x.ref < y.ref ? -1 : 1));
    let total = 0n;
    expected.forEach(({ b, ref }, i) => {
      const line = onDemand[i]!;
      const u = units(b);
      const amount = cents(u * PRICES[b.plan]);
      total += amount;
      expect(line.refs).toEqual([ref]);
      expect(line.quantity).toBe(u.toString());
      expect(line.plan).toBe(b.plan);
      expect(line.amount).toBe(euros(amount));
    });
    const sumOfLines = onDemand.reduce((s, l) => s + BigInt(l.amount.replace('.', '')), 0n);
    expect(sumOfLines).toBe(total);
    // the minimum and the crossing boosts are really there
    expect(onDemand.some((l) => l.quantity === '2' && l.refs[0] === 'boost00000')).toBe(true);
    expect(onDemand.find((l) => l.refs[0] === 'boost00002')?.quantity).toBe('50');
    // the rest of the invoice: a full month of 1G, and the boosts
    expect(invoice.subtotal).toBe(euros(120_000n + total));
  });
});
