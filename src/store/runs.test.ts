import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertRuns } from './runs.ts';

describe('insertRuns', () => {
  it('covers every row once, in order, in runs of 4^k rows no longer than the maximum', () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.integer({ min: 1, max: 1000 }), (count, max) => {
        const runs = [...insertRuns(count, max)];
        let next = 0;
        for (const [start, end] of runs) {
          expect(start).toBe(next);
          const size = end - start;
          expect(size).toBeLessThanOrEqual(max);
          expect(Math.log(size) / Math.log(4)).toBeCloseTo(Math.round(Math.log(size) / Math.log(4)), 9);
          next = end;
        }
        expect(next).toBe(count);
      }),
    );
  });

  it('needs few distinct statement lengths and few statements', () => {
    const lengths = new Set<number>();
    for (let count = 0; count <= 500; count++) {
      const runs = [...insertRuns(count, 500)];
      expect(runs.length).toBeLessThanOrEqual(3 * 5);
      for (const [start, end] of runs) lengths.add(end - start);
    }
    expect([...lengths].sort((a, b) => a - b)).toEqual([1, 4, 16, 64, 256]);
  });
});
