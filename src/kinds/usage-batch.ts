/**
 * The body of a `usage.batch` entry (DESIGN.md decision 6): the fingerprint
 * of a batch of usage records that stay in the parties' stores.
 *
 *   { root, count, totals: [{ service, metric, quantity }], from, to }
 *
 * `root` is `merkleRoot(records.map(hashJson))` in batch order (what a usage
 * proof checks a record's path against), `count` the number of records,
 * `totals` the exact sum per service and metric (sorted by service, then
 * metric), `from`/`to` the earliest and latest record time. Either party may
 * write one: both report usage (MEF "Stone Panther" matching).
 */
import { isDecimalString, parseInstant } from '../core/index.ts';
import { isHash, type JsonValue } from '../ledger/index.ts';
import type { EntryKindSpec } from './kind.ts';

export interface UsageBatchTotal {
  readonly service: string;
  readonly metric: string;
  readonly quantity: string;
}

export interface UsageBatchBody {
  readonly root: string;
  readonly count: number;
  readonly totals: readonly UsageBatchTotal[];
  readonly from: string;
  readonly to: string;
}

const FIELDS = ['root', 'count', 'totals', 'from', 'to'];

/** Throws an `Error` naming the field when `body` is not a `usage.batch` body (see `checkBody`). */
export function checkUsageBatchBody(body: JsonValue): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('expected an object');
  const o = body as Record<string, JsonValue>;
  const extra = Object.keys(o).find((k) => !FIELDS.includes(k));
  if (extra !== undefined) throw new Error(`${extra}: unexpected field`);
  if (!isHash(o.root)) throw new Error('root: expected a lowercase hex SHA-256');
  if (!(typeof o.count === 'number' && Number.isSafeInteger(o.count) && o.count >= 1)) {
    throw new Error('count: expected a positive integer');
  }
  const from = parseInstant(o.from);
  const to = parseInstant(o.to);
  if (from === undefined) throw new Error('from: expected an RFC 3339 UTC time');
  if (to === undefined || to < from) throw new Error('to: expected an RFC 3339 UTC time, not before from');
  if (!Array.isArray(o.totals) || o.totals.length === 0)
    throw new Error('totals: expected a non-empty array');
  let previous = '';
  o.totals.forEach((item, i) => {
    const t = item as Record<string, JsonValue> | null;
    if (t === null || typeof t !== 'object' || Array.isArray(t))
      throw new Error(`totals[${i}]: expected an object`);
    if (typeof t.service !== 'string' || t.service === '')
      throw new Error(`totals[${i}].service: expected a string`);
    if (typeof t.metric !== 'string' || t.metric === '')
      throw new Error(`totals[${i}].metric: expected a string`);
    if (!isDecimalString(t.quantity) || t.quantity.startsWith('-')) {
      throw new Error(`totals[${i}].quantity: expected a non-negative decimal string`);
    }
    const key = `${t.service}\u0000${t.metric}`;
    if (i > 0 && !(key > previous))
      throw new Error(`totals[${i}]: expected sorted by service, then metric, once each`);
    previous = key;
  });
}

export const usageBatchKind: EntryKindSpec = {
  kind: 'usage.batch',
  author: 'either',
  validate: checkUsageBatchBody,
};
