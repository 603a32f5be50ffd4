/**
 * Usage reconciliation between the two nodes (STANDARDS.md "Usage
 * matching"): both parties report their own records of the same services;
 * for one period and service this node gets the counterparty's records,
 * checks them against the counterparty's signed `usage.batch` entries, and
 * classifies every record of both sides with `reconcileUsage`.
 *
 * Design rationale:
 * - Records travel on request only (DESIGN.md decision 6): the ledger holds
 *   each batch's Merkle root, count and totals; a node asks for the records
 *   of the counterparty's batches that overlap the period and mention the
 *   service, once — after the check they are stored (`putUsageBatch`) and
 *   later reconciliations read them locally.
 * - A batch is taken only when its records rebuild the signed entry exactly:
 *   the same number, the same Merkle root over `sha256(usageRecordJson(r))`
 *   in batch order, the same totals. Anything else is rejected and kept as
 *   evidence (`USAGE_BATCH_MISMATCH`, with the records as received), never
 *   stored; the report says which batches are missing and `complete: false`.
 * - Tolerance is the terms' `disputes.tolerance`, read per record in the
 *   metric's units (see `core/reconcile.ts`); amounts use the service's
 *   offering prices and the invoice currency's rounding.
 */
import {
  type BillingPeriod,
  billingPeriod,
  type DayCounts,
  dayOf,
  formatInstant,
  isDecimalString,
  minorUnit,
  parseInstant,
  parseTerms,
  type Reconciliation,
  type ReconciliationItem,
  reconcileUsage,
  type Terms,
  type UsagePricing,
  type UsageRecord,
  UsageTotals,
  usageRecordJson,
  usageTotals,
} from '../../core/index.ts';
import type { UsageBatchBody } from '../../kinds/index.ts';
import { factsOf } from '../../kinds/index.ts';
import { canonicalize, merkleRoot, sha256Hex } from '../../ledger/index.ts';
import type { BilateralRecord, Store, StoredEntry, StoredUsage } from '../../store/index.ts';
import { NodeError } from '../errors.ts';

/** What reconciliation needs of the party node (`PartyNode` plus `peerGet`). */
export interface ReconciliationNode {
  readonly party: string;
  readonly store: Store;
  bilateral(id: string): Promise<BilateralRecord>;
  /** A signed peer-protocol GET to the counterparty's node of bilateral `id`. */
  peerGet<T>(id: string, path: string): Promise<T>;
}

export type BatchStatus = 'held' | 'fetched' | 'rejected' | 'unavailable';

export interface BatchCheck {
  readonly author: string;
  readonly seq: number;
  readonly count: number;
  readonly status: BatchStatus;
  readonly code?: string;
  readonly message?: string;
}

export interface UsageReconciliationReport {
  readonly bilateral: string;
  readonly period: { readonly id: string; readonly start: string; readonly end: string };
  readonly service: string;
  readonly seller: string;
  readonly buyer: string;
  /** Whether every counterparty batch of the period was available and checked. */
  readonly complete: boolean;
  /** The counterparty's batches overlapping the period for the service. */
  readonly batches: readonly BatchCheck[];
  readonly counts: Reconciliation<UsageRecord>['counts'];
  readonly tolerance: Reconciliation<UsageRecord>['tolerance'];
  readonly groups: Reconciliation<UsageRecord>['groups'];
  readonly amounts?: Reconciliation<UsageRecord>['amounts'];
  /** The differences (not the matched pairs), at most `limit` of them. */
  readonly items: readonly ReconciliationItem<UsageRecord>[];
  /** How many differences were left out of `items`. */
  readonly itemsLeftOut: number;
  /** Each day of the period with records (billing zone): how many matched, mismatched, on one side only. */
  readonly byDay: readonly DayCounts[];
}

export interface ReconcileUsageOptions {
  /** Most differences listed; default 1000. */
  readonly limit?: number;
  readonly now?: () => Date;
}

const PAGE = 10_000;
export const USAGE_BATCH_MISMATCH = 'USAGE_BATCH_MISMATCH';

/**
 * Reconciles the Seller's and the Buyer's usage records of `service` in
 * `period` (`YYYY-MM`), fetching and checking the counterparty's batches first.
 * @throws NodeError `NOT_FOUND`; ValidationError `PERIOD_INVALID`.
 */
export async function reconcileUsagePeriod(
  node: ReconciliationNode,
  id: string,
  period: string,
  service: string,
  options: ReconcileUsageOptions = {},
): Promise<UsageReconciliationReport> {
  if (typeof service !== 'string' || service === '') {
    throw new NodeError('BAD_REQUEST', 'service: expected a service id');
  }
  const record = await node.bilateral(id);
  const { genesis } = record.agreement;
  const terms = parseTerms(genesis.terms);
  const bounds = billingPeriod(period, terms.billing.timeZone);
  const counterparty = genesis.seller.id === node.party ? genesis.buyer.id : genesis.seller.id;
  const now = options.now ?? (() => new Date());

  const entries = await node.store.listEntries(id);
  const batches = await counterpartyBatches(node, id, counterparty, entries, bounds, service, now);

  const range = { from: formatInstant(bounds.start), to: formatInstant(bounds.end) };
  const seller = await recordsOf(node.store, id, genesis.seller.id, service, range);
  const buyer = await recordsOf(node.store, id, genesis.buyer.id, service, range);
  const result = reconcileUsage(seller, buyer, terms.disputes?.tolerance ?? {}, {
    valuation: {
      pricing: pricingOf(terms, entries),
      decimals: minorUnit(terms.currency),
      rounding: terms.billing.rounding,
    },
    day: (at) => dayOf(Date.parse(at), terms.billing.timeZone),
  });
  const limit = options.limit ?? 1000;
  return {
    bilateral: id,
    period: { id: period, start: range.from, end: range.to },
    service,
    seller: genesis.seller.id,
    buyer: genesis.buyer.id,
    complete: batches.every((b) => b.status === 'held' || b.status === 'fetched'),
    batches,
    counts: result.counts,
    tolerance: result.tolerance,
    groups: result.groups,
    ...(result.amounts === undefined ? {} : { amounts: result.amounts }),
    items: result.items.slice(0, limit),
    itemsLeftOut: Math.max(0, result.items.length - limit),
    byDay: result.byDay ?? [],
  };
}

/**
 * Makes sure this node holds the records of every counterparty batch that
 * overlaps `bounds` (and mentions `service`, when given): fetched and checked
 * now, or already held. The Buyer calls it before rating the Seller's usage.
 */
export async function ensureCounterpartyBatches(
  node: ReconciliationNode,
  id: string,
  bounds: BillingPeriod,
  options: { readonly service?: string; readonly now?: () => Date } = {},
): Promise<BatchCheck[]> {
  const { genesis } = (await node.bilateral(id)).agreement;
  const counterparty = genesis.seller.id === node.party ? genesis.buyer.id : genesis.seller.id;
  const entries = await node.store.listEntries(id, { author: counterparty });
  return counterpartyBatches(
    node,
    id,
    counterparty,
    entries,
    bounds,
    options.service,
    options.now ?? (() => new Date()),
  );
}

async function counterpartyBatches(
  node: ReconciliationNode,
  id: string,
  counterparty: string,
  entries: readonly StoredEntry[],
  bounds: BillingPeriod,
  service: string | undefined,
  now: () => Date,
): Promise<BatchCheck[]> {
  const batches: BatchCheck[] = [];
  for (const stored of entries) {
    const { author, seq, kind, body } = stored.signed.entry;
    if (author !== counterparty || kind !== 'usage.batch') continue;
    const batch = body as unknown as UsageBatchBody;
    const from = parseInstant(batch.from) ?? Number.NEGATIVE_INFINITY;
    const to = parseInstant(batch.to) ?? Number.POSITIVE_INFINITY;
    if (to < bounds.start || from >= bounds.end) continue;
    if (service !== undefined && !batch.totals.some((t) => t.service === service)) continue;
    batches.push(await ensureBatch(node, id, counterparty, seq, batch, now));
  }
  return batches;
}

/**
 * An author's stored usage of a period as `rate(…, { usage })` input: sums
 * per (service, metric) of the records with `at` in `bounds`, from batches up
 * to `maxBatchSeq` (the invoice basis' head of that stream), each line citing
 * its batch entries as `author/seq` — the refs facts carry.
 *
 * A batch wholly inside the period counts with the totals of its signed
 * `usage.batch` entry (exact sums the records were checked against when the
 * batch was made or fetched), so rating a month reads one entry per batch, not
 * every record; only a batch straddling a period boundary is read record by
 * record. Batches are taken in seq order, so both nodes cite alike.
 */
export async function storedUsageTotals(
  store: Store,
  id: string,
  author: string,
  bounds: BillingPeriod,
  maxBatchSeq: number = Number.POSITIVE_INFINITY,
): Promise<UsageTotals> {
  const totals = new UsageTotals();
  for (const stored of await store.listEntries(id, { author, kinds: ['usage.batch'] })) {
    const { seq, body } = stored.signed.entry;
    if (seq > maxBatchSeq) continue;
    const batch = body as unknown as UsageBatchBody;
    const from = parseInstant(batch.from) ?? Number.NEGATIVE_INFINITY;
    const to = parseInstant(batch.to) ?? Number.POSITIVE_INFINITY;
    if (to < bounds.start || from >= bounds.end) continue;
    const ref = `${author}/${seq}`;
    if (from >= bounds.start && to < bounds.end) {
      for (const total of batch.totals) totals.add(total.service, total.metric, total.quantity, ref);
      continue;
    }
    for (const record of await store.usageBatchRecords(id, author, seq)) {
      const at = parseInstant(record.at);
      if (at !== undefined && at >= bounds.start && at < bounds.end) {
        totals.add(record.service, record.metric, record.quantity, ref);
      }
    }
  }
  return totals;
}

/**
 * One author's records of a service in `[from, to)`, in (at, id) order, page
 * by page. Each page after the first starts its range at the last record's
 * `at` (besides `after`), so the store reads only the batches reaching that
 * far (one or two per page when batches come in time order) instead of
 * walking every earlier record again.
 */
async function pages(
  store: Store,
  id: string,
  author: string,
  service: string,
  range: { from: string; to: string },
  each: (page: readonly StoredUsage[]) => void,
): Promise<void> {
  let after: { at: string; id: string } | undefined;
  for (;;) {
    const page = await store.usageRecords(id, author, {
      service,
      from: after === undefined ? range.from : after.at,
      to: range.to,
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    each(page);
    if (page.length < PAGE) return;
    const last = page[page.length - 1]!.record;
    after = { at: last.at, id: last.id };
  }
}

/** The counterparty's batch `seq`, stored locally: already held, or fetched and checked now. */
async function ensureBatch(
  node: ReconciliationNode,
  id: string,
  author: string,
  seq: number,
  batch: UsageBatchBody,
  now: () => Date,
): Promise<BatchCheck> {
  const base = { author, seq, count: batch.count };
  if ((await node.store.usageBatchCount(id, author, seq)) > 0) return { ...base, status: 'held' };
  let received: unknown;
  try {
    received = await node.peerGet<unknown>(id, usageBatchPath(id, seq));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      ...base,
      status: 'unavailable',
      code: typeof code === 'string' ? code : 'PEER_UNREACHABLE',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  const problem = checkBatch(received, batch);
  if (problem !== undefined) {
    const message = `usage batch ${author}/${seq}: ${problem}`;
    await node.store.putEvidence({
      bilateral: id,
      author,
      seq,
      code: USAGE_BATCH_MISMATCH,
      message,
      payload: received,
      receivedAt: now().toISOString(),
    });
    return { ...base, status: 'rejected', code: USAGE_BATCH_MISMATCH, message };
  }
  await node.store.putUsageBatch(id, author, seq, (received as { records: UsageRecord[] }).records);
  return { ...base, status: 'fetched' };
}

/** The peer path serving the records of this node's own batch `seq`. */
export function usageBatchPath(id: string, seq: number): string {
  return `/peer/bilaterals/${id}/usage-batches/${seq}/records`;
}

/**
 * Why `received` (`{ records }`) is not the batch the signed entry
 * fingerprints, or undefined when it is: count, each record's shape, the
 * Merkle root over the records' canonical JSON in order, and the totals.
 */
export function checkBatch(received: unknown, batch: UsageBatchBody): string | undefined {
  const records = (received as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return 'expected { records: [...] }';
  if (records.length !== batch.count)
    return `${records.length} records, the signed entry says ${batch.count}`;
  const leaves = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const problem = recordProblem(records[i]);
    if (problem !== undefined) return `records[${i}]: ${problem}`;
    leaves[i] = sha256Hex(usageRecordJson(records[i] as UsageRecord));
  }
  const root = merkleRoot(leaves);
  if (root !== batch.root) return `the records hash to root ${root}, the signed entry says ${batch.root}`;
  const totals = usageTotals(records as UsageRecord[]);
  if (canonicalize(totals) !== canonicalize(batch.totals as unknown as typeof totals)) {
    return 'the records match the root but not the totals of the signed entry';
  }
  return undefined;
}

const RECORD_KEYS = new Set(['id', 'service', 'metric', 'quantity', 'at', 'characteristics']);

function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a record';
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!RECORD_KEYS.has(key)) return `${key}: unexpected field`;
  for (const key of ['id', 'service', 'metric'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '') return `${key}: expected a non-empty string`;
  }
  if (!isDecimalString(r.quantity) || r.quantity.startsWith('-')) {
    return 'quantity: expected a non-negative decimal string';
  }
  const at = parseInstant(r.at);
  if (at === undefined || formatInstant(at) !== r.at) return 'at: expected a normalised RFC 3339 UTC time';
  if (r.characteristics !== undefined) {
    const c = r.characteristics;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'characteristics: expected an object';
    if (Object.values(c).some((v) => typeof v !== 'string')) return 'characteristics: expected strings';
  }
  return undefined;
}

/** One author's records of a service in `[from, to)`, in (at, id) order. */
async function recordsOf(
  store: Store,
  id: string,
  author: string,
  service: string,
  range: { from: string; to: string },
): Promise<UsageRecord[]> {
  const out: UsageRecord[] = [];
  await pages(store, id, author, service, range, (page) => {
    for (const stored of page) out.push(stored.record);
  });
  return out;
}

/** A service's metric prices, through the offering its order names. */
function pricingOf(
  terms: Terms,
  entries: readonly StoredEntry[],
): (service: string, metric: string) => UsagePricing | undefined {
  const offeringOf = new Map<string, string>();
  for (const { fact } of factsOf(entries)) {
    if (fact.type === 'service.ordered' && !offeringOf.has(fact.service)) {
      offeringOf.set(fact.service, fact.offering);
    }
  }
  return (service, metric) => {
    const offering = terms.offerings.find((o) => o.id === offeringOf.get(service));
    return offering?.usage?.find((u) => u.metric === metric)?.pricing;
  };
}
