/**
 * Usage reconciliation: each class by hand, the tolerance rule at its
 * edges, amounts, and properties — every record classified exactly once,
 * counts and quantities add up, planted differences are all found.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal } from './decimal.ts';
import { sum } from './rational.ts';
import {
  RECONCILIATION_CLASSES,
  type Reconciliation,
  reconcileUsage,
  type Tolerance,
  type UsageRecordLike,
} from './reconcile.ts';

const rec = (id: string, quantity: string, extra: Partial<UsageRecordLike> = {}): UsageRecordLike => ({
  id,
  service: 'S1',
  metric: 'gb',
  quantity,
  at: `2026-03-01T00:00:${String(Number(id.replace(/\D/g, '') || 0) % 60).padStart(2, '0')}Z`,
  ...extra,
});

describe('reconcileUsage by hand', () => {
  it('classifies matched, mismatch, only at one side and duplicates', () => {
    const seller = [
      rec('u1', '10'),
      rec('u2', '20'),
      rec('u3', '30'),
      rec('u1', '10'), // the same id again: a replay
      rec('u4', '5'),
      rec('u9', '20', { at: rec('u2', '0').at }), // u2 re-sent under a new id
    ];
    const buyer = [rec('u1', '10'), rec('u2', '20'), rec('u3', '33'), rec('u5', '7'), rec('u5', '8')];
    const r = reconcileUsage(seller, buyer, {}, { includeMatched: true });
    expect(r.counts).toEqual({
      seller: 6,
      buyer: 5,
      matched: 2,
      mismatch: 1,
      onlySeller: 1,
      onlyBuyer: 1,
      duplicate: 3,
      duplicateSeller: 2,
      duplicateBuyer: 1,
    });
    expect(r.items.map((i) => [i.status, i.id])).toEqual([
      ['mismatch', 'u3'],
      ['onlySeller', 'u4'],
      ['onlyBuyer', 'u5'],
      ['duplicate', 'u1'],
      ['duplicate', 'u9'],
      ['duplicate', 'u5'],
      ['matched', 'u1'],
      ['matched', 'u2'],
    ]);
    expect(r.items[0]).toMatchObject({ difference: '-3', fields: ['quantity'] });
    expect(r.items[3]).toMatchObject({ side: 'seller', of: 'u1', reason: 'id', identical: true });
    expect(r.items[4]).toMatchObject({ side: 'seller', of: 'u2', reason: 'content', identical: true });
    expect(r.items[5]).toMatchObject({ side: 'buyer', of: 'u5', reason: 'id', identical: false });
    const g = r.groups[0]!;
    expect(g.seller).toEqual({ count: 6, quantity: '95' });
    expect(g.buyer).toEqual({ count: 5, quantity: '78' });
    expect(g.classes.duplicate).toEqual({
      seller: { count: 2, quantity: '30' },
      buyer: { count: 1, quantity: '8' },
    });
    expect(g.classes.mismatch).toEqual({
      seller: { count: 1, quantity: '30' },
      buyer: { count: 1, quantity: '33' },
    });
  });

  it('tolerates a difference within the absolute bound or within the percent of the seller quantity', () => {
    const t = { absolute: '1.00', percent: '0.5' };
    const status = (s: string, b: string, tolerance: Tolerance = t) =>
      reconcileUsage([rec('u1', s)], [rec('u1', b)], tolerance, { includeMatched: true }).items[0]!.status;
    expect(status('100', '101')).toBe('matched'); // |d| = 1 ≤ 1.00
    expect(status('100', '101.01')).toBe('mismatch'); // 1.01 > 1.00 and > 0.5 % of 100
    expect(status('1000', '1005')).toBe('matched'); // 5 ≤ 0.5 % of 1000
    expect(status('1000', '1005.0001')).toBe('mismatch');
    expect(status('0', '1')).toBe('matched');
    expect(status('0', '1.5')).toBe('mismatch'); // nothing is a percent of 0
    expect(status('1.50', '1.5', {})).toBe('matched'); // equal numbers in other spellings
    expect(status('2', '2.000001', {})).toBe('mismatch'); // no tolerance: exact
    expect(status('200', '201', { percent: '0.5' })).toBe('matched');
    expect(status('200', '201', { absolute: '0.99' })).toBe('mismatch');
  });

  it('names the fields that differ, and reads instants, not their spelling', () => {
    const r = reconcileUsage(
      [
        rec('u1', '1', { at: '2026-03-01T10:00:00Z' }),
        rec('u2', '1', { service: 'S2' }),
        rec('u3', '1', { at: '2026-03-01T10:00:00Z' }),
      ],
      [
        rec('u1', '1', { at: '2026-03-01T10:00:00.000Z' }),
        rec('u2', '9'),
        rec('u3', '1', { at: '2026-03-02T10:00:00Z' }),
      ],
    );
    expect(r.counts.matched).toBe(1);
    expect(r.items.map((i) => (i.status === 'mismatch' ? [i.id, i.fields] : i.id))).toEqual([
      ['u2', ['service', 'quantity']],
      ['u3', ['at']],
    ]);
    // a mismatched pair counts in each side's own group
    expect(
      r.groups.map((g) => [g.service, g.classes.mismatch.seller.count, g.classes.mismatch.buyer.count]),
    ).toEqual([
      ['S1', 1, 2],
      ['S2', 1, 0],
    ]);
  });

  it('keeps equal readings both sides know by id matched, and picks the first of unknown twins', () => {
    const at = '2026-03-05T00:00:00Z';
    const r = reconcileUsage(
      [
        rec('a', '5', { at }),
        rec('b', '5', { at }),
        rec('c', '5', { at }),
        rec('x', '7', { at }),
        rec('y', '7.0', { at }),
      ],
      [rec('a', '5', { at }), rec('b', '5', { at }), rec('z', '7', { at })],
    );
    expect(r.counts).toMatchObject({ matched: 2, onlySeller: 1, onlyBuyer: 1, duplicate: 2 });
    expect(r.items.map((i) => [i.status, i.id, i.status === 'duplicate' ? i.of : ''])).toEqual([
      ['onlySeller', 'x', ''],
      ['onlyBuyer', 'z', ''],
      ['duplicate', 'c', 'a'],
      ['duplicate', 'y', 'x'],
    ]);
  });

  it('values the classes at the average unit price and the sides at their invoice amounts', () => {
    const seller = [rec('u1', '100'), rec('u2', '50'), rec('u3', '10')];
    const buyer = [rec('u1', '100'), rec('u2', '40')];
    const perUnit = reconcileUsage(
      seller,
      buyer,
      {},
      {
        valuation: {
          pricing: () => ({ model: 'per-unit', price: '0.05' }),
          decimals: 2,
          rounding: 'half-up',
        },
      },
    );
    expect(perUnit.amounts).toEqual({
      seller: '8.00',
      buyer: '7.00',
      difference: '1.00',
      classes: {
        matched: '0.00',
        mismatch: '0.50',
        onlySeller: '0.50',
        onlyBuyer: '0.00',
        duplicate: '0.00',
      },
    });
    const graduated = reconcileUsage(
      seller,
      buyer,
      {},
      {
        valuation: {
          pricing: (_s, metric) =>
            metric === 'gb'
              ? {
                  model: 'graduated',
                  tiers: [
                    { upTo: '100', price: '0' },
                    { upTo: null, price: '1' },
                  ],
                }
              : undefined,
          decimals: 2,
          rounding: 'half-up',
        },
      },
    );
    // seller 160 → 60.00, buyer 140 → 40.00; average seller price 60/160 = 0.375
    expect(graduated.groups[0]!.amounts).toEqual({ seller: '60.00', buyer: '40.00', difference: '20.00' });
    expect(graduated.groups[0]!.classes.mismatch.amount).toBe('3.75');
    expect(graduated.groups[0]!.classes.onlySeller.amount).toBe('3.75');
  });

  it('names a bad record or tolerance', () => {
    const code = (path: string) =>
      expect.objectContaining({ code: 'USAGE_INVALID', message: expect.stringContaining(path) });
    expect(() => reconcileUsage([rec('u1', '1'), rec('u2', '-1')], [])).toThrow(code('seller[1].quantity'));
    expect(() => reconcileUsage([], [rec('', '1')])).toThrow(code('buyer[0].id'));
    expect(() => reconcileUsage([], [], { percent: '101' })).toThrow(code('tolerance.percent'));
  });
});

function sideTotals(r: Reconciliation<UsageRecordLike>) {
  for (const g of r.groups) {
    for (const side of ['seller', 'buyer'] as const) {
      const classes = RECONCILIATION_CLASSES.map((c) => g.classes[c][side]);
      expect(classes.reduce((n, c) => n + c.count, 0)).toBe(g[side].count);
      expect(formatDecimal(sum(classes.map((c) => parseDecimal(c.quantity))))).toBe(g[side].quantity);
    }
  }
}

const recordArb = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  service: fc.constantFrom('S1', 'S2'),
  metric: fc.constantFrom('gb', 'min'),
  quantity: fc.constantFrom('0', '1', '1.0', '2', '2.5', '10', '10.04'),
  at: fc.constantFrom('2026-03-01T00:00:00Z', '2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00Z'),
});

describe('reconcileUsage properties', () => {
  it('classifies every record exactly once; counts and quantities add up', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb as fc.Arbitrary<UsageRecordLike>, { maxLength: 25 }),
        fc.array(recordArb as fc.Arbitrary<UsageRecordLike>, { maxLength: 25 }),
        fc.record({ absolute: fc.constantFrom('0', '0.05', '1'), percent: fc.constantFrom('0', '1', '50') }),
        (seller, buyer, tolerance) => {
          const r = reconcileUsage(seller, buyer, tolerance, { includeMatched: true });
          const seen = {
            seller: new Array<number>(seller.length).fill(0),
            buyer: new Array<number>(buyer.length).fill(0),
          };
          for (const item of r.items) {
            if (item.status === 'matched' || item.status === 'mismatch') {
              seen.seller[item.seller.index]!++;
              seen.buyer[item.buyer.index]!++;
              expect(item.seller.record).toBe(seller[item.seller.index]);
              expect(item.buyer.record).toBe(buyer[item.buyer.index]);
            } else if (item.status === 'onlySeller') seen.seller[item.seller.index]!++;
            else if (item.status === 'onlyBuyer') seen.buyer[item.buyer.index]!++;
            else if (item.status === 'duplicate') seen[item.side][item.record.index]!++;
          }
          expect(seen.seller.every((n) => n === 1)).toBe(true);
          expect(seen.buyer.every((n) => n === 1)).toBe(true);
          const c = r.counts;
          expect(c.matched + c.mismatch + c.onlySeller + c.duplicateSeller).toBe(seller.length);
          expect(c.matched + c.mismatch + c.onlyBuyer + c.duplicateBuyer).toBe(buyer.length);
          expect(c.duplicate).toBe(c.duplicateSeller + c.duplicateBuyer);
          expect(r.items.length).toBe(c.matched + c.mismatch + c.onlySeller + c.onlyBuyer + c.duplicate);
          sideTotals(r);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is symmetric under an absolute tolerance: swapping the sides swaps only-at and duplicate counts', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 25 }),
        fc.array(recordArb, { maxLength: 25 }),
        (seller, buyer) => {
          const a = reconcileUsage(seller, buyer, { absolute: '0.05' }).counts;
          const b = reconcileUsage(buyer, seller, { absolute: '0.05' }).counts;
          expect(b).toEqual({
            ...a,
            seller: a.buyer,
            buyer: a.seller,
            onlySeller: a.onlyBuyer,
            onlyBuyer: a.onlySeller,
            duplicateSeller: a.duplicateBuyer,
            duplicateBuyer: a.duplicateSeller,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds every planted difference and nothing else', () => {
    const kinds = ['dropAtBuyer', 'dropAtSeller', 'quantity', 'replay', 'resend'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...kinds)), { maxLength: 30 }),
        (n, plants) => {
          const base = Array.from({ length: n }, (_, i) => ({
            id: `r${i}`,
            service: 'S1',
            metric: 'gb',
            quantity: `${i}.5`,
            at: `2026-03-01T00:00:00Z`,
          }));
          const planted = new Map<number, (typeof kinds)[number]>();
          for (const [i, kind] of plants) planted.set(i % n, kind);
          const seller: UsageRecordLike[] = [];
          const buyer: UsageRecordLike[] = [];
          for (const r of base) {
            const i = Number(r.id.slice(1));
            const kind = planted.get(i);
            if (kind !== 'dropAtSeller') seller.push(r);
            if (kind !== 'dropAtBuyer')
              buyer.push(kind === 'quantity' ? { ...r, quantity: `${i + 1000}.25` } : r);
            if (kind === 'replay') seller.push(r);
            if (kind === 'resend') seller.push({ ...r, id: `${r.id}-again` });
          }
          const r = reconcileUsage(seller, buyer, { absolute: '1' });
          const count = (k: (typeof kinds)[number]) => [...planted.values()].filter((v) => v === k).length;
          expect(r.counts).toMatchObject({
            matched: n - planted.size + count('replay') + count('resend'),
            mismatch: count('quantity'),
            onlySeller: count('dropAtBuyer'),
            onlyBuyer: count('dropAtSeller'),
            duplicate: count('replay') + count('resend'),
          });
          const found = new Map(r.items.map((item) => [item.id.replace('-again', ''), item.status]));
          for (const [i, kind] of planted) {
            const expected = {
              dropAtBuyer: 'onlySeller',
              dropAtSeller: 'onlyBuyer',
              quantity: 'mismatch',
              replay: 'duplicate',
              resend: 'duplicate',
            }[kind];
            expect(found.get(`r${i}`)).toBe(expected);
          }
          expect(r.groups[0]!.classes.matched.seller.quantity).toBe(
            r.groups[0]!.classes.matched.buyer.quantity,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
