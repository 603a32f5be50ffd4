/**
 * The usage records' queries (migration 0003). Records are written in bulk,
 * a batch (10,000 by default) per transaction, and each engine brings its
 * fastest bulk insert (`StoreEngine.insertUsage`): one prepared
 * better-sqlite3 statement run per row on SQLite, `unnest` of column arrays
 * on PostgreSQL. Kysely's per-row builder (compile, then a round trip) is
 * what this avoids: at 200,000 records/s there are 5 µs per record for
 * everything, parsing and hashing included.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import {
  BilateralError,
  type Issue,
  type UsageRecord,
  usageRecordJson,
  usageTimeKey,
  ValidationError,
} from '../core/index.ts';
import type { Database, UsageRecordsTable } from './schema.ts';
import type { StoredUsage, UsageQuery } from './types.ts';
import { isSeq } from './validate.ts';

/** Writes rows inside the caller's transaction (`tx`); throws the engine's unique violation on a repeated id. */
export type UsageInserter = (tx: Kysely<Database>, rows: readonly UsageRecordsTable[]) => Promise<void>;

const MAX_LIMIT = 10_000;
const ID_CHUNK = 10_000;

/** `at` as the sortable column text: `toISOString`, always with milliseconds. */
export const atColumn: (at: string) => string | undefined = usageTimeKey;

/** The rows of one batch; checks what the table needs (the node checked the rest). */
export function usageRows(
  bilateral: string,
  author: string,
  batchSeq: number,
  records: readonly UsageRecord[],
): UsageRecordsTable[] {
  const issues: Issue[] = [];
  if (!isSeq(batchSeq)) issues.push({ path: 'batchSeq', rule: 'expected an entry seq', value: batchSeq });
  const rows: UsageRecordsTable[] = [];
  for (let position = 0; position < records.length && issues.length < 10; position++) {
    const r = records[position]!;
    const at = typeof r?.at === 'string' ? atColumn(r.at) : undefined;
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
    if (at === undefined) bad('at', 'expected an RFC 3339 UTC time');
    if (issues.length > 0) continue;
    rows.push({
      bilateral,
      author,
      id: r.id,
      service: r.service,
      metric: r.metric,
      quantity: r.quantity,
      at: at!,
      batch_seq: batchSeq,
      position,
      record: usageRecordJson(r),
    });
  }
  if (issues.length > 0) throw new ValidationError('STORE_BAD_USAGE', issues);
  return rows;
}

/** The portable bulk insert: multi-row INSERTs of 500 rows (10 parameters each). */
export const insertUsageRows: UsageInserter = async (tx, rows) => {
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insertInto('usage_records')
      .values(rows.slice(i, i + 500))
      .execute();
  }
};

/** PostgreSQL: one INSERT … SELECT FROM unnest(column arrays) per 5,000 rows. */
export const insertUsageUnnest: UsageInserter = async (tx, rows) => {
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = rows.slice(i, i + 5000);
    const col = <K extends keyof UsageRecordsTable>(k: K) => chunk.map((row) => row[k]);
    await sql`insert into usage_records
      (bilateral, author, id, service, metric, quantity, at, batch_seq, position, record)
      select * from unnest(
        ${col('bilateral')}::text[], ${col('author')}::text[], ${col('id')}::text[],
        ${col('service')}::text[], ${col('metric')}::text[], ${col('quantity')}::text[],
        ${col('at')}::text[], ${col('batch_seq')}::int[], ${col('position')}::int[],
        ${col('record')}::text[])`.execute(tx);
  }
};

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
  const rows = await db
    .selectFrom('usage_records')
    .select('record')
    .where('bilateral', '=', bilateral)
    .where('author', '=', author)
    .where('batch_seq', '=', batchSeq)
    .orderBy('position')
    .execute();
  return rows.map((row) => row.record);
}

/**
 * The batch seq of each of `ids` the author already holds. One statement per
 * 10,000 ids with the ids as a single parameter (a JSON array through
 * `json_each` on SQLite, `= any(text[])` on PostgreSQL, which plans as
 * probes of the primary key even while the table's statistics still say it
 * is empty). A list of 1,000 bound parameters cost a fresh prepare and plan
 * per query, and on PostgreSQL most of an import's time.
 */
export async function hasUsageIds(
  db: Kysely<Database>,
  bilateral: string,
  author: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK);
    const match = postgres
      ? sql`id = any(${chunk}::text[])`
      : sql`id in (select value from json_each(${JSON.stringify(chunk)}))`;
    const { rows } = await sql<{ id: string; batch_seq: number | string }>`select id, batch_seq
      from usage_records
      where bilateral = ${bilateral} and author = ${author} and ${match}`.execute(db);
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
  let q = db
    .selectFrom('usage_records')
    .select(['record', 'batch_seq', 'position'])
    .where('bilateral', '=', bilateral)
    .where('author', '=', author);
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
