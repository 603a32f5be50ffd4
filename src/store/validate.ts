/**
 * Checks at the store's entry points. The store does not verify signatures or
 * hashes (the ledger layer does, before it appends); it checks only what it
 * needs to keep its tables sound, and names the field that is wrong.
 */
import { type Issue, ValidationError } from '../core/index.ts';
import type { SignedCheckpoint } from '../ledger/index.ts';
import type { StoreErrorCode } from './errors.ts';
import type { BilateralRecord, EntryRange, Evidence, StoredEntry } from './types.ts';

/** Largest `seq` both engines hold as an integer (PostgreSQL `integer`). */
export const MAX_SEQ = 2 ** 31 - 1;

const HASH = /^[0-9a-f]{64}$/;

export function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_SEQ;
}

export function text(issues: Issue[], path: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    issues.push({ path, rule: 'expected a non-empty string', value });
}

/**
 * The access tables' timestamps: exactly what `Date.prototype.toISOString()`
 * writes (UTC, milliseconds), so that comparing them as text (expiry,
 * pruning, ordering) is comparing the instants, on both engines.
 */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isInstant(value: unknown): value is string {
  return typeof value === 'string' && INSTANT.test(value) && new Date(value).toISOString() === value;
}

export function instant(issues: Issue[], path: string, value: unknown): void {
  if (!isInstant(value)) {
    issues.push({
      path,
      rule: 'expected a UTC timestamp as toISOString writes it (2026-01-02T03:04:05.000Z)',
      value,
    });
  }
}

/** One of `allowed`. */
export function oneOf(issues: Issue[], path: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    issues.push({ path, rule: `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value });
  }
}

export function hash(issues: Issue[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !HASH.test(value)) {
    issues.push({ path, rule: 'expected 64 lowercase hex characters', value });
  }
}

function seq(issues: Issue[], path: string, value: unknown): void {
  if (!isSeq(value)) issues.push({ path, rule: `expected an integer from 1 to ${MAX_SEQ}`, value });
}

export function fail(code: StoreErrorCode, issues: Issue[]): void {
  if (issues.length > 0) throw new ValidationError(code, issues);
}

export function checkStoredEntry(stored: StoredEntry): void {
  const issues: Issue[] = [];
  hash(issues, 'hash', stored.hash);
  text(issues, 'receivedAt', stored.receivedAt);
  const entry = stored.signed?.entry;
  if (typeof entry !== 'object' || entry === null) {
    issues.push({ path: 'signed.entry', rule: 'expected an object', value: entry });
  } else {
    text(issues, 'signed.entry.bilateral', entry.bilateral);
    text(issues, 'signed.entry.author', entry.author);
    seq(issues, 'signed.entry.seq', entry.seq);
    text(issues, 'signed.entry.prev', entry.prev);
    text(issues, 'signed.entry.kind', entry.kind);
    text(issues, 'signed.entry.recordedAt', entry.recordedAt);
  }
  fail('STORE_BAD_ENTRY', issues);
}

export function checkBilateral(record: BilateralRecord): void {
  const issues: Issue[] = [];
  text(issues, 'id', record.id);
  if (record.agreement?.id !== record.id) {
    issues.push({ path: 'agreement.id', rule: 'expected the bilateral id', value: record.agreement?.id });
  }
  if (record.role !== 'seller' && record.role !== 'buyer') {
    issues.push({ path: 'role', rule: "expected 'seller' or 'buyer'", value: record.role });
  }
  text(issues, 'peerEndpoint', record.peerEndpoint);
  text(issues, 'createdAt', record.createdAt);
  fail('STORE_BAD_BILATERAL', issues);
}

export function checkCheckpoint(signed: SignedCheckpoint): void {
  const issues: Issue[] = [];
  const checkpoint = signed.checkpoint;
  text(issues, 'checkpoint.bilateral', checkpoint?.bilateral);
  text(issues, 'checkpoint.stateHash', checkpoint?.stateHash);
  const heads = checkpoint?.heads;
  if (typeof heads !== 'object' || heads === null || Object.keys(heads).length === 0) {
    issues.push({ path: 'checkpoint.heads', rule: 'expected at least one head', value: heads });
  } else {
    for (const [party, head] of Object.entries(heads)) {
      // seq 0 (an empty stream) is allowed: a checkpoint may come before one party has written.
      if (!(head?.seq === 0 || isSeq(head?.seq))) {
        issues.push({
          path: `checkpoint.heads.${party}.seq`,
          rule: `expected an integer from 0 to ${MAX_SEQ}`,
          value: head?.seq,
        });
      }
      text(issues, `checkpoint.heads.${party}.hash`, head?.hash);
    }
  }
  if (typeof signed.sigs !== 'object' || signed.sigs === null) {
    issues.push({ path: 'sigs', rule: 'expected an object', value: signed.sigs });
  }
  fail('STORE_BAD_CHECKPOINT', issues);
}

export function checkEvidence(evidence: Evidence): void {
  const issues: Issue[] = [];
  text(issues, 'bilateral', evidence.bilateral);
  if (typeof evidence.author !== 'string') {
    issues.push({ path: 'author', rule: 'expected a string', value: evidence.author });
  }
  text(issues, 'code', evidence.code);
  if (typeof evidence.message !== 'string') {
    issues.push({ path: 'message', rule: 'expected a string', value: evidence.message });
  }
  text(issues, 'receivedAt', evidence.receivedAt);
  fail('STORE_BAD_EVIDENCE', issues);
}

/**
 * The `seq` column value for evidence: evidence is about material that failed
 * checks, so its claimed seq may be anything. A seq the column cannot hold
 * (PostgreSQL `integer`) is stored as null; `payload` keeps it as received.
 */
export function evidenceSeq(seq: unknown): number | null {
  return Number.isSafeInteger(seq) && Math.abs(seq as number) <= MAX_SEQ ? (seq as number) : null;
}

export function checkRange(range: EntryRange): void {
  const issues: Issue[] = [];
  if (range.author !== undefined) text(issues, 'author', range.author);
  if (range.fromSeq !== undefined && !Number.isSafeInteger(range.fromSeq)) {
    issues.push({ path: 'fromSeq', rule: 'expected an integer', value: range.fromSeq });
  }
  if (range.toSeq !== undefined && !Number.isSafeInteger(range.toSeq)) {
    issues.push({ path: 'toSeq', rule: 'expected an integer', value: range.toSeq });
  }
  if (range.limit !== undefined && !(Number.isSafeInteger(range.limit) && range.limit >= 0)) {
    issues.push({ path: 'limit', rule: 'expected a non-negative integer', value: range.limit });
  }
  fail('STORE_BAD_RANGE', issues);
}
