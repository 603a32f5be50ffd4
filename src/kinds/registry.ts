/**
 * The one list of entry kinds and state slices. A kind not listed here is
 * refused by every node (`ENTRY_MALFORMED_BODY: unknown entry kind`), and a
 * slice not listed here is not part of the agreed state.
 */
import type { Terms } from '../core/index.ts';
import {
  type BodyValidators,
  checkProof,
  type JsonValue,
  type ProofReport,
  type SubjectSpec,
  type VerifyProofOptions,
} from '../ledger/index.ts';
import { assignmentAcknowledgedKind, invoiceAssignedKind } from './assignments.ts';
import { DISPUTE_KINDS, disputeAcceptedKind, disputeRaisedKind, disputeRejectedKind } from './disputes.ts';
import { factKind, factsKind, factsSlice } from './facts.ts';
import { invoiceProof } from './invoice-proof.ts';
import { invoiceAcceptedKind, invoiceIssuedKind, invoiceRejectedKind, invoicesSlice } from './invoices.ts';
import type { EntryKindSpec, KindContext } from './kind.ts';
import { NETTING_KINDS, nettingSettledKind } from './netting.ts';
import { NOTE_KINDS, noteAcceptedKind, noteIssuedKind, noteRejectedKind } from './notes.ts';
import { partyKeyKind } from './party-key.ts';
import { PAYMENT_RECEIPT_KINDS, paymentMissingKind, paymentReceivedKind } from './payments.ts';
import { receivableProofOf } from './receivable-proof.ts';
import { countSlice, type StateSlice } from './state.ts';
import { usageBatchKind } from './usage-batch.ts';
import { usageProof } from './usage-proof.ts';

export const entryKindSpecs: readonly EntryKindSpec[] = [
  factKind,
  factsKind,
  invoiceIssuedKind,
  invoiceAcceptedKind,
  invoiceRejectedKind,
  usageBatchKind,
  partyKeyKind,
  noteIssuedKind,
  noteAcceptedKind,
  noteRejectedKind,
  disputeRaisedKind,
  disputeAcceptedKind,
  disputeRejectedKind,
  paymentReceivedKind,
  paymentMissingKind,
  nettingSettledKind,
  invoiceAssignedKind,
  assignmentAcknowledgedKind,
];

export const entryKinds = [
  'fact',
  'facts',
  'invoice.issued',
  'invoice.accepted',
  'invoice.rejected',
  'usage.batch',
  'party.key',
  'note.issued',
  'note.accepted',
  'note.rejected',
  'dispute.raised',
  'dispute.accepted',
  'dispute.rejected',
  'payment.received',
  'payment.missing',
  'netting.settled',
  'invoice.assigned',
  'invoice.assignment.acknowledged',
] as const;
export type EntryKind = (typeof entryKinds)[number];

/** The slices of the agreed state, in the order they are derived. */
export const stateSlices: readonly StateSlice[] = [
  factsSlice,
  invoicesSlice,
  // How many entries of the kinds an account is computed from (absent while none):
  // a financing package proves it holds all of them (receivable-proof.ts).
  countSlice('notes', NOTE_KINDS),
  countSlice('disputes', DISPUTE_KINDS),
  countSlice('receipts', PAYMENT_RECEIPT_KINDS),
  countSlice('nettings', NETTING_KINDS),
];

const byKind = new Map(entryKindSpecs.map((spec) => [spec.kind, spec]));

export function kindSpec(kind: string): EntryKindSpec | undefined {
  return byKind.get(kind);
}

/** The slice `kind` folds into, if any. */
export function sliceOf(kind: string): StateSlice | undefined {
  return stateSlices.find((slice) => slice.kinds.includes(kind));
}

/**
 * Body validators of every kind for entries by `author` in the bilateral of
 * `terms` (its id `bilateral`, which kinds about one bilateral need), as the ledger's `checkBody` takes them: authorship first, then the
 * kind's own check.
 */
export function bodyValidators(terms: Terms, author: string, bilateral?: string): BodyValidators {
  const context: KindContext = {
    terms,
    author,
    seller: terms.seller.id,
    buyer: terms.buyer.id,
    ...(bilateral === undefined ? {} : { bilateral }),
  };
  const validators: Record<string, (body: JsonValue) => void> = {};
  for (const spec of entryKindSpecs) {
    validators[spec.kind] = (body) => {
      if (spec.author !== 'either' && author !== context[spec.author]) {
        throw new Error(`${spec.kind} may be written only by the ${spec.author} ${context[spec.author]}`);
      }
      spec.validate(body, context);
    };
  }
  return validators;
}

/** The subjects a proof may be about besides single entries, and what a proof of each checks. */
export const proofSubjects: Readonly<Record<string, SubjectSpec>> = {
  invoice: invoiceProof,
  usage: usageProof,
  receivable: receivableProofOf(stateSlices),
};

/**
 * Checks a proof (src/ledger/proof.ts) with the product's subject kinds: what
 * `sb verify` runs. Never throws for bad content.
 */
export function verifyProof(proof: unknown, options: Omit<VerifyProofOptions, 'subjects'> = {}): ProofReport {
  return checkProof(proof, { ...options, subjects: proofSubjects });
}
