/**
 * Disputes over facts (core/disputes.ts). Either party raises one
 * (`dispute.raised`: the counterparty's fact it disputes, or none for a fact
 * not recorded; the version its systems support; the evidence; the period
 * and the amount at stake, line by line). The counterparty answers once:
 * `dispute.accepted`, citing the fact it recorded to settle it (the
 * correction, or the missing fact), or `dispute.rejected` with its reason.
 * Unanswered past the terms' `responseDays`, a dispute is escalated (a
 * state both nodes derive; no entry).
 */
import { type Fact, parseFact } from '../core/index.ts';
import {
  type EntryKindSpec,
  type EntryRef,
  entryRef,
  type HeldEntry,
  objectBody,
  PERIOD_TEXT,
  requireEntryRef,
  requireText,
} from './kind.ts';

export interface DisputeRaisedBody {
  /** The counterparty's fact disputed (`author/seq#i`); null for one it did not record. */
  readonly fact: string | null;
  readonly proposed: Fact;
  readonly evidence: { readonly source: string; readonly observed: Fact };
  readonly reason: string;
  readonly period: string;
  /** The invoice of the period rated with `proposed` minus as recorded: the changed lines and the total. */
  readonly atStake: {
    readonly lines: readonly { readonly kind: string; readonly service: string; readonly amount: string }[];
    readonly total: string;
  };
}

export interface DisputeAnswerBody {
  readonly dispute: EntryRef;
  /** On acceptance: the ref of the fact recorded to settle it. */
  readonly correction?: string;
  /** On rejection: why. */
  readonly reason?: string;
}

export const DISPUTE_KINDS: readonly string[] = ['dispute.raised', 'dispute.accepted', 'dispute.rejected'];

const SHORT = /^[\s\S]{1,1000}$/;

export const disputeRaisedKind: EntryKindSpec = {
  kind: 'dispute.raised',
  author: 'either',
  validate(body, { terms, author }) {
    const o = objectBody(body, 'dispute.raised');
    if (o.fact !== null) requireText(o, 'fact', /^[^/]+\/\d+(#\d+)?$/);
    if (typeof o.fact === 'string' && o.fact.startsWith(`${author}/`)) {
      throw new Error('fact: a party disputes the counterparty’s facts, not its own');
    }
    try {
      parseFact(o.proposed, terms);
    } catch (error) {
      throw new Error(`proposed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const evidence = objectBody(o.evidence ?? null, 'evidence');
    requireText(evidence, 'source', /^[\s\S]{1,128}$/);
    requireText(o, 'reason', SHORT);
    requireText(o, 'period', PERIOD_TEXT);
    const stake = objectBody(o.atStake ?? null, 'atStake');
    if (!Array.isArray(stake.lines) || typeof stake.total !== 'string')
      throw new Error('atStake: expected {lines, total}');
  },
};

function answer(kind: 'dispute.accepted' | 'dispute.rejected'): EntryKindSpec {
  return {
    kind,
    author: 'either',
    validate(body) {
      const o = objectBody(body, kind);
      requireEntryRef(o, 'dispute');
      if (kind === 'dispute.accepted') requireText(o, 'correction', /^[^/]+\/\d+(#\d+)?$/);
      else requireText(o, 'reason', SHORT);
    },
  };
}

export const disputeAcceptedKind = answer('dispute.accepted');
export const disputeRejectedKind = answer('dispute.rejected');

export type DisputeStatus = 'raised' | 'accepted' | 'rejected';

export interface HeldDispute {
  /** `author/seq` of the raising entry: the dispute's id. */
  readonly id: string;
  readonly entry: EntryRef;
  readonly raisedAt: string;
  readonly body: DisputeRaisedBody;
  readonly status: DisputeStatus;
  readonly answer?: { readonly entry: EntryRef; readonly body: DisputeAnswerBody; readonly at: string };
}

/** Every dispute among `entries` with its answer, in the order raised. */
export function disputesOf(entries: readonly HeldEntry[]): HeldDispute[] {
  const answers = new Map<string, { entry: EntryRef; kind: string; body: DisputeAnswerBody; at: string }>();
  for (const held of entries) {
    const { kind, body } = held.signed.entry;
    if (kind !== 'dispute.accepted' && kind !== 'dispute.rejected') continue;
    const b = body as unknown as DisputeAnswerBody;
    if (!answers.has(b.dispute.hash)) {
      answers.set(b.dispute.hash, { entry: entryRef(held), kind, body: b, at: held.signed.entry.recordedAt });
    }
  }
  return entries
    .filter((held) => held.signed.entry.kind === 'dispute.raised')
    .sort(
      (a, b) =>
        a.signed.entry.recordedAt.localeCompare(b.signed.entry.recordedAt) ||
        a.signed.entry.seq - b.signed.entry.seq,
    )
    .map((held) => {
      const got = answers.get(held.hash);
      return {
        id: `${held.signed.entry.author}/${held.signed.entry.seq}`,
        entry: entryRef(held),
        raisedAt: held.signed.entry.recordedAt,
        body: held.signed.entry.body as unknown as DisputeRaisedBody,
        status: got === undefined ? 'raised' : got.kind === 'dispute.accepted' ? 'accepted' : 'rejected',
        ...(got === undefined ? {} : { answer: { entry: got.entry, body: got.body, at: got.at } }),
      };
    });
}
