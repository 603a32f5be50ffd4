import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { difference, increases, raiseWithin } from './capacity-book.ts';
import { Timeline } from './timeline.ts';

/** The use at `t` of `demands`, summed one by one. */
function useAt(demands: readonly { from: number; to: number | null; amount: bigint }[], t: number): bigint {
  let use = 0n;
  for (const d of demands) if (d.from <= t && (d.to === null || t < d.to)) use += d.amount;
  return use;
}

const demand = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.option(fc.integer({ min: 1, max: 40 })), fc.bigInt(-50n, 100n))
  .map(([from, length, amount]) => ({ from, to: length === null ? null : from + length, amount }));

describe('Timeline', () => {
  it('answers the use at an instant and the peak over a window as a sum of every demand would', () => {
    fc.assert(
      fc.property(
        fc.array(demand, { maxLength: 60 }),
        fc.integer({ min: 0, max: 150 }),
        fc.option(fc.integer({ min: 1, max: 60 })),
        (demands, from, length) => {
          const timeline = new Timeline();
          for (const d of demands) timeline.add(d.from, d.to, d.amount);
          const to = length === null ? null : from + length;
          // Use only changes at breakpoints: the peak is the largest use at `from` or at a breakpoint inside.
          const instants = [from, ...demands.flatMap((d) => [d.from, d.to ?? d.from])].filter(
            (t) => t >= from && (to === null || t < to),
          );
          const expected = instants.reduce(
            (max, t) => {
              const use = useAt(demands, t);
              // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take
              return use > max ? use : max;
            },
            useAt(demands, from),
          );
          expect(timeline.peak(from, to)).toBe(expected);
          for (let t = 0; t <= 150; t += 7) expect(timeline.at(t)).toBe(useAt(demands, t));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes a demand away exactly, leaving no breakpoint behind', () => {
    const timeline = new Timeline();
    timeline.add(10, 20, 5n);
    timeline.add(15, null, 3n);
    expect(timeline.peak(0, null)).toBe(8n);
    timeline.add(10, 20, -5n);
    timeline.add(15, null, -3n);
    expect(timeline.size).toBe(0);
    expect(timeline.peak(0, null)).toBe(0n);
  });
});

const windows = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 10 }), fc.bigInt(1n, 9n)), {
    maxLength: 6,
  })
  .map((list) => {
    // Non-overlapping, in time order, as a service's demand is.
    const out: { from: number; to: number | null; amount: bigint }[] = [];
    let at = 0;
    for (const [gap, length, amount] of list) {
      out.push({ from: at + gap, to: at + gap + length, amount });
      at += gap + length;
    }
    if (out.length > 0 && list.length % 2 === 1) out[out.length - 1] = { ...out.at(-1)!, to: null };
    return out;
  });

describe('difference', () => {
  it('is what adding the change to the before demand makes of it, window by window', () => {
    fc.assert(
      fc.property(windows, windows, (after, before) => {
        const timeline = new Timeline();
        for (const d of before) timeline.add(d.from, d.to, d.amount);
        for (const c of difference(after, before)) timeline.add(c.from, c.to, c.delta);
        for (let t = 0; t < 200; t++) expect(timeline.at(t)).toBe(useAt(after, t));
        const up = increases(after, before);
        for (let t = 0; t < 200; t++) {
          const inside = up.some((w) => w.from <= t && (w.to === null || t < w.to));
          expect(inside).toBe(useAt(after, t) > useAt(before, t));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('raiseWithin', () => {
  it('raises a demand to a level inside a window wherever it draws, and its changes move a timeline the same way', () => {
    fc.assert(
      fc.property(
        windows,
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.bigInt(1n, 12n),
        (before, from, length, level) => {
          const to = from + length;
          const { demand, changes } = raiseWithin(before, from, to, level);
          const timeline = new Timeline();
          for (const d of before) timeline.add(d.from, d.to, d.amount);
          for (const c of changes) timeline.add(c.from, c.to, c.delta);
          for (let t = 0; t < 200; t++) {
            const old = useAt(before, t);
            const expected = t >= from && t < to && old > 0n && old < level ? level : old;
            expect(useAt(demand, t)).toBe(expected);
            expect(timeline.at(t)).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
