/**
 * What a proof of an invoice checks, beyond the entries, checkpoint and
 * anchor every proof has (src/ledger/proof.ts): the entries are the Seller's
 * `invoice.issued` and, when there is one, the Buyer's `invoice.accepted`;
 * the invoice hashes to what the issued entry says; the acceptance refers to
 * that very entry and invoice.
 *
 *   subject: { kind: 'invoice', period: 'YYYY-MM', invoiceHash }
 */
import {
  asRecord,
  fail,
  hashEntry,
  hashJson,
  type Proof,
  pass,
  type Run,
  type SubjectSpec,
  short,
} from '../ledger/index.ts';

/** A type, not an interface: it is assignable to the ledger's open `ProofSubject`. */
export type InvoiceSubject = {
  readonly kind: 'invoice';
  readonly period: string;
  readonly invoiceHash: string;
};

export const invoiceProof: SubjectSpec = {
  entries: [1, 2],
  shape: (subject) =>
    typeof subject.period !== 'string' || typeof subject.invoiceHash !== 'string'
      ? 'subject: an invoice subject needs period and invoiceHash'
      : undefined,
  describe: (p) => {
    const subject = p.subject as unknown as InvoiceSubject;
    return `the ${subject.period} invoice ${short(subject.invoiceHash)}`;
  },
  checks: invoiceChecks,
};

function invoiceChecks(p: Proof, run: Run): void {
  const subject = p.subject as unknown as InvoiceSubject;
  const seller = p.agreement.genesis.seller.id;
  const buyer = p.agreement.genesis.buyer.id;
  const issued = p.entries[0]!.signed.entry;
  const body = asRecord(issued.body);
  run('invoice: issued', () => {
    if (issued.kind !== 'invoice.issued')
      return fail(`the first entry is ${String(issued.kind)}, not invoice.issued`);
    if (issued.author !== seller)
      return fail(`issued by ${String(issued.author)}, not by the seller ${seller}`);
    if (body === undefined || typeof body.period !== 'string') return fail('the issued entry has no period');
    return pass(`issued by the seller ${seller} as entry ${seller}/${issued.seq} for ${body.period}`);
  });
  run('invoice: hash', () => {
    if (body === undefined || !('invoice' in body)) return fail('the issued entry carries no invoice');
    const actual = hashJson(body.invoice as never);
    return actual === body.invoiceHash
      ? pass(`the invoice hashes to ${short(actual)}, as the issued entry says`)
      : fail(
          `the invoice hashes to ${short(actual)} but the issued entry says ${short(String(body.invoiceHash))} — the invoice's content (an amount, a line) or its hash was changed`,
        );
  });
  run('invoice: subject', () => {
    if (subject.invoiceHash !== body?.invoiceHash) {
      return fail(
        `the proof is about invoice ${short(String(subject.invoiceHash))} but the issued entry carries ${short(String(body?.invoiceHash))}`,
      );
    }
    if (subject.period !== body?.period) {
      return fail(
        `the proof is about period ${String(subject.period)} but the invoice is for ${String(body?.period)}`,
      );
    }
    return pass(`invoice ${short(subject.invoiceHash)} for ${subject.period}`);
  });
  const answer = p.entries[1]?.signed.entry;
  run('invoice: acceptance', () => {
    if (answer === undefined)
      return pass('no acceptance in this proof: it proves the invoice was issued, not that it was accepted');
    if (answer.kind !== 'invoice.accepted')
      return fail(`the second entry is ${String(answer.kind)}, not invoice.accepted`);
    if (answer.author !== buyer)
      return fail(`accepted by ${String(answer.author)}, not by the buyer ${buyer}`);
    const a = asRecord(answer.body);
    const ref = asRecord(a?.invoice);
    const issuedHash = hashEntry(issued);
    if (ref?.author !== issued.author || ref?.seq !== issued.seq || ref?.hash !== issuedHash) {
      return fail(
        `the acceptance refers to ${String(ref?.author)}/${String(ref?.seq)} (${short(String(ref?.hash))}), not to the issued entry ${String(issued.author)}/${issued.seq} (${short(issuedHash)})`,
      );
    }
    if (a?.invoiceHash !== body?.invoiceHash || a?.period !== body?.period) {
      return fail(
        `the acceptance is for invoice ${short(String(a?.invoiceHash))} of ${String(a?.period)}, not ${short(String(body?.invoiceHash))} of ${String(body?.period)}`,
      );
    }
    return pass(`accepted by the buyer ${buyer} in entry ${buyer}/${answer.seq}`);
  });
}
