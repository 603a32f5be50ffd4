/**
 * Whole-bilateral verification for audits and tests: every entry checked as a
 * node checks it on arrival, every stream gap-free and linked from the
 * bilateral id, every `seen` pointing at a counterparty entry that exists with
 * that hash and never moving backwards, and every entry signed with its
 * author's key at that seq — the genesis key, or the one its last `party.key`
 * rotation brought in (`key-schedule.ts`). A node verifies incrementally with
 * `checkSignedEntry` + `checkPlacement`; this replays the same rules at once.
 */
import { positionOf } from './entry.ts';
import { LedgerError } from './errors.ts';
import { KeySchedule } from './key-schedule.ts';
import { checkPlacement, checkSeen } from './placement.ts';
import type { Hash, SignedEntry, StreamContext, StreamPosition } from './types.ts';
import { type BodyValidators, checkBody, checkSignedEntry } from './verify.ts';

export interface VerifyStreamOptions {
  /** When given, every body is checked with `checkBody`. */
  readonly validators?: BodyValidators;
  /** Skip the `seen` checks, e.g. when auditing one party's stream without the other's. */
  readonly skipSeen?: boolean;
}

/**
 * Verifies `entries` — one or both parties' streams, interleaved in any way
 * but each author's entries in seq order from 1 — and returns each author's
 * head. `seen` must point into the counterparty's entries given here (pass both
 * streams, or `skipSeen`). The first failure is thrown as the check's `LedgerError`, with
 * `details.index` the position in `entries`.
 *
 * @example const heads = verifyStream(ctx, [...sellerEntries, ...buyerEntries]);
 */
export function verifyStream(
  ctx: StreamContext,
  entries: readonly unknown[],
  options: VerifyStreamOptions = {},
): Readonly<Record<string, StreamPosition>> {
  const streams = new Map<string, { entries: SignedEntry[]; hashes: Hash[]; head?: StreamPosition }>();
  const checked: { signed: SignedEntry; index: number }[] = [];
  // The streams are replayed from seq 1, so the schedule starts from the genesis keys whatever ctx.keys says.
  const keys = new KeySchedule(ctx.parties);
  const scheduled: StreamContext = { ...ctx, keys };
  for (const [index, input] of entries.entries()) {
    at(index, () => {
      const signed = checkSignedEntry(scheduled, input);
      if (options.validators !== undefined) checkBody(signed.entry, options.validators);
      const stream = streams.get(signed.entry.author) ?? { entries: [], hashes: [] };
      streams.set(signed.entry.author, stream);
      checkPlacement(stream.head, stream.entries[signed.entry.seq - 1], signed);
      keys.apply(signed.entry);
      const position = positionOf(signed.entry);
      stream.entries.push(signed);
      stream.hashes.push(position.hash);
      stream.head = position;
      checked.push({ signed, index });
    });
  }
  const lastSeen = new Map<string, number>();
  for (const { signed, index } of options.skipSeen === true ? [] : checked) {
    at(index, () => {
      const { entry } = signed;
      if (entry.seen === null) return;
      const counterparty = ctx.parties.find((p) => p.id !== entry.author)?.id;
      const stream = counterparty === undefined ? undefined : streams.get(counterparty);
      checkSeen(entry, stream?.head, stream?.hashes[entry.seen.seq - 1]);
      const previous = lastSeen.get(entry.author) ?? 0;
      if (entry.seen.seq < previous) {
        throw new LedgerError('ENTRY_BAD_SEEN', `${entry.author} #${entry.seq}: seen moved back`, {
          details: { author: entry.author, seq: entry.seq, seen: entry.seen, previous },
        });
      }
      lastSeen.set(entry.author, entry.seen.seq);
    });
  }
  const heads: Record<string, StreamPosition> = {};
  for (const [author, stream] of streams) if (stream.head !== undefined) heads[author] = stream.head;
  return Object.freeze(heads);
}

function at(index: number, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new LedgerError(error.code, `entries[${index}]: ${error.message}`, {
      details: { ...error.details, index },
      cause: error,
    });
  }
}
