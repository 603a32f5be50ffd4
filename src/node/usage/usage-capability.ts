/**
 * Usage: import usage records in signed batches (usage.ts), list them,
 * serve the counterparty the records of one of our batches, and reconcile
 * both parties' records of a period (reconciliation.ts). This class is what
 * the importer and reconciliation need of the node, over the core.
 */
import type { UsageRecord } from '../../core/index.ts';
import type { JsonValue } from '../../ledger/index.ts';
import type { BilateralRecord, Store, StoredEntry, StoredUsage, UsageQuery } from '../../store/index.ts';
import type { EntryRecords, NodeCore } from '../core/node-core.ts';
import type { PushOutcome, Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';
import {
  type ReconcileUsageOptions,
  type ReconciliationNode,
  reconcileUsagePeriod,
} from './reconciliation.ts';
import type { UsageFormat } from './sources.ts';
import {
  importUsage,
  importUsageFile,
  importUsageStream,
  type UsageImportOptions,
  type UsageImportReport,
  type UsageItem,
  type UsageNode,
} from './usage.ts';

export class Usage implements UsageNode, ReconciliationNode {
  readonly #core: NodeCore;
  readonly #replication: Replication;

  constructor(core: NodeCore, replication: Replication) {
    this.#core = core;
    this.#replication = replication;
  }

  get party(): string {
    return this.#core.party;
  }

  get store(): Store {
    return this.#core.store;
  }

  async bilateral(id: string): Promise<BilateralRecord> {
    return (await this.#core.context(id)).record;
  }

  async entries(id: string): Promise<StoredEntry[]> {
    await this.#core.context(id);
    return this.#core.store.listEntries(id);
  }

  async appendOwn(
    id: string,
    kind: 'usage.batch',
    body: JsonValue,
    records: EntryRecords,
  ): Promise<StoredEntry> {
    const context = await this.#core.context(id);
    return this.#core.serially(id, () => this.#core.appendOwn(context, kind, body, records));
  }

  push(id: string): Promise<PushOutcome> {
    return this.#replication.push(id);
  }

  async peerGet<T>(id: string, path: string): Promise<T> {
    return this.#core.toCounterparty<T>(await this.#core.context(id), 'GET', path);
  }

  // ── what routes call ──────────────────────────────────────────────────────

  async import(
    id: string,
    items: AsyncIterable<UsageItem>,
    options: UsageImportOptions = {},
  ): Promise<UsageImportReport> {
    await this.#core.context(id);
    return importUsage(this, id, items, options);
  }

  async importStream(
    id: string,
    stream: AsyncIterable<Buffer | string>,
    format: UsageFormat | undefined,
    options: UsageImportOptions = {},
  ): Promise<UsageImportReport> {
    await this.#core.context(id);
    return importUsageStream(this, id, stream, format, options);
  }

  async importFile(id: string, path: string, options: UsageImportOptions = {}): Promise<UsageImportReport> {
    await this.#core.context(id);
    return importUsageFile(this, id, path, options);
  }

  /** A page of `author`'s stored usage records of bilateral `id`. */
  async records(id: string, author: string, query: UsageQuery): Promise<StoredUsage[]> {
    await this.#core.context(id);
    return this.#core.store.usageRecords(id, author, query);
  }

  /** The records of our batch `seq`, for the counterparty to check against the batch's signed root. */
  async batchRecords(id: string, seq: number): Promise<UsageRecord[]> {
    await this.#core.context(id);
    const records = await this.#core.store.usageBatchRecords(id, this.#core.party, seq);
    if (records.length === 0) {
      throw new NodeError('NOT_FOUND', `no usage batch ${this.#core.party}/${seq} in bilateral ${id}`);
    }
    return records;
  }

  reconcile(id: string, period: string, service: string, options: ReconcileUsageOptions = {}) {
    return reconcileUsagePeriod(this, id, period, service, options);
  }
}
