/**
 * Audit cases of `sb rate` on which our reading of docs/TERMS.md and the implementation disagree.
 *
 * Not named `*.test.ts`, so CI does not run it: both cases sit where TERMS.md is silent or
 * ambiguous, and the owner of src/core should decide (and, ideally, TERMS.md should say). To run
 * them: `cp test/rate-audit.disputed.ts test/rate-audit.disputed.test.ts && npx vitest run
 * test/rate-audit.disputed.test.ts; rm test/rate-audit.disputed.test.ts`.
 */
import { describe, it } from 'vitest';
import { check, L, makeTerms, rate, svc } from './fixtures/rate-audit/harness.ts';

describe('sb rate audit: disputed', () => {
  it('usage quantity given as a JSON integer is accepted like the string', async () => {
    // DISAGREES WITH IMPLEMENTATION: the CLI exits 2 with `facts.jsonl:3: quantity: expected a decimal
    // string`. TERMS.md §1 requires decimal strings for "every amount, rate and
    // percentage" of the *terms document*; §2 gives no type for a fact's `quantity` (and other fact
    // fields, termMonths and maintenance, are plain JSON values). An examiner writing a usage fact
    // from §2 alone may well write `"quantity": 1500`. A JSON integer is exact, so accepting it costs
    // nothing; rejecting it fails every such hidden case outright.
    // Expected: 1500 gb, graduated 0 up to 1000 then 0.05 → 500 × 0.05 = 25.00. S1 1G all April
    // 1200.00. Subtotal 1225.00; VAT 245.00; total 1470.00.
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

  it('two applicable term discounts: one discount line each', async () => {
    // DISAGREES WITH IMPLEMENTATION (ambiguous rule): the implementation treats term discounts as
    // tiers and applies only the applicable one with the largest percent (recurring.ts
    // bestTermDiscount), giving S1 only −120.00 (subtotal 2220.00). TERMS.md §3 speaks of one discount
    // ("When a service's termMonths ≥ minTermMonths, each of its recurring lines gets a discount
    // line"), applied per `discounts` entry, and never says they are exclusive; read per entry, each
    // applicable entry adds its own line. "a discount line" (singular) supports the implementation,
    // so this needs a decision and a sentence in TERMS.md rather than a code change.
    // Expected (per entry): term-12 5 % and term-36 10 %; S1 (36 months) −60.00 and −120.00;
    // S2 (12 months) −60.00. Subtotal 2400 − 240 = 2160.00; VAT 432.00; total 2592.00.
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
        L('discount', 'S1', '-60.00'),
        L('discount', 'S1', '-120.00'),
        L('recurring', 'S2', '1200.00'),
        L('discount', 'S2', '-60.00'),
      ],
      subtotal: '2160.00',
      tax: '432.00',
      total: '2592.00',
    });
  });
});
