import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXACT_MEMBERS, type Obligation, positions, settle, type Transfer } from './netting.ts';

const apply = (net: ReadonlyMap<string, bigint>, transfers: readonly Transfer[]) => {
  const after = new Map(net);
  for (const t of transfers) {
    after.set(t.from, (after.get(t.from) ?? 0n) + t.amount);
    after.set(t.to, (after.get(t.to) ?? 0n) - t.amount);
  }
  return after;
};

/** The most zero-sum groups, by trying every partition (small k only): an independent reference. */
function mostGroups(values: readonly bigint[]): number {
  if (values.length === 0) return 0;
  const [first, ...rest] = values;
  let best = 0;
  // The group holding `first`: every subset of the rest added to it.
  for (let mask = 0; mask < 1 << rest.length; mask++) {
    let sum = first!;
    const others: bigint[] = [];
    rest.forEach((v, i) => {
      if (mask & (1 << i)) sum += v;
      else others.push(v);
    });
    if (sum === 0n) best = Math.max(best, 1 + mostGroups(others));
  }
  return best;
}

const obligation = fc.record({
  from: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
  to: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
  amount: fc.bigInt({ min: 0n, max: 1_000_000n }),
});

describe('netting', () => {
  it('two providers selling to each other settle with one payment of the net', () => {
    const net = positions([
      { from: 'globex', to: 'acme', amount: 10_000n },
      { from: 'acme', to: 'globex', amount: 7_000n },
    ]);
    expect([...net]).toEqual([
      ['acme', 3_000n],
      ['globex', -3_000n],
    ]);
    expect(settle(net)).toEqual([{ from: 'globex', to: 'acme', amount: 3_000n }]);
  });

  it('five carriers: fewer payments than members where groups settle on their own', () => {
    const obligations: Obligation[] = [
      { from: 'c1', to: 'c2', amount: 500n },
      { from: 'c2', to: 'c3', amount: 300n },
      { from: 'c3', to: 'c1', amount: 300n },
      { from: 'c4', to: 'c5', amount: 900n },
      { from: 'c5', to: 'c4', amount: 100n },
    ];
    const net = positions(obligations);
    // c1 −200, c2 +200, c3 0, c4 −800, c5 +800: two groups, two payments (gross: five).
    expect(settle(net)).toEqual([
      { from: 'c1', to: 'c2', amount: 200n },
      { from: 'c4', to: 'c5', amount: 800n },
    ]);
  });

  it('properties: positions sum to zero; the payments bring every position to zero, as few as possible', () => {
    fc.assert(
      fc.property(fc.array(obligation, { maxLength: 30 }), (list) => {
        const net = positions(list);
        expect([...net.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
        const transfers = settle(net);
        for (const value of apply(net, transfers).values()) expect(value).toBe(0n);
        for (const t of transfers) {
          expect(t.amount > 0n).toBe(true);
          expect((net.get(t.from) ?? 0n) < 0n && (net.get(t.to) ?? 0n) > 0n).toBe(true);
        }
        const nonZero = [...net.values()].filter((v) => v !== 0n);
        expect(transfers.length).toBe(nonZero.length - mostGroups(nonZero));
        // The same obligations in another order: the same payments.
        expect(settle(positions([...list].reverse()))).toEqual(transfers);
      }),
      { numRuns: 300 },
    );
  });

  it(`beyond ${EXACT_MEMBERS} members: at most k − 1 payments, equal and opposite pairs settled alone`, () => {
    const list: Obligation[] = [];
    for (let i = 0; i < 30; i++)
      list.push({ from: `m${i}`, to: `m${(i * 7 + 3) % 30}`, amount: BigInt(1000 + i * 37) });
    list.push({ from: 'x', to: 'y', amount: 5n }, { from: 'p', to: 'q', amount: 123_456n });
    const net = positions(list);
    const transfers = settle(net);
    for (const value of apply(net, transfers).values()) expect(value).toBe(0n);
    const k = [...net.values()].filter((v) => v !== 0n).length;
    expect(transfers.length).toBeLessThanOrEqual(k - 1);
    expect(transfers).toContainEqual({ from: 'x', to: 'y', amount: 5n });
    expect(transfers).toContainEqual({ from: 'p', to: 'q', amount: 123_456n });
  });

  it('refuses a negative obligation and positions that do not sum to zero', () => {
    expect(() => positions([{ from: 'a', to: 'b', amount: -1n }])).toThrow(/negative/);
    expect(() => settle(new Map([['a', 1n]]))).toThrow(/sum to zero/);
  });
});
