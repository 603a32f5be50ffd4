/** Public surface of the core layer: other layers import only from here. */

export {
  ADJUSTMENT_SCHEMA,
  type Adjustment,
  type AdjustmentLine,
  adjustment,
  type Billed,
} from './adjustment.ts';
export { addMonths, ceilTo, countUnits, floorTo, isTimeZone, monthStart, type TimeUnit } from './calendar.ts';
export * from './capacity.ts';
export { Checker, child } from './checker.ts';
export { byCodeUnit } from './code-unit.ts';
export { applyCorrections } from './corrections.ts';
export { currencyCodes, isCurrencyCode, minorUnit } from './currency.ts';
export { type DayNumber, dayOf, dayStart, formatDay, parseDay } from './days.ts';
export {
  compareDecimal,
  formatDecimal,
  formatFixed,
  isDecimalString,
  parseDecimal,
  ROUNDING_MODES,
  type RoundingMode,
  round,
} from './decimal.ts';
export { diffInvoices, type InvoiceDifference } from './diff.ts';
export {
  DEFAULT_DISPUTE_RULES,
  DISPUTED_TYPES,
  type DisputedType,
  type DisputeRules,
  type Finding,
  findings,
} from './disputes.ts';
export * from './erp.ts';
export * from './errors.ts';
export * from './explain.ts';
export * from './facts.ts';
export { buildHistories, inconsistent } from './history.ts';
export { formatInstant, type Instant, parseInstant } from './instant.ts';
export * from './invoice.ts';
export {
  escapeHtml,
  invoiceHtml,
  type NotePrintOptions,
  noteHtml,
  type PrintAddress,
  type PrintOptions,
  REVERSE_CHARGE_TEXT,
} from './invoice-html.ts';
export { ITEM_STATES, type ItemLine, type ItemState, itemStates } from './item-states.ts';
export { type JsonPosition, locateJsonError, locateJsonPath } from './json-locate.ts';
export {
  EXACT_MEMBERS,
  type Obligation,
  positions as nettingPositions,
  settle as settleNetting,
  type Transfer,
} from './netting.ts';
export {
  formatMinor,
  type NettingAmount,
  type NettingItem,
  type NettingLeg,
  type NettingRound,
  netPaymentParts,
  nettingRound,
  ROUND_ID,
  type RoundStatement,
  roundApplications,
  type SettlementStatement,
  settlementApplications,
  settlementStatement,
} from './netting-agreement.ts';
export type { Offering, OnDemand, OnDemandUnit, Plan, UsageMetric } from './offering.ts';
export * from './parallel-run/index.ts';
export { type BillingPeriod, billingPeriod, isPeriodId, nextPeriod, periodOf } from './period.ts';
export { type RateOptions, rate } from './rate.ts';
export type { Rational } from './rational.ts';
export * as rational from './rational.ts';
export {
  type ClassSummary,
  type DayCounts,
  type GroupSummary,
  type Located,
  type MismatchField,
  RECONCILIATION_CLASSES,
  type ReconcileOptions,
  type Reconciliation,
  type ReconciliationClass,
  type ReconciliationItem,
  reconcileUsage,
  type Side,
  type SideTotal,
  type Tolerance,
  type UsageRecordLike,
  type UsageValuation,
} from './reconcile.ts';
export {
  AGING_BUCKETS,
  type AgingBucket,
  INVOICE_STATES,
  type InvoiceState,
  type Statement,
  type StatementApplication,
  type StatementDispute,
  type StatementInvoice,
  type StatementNote,
  type StatementOptions,
  type StatementPayment,
  type StatementSource,
  statement,
  statementPeriods,
} from './statement.ts';
export {
  type Billing,
  type Discount,
  type Party,
  PRORATIONS,
  type Proration,
  parseTerms,
  type Sla,
  TAX_CATEGORIES,
  type TaxCategory,
  TERMS_SCHEMA,
  type Terms,
} from './terms.ts';
export * from './ubl.ts';
export { priceUsage, type Tier, type UsagePricing } from './usage-pricing.ts';
export {
  activeAt,
  checkUsageRecord,
  type EncodedUsage,
  encodeUsage,
  type PlainColumns,
  type PlainUsageContext,
  type PlainUsageOut,
  plainJsonText,
  plainUsageBound,
  plainUsageContext,
  plainUsageOut,
  plainUsageWrite,
  type ServiceLife,
  serviceLives,
  USAGE_RULES,
  type UsageCheck,
  type UsageContext,
  type UsageEncoding,
  type UsageIssue,
  type UsageRecord,
  type UsageRule,
  usageContext,
  usageEncoding,
  usageInstant,
  usageRecordJson,
  usageTimeKey,
  usageTotals,
} from './usage-record.ts';
export { DecimalSum, type UsageSum, UsageTotals } from './usage-totals.ts';
