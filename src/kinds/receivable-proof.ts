/**
 * What a proof of a receivable — the body of a financing package — checks,
 * beyond what every proof checks (src/ledger/proof.ts): that the invoice was
 * issued and accepted (invoice-proof.ts); that the package carries every
 * entry the Buyer's account is computed from, because they derive exactly
 * the agreed state both parties co-signed in the checkpoint; and that the
 * account the package states — the invoice's open amount, its disputes, the
 * Buyer's payment record — is what those entries give (account.ts).
 *
 *   subject: { kind: 'receivable', period, invoiceHash, pledgeKey, asOf,
 *              state: <the checkpoint's agreed state>, account: Account }
 *   entries: [invoice.issued, invoice.accepted, …every other fact, invoice,
 *             note, dispute, payment receipt and netting entry inside the
 *             checkpoint, in (author, seq) order]
 *
 * Design rationale:
 * - Completeness is what makes the payment record a proof: a Seller that
 *   left out a payment could offer a paid invoice, one that left out a
 *   dispute a contested one. The agreed state counts the entries of each
 *   kind an account uses (registry.ts), so the package's entries must
 *   derive that very state; one missing or one extra changes it.
 * - The pledge key is a keccak hash, which this layer does not compute: the
 *   verifier that knows the chain (`sb financing verify`) checks it.
 * - A paid or disputed invoice is no collateral: those checks fail, saying so.
 */
import { parseTerms } from '../core/index.ts';
import {
  canonicalBytes,
  fail,
  hashEntry,
  hashJson,
  type JsonValue,
  type Proof,
  pass,
  type Run,
  type SubjectSpec,
  short,
} from '../ledger/index.ts';
import { type Account, accountOf, minorOf } from './account.ts';
import { invoiceProof } from './invoice-proof.ts';
import type { HeldEntry } from './kind.ts';
import { agreedState, type SliceInput, type StateSlice } from './state.ts';

export type ReceivableSubject = {
  readonly kind: 'receivable';
  readonly period: string;
  readonly invoiceHash: string;
  /** `keccak256("sb-pledge:" ‖ invoiceHash)`: where its pledge is on the chain. */
  readonly pledgeKey: string;
  /** The day (billing zone) the account is computed as of. */
  readonly asOf: string;
  /** The agreed state whose hash the checkpoint carries. */
  readonly state: JsonValue;
  readonly account: Account;
};

/** The most entries a package may carry (a bilateral with more fact entries checkpoints more often). */
export const RECEIVABLE_MAX_ENTRIES = 200_000;

/** The receivable subject, checked against the agreed state of `stateSlices` (registry.ts). */
export const receivableProofOf = (stateSlices: readonly StateSlice[]): SubjectSpec => ({
  entries: [2, RECEIVABLE_MAX_ENTRIES],
  shape: (subject) => {
    for (const field of ['period', 'invoiceHash', 'pledgeKey', 'asOf']) {
      if (typeof subject[field] !== 'string') return `subject.${field}: expected text`;
    }
    if (subject.state === null || typeof subject.state !== 'object')
      return 'subject.state: expected an object';
    if (subject.account === null || typeof subject.account !== 'object')
      return 'subject.account: expected an object';
    return undefined;
  },
  describe: (p) => {
    const subject = p.subject as unknown as ReceivableSubject;
    return `the ${subject.period} invoice ${short(subject.invoiceHash)} as a receivable`;
  },
  checks: (p, run) => receivableChecks(p, run, stateSlices),
});

function receivableChecks(p: Proof, run: Run, stateSlices: readonly StateSlice[]): void {
  const subject = p.subject as unknown as ReceivableSubject;
  invoiceProof.checks(p, run);
  run('receivable: accepted', () =>
    p.entries[1]?.signed.entry.kind === 'invoice.accepted'
      ? pass('the buyer accepted the invoice')
      : fail('the package carries no acceptance by the buyer: only an accepted invoice is a receivable'),
  );
  run('receivable: state', () => {
    const actual = hashJson(subject.state);
    return actual === p.checkpoint.checkpoint.stateHash
      ? pass(`the stated agreed state is the one both parties co-signed (${short(actual)})`)
      : fail(
          `the stated agreed state hashes to ${short(actual)}, not to the checkpoint's ${short(p.checkpoint.checkpoint.stateHash)}`,
        );
  });
  const held: HeldEntry[] = p.entries.map((e) => ({ signed: e.signed, hash: hashEntry(e.signed.entry) }));
  run('receivable: complete', () => completeness(held, subject.state, stateSlices));
  run('receivable: account', () => {
    const terms = parseTerms(p.agreement.genesis.terms);
    const actual = accountOf(terms, held, subject.asOf, subject.period);
    const difference = firstDifference(
      subject.account as unknown as JsonValue,
      actual as unknown as JsonValue,
    );
    if (difference !== undefined) {
      return fail(
        `account.${difference.path}: the package says ${difference.stated} but the record gives ${difference.actual}`,
      );
    }
    const { onTime } = actual;
    return pass(
      `as of ${actual.asOf}: ${actual.invoice.open} ${actual.currency} open of ${actual.invoice.total}, due ${actual.invoice.dueDate}; paid on time ${onTime.paid} of ${onTime.due} invoices due (${onTime.ratio})`,
    );
  });
  run('receivable: not disputed', () => {
    const open = subject.account.invoice.openDisputes;
    return open === 0
      ? pass(`no dispute raised on ${subject.period} is open`)
      : fail(`${open} dispute(s) raised on ${subject.period} are open: the invoice is contested`);
  });
  run('receivable: open', () =>
    minorOf(subject.account.invoice.open) > 0n
      ? pass(`${subject.account.invoice.open} ${subject.account.currency} is open on it`)
      : fail(`nothing is open on the ${subject.period} invoice: it is paid or credited`),
  );
}

/** Whether `entries` derive exactly `state` (no entry twice, none of a kind an account does not use). */
function completeness(entries: readonly HeldEntry[], state: JsonValue, stateSlices: readonly StateSlice[]) {
  const seen = new Set<string>();
  const inputs = new Map<string, { count: number; entries: HeldEntry[] }>();
  for (const held of entries) {
    const { author, seq, kind } = held.signed.entry;
    const key = `${author}/${seq}`;
    if (seen.has(key)) return fail(`entry ${key} is carried twice`);
    seen.add(key);
    const slice = stateSlices.find((s) => s.kinds.includes(kind));
    if (slice === undefined) return fail(`entry ${key} is a ${kind}, which an account does not use`);
    const input = inputs.get(slice.name) ?? { count: 0, entries: [] };
    input.count++;
    input.entries.push(held);
    inputs.set(slice.name, input);
  }
  const derived = agreedState(stateSlices, inputs as ReadonlyMap<string, SliceInput>);
  const stated = (state ?? {}) as Record<string, JsonValue>;
  for (const slice of stateSlices) {
    const a = derived[slice.name];
    const b = stated[slice.name];
    if (bytes(a) !== bytes(b)) {
      return fail(
        slice.reads === 'count'
          ? `the record holds ${String(b ?? 0)} ${slice.name} entries but the package carries ${String(a ?? 0)}: the account would be computed from part of the record`
          : `the package's ${slice.name} differ from the record's: the account would be computed from part of the record`,
      );
    }
  }
  const extra = Object.keys(stated).find((name) => !stateSlices.some((s) => s.name === name));
  if (extra !== undefined) return fail(`the state names ${extra}, which this verifier does not know`);
  return pass(`the package carries all ${entries.length} entries the account is computed from`);
}

function bytes(value: JsonValue | undefined): string {
  return value === undefined ? '' : Buffer.from(canonicalBytes(value)).toString('hex');
}

/** The first place two JSON values differ, as a dotted path and both values in words. */
export function firstDifference(
  stated: unknown,
  actual: unknown,
  path = '',
): { path: string; stated: string; actual: string } | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObject(stated) && isObject(actual) && Array.isArray(stated) === Array.isArray(actual)) {
    for (const key of new Set([...Object.keys(actual), ...Object.keys(stated)])) {
      const inner = firstDifference(stated[key], actual[key], path === '' ? key : `${path}.${key}`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (stated === actual) return undefined;
  const word = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
  return { path, stated: word(stated), actual: word(actual) };
}
