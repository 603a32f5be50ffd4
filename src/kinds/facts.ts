/**
 * `fact` and `facts` entries: the commercial facts of TERMS.md §2. A `fact`
 * body is one fact; a `facts` body is `{ facts: [...] }`, up to
 * FACTS_PER_ENTRY of them (one signature and one verification per entry, not
 * per fact). Either party may record facts, but a `payment` only the Buyer
 * (TERMS.md §6). Fact i of entry seq is cited as `author/seq#i`; a lone fact
 * as `author/seq`.
 *
 * Their slice of the agreed state is only how many fact-bearing entries there
 * are: which facts they are is what the checkpoint's record root commits to.
 */
import { type Fact, type FactRef, parseFact } from '../core/index.ts';
import type { JsonValue } from '../ledger/index.ts';
import { type Basis, type EntryKindSpec, type HeldEntry, type KindContext, objectBody } from './kind.ts';
import type { StateSlice } from './state.ts';

/** At most this many facts in one `facts` entry (a larger request is split over several). */
export const FACTS_PER_ENTRY = 1000;

/** Entry kinds whose body carries facts: `fact` one, `facts` several. */
export const FACT_KINDS: readonly string[] = ['fact', 'facts'];

export const factKind: EntryKindSpec = {
  kind: 'fact',
  author: 'either',
  validate(body, context) {
    byItsAuthor(parseFact(body, context.terms), context);
  },
};

export const factsKind: EntryKindSpec = {
  kind: 'facts',
  author: 'either',
  validate(body, context) {
    const { terms } = context;
    const list = objectBody(body, 'facts').facts;
    if (!Array.isArray(list) || list.length === 0 || list.length > FACTS_PER_ENTRY) {
      throw new Error(`facts: expected an array of 1 to ${FACTS_PER_ENTRY} facts`);
    }
    list.forEach((fact, i) => {
      try {
        byItsAuthor(parseFact(fact, terms), context);
      } catch (error) {
        throw new Error(`facts[${i}]: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    if (Object.keys(body as object).length !== 1) throw new Error('facts: the body holds only `facts`');
  },
};

/** Throws unless the entry's author may record `fact`: a payment is the Buyer's. */
function byItsAuthor(fact: Fact, context: KindContext): void {
  const issue = authorIssue(fact, context.author, context.buyer);
  if (issue !== undefined) throw new Error(`${issue.field}: ${issue.rule}`);
}

/**
 * Why `author` may not record `fact` in a bilateral whose Buyer is `buyer`
 * (a payment is the Buyer's; a fact is corrected only by its own author), or
 * undefined. The node checks it before signing, however the fact arrives.
 */
export function authorIssue(
  fact: Fact,
  author: string,
  buyer: string,
): { field: 'type' | 'corrects'; rule: string } | undefined {
  if (fact.type === 'payment' && author !== buyer) {
    return { field: 'type', rule: 'a payment is recorded by the Buyer only' };
  }
  if (fact.corrects !== undefined && !fact.corrects.startsWith(`${author}/`)) {
    return { field: 'corrects', rule: 'a fact is corrected only by its own author' };
  }
  return undefined;
}

/** The facts recorded in the streams, limited to each stream's head in `basis` when given. */
export function factsOf(entries: readonly HeldEntry[], basis?: Basis): FactRef[] {
  const facts: FactRef[] = [];
  for (const held of entries) {
    const { author, seq, kind, body } = held.signed.entry;
    if (!FACT_KINDS.includes(kind)) continue;
    if (basis !== undefined) {
      const head = basis[author];
      if (head === undefined || head === null || seq > head.seq) continue;
    }
    if (kind === 'fact') {
      facts.push({ ref: `${author}/${seq}`, fact: body as unknown as Fact });
      continue;
    }
    const many = (body as unknown as { facts: Fact[] }).facts;
    for (let i = 0; i < many.length; i++) facts.push({ ref: `${author}/${seq}#${i}`, fact: many[i]! });
  }
  return facts;
}

/** `facts` in the agreed state: the count of fact-bearing entries (always present). */
export const factsSlice: StateSlice = {
  name: 'facts',
  kinds: FACT_KINDS,
  reads: 'count',
  derive: (count): JsonValue => count,
};
