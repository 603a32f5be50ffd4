/**
 * The invoice `rate` produces: plain JSON-ready data, every amount a string
 * with exactly the currency's decimals, every line citing the refs of the
 * facts it was computed from so any line can be explained and proven.
 */
import type { TaxCategory } from './terms.ts';

export const INVOICE_SCHEMA = 'smart-bilateral/invoice@1';

export const LINE_KINDS = [
  'nrc',
  'recurring',
  'discount',
  'sla-credit',
  'early-termination',
  'on-demand',
  'usage',
] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export interface InvoiceLine {
  readonly kind: LineKind;
  readonly service: string;
  readonly description: string;
  readonly amount: string;
  /** The plan a recurring, discount, early-termination or on-demand line is for. */
  readonly plan?: string;
  /** The metric of a usage line. */
  readonly metric?: string;
  readonly quantity?: string;
  readonly unit?: string;
  readonly unitPrice?: string;
  readonly periodCoverage?: { readonly start: string; readonly end: string };
  readonly refs: readonly string[];
}

export interface InvoiceTax {
  readonly category: TaxCategory;
  readonly ratePercent: string;
  readonly taxable: string;
  readonly amount: string;
  readonly note?: string;
}

export interface Invoice {
  readonly schema: typeof INVOICE_SCHEMA;
  readonly terms: string;
  readonly seller: string;
  readonly buyer: string;
  readonly period: { readonly id: string; readonly start: string; readonly end: string };
  readonly issueDate: string;
  readonly dueDate: string;
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: string;
  readonly taxes: readonly InvoiceTax[];
  readonly tax: string;
  readonly total: string;
}
