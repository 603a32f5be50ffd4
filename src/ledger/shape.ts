/**
 * Structural checks of signed entries as they arrive from the wire: exact
 * field sets, types and encodings, with the offending field named. Shared by
 * the `isSignedEntry` guard and `checkSignedEntry` (which turns the first
 * issue into `ENTRY_MALFORMED`).
 */
import { canonicalize } from './canonical.ts';
import { LedgerError } from './errors.ts';
import { isHash } from './hash.ts';
import { isPublicKey, isSignature } from './keys.ts';

export interface ShapeIssue {
  readonly field: string;
  readonly rule: string;
  readonly value?: unknown;
}

const SIGNED_FIELDS = ['entry', 'key', 'sig'] as const;
const ENTRY_FIELDS = ['bilateral', 'author', 'seq', 'prev', 'seen', 'kind', 'body', 'recordedAt'] as const;
const POSITION_FIELDS = ['seq', 'hash'] as const;
const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export type Inspection =
  | { readonly ok: true /** canonical JSON of the entry */; readonly canonical: string }
  | { readonly ok: false; readonly issue: ShapeIssue };

/**
 * Checks a would-be `SignedEntry` and, when it is well formed, returns the
 * canonical JSON of its entry (computed once: it is both the hashed and the
 * signed form). A body that is not JSON (NaN, undefined, a Date, a lone
 * surrogate …) is reported at its path, e.g. `entry.body.items[2]`.
 */
export function inspectSignedEntry(input: unknown): Inspection {
  const found = signedEntryIssue(input);
  if (found !== undefined) return { ok: false, issue: found };
  const entry = (input as { entry: unknown }).entry;
  try {
    return { ok: true, canonical: canonicalize(entry) };
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    const path = String(error.details.path ?? '$');
    return { ok: false, issue: issue(`entry${path.slice(1)}`, String(error.details.rule)) };
  }
}

/** The first structural problem (JSON-ness of the body aside) of a would-be `SignedEntry`. */
export function signedEntryIssue(input: unknown): ShapeIssue | undefined {
  const outer = fieldsIssue(input, SIGNED_FIELDS, '');
  if (outer !== undefined) return outer;
  const signed = input as Record<string, unknown>;
  return (
    entryIssue(signed.entry) ??
    (isPublicKey(signed.key) ? undefined : issue('key', 'expected base64url of 32 bytes', signed.key)) ??
    (isSignature(signed.sig)
      ? undefined
      : issue('sig', 'expected sb2. + base64url of 64 bytes (or a legacy bare one)', signed.sig))
  );
}

/** The first structural problem of a would-be `Entry` (fields named `entry.*`). */
export function entryIssue(input: unknown): ShapeIssue | undefined {
  const own = fieldsIssue(input, ENTRY_FIELDS, 'entry.');
  if (own !== undefined) return own;
  const e = input as Record<string, unknown>;
  if (!isHash(e.bilateral)) return issue('entry.bilateral', 'expected a lowercase hex SHA-256', e.bilateral);
  if (!isNonEmptyString(e.author)) return issue('entry.author', 'expected a non-empty string', e.author);
  if (!isSeq(e.seq)) return issue('entry.seq', 'expected a positive safe integer', e.seq);
  if (!isHash(e.prev)) return issue('entry.prev', 'expected a lowercase hex SHA-256', e.prev);
  if (e.seen !== null) {
    const seen = fieldsIssue(e.seen, POSITION_FIELDS, 'entry.seen.');
    if (seen !== undefined) return seen;
    const { seq, hash } = e.seen as Record<string, unknown>;
    if (!isSeq(seq)) return issue('entry.seen.seq', 'expected a positive safe integer', seq);
    if (!isHash(hash)) return issue('entry.seen.hash', 'expected a lowercase hex SHA-256', hash);
  }
  if (!isNonEmptyString(e.kind)) return issue('entry.kind', 'expected a non-empty string', e.kind);
  if (!isTimestamp(e.recordedAt)) {
    return issue('entry.recordedAt', 'expected RFC 3339 UTC with milliseconds', e.recordedAt);
  }
  return undefined;
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ` naming a real instant (what `Date#toISOString` writes). */
export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !timestamp.test(value)) return false;
  const time = Date.parse(value);
  return Number.isFinite(time) && new Date(time).toISOString() === value;
}

export function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function fieldsIssue(input: unknown, fields: readonly string[], prefix: string): ShapeIssue | undefined {
  const where = prefix === '' ? '(input)' : prefix.slice(0, -1);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return issue(where, 'expected an object', input);
  }
  for (const field of fields) {
    if (!Object.hasOwn(input, field)) return issue(prefix + field, 'missing');
  }
  for (const key of Object.keys(input)) {
    if (!fields.includes(key)) return issue(prefix + key, 'unexpected field');
  }
  return undefined;
}

function issue(field: string, rule: string, value?: unknown): ShapeIssue {
  return value === undefined ? { field, rule } : { field, rule, value };
}
