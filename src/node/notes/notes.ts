/**
 * Credit and debit notes: an issued invoice never changes. When facts
 * recorded after a period was invoiced (a late outage, a corrected
 * termination) change what the period costs, the Seller's node issues a
 * note for the difference (core/adjustment.ts), citing the invoice and the
 * stream heads it was computed from; the Buyer's node recomputes it from the
 * same heads and the same billed documents and accepts it when the hashes
 * match, or rejects it with the hash it computed.
 *
 * Design rationale:
 * - Only an accepted invoice is corrected (a pending one is still being
 *   checked; a rejected one is for people), and one note at a time per
 *   period: the next waits for the Buyer's answer to the last, so each note
 *   counts every note before it.
 * - The Seller looks for notes due on the invoicing schedule and when asked
 *   (`POST /bilaterals/:id/notes`); nothing is issued when nothing changed,
 *   and nothing is rated again while the record's heads are those of the
 *   last look (every document and fact a note depends on is an entry).
 */
import { type Adjustment, adjustment, type Billed } from '../../core/index.ts';
import { type EntryRef, type IssuedNote, NOTE_KINDS, notesOf } from '../../kinds/index.ts';
import { hashJson, type JsonValue } from '../../ledger/index.ts';
import { headsOf } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import type { Replication } from '../core/replication.ts';
import type { Invoices } from '../invoices/invoices.ts';

export class Notes {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  readonly #invoices: Invoices;
  /** Per bilateral: the stream heads at the last look for notes due. */
  readonly #looked = new Map<string, string>();

  constructor(core: NodeCore, replication: Replication, invoices: Invoices) {
    this.#core = core;
    this.#replication = replication;
    this.#invoices = invoices;
    const answer = (id: string) => core.schedule(() => this.#answerPending(id));
    core.onReceived('note.issued', answer);
    core.onSynced(answer);
  }

  async list(id: string): Promise<IssuedNote[]> {
    await this.#core.context(id);
    return notesOf(await this.#core.store.listEntries(id, { kinds: NOTE_KINDS }));
  }

  /** Seller: issues the notes due in every bilateral it sells in. */
  async issueAllDue(): Promise<{ bilateral: string; period: string; type: Adjustment['type'] }[]> {
    const out: { bilateral: string; period: string; type: Adjustment['type'] }[] = [];
    for (const record of await this.#core.store.listBilaterals()) {
      if (record.role === 'seller') out.push(...(await this.issueDue(record.id)));
    }
    return out;
  }

  /** Seller: for each accepted invoice whose period now rates differently from what was billed, a note. */
  async issueDue(id: string): Promise<{ bilateral: string; period: string; type: Adjustment['type'] }[]> {
    const core = this.#core;
    const context = await core.context(id);
    if (context.record.role !== 'seller') return [];
    const issued = await core.serially(id, async () => {
      const out: { bilateral: string; period: string; type: Adjustment['type'] }[] = [];
      const basis = await headsOf(core.store, context);
      // Nothing changed in the record since the last look: no note can be due (the schedule asks every minute).
      const heads = JSON.stringify(basis);
      if (this.#looked.get(id) === heads) return out;
      const notes = await this.list(id);
      for (const invoice of await this.#invoices.list(id)) {
        if (invoice.status !== 'accepted') continue;
        const mine = notes.filter(
          (n) => n.body.invoice.hash === invoice.entry.hash && n.status !== 'rejected',
        );
        if (mine.some((n) => n.status === 'pending')) continue;
        const rerated = await this.#invoices.compute(id, invoice.period, basis);
        const note = adjustment(billed(invoice.body.invoice, mine), rerated);
        if (note === undefined) continue;
        const body = {
          period: invoice.period,
          invoice: invoice.entry,
          basis,
          note,
          noteHash: hashJson(note),
        };
        await core.appendOwn(context, 'note.issued', body as unknown as JsonValue);
        core.log(`${note.type} note ${note.total} for ${invoice.period} of ${short(id)} issued`);
        out.push({ bilateral: id, period: invoice.period, type: note.type });
      }
      // Only a look that went through counts: one that failed part-way is made again.
      this.#looked.set(id, heads);
      return out;
    });
    if (issued.length > 0) await this.#replication.push(id);
    return issued;
  }

  /** Buyer: recompute every unanswered note from its heads and what was billed before it, and answer. */
  async #answerPending(id: string): Promise<void> {
    const core = this.#core;
    const context = await core.context(id);
    if (context.record.role !== 'buyer') return;
    const answered = await core.serially(id, async () => {
      let count = 0;
      const notes = await this.list(id);
      const invoices = await this.#invoices.list(id);
      for (const note of notes) {
        if (note.status !== 'pending') continue;
        const invoice = invoices.find((i) => i.entry.hash === note.body.invoice.hash);
        if (invoice === undefined) continue;
        const before = notes.filter(
          (n) =>
            n.body.invoice.hash === invoice.entry.hash &&
            n.status === 'accepted' &&
            n.entry.seq < note.entry.seq,
        );
        const rerated = await this.#invoices.compute(id, note.period, note.body.basis);
        const computed = adjustment(billed(invoice.body.invoice, before), rerated);
        const computedHash = computed === undefined ? undefined : hashJson(computed);
        const base = { period: note.period, note: note.entry as EntryRef, noteHash: note.body.noteHash };
        if (computedHash === note.body.noteHash) {
          await core.appendOwn(context, 'note.accepted', base as unknown as JsonValue);
        } else {
          await core.appendOwn(context, 'note.rejected', {
            ...base,
            computedHash: computedHash ?? hashJson(null),
          } as unknown as JsonValue);
          core.log(`note for ${note.period} of ${short(id)} rejected: computed ${computedHash ?? 'no note'}`);
        }
        count++;
      }
      return count;
    });
    if (answered > 0) await this.#replication.push(id);
  }
}

/** The documents billed for a period so far: the invoice, then its notes in order. */
function billed(invoice: Billed, notes: readonly IssuedNote[]): Billed[] {
  return [invoice, ...notes.map((n) => n.body.note)];
}
