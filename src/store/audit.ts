/**
 * The audit log's queries (migration 0006): who did what, when, to which
 * bilateral, and what resulted. Append-only: there is no update or delete.
 * `seq` comes from the engine's serial column, so it only grows; it may skip
 * a number where an append rolled back, and readers page by `fromSeq`.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Issue } from '../core/index.ts';
import { preparedRows, rowValues } from './prepared.ts';
import { relaxed } from './relaxed.ts';
import { insertRuns } from './runs.ts';
import type { AuditTable, Database, Engine } from './schema.ts';
import { type AuditInput, type AuditQuery, type AuditRecord, auditOutcomes } from './types.ts';
import { fail, instant, MAX_SEQ, oneOf, text } from './validate.ts';

/** Most records one `listAudit` returns. */
export const MAX_AUDIT_PAGE = 1000;

export function checkAudit(record: AuditInput): void {
  const issues: Issue[] = [];
  instant(issues, 'at', record.at);
  text(issues, 'actor', record.actor);
  text(issues, 'action', record.action);
  if (record.bilateral !== null) text(issues, 'bilateral', record.bilateral);
  oneOf(issues, 'outcome', record.outcome, auditOutcomes);
  // A refusal says why; a success has nothing to say there.
  if (record.outcome === 'refused') text(issues, 'code', record.code);
  else if (record.code !== null) {
    issues.push({ path: 'code', rule: "expected null when the outcome is 'ok'", value: record.code });
  }
  fail('STORE_BAD_AUDIT', issues);
}

/** Most records one insert statement carries (nine parameters each, within every engine's limit). */
const AUDIT_ROWS_PER_INSERT = 500;

/**
 * Appends records, up to 256 to a statement (runs.ts), without waiting for the disk
 * (relaxed.ts): the entries they name are the durable record. All are
 * checked first; one bad record appends none. Answers their seqs, in order.
 */
export async function appendAudits(
  db: Kysely<Database>,
  engine: Engine,
  records: readonly AuditInput[],
): Promise<number[]> {
  for (const record of records) checkAudit(record);
  if (records.length === 0) return [];
  return relaxed(db, engine, async (on) => {
    const seqs: number[] = [];
    for (const [start, end] of insertRuns(records.length, AUDIT_ROWS_PER_INSERT)) {
      const rows = await auditInsert(end - start).rows(
        on,
        rowValues(records.slice(start, end).map(auditRow), AUDIT_COLUMNS),
      );
      // One statement's rows take increasing seqs in row order; RETURNING's own order is not promised.
      seqs.push(...rows.map((row) => Number(row.seq)).sort((a, b) => a - b));
    }
    return seqs;
  });
}

const AUDIT_COLUMNS = ['at', 'actor', 'action', 'bilateral', 'request', 'result', 'outcome', 'code'];

const auditInsert = preparedRows('audit-insert', AUDIT_COLUMNS, (db, rows) =>
  db
    .insertInto('audit')
    .values(rows as unknown as ReturnType<typeof auditRow>[])
    .returning('seq'),
);

function auditRow(record: AuditInput) {
  return {
    at: record.at,
    actor: record.actor,
    action: record.action,
    bilateral: record.bilateral,
    // `undefined` has no JSON form; keep it as JSON null rather than lose the record.
    request: JSON.stringify(record.request) ?? 'null',
    result: JSON.stringify(record.result) ?? 'null',
    outcome: record.outcome,
    code: record.code,
  };
}

export async function listAudit(db: Kysely<Database>, query: AuditQuery): Promise<AuditRecord[]> {
  const issues: Issue[] = [];
  if (!(Number.isSafeInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_AUDIT_PAGE)) {
    issues.push({
      path: 'limit',
      rule: `expected an integer from 1 to ${MAX_AUDIT_PAGE}`,
      value: query.limit,
    });
  }
  if (query.fromSeq !== undefined && !Number.isSafeInteger(query.fromSeq)) {
    issues.push({ path: 'fromSeq', rule: 'expected an integer', value: query.fromSeq });
  }
  if (query.bilateral !== undefined) text(issues, 'bilateral', query.bilateral);
  if (query.actor !== undefined) text(issues, 'actor', query.actor);
  fail('STORE_BAD_AUDIT', issues);
  // Past the serial column's range nothing is stored; clamping keeps the engines' integers in range.
  if (query.fromSeq !== undefined && query.fromSeq > MAX_SEQ) return [];
  let select = db.selectFrom('audit').selectAll();
  if (query.bilateral !== undefined) select = select.where('bilateral', '=', query.bilateral);
  if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
  if (query.fromSeq !== undefined && query.fromSeq > 1) select = select.where('seq', '>=', query.fromSeq);
  const rows = await select.orderBy('seq').limit(query.limit).execute();
  return rows.map(toRecord);
}

function toRecord(row: Selectable<AuditTable>): AuditRecord {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    bilateral: row.bilateral,
    request: JSON.parse(row.request) as unknown,
    result: JSON.parse(row.result) as unknown,
    outcome: row.outcome,
    code: row.code,
  };
}
