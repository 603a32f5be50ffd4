/**
 * The terms document — the MSA as code (TERMS.md §1) — and its validation.
 * `parseTerms` checks every rule and reports all broken ones at once, each
 * at its JSON path; it returns the document deeply frozen. Unknown extra
 * fields are kept (the product may add fields), never interpreted.
 */
import { isTimeZone } from './calendar.ts';
import { Checker, child, type DecimalBounds, deepFreeze } from './checker.ts';
import { isCurrencyCode } from './currency.ts';
import { parseDecimal, ROUNDING_MODES, type RoundingMode } from './decimal.ts';
import { ValidationError } from './errors.ts';
import { checkOfferings, type Offering } from './offering.ts';
import { HUNDRED, ZERO } from './rational.ts';

export const TERMS_SCHEMA = 'smart-bilateral/terms@1';
export const PRORATIONS = ['day', 'hour', 'second', 'none'] as const;
export type Proration = (typeof PRORATIONS)[number];
/** S standard; AE reverse charge; Z zero rated; E exempt. */
export const TAX_CATEGORIES = ['S', 'AE', 'Z', 'E'] as const;
export type TaxCategory = (typeof TAX_CATEGORIES)[number];

export interface Party {
  readonly id: string;
  readonly name?: string;
  readonly country?: string;
  readonly vatId?: string;
}

export interface Billing {
  readonly cycle: 'monthly';
  readonly timeZone: string;
  readonly proration: Proration;
  readonly rounding: RoundingMode;
  readonly paymentTermsDays: number;
}

export interface Discount {
  readonly id: string;
  readonly kind: 'term';
  readonly minTermMonths: number;
  readonly percent: string;
}

export interface Sla {
  readonly tiers: readonly { readonly below: string; readonly creditPercent: string }[];
  /** No cap when absent. */
  readonly creditCapPercent?: string;
}

export interface Terms {
  readonly schema: typeof TERMS_SCHEMA;
  readonly id: string;
  readonly title?: string;
  readonly seller: Party;
  readonly buyer: Party;
  readonly currency: string;
  readonly effectiveFrom: string;
  readonly billing: Billing;
  readonly tax: { readonly category: TaxCategory; readonly ratePercent: string };
  readonly offerings: readonly Offering[];
  readonly discounts?: readonly Discount[];
  readonly sla?: Sla;
  readonly termination?: { readonly earlyTerminationPercent: string };
  readonly disputes?: {
    readonly windowDays: number;
    readonly responseDays: number;
    readonly tolerance?: { readonly absolute?: string; readonly percent?: string };
  };
  /** TERMS.md §6: late interest on overdue invoices (none when absent). */
  readonly settlement?: { readonly lateInterest?: { readonly annualPercent: string } };
}

export const PERCENT: DecimalBounds = {
  min: ZERO,
  max: HUNDRED,
  rule: 'expected a percentage from 0 to 100',
};
const NON_NEGATIVE: DecimalBounds = { min: ZERO, rule: 'expected a non-negative decimal string' };

/**
 * Validates a terms document (parsed JSON) and returns it deeply frozen.
 * @throws ValidationError `TERMS_INVALID` listing every issue, e.g.
 *   `{ path: 'offerings[0].plans.1G.mrc', rule: 'expected a decimal string' }`.
 */
export function parseTerms(json: unknown): Terms {
  const c = new Checker();
  const doc = c.object(json, '');
  if (doc !== undefined) checkTerms(c, doc);
  if (c.issues.length > 0) throw new ValidationError('TERMS_INVALID', c.issues);
  return deepFreeze(structuredClone(json)) as Terms;
}

function checkTerms(c: Checker, doc: Record<string, unknown>): void {
  if (doc.schema !== TERMS_SCHEMA) c.fail('schema', `expected "${TERMS_SCHEMA}"`, doc.schema);
  c.string(doc.id, 'id');
  if (doc.title !== undefined && typeof doc.title !== 'string')
    c.fail('title', 'expected a string', doc.title);
  const seller = checkParty(c, doc.seller, 'seller');
  const buyer = checkParty(c, doc.buyer, 'buyer');
  if (seller !== undefined && seller === buyer)
    c.fail('buyer.id', 'expected a party other than the seller', buyer);
  if (!isCurrencyCode(doc.currency)) c.fail('currency', 'expected an ISO 4217 currency code', doc.currency);
  c.time(doc.effectiveFrom, 'effectiveFrom');
  checkBilling(c, doc.billing);
  checkTax(c, doc.tax);
  checkOfferings(c, doc.offerings, 'offerings');
  if (doc.discounts !== undefined) checkDiscounts(c, doc.discounts);
  if (doc.sla !== undefined) checkSla(c, doc.sla);
  if (doc.termination !== undefined) {
    const t = c.object(doc.termination, 'termination');
    if (t !== undefined) c.decimal(t.earlyTerminationPercent, 'termination.earlyTerminationPercent', PERCENT);
  }
  if (doc.disputes !== undefined) checkDisputes(c, doc.disputes);
  if (doc.settlement !== undefined) checkSettlement(c, doc.settlement);
}

function checkSettlement(c: Checker, value: unknown): void {
  const s = c.object(value, 'settlement');
  if (s?.lateInterest === undefined) return;
  const interest = c.object(s.lateInterest, 'settlement.lateInterest');
  if (interest !== undefined)
    c.decimal(interest.annualPercent, 'settlement.lateInterest.annualPercent', PERCENT);
}

function checkParty(c: Checker, value: unknown, path: string): string | undefined {
  const party = c.object(value, path);
  if (party === undefined) return undefined;
  for (const key of ['name', 'country', 'vatId'] as const) {
    if (party[key] !== undefined) c.string(party[key], child(path, key));
  }
  return c.string(party.id, child(path, 'id'));
}

function checkBilling(c: Checker, value: unknown): void {
  const b = c.object(value, 'billing');
  if (b === undefined) return;
  c.literal(b.cycle, 'billing.cycle', ['monthly']);
  if (!isTimeZone(b.timeZone)) c.fail('billing.timeZone', 'expected an IANA time zone', b.timeZone);
  c.literal(b.proration, 'billing.proration', PRORATIONS);
  c.literal(b.rounding, 'billing.rounding', ROUNDING_MODES);
  c.integer(b.paymentTermsDays, 'billing.paymentTermsDays');
}

function checkTax(c: Checker, value: unknown): void {
  const tax = c.object(value, 'tax');
  if (tax === undefined) return;
  const category = c.literal(tax.category, 'tax.category', TAX_CATEGORIES);
  const rate = c.decimal(tax.ratePercent, 'tax.ratePercent', PERCENT);
  if (category !== undefined && category !== 'S' && rate !== undefined && parseDecimal(rate).num !== 0n) {
    c.fail('tax.ratePercent', `expected "0" for tax category ${category}`, rate);
  }
}

function checkDiscounts(c: Checker, value: unknown): void {
  const list = c.array(value, 'discounts');
  const ids = new Set<string>();
  list?.forEach((item, i) => {
    const path = child('discounts', i);
    const d = c.object(item, path);
    if (d === undefined) return;
    const id = c.string(d.id, child(path, 'id'));
    if (id !== undefined && ids.has(id)) c.fail(child(path, 'id'), 'expected a unique discount id', id);
    if (id !== undefined) ids.add(id);
    c.literal(d.kind, child(path, 'kind'), ['term']);
    c.integer(d.minTermMonths, child(path, 'minTermMonths'));
    c.decimal(d.percent, child(path, 'percent'), PERCENT);
  });
}

function checkSla(c: Checker, value: unknown): void {
  const sla = c.object(value, 'sla');
  if (sla === undefined) return;
  c.array(sla.tiers, 'sla.tiers', true)?.forEach((item, i) => {
    const path = child('sla.tiers', i);
    const tier = c.object(item, path);
    if (tier === undefined) return;
    c.decimal(tier.below, child(path, 'below'), {
      above: ZERO,
      max: HUNDRED,
      rule: 'expected a percentage above 0 up to 100',
    });
    c.decimal(tier.creditPercent, child(path, 'creditPercent'), PERCENT);
  });
  if (sla.creditCapPercent !== undefined) c.decimal(sla.creditCapPercent, 'sla.creditCapPercent', PERCENT);
}

function checkDisputes(c: Checker, value: unknown): void {
  const d = c.object(value, 'disputes');
  if (d === undefined) return;
  c.integer(d.windowDays, 'disputes.windowDays');
  c.integer(d.responseDays, 'disputes.responseDays');
  if (d.tolerance === undefined) return;
  const t = c.object(d.tolerance, 'disputes.tolerance');
  if (t?.absolute !== undefined) c.decimal(t.absolute, 'disputes.tolerance.absolute', NON_NEGATIVE);
  if (t?.percent !== undefined) c.decimal(t.percent, 'disputes.tolerance.percent', PERCENT);
}
