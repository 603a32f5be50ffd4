/**
 * Independent audit of `sb rate` against docs/TERMS.md (§3 and §5).
 *
 * Every expected figure below was derived by hand from TERMS.md alone — not from src/core — and
 * double-checked with exact rationals (python3 `fractions.Fraction`, explicit rounding). The
 * arithmetic sits in the comments next to each case. Lines are compared as a multiset of
 * `kind service amount`, plus subtotal, taxes, tax and total; line order is free. Every case runs
 * through the real CLI entry (`main(['rate', …, '--json'])`); builders and the comparison live in
 * fixtures/rate-audit/harness.ts. Cases where our reading and the implementation disagree are kept
 * apart, with the reasoning, in rate-audit.disputed.ts (not run in CI).
 *
 * Conventions used in the derivations:
 *   - April 2026 (UTC) has 30 days = 720 h = 2 592 000 s; March 2026 (UTC) 31 days = 2 678 400 s.
 *   - "days a..b" means calendar days a to b inclusive in the terms' time zone.
 *   - Base terms: plans 100M 300.00, 1G 1200.00, 10G 4000.00, big 2592000.00; NRC install 500.00;
 *     term discount 10 % from 36 months; SLA tiers <99.9 → 5, <99.5 → 10, <99.0 → 25, cap 25;
 *     early termination 50 %; VAT S 20 %; EUR, day proration, half-up.
 */
import { describe, expect, it } from 'vitest';
import {
  boost,
  check,
  jsonl,
  L,
  makeTerms,
  modified,
  type Obj,
  ORDER_AT,
  outage,
  type Run,
  rate,
  runRate,
  scratch,
  svc,
  terminated,
  usage,
} from './fixtures/rate-audit/harness.ts';

// ---------------------------------------------------------------------------------------------
// The worked example (TERMS.md §4)
// ---------------------------------------------------------------------------------------------

describe('worked example of TERMS.md §4', () => {
  const terms = makeTerms({ top: { effectiveFrom: '2026-01-01T00:00:00Z' } });
  const facts: Obj[] = [
    {
      type: 'service.ordered',
      service: 'S1',
      offering: 'dia',
      plan: '1G',
      termMonths: 36,
      at: '2026-01-05T10:00:00Z',
    },
    { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' },
    outage('S1', '2026-02-03T10:00:00Z', '2026-02-03T14:30:00Z'),
    modified('S1', '10G', '2026-02-20T13:00:00Z'),
    terminated('S1', '2026-03-10T08:00:00Z'),
  ];

  it('2026-01: NRC, 17/31 days of 1G, term discount', async () => {
    // 1200 × 17/31 = 658.0645… → 658.06; discount −round(65.806) = −65.81.
    // subtotal 500 + 658.06 − 65.81 = 1092.25; VAT 218.45; total 1310.70.
    check(await rate(terms, facts, '2026-01'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '658.06'), L('discount', 'S1', '-65.81')],
      subtotal: '1092.25',
      tax: '218.45',
      total: '1310.70',
      period: { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' },
      issueDate: '2026-02-01',
      dueDate: '2026-03-03',
    });
  });

  it('2026-02: change of plan and an SLA credit', async () => {
    // 1G days 1..19: 1200 × 19/28 = 814.2857 → 814.29, −81.43; 10G days 20..28: 4000 × 9/28 =
    // 1285.714 → 1285.71, −128.57. A = 100 × (1 − 16200/2419200) = 99.3304 → 10 % of 1890.00.
    check(await rate(terms, facts, '2026-02'), {
      lines: [
        L('recurring', 'S1', '814.29'),
        L('discount', 'S1', '-81.43'),
        L('recurring', 'S1', '1285.71'),
        L('discount', 'S1', '-128.57'),
        L('sla-credit', 'S1', '-189.00'),
      ],
      subtotal: '1701.00',
      tax: '340.20',
      total: '2041.20',
    });
  });

  it('2026-03: termination and early-termination charge', async () => {
    // 10G days 1..10: 4000 × 10/31 = 1290.32; −129.03. Term end 2029-01-15T09:30; 2026-03-10T08:00
    // + 35 months = 2029-02-10 ≥ term end, + 34 = 2029-01-10 < → n = 35 → 0.5 × 4000 × 35 = 70000.
    check(await rate(terms, facts, '2026-03'), {
      lines: [
        L('recurring', 'S1', '1290.32'),
        L('discount', 'S1', '-129.03'),
        L('early-termination', 'S1', '70000.00'),
      ],
      subtotal: '71161.29',
      tax: '14232.26',
      total: '85393.55',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Recurring charges and proration
// ---------------------------------------------------------------------------------------------

describe('proration by day (UTC)', () => {
  const terms = makeTerms();

  it('activation exactly at period start and exactly at period end', async () => {
    // S1 100M from 2026-04-01T00:00: NRC 500 + 300 × 30/30 = 300 → 800.00, VAT 160.00.
    // S2 activated at 2026-05-01T00:00 = April's end: nothing in April.
    const facts = [
      ...svc('S1', '100M', 12, '2026-04-01T00:00:00Z'),
      ...svc('S2', '1G', 12, '2026-05-01T00:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '300.00')],
      subtotal: '800.00',
      tax: '160.00',
      total: '960.00',
    });
    // May: S1 300.00; S2 NRC 500.00 + 1200.00 → 2000.00, VAT 400.00.
    check(await rate(terms, facts, '2026-05'), {
      lines: [L('recurring', 'S1', '300.00'), L('nrc', 'S2', '500.00'), L('recurring', 'S2', '1200.00')],
      subtotal: '2000.00',
      tax: '400.00',
      total: '2400.00',
    });
  });

  it('termination at 00:00:00 of a day does not bill that day; one second later does', async () => {
    // Termination is rounded *up* to the end of its unit; 2026-04-10T00:00:00 already is a day
    // boundary, so S1 is billed days 1..9: 1200 × 9/30 = 360.00. S2 ends 00:00:01 → rounds up to
    // 2026-04-11T00:00 → days 1..10: 1200 × 10/30 = 400.00. termMonths 1 from Feb: no early fee.
    const facts = [
      ...svc('S1', '1G', 1, '2026-02-10T00:00:00Z'),
      ...svc('S2', '1G', 1, '2026-02-10T00:00:00Z'),
      terminated('S1', '2026-04-10T00:00:00Z'),
      terminated('S2', '2026-04-10T00:00:01Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('recurring', 'S1', '360.00'), L('recurring', 'S2', '400.00')],
      subtotal: '760.00',
      tax: '152.00',
      total: '912.00',
    });
  });

  it('termination exactly at period end: whole month, nothing the next month', async () => {
    const facts = [...svc('S1', '1G', 1, '2026-02-10T00:00:00Z'), terminated('S1', '2026-05-01T00:00:00Z')];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('recurring', 'S1', '1200.00')],
      subtotal: '1200.00',
      tax: '240.00',
      total: '1440.00',
    });
    check(await rate(terms, facts, '2026-05'), {
      lines: [],
      subtotal: '0.00',
      tax: '0.00',
      total: '0.00',
      taxes: null,
    });
  });

  it('activated and terminated in the same period, with discount and early termination', async () => {
    // Days 5..20 = 16: 1200 × 16/30 = 640.00; discount −64.00; NRC 500.00.
    // Term end 2029-04-05T10:00; 2026-04-20T15:00 + 35 months = 2029-03-20 < end, + 36 ≥ → n = 36:
    // 0.5 × 1200 × 36 = 21600.00. Subtotal 22676.00, VAT 4535.20, total 27211.20.
    const facts = [...svc('S1', '1G', 36, '2026-04-05T10:00:00Z'), terminated('S1', '2026-04-20T15:00:00Z')];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('nrc', 'S1', '500.00'),
        L('recurring', 'S1', '640.00'),
        L('discount', 'S1', '-64.00'),
        L('early-termination', 'S1', '21600.00'),
      ],
      subtotal: '22676.00',
      tax: '4535.20',
      total: '27211.20',
    });
  });

  it('a modification on the day of activation bills the whole day at the new plan', async () => {
    // Activation 10:00 and change 15:00 both round down to 2026-04-05T00:00: the 1G interval is empty.
    // 10G days 5..30 = 26: 4000 × 26/30 = 3466.666… → 3466.67. NRC 500. Subtotal 3966.67;
    // VAT 793.334 → 793.33; total 4760.00.
    const facts = [
      ...svc('S1', '1G', 12, '2026-04-05T10:00:00Z'),
      modified('S1', '10G', '2026-04-05T15:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '3466.67')],
      subtotal: '3966.67',
      tax: '793.33',
      total: '4760.00',
    });
  });

  it('several modifications in one period, one line per plan interval', async () => {
    // S1: 1G days 1..9 (change 04-10T08:00 → day 10): 1200 × 9/30 = 360.00;
    //     10G days 10..19 (change 04-20T23:59:59 → day 20): 4000 × 10/30 = 1333.33;
    //     100M days 20..30: 300 × 11/30 = 110.00.
    // S2: 1G days 1..9 = 360.00; 10G at 08:00 and 100M at 20:00 the same day → 10G empty;
    //     100M days 10..30 = 21: 300 × 21/30 = 210.00.
    // Subtotal 2373.33; VAT 474.666 → 474.67; total 2848.00.
    const facts = [
      ...svc('S1', '1G', 12, '2026-03-20T12:00:00Z'),
      ...svc('S2', '1G', 12, '2026-03-20T12:00:00Z'),
      modified('S1', '10G', '2026-04-10T08:00:00Z'),
      modified('S1', '100M', '2026-04-20T23:59:59Z'),
      modified('S2', '10G', '2026-04-10T08:00:00Z'),
      modified('S2', '100M', '2026-04-10T20:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '360.00'),
        L('recurring', 'S1', '1333.33'),
        L('recurring', 'S1', '110.00'),
        L('recurring', 'S2', '360.00'),
        L('recurring', 'S2', '210.00'),
      ],
      subtotal: '2373.33',
      tax: '474.67',
      total: '2848.00',
    });
  });

  it('multiple services, two NRC entries, an order that was never activated', async () => {
    // S1 activated 04-10T09:30: install 500.00, survey 150.50; days 10..30 = 21: 1200 × 21/30 =
    // 840.00; term 36 → −84.00. S2 10G since March, term 12: 4000.00. S3 ordered only: nothing.
    // Subtotal 650.50 + 756.00 + 4000.00 = 5406.50; VAT 1081.30; total 6487.80.
    const t = makeTerms({ offering: { nrc: { install: '500.00', survey: '150.50' } } });
    const facts = [
      ...svc('S1', '1G', 36, '2026-04-10T09:30:00Z'),
      ...svc('S2', '10G', 12, '2026-03-20T00:00:00Z'),
      { type: 'service.ordered', service: 'S3', offering: 'dia', plan: '1G', termMonths: 36, at: ORDER_AT },
    ];
    check(await rate(t, facts, '2026-04'), {
      lines: [
        L('nrc', 'S1', '500.00'),
        L('nrc', 'S1', '150.50'),
        L('recurring', 'S1', '840.00'),
        L('discount', 'S1', '-84.00'),
        L('recurring', 'S2', '4000.00'),
      ],
      subtotal: '5406.50',
      tax: '1081.30',
      total: '6487.80',
    });
  });
});

describe('proration by hour and by second (UTC)', () => {
  it('hour: activation and termination mid-hour, termination on an hour boundary', async () => {
    // April = 720 h. S1 activated 04-10T09:30 → 09:00; to May 1 = 21 × 24 − 9 = 495 h:
    //   1200 × 495/720 = 825.00 (+ NRC 500.00).
    // S2 (since Feb) terminated 04-12T14:15 → 15:00; 11 × 24 + 15 = 279 h: 1200 × 279/720 = 465.00.
    // S3 (since Feb, 100M) terminated 04-20T14:00:00 → stays 14:00; 19 × 24 + 14 = 470 h:
    //   300 × 470/720 = 195.8333 → 195.83.
    // Subtotal 1985.83; VAT 397.166 → 397.17; total 2383.00.
    const terms = makeTerms({ billing: { proration: 'hour' } });
    const facts = [
      ...svc('S1', '1G', 1, '2026-04-10T09:30:00Z'),
      ...svc('S2', '1G', 1, '2026-02-01T00:00:00Z'),
      ...svc('S3', '100M', 1, '2026-02-01T00:00:00Z'),
      terminated('S2', '2026-04-12T14:15:00Z'),
      terminated('S3', '2026-04-20T14:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('nrc', 'S1', '500.00'),
        L('recurring', 'S1', '825.00'),
        L('recurring', 'S2', '465.00'),
        L('recurring', 'S3', '195.83'),
      ],
      subtotal: '1985.83',
      tax: '397.17',
      total: '2383.00',
    });
  });

  it('second: exact seconds', async () => {
    // April = 2 592 000 s. S1 activated 04-10T09:30:15 → 20 d 14 h 29 m 45 s = 1 780 185 s:
    //   1200 × 1780185/2592000 = 824.1597 → 824.16 (+ NRC 500).
    // S2 (100M, since Feb) terminated 04-20T10:00:00 → 19 d 10 h = 1 677 600 s:
    //   300 × 1677600/2592000 = 194.1666 → 194.17.
    // Subtotal 1518.33; VAT 303.666 → 303.67; total 1822.00.
    const terms = makeTerms({ billing: { proration: 'second' } });
    const facts = [
      ...svc('S1', '1G', 1, '2026-04-10T09:30:15Z'),
      ...svc('S2', '100M', 1, '2026-02-01T00:00:00Z'),
      terminated('S2', '2026-04-20T10:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '824.16'), L('recurring', 'S2', '194.17')],
      subtotal: '1518.33',
      tax: '303.67',
      total: '1822.00',
    });
  });

  it('second: fractional seconds round down at activation and up at termination', async () => {
    // Plan big = 1.00 per second in April. S1 activated 04-30T23:59:58.500 → 23:59:58 → 2 s = 2.00
    // (+ NRC 500). S2 (since Feb) terminated 04-01T00:00:01.250 → 00:00:02 → 2 s = 2.00.
    // Subtotal 504.00; VAT 100.80; total 604.80.
    const terms = makeTerms({ billing: { proration: 'second' } });
    const facts = [
      ...svc('S1', 'big', 1, '2026-04-30T23:59:58.500Z'),
      ...svc('S2', 'big', 1, '2026-02-01T00:00:00Z'),
      terminated('S2', '2026-04-01T00:00:01.250Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '2.00'), L('recurring', 'S2', '2.00')],
      subtotal: '504.00',
      tax: '100.80',
      total: '604.80',
    });
  });
});

describe('proration none', () => {
  const terms = makeTerms({ billing: { proration: 'none' } });

  it('a full month for every period with any active time', async () => {
    // Active from 04-30T23:59:59 to 06-01T00:00:00 (= May's end): April NRC + 1200, May 1200,
    // June nothing (the interval is half-open). termMonths 1 → term end 05-30T23:59:59 < termination.
    const facts = [...svc('S1', '1G', 1, '2026-04-30T23:59:59Z'), terminated('S1', '2026-06-01T00:00:00Z')];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '1200.00')],
      subtotal: '1700.00',
      tax: '340.00',
      total: '2040.00',
    });
    check(await rate(terms, facts, '2026-05'), {
      lines: [L('recurring', 'S1', '1200.00')],
      subtotal: '1200.00',
      tax: '240.00',
      total: '1440.00',
    });
    check(await rate(terms, facts, '2026-06'), {
      lines: [],
      subtotal: '0.00',
      tax: '0.00',
      total: '0.00',
      taxes: null,
    });
  });

  it('a modification mid-period: fraction 1 for each (service, plan) interval', async () => {
    // Literal reading of §3: "For each (service, plan) interval overlapping the period, one line:
    // amount = mrc × fraction" and with none "fraction = 1". 1G and 10G each overlap April:
    // 1200.00 + 4000.00 = 5200.00; VAT 1040.00; total 6240.00.
    const facts = [
      ...svc('S1', '1G', 1, '2026-03-10T00:00:00Z'),
      modified('S1', '10G', '2026-04-15T12:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('recurring', 'S1', '1200.00'), L('recurring', 'S1', '4000.00')],
      subtotal: '5200.00',
      tax: '1040.00',
      total: '6240.00',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Time zones: period and unit boundaries are local
// ---------------------------------------------------------------------------------------------

describe('time zones', () => {
  it('Europe/Amsterdam, March 2026 (DST starts 29th), day proration and usage at the edges', async () => {
    // Period = [2026-03-01T00:00+01:00, 2026-04-01T00:00+02:00) = [02-28T23:00Z, 03-31T22:00Z), 31 days.
    // S1 activated 03-28T23:30Z = 29 March 00:30 local → days 29..31 = 3: 1200 × 3/31 = 116.129 → 116.13
    //   (+ NRC 500).
    // S2 (100M since 02-01) terminated 03-29T01:30Z = 29 March 03:30 CEST → days 1..29:
    //   300 × 29/31 = 280.645 → 280.65.
    // Usage (per-unit 0.10): S2 100 at 02-28T23:00Z (= March 1 00:00 local, in) + 10 → 11.00;
    //   S1 10 at 03-31T21:59:59Z (in) → 1.00; S1 1000 at 03-31T22:00Z is April local (out).
    // Subtotal 500 + 116.13 + 280.65 + 11.00 + 1.00 = 908.78; VAT 181.756 → 181.76; total 1090.54.
    const terms = makeTerms({
      billing: { timeZone: 'Europe/Amsterdam' },
      offering: { usage: [{ metric: 'calls', pricing: { model: 'per-unit', price: '0.10' } }] },
    });
    const facts = [
      ...svc('S1', '1G', 12, '2026-03-28T23:30:00Z'),
      ...svc('S2', '100M', 1, '2026-02-01T00:00:00Z'),
      terminated('S2', '2026-03-29T01:30:00Z'),
      usage('S2', 'calls', '100', '2026-02-28T23:00:00Z'),
      usage('S2', 'calls', '10', '2026-03-29T01:00:00Z'),
      usage('S1', 'calls', '10', '2026-03-31T21:59:59Z'),
      usage('S1', 'calls', '1000', '2026-03-31T22:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-03'), {
      lines: [
        L('nrc', 'S1', '500.00'),
        L('recurring', 'S1', '116.13'),
        L('recurring', 'S2', '280.65'),
        L('usage', 'S2', '11.00'),
        L('usage', 'S1', '1.00'),
      ],
      subtotal: '908.78',
      tax: '181.76',
      total: '1090.54',
      period: { start: '2026-02-28T23:00:00Z', end: '2026-03-31T22:00:00Z' },
    });
  });

  it('Europe/Amsterdam, March 2026, hour proration: the period has 743 hours', async () => {
    // S1 activated 03-28T23:30Z → 23:00Z (29 March 00:00 local); to 03-31T22:00Z = 71 h:
    //   1200 × 71/743 = 114.670 → 114.67 (+ NRC 500).
    // S2 (100M) terminated 03-29T01:30Z (03:30 CEST) → 02:00Z; from 02-28T23:00Z = 672 + 3 = 675 h:
    //   300 × 675/743 = 272.543 → 272.54.
    // Subtotal 887.21; VAT 177.442 → 177.44; total 1064.65.
    const terms = makeTerms({ billing: { timeZone: 'Europe/Amsterdam', proration: 'hour' } });
    const facts = [
      ...svc('S1', '1G', 12, '2026-03-28T23:30:00Z'),
      ...svc('S2', '100M', 1, '2026-02-01T00:00:00Z'),
      terminated('S2', '2026-03-29T01:30:00Z'),
    ];
    check(await rate(terms, facts, '2026-03'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '114.67'), L('recurring', 'S2', '272.54')],
      subtotal: '887.21',
      tax: '177.44',
      total: '1064.65',
    });
  });

  it('Europe/Amsterdam, October 2026, hour proration: the period has 745 hours', async () => {
    // Period [09-30T22:00Z, 10-31T23:00Z) = 31 × 24 + 1 = 745 h. S1 activated 10-25T00:30Z (02:30
    // CEST, before the switch) → 00:00Z; to 10-31T23:00Z = 6 × 24 + 23 = 167 h:
    // 1200 × 167/745 = 268.993 → 268.99 (+ NRC 500). Subtotal 768.99; VAT 153.798 → 153.80; 922.79.
    const terms = makeTerms({ billing: { timeZone: 'Europe/Amsterdam', proration: 'hour' } });
    const facts = svc('S1', '1G', 12, '2026-10-25T00:30:00Z');
    check(await rate(terms, facts, '2026-10'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '268.99')],
      subtotal: '768.99',
      tax: '153.80',
      total: '922.79',
      period: { start: '2026-09-30T22:00:00Z', end: '2026-10-31T23:00:00Z' },
    });
  });

  it('America/New_York: an activation late on Feb 28 local belongs to February', async () => {
    // Feb period [02-01T05:00Z, 03-01T05:00Z), 28 days. S1 activated 03-01T03:00Z = Feb 28 22:00 EST
    // → day 28: 1200 × 1/28 = 42.857 → 42.86; NRC 500. Usage (per-unit 0.10) 7 at 03-01T04:59:59Z
    // (Feb 28 23:59:59 local) → 0.70. Subtotal 543.56; VAT 108.712 → 108.71; total 652.27.
    const terms = makeTerms({
      billing: { timeZone: 'America/New_York' },
      offering: { usage: [{ metric: 'calls', pricing: { model: 'per-unit', price: '0.10' } }] },
    });
    const facts = [
      ...svc('S1', '1G', 12, '2026-03-01T03:00:00Z'),
      usage('S1', 'calls', '7', '2026-03-01T04:59:59Z'),
      usage('S1', 'calls', '100', '2026-04-01T03:59:59Z'),
      usage('S1', 'calls', '1000', '2026-04-01T04:00:00Z'),
      ...svc('S2', '100M', 12, '2026-03-09T03:30:00Z'),
    ];
    check(await rate(terms, facts, '2026-02'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '42.86'), L('usage', 'S1', '0.70')],
      subtotal: '543.56',
      tax: '108.71',
      total: '652.27',
      period: { start: '2026-02-01T05:00:00Z', end: '2026-03-01T05:00:00Z' },
    });
    // March period [03-01T05:00Z, 04-01T04:00Z) (DST from March 8), 31 days. S1 full: 1200.00.
    // Usage 100 at 04-01T03:59:59Z (= March 31 23:59:59 EDT) → 10.00; 1000 at 04-01T04:00Z is April.
    // S2 activated 03-09T03:30Z = March 8 23:30 EDT → days 8..31 = 24: 300 × 24/31 = 232.258 → 232.26
    // (+ NRC 500). Subtotal 1942.26; VAT 388.452 → 388.45; total 2330.71.
    check(await rate(terms, facts, '2026-03'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('usage', 'S1', '10.00'),
        L('nrc', 'S2', '500.00'),
        L('recurring', 'S2', '232.26'),
      ],
      subtotal: '1942.26',
      tax: '388.45',
      total: '2330.71',
      period: { start: '2026-03-01T05:00:00Z', end: '2026-04-01T04:00:00Z' },
    });
  });

  it('Asia/Kolkata (+05:30), hour proration: hours are local, i.e. start at :30 UTC', async () => {
    // Period [2025-12-31T18:30Z, 2026-01-31T18:30Z) = 744 h. Activation 01-10T10:00Z = 15:30 IST →
    // 15:00 IST = 09:30Z; to 01-31T18:30Z = 21 × 24 + 9 = 513 h: 1200 × 513/744 = 827.419 → 827.42.
    // NRC 500. Subtotal 1327.42; VAT 265.484 → 265.48; total 1592.90.
    const terms = makeTerms({ billing: { timeZone: 'Asia/Kolkata', proration: 'hour' } });
    check(await rate(terms, svc('S1', '1G', 12, '2026-01-10T10:00:00Z'), '2026-01'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '827.42')],
      subtotal: '1327.42',
      tax: '265.48',
      total: '1592.90',
      period: { start: '2025-12-31T18:30:00Z', end: '2026-01-31T18:30:00Z' },
      // Issue date = first day of the next (local) period; due = issue + 30 days (Feb has 28).
      issueDate: '2026-02-01',
      dueDate: '2026-03-03',
    });
  });

  it('Asia/Kolkata, day proration: 19:00Z is already the next local day', async () => {
    // Activation 01-10T19:00Z = Jan 11 00:30 IST → days 11..31 = 21: 1200 × 21/31 = 812.903 → 812.90.
    // NRC 500. Subtotal 1312.90; VAT 262.58; total 1575.48.
    const terms = makeTerms({ billing: { timeZone: 'Asia/Kolkata' } });
    check(await rate(terms, svc('S1', '1G', 12, '2026-01-10T19:00:00Z'), '2026-01'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '812.90')],
      subtotal: '1312.90',
      tax: '262.58',
      total: '1575.48',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Rounding modes with exact halves, positive and negative
// ---------------------------------------------------------------------------------------------

describe('rounding modes', () => {
  // proration none (fraction 1), term discount 5 % from 12 months, one SLA tier <99.9 → 5 %,
  // tax S 12.5 %, usage calls per-unit 0.00125. April 2026, all services active since March.
  //   S1 plan A 100.005 (term 12) → R1 = round(100.005); discount −round(R1 × 5 %)
  //   S2 plan B 100.015 (term 12) → R2 = round(100.015); discount −round(R2 × 5 %)
  //   S3 plan C 100.10 (term 12)  → 100.10; discount −round(5.005)            (negative half)
  //   S4 plan C 100.10 (term 1)   → 100.10; 1 h outage: A = 99.861 → 5 %: −round(5.005)
  //   S1 usage 1000 + 4 calls × 0.00125 = 1.255
  //   tax = round(subtotal × 12.5 %)
  // Exact figures (python Fraction):
  //   half-up:   100.01 −5.00 | 100.02 −5.00 | 100.10 −5.01 | 100.10 −5.01 | 1.26 → 381.47;
  //              tax 47.68375 → 47.68; total 429.15
  //   half-even: 100.00 −5.00 | 100.02 −5.00 | 100.10 −5.00 | 100.10 −5.00 | 1.26 → 381.48;
  //              tax 47.685 → 47.68 (half, 8 even); total 429.16
  //   down:      100.00 −5.00 | 100.01 −5.00 | 100.10 −5.00 | 100.10 −5.00 | 1.25 → 381.46;
  //              tax 47.6825 → 47.68; total 429.14
  //   up:        100.01 −5.01 | 100.02 −5.01 (5.001) | 100.10 −5.01 | 100.10 −5.01 | 1.26 → 381.45;
  //              tax 47.68125 → 47.69; total 429.14
  const cases = [
    {
      mode: 'half-up',
      amounts: ['100.01', '-5.00', '100.02', '-5.00', '100.10', '-5.01', '100.10', '-5.01', '1.26'],
      subtotal: '381.47',
      tax: '47.68',
      total: '429.15',
    },
    {
      mode: 'half-even',
      amounts: ['100.00', '-5.00', '100.02', '-5.00', '100.10', '-5.00', '100.10', '-5.00', '1.26'],
      subtotal: '381.48',
      tax: '47.68',
      total: '429.16',
    },
    {
      mode: 'down',
      amounts: ['100.00', '-5.00', '100.01', '-5.00', '100.10', '-5.00', '100.10', '-5.00', '1.25'],
      subtotal: '381.46',
      tax: '47.68',
      total: '429.14',
    },
    {
      mode: 'up',
      amounts: ['100.01', '-5.01', '100.02', '-5.01', '100.10', '-5.01', '100.10', '-5.01', '1.26'],
      subtotal: '381.45',
      tax: '47.69',
      total: '429.14',
    },
  ] as const;

  it.each(cases)('$mode', async ({ mode, amounts, subtotal, tax, total }) => {
    const terms = makeTerms({
      top: {
        discounts: [{ id: 'term-12', kind: 'term', minTermMonths: 12, percent: '5' }],
        sla: { tiers: [{ below: '99.9', creditPercent: '5' }], creditCapPercent: '25' },
      },
      billing: { proration: 'none', rounding: mode },
      tax: { ratePercent: '12.5' },
      offering: {
        plans: { A: { mrc: '100.005' }, B: { mrc: '100.015' }, C: { mrc: '100.10' } },
        onDemand: { unit: 'hour', minimumUnits: 1, prices: { C: '1.00' } },
        usage: [{ metric: 'calls', pricing: { model: 'per-unit', price: '0.00125' } }],
      },
    });
    const facts = [
      ...svc('S1', 'A', 12, '2026-03-02T00:00:00Z'),
      ...svc('S2', 'B', 12, '2026-03-02T00:00:00Z'),
      ...svc('S3', 'C', 12, '2026-03-02T00:00:00Z'),
      ...svc('S4', 'C', 1, '2026-03-02T00:00:00Z'),
      outage('S4', '2026-04-07T10:00:00Z', '2026-04-07T11:00:00Z'),
      usage('S1', 'calls', '1000', '2026-04-03T00:00:00Z'),
      usage('S1', 'calls', '4', '2026-04-04T00:00:00Z'),
    ];
    const [r1, d1, r2, d2, r3, d3, r4, c4, u1] = amounts;
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', r1),
        L('discount', 'S1', d1),
        L('recurring', 'S2', r2),
        L('discount', 'S2', d2),
        L('recurring', 'S3', r3),
        L('discount', 'S3', d3),
        L('recurring', 'S4', r4),
        L('sla-credit', 'S4', c4),
        L('usage', 'S1', u1),
      ],
      subtotal,
      tax,
      total,
      taxes: [{ category: 'S', ratePercent: '12.5', taxable: subtotal, amount: tax }],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Currencies and tax categories
// ---------------------------------------------------------------------------------------------

describe('currencies', () => {
  const facts = [
    ...svc('S1', 'P', 36, '2026-01-15T09:30:00Z'),
    ...svc('S2', 'Q', 36, '2025-12-01T00:00:00Z'),
  ];

  it('JPY has no decimals', async () => {
    // S1: 100000 × 17/31 = 54838.71 → 54839; discount −round(5483.9) = −5484; NRC 50000.
    // S2 plan Q 2500.5, full month → 2501 (half up); discount −round(250.1) = −250.
    // Subtotal 101606; VAT 20321.2 → 20321; total 121927.
    const terms = makeTerms({
      top: { currency: 'JPY' },
      offering: {
        plans: { P: { mrc: '100000' }, Q: { mrc: '2500.5' } },
        onDemand: { unit: 'hour', minimumUnits: 1, prices: { Q: '1' } },
        nrc: { install: '50000' },
      },
    });
    check(await rate(terms, facts, '2026-01'), {
      lines: [
        L('nrc', 'S1', '50000'),
        L('recurring', 'S1', '54839'),
        L('discount', 'S1', '-5484'),
        L('recurring', 'S2', '2501'),
        L('discount', 'S2', '-250'),
      ],
      subtotal: '101606',
      tax: '20321',
      total: '121927',
      currency: 'JPY',
      decimals: 0,
    });
  });

  it('BHD has three decimals', async () => {
    // S1: 100.000 × 17/31 = 54.83870 → 54.839; discount −round(5.4839) = −5.484; NRC 50.000.
    // S2 plan Q 1.0005 → 1.001; discount −round(0.1001) = −0.100.
    // Subtotal 50 + 54.839 − 5.484 + 1.001 − 0.100 = 100.256; VAT 10 % = 10.0256 → 10.026;
    // total 110.282.
    const terms = makeTerms({
      top: { currency: 'BHD' },
      tax: { ratePercent: '10' },
      offering: {
        plans: { P: { mrc: '100.000' }, Q: { mrc: '1.0005' } },
        onDemand: { unit: 'hour', minimumUnits: 1, prices: { Q: '1' } },
        nrc: { install: '50.000' },
      },
    });
    check(await rate(terms, facts, '2026-01'), {
      lines: [
        L('nrc', 'S1', '50.000'),
        L('recurring', 'S1', '54.839'),
        L('discount', 'S1', '-5.484'),
        L('recurring', 'S2', '1.001'),
        L('discount', 'S2', '-0.100'),
      ],
      subtotal: '100.256',
      tax: '10.026',
      total: '110.282',
      taxes: [{ category: 'S', ratePercent: '10', taxable: '100.256', amount: '10.026' }],
      currency: 'BHD',
      decimals: 3,
    });
  });

  it('CLF has four decimals', async () => {
    // S1: 10.0000 × 17/31 = 5.483870 → 5.4839; discount −round(0.54839) = −0.5484; NRC 5.
    // S2 plan Q 2.00005 → 2.0001 (half up); discount −round(0.20001) = −0.2000.
    // Subtotal 5 + 5.4839 − 0.5484 + 2.0001 − 0.2000 = 11.7356; VAT 20 % = 2.34712 → 2.3471;
    // total 14.0827.
    const terms = makeTerms({
      top: { currency: 'CLF' },
      offering: {
        plans: { P: { mrc: '10.0000' }, Q: { mrc: '2.00005' } },
        onDemand: { unit: 'hour', minimumUnits: 1, prices: { Q: '1' } },
        nrc: { install: '5' },
      },
    });
    check(await rate(terms, facts, '2026-01'), {
      lines: [
        L('nrc', 'S1', '5.0000'),
        L('recurring', 'S1', '5.4839'),
        L('discount', 'S1', '-0.5484'),
        L('recurring', 'S2', '2.0001'),
        L('discount', 'S2', '-0.2000'),
      ],
      subtotal: '11.7356',
      tax: '2.3471',
      total: '14.0827',
      currency: 'CLF',
      decimals: 4,
    });
  });
});

describe('tax categories', () => {
  // One 1G service, full April, term 12 (no discount): subtotal 1200.00.
  const facts = svc('S1', '1G', 12, '2026-03-02T00:00:00Z');
  const cases = [
    { category: 'S', ratePercent: '21', tax: '252.00', total: '1452.00' },
    { category: 'AE', ratePercent: '0', tax: '0.00', total: '1200.00' },
    { category: 'Z', ratePercent: '0', tax: '0.00', total: '1200.00' },
    { category: 'E', ratePercent: '0', tax: '0.00', total: '1200.00' },
  ] as const;

  it.each(cases)('$category at $ratePercent %', async ({ category, ratePercent, tax, total }) => {
    const terms = makeTerms({ tax: { category, ratePercent } });
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('recurring', 'S1', '1200.00')],
      subtotal: '1200.00',
      tax,
      total,
      taxes: [{ category, ratePercent, taxable: '1200.00', amount: tax }],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Term discount
// ---------------------------------------------------------------------------------------------

describe('term discount', () => {
  it('only for termMonths ≥ minTermMonths', async () => {
    // Three 1G services for all of April: term 24 (< 36, no discount), 36 (= min, −120.00), 48 (−120.00).
    // Subtotal 3600 − 240 = 3360.00; VAT 672.00; total 4032.00.
    const facts = [
      ...svc('S1', '1G', 24, '2026-03-02T00:00:00Z'),
      ...svc('S2', '1G', 36, '2026-03-02T00:00:00Z'),
      ...svc('S3', '1G', 48, '2026-03-02T00:00:00Z'),
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('recurring', 'S2', '1200.00'),
        L('discount', 'S2', '-120.00'),
        L('recurring', 'S3', '1200.00'),
        L('discount', 'S3', '-120.00'),
      ],
      subtotal: '3360.00',
      tax: '672.00',
      total: '4032.00',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// SLA credits
// ---------------------------------------------------------------------------------------------

describe('SLA credits', () => {
  it('overlapping outages are merged; maintenance is excluded', async () => {
    // [04-03 10:00, 12:00) ∪ [11:00, 13:00) = 3 h = 10 800 s; the 6 h maintenance does not count.
    // A = 100 × (1 − 10800/2592000) = 99.5833 → only <99.9 applies → 5 %.
    // (Not merged: 4 h → 99.444 → 10 %; maintenance counted: 9 h → 98.75 → 25 %.)
    // Base 1200 − 120 = 1080.00 → −54.00. Subtotal 1026.00; VAT 205.20; total 1231.20.
    const facts = [
      ...svc('S1', '1G', 36, '2026-03-02T00:00:00Z'),
      outage('S1', '2026-04-03T10:00:00Z', '2026-04-03T12:00:00Z'),
      outage('S1', '2026-04-03T11:00:00Z', '2026-04-03T13:00:00Z'),
      outage('S1', '2026-04-05T00:00:00Z', '2026-04-05T06:00:00Z', true),
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('discount', 'S1', '-120.00'),
        L('sla-credit', 'S1', '-54.00'),
      ],
      subtotal: '1026.00',
      tax: '205.20',
      total: '1231.20',
    });
  });

  it('outages outside the exact active time do not count; active time is not rounded', async () => {
    // S1, S2 activated 04-10T09:30 → active = 14.5 h + 20 d = 1 780 200 s; MRC days 10..30 = 21:
    //   840.00 each (+ NRC 500 each), term 12 (no discount).
    // S1 outage [08:00, 12:00) → inside active 09:30..12:00 = 9000 s → A = 99.4944 → 10 % → −84.00.
    //   (With active rounded to 21 days, A would be 99.504 → 5 %.)
    // S2 outage [05:00, 10:30) → inside 3600 s → A = 99.7978 → 5 % → −42.00 (whole: 98.89 → 25 %).
    // S3 (since Feb, term 1) terminated 04-10T12:00 → active 9.5 d = 820 800 s; days 1..10:
    //   1200 × 10/30 = 400.00; outage [11:00, 18:00) → inside 3600 s → A = 99.561 → 5 % → −20.00.
    // Subtotal 2680 − 126 + 380 = 2934.00; VAT 586.80; total 3520.80.
    const facts = [
      ...svc('S1', '1G', 12, '2026-04-10T09:30:00Z'),
      ...svc('S2', '1G', 12, '2026-04-10T09:30:00Z'),
      ...svc('S3', '1G', 1, '2026-02-01T00:00:00Z'),
      outage('S1', '2026-04-10T08:00:00Z', '2026-04-10T12:00:00Z'),
      outage('S2', '2026-04-10T05:00:00Z', '2026-04-10T10:30:00Z'),
      terminated('S3', '2026-04-10T12:00:00Z'),
      outage('S3', '2026-04-10T11:00:00Z', '2026-04-10T18:00:00Z'),
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [
        L('nrc', 'S1', '500.00'),
        L('recurring', 'S1', '840.00'),
        L('sla-credit', 'S1', '-84.00'),
        L('nrc', 'S2', '500.00'),
        L('recurring', 'S2', '840.00'),
        L('sla-credit', 'S2', '-42.00'),
        L('recurring', 'S3', '400.00'),
        L('sla-credit', 'S3', '-20.00'),
      ],
      subtotal: '2934.00',
      tax: '586.80',
      total: '3520.80',
    });
  });

  it('an outage spanning two periods counts in each for its part', async () => {
    // Outage [03-31T22:00, 04-01T03:00): March 2 h → 7200/2678400 → A = 99.731 → 5 % → −60.00;
    // April 3 h → 10800/2592000 → 99.583 → 5 % → −60.00. (All 5 h in March would be 99.328 → 10 %.)
    const facts = [
      ...svc('S1', '1G', 12, '2026-02-01T00:00:00Z'),
      outage('S1', '2026-03-31T22:00:00Z', '2026-04-01T03:00:00Z'),
    ];
    for (const period of ['2026-03', '2026-04']) {
      check(await rate(makeTerms(), facts, period), {
        lines: [L('recurring', 'S1', '1200.00'), L('sla-credit', 'S1', '-60.00')],
        subtotal: '1140.00',
        tax: '228.00',
        total: '1368.00',
      });
    }
  });

  it('availability exactly at a tier boundary earns nothing from that tier (A < below)', async () => {
    // April: 0.1 % of 2 592 000 s = 2592 s = 43 m 12 s; 0.5 % = 12 960 s = 3 h 36 m.
    // S1 down 2592 s → A = 99.9 exactly → no credit.
    // S2 down 2593 s → A = 99.89996 → 5 % → −60.00.
    // S3 down 12960 s → A = 99.5 exactly → only the <99.9 tier → 5 % → −60.00.
    // Subtotal 3600 − 120 = 3480.00; VAT 696.00; total 4176.00.
    const facts = [
      ...svc('S1', '1G', 12, '2026-03-02T00:00:00Z'),
      ...svc('S2', '1G', 12, '2026-03-02T00:00:00Z'),
      ...svc('S3', '1G', 12, '2026-03-02T00:00:00Z'),
      outage('S1', '2026-04-05T10:00:00Z', '2026-04-05T10:43:12Z'),
      outage('S2', '2026-04-05T10:00:00Z', '2026-04-05T10:43:13Z'),
      outage('S3', '2026-04-05T10:00:00Z', '2026-04-05T13:36:00Z'),
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('recurring', 'S2', '1200.00'),
        L('sla-credit', 'S2', '-60.00'),
        L('recurring', 'S3', '1200.00'),
        L('sla-credit', 'S3', '-60.00'),
      ],
      subtotal: '3480.00',
      tax: '696.00',
      total: '4176.00',
    });
  });

  it('largest applicable tier, capped at creditCapPercent; tiers in any order', async () => {
    // Tiers (unsorted) <99.0 → 30, <99.9 → 5, <99.5 → 10; cap 25.
    // S1 (term 36) down 24 h → A = 96.667 → 30 → capped 25 % of (1200 − 120) = −270.00.
    // S2 (term 12) down 4 h → A = 99.444 → tiers 5 and 10 → 10 % of 1200 = −120.00.
    // Subtotal 810 + 1080 = 1890.00; VAT 378.00; total 2268.00.
    const terms = makeTerms({
      top: {
        sla: {
          tiers: [
            { below: '99.0', creditPercent: '30' },
            { below: '99.9', creditPercent: '5' },
            { below: '99.5', creditPercent: '10' },
          ],
          creditCapPercent: '25',
        },
      },
    });
    const facts = [
      ...svc('S1', '1G', 36, '2026-03-02T00:00:00Z'),
      ...svc('S2', '1G', 12, '2026-03-02T00:00:00Z'),
      outage('S1', '2026-04-05T00:00:00Z', '2026-04-06T00:00:00Z'),
      outage('S2', '2026-04-05T00:00:00Z', '2026-04-05T04:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('discount', 'S1', '-120.00'),
        L('sla-credit', 'S1', '-270.00'),
        L('recurring', 'S2', '1200.00'),
        L('sla-credit', 'S2', '-120.00'),
      ],
      subtotal: '1890.00',
      tax: '378.00',
      total: '2268.00',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Early termination
// ---------------------------------------------------------------------------------------------

describe('early termination', () => {
  it('term end clamped to Feb 28: terminating exactly then costs nothing, a second earlier n = 1', async () => {
    // Activated 2026-01-31T12:00, 1 month → term end 2026-02-28T12:00 (clamped from Feb 31).
    // Feb: termination 12:00 on the 28th rounds up to Mar 1 → days 1..28 → 1200.00.
    const terms = makeTerms();
    const atEnd = [...svc('S1', '1G', 1, '2026-01-31T12:00:00Z'), terminated('S1', '2026-02-28T12:00:00Z')];
    check(await rate(terms, atEnd, '2026-02'), {
      lines: [L('recurring', 'S1', '1200.00')],
      subtotal: '1200.00',
      tax: '240.00',
      total: '1440.00',
    });
    // 11:59:59: + 1 month = 03-28T11:59:59 ≥ term end → n = 1: 0.5 × 1200 × 1 = 600.00.
    const before = [...svc('S1', '1G', 1, '2026-01-31T12:00:00Z'), terminated('S1', '2026-02-28T11:59:59Z')];
    check(await rate(terms, before, '2026-02'), {
      lines: [L('recurring', 'S1', '1200.00'), L('early-termination', 'S1', '600.00')],
      subtotal: '1800.00',
      tax: '360.00',
      total: '2160.00',
    });
  });

  it('leap day activation: term end 2025-02-28, smallest n around the clamp', async () => {
    // Activated 2024-02-29T10:00, 12 months → term end 2025-02-28T10:00 (clamped).
    const terms = makeTerms();
    // Terminated exactly at term end: Feb 2025 days 1..28 → 1200.00, no charge.
    const atEnd = [...svc('S1', '1G', 12, '2024-02-29T10:00:00Z'), terminated('S1', '2025-02-28T10:00:00Z')];
    check(await rate(terms, atEnd, '2025-02'), {
      lines: [L('recurring', 'S1', '1200.00')],
      subtotal: '1200.00',
      tax: '240.00',
      total: '1440.00',
    });
    // Terminated 2025-01-28T10:00:00: + 1 month = 02-28T10:00 ≥ term end → n = 1 → 600.00.
    // Jan days 1..28: 1200 × 28/31 = 1083.87. Subtotal 1683.87; VAT 336.774 → 336.77; total 2020.64.
    const n1 = [...svc('S1', '1G', 12, '2024-02-29T10:00:00Z'), terminated('S1', '2025-01-28T10:00:00Z')];
    check(await rate(terms, n1, '2025-01'), {
      lines: [L('recurring', 'S1', '1083.87'), L('early-termination', 'S1', '600.00')],
      subtotal: '1683.87',
      tax: '336.77',
      total: '2020.64',
    });
    // Terminated 2025-01-28T09:59:59: + 1 month = 02-28T09:59:59 < term end → n = 2 → 1200.00.
    // Subtotal 2283.87; VAT 456.774 → 456.77; total 2740.64.
    const n2 = [...svc('S1', '1G', 12, '2024-02-29T10:00:00Z'), terminated('S1', '2025-01-28T09:59:59Z')];
    check(await rate(terms, n2, '2025-01'), {
      lines: [L('recurring', 'S1', '1083.87'), L('early-termination', 'S1', '1200.00')],
      subtotal: '2283.87',
      tax: '456.77',
      total: '2740.64',
    });
  });

  it('termination + n months is clamped too (Dec 31 + 2 months = Feb 28)', async () => {
    // Activated 2025-03-01T00:00, 12 months → term end 2026-03-01T00:00. Terminated 2025-12-31T06:00:
    // + 2 months = 2026-02-28T06:00 (clamped) < term end; + 3 = 2026-03-31T06:00 ≥ → n = 3:
    // 0.5 × 1200 × 3 = 1800.00. (Unclamped "Feb 31" = Mar 3 would give n = 2.)
    // Dec days 1..31 → 1200.00. Subtotal 3000.00; VAT 600.00; total 3600.00.
    const facts = [...svc('S1', '1G', 12, '2025-03-01T00:00:00Z'), terminated('S1', '2025-12-31T06:00:00Z')];
    check(await rate(makeTerms(), facts, '2025-12'), {
      lines: [L('recurring', 'S1', '1200.00'), L('early-termination', 'S1', '1800.00')],
      subtotal: '3000.00',
      tax: '600.00',
      total: '3600.00',
    });
  });

  it('smallest n exactly, at the list mrc of the plan at termination', async () => {
    // Activated 2026-01-15T09:30 (1G), 12 months → term end 2027-01-15T09:30; 10G from 2026-02-10.
    // March: 10G days 1..15: 4000 × 15/31 = 1935.48.
    const terms = makeTerms();
    const base = [
      ...svc('S1', '1G', 12, '2026-01-15T09:30:00Z'),
      modified('S1', '10G', '2026-02-10T00:00:00Z'),
    ];
    // Terminated 03-15T09:30:00: + 10 months = term end exactly → n = 10 → 0.5 × 4000 × 10 = 20000.00.
    // Subtotal 21935.48; VAT 4387.096 → 4387.10; total 26322.58.
    check(await rate(terms, [...base, terminated('S1', '2026-03-15T09:30:00Z')], '2026-03'), {
      lines: [L('recurring', 'S1', '1935.48'), L('early-termination', 'S1', '20000.00')],
      subtotal: '21935.48',
      tax: '4387.10',
      total: '26322.58',
    });
    // Terminated 03-15T09:29:59: + 10 months is one second short → n = 11 → 22000.00.
    // Subtotal 23935.48; VAT 4787.096 → 4787.10; total 28722.58.
    check(await rate(terms, [...base, terminated('S1', '2026-03-15T09:29:59Z')], '2026-03'), {
      lines: [L('recurring', 'S1', '1935.48'), L('early-termination', 'S1', '22000.00')],
      subtotal: '23935.48',
      tax: '4787.10',
      total: '28722.58',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// On-demand bandwidth
// ---------------------------------------------------------------------------------------------

describe('on-demand boosts', () => {
  it('ceil of partial units, minimum 1, line on the start period, not discounted nor in SLA base', async () => {
    // S1 1G since Feb, term 36; 1 h outage → A = 99.861 → 5 % of (1200 − 120) = −54.00.
    // Boosts at 10G 9.00/h: 2 h 10 m → 3 → 27.00; 20 m → 1 → 9.00; 2 h → 2 → 18.00;
    // [04-30T23:00, 05-01T02:30) = 3.5 h → 4 → 36.00 on April.
    // April: 1200 − 120 − 54 + 27 + 9 + 18 + 36 = 1116.00; VAT 223.20; total 1339.20.
    const facts = [
      ...svc('S1', '1G', 36, '2026-02-01T00:00:00Z'),
      outage('S1', '2026-04-02T00:00:00Z', '2026-04-02T01:00:00Z'),
      boost('S1', '10G', '2026-04-05T10:00:00Z', '2026-04-05T12:10:00Z'),
      boost('S1', '10G', '2026-04-06T10:00:00Z', '2026-04-06T10:20:00Z'),
      boost('S1', '10G', '2026-04-07T10:00:00Z', '2026-04-07T12:00:00Z'),
      boost('S1', '10G', '2026-04-30T23:00:00Z', '2026-05-01T02:30:00Z'),
      boost('S1', '1G', '2026-05-01T00:00:00Z', '2026-05-01T00:30:00Z'),
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('discount', 'S1', '-120.00'),
        L('sla-credit', 'S1', '-54.00'),
        L('on-demand', 'S1', '27.00'),
        L('on-demand', 'S1', '9.00'),
        L('on-demand', 'S1', '18.00'),
        L('on-demand', 'S1', '36.00'),
      ],
      subtotal: '1116.00',
      tax: '223.20',
      total: '1339.20',
    });
    // May: 1200 − 120; the crossing boost is not billed again; the 1G boost starting at May's start:
    // 30 m → 1 unit × 2.50. Subtotal 1082.50; VAT 216.50; total 1299.00.
    check(await rate(makeTerms(), facts, '2026-05'), {
      lines: [L('recurring', 'S1', '1200.00'), L('discount', 'S1', '-120.00'), L('on-demand', 'S1', '2.50')],
      subtotal: '1082.50',
      tax: '216.50',
      total: '1299.00',
    });
  });

  it('minimumUnits', async () => {
    // minimumUnits 4: 2 h → max(4, 2) = 4 × 9.00 = 36.00; 5 h 30 m → max(4, 6) = 6 × 9.00 = 54.00.
    // S1 1G term 12: 1200.00. Subtotal 1290.00; VAT 258.00; total 1548.00.
    const terms = makeTerms({
      offering: { onDemand: { unit: 'hour', minimumUnits: 4, prices: { '1G': '2.50', '10G': '9.00' } } },
    });
    const facts = [
      ...svc('S1', '1G', 12, '2026-02-01T00:00:00Z'),
      boost('S1', '10G', '2026-04-05T10:00:00Z', '2026-04-05T12:00:00Z'),
      boost('S1', '10G', '2026-04-06T10:00:00Z', '2026-04-06T15:30:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('recurring', 'S1', '1200.00'), L('on-demand', 'S1', '36.00'), L('on-demand', 'S1', '54.00')],
      subtotal: '1290.00',
      tax: '258.00',
      total: '1548.00',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

describe('usage', () => {
  it('per-unit, graduated, volume and package; at = period end belongs to the next period', async () => {
    // S1, S2 1G term 12, full April: 1200.00 each.
    // S1 gb (graduated 0 to 1000, then 0.05): 600 at 04-01T00:00 (in) + 900.5 → 1500.5:
    //   500.5 × 0.05 = 25.025 → 25.03. 1200 at 05-01T00:00 belongs to May.
    // S1 calls (per-unit 0.00125): 1000 + 4 → 1.255 → 1.26.
    // S1 sms (volume ≤1000 at 0.02, then 0.01): exactly 1000 → first tier: 20.00.
    // S1 ip (package 100 per 4.00): 250 → 3 blocks → 12.00.
    // S1 min (graduated 100 at 0.10, 1000 at 0.05, then 0.01): 1200 → 10 + 45 + 2 = 57.00.
    // S2 gb 2000 → 1000 × 0.05 = 50.00; sms 1001 → all at 0.01 = 10.01; ip 200 → 2 blocks = 8.00.
    // Subtotal 1315.29 + 1268.01 = 2583.30; VAT 516.66; total 3099.96.
    const terms = makeTerms({
      offering: {
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
          { metric: 'calls', pricing: { model: 'per-unit', price: '0.00125' } },
          {
            metric: 'sms',
            pricing: {
              model: 'volume',
              tiers: [
                { upTo: '1000', price: '0.02' },
                { upTo: null, price: '0.01' },
              ],
            },
          },
          { metric: 'ip', pricing: { model: 'package', size: '100', price: '4.00' } },
          {
            metric: 'min',
            pricing: {
              model: 'graduated',
              tiers: [
                { upTo: '100', price: '0.10' },
                { upTo: '1000', price: '0.05' },
                { upTo: null, price: '0.01' },
              ],
            },
          },
        ],
      },
    });
    const facts = [
      ...svc('S1', '1G', 12, '2026-02-01T00:00:00Z'),
      ...svc('S2', '1G', 12, '2026-02-01T00:00:00Z'),
      usage('S1', 'gb', '600', '2026-04-01T00:00:00Z'),
      usage('S1', 'gb', '900.5', '2026-04-20T12:00:00Z'),
      usage('S1', 'gb', '1200', '2026-05-01T00:00:00Z'),
      usage('S1', 'calls', '1000', '2026-04-02T00:00:00Z'),
      usage('S1', 'calls', '4', '2026-04-03T00:00:00Z'),
      usage('S1', 'sms', '1000', '2026-04-04T00:00:00Z'),
      usage('S1', 'ip', '250', '2026-04-05T00:00:00Z'),
      usage('S1', 'min', '1200', '2026-04-06T00:00:00Z'),
      usage('S2', 'gb', '2000', '2026-04-07T00:00:00Z'),
      usage('S2', 'sms', '1001', '2026-04-08T00:00:00Z'),
      usage('S2', 'ip', '200', '2026-04-30T23:59:59Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('recurring', 'S2', '1200.00'),
        L('usage', 'S1', '25.03'),
        L('usage', 'S1', '1.26'),
        L('usage', 'S1', '20.00'),
        L('usage', 'S1', '12.00'),
        L('usage', 'S1', '57.00'),
        L('usage', 'S2', '50.00'),
        L('usage', 'S2', '10.01'),
        L('usage', 'S2', '8.00'),
      ],
      subtotal: '2583.30',
      tax: '516.66',
      total: '3099.96',
    });
    // May: 2 × 1200 + S1 gb 1200 → 200 × 0.05 = 10.00. Subtotal 2410.00; VAT 482.00; total 2892.00.
    check(await rate(terms, facts, '2026-05'), {
      lines: [L('recurring', 'S1', '1200.00'), L('recurring', 'S2', '1200.00'), L('usage', 'S1', '10.00')],
      subtotal: '2410.00',
      tax: '482.00',
      total: '2892.00',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Further edge cases
// ---------------------------------------------------------------------------------------------

describe('edge cases', () => {
  it('facts in any file order give the same invoice (worked example reversed)', async () => {
    const terms = makeTerms({ top: { effectiveFrom: '2026-01-01T00:00:00Z' } });
    const facts: Obj[] = [
      terminated('S1', '2026-03-10T08:00:00Z'),
      modified('S1', '10G', '2026-02-20T13:00:00Z'),
      outage('S1', '2026-02-03T10:00:00Z', '2026-02-03T14:30:00Z'),
      { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' },
      {
        type: 'service.ordered',
        service: 'S1',
        offering: 'dia',
        plan: '1G',
        termMonths: 36,
        at: '2026-01-05T10:00:00Z',
      },
    ];
    check(await rate(terms, facts, '2026-02'), {
      lines: [
        L('recurring', 'S1', '814.29'),
        L('discount', 'S1', '-81.43'),
        L('recurring', 'S1', '1285.71'),
        L('discount', 'S1', '-128.57'),
        L('sla-credit', 'S1', '-189.00'),
      ],
      subtotal: '1701.00',
      tax: '340.20',
      total: '2041.20',
    });
  });

  it('termination exactly at a period start: early-termination fee on that (otherwise empty) period', async () => {
    // S1 1G since 2026-02-01, 36 months → term end 2029-02-01T00:00. Terminated 2026-04-01T00:00,
    // which lies in April's [start, end). March: full month 1200 − 120 = 1080.00, no fee.
    // April: no recurring; + 33 months = 2029-01-01 < term end, + 34 = 2029-02-01 ≥ → n = 34:
    // 0.5 × 1200 × 34 = 20400.00; VAT 4080.00; total 24480.00. An outage after termination is outside
    // the active time (active = 0 s in April): no SLA line, no division by zero.
    const facts = [
      ...svc('S1', '1G', 36, '2026-02-01T00:00:00Z'),
      terminated('S1', '2026-04-01T00:00:00Z'),
      outage('S1', '2026-04-02T00:00:00Z', '2026-04-03T00:00:00Z'),
    ];
    check(await rate(makeTerms(), facts, '2026-03'), {
      lines: [L('recurring', 'S1', '1200.00'), L('discount', 'S1', '-120.00')],
      subtotal: '1080.00',
      tax: '216.00',
      total: '1296.00',
    });
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [L('early-termination', 'S1', '20400.00')],
      subtotal: '20400.00',
      tax: '4080.00',
      total: '24480.00',
    });
  });

  it('activated and terminated on the same day (day proration)', async () => {
    // [04-10T10:00, 04-10T12:00) → day 10 only: 1200 × 1/30 = 40.00; NRC 500. Term end
    // 2026-05-10T10:00; + 1 month = 05-10T12:00 ≥ → n = 1 → 600.00. Subtotal 1140.00; VAT 228.00.
    const facts = [...svc('S1', '1G', 1, '2026-04-10T10:00:00Z'), terminated('S1', '2026-04-10T12:00:00Z')];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [
        L('nrc', 'S1', '500.00'),
        L('recurring', 'S1', '40.00'),
        L('early-termination', 'S1', '600.00'),
      ],
      subtotal: '1140.00',
      tax: '228.00',
      total: '1368.00',
    });
  });

  it('America/New_York: termination, fee and a boost late on March 31 local belong to March', async () => {
    // S1 1G from 2026-01-15T17:00Z (12:00 EST), 12 months → term end 2027-01-15T17:00Z.
    // Terminated 2026-04-01T03:00Z = March 31 23:00 EDT → rounds up to April 1 00:00 local: March is
    // whole: 1200.00. + 9 months = 2027-01-01 < term end, + 10 ≥ → n = 10 → 6000.00 (same in UTC or
    // local arithmetic). Boost 10G [04-01T02:30Z, 03:00Z) = 30 m → 1 unit → 9.00, starts March 31 local.
    // Subtotal 7209.00; VAT 1441.80; total 8650.80. April: nothing.
    const terms = makeTerms({ billing: { timeZone: 'America/New_York' } });
    const facts = [
      ...svc('S1', '1G', 12, '2026-01-15T17:00:00Z'),
      boost('S1', '10G', '2026-04-01T02:30:00Z', '2026-04-01T03:00:00Z'),
      terminated('S1', '2026-04-01T03:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-03'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('early-termination', 'S1', '6000.00'),
        L('on-demand', 'S1', '9.00'),
      ],
      subtotal: '7209.00',
      tax: '1441.80',
      total: '8650.80',
    });
    check(await rate(terms, facts, '2026-04'), {
      lines: [],
      subtotal: '0.00',
      tax: '0.00',
      total: '0.00',
      taxes: null,
    });
  });

  it('Europe/Amsterdam, second proration across the DST switch', async () => {
    // Period March = 743 h = 2 674 800 s. Activated 2026-03-29T01:00:00Z (the switch instant);
    // to 03-31T22:00Z = 2 d 21 h = 248 400 s: 1200 × 248400/2674800 = 111.4401 → 111.44; NRC 500.
    // Subtotal 611.44; VAT 122.288 → 122.29; total 733.73.
    const terms = makeTerms({ billing: { timeZone: 'Europe/Amsterdam', proration: 'second' } });
    check(await rate(terms, svc('S1', '1G', 12, '2026-03-29T01:00:00Z'), '2026-03'), {
      lines: [L('nrc', 'S1', '500.00'), L('recurring', 'S1', '111.44')],
      subtotal: '611.44',
      tax: '122.29',
      total: '733.73',
    });
  });

  it('large amounts stay exact', async () => {
    // 123456789012.34 × 17/31 = 67702110103.5413 → 67702110103.54; discount −6770211010.354 →
    // −6770211010.35. Subtotal 60931899093.19; VAT 12186379818.638 → 12186379818.64;
    // total 73118278911.83. (No NRC: nrc {}.)
    const terms = makeTerms({
      offering: {
        plans: { huge: { mrc: '123456789012.34' } },
        nrc: {},
        onDemand: { unit: 'hour', minimumUnits: 1, prices: { huge: '1' } },
      },
    });
    check(await rate(terms, svc('S1', 'huge', 36, '2026-01-15T09:30:00Z'), '2026-01'), {
      lines: [L('recurring', 'S1', '67702110103.54'), L('discount', 'S1', '-6770211010.35')],
      subtotal: '60931899093.19',
      tax: '12186379818.64',
      total: '73118278911.83',
    });
  });

  it('package with a fractional quantity rounds the block up', async () => {
    // 200.5 → ceil(200.5/100) = 3 blocks × 4.00 = 12.00. S1 1G term 12: 1200.00.
    // Subtotal 1212.00; VAT 242.40; total 1454.40.
    const terms = makeTerms({
      offering: { usage: [{ metric: 'ip', pricing: { model: 'package', size: '100', price: '4.00' } }] },
    });
    const facts = [
      ...svc('S1', '1G', 12, '2026-02-01T00:00:00Z'),
      usage('S1', 'ip', '200.5', '2026-04-10T00:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [L('recurring', 'S1', '1200.00'), L('usage', 'S1', '12.00')],
      subtotal: '1212.00',
      tax: '242.40',
      total: '1454.40',
    });
  });
});

describe('edge cases, exactness', () => {
  it('Europe/Amsterdam: availability uses the 743-hour March (2 674 800 s)', async () => {
    // 0.1 % of 2 674 800 s = 2674.8 s. S1 down 2675 s (44 m 35 s) → A = 99.89999 < 99.9 → 5 % → −60.00;
    // S2 down 2674 s → A = 99.90003 → no credit. (With 31 × 86 400 s both would be ≥ 99.9.)
    // Subtotal 2400 − 60 = 2340.00; VAT 468.00; total 2808.00.
    const terms = makeTerms({ billing: { timeZone: 'Europe/Amsterdam' } });
    const facts = [
      ...svc('S1', '1G', 12, '2026-02-01T00:00:00Z'),
      ...svc('S2', '1G', 12, '2026-02-01T00:00:00Z'),
      outage('S1', '2026-03-10T10:00:00Z', '2026-03-10T10:44:35Z'),
      outage('S2', '2026-03-10T10:00:00Z', '2026-03-10T10:44:34Z'),
    ];
    check(await rate(terms, facts, '2026-03'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('sla-credit', 'S1', '-60.00'),
        L('recurring', 'S2', '1200.00'),
      ],
      subtotal: '2340.00',
      tax: '468.00',
      total: '2808.00',
    });
  });

  it('the early-termination fee is not in the SLA base', async () => {
    // S1 1G, 36 months from 2026-01-15T09:30, terminated 2026-04-15T12:00.
    // April days 1..15: 600.00; discount −60.00. Active 14.5 d = 1 252 800 s; down 3600 s →
    // A = 99.7126 → 5 % of 540.00 = −27.00. + 32 months = 2028-12-15 < term end 2029-01-15T09:30,
    // + 33 = 2029-01-15T12:00 ≥ → n = 33 → 0.5 × 1200 × 33 = 19800.00.
    // Subtotal 20313.00; VAT 4062.60; total 24375.60.
    const facts = [
      ...svc('S1', '1G', 36, '2026-01-15T09:30:00Z'),
      outage('S1', '2026-04-02T00:00:00Z', '2026-04-02T01:00:00Z'),
      terminated('S1', '2026-04-15T12:00:00Z'),
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '600.00'),
        L('discount', 'S1', '-60.00'),
        L('sla-credit', 'S1', '-27.00'),
        L('early-termination', 'S1', '19800.00'),
      ],
      subtotal: '20313.00',
      tax: '4062.60',
      total: '24375.60',
    });
  });

  it('early-termination, on-demand and graduated usage lines are rounded once', async () => {
    // proration none; plan A 100.005 → recurring 100.01.
    // Term 2 months from 2026-03-02 → end 2026-05-02; terminated 2026-04-10: + 1 month ≥ end → n = 1:
    //   0.5 × 100.005 × 1 = 50.0025 → 50.00 (not 0.5 × 100.01 = 50.005 → 50.01).
    // Boost 3 h at 2.505 → 7.515 → 7.52 (not 3 × 2.51 = 7.53).
    // Usage graduated 0.005 up to 1, then 0.005: 2 units → 0.010 → 0.01 (not 0.01 + 0.01).
    // Subtotal 100.01 + 50.00 + 7.52 + 0.01 = 157.54; VAT 31.508 → 31.51; total 189.05.
    const terms = makeTerms({
      billing: { proration: 'none' },
      offering: {
        plans: { A: { mrc: '100.005' } },
        nrc: {},
        onDemand: { unit: 'hour', minimumUnits: 1, prices: { A: '2.505' } },
        usage: [
          {
            metric: 'gb',
            pricing: {
              model: 'graduated',
              tiers: [
                { upTo: '1', price: '0.005' },
                { upTo: null, price: '0.005' },
              ],
            },
          },
        ],
      },
    });
    const facts = [
      ...svc('S1', 'A', 2, '2026-03-02T00:00:00Z'),
      boost('S1', 'A', '2026-04-05T00:00:00Z', '2026-04-05T03:00:00Z'),
      usage('S1', 'gb', '2', '2026-04-06T00:00:00Z'),
      terminated('S1', '2026-04-10T00:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '100.01'),
        L('early-termination', 'S1', '50.00'),
        L('on-demand', 'S1', '7.52'),
        L('usage', 'S1', '0.01'),
      ],
      subtotal: '157.54',
      tax: '31.51',
      total: '189.05',
    });
  });

  it('America/New_York: termination at local midnight bills up to the previous day', async () => {
    // 2026-03-15T04:00Z = March 15 00:00 EDT, a local day boundary → days 1..14: 1200 × 14/31 =
    // 541.935 → 541.94. S1 since Jan, term 1 → no fee. Subtotal 541.94; VAT 108.388 → 108.39; 650.33.
    const terms = makeTerms({ billing: { timeZone: 'America/New_York' } });
    const facts = [...svc('S1', '1G', 1, '2026-01-15T17:00:00Z'), terminated('S1', '2026-03-15T04:00:00Z')];
    check(await rate(terms, facts, '2026-03'), {
      lines: [L('recurring', 'S1', '541.94')],
      subtotal: '541.94',
      tax: '108.39',
      total: '650.33',
    });
  });
});

describe('edge cases, further', () => {
  it('two offerings with the same plan name are priced by their own offering', async () => {
    // S1 dia 1G 1200.00 + install 500.00; S2 transit 1G 800.00 + setup 100.00; both 36 months →
    // −120.00 and −80.00. Subtotal 2400.00; VAT 480.00; total 2880.00.
    const terms = {
      ...makeTerms(),
      offerings: [
        (makeTerms().offerings as Obj[])[0],
        { id: 'transit', name: 'IP Transit', plans: { '1G': { mrc: '800.00' } }, nrc: { setup: '100.00' } },
      ],
    };
    const facts = [
      ...svc('S1', '1G', 36, '2026-04-01T00:00:00Z'),
      {
        type: 'service.ordered',
        service: 'S2',
        offering: 'transit',
        plan: '1G',
        termMonths: 36,
        at: ORDER_AT,
      },
      { type: 'service.activated', service: 'S2', at: '2026-04-01T00:00:00Z' },
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('nrc', 'S1', '500.00'),
        L('recurring', 'S1', '1200.00'),
        L('discount', 'S1', '-120.00'),
        L('nrc', 'S2', '100.00'),
        L('recurring', 'S2', '800.00'),
        L('discount', 'S2', '-80.00'),
      ],
      subtotal: '2400.00',
      tax: '480.00',
      total: '2880.00',
    });
  });

  it('usage inside a free tier still gives its one line per service and metric (0.00)', async () => {
    // "One line per service and metric": 500 gb, all in the 0-priced first tier → 0.00.
    const facts = [
      ...svc('S1', '1G', 12, '2026-02-01T00:00:00Z'),
      usage('S1', 'gb', '500', '2026-04-02T00:00:00Z'),
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [L('recurring', 'S1', '1200.00'), L('usage', 'S1', '0.00')],
      subtotal: '1200.00',
      tax: '240.00',
      total: '1440.00',
    });
  });

  it('early termination in a non-UTC zone: months are added on the local calendar (ambiguous)', async () => {
    // TERMS.md does not say in which zone "the same day and time" is taken; the implementation uses
    // billing.timeZone, which we find the natural reading. Asia/Kolkata: activation 2026-01-30T20:00Z =
    // Jan 31 01:30 IST; + 1 month (clamped) = Feb 28 01:30 IST = 2026-02-27T20:00Z. Terminated
    // 2026-02-28T10:00Z is after that → no fee. (In UTC, Jan 30 + 1 month = Feb 28 20:00Z → n = 1, 600.00.)
    // February is whole (Feb 28 15:30 IST rounds up to Mar 1 local): 1200.00.
    const terms = makeTerms({ billing: { timeZone: 'Asia/Kolkata' } });
    const facts = [...svc('S1', '1G', 1, '2026-01-30T20:00:00Z'), terminated('S1', '2026-02-28T10:00:00Z')];
    check(await rate(terms, facts, '2026-02'), {
      lines: [L('recurring', 'S1', '1200.00')],
      subtotal: '1200.00',
      tax: '240.00',
      total: '1440.00',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid input: exit 2 and a message naming file, line and field
// ---------------------------------------------------------------------------------------------

describe('invalid input', () => {
  const goodFacts = svc('S1', '1G', 12, '2026-02-01T00:00:00Z');

  async function rateText(
    termsText: string,
    factsText: string,
  ): Promise<Run & { terms: string; facts: string }> {
    const files = scratch(termsText, factsText);
    const result = await runRate([
      '--terms',
      files.terms,
      '--events',
      files.facts,
      '--period',
      '2026-04',
      '--json',
    ]);
    return { ...result, ...files };
  }

  it('a fact with a bad `at` on line 3', async () => {
    const facts = [...goodFacts, terminated('S1', '2026-04-31T10:00:00Z')];
    const r = await rateText(JSON.stringify(makeTerms(), null, 2), jsonl(facts));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('facts.jsonl');
    expect(r.err).toMatch(/\b3\b/);
    expect(r.err).toMatch(/\bat\b/);
  });

  it('terms with a JSON number for an amount', async () => {
    const text = JSON.stringify(makeTerms(), null, 2).replace('"mrc": "1200.00"', '"mrc": 1200');
    const line = text.split('\n').findIndex((l) => l.includes('"mrc": 1200')) + 1;
    const r = await rateText(text, jsonl(goodFacts));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('terms.json');
    expect(r.err).toContain(`${line}`);
    expect(r.err).toMatch(/offerings\[0\]\.plans\.1G\.mrc/);
  });

  it('an unknown currency', async () => {
    const r = await rateText(
      JSON.stringify(makeTerms({ top: { currency: 'XYZ' } }), null, 2),
      jsonl(goodFacts),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('terms.json');
    expect(r.err).toMatch(/currency/);
  });

  it('invalid JSON in the terms', async () => {
    const r = await rateText('{\n  "schema": "smart-bilateral/terms@1",\n  "id": \n}\n', jsonl(goodFacts));
    expect(r.code).toBe(2);
    expect(r.err).toContain('terms.json');
  });

  it('invalid JSON on line 2 of the facts', async () => {
    const text = JSON.stringify(goodFacts[0]) + '\n{"type": "service.activated", "service": "S1",\n';
    const r = await rateText(JSON.stringify(makeTerms(), null, 2), text);
    expect(r.code).toBe(2);
    expect(r.err).toContain('facts.jsonl');
    expect(r.err).toMatch(/\b2\b/);
  });

  it.each([
    ['billing.proration', { billing: { proration: 'week' } }],
    ['billing.timeZone', { billing: { timeZone: 'Mars/Olympus' } }],
    ['tax.category', { tax: { category: 'X' } }],
    ['tax.ratePercent', { tax: { ratePercent: 20 } }],
  ] as const)('terms with a bad %s', async (path, patch) => {
    const r = await rateText(JSON.stringify(makeTerms(patch), null, 2), jsonl(goodFacts));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('terms.json');
    expect(r.err).toContain(path);
  });
});

describe('decisions where TERMS.md is silent', () => {
  it('usage quantity given as a JSON integer is taken exactly, like the string', async () => {
    // §2 gives no type for a fact's quantity; a JSON integer is exact, so it is accepted.
    // 1500 gb, graduated 0 up to 1000 then 0.05 → 500 × 0.05 = 25.00; S1 1G all April 1200.00.
    // Subtotal 1225.00; VAT 245.00; total 1470.00.
    const facts = [
      ...svc('S1', '1G', 12, '2026-02-01T00:00:00Z'),
      { type: 'usage', service: 'S1', metric: 'gb', quantity: 1500, at: '2026-04-10T00:00:00Z', id: 'n-1' },
    ];
    check(await rate(makeTerms(), facts, '2026-04'), {
      lines: [L('recurring', 'S1', '1200.00'), L('usage', 'S1', '25.00')],
      subtotal: '1225.00',
      tax: '245.00',
      total: '1470.00',
    });
  });

  it('two applicable term discounts are tiers: the largest applicable percent applies', async () => {
    // §3 gives each recurring line "a discount line" (singular): term discounts are read as tiers.
    // S1 (36 months) gets 10 % → −120.00; S2 (12 months) gets 5 % → −60.00.
    // Subtotal 2400 − 180 = 2220.00; VAT 444.00; total 2664.00.
    const terms = makeTerms({
      top: {
        discounts: [
          { id: 'term-12', kind: 'term', minTermMonths: 12, percent: '5' },
          { id: 'term-36', kind: 'term', minTermMonths: 36, percent: '10' },
        ],
      },
    });
    const facts = [
      ...svc('S1', '1G', 36, '2026-02-01T00:00:00Z'),
      ...svc('S2', '1G', 12, '2026-02-01T00:00:00Z'),
    ];
    check(await rate(terms, facts, '2026-04'), {
      lines: [
        L('recurring', 'S1', '1200.00'),
        L('discount', 'S1', '-120.00'),
        L('recurring', 'S2', '1200.00'),
        L('discount', 'S2', '-60.00'),
      ],
      subtotal: '2220.00',
      tax: '444.00',
      total: '2664.00',
    });
  });
});
