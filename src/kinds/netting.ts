/**
 * Netting (core/netting-agreement.ts). Once a settlement statement standing
 * alone, or a round, is signed by everyone it needs, the Seller of each
 * bilateral it settles records `netting.settled` there: the agreement's hash
 * and time, what it settles in this bilateral (the items), and the signed
 * documents that say so — the co-signed statement between the two parties,
 * and for a round the round with every member's signature. Statements apply
 * the items at `at`, like a payment allocated to those invoices.
 *
 * The body check recomputes what it can without keys: the statement is one
 * `settlementStatement` builds, the hashes match, the statement is the
 * round's, and the items are exactly what the agreement settles here. The
 * signatures are checked by the nodes (they hold the keys) before they sign
 * or record anything.
 */
import {
  type NettingItem,
  type NettingRound,
  parseInstant,
  roundApplications,
  type SettlementStatement,
  settlementApplications,
  settlementStatement,
} from '../core/index.ts';
import { canonicalize, hashJson, type JsonValue } from '../ledger/index.ts';
import { type EntryKindSpec, HASH_TEXT, type HeldEntry, objectBody, requireText } from './kind.ts';

export interface SignedDocument<D> {
  readonly document: D;
  /** Party → its signature of the document (the `netting` signing domain). */
  readonly signatures: Readonly<Record<string, string>>;
}

export interface NettingSettledBody {
  readonly agreement: 'settlement' | 'round';
  /** The agreement's hash: the statement's when it stands alone, else the round's. */
  readonly hash: string;
  /** When it was agreed (its last signature). */
  readonly at: string;
  /** What it settles in this bilateral: invoices by period, and how much of each. */
  readonly items: readonly NettingItem[];
  readonly statement: SignedDocument<SettlementStatement>;
  readonly round?: SignedDocument<NettingRound>;
}

export const NETTING_KINDS: readonly string[] = ['netting.settled'];

function signatures(value: JsonValue | undefined, path: string, needed: readonly string[]): void {
  const o = objectBody(value ?? null, path);
  for (const party of needed) {
    if (typeof o[party] !== 'string' || !(o[party] as string).startsWith('sb2.')) {
      throw new Error(`${path}.${party}: expected its signature`);
    }
  }
}

function same(a: unknown, b: unknown): boolean {
  return canonicalize(a as JsonValue) === canonicalize(b as JsonValue);
}

export const nettingSettledKind: EntryKindSpec = {
  kind: 'netting.settled',
  author: 'seller',
  validate(body, { terms, seller, buyer, bilateral }) {
    const o = objectBody(body, 'netting.settled');
    if (o.agreement !== 'settlement' && o.agreement !== 'round') {
      throw new Error('agreement: expected settlement or round');
    }
    requireText(o, 'hash', HASH_TEXT);
    if (typeof o.at !== 'string' || parseInstant(o.at) === undefined)
      throw new Error('at: expected an instant');
    const signed = objectBody(o.statement ?? null, 'statement');
    const document = objectBody(
      signed.document ?? null,
      'statement.document',
    ) as unknown as SettlementStatement;
    let statement: SettlementStatement;
    try {
      statement = settlementStatement({
        parties: document.parties,
        currency: document.currency,
        period: document.period,
        asOf: document.asOf,
        round: document.round,
        legs: document.bilaterals,
      });
    } catch (error) {
      throw new Error(`statement.document: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!same(statement, document))
      throw new Error('statement.document: not a settlement statement as computed');
    if (statement.currency !== terms.currency)
      throw new Error(`statement.document.currency: expected ${terms.currency}`);
    const leg = statement.bilaterals.find((l) => l.bilateral === bilateral);
    if (leg === undefined || leg.seller !== seller || leg.buyer !== buyer) {
      throw new Error(
        'statement.document.bilaterals: does not list this bilateral with its seller and buyer',
      );
    }
    signatures(signed.signatures, 'statement.signatures', statement.parties);
    let settles: NettingItem[] | undefined;
    if (o.agreement === 'settlement') {
      if (statement.round !== null)
        throw new Error('statement.document.round: a statement inside a round settles nothing by itself');
      if (hashJson(document as unknown as JsonValue) !== o.hash)
        throw new Error('hash: not the statement’s hash');
      settles = settlementApplications(statement).get(bilateral ?? '');
    } else {
      const round = objectBody(o.round ?? null, 'round');
      const doc = objectBody(round.document ?? null, 'round.document') as unknown as NettingRound;
      if (hashJson(doc as unknown as JsonValue) !== o.hash) throw new Error('hash: not the round’s hash');
      if (doc.type !== 'netting.round' || doc.id !== statement.round) {
        throw new Error('round.document: not the round the statement names');
      }
      const statementHash = hashJson(document as unknown as JsonValue);
      if (!Array.isArray(doc.statements) || !doc.statements.some((s) => s.hash === statementHash)) {
        throw new Error('round.document.statements: does not include the statement');
      }
      if (!Array.isArray(doc.members)) throw new Error('round.document.members: expected an array');
      signatures(round.signatures, 'round.signatures', doc.members);
      settles = roundApplications([statement]).get(bilateral ?? '');
    }
    if (settles === undefined || !same(settles, o.items)) {
      throw new Error('items: not what the agreement settles in this bilateral');
    }
  },
};

/** The `netting.settled` entries among `entries`, first agreement first (one per agreement hash). */
export function nettingSettlementsOf(
  entries: readonly HeldEntry[],
): { readonly ref: string; readonly body: NettingSettledBody }[] {
  const seen = new Set<string>();
  const out: { ref: string; body: NettingSettledBody }[] = [];
  for (const held of entries) {
    const { kind, body, author, seq } = held.signed.entry;
    if (kind !== 'netting.settled') continue;
    const b = body as unknown as NettingSettledBody;
    if (seen.has(b.hash)) continue;
    seen.add(b.hash);
    out.push({ ref: `${author}/${seq}`, body: b });
  }
  return out;
}
