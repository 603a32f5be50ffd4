/**
 * The usage records' queries (migration 0005: a row per batch in
 * `usage_batches`, a row per record id in `usage_ids`, both keyed by a small
 * integer per (bilateral, author) in `usage_streams`).
 *
 * Design rationale:
 * - Writing: a batch (10,000 records by default) is one transaction; its
 *   records go in as ONE row, their canonical texts joined by '\n', and only
 *   the ids get a row each, in the one b-tree that deduplicates them. Each
 *   engine brings its fastest bulk insert of the ids
 *   (`StoreEngine.insertUsage`): prepared better-sqlite3 statements of 64
 *   rows on SQLite, `COPY … FROM STDIN` on PostgreSQL. Kysely's per-row
 *   builder (compile, then a round trip) is what this avoids: at 200,000
 *   records/s there are 5 µs per record for everything, parsing and hashing
 *   included. The importer hands over each batch already encoded
 *   (`EncodedUsage`: the texts in UTF-8 as it hashed them, the ids, the time
 *   range), which is written as it is: nothing is serialised or parsed
 *   twice. Records given as objects are encoded once (`encodeUsage`) into
 *   the same form.
 * - Reading a batch (proofs, fetches, rating a straddling batch) is one row.
 * - Listing by period, service and (at, id) order (`usageRecords`) has no
 *   per-record index to walk: it reads the batches whose [from_at, to_at]
 *   overlaps the period, in from_at order, keeps the `limit` least records by
 *   (at, id) and stops at the first batch starting after the greatest one
 *   kept. Imports come roughly in time order, so a page reads one or two
 *   batches; memory holds at most two pages of records and one batch. A
 *   record is decoded only as far as needed: its `at` is the first field of
 *   its canonical JSON and its service the last, so most records that do not
 *   match are skipped without `JSON.parse`.
 * - Ids compare in code-unit order (`byCodeUnit`), the one order everything
 *   both parties compute uses; the SQL of 0004 compared UTF-8 bytes, which
 *   differs only for ids holding characters from U+E000 to U+FFFF next to ones
 *   past U+FFFF.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import {
  BilateralError,
  byCodeUnit,
  type EncodedUsage,
  encodeUsage,
  type Issue,
  type UsageRecord,
  usageEncoding,
  usageInstant,
  ValidationError,
} from '../core/index.ts';
import { copyField, copyIn } from './postgres-copy.ts';
import type { Database } from './schema.ts';
import type { StoredUsage, UsageQuery } from './types.ts';
import { isSeq } from './validate.ts';

/** One batch as the usage tables hold it; a record's position is its index in `ids`. */
export interface UsageColumns {
  readonly stream: number;
  readonly batchSeq: number;
  readonly ids: readonly string[];
  /** The `records` column: the canonical JSON texts (`usageRecordJson`) in position order, joined by '\n', in UTF-8. */
  readonly texts: Uint8Array;
  /** The least and greatest record instant (ms since the epoch); unused when there is no record. */
  readonly fromAt: number;
  readonly toAt: number;
}

/**
 * Writes one batch inside the caller's transaction (`tx`): its `usage_batches`
 * row and its ids, nothing when it has no record. Throws the engine's unique
 * violation on a repeated id.
 */
export type UsageInserter = (tx: Kysely<Database>, batch: UsageColumns) => Promise<void>;

const MAX_LIMIT = 10_000;
const ID_CHUNK = 10_000;
/** Candidate batches read per query in `usageRecords` (their bounds only, not their records). */
const CANDIDATES = 64;

/** `at` as its column value (ms since the epoch); undefined when not an RFC 3339 UTC time. */
export const atColumn: (at: string) => number | undefined = usageInstant;

/**
 * The columns of one batch (stream to be set by the caller); checks what the
 * tables need (the node checked the rest). On the import's hot path: one
 * pass, no closure or object allocated per record.
 */
export function usageColumns(
  batchSeq: number,
  records: readonly UsageRecord[] | EncodedUsage,
): Omit<UsageColumns, 'stream'> {
  const issues: Issue[] = [];
  if (!isSeq(batchSeq)) issues.push({ path: 'batchSeq', rule: 'expected an entry seq', value: batchSeq });
  if (!Array.isArray(records)) return encodedColumns(batchSeq, records as EncodedUsage, issues);
  const { instants } = usageEncoding(records);
  const n = records.length;
  for (let position = 0; position < n && issues.length < 10; position++) {
    const r = records[position]!;
    const { id, service, metric, quantity } = r;
    if (typeof id !== 'string' || id === '') badField(issues, r, position, 'id', NON_EMPTY);
    if (typeof service !== 'string' || service === '') badField(issues, r, position, 'service', NON_EMPTY);
    if (typeof metric !== 'string' || metric === '') badField(issues, r, position, 'metric', NON_EMPTY);
    if (typeof quantity !== 'string') badField(issues, r, position, 'quantity', 'expected a decimal string');
    if (Number.isNaN(instants[position]))
      badField(issues, r, position, 'at', 'expected an RFC 3339 UTC time');
  }
  if (issues.length > 0) throw new ValidationError('STORE_BAD_USAGE', issues);
  return encodedColumns(batchSeq, encodeUsage(records), issues);
}

/**
 * The columns of a batch the importer encoded itself (`EncodedUsage`): the
 * texts are already in UTF-8 and the range known; what is checked here is
 * that there is a text per id, each ended by a line break, the ids are
 * non-empty strings and the range is a range of times.
 */
function encodedColumns(
  batchSeq: number,
  batch: EncodedUsage,
  issues: Issue[],
): Omit<UsageColumns, 'stream'> {
  const { ids, bytes, ends, from, to } = batch;
  const n = ids.length;
  let ended = ends.length === n && (n === 0 ? bytes.length === 0 : ends[n - 1]! + 1 === bytes.length);
  for (let i = 0, start = 0; ended && i < n; start = ends[i++]! + 1) {
    ended = ends[i]! > start && bytes[ends[i]!] === 10;
  }
  if (!ended)
    issues.push({
      path: 'ends',
      rule: `expected ${n} texts, one per id, each ended by a line break`,
      value: ends.length,
    });
  for (let position = 0; position < n && issues.length < 10; position++) {
    const id = ids[position];
    if (typeof id !== 'string' || id === '') {
      issues.push({ path: `ids[${position}]`, rule: NON_EMPTY, value: id });
    }
  }
  if (n > 0 && !(Number.isFinite(from) && Number.isFinite(to) && from <= to)) {
    issues.push({ path: 'from', rule: 'expected the earliest and latest record times', value: [from, to] });
  }
  if (issues.length > 0) throw new ValidationError('STORE_BAD_USAGE', issues);
  // The column holds the texts joined by line breaks (canonical JSON escapes every control
  // character, so no text holds one of its own): all but the last byte.
  return { batchSeq, ids, texts: bytes.subarray(0, Math.max(0, bytes.length - 1)), fromAt: from, toAt: to };
}

/** The `records` column as text, however it was written (a string, or UTF-8 bytes: a blob on SQLite). */
export function recordsText(value: string | Uint8Array): string {
  return typeof value === 'string'
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
}

const NON_EMPTY = 'expected a non-empty string';

function badField(issues: Issue[], record: UsageRecord, position: number, field: string, rule: string): void {
  issues.push({
    path: `records[${position}].${field}`,
    rule,
    value: (record as unknown as Record<string, unknown>)[field],
  });
}

/** The stream key of (bilateral, author), created when missing (inside the caller's transaction). */
export async function ensureStream(tx: Kysely<Database>, bilateral: string, author: string): Promise<number> {
  const found = await streamOf(tx, bilateral, author);
  if (found !== undefined) return found;
  await tx
    .insertInto('usage_streams')
    .values({ bilateral, author })
    .onConflict((oc) => oc.columns(['bilateral', 'author']).doNothing())
    .execute();
  return (await streamOf(tx, bilateral, author))!;
}

/** The stream key of (bilateral, author); undefined while it holds no record. */
export async function streamOf(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('usage_streams')
    .select('id')
    .where('bilateral', '=', bilateral)
    .where('author', '=', author)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.id);
}

/** The `usage_batches` row of `batch` (at least one record). */
async function insertBatchRow(tx: Kysely<Database>, batch: UsageColumns): Promise<void> {
  await tx
    .insertInto('usage_batches')
    .values({
      stream: batch.stream,
      batch_seq: batch.batchSeq,
      count: batch.ids.length,
      from_at: batch.fromAt,
      to_at: batch.toAt,
      records: recordsText(batch.texts),
    })
    .execute();
}

/** The portable insert: the batch row, then multi-row INSERTs of 500 ids (4 parameters each). */
export const insertUsageBatch: UsageInserter = async (tx, batch) => {
  const { stream, batchSeq, ids } = batch;
  if (ids.length === 0) return;
  await insertBatchRow(tx, batch);
  for (let i = 0; i < ids.length; i += 500) {
    const values = [];
    for (let p = i; p < Math.min(ids.length, i + 500); p++) {
      values.push({ stream, id: ids[p]!, batch_seq: batchSeq, position: p });
    }
    await tx.insertInto('usage_ids').values(values).execute();
  }
};

/**
 * PostgreSQL: the batch row as a plain INSERT (one parameter of a megabyte
 * or so), the ids as one `COPY usage_ids FROM STDIN` (postgres-copy.ts),
 * which needs the engine's copy-aware connections; a repeated id fails it
 * with the unique violation, as an INSERT would.
 */
export const insertUsageCopy: UsageInserter = async (tx, batch) => {
  const { stream, batchSeq, ids } = batch;
  if (ids.length === 0) return;
  await insertBatchRow(tx, batch);
  const suffix = `\t${batchSeq}\t`;
  const lines = new Array<string>(ids.length);
  for (let p = 0; p < ids.length; p++) lines[p] = `${stream}\t${copyField(ids[p]!)}${suffix}${p}\n`;
  await copyIn(tx, 'usage_ids', ID_COLUMNS, lines.join(''));
};

const ID_COLUMNS = ['stream', 'id', 'batch_seq', 'position'];

export function usageConflict(
  bilateral: string,
  author: string,
  batchSeq: number,
  why: string,
): BilateralError {
  return new BilateralError('STORE_USAGE_CONFLICT', `usage batch ${author}/${batchSeq}: ${why}`, {
    details: { bilateral, author, batchSeq },
  });
}

/** The `records` column of one batch (texts joined by '\n'); undefined when not stored. */
export async function batchText(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
  batchSeq: number,
): Promise<string | undefined> {
  const stream = await streamOf(db, bilateral, author);
  return stream === undefined ? undefined : streamBatchText(db, stream, batchSeq);
}

/** The `usage_batches` row of one batch, to select from. */
function batchRow(db: Kysely<Database>, stream: number, batchSeq: number) {
  return db.selectFrom('usage_batches').where('stream', '=', stream).where('batch_seq', '=', batchSeq);
}

/** `batchText` by stream key. */
async function streamBatchText(
  db: Kysely<Database>,
  stream: number,
  batchSeq: number,
): Promise<string | undefined> {
  const row = await batchRow(db, stream, batchSeq).select(['count', 'records']).executeTakeFirst();
  return row === undefined || Number(row.count) === 0 ? undefined : recordsText(row.records);
}

/** How many records of one batch are stored (0 when none): its row's count, not its records. */
export async function batchCount(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
  batchSeq: number,
): Promise<number> {
  const stream = await streamOf(db, bilateral, author);
  if (stream === undefined) return 0;
  const row = await batchRow(db, stream, batchSeq).select('count').executeTakeFirst();
  return row === undefined ? 0 : Number(row.count);
}

/** The record texts stored for one batch, in position order. */
export async function batchTexts(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
  batchSeq: number,
): Promise<string[]> {
  const text = await batchText(db, bilateral, author, batchSeq);
  return text === undefined ? [] : text.split('\n');
}

/**
 * The batch seq of each of `ids` the author already holds. One statement per
 * 10,000 ids with the ids as a single parameter: a JSON array through
 * `json_each` on SQLite; on PostgreSQL an `unnest` of a text array with one
 * LATERAL probe of the (stream, id) primary key per id. The LIMIT keeps the
 * probe a probe: PostgreSQL cannot turn it into a join, so the plan stays the
 * same whatever the table's statistics say. (`id = any($2)` was planned from
 * the statistics: once the table had grown past what they said, it chose a
 * scan of the whole stream and filtered, 1–2 s per lookup at 5 M rows.) A
 * list of 1,000 bound parameters cost a fresh prepare and plan per query.
 */
export async function hasUsageIds(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const stream = await streamOf(db, bilateral, author);
  if (stream === undefined) return found;
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK);
    const query = postgres
      ? sql<{ id: string; batch_seq: number | string }>`select q.id, r.batch_seq
          from unnest(${chunk}::text[]) as q(id)
          cross join lateral (
            select batch_seq from usage_ids where stream = ${stream} and id = q.id limit 1
          ) as r`
      : sql<{ id: string; batch_seq: number | string }>`select id, batch_seq from usage_ids
          where stream = ${stream} and id in (select value from json_each(${JSON.stringify(chunk)}))`;
    const { rows } = await query.execute(db);
    for (const row of rows) found.set(row.id, Number(row.batch_seq));
  }
  return found;
}

/** A record kept for a page: its key (at, id) and where it is. */
interface Kept {
  readonly at: number;
  readonly record: UsageRecord;
  readonly batchSeq: number;
  readonly position: number;
}

function byKey(a: Kept, b: Kept): number {
  return a.at !== b.at ? a.at - b.at : byCodeUnit(a.record.id, b.record.id);
}

export async function usageRecords(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
  query: UsageQuery,
): Promise<StoredUsage[]> {
  const issues: Issue[] = [];
  const time = (field: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const column = atColumn(value);
    if (column === undefined) issues.push({ path: field, rule: 'expected an RFC 3339 UTC time', value });
    return column;
  };
  const from = time('from', query.from);
  const to = time('to', query.to);
  const afterAt = time('after.at', query.after?.at);
  const { limit } = query;
  if (!(Number.isSafeInteger(limit) && limit >= 0 && limit <= MAX_LIMIT)) {
    issues.push({ path: 'limit', rule: `expected an integer from 0 to ${MAX_LIMIT}`, value: limit });
  }
  if (query.batchSeq !== undefined && !isSeq(query.batchSeq)) {
    issues.push({ path: 'batchSeq', rule: 'expected an entry seq', value: query.batchSeq });
  }
  if (issues.length > 0) throw new ValidationError('STORE_BAD_RANGE', issues);
  if (limit === 0) return [];
  const stream = await streamOf(db, bilateral, author);
  if (stream === undefined) return [];

  // Every record listed has lo <= at < hi.
  const lo = Math.max(from ?? Number.NEGATIVE_INFINITY, afterAt ?? Number.NEGATIVE_INFINITY);
  const hi = to ?? Number.POSITIVE_INFINITY;
  if (!(lo < hi)) return [];
  const afterId = query.after?.id;
  // A record's service is the last field of its canonical JSON, so `,"service":"S1"}` ends
  // exactly the texts of service S1 (a quote inside a string value is always escaped).
  const serviceEnd = query.service === undefined ? undefined : `,"service":${JSON.stringify(query.service)}}`;

  let kept: Kept[] = [];
  /** The greatest `at` kept once `limit` records are: nothing after it can enter the page. */
  let worst = Number.POSITIVE_INFINITY;
  const trim = () => {
    if (kept.length < limit) return;
    kept.sort(byKey);
    if (kept.length > limit) kept = kept.slice(0, limit);
    worst = kept[limit - 1]!.at;
  };

  let cursor: { fromAt: number; batchSeq: number } | undefined;
  for (;;) {
    const candidates = await candidateBatches(db, stream, lo, hi, query.batchSeq, cursor);
    for (const batch of candidates) {
      if (batch.fromAt > worst) return page(kept);
      const text = (await streamBatchText(db, stream, batch.batchSeq)) ?? '';
      let position = 0;
      for (let start = 0; start < text.length; position++) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        const line = start === 0 && end === text.length ? text : text.slice(start, end);
        start = end + 1;
        const at = atOf(line);
        if (!(at >= lo && at < hi) || at > worst) continue;
        if (serviceEnd !== undefined && !line.endsWith(serviceEnd)) continue;
        const record = JSON.parse(line) as UsageRecord;
        if (at === afterAt && byCodeUnit(record.id, afterId!) <= 0) continue;
        // Trimmed at twice the page: `worst` then skips most later records unparsed
        // (`{ batchSeq, limit: 1 }`, "is this batch held?", parses a few records, not all).
        if (kept.push({ at, record, batchSeq: batch.batchSeq, position }) >= 2 * limit) trim();
      }
      trim();
    }
    if (candidates.length < CANDIDATES) return page(kept);
    const last = candidates[candidates.length - 1]!;
    cursor = { fromAt: last.fromAt, batchSeq: last.batchSeq };
  }
}

function page(kept: Kept[]): StoredUsage[] {
  kept.sort(byKey);
  return kept.map(({ record, batchSeq, position }) => ({ record, batchSeq, position }));
}

/**
 * The instant of a stored record text: its `at`, the first field of the
 * canonical JSON (`{"at":"…",`), which an RFC 3339 time never escapes.
 * Anything else is parsed whole.
 */
function atOf(line: string): number {
  if (line.startsWith('{"at":"')) {
    const close = line.indexOf('"', 7);
    const at = close < 0 ? undefined : usageInstant(line.slice(7, close));
    if (at !== undefined) return at;
  }
  const at = (JSON.parse(line) as { at?: unknown }).at;
  return (typeof at === 'string' ? usageInstant(at) : undefined) ?? Number.NaN;
}

/**
 * The bounds of the stream's batches that may hold a record in [lo, hi), in
 * (from_at, batch_seq) order, `CANDIDATES` at a time after `cursor`.
 */
async function candidateBatches(
  db: Kysely<Database>,
  stream: number,
  lo: number,
  hi: number,
  batchSeq: number | undefined,
  cursor: { fromAt: number; batchSeq: number } | undefined,
): Promise<{ batchSeq: number; fromAt: number }[]> {
  let q = db.selectFrom('usage_batches').select(['batch_seq', 'from_at']).where('stream', '=', stream);
  if (lo !== Number.NEGATIVE_INFINITY) q = q.where('to_at', '>=', lo);
  if (hi !== Number.POSITIVE_INFINITY) q = q.where('from_at', '<', hi);
  if (batchSeq !== undefined) q = q.where('batch_seq', '=', batchSeq);
  if (cursor !== undefined) {
    const { fromAt, batchSeq: seq } = cursor;
    q = q.where((eb) =>
      eb.or([eb('from_at', '>', fromAt), eb.and([eb('from_at', '=', fromAt), eb('batch_seq', '>', seq)])]),
    );
  }
  const rows = await q.orderBy('from_at').orderBy('batch_seq').limit(CANDIDATES).execute();
  return rows.map((row) => ({ batchSeq: Number(row.batch_seq), fromAt: Number(row.from_at) }));
}
