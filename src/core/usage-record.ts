/**
 * Usage records (TERMS.md §2, DESIGN.md decision 6): what a party imports in
 * bulk and fingerprints on the ledger in batches. One record is
 * `{ id, service, metric, quantity, at, characteristics? }`.
 *
 * Design rationale:
 * - Checking a record returns its issues instead of throwing: an import of
 *   millions of records counts rejections per rule and goes on.
 * - The context (which services exist, with which offering and active life)
 *   is built once per import from the facts; checking one record is then a
 *   few map lookups and two regular expressions, no allocation of a Checker.
 * - `at` is normalised to `formatInstant` (so two spellings of one instant
 *   hash alike); `quantity` is kept exactly as written (a JSON integer is
 *   taken as its decimal string, a JSON fraction is refused: it may already
 *   have lost digits).
 * - `usageRecordJson` writes the RFC 8785 canonical JSON of this fixed shape
 *   directly (keys in code-unit order; strings escaped as `JSON.stringify`
 *   does, which is what JCS prescribes): a record is hashed and stored as
 *   these bytes, several times faster than the generic canonicaliser. Lone
 *   surrogates, which JCS refuses, are refused by the check.
 */
import { isDecimalString } from './decimal.ts';
import type { Fact } from './facts.ts';
import { formatInstant, type Instant, parseInstant } from './instant.ts';
import type { Terms } from './terms.ts';

export interface UsageRecord {
  readonly id: string;
  readonly service: string;
  readonly metric: string;
  /** Non-negative decimal string. */
  readonly quantity: string;
  /** RFC 3339 UTC, as `formatInstant` prints it. */
  readonly at: string;
  readonly characteristics?: Readonly<Record<string, string>>;
}

/** Why a record is refused; an import counts rejections by these. */
export const USAGE_RULES = [
  /** The line is not a record at all (bad JSON, wrong number of CSV fields). */
  'malformed',
  /** A field is missing or empty. */
  'required',
  /** A field has the wrong type or form (an id with blanks, a characteristic that is not a string). */
  'bad-field',
  'unknown-service',
  'unknown-metric',
  'bad-quantity',
  'bad-time',
  /** `at` is before the service's activation or at/after its termination (or it never was active). */
  'outside-active-life',
  /** The id is already in this import (an earlier line) — or in the store with other content. */
  'duplicate-id',
] as const;
export type UsageRule = (typeof USAGE_RULES)[number];

export interface UsageIssue {
  readonly field: string;
  readonly rule: UsageRule;
  readonly message: string;
}

export type UsageCheck =
  | { readonly ok: true; readonly record: UsageRecord }
  | { readonly ok: false; readonly issues: readonly UsageIssue[] };

/** A service as usage sees it: its offering, and its active life `[from, to)`. */
export interface ServiceLife {
  readonly offering: string;
  /** Activation; absent while the service was never activated. */
  readonly from?: Instant;
  /** Termination; absent while it runs. */
  readonly to?: Instant;
}

/** What checking a record needs, built once per import by `usageContext`. */
export interface UsageContext {
  readonly services: ReadonlyMap<string, ServiceLife>;
  /** Usage metrics by offering id. */
  readonly metrics: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * The offering and active life of every ordered service. The first
 * activation and the first termination count; consistency across facts is
 * the rater's job (`buildHistories`), not the importer's.
 */
export function serviceLives(facts: readonly Fact[]): Map<string, ServiceLife> {
  const offering = new Map<string, string>();
  const from = new Map<string, Instant>();
  const to = new Map<string, Instant>();
  const earliest = (map: Map<string, Instant>, service: string, at: string) => {
    const instant = parseInstant(at);
    if (instant === undefined) return;
    const seen = map.get(service);
    if (seen === undefined || instant < seen) map.set(service, instant);
  };
  for (const fact of facts) {
    if (fact.type === 'service.ordered' && !offering.has(fact.service))
      offering.set(fact.service, fact.offering);
    else if (fact.type === 'service.activated') earliest(from, fact.service, fact.at);
    else if (fact.type === 'service.terminated') earliest(to, fact.service, fact.at);
  }
  const lives = new Map<string, ServiceLife>();
  for (const [service, id] of offering) {
    const start = from.get(service);
    const end = to.get(service);
    lives.set(service, {
      offering: id,
      ...(start === undefined ? {} : { from: start }),
      ...(end === undefined ? {} : { to: end }),
    });
  }
  return lives;
}

export function usageContext(terms: Terms, facts: readonly Fact[]): UsageContext {
  const metrics = new Map<string, ReadonlySet<string>>();
  for (const offering of terms.offerings) {
    metrics.set(offering.id, new Set((offering.usage ?? []).map((u) => u.metric)));
  }
  return { services: serviceLives(facts), metrics };
}

const ID = /^[\x21-\x7e\u00a0-\uffff]{1,256}$/u;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const MAX_TEXT = 256;

function text(value: unknown, field: string, issues: UsageIssue[]): string | undefined {
  if (value === undefined || value === null || value === '') {
    issues.push({ field, rule: 'required', message: `${field}: required` });
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.push({ field, rule: 'bad-field', message: `${field}: expected a string` });
    return undefined;
  }
  if (value.length > MAX_TEXT || value.trim() !== value || LONE_SURROGATE.test(value)) {
    issues.push({
      field,
      rule: 'bad-field',
      message: `${field}: expected at most ${MAX_TEXT} characters, no surrounding blanks, valid Unicode`,
    });
    return undefined;
  }
  return value;
}

/**
 * Checks one raw record (a parsed JSON object or a CSV row) against the
 * terms and the services' lives; returns the record, normalised, or every
 * issue found (each names the field and the rule).
 *
 * @example
 * const context = usageContext(terms, facts);
 * const check = checkUsageRecord({ id: 'u1', service: 'S1', metric: 'gb', quantity: 12, at: '2026-02-01T00:00:00Z' }, context);
 * if (check.ok) check.record.quantity // '12'
 */
export function checkUsageRecord(raw: unknown, context: UsageContext): UsageCheck {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [{ field: '', rule: 'malformed', message: 'expected a JSON object' }] };
  }
  const r = raw as Record<string, unknown>;
  const issues: UsageIssue[] = [];
  const id = text(r.id, 'id', issues);
  if (id !== undefined && !ID.test(id)) {
    issues.push({ field: 'id', rule: 'bad-field', message: 'id: expected printable characters, no blanks' });
  }
  const service = text(r.service, 'service', issues);
  const metric = text(r.metric, 'metric', issues);
  const quantity = checkQuantity(r.quantity, issues);
  let at: Instant | undefined;
  let atText: string | undefined;
  if (r.at === undefined || r.at === null || r.at === '') {
    issues.push({ field: 'at', rule: 'required', message: 'at: required' });
  } else {
    at = typeof r.at === 'string' ? instantOf(r.at) : undefined;
    if (at === undefined)
      issues.push({ field: 'at', rule: 'bad-time', message: 'at: expected an RFC 3339 UTC time' });
    else atText = CANONICAL_AT.test(r.at as string) ? (r.at as string) : formatInstant(at);
  }
  const characteristics = checkCharacteristics(r.characteristics, issues);
  if (service !== undefined) {
    const life = context.services.get(service);
    if (life === undefined) {
      issues.push({
        field: 'service',
        rule: 'unknown-service',
        message: `service: ${service} was never ordered in this bilateral`,
      });
    } else {
      if (metric !== undefined && context.metrics.get(life.offering)?.has(metric) !== true) {
        issues.push({
          field: 'metric',
          rule: 'unknown-metric',
          message: `metric: ${metric} is not a usage metric of offering ${life.offering}`,
        });
      }
      if (at !== undefined && !activeAt(life, at)) {
        issues.push({
          field: 'at',
          rule: 'outside-active-life',
          message: `at: ${lifeMessage(service, life)}`,
        });
      }
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  const record: UsageRecord = {
    id: id!,
    service: service!,
    metric: metric!,
    quantity: quantity!,
    at: atText!,
    ...(characteristics === undefined ? {} : { characteristics }),
  };
  return { ok: true, record };
}

// ── the plain-record fast path ──────────────────────────────────────────────

/** A service as the fast path sees it: its active life as numbers, and its usage metrics. */
export interface FastService {
  readonly from: Instant;
  /** Infinity while it runs. */
  readonly to: Instant;
  readonly metrics: ReadonlySet<string>;
}

/**
 * What `plainUsageWrite` needs: the services that were activated and whose
 * id, like each of their metrics kept here, passes the general check and
 * needs no JSON escape. Anything else takes the general path.
 */
export interface PlainUsageContext {
  readonly services: ReadonlyMap<string, FastService>;
}

/** True when `text` is 1–256 code units of printable ASCII other than `"` and `\` (no check fails, nothing to escape). */
function plainAscii(text: string, start = 0, end = text.length): boolean {
  const n = end - start;
  if (n <= 0 || n > MAX_TEXT) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** True when `text` goes into canonical JSON as itself: no quote, backslash, control character or surrogate. */
export function plainJsonText(text: string, start = 0, end = text.length): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** True for what `checkQuantity` keeps of a string (`text[start, end)`): 1–64 digits, then maybe a dot and 1–64 digits. */
function plainQuantity(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && i - start <= 64) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === start || i - start > 64) return false;
  if (i === end) return true;
  if (text.charCodeAt(i) !== 46 /* . */) return false;
  const fraction = end - i - 1;
  if (fraction < 1 || fraction > 64) return false;
  for (let j = i + 1; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function plainUsageContext(context: UsageContext): PlainUsageContext {
  const services = new Map<string, FastService>();
  for (const [service, life] of context.services) {
    const metrics = context.metrics.get(life.offering);
    if (life.from === undefined || metrics === undefined || !plainAscii(service)) continue;
    services.set(service, {
      from: life.from,
      to: life.to ?? Number.POSITIVE_INFINITY,
      metrics: new Set([...metrics].filter((metric) => plainAscii(metric))),
    });
  }
  return { services };
}

/**
 * What `plainUsageWrite` reports besides its answer: where the text ends,
 * the instant, and the fields the batch needs as strings. The service and
 * metric are the context's own strings; the last ones found are kept here
 * and reused while the rows repeat them, so no string is cut for them.
 */
export interface PlainUsageOut {
  /** The record's instant. */
  instant: Instant;
  /** Where its text ends in the target (exclusive). */
  end: number;
  id: string;
  service: string;
  metric: string;
  quantity: string;
  /** The life and metrics of `service`, when one was found. */
  life?: FastService;
}

/** A new `PlainUsageOut` for one import (it caches the last service and metric). */
export function plainUsageOut(): PlainUsageOut {
  return { instant: 0, end: 0, id: '', service: '', metric: '', quantity: '' };
}

/** Columns of a plain CSV row: each record field's, and the characteristics' (names in code-unit order). */
export interface PlainColumns {
  readonly id: number;
  readonly service: number;
  readonly metric: number;
  readonly quantity: number;
  readonly at: number;
  readonly names: readonly string[];
  readonly characteristics: readonly number[];
}

/**
 * The most bytes `plainUsageWrite` writes for a row of `rowLength` UTF-16
 * code units with characteristics named `names`: every character at most 3
 * bytes, plus the keys and punctuation.
 */
export function plainUsageBound(rowLength: number, names: readonly string[]): number {
  let bound = 3 * rowLength + 64;
  for (const name of names) bound += 3 * name.length + 8;
  return bound;
}

const utf8 = new TextEncoder();

/** Writes `text` at `offset` in UTF-8; returns where it ends. ASCII (the usual case) byte by byte. */
function put(target: Uint8Array, offset: number, text: string, start = 0, end = text.length): number {
  let o = offset;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return o + utf8.encodeInto(text.slice(i, end), target.subarray(o)).written;
    target[o++] = c;
  }
  return o;
}

/** Whether `text[start, end)` is `name`. */
function same(text: string, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (text.charCodeAt(start + i) !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Writes the canonical JSON text (`usageRecordJson`, in UTF-8) of the record
 * in the CSV row `row` into `target` at `offset`, when it is a plain record
 * that `checkUsageRecord` accepts as is: printable-ASCII id, a known
 * activated service and one of its metrics, a plain non-negative decimal
 * quantity, `at` in one of the two usual UTC forms inside the service's
 * life, characteristics (by name, names sorted, empty values left out) that
 * need no escape. Field `i` of the row is `row[starts[i], ends[i])` (the
 * row has no quote: fields are what lies between commas). Returns false for
 * anything else, which then goes through `checkUsageRecord`: this path only
 * ever agrees with it (usage-record.test.ts checks both on generated
 * records). It makes no object per record and cuts only the id and the
 * quantity out of the row as strings, which is what an import of millions
 * spends on. `target` must have `plainUsageBound` bytes of room from
 * `offset`.
 */
export function plainUsageWrite(
  plain: PlainUsageContext,
  row: string,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  columns: PlainColumns,
  target: Uint8Array,
  offset: number,
  out: PlainUsageOut,
): boolean {
  const s = starts[columns.service]!;
  const e = ends[columns.service]!;
  if (out.life === undefined || !same(row, s, e, out.service)) {
    const service = row.slice(s, e);
    const life = plain.services.get(service);
    if (life === undefined) return false;
    out.service = service;
    out.life = life;
    out.metric = '';
  }
  const life = out.life;
  const ms = starts[columns.metric]!;
  const me = ends[columns.metric]!;
  if (out.metric === '' || !same(row, ms, me, out.metric)) {
    const metric = row.slice(ms, me);
    if (!life.metrics.has(metric)) return false;
    out.metric = metric;
  }
  const is = starts[columns.id]!;
  const ie = ends[columns.id]!;
  const qs = starts[columns.quantity]!;
  const qe = ends[columns.quantity]!;
  if (!plainAscii(row, is, ie) || !plainQuantity(row, qs, qe)) return false;
  const as = starts[columns.at]!;
  const ae = ends[columns.at]!;
  const instant = plainInstant(row, as, ae);
  if (instant === undefined || instant < life.from || instant >= life.to) return false;
  const { names, characteristics } = columns;
  for (let i = 0; i < characteristics.length; i++) {
    const c = characteristics[i]!;
    if (!plainJsonText(row, starts[c]!, ends[c]!)) return false;
  }
  let o = put(target, offset, '{"at":"');
  // plainInstant took only `…SSZ` and `…SS.mmmZ`; `.000` is written without milliseconds.
  if (ae - as === 24 && instant % 1000 === 0) {
    o = put(target, o, row, as, as + 19);
    target[o++] = 90; // Z
  } else o = put(target, o, row, as, ae);
  o = put(target, o, '",');
  let any = false;
  for (let i = 0; i < names.length; i++) {
    const c = characteristics[i]!;
    if (starts[c] === ends[c]) continue;
    o = put(target, o, any ? ',"' : '"characteristics":{"');
    any = true;
    o = put(target, o, names[i]!);
    o = put(target, o, '":"');
    o = put(target, o, row, starts[c]!, ends[c]!);
    o = put(target, o, '"');
  }
  if (any) o = put(target, o, '},');
  o = put(target, o, '"id":"');
  o = put(target, o, row, is, ie);
  o = put(target, o, '","metric":"');
  o = put(target, o, out.metric);
  o = put(target, o, '","quantity":"');
  o = put(target, o, row, qs, qe);
  o = put(target, o, '","service":"');
  o = put(target, o, out.service);
  o = put(target, o, '"}');
  out.instant = instant;
  out.end = o;
  out.id = row.slice(is, ie);
  out.quantity = row.slice(qs, qe);
  return true;
}

/** What `formatInstant` prints: whole seconds with `Z`, or milliseconds other than `.000`. */
const CANONICAL_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(?!000)\d{3})?Z$/;
const RFC3339_UTC =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3})(0{0,6}))?(?:[Zz]|\+00:00)$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `parseInstant`, with `Date.UTC` instead of a `Date` set field by field:
 * the same answers (years below 100 go to `parseInstant`, which handles
 * `Date.UTC`'s two-digit-year quirk), several times faster per record.
 */
function instantOf(text: string): Instant | undefined {
  const fast = plainInstant(text);
  if (fast !== undefined) return fast;
  const m = RFC3339_UTC.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  if (year < 100) return parseInstant(text);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1]!)) return undefined;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The two digits at `i` as a number, or NaN. */
function digits2(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

/**
 * `instantOf` of the two forms records almost always carry,
 * `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ` (year 100 or later),
 * read without a regular expression; undefined for anything else, which
 * then takes the general path (so this only ever agrees with it).
 */
function plainInstant(text: string, at = 0, end = text.length): Instant | undefined {
  const n = end - at;
  if (!(n === 20 || n === 24) || text.charCodeAt(end - 1) !== 90 /* Z */) return undefined;
  if (text.charCodeAt(at + 4) !== 45 || text.charCodeAt(at + 7) !== 45 || text.charCodeAt(at + 10) !== 84) {
    return undefined;
  }
  if (text.charCodeAt(at + 13) !== 58 || text.charCodeAt(at + 16) !== 58) return undefined;
  const year = digits2(text, at) * 100 + digits2(text, at + 2);
  const month = digits2(text, at + 5);
  const day = digits2(text, at + 8);
  const hour = digits2(text, at + 11);
  const minute = digits2(text, at + 14);
  const second = digits2(text, at + 17);
  let ms = 0;
  if (n === 24) {
    if (text.charCodeAt(at + 19) !== 46 /* . */) return undefined;
    const c = text.charCodeAt(at + 22) - 48;
    ms = digits2(text, at + 20) * 10 + (c >= 0 && c <= 9 ? c : Number.NaN);
  }
  // NaN fails every comparison: a non-digit anywhere ends up here too.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59)) return undefined;
  if (!(second <= 59 && ms >= 0)) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month - 1]!)) return undefined;
  return civilDays(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year
 * 1 or later), in integer arithmetic: what `Date.UTC` gives divided by a
 * day, without its cost. Years are counted from March, so a leap day ends
 * its year; a 400-year era has 146,097 days.
 */
function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The instant (ms since the epoch, UTC) of a record's `at`: its time key in
 * the store, where number order is time order; undefined when `at` is not an
 * RFC 3339 UTC time.
 */
export function usageInstant(at: string): Instant | undefined {
  return instantOf(at);
}

/** The canonical JSON text and instant of each record of a batch, by position. */
export interface UsageEncoding {
  readonly texts: readonly string[];
  /** `usageInstant(record.at)`; NaN where `at` is not a time (the store refuses those). */
  readonly instants: readonly number[];
}

const encodings = new WeakMap<readonly UsageRecord[], UsageEncoding>();

/**
 * `usageRecordJson` and `usageInstant` of every record, computed once per
 * batch array: memoised by the array's identity, so the importer (which
 * hashes the texts) and the store (which writes them) share one encoding.
 * A batch array must not change after it is encoded; the importer builds
 * each one, encodes it and hands it on untouched.
 */
export function usageEncoding(records: readonly UsageRecord[]): UsageEncoding {
  let encoding = encodings.get(records);
  if (encoding === undefined) {
    const texts = new Array<string>(records.length);
    const instants = new Array<number>(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      texts[i] = usageRecordJson(r);
      instants[i] = (typeof r.at === 'string' ? instantOf(r.at) : undefined) ?? Number.NaN;
    }
    encoding = { texts, instants };
    encodings.set(records, encoding);
  }
  return encoding;
}

/**
 * One batch of checked records as the store writes it: the ids, and the
 * canonical texts in UTF-8, each followed by a line break (a JSON text has
 * no raw line break), in batch order, with the batch's time range.
 */
export interface EncodedUsage {
  readonly ids: readonly string[];
  /** `usageRecordJson` of each record in UTF-8, in batch order, each followed by '\n'. */
  readonly bytes: Uint8Array;
  /** Where each record's text ends in `bytes` (exclusive: its '\n'). */
  readonly ends: Uint32Array;
  /** The earliest and the latest record instant (ms since the epoch); NaN when some `at` is not a time. */
  readonly from: number;
  readonly to: number;
}

const utf8Encoder = new TextEncoder();

/** The encoded form of `records` (their texts and instants through `usageEncoding`). */
export function encodeUsage(records: readonly UsageRecord[]): EncodedUsage {
  const { texts, instants } = usageEncoding(records);
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const instant of instants) {
    if (Number.isNaN(instant)) {
      from = Number.NaN;
      to = Number.NaN;
      break;
    }
    if (instant < from) from = instant;
    if (instant > to) to = instant;
  }
  let size = 0;
  for (const text of texts) size += 3 * text.length + 1;
  const buffer = new Uint8Array(size);
  const ends = new Uint32Array(texts.length);
  let offset = 0;
  for (let i = 0; i < texts.length; i++) {
    offset += utf8Encoder.encodeInto(texts[i]!, buffer.subarray(offset)).written;
    ends[i] = offset;
    buffer[offset++] = 10;
  }
  return { ids: records.map((r) => r.id), bytes: buffer.subarray(0, offset), ends, from, to };
}

/**
 * A text key of a record's `at` whose code-unit order is time order
 * (`toISOString`, always with milliseconds); undefined when `at` is not an
 * RFC 3339 UTC time. Cheap for the form records carry.
 */
export function usageTimeKey(at: string): string | undefined {
  const instant = instantOf(at);
  if (instant === undefined) return undefined;
  if (CANONICAL_AT.test(at)) return at.length === 20 ? `${at.slice(0, 19)}.000Z` : at;
  return new Date(instant).toISOString();
}

function checkQuantity(value: unknown, issues: UsageIssue[]): string | undefined {
  if (value === undefined || value === null || value === '') {
    issues.push({ field: 'quantity', rule: 'required', message: 'quantity: required' });
    return undefined;
  }
  const quantity = Number.isSafeInteger(value) ? String(value) : value;
  if (!isDecimalString(quantity) || quantity.startsWith('-')) {
    issues.push({
      field: 'quantity',
      rule: 'bad-quantity',
      message:
        typeof value === 'number'
          ? 'quantity: a fraction must be a decimal string ("1.5"), a JSON number may have lost digits'
          : 'quantity: expected a non-negative decimal string',
    });
    return undefined;
  }
  return quantity;
}

function checkCharacteristics(
  value: unknown,
  issues: UsageIssue[],
): Readonly<Record<string, string>> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({
      field: 'characteristics',
      rule: 'bad-field',
      message: 'characteristics: expected an object of strings',
    });
    return undefined;
  }
  const out: Record<string, string> = {};
  let count = 0;
  for (const [name, v] of Object.entries(value)) {
    const field = `characteristics.${name}`;
    if (name === '' || LONE_SURROGATE.test(name) || typeof v !== 'string' || LONE_SURROGATE.test(v)) {
      issues.push({ field, rule: 'bad-field', message: `${field}: expected a string` });
      continue;
    }
    out[name] = v;
    count++;
  }
  return count === 0 ? undefined : out;
}

/** Whether `at` falls in the service's active life `[activation, termination)`: the rule usage is held to, however it arrives. */
export function activeAt(life: ServiceLife, at: Instant): boolean {
  return life.from !== undefined && at >= life.from && (life.to === undefined || at < life.to);
}

/** Why `at` is outside `life`, for an error message. */
export function lifeMessage(service: string, life: ServiceLife): string {
  if (life.from === undefined) return `service ${service} was never activated`;
  const until = life.to === undefined ? '' : ` until ${formatInstant(life.to)}`;
  return `outside the active life of ${service} (from ${formatInstant(life.from)}${until})`;
}

/** A character `JSON.stringify` writes as something else than itself: a quote, a backslash, a control character or a surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters JSON escapes.
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * The RFC 8785 canonical JSON of a record: equal to `canonicalize(record)`,
 * written directly for this shape (keys at, characteristics, id, metric,
 * quantity, service). Its SHA-256 is the record's Merkle leaf.
 */
export function usageRecordJson(record: UsageRecord): string {
  const c = record.characteristics;
  let chars = '';
  if (c !== undefined) {
    const names = Object.keys(c);
    if (names.length > 1) names.sort();
    chars = '"characteristics":{';
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      chars += `${i === 0 ? '' : ','}${quote(name)}:${quote(c[name]!)}`;
    }
    chars += '},';
  }
  return `{"at":${quote(record.at)},${chars}"id":${quote(record.id)},"metric":${quote(record.metric)},"quantity":${quote(record.quantity)},"service":${quote(record.service)}}`;
}

/** `JSON.stringify(text)`, without its work when there is nothing to escape (almost always). */
function quote(text: string): string {
  return ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * Exact sums of non-negative decimal strings as scaled BigInts (no gcd per
 * step, unlike `Rational`), printed as the shortest decimal string.
 */
class QuantitySum {
  #units = 0n;
  #scale = 0;

  add(decimal: string): void {
    const dot = decimal.indexOf('.');
    const scale = dot < 0 ? 0 : decimal.length - dot - 1;
    const digits = BigInt(dot < 0 ? decimal : decimal.slice(0, dot) + decimal.slice(dot + 1));
    if (scale > this.#scale) {
      this.#units *= 10n ** BigInt(scale - this.#scale);
      this.#scale = scale;
    }
    this.#units += scale < this.#scale ? digits * 10n ** BigInt(this.#scale - scale) : digits;
  }

  toString(): string {
    const digits = this.#units.toString().padStart(this.#scale + 1, '0');
    const whole = digits.slice(0, digits.length - this.#scale);
    const fraction = digits.slice(digits.length - this.#scale).replace(/0+$/, '');
    return fraction === '' ? whole : `${whole}.${fraction}`;
  }
}

/** Totals per service and metric, sorted by service then metric (code-unit order). */
export function usageTotals(
  records: Iterable<UsageRecord>,
): { service: string; metric: string; quantity: string }[] {
  const sums = new Map<string, { service: string; metric: string; sum: QuantitySum }>();
  for (const r of records) {
    const key = `${r.service}\u0000${r.metric}`;
    let entry = sums.get(key);
    if (entry === undefined) {
      entry = { service: r.service, metric: r.metric, sum: new QuantitySum() };
      sums.set(key, entry);
    }
    entry.sum.add(r.quantity);
  }
  return [...sums.values()]
    .sort((a, b) =>
      a.service < b.service
        ? -1
        : a.service > b.service
          ? 1
          : a.metric < b.metric
            ? -1
            : a.metric > b.metric
              ? 1
              : 0,
    )
    .map((e) => ({ service: e.service, metric: e.metric, quantity: e.sum.toString() }));
}
