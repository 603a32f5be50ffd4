import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import {
  type NettingLeg,
  netPaymentParts,
  nettingRound,
  roundApplications,
  type SettlementStatement,
  settlementApplications,
  settlementStatement,
} from './netting-agreement.ts';

const cents = (text: string) => BigInt(text.replace('.', ''));
const eur = (minor: bigint) => `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;

/** Legs between a and b: random direction, 1–3 increasing periods each with 1..10,000.00. */
const legsArb = (a: string, b: string) =>
  fc
    .array(
      fc.record({
        forward: fc.boolean(),
        amounts: fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((drafts) =>
      drafts.map(
        (d, i): NettingLeg => ({
          bilateral: `bil-${a}-${b}-${i}`,
          seller: d.forward ? a : b,
          buyer: d.forward ? b : a,
          items: d.amounts.map((amount, j) => ({ period: `2026-0${j + 1}`, amount: eur(amount) })),
        }),
      ),
    );

function statementOf(a: string, b: string, legs: readonly NettingLeg[], round: string | null) {
  return settlementStatement({
    parties: [a, b],
    currency: 'EUR',
    period: '2026-03',
    asOf: '2026-04-10',
    round,
    legs,
  });
}

describe('settlement statement between two parties', () => {
  it('nets both directions; set-off and the net payment settle every item exactly, and nothing else', () => {
    fc.assert(
      fc.property(legsArb('globex', 'acme'), (legs) => {
        const s = statementOf('globex', 'acme', legs, null);
        expect(s.parties).toEqual(['acme', 'globex']);
        const owedBy = (p: string) =>
          s.owed.filter((o) => o.from === p).reduce((t, o) => t + cents(o.amount), 0n);
        const gross = (p: string) =>
          legs
            .filter((l) => l.buyer === p)
            .reduce((t, l) => t + l.items.reduce((u, i) => u + cents(i.amount), 0n), 0n);
        expect(owedBy('acme')).toBe(gross('acme'));
        expect(owedBy('globex')).toBe(gross('globex'));
        const difference = gross('acme') - gross('globex');
        if (difference === 0n) expect(s.net).toBeNull();
        else expect(cents(s.net!.amount)).toBe(difference < 0n ? -difference : difference);
        // Every item is settled exactly once: set-off plus its part of the net payment.
        const settled = new Map<string, bigint>();
        const add = (bilateral: string, period: string, amount: string) => {
          const key = `${bilateral}/${period}`;
          settled.set(key, (settled.get(key) ?? 0n) + cents(amount));
        };
        for (const [bilateral, items] of settlementApplications(s))
          for (const i of items) add(bilateral, i.period, i.amount);
        const parts = netPaymentParts(s);
        for (const part of parts) {
          // Recorded where the net payer is the Buyer; its allocations are the part.
          const leg = s.bilaterals.find((l) => l.bilateral === part.bilateral)!;
          expect(leg.buyer).toBe(s.net!.from);
          expect(part.allocations.reduce((t, i) => t + cents(i.amount), 0n)).toBe(cents(part.amount));
          for (const i of part.allocations) add(part.bilateral, i.period, i.amount);
        }
        expect(parts.reduce((t, p) => t + cents(p.amount), 0n)).toBe(
          s.net === null ? 0n : cents(s.net.amount),
        );
        const expected = new Map(
          legs.flatMap((l) => l.items.map((i) => [`${l.bilateral}/${i.period}`, cents(i.amount)] as const)),
        );
        expect(settled).toEqual(expected);
      }),
    );
  });

  it('settles nothing by itself inside a round', () => {
    const s = statementOf(
      'a',
      'b',
      [{ bilateral: 'x', seller: 'a', buyer: 'b', items: [{ period: '2026-01', amount: '5.00' }] }],
      'r1',
    );
    expect(settlementApplications(s).size).toBe(0);
    expect(netPaymentParts(s)).toEqual([]);
  });

  it('names the field and rule of what it refuses', () => {
    const leg = (over: Partial<NettingLeg>): NettingLeg => ({
      bilateral: 'x',
      seller: 'a',
      buyer: 'b',
      items: [{ period: '2026-01', amount: '5.00' }],
      ...over,
    });
    const cases: [NettingLeg[], string][] = [
      [[leg({ items: [{ period: '2026-01', amount: '5.0' }] })], 'bilaterals[0].items[0].amount'],
      [[leg({ items: [{ period: '2026-01', amount: '0.00' }] })], 'bilaterals[0].items[0].amount'],
      [[leg({ items: [{ period: '2026-04', amount: '1.00' }] })], 'bilaterals[0].items[0].period'],
      [
        [
          leg({
            items: [
              { period: '2026-02', amount: '1.00' },
              { period: '2026-01', amount: '1.00' },
            ],
          }),
        ],
        'bilaterals[0].items[1].period',
      ],
      [[leg({ seller: 'c' })], 'bilaterals[0]'],
      [[leg({}), leg({})], 'bilaterals[1].bilateral'],
    ];
    for (const [legs, path] of cases) {
      try {
        statementOf('a', 'b', legs, null);
        expect.unreachable(path);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).code).toBe('NETTING_INVALID');
        expect((error as ValidationError).issues[0]!.path).toBe(path);
      }
    }
    expect(() => statementOf('a', 'a', [], null)).toThrow(/parties/);
  });
});

describe('multilateral netting round', () => {
  const members = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'];
  const roundArb = fc.integer({ min: 2, max: 7 }).chain((n) => {
    const pairs: [string, string][] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([members[i]!, members[j]!]);
    return fc.tuple(
      fc.constant(members.slice(0, n)),
      fc
        .subarray(pairs, { minLength: 1 })
        .chain((chosen) =>
          fc.tuple(...chosen.map(([a, b]) => legsArb(a, b).map((legs) => [a, b, legs] as const))),
        ),
    );
  });

  it('positions sum to zero; its payments, at most one fewer than the members, bring each to zero; every item is cleared once', () => {
    fc.assert(
      fc.property(roundArb, ([group, pairs]) => {
        const statements = pairs.map(([a, b, legs], i) => ({
          hash: `h${i.toString().padStart(3, '0')}`,
          statement: statementOf(a, b, legs, 'round-1'),
        }));
        const round = nettingRound(
          { id: 'round-1', currency: 'EUR', period: '2026-03', asOf: '2026-04-10', members: group },
          statements,
        );
        const position = new Map(round.positions.map((p) => [p.member, cents(p.position)]));
        expect([...position.values()].reduce((t, p) => t + p, 0n)).toBe(0n);
        // Each member's position is what its statements say it is owed minus what it owes.
        for (const m of group) {
          let expected = 0n;
          for (const { statement: s } of statements) {
            for (const o of s.owed) {
              if (o.to === m) expected += cents(o.amount);
              if (o.from === m) expected -= cents(o.amount);
            }
          }
          expect(position.get(m)).toBe(expected);
        }
        for (const p of round.payments) {
          expect(cents(p.amount) > 0n).toBe(true);
          position.set(p.from, position.get(p.from)! + cents(p.amount));
          position.set(p.to, position.get(p.to)! - cents(p.amount));
        }
        expect([...position.values()].every((p) => p === 0n)).toBe(true);
        const nonZero = round.positions.filter((p) => cents(p.position) !== 0n).length;
        expect(round.payments.length).toBeLessThanOrEqual(Math.max(0, nonZero - 1));
        // Cleared: every item of every statement in full; no other bilateral.
        const cleared = roundApplications(statements.map((s) => s.statement));
        const legs = pairs.flatMap(([, , l]) => l);
        expect([...cleared.keys()].sort()).toEqual(legs.map((l) => l.bilateral).sort());
        for (const leg of legs) expect(cleared.get(leg.bilateral)).toEqual(leg.items);
      }),
    );
  });

  it('refuses a statement of another round, day or currency, a pair twice, and a non-member', () => {
    const one = (a: string, b: string, round = 'r') =>
      statementOf(
        a,
        b,
        [{ bilateral: `${a}${b}`, seller: a, buyer: b, items: [{ period: '2026-01', amount: '1.00' }] }],
        round,
      );
    const header = {
      id: 'r',
      currency: 'EUR',
      period: '2026-03',
      asOf: '2026-04-10',
      members: ['a', 'b', 'c'],
    };
    const attempt = (list: SettlementStatement[]) => () =>
      nettingRound(
        header,
        list.map((statement, i) => ({ hash: `h${i}`, statement })),
      );
    expect(attempt([one('a', 'b', 'other')])).toThrow(/statements\[0\]\.round/);
    expect(attempt([{ ...one('a', 'b'), asOf: '2026-04-11' }])).toThrow(/statements\[0\]\.asOf/);
    expect(attempt([one('a', 'b'), one('b', 'a')])).toThrow(/once per round/);
    expect(attempt([one('a', 'd')])).toThrow(/two members/);
    expect(() => nettingRound({ ...header, members: ['a', 'a'] }, [])).toThrow(/members/);
  });
});
