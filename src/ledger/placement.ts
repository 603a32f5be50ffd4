/**
 * Where a verified entry may go in its author's stream (DESIGN.md decision 1
 * and invariant "the next seq, a correct prev link"). The caller supplies the
 * author's current head and whatever it already stores at the entry's seq;
 * this file only decides:
 *
 *   seq ≤ head, same hash        → ENTRY_REPLAYED   (harmless: replication is idempotent)
 *   seq ≤ head, different hash   → ENTRY_EQUIVOCATION (fraud; details carry the proof)
 *   seq > head + 1               → ENTRY_SEQ_GAP    (ask the peer for the missing ones)
 *   seq = head + 1, prev ≠ head  → ENTRY_BROKEN_LINK
 *
 * with "head" for an empty stream being seq 0 whose hash is the bilateral id.
 */
import { hashEntry } from './entry.ts';
import { equivocationProof } from './equivocation.ts';
import { LedgerError } from './errors.ts';
import type { Entry, Hash, SignedEntry, StreamPosition } from './types.ts';

/**
 * Throws unless `signed` is the next entry after `head` in its author's stream.
 * `stored` is what the caller holds at `signed.entry.seq` for this author (needed
 * only when that seq is at or below the head).
 */
export function checkPlacement(
  head: StreamPosition | undefined,
  stored: SignedEntry | undefined,
  signed: SignedEntry,
): void {
  const { author, seq, prev, bilateral } = signed.entry;
  if (head !== undefined && seq <= head.seq) {
    if (stored === undefined || stored.entry.seq !== seq || stored.entry.author !== author) {
      throw new RangeError(`checkPlacement: pass the stored entry ${author} #${seq} (at or below the head)`);
    }
    if (hashEntry(stored.entry) === hashEntry(signed.entry)) {
      throw new LedgerError('ENTRY_REPLAYED', `${author} #${seq} is already stored`, {
        details: { author, seq },
      });
    }
    // Both entries already passed the bilateral's signature rule (the stored one
    // when it was stored, `signed` just now), so the proof may take either form.
    const proof = equivocationProof(stored, signed, { legacy: true });
    throw new LedgerError('ENTRY_EQUIVOCATION', `${author} signed two different entries #${seq}`, {
      details: { author, seq, stored, received: signed, ...(proof === undefined ? {} : { proof }) },
    });
  }
  const expected = head === undefined ? 1 : head.seq + 1;
  if (seq !== expected) {
    throw new LedgerError('ENTRY_SEQ_GAP', `${author} #${seq} arrived before #${expected}`, {
      details: { author, seq, expected },
    });
  }
  const link: Hash = head === undefined ? bilateral : head.hash;
  if (prev !== link) {
    throw new LedgerError('ENTRY_BROKEN_LINK', `${author} #${seq}: prev does not match #${seq - 1}`, {
      details: { author, seq, expected: link, actual: prev },
    });
  }
}

/**
 * Throws `ENTRY_BAD_SEEN` when `entry.seen` claims a counterparty entry that
 * does not exist: a seq beyond `counterpartyHead`, another hash at the head's
 * seq, or — when the caller passes it — another hash than `known`, the hash
 * the caller stores at `entry.seen.seq`.
 */
export function checkSeen(entry: Entry, counterpartyHead: StreamPosition | undefined, known?: Hash): void {
  const { seen, author, seq } = entry;
  if (seen === null) return;
  const headSeq = counterpartyHead?.seq ?? 0;
  const fail = (rule: string): never => {
    throw new LedgerError('ENTRY_BAD_SEEN', `${author} #${seq}: seen ${rule}`, {
      details: { author, seq, seen, counterpartyHead: counterpartyHead ?? null },
    });
  };
  if (seen.seq > headSeq) fail(`#${seen.seq} is beyond the counterparty's head #${headSeq}`);
  if (seen.seq === headSeq && seen.hash !== counterpartyHead?.hash) fail(`#${seen.seq} has another hash`);
  if (known !== undefined && seen.hash !== known) fail(`#${seen.seq} has another hash`);
}
