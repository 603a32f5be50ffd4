import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { termsJson } from './fixtures/build.ts';
import { parseTerms } from './terms.ts';

const example = JSON.parse(
  readFileSync(new URL('./fixtures/dia-acme-globex/terms.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function issuesOf(json: unknown): { path: string; rule: string }[] {
  try {
    parseTerms(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('TERMS_INVALID');
    return (error as ValidationError).issues.map(({ path, rule }) => ({ path, rule }));
  }
  throw new Error('expected TERMS_INVALID');
}

// biome-ignore lint/suspicious/noExplicitAny: a test edits the parsed JSON document freely
function withChange(change: (doc: any) => void): unknown {
  const doc = structuredClone(example);
  change(doc);
  return doc;
}

describe('parseTerms', () => {
  it('accepts the worked example and returns it deeply frozen', () => {
    const terms = parseTerms(example);
    expect(terms.id).toBe('msa-acme-globex-2026');
    expect(Object.isFrozen(terms)).toBe(true);
    expect(Object.isFrozen(terms.offerings[0]!.plans['1G'])).toBe(true);
    expect(terms).not.toBe(example);
  });

  it('keeps unknown extra fields', () => {
    const terms = parseTerms({ ...example, region: 'EU' }) as unknown as Record<string, unknown>;
    expect(terms.region).toBe('EU');
  });

  it('rejects a JSON number as an amount, at its path', () => {
    const doc = withChange((d) => {
      d.offerings[0].plans['1G'].mrc = 1200;
    });
    expect(issuesOf(doc)).toEqual([{ path: 'offerings[0].plans.1G.mrc', rule: 'expected a decimal string' }]);
  });

  it('collects every issue, not only the first', () => {
    const doc = withChange((d) => {
      d.schema = 'smart-bilateral/terms@2';
      d.currency = 'XYZ';
      d.effectiveFrom = '2026-01-01';
      d.billing.timeZone = 'Mars/Olympus';
      d.billing.proration = 'week';
      d.billing.rounding = 'nearest';
      d.billing.paymentTermsDays = '30';
      d.tax.ratePercent = 20;
      d.offerings[0].nrc.install = '500,00';
      d.offerings[0].onDemand.prices['40G'] = '1,00';
      d.discounts[0].percent = '110';
      d.sla.tiers[1].below = '1e2';
      d.termination.earlyTerminationPercent = '';
    });
    expect(issuesOf(doc)).toEqual([
      { path: 'schema', rule: 'expected "smart-bilateral/terms@1"' },
      { path: 'currency', rule: 'expected an ISO 4217 currency code' },
      { path: 'effectiveFrom', rule: 'expected an RFC 3339 UTC time' },
      { path: 'billing.timeZone', rule: 'expected an IANA time zone' },
      { path: 'billing.proration', rule: 'expected one of "day", "hour", "second", "none"' },
      { path: 'billing.rounding', rule: 'expected one of "half-up", "half-even", "down", "up"' },
      { path: 'billing.paymentTermsDays', rule: 'expected a non-negative integer' },
      { path: 'tax.ratePercent', rule: 'expected a decimal string' },
      { path: 'offerings[0].nrc.install', rule: 'expected a decimal string' },
      { path: 'offerings[0].onDemand.prices.40G', rule: 'expected a decimal string' },
      { path: 'discounts[0].percent', rule: 'expected a percentage from 0 to 100' },
      { path: 'sla.tiers[1].below', rule: 'expected a decimal string' },
      { path: 'termination.earlyTerminationPercent', rule: 'expected a decimal string' },
    ]);
  });

  it('names missing required fields', () => {
    const doc = withChange((d) => {
      delete d.seller.id;
      delete d.billing;
      delete d.offerings[0].plans['10G'].mrc;
    });
    expect(issuesOf(doc)).toEqual([
      { path: 'seller.id', rule: 'expected a non-empty string' },
      { path: 'billing', rule: 'expected an object' },
      { path: 'offerings[0].plans.10G.mrc', rule: 'expected a decimal string' },
    ]);
    expect(issuesOf([])).toEqual([{ path: '', rule: 'expected an object' }]);
  });

  it('requires rate "0" for reverse charge, zero rated and exempt', () => {
    for (const category of ['AE', 'Z', 'E']) {
      expect(issuesOf(termsJson({ tax: { category, ratePercent: '20' } }))).toEqual([
        { path: 'tax.ratePercent', rule: `expected "0" for tax category ${category}` },
      ]);
      expect(() => parseTerms(termsJson({ tax: { category, ratePercent: '0' } }))).not.toThrow();
    }
    expect(issuesOf(termsJson({ tax: { category: 'X', ratePercent: '0' } }))).toEqual([
      { path: 'tax.category', rule: 'expected one of "S", "AE", "Z", "E"' },
    ]);
  });

  it('checks usage tiers: ordered, last upTo null', () => {
    const usage = (tiers: unknown) =>
      termsJson({
        offerings: [
          {
            id: 'dia',
            plans: { A: { mrc: '1.00' } },
            usage: [{ metric: 'gb', pricing: { model: 'graduated', tiers } }],
          },
        ],
      });
    const at = 'offerings[0].usage[0].pricing.tiers';
    expect(
      issuesOf(
        usage([
          { upTo: '100', price: '1' },
          { upTo: '50', price: '1' },
          { upTo: null, price: 0.5 },
        ]),
      ),
    ).toEqual([
      { path: `${at}[1].upTo`, rule: 'expected tiers in increasing order of upTo' },
      { path: `${at}[2].price`, rule: 'expected a decimal string' },
    ]);
    expect(
      issuesOf(
        usage([
          { upTo: null, price: '1' },
          { upTo: '100', price: '1' },
        ]),
      ),
    ).toEqual([
      { path: `${at}[0].upTo`, rule: 'only the last tier may have upTo null' },
      { path: `${at}[1].upTo`, rule: 'expected null in the last tier' },
    ]);
    expect(issuesOf(usage([]))).toEqual([{ path: at, rule: 'expected a non-empty array' }]);
  });

  it('checks the shapes of per-unit, package and unknown pricing models', () => {
    const pricing = (p: unknown) =>
      termsJson({
        offerings: [{ id: 'dia', plans: { A: { mrc: '1.00' } }, usage: [{ metric: 'gb', pricing: p }] }],
      });
    const at = 'offerings[0].usage[0].pricing';
    expect(issuesOf(pricing({ model: 'per-unit', price: '-0.01' }))).toEqual([
      { path: `${at}.price`, rule: 'expected a non-negative decimal string' },
    ]);
    expect(issuesOf(pricing({ model: 'package', size: '0', price: '4.00' }))).toEqual([
      { path: `${at}.size`, rule: 'expected a positive decimal string' },
    ]);
    expect(issuesOf(pricing({ model: 'tiered' }))).toEqual([
      { path: `${at}.model`, rule: 'expected one of "per-unit", "graduated", "volume", "package"' },
    ]);
  });

  it('rejects duplicate ids and the same party on both sides', () => {
    const doc = termsJson({
      buyer: { id: 'seller', name: 'Same' },
      offerings: [
        { id: 'dia', plans: { A: { mrc: '1.00' } } },
        { id: 'dia', plans: {} },
      ],
    });
    expect(issuesOf(doc)).toEqual([
      { path: 'buyer.id', rule: 'expected a party other than the seller' },
      { path: 'offerings[1].plans', rule: 'expected at least one plan' },
      { path: 'offerings[1].id', rule: 'expected a unique offering id' },
    ]);
  });
});
