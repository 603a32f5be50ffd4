/**
 * The usage records' queries (migration 0004: `usage_rows` keyed by a small
 * integer per (bilateral, author) in `usage_streams`). Records are written
 * in bulk, a batch (10,000 by default) per transaction, and each engine
 * brings its fastest bulk insert (`StoreEngine.insertUsage`): prepared
 * better-sqlite3 statements of 64 rows on SQLite, `COPY … FROM STDIN` on
 * PostgreSQL. Kysely's per-row builder (compile, then a round trip) is
 * what this avoids: at 200,000 records/s there are 5 µs per record for
 * everything, parsing and hashing included. The record texts and instants
 * come from `usageEncoding`, which the importer has already computed for the
 * same batch array (to hash it): nothing is serialised or parsed twice.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import {
  BilateralError,
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

/** The rows of one batch, by column; a record's position is its index. */
export interface UsageColumns {
  readonly stream: number;
  readonly batchSeq: number;
  readonly ids: readonly string[];
  readonly services: readonly string[];
  /** ms since the epoch. */
  readonly ats: readonly number[];
  /** Canonical JSON (`usageRecordJson`). */
  readonly records: readonly string[];
}

/** Writes rows inside the caller's transaction (`tx`); throws the engine's unique violation on a repeated id. */
export type UsageInserter = (tx: Kysely<Database>, rows: UsageColumns) => Promise<void>;

const MAX_LIMIT = 10_000;
const ID_CHUNK = 10_000;

/** `at` as its column value (ms since the epoch); undefined when not an RFC 3339 UTC time. */
export const atColumn: (at: string) => number | undefined = usageInstant;

/** The columns of one batch (stream to be set by the caller); checks what the table needs (the node checked the rest). */
export function usageColumns(
  batchSeq: number,
  records: readonly UsageRecord[],
): Omit<UsageColumns, 'stream'> {
  const issues: Issue[] = [];
  if (!isSeq(batchSeq)) issues.push({ path: 'batchSeq', rule: 'expected an entry seq', value: batchSeq });
  const { texts, instants } = usageEncoding(records);
  const ids = new Array<string>(records.length);
  const services = new Array<string>(records.length);
  for (let position = 0; position < records.length && issues.length < 10; position++) {
    const r = records[position]!;
    const bad = (field: string, rule: string) =>
      issues.push({
        path: `records[${position}].${field}`,
        rule,
        value: (r as unknown as Record<string, unknown>)?.[field],
      });
    if (typeof r?.id !== 'string' || r.id === '') bad('id', 'expected a non-empty string');
    if (typeof r?.service !== 'string' || r.service === '') bad('service', 'expected a non-empty string');
    if (typeof r?.metric !== 'string' || r.metric === '') bad('metric', 'expected a non-empty string');
    if (typeof r?.quantity !== 'string') bad('quantity', 'expected a decimal string');
    if (Number.isNaN(instants[position])) bad('at', 'expected an RFC 3339 UTC time');
    ids[position] = r.id;
    services[position] = r.service;
  }
  if (issues.length > 0) throw new ValidationError('STORE_BAD_USAGE', issues);
  return { batchSeq, ids, services, ats: instants, records: texts };
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

/** The portable bulk insert: multi-row INSERTs of 500 rows (7 parameters each). */
export const insertUsageRows: UsageInserter = async (tx, rows) => {
  for (let i = 0; i < rows.ids.length; i += 500) {
    const values = [];
    for (let p = i; p < Math.min(rows.ids.length, i + 500); p++) {
      values.push({
        stream: rows.stream,
        batch_seq: rows.batchSeq,
        position: p,
        id: rows.ids[p]!,
        service: rows.services[p]!,
        at: rows.ats[p]!,
        record: rows.records[p]!,
      });
    }
    await tx.insertInto('usage_rows').values(values).execute();
  }
};

/**
 * PostgreSQL: one `COPY usage_rows FROM STDIN` per batch (postgres-copy.ts),
 * which needs the engine's copy-aware connections; a repeated id fails it
 * with the unique violation, as an INSERT would.
 */
export const insertUsageCopy: UsageInserter = async (tx, rows) => {
  const { stream, batchSeq, ids, services, ats, records } = rows;
  const prefix = `${stream}\t${batchSeq}\t`;
  const lines = new Array<string>(ids.length);
  for (let p = 0; p < ids.length; p++) {
    lines[p] =
      `${prefix}${p}\t${copyField(ids[p]!)}\t${copyField(services[p]!)}\t${ats[p]}\t${copyField(records[p]!)}\n`;
  }
  await copyIn(tx, 'usage_rows', USAGE_COLUMNS, lines.join(''));
};

const USAGE_COLUMNS = ['stream', 'batch_seq', 'position', 'id', 'service', 'at', 'record'];

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

/** The record texts stored for one batch, in position order. */
export async function batchTexts(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
  batchSeq: number,
): Promise<string[]> {
  const stream = await streamOf(db, bilateral, author);
  if (stream === undefined) return [];
  const rows = await db
    .selectFrom('usage_rows')
    .select('record')
    .where('stream', '=', stream)
    .where('batch_seq', '=', batchSeq)
    .orderBy('position')
    .execute();
  return rows.map((row) => row.record);
}

/**
 * The batch seq of each of `ids` the author already holds. One statement per
 * 10,000 ids with the ids as a single parameter: a JSON array through
 * `json_each` on SQLite; on PostgreSQL an `unnest` of a text array with one
 * LATERAL probe of the (stream, id) index per id. The LIMIT keeps the probe
 * a probe: PostgreSQL cannot turn it into a join, so the plan stays the same
 * whatever the table's statistics say. (`id = any($2)` was planned from the
 * statistics: once the table had grown past what they said, it chose a scan
 * of the whole stream through the primary key and filtered, 1–2 s per
 * lookup at 5 M rows.) A list of 1,000 bound parameters cost a fresh
 * prepare and plan per query.
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
            select batch_seq from usage_rows where stream = ${stream} and id = q.id limit 1
          ) as r`
      : sql<{ id: string; batch_seq: number | string }>`select id, batch_seq from usage_rows
          where stream = ${stream} and id in (select value from json_each(${JSON.stringify(chunk)}))`;
    const { rows } = await query.execute(db);
    for (const row of rows) found.set(row.id, Number(row.batch_seq));
  }
  return found;
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
  if (!(Number.isSafeInteger(query.limit) && query.limit >= 0 && query.limit <= MAX_LIMIT)) {
    issues.push({ path: 'limit', rule: `expected an integer from 0 to ${MAX_LIMIT}`, value: query.limit });
  }
  if (query.batchSeq !== undefined && !isSeq(query.batchSeq)) {
    issues.push({ path: 'batchSeq', rule: 'expected an entry seq', value: query.batchSeq });
  }
  if (issues.length > 0) throw new ValidationError('STORE_BAD_RANGE', issues);
  if (query.limit === 0) return [];
  const stream = await streamOf(db, bilateral, author);
  if (stream === undefined) return [];
  let q = db
    .selectFrom('usage_rows')
    .select(['record', 'batch_seq', 'position'])
    .where('stream', '=', stream);
  if (query.service !== undefined) q = q.where('service', '=', query.service);
  if (from !== undefined) q = q.where('at', '>=', from);
  if (to !== undefined) q = q.where('at', '<', to);
  if (query.batchSeq !== undefined) q = q.where('batch_seq', '=', query.batchSeq);
  if (afterAt !== undefined) {
    const id = query.after!.id;
    q = q.where((eb) => eb.or([eb('at', '>', afterAt), eb.and([eb('at', '=', afterAt), eb('id', '>', id)])]));
  }
  const rows = await q.orderBy('at').orderBy('id').limit(query.limit).execute();
  return rows.map((row) => ({
    record: JSON.parse(row.record) as UsageRecord,
    batchSeq: Number(row.batch_seq),
    position: Number(row.position),
  }));
}
