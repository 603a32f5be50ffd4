/**
 * Rating cases computed by hand from TERMS.md §3, one rule at a time.
 * Each comment shows the arithmetic the expected amounts come from.
 */
import { describe, expect, it } from 'vitest';
import {
  activated,
  facts,
  modified,
  ordered,
  outage,
  terminated,
  terms,
  termsJson,
} from './fixtures/build.ts';
import type { Invoice } from './invoice.ts';
import { rate } from './rate.ts';

const rows = (invoice: Invoice) => invoice.lines.map((l) => [l.kind, l.service, l.amount]);
const totals = (invoice: Invoice) => [invoice.subtotal, invoice.tax, invoice.total];
const dia = (extra: Record<string, unknown>) => ({
  offerings: [{ id: 'dia', name: 'DIA', plans: { A: { mrc: '1000.00' }, B: { mrc: '2000.00' } }, ...extra }],
});
const plans = (a: string, b = '2000.00') => dia({ plans: { A: { mrc: a }, B: { mrc: b } } });

describe('proration units', () => {
  it('hour: 744.00 a month, activation 05:45 on Jan 10 bills from 05:00 = 523 of 744 hours', () => {
    const t = terms(plans('744.00'), { proration: 'hour' });
    const f = facts(
      ordered('2026-01-01T00:00:00Z'),
      activated('2026-01-10T05:45:00Z'),
      terminated('2026-02-02T10:10:00Z'),
    );
    const jan = rate(t, f, '2026-01');
    expect(rows(jan)).toEqual([['recurring', 'S1', '523.00']]);
    expect(totals(jan)).toEqual(['523.00', '104.60', '627.60']);
    // Termination 10:10 rounds up to 11:00: 35 of 672 hours × 744.00 = 38.75.
    expect(rows(rate(t, f, '2026-02'))).toEqual([['recurring', 'S1', '38.75']]);
  });

  it('second: 0.001 a second in February; fractions of a second round to whole seconds', () => {
    const t = terms(plans('2419.20'), { proration: 'second' });
    const f = facts(
      ordered('2026-02-01T00:00:00Z'),
      activated('2026-02-27T12:00:00.500Z'),
      terminated('2026-03-01T00:00:10.200Z'),
    );
    // 36 h = 129 600 s × 0.001.
    expect(rows(rate(t, f, '2026-02'))).toEqual([['recurring', 'S1', '129.60']]);
    // 11 of 2 678 400 s × 2419.20 = 0.00994 → 0.01 half-up, 0.00 down.
    expect(rows(rate(t, f, '2026-03'))).toEqual([['recurring', 'S1', '0.01']]);
    const down = terms(plans('2419.20'), { proration: 'second', rounding: 'down' });
    expect(rows(rate(down, f, '2026-03'))).toEqual([['recurring', 'S1', '0.00']]);
  });

  it('none: every plan active in the month bills a full month', () => {
    const t = terms({}, { proration: 'none' });
    const f = facts(
      ordered('2026-02-01T00:00:00Z'),
      activated('2026-02-27T12:00:00Z'),
      modified('2026-02-28T08:00:00Z', 'B'),
      terminated('2026-04-01T00:00:00Z'),
    );
    expect(rows(rate(t, f, '2026-02'))).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['recurring', 'S1', '2000.00'],
    ]);
    expect(rows(rate(t, f, '2026-03'))).toEqual([['recurring', 'S1', '2000.00']]);
    expect(rows(rate(t, f, '2026-04'))).toEqual([]);
  });

  it('day: a change on the activation day bills the day at the new plan; a no-op change does not split', () => {
    const t = terms();
    const f = facts(
      ordered('2026-01-01T00:00:00Z'),
      activated('2026-01-11T08:00:00Z'),
      modified('2026-01-11T17:00:00Z', 'B'),
      modified('2026-01-20T17:00:00Z', 'B'),
    );
    // 21 of 31 days × 2000.00 = 1354.838… → 1354.84.
    expect(rows(rate(t, f, '2026-01'))).toEqual([['recurring', 'S1', '1354.84']]);
  });

  it('a change before activation sets the starting plan', () => {
    const f = facts(
      ordered('2026-01-01T00:00:00Z'),
      modified('2026-01-05T00:00:00Z', 'B'),
      activated('2026-01-11T08:00:00Z'),
    );
    const [line] = rate(terms(), f, '2026-01').lines;
    expect(line).toMatchObject({ plan: 'B', amount: '1354.84', refs: ['f1', 'f3', 'f2'] });
  });
});

describe('time zones', () => {
  const AMS = 'Europe/Amsterdam';
  it('hour proration in a DST month counts 743 hours (Europe/Amsterdam, March 2026)', () => {
    const t = terms(plans('743.00'), { proration: 'hour', timeZone: AMS });
    // 10:20 UTC is 12:20 CEST → from 12:00 local on Mar 30 to Apr 1 00:00 local = 36 hours.
    const invoice = rate(
      t,
      facts(ordered('2026-03-01T00:00:00Z'), activated('2026-03-30T10:20:00Z')),
      '2026-03',
    );
    expect(rows(invoice)).toEqual([['recurring', 'S1', '36.00']]);
    expect(invoice.period).toEqual({
      id: '2026-03',
      start: '2026-02-28T23:00:00Z',
      end: '2026-03-31T22:00:00Z',
    });
    expect([invoice.issueDate, invoice.dueDate]).toEqual(['2026-04-01', '2026-05-01']);
    expect(invoice.lines[0]!.periodCoverage).toEqual({
      start: '2026-03-30T10:00:00Z',
      end: '2026-03-31T22:00:00Z',
    });
  });

  it('an autumn DST month has 745 hours', () => {
    const t = terms(plans('745.00'), { proration: 'hour', timeZone: AMS });
    // 12:00 UTC is 13:00 CET on Oct 31 → 11 hours to local midnight.
    const f = facts(ordered('2026-10-01T00:00:00Z'), activated('2026-10-31T12:00:00Z'));
    expect(rows(rate(t, f, '2026-10'))).toEqual([['recurring', 'S1', '11.00']]);
  });

  it('days are local calendar days', () => {
    const f = facts(ordered('2026-03-01T00:00:00Z'), activated('2026-03-28T23:30:00Z'));
    // 23:30 UTC on Mar 28 is 00:30 on Mar 29 in Amsterdam: 3 of 31 days; in UTC 4 of 31.
    expect(rows(rate(terms(plans('3100.00'), { timeZone: AMS }), f, '2026-03'))).toEqual([
      ['recurring', 'S1', '300.00'],
    ]);
    expect(rows(rate(terms(plans('3100.00')), f, '2026-03'))).toEqual([['recurring', 'S1', '400.00']]);
  });
});

describe('rounding modes and currencies', () => {
  const t = (rounding: string) =>
    terms(
      {
        ...dia({ plans: { A: { mrc: '0.25' } }, nrc: { setup: '10.005' } }),
        discounts: [{ id: 'term-12', kind: 'term', minTermMonths: 12, percent: '10' }],
      },
      { rounding, proration: 'none' },
    );
  const f = facts(ordered('2026-01-01T00:00:00Z'), activated('2026-01-01T00:00:00Z'));
  // NRC 10.005; discount −(0.25 × 10 %) = −0.025; tax 20 % of 10.23 = 2.046.
  it.each([
    ['half-up', '10.01', '-0.03', '10.23', '2.05', '12.28'],
    ['half-even', '10.00', '-0.02', '10.23', '2.05', '12.28'],
    ['down', '10.00', '-0.02', '10.23', '2.04', '12.27'],
    ['up', '10.01', '-0.03', '10.23', '2.05', '12.28'],
  ])('%s', (mode, nrc, discount, subtotal, tax, total) => {
    const invoice = rate(t(mode), f, '2026-01');
    expect(rows(invoice)).toEqual([
      ['nrc', 'S1', nrc],
      ['recurring', 'S1', '0.25'],
      ['discount', 'S1', discount],
    ]);
    expect(totals(invoice)).toEqual([subtotal, tax, total]);
  });

  it('JPY has no decimals', () => {
    const jpy = terms(
      {
        currency: 'JPY',
        ...plans('10000'),
        discounts: [{ id: 'term-36', kind: 'term', minTermMonths: 36, percent: '10' }],
        tax: { category: 'S', ratePercent: '10' },
      },
      {},
    );
    const f2 = facts(ordered('2026-01-05T00:00:00Z', { termMonths: 36 }), activated('2026-01-15T09:30:00Z'));
    // 10000 × 17/31 = 5483.87 → 5484; −548.4 → −548; tax 493.6 → 494.
    const invoice = rate(jpy, f2, '2026-01');
    expect(rows(invoice)).toEqual([
      ['recurring', 'S1', '5484'],
      ['discount', 'S1', '-548'],
    ]);
    expect(totals(invoice)).toEqual(['4936', '494', '5430']);
  });

  it('BHD has three decimals', () => {
    const bhd = terms({ currency: 'BHD', ...plans('100.000'), tax: { category: 'S', ratePercent: '10' } });
    // 100 × 17/31 = 54.8387 → 54.839; tax 5.4839 → 5.484.
    const invoice = rate(
      bhd,
      facts(ordered('2026-01-05T00:00:00Z'), activated('2026-01-15T09:30:00Z')),
      '2026-01',
    );
    expect(rows(invoice)).toEqual([['recurring', 'S1', '54.839']]);
    expect(totals(invoice)).toEqual(['54.839', '5.484', '60.323']);
  });
});

describe('tax categories', () => {
  const f = facts(ordered('2026-01-01T00:00:00Z'), activated('2026-01-01T00:00:00Z'));
  it('S charges the rate', () => {
    const invoice = rate(terms({ tax: { category: 'S', ratePercent: '21' } }), f, '2026-01');
    expect(invoice.taxes).toEqual([
      { category: 'S', ratePercent: '21', taxable: '1000.00', amount: '210.00' },
    ]);
    expect(invoice.total).toBe('1210.00');
  });

  it('AE reverse charge carries rate 0, no tax and the note', () => {
    const invoice = rate(terms({ tax: { category: 'AE', ratePercent: '0' } }), f, '2026-01');
    expect(invoice.taxes).toEqual([
      { category: 'AE', ratePercent: '0', taxable: '1000.00', amount: '0.00', note: 'Reverse charge' },
    ]);
    expect(totals(invoice)).toEqual(['1000.00', '0.00', '1000.00']);
  });

  it.each(['Z', 'E'])('%s carries no tax', (category) => {
    const invoice = rate(terms({ tax: { category, ratePercent: '0' } }), f, '2026-01');
    expect(invoice.taxes).toEqual([{ category, ratePercent: '0', taxable: '1000.00', amount: '0.00' }]);
    expect(invoice.total).toBe('1000.00');
  });
});

describe('SLA credit', () => {
  const sla = (tiers: [string, string][], cap?: string) => ({
    sla: {
      tiers: tiers.map(([below, creditPercent]) => ({ below, creditPercent })),
      ...(cap === undefined ? {} : { creditCapPercent: cap }),
    },
  });
  const start = [ordered('2026-01-01T00:00:00Z'), activated('2026-01-01T00:00:00Z')];

  it('merges overlapping outages and leaves maintenance out', () => {
    const t = terms(sla([['99.5', '10']]));
    const base = [
      ...start,
      outage('2026-02-03T10:00:00Z', '2026-02-03T12:00:00Z'),
      outage('2026-02-03T11:00:00Z', '2026-02-03T13:00:00Z'),
      outage('2026-02-04T00:00:00Z', '2026-02-04T06:00:00Z', true),
    ];
    // Union 3 h of 672 h → 99.5536 %: no credit (4 h summed, or 9 h with maintenance, would give one).
    expect(rows(rate(t, facts(...base), '2026-02'))).toEqual([['recurring', 'S1', '1000.00']]);
    // Half an hour more → 3.5 h → 99.4792 % < 99.5 → 10 % of 1000.00.
    const more = facts(...base, outage('2026-02-05T20:00:00Z', '2026-02-05T20:30:00Z'));
    const invoice = rate(t, more, '2026-02');
    expect(rows(invoice)).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['sla-credit', 'S1', '-100.00'],
    ]);
    expect(invoice.lines[1]!.refs).toEqual(['f3', 'f4', 'f6']);
  });

  it('counts an outage without a maintenance flag', () => {
    const t = terms(sla([['99.5', '10']]));
    const unflagged = {
      type: 'outage',
      service: 'S1',
      from: '2026-02-03T00:00:00Z',
      to: '2026-02-03T04:00:00Z',
    };
    // 4 h of 672 h → 99.40 % → 10 %.
    expect(rows(rate(t, facts(...start, unflagged), '2026-02'))[1]).toEqual(['sla-credit', 'S1', '-100.00']);
  });

  it('an outage across a month boundary counts in each month for its part', () => {
    const t = terms(
      sla([
        ['99.9', '5'],
        ['99.5', '10'],
        ['99.0', '25'],
      ]),
    );
    const f = facts(...start, outage('2026-01-31T20:00:00Z', '2026-02-01T04:00:00Z'));
    // 4 h of 744 h → 99.46 %; 4 h of 672 h → 99.40 %: 10 % each (8 h in one month would be 25 %).
    for (const period of ['2026-01', '2026-02']) {
      expect(rows(rate(t, f, period))).toEqual([
        ['recurring', 'S1', '1000.00'],
        ['sla-credit', 'S1', '-100.00'],
      ]);
    }
  });

  it('caps the credit percent', () => {
    const t = terms(
      sla(
        [
          ['99', '25'],
          ['95', '50'],
        ],
        '30',
      ),
    );
    const f = facts(...start, outage('2026-02-10T00:00:00Z', '2026-02-13T00:00:00Z'));
    // 72 h of 672 h → 89.29 % → 50 %, capped at 30 %.
    expect(rows(rate(t, f, '2026-02'))[1]).toEqual(['sla-credit', 'S1', '-300.00']);
  });

  it('uses exact active seconds and the discounted recurring lines as the base', () => {
    const t = terms({
      ...sla([['99.5', '10']]),
      discounts: [{ id: 'term-36', kind: 'term', minTermMonths: 36, percent: '10' }],
    });
    const f = facts(
      ordered('2026-02-01T00:00:00Z', { termMonths: 36 }),
      activated('2026-02-15T12:00:00Z'),
      outage('2026-02-20T00:00:00Z', '2026-02-20T02:00:00Z'),
    );
    // 14/28 × 1000 = 500.00; −50.00; active 324 h, 2 h down → 99.38 % → 10 % of 450.00.
    expect(rows(rate(t, f, '2026-02'))).toEqual([
      ['recurring', 'S1', '500.00'],
      ['discount', 'S1', '-50.00'],
      ['sla-credit', 'S1', '-45.00'],
    ]);
  });
});

describe('early termination', () => {
  const t = terms({ termination: { earlyTerminationPercent: '50' } });
  it('clamps the term end to the end of February (activation Jan 31)', () => {
    const at = (end: string) =>
      rate(
        t,
        facts(
          ordered('2026-01-01T00:00:00Z', { termMonths: 1 }),
          activated('2026-01-31T10:00:00Z'),
          terminated(end),
        ),
        '2026-02',
      );
    // Term ends Feb 28 10:00: terminating a second earlier owes one month, 50 % × 1000.00.
    expect(rows(at('2026-02-28T09:59:59Z'))).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['early-termination', 'S1', '500.00'],
    ]);
    expect(rows(at('2026-02-28T10:00:00Z'))).toEqual([['recurring', 'S1', '1000.00']]);
  });

  it('uses the list MRC of the plan at termination', () => {
    const f = facts(
      ordered('2026-01-01T00:00:00Z', { termMonths: 12 }),
      activated('2026-01-01T00:00:00Z'),
      modified('2026-02-01T00:00:00Z', 'B'),
      terminated('2026-03-01T00:00:00Z'),
    );
    // Term ends 2027-01-01; Mar 1 + 10 months = 2027-01-01 → n = 10; 50 % × 2000.00 × 10.
    const march = rate(t, f, '2026-03');
    expect(rows(march)).toEqual([['early-termination', 'S1', '10000.00']]);
    expect(march.lines[0]).toMatchObject({ plan: 'B', quantity: '10', unit: 'month', unitPrice: '1000.00' });
    expect(rows(rate(t, f, '2026-02'))).toEqual([['recurring', 'S1', '2000.00']]);
  });
});

describe('on-demand bandwidth', () => {
  const boost = (plan: string, from: string, to: string) => ({
    type: 'bandwidth.boost',
    service: 'S1',
    plan,
    from,
    to,
  });
  const onDemand = (minimumUnits: number) =>
    terms(dia({ onDemand: { unit: 'hour', minimumUnits, prices: { A: '2.50', B: '9.00' } } }));
  const f = facts(
    ordered('2026-01-01T00:00:00Z'),
    activated('2026-01-01T00:00:00Z'),
    boost('B', '2026-02-28T23:00:00Z', '2026-03-01T02:00:00Z'),
    boost('A', '2026-02-11T10:00:00Z', '2026-02-11T10:20:00Z'),
    boost('B', '2026-02-10T10:00:00Z', '2026-02-10T13:01:00Z'),
  );

  it('bills ceil(hours) at the plan price, in start order, in the month the boost starts', () => {
    const invoice = rate(onDemand(1), f, '2026-02');
    // 3 h 1 min → 4 × 9.00; 20 min → 1 × 2.50; 3 h → 3 × 9.00 (ends in March, billed in February).
    expect(rows(invoice)).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['on-demand', 'S1', '36.00'],
      ['on-demand', 'S1', '2.50'],
      ['on-demand', 'S1', '27.00'],
    ]);
    expect(invoice.lines.slice(1).map((l) => l.refs)).toEqual([['f5'], ['f4'], ['f3']]);
    expect(rows(rate(onDemand(1), f, '2026-03'))).toEqual([['recurring', 'S1', '1000.00']]);
  });

  it('bills at least the minimum units', () => {
    expect(rows(rate(onDemand(4), f, '2026-02')).map((r) => r[2])).toEqual([
      '1000.00',
      '36.00',
      '10.00',
      '36.00',
    ]);
  });

  it('prices a bandwidth level no plan has: a port on plan A bursting to 5G', () => {
    const t = terms(dia({ onDemand: { unit: 'hour', prices: { A: '2.50', '5G': '4.00' } } }));
    const burst = facts(
      ordered('2026-01-01T00:00:00Z'),
      activated('2026-01-01T00:00:00Z'),
      boost('5G', '2026-02-10T10:00:00Z', '2026-02-10T12:30:00Z'),
    );
    // 2 h 30 min → 3 × 4.00.
    expect(rows(rate(t, burst, '2026-02'))).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['on-demand', 'S1', '12.00'],
    ]);
  });
});

describe('usage', () => {
  const t = terms(
    dia({
      usage: [
        {
          metric: 'gb',
          pricing: {
            model: 'graduated',
            tiers: [
              { upTo: '1000', price: '0' },
              { upTo: null, price: '0.05' },
            ],
          },
        },
        { metric: 'calls', pricing: { model: 'per-unit', price: '0.01' } },
        {
          metric: 'ports',
          pricing: {
            model: 'volume',
            tiers: [
              { upTo: '100', price: '1' },
              { upTo: '200', price: '0.5' },
              { upTo: null, price: '0.1' },
            ],
          },
        },
        { metric: 'blocks', pricing: { model: 'package', size: '100', price: '4.00' } },
      ],
    }),
  );
  const use = (metric: string, quantity: string, at: string, id: string) => ({
    type: 'usage',
    service: 'S1',
    metric,
    quantity,
    at,
    id,
  });

  it('sums records in the period per metric and prices each model; lines by metric', () => {
    const f = facts(
      ordered('2026-01-01T00:00:00Z'),
      activated('2026-01-01T00:00:00Z'),
      use('gb', '900', '2026-02-03T00:00:00Z', 'u1'),
      use('gb', '600', '2026-02-28T23:59:59Z', 'u2'),
      use('gb', '50', '2026-03-01T00:00:00Z', 'u3'),
      use('calls', '1234.5', '2026-02-10T00:00:00Z', 'u4'),
      use('ports', '100', '2026-02-10T00:00:00Z', 'u5'),
      use('blocks', '101', '2026-02-10T00:00:00Z', 'u6'),
    );
    const invoice = rate(t, f, '2026-02');
    // blocks: 2 × 4.00; calls: 12.345 → 12.35; gb: 500 × 0.05; ports: 100 at the first tier × 1.
    expect(rows(invoice)).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['usage', 'S1', '8.00'],
      ['usage', 'S1', '12.35'],
      ['usage', 'S1', '25.00'],
      ['usage', 'S1', '100.00'],
    ]);
    expect(invoice.lines[3]).toMatchObject({
      metric: 'gb',
      quantity: '1500',
      unit: 'gb',
      refs: ['f3', 'f4'],
    });
    expect(rows(rate(t, f, '2026-03'))[1]).toEqual(['usage', 'S1', '0.00']);
  });
});

describe('several services', () => {
  it('lists services by id, each in its own line order', () => {
    const t = terms(dia({ nrc: { install: '100.00' } }));
    const f = facts(
      ordered('2026-01-01T00:00:00Z', { service: 'S2', plan: 'B' }),
      activated('2026-02-15T00:00:00Z', 'S2'),
      ordered('2026-01-01T00:00:00Z'),
      activated('2026-01-01T00:00:00Z'),
    );
    // S2: NRC, then 14/28 × 2000.00.
    expect(rows(rate(t, f, '2026-02'))).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['nrc', 'S2', '100.00'],
      ['recurring', 'S2', '1000.00'],
    ]);
  });

  it('a term discount applies only to services whose term reaches it; the largest tier wins', () => {
    const t = terms({
      discounts: [
        { id: 'term-12', kind: 'term', minTermMonths: 12, percent: '5' },
        { id: 'term-36', kind: 'term', minTermMonths: 36, percent: '10' },
      ],
    });
    const f = facts(
      ordered('2026-01-01T00:00:00Z', { termMonths: 36 }),
      activated('2026-01-01T00:00:00Z'),
      ordered('2026-01-01T00:00:00Z', { service: 'S2', termMonths: 12 }),
      activated('2026-01-01T00:00:00Z', 'S2'),
      ordered('2026-01-01T00:00:00Z', { service: 'S3', termMonths: 1 }),
      activated('2026-01-01T00:00:00Z', 'S3'),
    );
    expect(rows(rate(t, f, '2026-01'))).toEqual([
      ['recurring', 'S1', '1000.00'],
      ['discount', 'S1', '-100.00'],
      ['recurring', 'S2', '1000.00'],
      ['discount', 'S2', '-50.00'],
      ['recurring', 'S3', '1000.00'],
    ]);
  });
});

it('the test terms builder produces valid terms', () => {
  expect(() => terms()).not.toThrow();
  expect(termsJson().currency).toBe('EUR');
});
