/**
 * Verification of one signed entry as it arrives from a peer or a client
 * (DESIGN.md invariant: every stored entry has a verified signature). Checks
 * run cheapest and most precise first — structure, bilateral, author, key,
 * signature — so the error names the first thing wrong. Stream placement
 * (seq, prev, replay, equivocation) is `placement.ts`; body semantics belong
 * to the core and come in as validators.
 */

import { LedgerError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import { sha256Hex } from './hash.ts';
import { inspectSignedEntry } from './shape.ts';
import { verifyIn } from './signing.ts';
import type { Entry, Hash, JsonValue, SignedEntry, StreamContext } from './types.ts';

/** Body validators by entry kind; a validator throws to reject (e.g. the core's fact parser). */
export type BodyValidators = Readonly<Record<string, (body: JsonValue) => void>>;

const encoder = new TextEncoder();

/**
 * Checks structure, bilateral, author, key and signature of `input`, in that
 * order, and returns a deeply frozen copy of it.
 *
 * The expected key is the author's genesis key in `ctx.parties`, or — when
 * `ctx.keys` is given — `ctx.keys.keyFor(author, seq)` (after key rotations).
 *
 * Throws `LedgerError` with code `ENTRY_MALFORMED` (details.field names the
 * field), `ENTRY_WRONG_BILATERAL`, `ENTRY_UNKNOWN_AUTHOR`, `ENTRY_WRONG_KEY` or
 * `ENTRY_BAD_SIGNATURE` (also for a legacy signature when the context does not
 * allow them: `ctx.legacySignatures`).
 *
 * @example const signed = checkSignedEntry({ bilateral, parties }, JSON.parse(body));
 */
export function checkSignedEntry(ctx: StreamContext, input: unknown): SignedEntry {
  return checkSignedEntryHashed(ctx, input).signed;
}

/**
 * `checkSignedEntry`, also giving the entry's hash from the canonical bytes the
 * signature was checked over (the receiving node's hot path: one
 * canonicalisation per entry instead of two).
 */
export function checkSignedEntryHashed(
  ctx: StreamContext,
  input: unknown,
): { signed: SignedEntry; hash: Hash } {
  const inspected = inspectSignedEntry(input);
  if (!inspected.ok) {
    const { field, rule } = inspected.issue;
    throw new LedgerError('ENTRY_MALFORMED', `${field}: ${rule}`, { details: { ...inspected.issue } });
  }
  const { key, sig } = input as SignedEntry;
  const entry = JSON.parse(inspected.canonical) as Entry;
  const about = { author: entry.author, seq: entry.seq };
  if (entry.bilateral !== ctx.bilateral) {
    throw new LedgerError('ENTRY_WRONG_BILATERAL', `entry belongs to bilateral ${entry.bilateral}`, {
      details: { ...about, expected: ctx.bilateral, actual: entry.bilateral },
    });
  }
  const party = ctx.parties.find((p) => p.id === entry.author);
  if (party === undefined) {
    throw new LedgerError('ENTRY_UNKNOWN_AUTHOR', `author ${entry.author} is not a party`, {
      details: { ...about, parties: ctx.parties.map((p) => p.id) },
    });
  }
  // With a key schedule the expected key follows the author's rotations; without one it is the genesis key.
  const expected = ctx.keys?.keyFor(entry.author, entry.seq) ?? party.key;
  if (key !== expected) {
    const whose =
      expected === party.key
        ? `${entry.author}'s registered key`
        : `${entry.author}'s key for seq ${entry.seq} (it rotated its key)`;
    throw new LedgerError('ENTRY_WRONG_KEY', `key is not ${whose}`, {
      details: { ...about, expected, actual: key },
    });
  }
  const bytes = encoder.encode(inspected.canonical);
  if (!verifyIn('entry', key, bytes, sig, { legacy: ctx.legacySignatures === true })) {
    throw new LedgerError(
      'ENTRY_BAD_SIGNATURE',
      `signature of ${entry.author} #${entry.seq} does not verify`,
      {
        details: about,
      },
    );
  }
  return { signed: deepFreeze({ entry, key, sig }), hash: sha256Hex(bytes) };
}

/**
 * Checks the body against the validator of its kind. An unknown kind, or a
 * validator that throws, is `ENTRY_MALFORMED_BODY` carrying the cause.
 */
export function checkBody(entry: Entry, validators: BodyValidators): void {
  const about = { author: entry.author, seq: entry.seq, kind: entry.kind };
  const validate = Object.hasOwn(validators, entry.kind) ? validators[entry.kind] : undefined;
  if (validate === undefined) {
    throw new LedgerError('ENTRY_MALFORMED_BODY', `unknown entry kind ${entry.kind}`, { details: about });
  }
  try {
    validate(entry.body);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new LedgerError('ENTRY_MALFORMED_BODY', `${entry.kind} body: ${message}`, {
      details: about,
      cause,
    });
  }
}
