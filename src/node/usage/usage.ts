/**
 * Usage import (DESIGN.md decision 6): records stream in from a file (CSV or
 * JSONL, gzip or not) or a request body, are checked one by one, deduplicated
 * by id, and written in batches: each batch is one signed `usage.batch`
 * entry (Merkle root, count, totals per service and metric, time range) plus
 * its records, in one store transaction; the counterparty receives the
 * entries by the usual push.
 *
 * Design rationale:
 * - Flat memory. Nothing holds the file: it is read 64 KiB at a time,
 *   and at most three batches are in memory (the one being filled, and two
 *   being hashed and written). Ids seen before are found by the
 *   store's unique key on them when a batch is written (or looked up before,
 *   while batches hold stored ones: see `lookAhead`); the store knows the
 *   batch they went into: this batch means a repeated line, a batch written
 *   by this import an earlier line (both rejections); an older batch means
 *   the record was imported before (counted, not rejected), which is what
 *   makes importing the same file twice a no-op.
 * - Little work per record, no object per record: a plain CSV row (the
 *   usual case) is checked field by field and written as its canonical
 *   text straight into the batch's buffer (`plainUsageWrite`,
 *   `UsageBatcher`); any other row, and every rejection, takes the general
 *   check (`checkUsageRecord`), which the fast path is tested to agree with.
 * - Two cores. A full batch's bytes go to a worker thread
 *   (`usage-hasher.ts`) for the leaves and Merkle root while this thread
 *   reads the next one; its entry is signed and stored when the root is
 *   back, with the same bytes as the store's copy of the records.
 * - Crash safety. A batch's entry and records commit together
 *   (`appendEntryWithUsage`), so after a crash the store holds whole batches
 *   only, and importing the file again writes exactly the rest. An import
 *   that fails reports it only once the batches in flight are settled.
 * - A rejection never stops the import: it is counted by rule, and the first
 *   100 are kept with source, line, field and message.
 * - One import per bilateral at a time in this process: two imports of the
 *   same file would otherwise both pass the dedup check.
 * - Hostile input costs linear time (issue "Hostile input": an unclosed
 *   quote before 40,000 lines took two minutes, a 16 MB line 12 s, both
 *   from rescanning what was carried over). Every character is looked at a
 *   bounded number of times: a line's break is searched for in the new text
 *   only, a quoted field over several lines counts only the new line's
 *   quotes. One record (a CSV record, its quoted fields over several lines
 *   included, or a JSONL line) holds at most `MAX_LINE_BYTES`; a longer one
 *   stops the import with `USAGE_LINE_TOO_LONG` naming the line where it
 *   started and the limit. It stops rather than rejects the record: past
 *   an unclosed quote there is no telling where the next record starts.
 *   Gzip that does not decompress stops it with `USAGE_GZIP_INVALID` and
 *   zlib's reason. Batches stored before such an error stay stored (whole:
 *   the batch being filled is dropped); the error's `details.stored` says
 *   which, and importing the repaired file adds exactly the rest.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import {
  applyCorrections,
  BilateralError,
  byCodeUnit,
  checkUsageRecord,
  type EncodedUsage,
  type PlainColumns,
  parseTerms,
  plainJsonText,
  plainUsageBound,
  plainUsageContext,
  plainUsageOut,
  plainUsageWrite,
  USAGE_RULES,
  type UsageIssue,
  type UsageRecord,
  type UsageRule,
  usageContext,
  usageEncoding,
  usageInstant,
  usageRecordJson,
  usageTotals,
} from '../../core/index.ts';
import type { UsageBatchBody } from '../../kinds/index.ts';
import { factsOf } from '../../kinds/index.ts';
import type { JsonValue } from '../../ledger/index.ts';
import type { BilateralRecord, Store, StoredEntry } from '../../store/index.ts';
import type { PushOutcome } from '../core/replication.ts';
import { SerialQueue } from '../core/serial.ts';
import { NodeError } from '../errors.ts';
import { formatOf, gunzipIfNeeded, type UsageFormat } from './sources.ts';
import { type SealedBatch, UsageBatcher } from './usage-batcher.ts';
import { type HashedUsage, usageRoot, usageRootAsync } from './usage-hasher.ts';

/** What the importer needs of the party node (`PartyNode` has all of it). */
export interface UsageNode {
  readonly party: string;
  readonly store: Store;
  bilateral(id: string): Promise<BilateralRecord>;
  entries(id: string): Promise<StoredEntry[]>;
  /** Signs and appends an own entry, with its usage records in the same transaction. */
  appendOwn(
    id: string,
    kind: 'usage.batch',
    body: JsonValue,
    records: readonly UsageRecord[] | EncodedUsage,
  ): Promise<StoredEntry>;
  push(id: string): Promise<PushOutcome>;
}

/** One item read from a source: a raw record (not yet checked), or why the line is not one. */
export interface UsageItem {
  readonly line: number;
  readonly raw?: unknown;
  readonly malformed?: string;
}

export interface UsageRejection {
  readonly source: string;
  readonly line: number;
  readonly id?: string;
  readonly field: string;
  readonly rule: UsageRule;
  readonly message: string;
}

export interface UsageImportReport {
  readonly source: string;
  /** Items read (data lines; blank lines and the CSV header do not count). */
  readonly read: number;
  /** Records written, in new batches. */
  readonly accepted: number;
  /** Records already stored by an earlier import (the same id): not written again, not rejected. */
  readonly duplicates: number;
  /** Rejected records, by rule (every rule, zero when none). */
  readonly rejected: Readonly<Record<UsageRule, number>>;
  readonly rejectedTotal: number;
  /** The first `maxRejections` rejections, in file order. */
  readonly rejections: readonly UsageRejection[];
  /** New `usage.batch` entries. */
  readonly batches: number;
  /** Their seqs in the party's stream, when there are any. */
  readonly batchSeqs: { readonly first: number; readonly last: number } | null;
  /** Whether the counterparty holds every new batch entry (null: nothing to send). */
  readonly replicated: boolean | null;
  readonly pushError?: string;
  readonly elapsedMs: number;
}

export interface UsageImportOptions {
  /** Names the source in rejections (a file name). */
  readonly source?: string;
  /** Records per batch; default 10,000. */
  readonly batchSize?: number;
  /** How many rejections the report lists; default 100. */
  readonly maxRejections?: number;
  /** Called about every 10,000 items and at the end. */
  readonly onProgress?: (records: number, elapsedMs: number) => void;
  readonly clock?: () => number;
}

const DEFAULT_BATCH = 10_000;
const MAX_BATCH = 100_000;
const PROGRESS_EVERY = 10_000;
/**
 * Bytes per read of a file: the stream default, said outright. Larger reads
 * decode to strings past V8's largest regular object, which stay in its
 * large-object space until a full collection: 1 MiB reads added 100–150 MiB
 * to an import's peak memory, for no measurable speed.
 */
const READ_CHUNK = 1 << 16;
const imports = new SerialQueue();

/**
 * The most UTF-8 bytes one record may hold: a CSV record (with its quoted
 * fields over several lines) or a JSONL line. A usage record is a few
 * hundred bytes; 64 KiB leaves room for long characteristics and bounds
 * what an unclosed quote makes the reader hold.
 */
export const MAX_LINE_BYTES = 1 << 16;
/** The deepest a JSONL item may nest (a TMF635 item nests 3 levels: object, characteristics, characteristic). */
export const MAX_JSON_DEPTH = 8;

function lineTooLong(line: number, why: string): NodeError {
  return new NodeError(
    'USAGE_LINE_TOO_LONG',
    `line ${line}: ${why} (limit: ${MAX_LINE_BYTES} bytes per record)`,
    {
      details: { line, limit: MAX_LINE_BYTES },
    },
  );
}

/** Whether `text` is longer than `limit` bytes as UTF-8 (cheap unless it is near: a code unit is 1 to 3 bytes). */
function overBytes(text: string, limit: number): boolean {
  return text.length > limit || (text.length * 3 > limit && Buffer.byteLength(text) > limit);
}

// ── sources ─────────────────────────────────────────────────────────────────

/**
 * The items of a text stream, line by line. `format` undefined: JSONL when
 * the first non-blank line starts with `{`, CSV otherwise.
 */
export async function* usageItems(input: Readable, format?: UsageFormat): AsyncGenerator<UsageItem> {
  for await (const chunk of usageItemChunks(input, format)) {
    for (const item of chunk) yield 'csv' in item ? csvItem(item) : item;
  }
}

/** A CSV line with as many fields as the header has columns: a record still to be read. */
interface CsvRow {
  readonly line: number;
  readonly malformed?: undefined;
  /** The row as it is. */
  readonly text: string;
  /** Its fields, when it holds a quote; else they are what lies between its commas. */
  readonly fields?: readonly string[];
  readonly csv: CsvHeader;
}

/** What a source yields: a CSV row, or an item (a JSONL record, or a line that is not a record). */
type SourceItem = UsageItem | CsvRow;

/** Lines end at LF, CRLF or a lone CR (as `readline` splits them). */
const LINE_BREAK = /\r\n|\n|\r/;

/**
 * The lines of a text stream, a chunk of the stream at a time: what
 * `readline` gives line by line, without an await (two promises) per line.
 * A line longer than `limit` UTF-8 bytes throws `USAGE_LINE_TOO_LONG` as
 * soon as it is seen to be, without reading the rest of it.
 */
export async function* lineChunks(input: Readable, limit = MAX_LINE_BYTES): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  /** Lines yielded so far. */
  let count = 0;
  for await (const chunk of input) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    // The last line may go on in the next chunk, and so may a CR that ends this one (half a CRLF).
    // The carry holds no break but maybe its last character (that CR): only the rest is searched.
    const floor = Math.max(0, carry.length - 1);
    let end = text.length - 1;
    if (text.charCodeAt(end) === 13) end--;
    while (end >= floor && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end--;
    if (end < floor) {
      carry = text;
      if (carry.length > limit) throw lineTooLong(count + 1, 'longer than the limit');
      continue;
    }
    // `end` is the last break; when it is the LF of a CRLF, the CR goes with it.
    const crlf = text.charCodeAt(end) === 10 && end > 0 && text.charCodeAt(end - 1) === 13;
    const body = text.slice(0, crlf ? end - 1 : end);
    carry = text.slice(end + 1);
    const lines = body.includes('\r') ? body.split(LINE_BREAK) : body.split('\n');
    count = checkLines(lines, count, limit);
    if (carry.length > limit) throw lineTooLong(count + 1, 'longer than the limit');
    yield lines;
  }
  const rest = carry + decoder.end();
  if (rest !== '') {
    const lines = rest.split(LINE_BREAK);
    if (lines.at(-1) === '') lines.pop();
    checkLines(lines, count, limit);
    if (lines.length > 0) yield lines;
  }
}

/** The count of lines after `lines`, which follow `before` others; throws at one longer than `limit` bytes. */
function checkLines(lines: readonly string[], before: number, limit: number): number {
  for (let i = 0; i < lines.length; i++) {
    if (overBytes(lines[i]!, limit)) throw lineTooLong(before + i + 1, 'longer than the limit');
  }
  return before + lines.length;
}

/** `usageItems`, a chunk of the stream at a time. */
async function* usageItemChunks(input: Readable, format?: UsageFormat): AsyncGenerator<SourceItem[]> {
  let kind = format;
  let csv: CsvHeader | undefined;
  let number = 0;
  /** A CSV record whose quoted field goes on past its first line: its lines so far and their size. */
  let carry: { start: number; lines: string[]; bytes: number } | undefined;
  for await (const lines of lineChunks(input)) {
    const items: SourceItem[] = [];
    for (const text of lines) {
      number++;
      let line = number === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      if (carry === undefined && line.trim() === '') continue;
      kind ??= line.trimStart().startsWith('{') ? 'jsonl' : 'csv';
      if (kind === 'jsonl') {
        items.push(jsonItem(number, line));
        continue;
      }
      // CSV: a quoted field may span lines, up to MAX_LINE_BYTES in all; the record is numbered by
      // its first line. Each line's quotes are counted once: the record is open while they are odd.
      let start = number;
      if (carry !== undefined) {
        carry.lines.push(line);
        carry.bytes += 1 + Buffer.byteLength(line);
        if (carry.bytes > MAX_LINE_BYTES) {
          throw lineTooLong(
            carry.start,
            'a quoted field that starts on this line is not closed within the limit',
          );
        }
        if (!oddQuotes(line)) continue;
        line = carry.lines.join('\n');
        start = carry.start;
        carry = undefined;
      } else if (line.includes('"') && oddQuotes(line)) {
        carry = { start, lines: [line], bytes: Buffer.byteLength(line) };
        continue;
      }
      if (csv === undefined) {
        csv = csvHeader(line);
        continue;
      }
      items.push(csvRow(csv, start, line));
    }
    if (items.length > 0) yield items;
  }
  if (carry !== undefined) yield [{ line: carry.start, malformed: 'a quoted field is not closed' }];
  if (kind === 'csv' && csv === undefined && number > 0) throw badHeader('the file has no header line');
}

function jsonItem(line: number, text: string): UsageItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, malformed: 'not a JSON object' };
  }
  if (deeperThan(value, MAX_JSON_DEPTH)) {
    return { line, malformed: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  return { line, raw: usageItemRecord(value) };
}

/**
 * Whether `value` nests objects and arrays more than `max` levels deep. The
 * recursion stops at `max` levels, so its own depth is bounded; it allocates
 * nothing (a walk with an explicit stack made JSONL reading 20 % slower).
 */
function deeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max === 0) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (deeperThan(child, max - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (deeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  }
  return false;
}

/**
 * A raw record from either accepted shape: the plain record
 * `{ id, service, metric, quantity, at, characteristics? }` or a TMF635 usage
 * `{ id, usageDate, usageType, usageCharacteristic: [{ name, value }] }`
 * whose characteristics `service` and `quantity` are the record's fields.
 */
export function usageItemRecord(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (!('usageDate' in v || 'usageType' in v || 'usageCharacteristic' in v)) return v;
  let service: unknown;
  let quantity: unknown;
  const characteristics: Record<string, unknown> = {};
  let any = false;
  const list = Array.isArray(v.usageCharacteristic) ? v.usageCharacteristic : [];
  for (const c of list as { name?: unknown; value?: unknown }[]) {
    if (typeof c !== 'object' || c === null || typeof c.name !== 'string') continue;
    if (c.name === 'service') service = c.value;
    else if (c.name === 'quantity') quantity = c.value;
    else {
      characteristics[c.name] = c.value;
      any = true;
    }
  }
  return {
    id: v.id,
    service,
    metric: v.usageType,
    quantity,
    at: v.usageDate,
    ...(any ? { characteristics } : {}),
  };
}

interface CsvHeader {
  readonly columns: readonly string[];
  /** Column index of each record field. */
  readonly index: Readonly<Record<'id' | 'service' | 'metric' | 'quantity' | 'at', number>>;
  /** Column index and characteristic name of each `char_*` column. */
  readonly characteristics: readonly (readonly [number, string])[];
  /**
   * The columns for `plainUsageWrite`, characteristics by name in code-unit
   * order; undefined when a name needs a JSON escape or repeats (those rows
   * take the general path).
   */
  readonly plain?: PlainColumns;
}

const CSV_FIELDS = ['id', 'service', 'metric', 'quantity', 'at'] as const;

function badHeader(why: string): NodeError {
  return new NodeError('BAD_REQUEST', `CSV header: ${why}`, { details: { line: 1 } });
}

function csvHeader(line: string): CsvHeader {
  const columns = splitCsv(line).map((c) => c.trim());
  const index: Partial<Record<(typeof CSV_FIELDS)[number], number>> = {};
  const characteristics: [number, string][] = [];
  columns.forEach((name, i) => {
    if ((CSV_FIELDS as readonly string[]).includes(name)) {
      const field = name as (typeof CSV_FIELDS)[number];
      if (index[field] !== undefined) throw badHeader(`column ${name} appears twice`);
      index[field] = i;
    } else if (name.startsWith('char_') && name.length > 5) {
      characteristics.push([i, name.slice(5)]);
    } else {
      throw badHeader(
        `unknown column ${JSON.stringify(name)} (expected id,service,metric,quantity,at[,char_NAME…])`,
      );
    }
  });
  const missing = CSV_FIELDS.filter((f) => index[f] === undefined);
  if (missing.length > 0) throw badHeader(`missing column(s) ${missing.join(', ')}`);
  const sorted = [...characteristics].sort((a, b) => byCodeUnit(a[1], b[1]));
  const names = sorted.map(([, name]) => name);
  const plain: PlainColumns | undefined =
    new Set(names).size === names.length && names.every((name) => plainJsonText(name))
      ? { ...(index as CsvHeader['index']), names, characteristics: sorted.map(([i]) => i) }
      : undefined;
  return {
    columns,
    index: index as CsvHeader['index'],
    characteristics,
    ...(plain === undefined ? {} : { plain }),
  };
}

function csvRow(header: CsvHeader, line: number, text: string): SourceItem {
  const expected = header.columns.length;
  if (text.includes('"')) {
    const fields = splitCsv(text);
    if (fields.length !== expected)
      return { line, malformed: `expected ${expected} fields, found ${fields.length}` };
    return { line, text, fields, csv: header };
  }
  let found = 1;
  for (let i = text.indexOf(','); i !== -1; i = text.indexOf(',', i + 1)) found++;
  if (found !== expected) return { line, malformed: `expected ${expected} fields, found ${found}` };
  return { line, text, csv: header };
}

/** The raw record of a CSV row: its fields by name, non-empty `char_*` columns as characteristics. */
function csvItem(row: CsvRow): UsageItem {
  const { csv: header, line } = row;
  const fields = row.fields ?? row.text.split(',');
  const { index } = header;
  const raw: Record<string, unknown> = {
    id: fields[index.id],
    service: fields[index.service],
    metric: fields[index.metric],
    quantity: fields[index.quantity],
    at: fields[index.at],
  };
  if (header.characteristics.length > 0) {
    const characteristics: Record<string, string> = {};
    let any = false;
    for (const [i, name] of header.characteristics) {
      const value = fields[i]!;
      if (value === '') continue;
      characteristics[name] = value;
      any = true;
    }
    if (any) raw.characteristics = characteristics;
  }
  return { line, raw };
}

/** True when `text` holds an odd number of quotes: alone, it ends inside a quoted field. */
function oddQuotes(text: string): boolean {
  let odd = false;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) odd = !odd;
  return odd;
}

/** RFC 4180 fields: `"a,b"` is one field, `""` inside quotes is one quote. */
export function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

// ── import ──────────────────────────────────────────────────────────────────

/** Imports the file at `path` (format by its name, else by its content; gzip by its magic bytes). */
export async function importUsageFile(
  node: UsageNode,
  bilateral: string,
  path: string,
  options: UsageImportOptions = {},
): Promise<UsageImportReport> {
  const input = await gunzipIfNeeded(createReadStream(path, { highWaterMark: READ_CHUNK }));
  try {
    return await importChunks(node, bilateral, usageItemChunks(input, formatOf(path)), {
      source: path,
      ...options,
    });
  } finally {
    input.destroy();
  }
}

/** Imports a byte stream (a request body): gzip by its magic bytes; `format` undefined: by content. */
export async function importUsageStream(
  node: UsageNode,
  bilateral: string,
  stream: AsyncIterable<Buffer | string>,
  format: UsageFormat | undefined,
  options: UsageImportOptions = {},
): Promise<UsageImportReport> {
  const input = await gunzipIfNeeded(stream);
  try {
    return await importChunks(node, bilateral, usageItemChunks(input, format), options);
  } finally {
    input.destroy();
  }
}

/**
 * Imports `items` into the party's usage for `bilateral`; see the file header.
 * Throws only for what stops the whole import (unknown bilateral, a bad CSV
 * header, a store failure); bad records are in the report.
 */
export function importUsage(
  node: UsageNode,
  bilateral: string,
  items: AsyncIterable<UsageItem>,
  options: UsageImportOptions = {},
): Promise<UsageImportReport> {
  return importChunks(node, bilateral, singles(items), options);
}

async function* singles(items: AsyncIterable<UsageItem>): AsyncGenerator<UsageItem[]> {
  for await (const item of items) yield [item];
}

function importChunks(
  node: UsageNode,
  bilateral: string,
  chunks: AsyncIterable<readonly SourceItem[]>,
  options: UsageImportOptions,
): Promise<UsageImportReport> {
  return imports.run(`${node.party}\u0000${bilateral}`, () => run(node, bilateral, chunks, options));
}

async function run(
  node: UsageNode,
  bilateral: string,
  chunks: AsyncIterable<readonly SourceItem[]>,
  options: UsageImportOptions,
): Promise<UsageImportReport> {
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const source = options.source ?? 'input';
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!(Number.isSafeInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_BATCH)) {
    throw new NodeError('BAD_REQUEST', `batchSize: expected an integer from 1 to ${MAX_BATCH}`);
  }
  const maxRejections = options.maxRejections ?? 100;
  const record = await node.bilateral(bilateral);
  const terms = parseTerms(record.agreement.genesis.terms);
  const context = usageContext(
    terms,
    applyCorrections(factsOf(await node.entries(bilateral))).map((f) => f.fact),
  );
  const plain = plainUsageContext(context);
  const plainOut = plainUsageOut();
  /** Where each field of a plain CSV row starts and ends. */
  let starts = new Int32Array(0);
  let ends = new Int32Array(0);

  const rejected = Object.fromEntries(USAGE_RULES.map((rule) => [rule, 0])) as Record<UsageRule, number>;
  const rejections: UsageRejection[] = [];
  let rejectedTotal = 0;
  let read = 0;
  let accepted = 0;
  let duplicates = 0;
  /** Seqs of the batches this import wrote. */
  const written = new Set<number>();
  let firstSeq: number | undefined;
  let lastSeq: number | undefined;
  /** The last batch's write (each write awaits the one before it), and the one before it. */
  let inFlight: Promise<void> | undefined;
  let previousWrite: Promise<void> | undefined;
  let pushing: Promise<PushOutcome> | undefined;
  /** The batch being filled. */
  const batch = new UsageBatcher();

  const reject = (line: number, issue: UsageIssue, id?: string) => {
    rejected[issue.rule]++;
    rejectedTotal++;
    // In line order: a batch's repeats found in the store come after later lines were read.
    if (rejections.length === maxRejections && !(rejections[maxRejections - 1]!.line > line)) return;
    let at = rejections.length;
    while (at > 0 && rejections[at - 1]!.line > line) at--;
    rejections.splice(at, 0, {
      source,
      line,
      ...(id === undefined ? {} : { id }),
      field: issue.field,
      rule: issue.rule,
      message: issue.message,
    });
    if (rejections.length > maxRejections) rejections.pop();
  };
  const earlierLine = (line: number, id: string) =>
    reject(
      line,
      { field: 'id', rule: 'duplicate-id', message: `id: ${id} is on an earlier line of this import` },
      id,
    );

  /**
   * Whether a full batch's ids are looked up in the store before it is
   * hashed: for the first batch, and after a batch that held ids stored
   * before. Otherwise the store's unique key on the ids finds them when the
   * batch is written (`STORE_USAGE_CONFLICT`, nothing written), and only
   * then is the batch looked up and written again without them. A fresh
   * import so probes each id's b-tree once, not twice.
   *
   * The same key finds an id repeated in the file, in this batch or in one
   * this import wrote before: no map of the ids read is kept per record (it
   * cost 0.4 µs a record, most of it for files with no repeat). The batch is
   * then sorted out as it would have been line by line: a repeat of a line
   * of this batch is rejected naming that line, a repeat of an id this
   * import stored is rejected as an earlier line of this import, an id
   * stored by an earlier import is counted as a duplicate.
   */
  let lookAhead = true;
  /** Whether the batch being filled was found to hold stored ids. */
  let heldStored = false;

  /**
   * The positions of `ids` (lines `lines`) to leave out, each counted: a repeat of an earlier
   * position (rejected), a duplicate of an earlier import or a repeat of a line of this one
   * (rejected), by `found` (id → batch seq of the ids stored).
   */
  const leaveOut = (ids: readonly string[], lines: (i: number) => number, found: Map<string, number>) => {
    const drop = new Set<number>();
    const seen = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        drop.add(i);
        reject(
          lines(i),
          { field: 'id', rule: 'duplicate-id', message: `id: ${id} is already on line ${earlier}` },
          id,
        );
        continue;
      }
      seen.set(id, lines(i));
      const seq = found.get(id);
      if (seq === undefined) continue;
      drop.add(i);
      if (written.has(seq)) earlierLine(lines(i), id);
      else duplicates++;
    }
    return drop;
  };

  /** Signs and stores a hashed batch; when some id turns out stored already, again without those. */
  const store = async (full: SealedBatch, hashed: HashedUsage) => {
    for (let retried = false; ; retried = true) {
      try {
        const body: UsageBatchBody = { root: hashed.root, ...full.summary };
        const { bytes, ends } = hashed;
        const entry = await node.appendOwn(bilateral, 'usage.batch', body as unknown as JsonValue, {
          ids: full.ids,
          bytes: bytes.subarray(0, ends[ends.length - 1]! + 1),
          ends,
          from: full.from,
          to: full.to,
        });
        return { seq: entry.signed.entry.seq, count: full.ids.length };
      } catch (error) {
        if (retried || !(error instanceof BilateralError && error.code === 'STORE_USAGE_CONFLICT'))
          throw error;
        lookAhead = true;
        const { lines } = full;
        const drop = leaveOut(
          full.ids,
          (i) => lines[i]!,
          await node.store.hasUsageIds(bilateral, node.party, full.ids),
        );
        if (drop.size === 0) throw error;
        if (drop.size === full.ids.length) return undefined;
        full = UsageBatcher.without(full, hashed, drop);
        hashed = await usageRootAsync(full);
      }
    }
  };

  /**
   * Starts hashing the batch (on the worker) and queues its write behind
   * the batches being written: while up to two batches are hashed and
   * stored the next one is read. Resolves once at most this batch and the
   * one before it are left in flight. (With one, reading stopped for each
   * batch's commit and the fsync that makes it durable: the import used
   * less than one core of two.)
   */
  const writeBatch = async () => {
    const full = batch.take();
    if (lookAhead) lookAhead = heldStored;
    heldStored = false;
    const hashed = usageRootAsync(full);
    hashed.catch(() => {}); // awaited below; an early failure must not be an unhandled rejection
    const previous = inFlight;
    const before = previousWrite;
    const write = (async () => {
      await previous;
      const stored = await store(full, await hashed);
      if (stored === undefined) return;
      written.add(stored.seq);
      firstSeq ??= stored.seq;
      lastSeq = stored.seq;
      accepted += stored.count;
      // Replicate in the background, one push at a time; the last one is awaited at the end.
      pushing ??= node.push(bilateral).finally(() => {
        pushing = undefined;
      });
    })();
    write.catch(() => {}); // awaited by the next batch or at the end
    inFlight = write;
    previousWrite = previous;
    await before;
  };

  /** Checks the batch's new records against the store (see `lookAhead`), then writes it when full. */
  const settle = async () => {
    const ids = batch.unchecked();
    if (ids.length > 0 && lookAhead) {
      // The batches in flight first: an id found in one of them is a repeat of a line of this
      // import, which `written` must know of before `leaveOut` tells it from an earlier import's.
      await inFlight?.catch(() => {});
      const found = await node.store.hasUsageIds(bilateral, node.party, ids);
      if (found.size > 0) {
        heldStored = true;
        const first = batch.checked;
        const drop = leaveOut(ids, (i) => batch.line(first + i), found);
        batch.drop(new Set([...drop].map((i) => first + i)));
      }
    }
    batch.checked = batch.length;
    if (batch.length >= batchSize) await writeBatch();
  };

  try {
    for await (const chunk of chunks) {
      for (const item of chunk) {
        read++;
        if (read % PROGRESS_EVERY === 0) options.onProgress?.(read, clock() - started);
        if (item.malformed !== undefined) {
          reject(item.line, { field: '', rule: 'malformed', message: item.malformed });
          continue;
        }
        let id: string;
        let service: string;
        let metric: string;
        let quantity: string;
        /** The record's text: its end in the batch's buffer (fast path), or a string to add. */
        let end = -1;
        let text: string | undefined;
        let instant: number;
        const columns = 'csv' in item && item.fields === undefined ? item.csv.plain : undefined;
        if (columns !== undefined) {
          // The fast path: a plain row is written as its canonical text, with no object in between.
          const { text: row, csv } = item as CsvRow;
          if (starts.length < csv.columns.length) {
            starts = new Int32Array(csv.columns.length);
            ends = new Int32Array(csv.columns.length);
          }
          let f = 0;
          for (let i = row.indexOf(','); i !== -1; i = row.indexOf(',', i + 1)) {
            ends[f] = i;
            starts[++f] = i + 1;
          }
          ends[f] = row.length;
          const target = batch.reserve(plainUsageBound(row.length, columns.names));
          if (plainUsageWrite(plain, row, starts, ends, columns, target, batch.offset, plainOut)) {
            end = plainOut.end;
            instant = plainOut.instant;
            ({ id, service, metric, quantity } = plainOut);
          }
        }
        if (end < 0) {
          const raw = 'csv' in item ? csvItem(item).raw : item.raw;
          const check = checkUsageRecord(raw, context);
          if (!check.ok) {
            const rawId = (raw as { id?: unknown } | undefined)?.id;
            reject(item.line, check.issues[0]!, typeof rawId === 'string' ? rawId : undefined);
            continue;
          }
          ({ id, service, metric, quantity } = check.record);
          text = usageRecordJson(check.record);
          instant = usageInstant(check.record.at)!;
        }
        if (text === undefined) batch.commit(end, id!, item.line, instant!, service!, metric!, quantity!);
        else batch.add(id!, item.line, instant!, text, service!, metric!, quantity!);
        if (batch.length >= batchSize) await settle();
      }
    }
    await settle();
    if (batch.length > 0) await writeBatch();
    await inFlight;
  } catch (error) {
    // Stop only once the batches in flight are settled: the next import of this bilateral must find them stored.
    await inFlight?.catch(() => {});
    if (!(error instanceof NodeError)) throw error;
    // Say what stays stored: whole batches only (the one being filled is dropped).
    const stored = {
      accepted,
      batches: written.size,
      batchSeqs: firstSeq === undefined || lastSeq === undefined ? null : { first: firstSeq, last: lastSeq },
    };
    throw new NodeError(error.code, error.message, {
      details: { ...error.details, stored },
      cause: error.cause,
    });
  }

  let push: PushOutcome | undefined;
  if (written.size > 0) {
    await pushing;
    push = await node.push(bilateral);
  }
  const elapsedMs = clock() - started;
  options.onProgress?.(read, elapsedMs);
  return {
    source,
    read,
    accepted,
    duplicates,
    rejected,
    rejectedTotal,
    rejections,
    batches: written.size,
    batchSeqs: firstSeq === undefined || lastSeq === undefined ? null : { first: firstSeq, last: lastSeq },
    replicated: push === undefined ? null : push.replicated,
    ...(push?.error === undefined ? {} : { pushError: push.error }),
    elapsedMs: Math.round(elapsedMs),
  };
}

/** The `usage.batch` body of `records`, in their batch order. */
export function batchBody(records: readonly UsageRecord[]): UsageBatchBody {
  return { root: usageRoot(usageEncoding(records).texts), ...batchSummary(records) };
}

/** Everything of a batch body but the root: count, totals, and the earliest and latest `at`. */
function batchSummary(records: readonly UsageRecord[]): Omit<UsageBatchBody, 'root'> {
  const { instants } = usageEncoding(records);
  let from = 0;
  let to = 0;
  for (let i = 1; i < records.length; i++) {
    const t = instants[i]!;
    if (t < instants[from]!) from = i;
    if (t > instants[to]!) to = i;
  }
  return {
    count: records.length,
    totals: usageTotals(records),
    from: records[from]?.at ?? '',
    to: records[to]?.at ?? '',
  };
}
