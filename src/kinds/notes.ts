/**
 * Credit and debit notes (core/adjustment.ts). The Seller issues one
 * (`note.issued`: the period, the invoice it corrects, the stream heads it
 * was computed from, the note and its hash) when the period rated again
 * differs from what was billed for it; the Buyer recomputes from the same
 * heads and answers once (`note.accepted` / `note.rejected`), as for an
 * invoice. A note, like an invoice, never changes: a later fact makes a
 * later note.
 */
import type { Adjustment } from '../core/index.ts';
import { hashJson } from '../ledger/index.ts';
import {
  answerKindSpec,
  type Basis,
  type EntryKindSpec,
  type EntryRef,
  entryRef,
  HASH_TEXT,
  type HeldEntry,
  objectBody,
  PERIOD_TEXT,
  requireEntryRef,
  requireText,
} from './kind.ts';

export interface NoteIssuedBody {
  readonly period: string;
  /** The `invoice.issued` entry it corrects. */
  readonly invoice: EntryRef;
  readonly basis: Basis;
  readonly note: Adjustment;
  readonly noteHash: string;
}

export interface NoteAnswerBody {
  readonly period: string;
  readonly note: EntryRef;
  readonly noteHash: string;
  /** On a rejection: the hash the Buyer computed. */
  readonly computedHash?: string;
}

export const NOTE_KINDS: readonly string[] = ['note.issued', 'note.accepted', 'note.rejected'];

export const noteIssuedKind: EntryKindSpec = {
  kind: 'note.issued',
  author: 'seller',
  validate(body) {
    const o = objectBody(body, 'note.issued');
    requireText(o, 'period', PERIOD_TEXT);
    requireText(o, 'noteHash', HASH_TEXT);
    requireEntryRef(o, 'invoice');
    objectBody(o.basis ?? null, 'basis');
    const note = objectBody(o.note ?? null, 'note');
    if (note.type !== 'credit' && note.type !== 'debit')
      throw new Error('note.type: expected credit or debit');
    if (hashJson(o.note) !== o.noteHash) throw new Error('noteHash: does not match the note');
  },
};

export const noteAcceptedKind = answerKindSpec('note.accepted', 'note', false);
export const noteRejectedKind = answerKindSpec('note.rejected', 'note', true);

export interface IssuedNote {
  readonly period: string;
  readonly entry: EntryRef;
  /** When the Seller's node signed it: the note is issued then. */
  readonly recordedAt: string;
  readonly body: NoteIssuedBody;
  readonly status: 'pending' | 'accepted' | 'rejected';
}

/** Every note among `entries` with the Buyer's answer, in the order issued. */
export function notesOf(entries: readonly HeldEntry[]): IssuedNote[] {
  const answers = new Map<string, 'accepted' | 'rejected'>();
  for (const held of entries) {
    const { kind, body } = held.signed.entry;
    if (kind !== 'note.accepted' && kind !== 'note.rejected') continue;
    answers.set(
      (body as unknown as NoteAnswerBody).note.hash,
      kind === 'note.accepted' ? 'accepted' : 'rejected',
    );
  }
  return entries
    .filter((held) => held.signed.entry.kind === 'note.issued')
    .sort((a, b) => a.signed.entry.seq - b.signed.entry.seq)
    .map((held) => ({
      period: (held.signed.entry.body as unknown as NoteIssuedBody).period,
      entry: entryRef(held),
      recordedAt: held.signed.entry.recordedAt,
      body: held.signed.entry.body as unknown as NoteIssuedBody,
      status: answers.get(held.hash) ?? 'pending',
    }));
}
