/**
 * The notification queries (migration 0008): the event feed, and the hub's
 * webhook subscriptions with their delivery cursors. Events are derived from
 * entries the node already holds durably, so they are written without
 * waiting for the disk (relaxed.ts): one lost to a power cut is derived
 * again from its entry, and the unique (bilateral, author, entry seq) key
 * keeps a second derivation from adding it twice.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Issue } from '../core/index.ts';
import { preparedRows, rowValues } from './prepared.ts';
import { relaxed } from './relaxed.ts';
import { insertRuns } from './runs.ts';
import type { Database, Engine, EventsTable, SubscriptionsTable } from './schema.ts';
import type { EventInput, EventQuery, EventRecord, SubscriptionRecord } from './types.ts';
import { fail, instant, text } from './validate.ts';

export const MAX_EVENT_PAGE = 1000;

const EVENT_COLUMNS = ['at', 'bilateral', 'author', 'entry_seq', 'hash', 'type', 'data'];

const eventInsert = preparedRows('events-insert', EVENT_COLUMNS, (db, rows) =>
  db
    .insertInto('events')
    .values(rows as unknown as Insertable<EventsTable>[])
    .onConflict((oc) => oc.columns(['bilateral', 'author', 'entry_seq']).doNothing()),
);

export async function appendEvents(
  db: Kysely<Database>,
  engine: Engine,
  events: readonly EventInput[],
): Promise<number> {
  const issues: Issue[] = [];
  events.forEach((e, i) => {
    instant(issues, `[${i}].at`, e.at);
    text(issues, `[${i}].bilateral`, e.bilateral);
    text(issues, `[${i}].author`, e.author);
    text(issues, `[${i}].type`, e.type);
    if (!Number.isSafeInteger(e.entrySeq) || e.entrySeq < 1) {
      issues.push({ path: `[${i}].entrySeq`, rule: 'expected a positive integer', value: e.entrySeq });
    }
  });
  fail('STORE_BAD_EVENT', issues);
  if (events.length === 0) return 0;
  return relaxed(db, engine, async (on) => {
    let added = 0;
    for (const [start, end] of insertRuns(events.length, 64)) {
      const rows = events.slice(start, end).map((e) => ({
        at: e.at,
        bilateral: e.bilateral,
        author: e.author,
        entry_seq: e.entrySeq,
        hash: e.hash,
        type: e.type,
        data: JSON.stringify(e.data) ?? 'null',
      }));
      const result = await eventInsert(end - start).run(on, rowValues(rows, EVENT_COLUMNS));
      added += Number(result.numAffectedRows ?? 0n);
    }
    return added;
  });
}

export async function eventHeads(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('events')
    .select(['bilateral', 'author', (eb) => eb.fn.max('entry_seq').as('last')])
    .groupBy(['bilateral', 'author'])
    .execute();
  return new Map(rows.map((r) => [`${r.bilateral}\n${r.author}`, Number(r.last)]));
}

export async function listEvents(db: Kysely<Database>, query: EventQuery): Promise<EventRecord[]> {
  const issues: Issue[] = [];
  if (!(Number.isSafeInteger(query.limit) && query.limit >= 1 && query.limit <= MAX_EVENT_PAGE)) {
    issues.push({
      path: 'limit',
      rule: `expected an integer from 1 to ${MAX_EVENT_PAGE}`,
      value: query.limit,
    });
  }
  if (query.after !== undefined && !(Number.isSafeInteger(query.after) && query.after >= 0)) {
    issues.push({ path: 'after', rule: 'expected a non-negative integer', value: query.after });
  }
  fail('STORE_BAD_EVENT', issues);
  if (query.bilaterals?.length === 0 || query.types?.length === 0) return [];
  let select = db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', query.after ?? 0);
  if (query.bilaterals !== undefined) select = select.where('bilateral', 'in', [...query.bilaterals]);
  if (query.types !== undefined) select = select.where('type', 'in', [...query.types]);
  const rows = await select.orderBy('seq').limit(query.limit).execute();
  return rows.map(toEvent);
}

export async function lastEventSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('last'))
    .executeTakeFirst();
  return Number(row?.last ?? 0);
}

function toEvent(row: Selectable<EventsTable>): EventRecord {
  return {
    seq: Number(row.seq),
    at: row.at,
    bilateral: row.bilateral,
    author: row.author,
    entrySeq: Number(row.entry_seq),
    hash: row.hash,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
  };
}

export async function putSubscription(db: Kysely<Database>, s: SubscriptionRecord): Promise<void> {
  const issues: Issue[] = [];
  text(issues, 'id', s.id);
  text(issues, 'callback', s.callback);
  text(issues, 'secret', s.secret);
  instant(issues, 'createdAt', s.createdAt);
  instant(issues, 'nextAt', s.nextAt);
  fail('STORE_BAD_SUBSCRIPTION', issues);
  await db
    .insertInto('subscriptions')
    .values({
      id: s.id,
      callback: s.callback,
      query: JSON.stringify(s.query),
      secret: s.secret,
      created_at: s.createdAt,
      created_by: s.createdBy,
      cursor: s.cursor,
      failures: s.failures,
      next_at: s.nextAt,
      last_error: s.lastError,
    })
    .execute();
}

export async function listSubscriptions(db: Kysely<Database>): Promise<SubscriptionRecord[]> {
  const rows = await db.selectFrom('subscriptions').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toSubscription);
}

export async function deleteSubscription(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('subscriptions').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function updateSubscription(
  db: Kysely<Database>,
  id: string,
  state: Pick<SubscriptionRecord, 'cursor' | 'failures' | 'nextAt' | 'lastError'>,
): Promise<void> {
  const issues: Issue[] = [];
  instant(issues, 'nextAt', state.nextAt);
  fail('STORE_BAD_SUBSCRIPTION', issues);
  await db
    .updateTable('subscriptions')
    .set({
      cursor: state.cursor,
      failures: state.failures,
      next_at: state.nextAt,
      last_error: state.lastError,
    })
    .where('id', '=', id)
    .execute();
}

function toSubscription(row: Selectable<SubscriptionsTable>): SubscriptionRecord {
  return {
    id: row.id,
    callback: row.callback,
    query: JSON.parse(row.query) as SubscriptionRecord['query'],
    secret: row.secret,
    createdAt: row.created_at,
    createdBy: row.created_by,
    cursor: Number(row.cursor),
    failures: Number(row.failures),
    nextAt: row.next_at,
    lastError: row.last_error,
  };
}
