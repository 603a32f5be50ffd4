/**
 * The `Store` over a `Kysely<Database>`: one implementation for both engines.
 * An engine supplies the Kysely instance and says how to recognise its own
 * unique-key violation; everything else is portable Kysely.
 *
 * Design rationale for `appendEntry`: the checks (same key stored? next seq?
 * right prev?) and the insert run in one transaction (at the engine's default
 * isolation: serialised on SQLite, READ COMMITTED on PostgreSQL), and the primary key
 * (bilateral, author, seq) is the final arbiter. Two appends racing for the
 * same key cannot both insert; the loser sees the unique violation, re-reads
 * the winner's row and reports `duplicate` or `conflict` exactly as if it had
 * arrived second. Nothing is written unless the append succeeds.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { EncodedUsage, UsageRecord } from '../core/index.ts';
import { BilateralError } from '../core/index.ts';
import type { Hash, SignedCheckpoint, SignedEntry, StreamPosition } from '../ledger/index.ts';
import * as anchors from './anchors.ts';
import * as audit from './audit.ts';
import * as credentials from './credentials.ts';
import * as events from './events.ts';
import { type HeadCache, streamKey, UNKNOWN } from './head-cache.ts';
import { migrateToLatest } from './migrations.ts';
import * as netting from './netting.ts';
import * as nonces from './nonces.ts';
import * as peers from './peers.ts';
import { type Prepared, prepared, preparedRows, rowValues } from './prepared.ts';
import * as proposals from './proposals.ts';
import * as resources from './resources.ts';
import { insertRuns } from './runs.ts';
import type { Database, Engine, EntriesTable } from './schema.ts';
import type {
  AnchorKey,
  AnchorMined,
  AnchorRecord,
  AppendResult,
  AuditInput,
  AuditQuery,
  AuditRecord,
  BilateralRecord,
  CredentialRecord,
  EntryLeaf,
  EntryRange,
  EventInput,
  EventQuery,
  EventRecord,
  Evidence,
  LeafRange,
  NettingAgreementRecord,
  PeerRecord,
  ProposalRecord,
  ProposalStatus,
  ResourceClaimRecord,
  ResourcePoolRecord,
  Store,
  StoredEntry,
  StoredUsage,
  SubscriptionRecord,
  UsageQuery,
} from './types.ts';
import * as usage from './usage.ts';
import {
  checkBilateral,
  checkCheckpoint,
  checkEvidence,
  checkRange,
  checkStoredEntry,
  evidenceSeq,
  isSeq,
  MAX_SEQ,
} from './validate.ts';

/** What an engine hands to `KyselyStore`. */
export interface StoreEngine {
  readonly engine: Engine;
  readonly db: Kysely<Database>;
  /** True when `error` is this engine's primary-key / unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  /** Releases the engine; default `db.destroy()`. Called once, however often `close` is. */
  close?(): Promise<void>;
  /** The engine's fastest insert of a usage batch (its row and its ids) inside a transaction; default multi-row INSERTs. */
  readonly insertUsage?: usage.UsageInserter;
  /** Heads and bilaterals kept in memory beside the connection (head-cache.ts); none: always read. */
  readonly heads?: HeadCache;
  /** Resolves once every durable commit made so far is on disk; default: at once (commits are durable when they return). */
  durable?(): Promise<void>;
}

export class KyselyStore implements Store {
  readonly engine: Engine;
  /** The query layer itself, for engine-specific checks (pragmas, plans) and tests. */
  readonly db: Kysely<Database>;
  readonly #db: Kysely<Database>;
  readonly #isUniqueViolation: (error: unknown) => boolean;
  readonly #close: () => Promise<void>;
  readonly #insertUsage: usage.UsageInserter;
  readonly #heads: HeadCache | undefined;
  readonly #durable: () => Promise<void>;
  #closed: Promise<void> | undefined;

  constructor(engine: StoreEngine) {
    this.engine = engine.engine;
    this.db = engine.db;
    this.#db = engine.db;
    this.#isUniqueViolation = (error) => engine.isUniqueViolation(error);
    this.#close = engine.close === undefined ? () => engine.db.destroy() : () => engine.close!();
    this.#insertUsage = engine.insertUsage ?? usage.insertUsageBatch;
    this.#heads = engine.heads;
    this.#durable = engine.durable === undefined ? () => Promise.resolve() : () => engine.durable!();
  }

  migrate(): Promise<void> {
    return migrateToLatest(this.#db, this.engine);
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  durable(): Promise<void> {
    return this.#durable();
  }

  async putBilateral(record: BilateralRecord): Promise<void> {
    checkBilateral(record);
    await this.#retryOnceOnUnique(() =>
      this.#db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom('bilaterals')
          .select(['agreement', 'role'])
          .where('id', '=', record.id)
          .executeTakeFirst();
        if (existing === undefined) {
          await tx
            .insertInto('bilaterals')
            .values({
              id: record.id,
              agreement: JSON.stringify(record.agreement),
              role: record.role,
              peer_endpoint: record.peerEndpoint,
              created_at: record.createdAt,
            })
            .execute();
          return;
        }
        // The agreement and our side of it are fixed at creation; only the peer may move.
        const agreementId = (JSON.parse(existing.agreement) as BilateralRecord['agreement']).id;
        if (agreementId !== record.agreement.id || existing.role !== record.role) {
          throw new BilateralError(
            'STORE_BILATERAL_MISMATCH',
            `bilateral ${record.id} is stored differently`,
            {
              details: { id: record.id, storedRole: existing.role, role: record.role },
            },
          );
        }
        await tx
          .updateTable('bilaterals')
          .set({ peer_endpoint: record.peerEndpoint })
          .where('id', '=', record.id)
          .execute();
      }),
    );
  }

  async getBilateral(id: Hash): Promise<BilateralRecord | undefined> {
    const row = await this.#db.selectFrom('bilaterals').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toBilateral(row);
  }

  async listBilaterals(): Promise<BilateralRecord[]> {
    const rows = await this.#db
      .selectFrom('bilaterals')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toBilateral);
  }

  appendEntry(stored: StoredEntry): Promise<AppendResult> {
    return this.#append(stored);
  }

  /**
   * The entry and its usage records in one transaction. A unique violation is
   * either a concurrent append of the same entry (answered as `appendEntry`
   * does) or a record id the author already holds (`STORE_USAGE_CONFLICT`).
   */
  async appendEntryWithUsage(
    stored: StoredEntry,
    records: readonly UsageRecord[] | EncodedUsage,
  ): Promise<AppendResult> {
    checkStoredEntry(stored);
    const { entry } = stored.signed;
    const rows = usage.usageColumns(entry.seq, records);
    return this.#append(
      stored,
      async (tx) =>
        this.#insertUsage(tx, {
          ...rows,
          stream: await usage.ensureStream(tx, entry.bilateral, entry.author),
        }),
      () =>
        usage.usageConflict(
          entry.bilateral,
          entry.author,
          entry.seq,
          'a record id is already stored for this author',
        ),
    );
  }

  async #append(
    stored: StoredEntry,
    alsoWrite?: (tx: Kysely<Database>) => Promise<void>,
    conflict?: () => Error,
  ): Promise<AppendResult> {
    checkStoredEntry(stored);
    const { entry } = stored.signed;
    try {
      return await this.#db.transaction().execute((tx) => this.#appendIn(tx, stored, alsoWrite));
    } catch (error) {
      if (!this.#isUniqueViolation(error)) throw error;
      // A concurrent append of this very key committed first: answer as if we came second.
      const winner = await selectEntry(this.#db, entry.bilateral, entry.author, entry.seq);
      if (winner === undefined) throw conflict?.() ?? error;
      return compare(winner, stored.hash);
    }
  }

  /** The checks and the insert of one append, inside the caller's transaction. */
  async #appendIn(
    tx: Kysely<Database>,
    stored: StoredEntry,
    alsoWrite?: (tx: Kysely<Database>) => Promise<void>,
  ): Promise<AppendResult> {
    const { entry } = stored.signed;
    await this.#requireBilateral(tx, entry);
    // Head first, then the row at `seq`: under READ COMMITTED each statement has
    // its own snapshot, and a stream has no gaps, so a head at or past `seq`
    // guarantees the next read finds the row a concurrent append just committed.
    const head = await this.#head(tx, entry.bilateral, entry.author, true);
    if (head !== undefined && entry.seq <= head.seq) {
      const existing = await selectEntry(tx, entry.bilateral, entry.author, entry.seq);
      if (existing !== undefined) return compare(existing, stored.hash);
    }
    requireNext(entry, head);
    await insertEntryRows(tx, [toEntryRow(stored)]);
    this.#heads?.stage(streamKey(entry.bilateral, entry.author), { seq: entry.seq, hash: stored.hash });
    if (alsoWrite !== undefined) await alsoWrite(tx);
    return { status: 'appended' };
  }

  /**
   * Appends a run of entries in ONE transaction (one disk sync for the lot),
   * each checked as `appendEntry` checks it, in order. A `STORE_NOT_NEXT`
   * anywhere rolls back the whole run; duplicates and conflicts are reported
   * per entry, as `appendEntry` reports them. Each stream's head is read once
   * and then followed in memory, and new rows go in as multi-row inserts: a
   * run of n entries costs a few statements, not 3n.
   */
  async appendEntries(entries: readonly StoredEntry[]): Promise<AppendResult[]> {
    for (const stored of entries) checkStoredEntry(stored);
    if (entries.length === 0) return [];
    return this.#db.transaction().execute(async (tx) => {
      const results: AppendResult[] = [];
      const heads = new Map<string, StreamPosition | undefined>();
      const pending: EntriesTable[] = [];
      const flush = async () => {
        await insertEntryRows(tx, pending);
        pending.length = 0;
      };
      for (const stored of entries) {
        const { entry } = stored.signed;
        const stream = streamKey(entry.bilateral, entry.author);
        if (!heads.has(stream)) {
          await this.#requireBilateral(tx, entry);
          heads.set(stream, await this.#head(tx, entry.bilateral, entry.author, true));
        }
        const head = heads.get(stream);
        if (head !== undefined && entry.seq <= head.seq) {
          await flush();
          const existing = await selectEntry(tx, entry.bilateral, entry.author, entry.seq);
          if (existing !== undefined) {
            results.push(compare(existing, stored.hash));
            continue;
          }
        }
        requireNext(entry, head);
        pending.push(toEntryRow(stored));
        heads.set(stream, { seq: entry.seq, hash: stored.hash });
        this.#heads?.stage(stream, { seq: entry.seq, hash: stored.hash });
        results.push({ status: 'appended' });
      }
      await flush();
      return results;
    });
  }

  /** (author, seq, hash, kind) of the entries in `range` (author, seq bounds), without reading the envelopes. */
  async entryLeaves(bilateral: Hash, range: LeafRange = {}): Promise<EntryLeaf[]> {
    checkRange(range);
    const from = Math.max(range.fromSeq ?? 1, 1);
    const to = Math.min(range.toSeq ?? MAX_SEQ, MAX_SEQ);
    if (from > to) return [];
    let query = this.#db
      .selectFrom('entries')
      .select(['author', 'seq', 'hash', 'kind'])
      .where('bilateral', '=', bilateral);
    if (range.author !== undefined) query = query.where('author', '=', range.author);
    if (range.fromSeq !== undefined) query = query.where('seq', '>=', from);
    if (range.toSeq !== undefined) query = query.where('seq', '<=', to);
    const rows = await query.orderBy('author').orderBy('seq').execute();
    return rows.map((row) => ({ author: row.author, seq: Number(row.seq), hash: row.hash, kind: row.kind }));
  }

  async getEntry(bilateral: Hash, author: string, seq: number): Promise<StoredEntry | undefined> {
    return isSeq(seq) ? selectEntry(this.#db, bilateral, author, seq) : undefined;
  }

  async listEntries(bilateral: Hash, range: EntryRange = {}): Promise<StoredEntry[]> {
    checkRange(range);
    // Clamp to the seqs a stream can hold, so neither engine sees an out-of-range integer.
    const from = Math.max(range.fromSeq ?? 1, 1);
    const to = Math.min(range.toSeq ?? MAX_SEQ, MAX_SEQ);
    if (from > to || range.limit === 0) return [];
    if (range.kinds?.length === 0) return [];
    const kinds = range.kinds ?? [];
    // One prepared query per shape: which bounds are given, and how many kinds.
    const shape = [
      range.author === undefined ? '' : 'a',
      range.kinds === undefined ? '' : `k${kinds.length}`,
      range.fromSeq === undefined ? '' : 'f',
      range.toSeq === undefined ? '' : 't',
      range.limit === undefined ? '' : 'l',
    ].join('');
    const values: Record<string, unknown> = { bilateral, author: range.author, from, to, limit: range.limit };
    kinds.forEach((kind, i) => {
      values[`kind${i}`] = kind;
    });
    const rows = await (entryLists.get(shape) ?? entryList(shape, range, kinds.length)).rows(
      this.#db,
      values,
    );
    return rows.map(toStoredEntry);
  }

  head(bilateral: Hash, author: string): Promise<StreamPosition | undefined> {
    return this.#head(this.#db, bilateral, author, false);
  }

  async heads(
    bilateral: Hash,
    authors: readonly [string, string],
  ): Promise<[StreamPosition | undefined, StreamPosition | undefined]> {
    const cache = this.#heads;
    const keys = [streamKey(bilateral, authors[0]), streamKey(bilateral, authors[1])] as const;
    if (cache !== undefined) {
      const known = [cache.head(keys[0]), cache.head(keys[1])] as const;
      if (known[0] !== UNKNOWN && known[1] !== UNKNOWN) return [known[0], known[1]];
    }
    const stamp = cache?.stamp() ?? 0;
    const rows = await twoHeads.rows(this.#db, { bilateral, first: authors[0], second: authors[1] });
    const of = (author: string) => {
      const row = rows.find((r) => r.author === author);
      return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
    };
    const found = [of(authors[0]), of(authors[1])] as [
      StreamPosition | undefined,
      StreamPosition | undefined,
    ];
    cache?.fill(keys[0], found[0], stamp);
    cache?.fill(keys[1], found[1], stamp);
    return found;
  }

  /** A stream's head from memory when known (head-cache.ts), else read and kept; `inTransaction`: read through an append's own transaction. */
  async #head(
    db: Kysely<Database>,
    bilateral: Hash,
    author: string,
    inTransaction: boolean,
  ): Promise<StreamPosition | undefined> {
    const cache = this.#heads;
    if (cache === undefined) return selectHead(db, bilateral, author);
    const key = streamKey(bilateral, author);
    const known = inTransaction ? cache.headInTransaction(key) : cache.head(key);
    if (known !== UNKNOWN) return known;
    const stamp = cache.stamp();
    const head = await selectHead(db, bilateral, author);
    cache.fill(key, head, stamp);
    return head;
  }

  /** `requireBilateral`, answered from memory for a bilateral already seen stored. */
  async #requireBilateral(tx: Kysely<Database>, entry: SignedEntry['entry']): Promise<void> {
    const cache = this.#heads;
    if (cache?.hasBilateral(entry.bilateral)) return;
    const stamp = cache?.stamp() ?? 0;
    await requireBilateral(tx, entry);
    cache?.bilateralStored(entry.bilateral, stamp);
  }

  async putEvidence(evidence: Evidence): Promise<void> {
    checkEvidence(evidence);
    await this.#db
      .insertInto('evidence')
      .values({
        bilateral: evidence.bilateral,
        author: evidence.author,
        seq: evidenceSeq(evidence.seq),
        code: evidence.code,
        message: evidence.message,
        // `undefined` has no JSON form; keep it as JSON null rather than lose the row.
        payload: JSON.stringify(evidence.payload) ?? 'null',
        received_at: evidence.receivedAt,
      })
      .execute();
  }

  async listEvidence(bilateral: Hash): Promise<Evidence[]> {
    const rows = await this.#db
      .selectFrom('evidence')
      .selectAll()
      .where('bilateral', '=', bilateral)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      bilateral: row.bilateral,
      author: row.author,
      seq: row.seq,
      code: row.code,
      message: row.message,
      payload: JSON.parse(row.payload) as unknown,
      receivedAt: row.received_at,
    }));
  }

  /**
   * Stores a checkpoint, one per (bilateral, heads). Putting the same checkpoint
   * again adds any signatures not yet stored (a checkpoint arrives signed by one
   * party, later by both) and never drops one; the same heads with a different
   * state hash is refused with `STORE_CHECKPOINT_CONFLICT`.
   */
  async putCheckpoint(signed: SignedCheckpoint): Promise<void> {
    checkCheckpoint(signed);
    const { checkpoint } = signed;
    const id = headsId(checkpoint.heads);
    await this.#retryOnceOnUnique(() =>
      this.#db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('checkpoints')
          .select('signed')
          .where('bilateral', '=', checkpoint.bilateral)
          .where('heads_id', '=', id)
          .executeTakeFirst();
        if (row === undefined) {
          const height = Object.values(checkpoint.heads).reduce((sum, head) => sum + head.seq, 0);
          await tx
            .insertInto('checkpoints')
            .values({
              bilateral: checkpoint.bilateral,
              heads_id: id,
              height,
              state_hash: checkpoint.stateHash,
              signed: JSON.stringify(signed),
            })
            .execute();
          return;
        }
        const stored = JSON.parse(row.signed) as SignedCheckpoint;
        if (stored.checkpoint.stateHash !== checkpoint.stateHash) {
          throw new BilateralError(
            'STORE_CHECKPOINT_CONFLICT',
            `a checkpoint at these heads with state ${stored.checkpoint.stateHash} is stored`,
            {
              details: {
                bilateral: checkpoint.bilateral,
                stored: stored.checkpoint.stateHash,
                stateHash: checkpoint.stateHash,
              },
            },
          );
        }
        const added = Object.keys(signed.sigs).filter((party) => !Object.hasOwn(stored.sigs, party));
        if (added.length === 0) return;
        const merged: SignedCheckpoint = {
          checkpoint: stored.checkpoint,
          sigs: { ...signed.sigs, ...stored.sigs },
        };
        await tx
          .updateTable('checkpoints')
          .set({ signed: JSON.stringify(merged) })
          .where('bilateral', '=', checkpoint.bilateral)
          .where('heads_id', '=', id)
          .execute();
      }),
    );
  }

  async listCheckpoints(bilateral: Hash): Promise<SignedCheckpoint[]> {
    const rows = await this.#db
      .selectFrom('checkpoints')
      .select('signed')
      .where('bilateral', '=', bilateral)
      .orderBy('height')
      .orderBy('heads_id')
      .execute();
    return rows.map((row) => JSON.parse(row.signed) as SignedCheckpoint);
  }

  async enqueueAnchor(anchor: {
    bilateral: Hash;
    seq: number;
    value: Hash;
    queuedAt: string;
  }): Promise<void> {
    await anchors.enqueueAnchor(this.#db, anchor);
  }

  async dueAnchors(now: string, limit: number): Promise<AnchorRecord[]> {
    return anchors.dueAnchors(this.#db, now, limit);
  }

  async sentAnchors(): Promise<AnchorRecord[]> {
    return anchors.anchorsInState(this.#db, 'sent');
  }

  async markAnchorsSent(keys: readonly AnchorKey[], txHash: string): Promise<void> {
    await anchors.updateAnchors(this.#db, keys, () => ({ status: 'sent', tx_hash: txHash }));
  }

  async markAnchorsMined(keys: readonly AnchorKey[], mined: AnchorMined): Promise<void> {
    await anchors.updateAnchors(this.#db, keys, () => anchors.minedColumns(mined));
  }

  async markAnchorsFailed(keys: readonly AnchorKey[], error: string, nextAttemptAt: string): Promise<void> {
    await anchors.updateAnchors(this.#db, keys, (row) => ({
      status: 'queued',
      attempts: row.attempts + 1,
      last_error: error,
      next_attempt_at: nextAttemptAt,
      tx_hash: null,
    }));
  }

  async markAnchorsFinal(keys: readonly AnchorKey[], at: string): Promise<void> {
    await anchors.updateAnchors(this.#db, keys, (row) => (row.status === 'mined' ? { final_at: at } : {}));
  }

  async markAnchorCovered(key: AnchorKey, by: number, mined: AnchorMined): Promise<void> {
    await anchors.updateAnchors(this.#db, [key], () => ({ ...anchors.minedColumns(mined), covered_by: by }));
  }

  async requeueAnchors(keys: readonly AnchorKey[], reason: string, at: string): Promise<void> {
    await anchors.updateAnchors(this.#db, keys, () => anchors.requeuedColumns(reason, at));
  }

  async minedAnchors(options: { readonly notFinal?: boolean } = {}): Promise<AnchorRecord[]> {
    return anchors.minedAnchors(this.#db, options.notFinal === true);
  }

  async getAnchor(bilateral: Hash, seq: number): Promise<AnchorRecord | undefined> {
    return anchors.getAnchor(this.#db, bilateral, seq);
  }

  async listAnchors(bilateral: Hash): Promise<AnchorRecord[]> {
    return anchors.listAnchors(this.#db, bilateral);
  }

  async putUsageBatch(
    bilateral: Hash,
    author: string,
    batchSeq: number,
    records: readonly UsageRecord[],
  ): Promise<void> {
    const rows = usage.usageColumns(batchSeq, records);
    // The stored texts equal ours exactly when the joined texts do: none holds a '\n'.
    const same = (stored: string | undefined) => (stored ?? '') === usage.recordsText(rows.texts);
    try {
      await this.#db.transaction().execute(async (tx) => {
        const stored = await usage.batchText(tx, bilateral, author, batchSeq);
        if (stored !== undefined) {
          if (same(stored)) return;
          throw usage.usageConflict(bilateral, author, batchSeq, 'stored with other records');
        }
        await this.#insertUsage(tx, { ...rows, stream: await usage.ensureStream(tx, bilateral, author) });
      });
    } catch (error) {
      if (!this.#isUniqueViolation(error)) throw error;
      // A concurrent put of this very batch is fine; anything else is a conflict.
      if (same(await usage.batchText(this.#db, bilateral, author, batchSeq))) return;
      throw usage.usageConflict(
        bilateral,
        author,
        batchSeq,
        'a record id is already stored under another batch',
      );
    }
  }

  hasUsageIds(bilateral: Hash, author: string, ids: readonly string[]): Promise<Map<string, number>> {
    return usage.hasUsageIds(this.#db, bilateral, author, ids);
  }

  usageRecords(bilateral: Hash, author: string, query: UsageQuery): Promise<StoredUsage[]> {
    return usage.usageRecords(this.#db, bilateral, author, query);
  }

  async usageBatchRecords(bilateral: Hash, author: string, batchSeq: number): Promise<UsageRecord[]> {
    if (!isSeq(batchSeq)) return [];
    const texts = await usage.batchTexts(this.#db, bilateral, author, batchSeq);
    return texts.map((text) => JSON.parse(text) as UsageRecord);
  }

  async usageBatchCount(bilateral: Hash, author: string, batchSeq: number): Promise<number> {
    return isSeq(batchSeq) ? usage.batchCount(this.#db, bilateral, author, batchSeq) : 0;
  }

  async putCredential(credential: CredentialRecord): Promise<void> {
    await this.#retryOnceOnUnique(() => credentials.putCredential(this.#db, credential));
  }

  getCredential(id: string): Promise<CredentialRecord | undefined> {
    return credentials.getCredential(this.#db, 'id', id);
  }

  getCredentialByHash(tokenHash: string): Promise<CredentialRecord | undefined> {
    return credentials.getCredential(this.#db, 'token_hash', tokenHash);
  }

  listCredentials(): Promise<CredentialRecord[]> {
    return credentials.listCredentials(this.#db);
  }

  revokeCredential(id: string, at: string): Promise<CredentialRecord | undefined> {
    return credentials.setCredentialTime(this.#db, id, 'revoked_at', at);
  }

  expireCredential(id: string, at: string): Promise<CredentialRecord | undefined> {
    return credentials.setCredentialTime(this.#db, id, 'expires_at', at);
  }

  async appendAudit(record: AuditInput): Promise<number> {
    const [seq] = await audit.appendAudits(this.#db, this.engine, [record]);
    return seq!;
  }

  appendAudits(records: readonly AuditInput[]): Promise<number[]> {
    return audit.appendAudits(this.#db, this.engine, records);
  }

  listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    return audit.listAudit(this.#db, query);
  }

  putResourcePool(record: ResourcePoolRecord): Promise<void> {
    return resources.putResourcePool(this.#db, record);
  }

  getResourcePool(id: string): Promise<ResourcePoolRecord | undefined> {
    return resources.getResourcePool(this.#db, id);
  }

  listResourcePools(): Promise<ResourcePoolRecord[]> {
    return resources.listResourcePools(this.#db);
  }

  putResourceClaims(claims: readonly ResourceClaimRecord[]): Promise<void> {
    return resources.putResourceClaims(this.#db, claims);
  }

  deleteResourceClaims(
    claims: readonly Pick<ResourceClaimRecord, 'fingerprint' | 'bilateral'>[],
  ): Promise<void> {
    return resources.deleteResourceClaims(this.#db, claims);
  }

  listResourceClaims(): Promise<ResourceClaimRecord[]> {
    return resources.listResourceClaims(this.#db);
  }

  putNettingAgreement(record: NettingAgreementRecord): Promise<void> {
    return netting.putNettingAgreement(this.#db, record);
  }

  getNettingAgreement(hash: string): Promise<NettingAgreementRecord | undefined> {
    return netting.getNettingAgreement(this.#db, hash);
  }

  listNettingAgreements(query?: {
    readonly type?: NettingAgreementRecord['type'];
    readonly round?: string;
  }): Promise<NettingAgreementRecord[]> {
    return netting.listNettingAgreements(this.#db, query);
  }

  appendEvents(list: readonly EventInput[]): Promise<number> {
    return events.appendEvents(this.#db, this.engine, list);
  }

  eventHeads(): Promise<Map<string, number>> {
    return events.eventHeads(this.#db);
  }

  listEvents(query: EventQuery): Promise<EventRecord[]> {
    return events.listEvents(this.#db, query);
  }

  lastEventSeq(): Promise<number> {
    return events.lastEventSeq(this.#db);
  }

  putSubscription(subscription: SubscriptionRecord): Promise<void> {
    return events.putSubscription(this.#db, subscription);
  }

  listSubscriptions(): Promise<SubscriptionRecord[]> {
    return events.listSubscriptions(this.#db);
  }

  deleteSubscription(id: string): Promise<boolean> {
    return events.deleteSubscription(this.#db, id);
  }

  updateSubscription(
    id: string,
    state: Pick<SubscriptionRecord, 'cursor' | 'failures' | 'nextAt' | 'lastError'>,
  ): Promise<void> {
    return events.updateSubscription(this.#db, id, state);
  }

  putPeer(peer: PeerRecord): Promise<void> {
    return peers.putPeer(this.#db, peer);
  }

  getPeer(party: string): Promise<PeerRecord | undefined> {
    return peers.getPeer(this.#db, party);
  }

  listPeers(): Promise<PeerRecord[]> {
    return peers.listPeers(this.#db);
  }

  removePeer(party: string): Promise<boolean> {
    return peers.removePeer(this.#db, party);
  }

  putProposal(proposal: Omit<ProposalRecord, 'status' | 'decidedAt'>): Promise<boolean> {
    return proposals.putProposal(this.#db, proposal);
  }

  getProposal(id: string): Promise<ProposalRecord | undefined> {
    return proposals.getProposal(this.#db, id);
  }

  listProposals(query: { readonly status?: ProposalStatus } = {}): Promise<ProposalRecord[]> {
    return proposals.listProposals(this.#db, query);
  }

  countPendingProposals(party: string): Promise<number> {
    return proposals.countPendingProposals(this.#db, party);
  }

  setProposalStatus(id: string, status: Exclude<ProposalStatus, 'pending'>, at: string): Promise<boolean> {
    return proposals.setProposalStatus(this.#db, id, status, at);
  }

  rememberNonce(party: string, nonce: string, expiresAt: string): Promise<boolean> {
    return nonces.rememberNonce(this.#db, this.engine, party, nonce, expiresAt);
  }

  pruneNonces(now: string): Promise<number> {
    return nonces.pruneNonces(this.#db, now);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const [row] = await metaValue.rows(this.#db, { key });
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** Runs `work` again once if it lost an insert race; the second run sees the winner's row. */
  async #retryOnceOnUnique<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!this.#isUniqueViolation(error)) throw error;
      return work();
    }
  }
}

/**
 * The identity of a checkpoint's heads: SHA-256 (hex) over `party \n seq \n hash \n`
 * for each head, parties in code-unit order. Independent of key order in `heads`.
 */
export function headsId(heads: SignedCheckpoint['checkpoint']['heads']): string {
  const lines = Object.keys(heads)
    .sort()
    .map((party) => `${party}\n${heads[party]!.seq}\n${heads[party]!.hash}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

function compare(existing: StoredEntry, hash: Hash): AppendResult {
  return existing.hash === hash ? { status: 'duplicate' } : { status: 'conflict', existing };
}

const metaValue = prepared<{ value: string }>('meta-value', (db, $) =>
  db.selectFrom('meta').select('value').where('key', '=', $('key')),
);

const entryAt = prepared<EntryRow>('entry-at', (db, $) =>
  db
    .selectFrom('entries')
    .select(['envelope', 'hash', 'received_at'])
    .where('bilateral', '=', $('bilateral'))
    .where('author', '=', $('author'))
    .where('seq', '=', $('seq')),
);

async function selectEntry(
  db: Kysely<Database>,
  bilateral: Hash,
  author: string,
  seq: number,
): Promise<StoredEntry | undefined> {
  const [row] = await entryAt.rows(db, { bilateral, author, seq });
  return row === undefined ? undefined : toStoredEntry(row);
}

/** Rows per multi-row insert of entries (9 columns: well under either engine's parameter limit). */
const INSERT_ROWS = 200;

const bilateralHeld = prepared<{ id: string }>('bilateral-held', (db, $) =>
  db.selectFrom('bilaterals').select('id').where('id', '=', $('id')),
);

async function requireBilateral(tx: Kysely<Database>, entry: SignedEntry['entry']): Promise<void> {
  const [bilateral] = await bilateralHeld.rows(tx, { id: entry.bilateral });
  if (bilateral === undefined) {
    throw new BilateralError('STORE_UNKNOWN_BILATERAL', `bilateral ${entry.bilateral} is not stored`, {
      details: { bilateral: entry.bilateral, author: entry.author, seq: entry.seq },
    });
  }
}

/** Throws `STORE_NOT_NEXT` unless `entry` is the next entry after `head` (seq and prev). */
function requireNext(entry: SignedEntry['entry'], head: StreamPosition | undefined): void {
  const expected =
    head === undefined ? { seq: 1, prev: entry.bilateral } : { seq: head.seq + 1, prev: head.hash };
  if (entry.seq === expected.seq && entry.prev === expected.prev) return;
  const what = entry.seq !== expected.seq ? `seq ${entry.seq}` : `prev ${entry.prev}`;
  throw new BilateralError(
    'STORE_NOT_NEXT',
    `${what} does not follow ${entry.author}'s head (next is seq ${expected.seq}, prev ${expected.prev})`,
    {
      details: {
        bilateral: entry.bilateral,
        author: entry.author,
        seq: entry.seq,
        prev: entry.prev,
        expectedSeq: expected.seq,
        expectedPrev: expected.prev,
      },
    },
  );
}

const streamHead = prepared<{ seq: number; hash: string }>('stream-head', (db, $) =>
  db
    .selectFrom('entries')
    .select(['seq', 'hash'])
    .where('bilateral', '=', $('bilateral'))
    .where('author', '=', $('author'))
    .orderBy('seq', 'desc')
    .limit(1),
);

/** Two streams' heads in one statement: each stream's last row, by its own index. */
const twoHeads = prepared<{ author: string; seq: number; hash: string }>('two-heads', (db, $) => {
  const last = (slot: string, alias: 'first' | 'second') =>
    db
      .selectFrom(
        db
          .selectFrom('entries')
          .select(['author', 'seq', 'hash'])
          .where('bilateral', '=', $('bilateral'))
          .where('author', '=', $(slot))
          .orderBy('seq', 'desc')
          .limit(1)
          .as(alias),
      )
      .select(['author', 'seq', 'hash']);
  return last('first', 'first').unionAll(last('second', 'second'));
});

async function selectHead(
  db: Kysely<Database>,
  bilateral: Hash,
  author: string,
): Promise<StreamPosition | undefined> {
  const [row] = await streamHead.rows(db, { bilateral, author });
  return row === undefined ? undefined : { seq: Number(row.seq), hash: row.hash };
}

/** The columns of an entry's row, in insert order. */
const ENTRY_COLUMNS = [
  'bilateral',
  'author',
  'seq',
  'hash',
  'prev',
  'kind',
  'envelope',
  'recorded_at',
  'received_at',
] as const;

/** Inserts `rows` into `entries` with one prepared statement per run of rows (insertRuns' lengths). */
async function insertEntryRows(tx: Kysely<Database>, rows: readonly EntriesTable[]): Promise<void> {
  for (const [start, end] of insertRuns(rows.length, INSERT_ROWS)) {
    await entryInsert(end - start).run(tx, rowValues(rows.slice(start, end), ENTRY_COLUMNS));
  }
}

const entryInsert = preparedRows('entries-insert', ENTRY_COLUMNS, (db, rows) =>
  db.insertInto('entries').values(rows as unknown as EntriesTable[]),
);

type EntryRow = { envelope: string; hash: string; received_at: string };

/** `listEntries`' queries by shape (which bounds a range gives, and how many kinds). */
const entryLists = new Map<string, Prepared<EntryRow>>();

function entryList(shape: string, range: EntryRange, kinds: number): Prepared<EntryRow> {
  const list = prepared<EntryRow>(`entries-list-${shape}`, (db, $) => {
    let query = db
      .selectFrom('entries')
      .select(['envelope', 'hash', 'received_at'])
      .where('bilateral', '=', $('bilateral'));
    if (range.author !== undefined) query = query.where('author', '=', $('author'));
    if (range.kinds !== undefined) {
      query = query.where(
        'kind',
        'in',
        Array.from({ length: kinds }, (_, i) => $(`kind${i}`)),
      );
    }
    if (range.fromSeq !== undefined) query = query.where('seq', '>=', $('from'));
    if (range.toSeq !== undefined) query = query.where('seq', '<=', $('to'));
    query = query.orderBy('author').orderBy('seq');
    if (range.limit !== undefined) query = query.limit($('limit'));
    return query;
  });
  entryLists.set(shape, list);
  return list;
}

function toEntryRow(stored: StoredEntry): EntriesTable {
  const { entry } = stored.signed;
  return {
    bilateral: entry.bilateral,
    author: entry.author,
    seq: entry.seq,
    hash: stored.hash,
    prev: entry.prev,
    kind: entry.kind,
    envelope: JSON.stringify(stored.signed),
    recorded_at: entry.recordedAt,
    received_at: stored.receivedAt,
  };
}

function toStoredEntry(row: { envelope: string; hash: string; received_at: string }): StoredEntry {
  return { signed: JSON.parse(row.envelope) as SignedEntry, hash: row.hash, receivedAt: row.received_at };
}

function toBilateral(row: Database['bilaterals']): BilateralRecord {
  return {
    id: row.id,
    agreement: JSON.parse(row.agreement) as BilateralRecord['agreement'],
    role: row.role,
    peerEndpoint: row.peer_endpoint,
    createdAt: row.created_at,
  };
}
