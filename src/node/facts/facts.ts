/**
 * Facts: record a commercial fact (TERMS.md §2), or many at once, in this
 * party's stream and replicate them. Every fact is validated on its own and
 * then against the record: one that would make its service's history
 * impossible is refused before it is signed (`FACTS_INCONSISTENT`).
 */
import { type FactRef, parseFact, ValidationError } from '../../core/index.ts';
import { FACTS_PER_ENTRY, factsOf } from '../../kinds/index.ts';
import type { JsonValue } from '../../ledger/index.ts';
import type { StoredEntry } from '../../store/index.ts';
import type { BilateralContext } from '../core/context.ts';
import type { NodeCore } from '../core/node-core.ts';
import type { PushOutcome, Replication } from '../core/replication.ts';
import { FactIndex } from './fact-index.ts';

export class Facts {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  /** Per bilateral: its facts by service, to check new facts against (fact-index.ts). */
  readonly #indexes = new Map<string, FactIndex>();

  constructor(core: NodeCore, replication: Replication) {
    this.#core = core;
    this.#replication = replication;
  }

  /** Records one fact as one `fact` entry and pushes it. */
  async record(id: string, fact: unknown): Promise<{ entry: StoredEntry; push: PushOutcome }> {
    const core = this.#core;
    const context = await core.context(id);
    const parsed = parseFact(fact, context.terms);
    const entry = await core.serially(id, async () => {
      await this.#check(context, [{ ref: 'fact', fact: parsed }]);
      return core.appendOwn(context, 'fact', parsed as unknown as JsonValue);
    });
    return { entry, push: await this.#replication.push(id) };
  }

  /**
   * Records many facts at once, in order, as `facts` entries of up to
   * FACTS_PER_ENTRY facts each (fact i of entry seq is referenced as
   * `author/seq#i`). All are validated first, each on its own and then
   * together with the record: one invalid fact (named by its index) records
   * none.
   */
  async recordMany(
    id: string,
    facts: readonly unknown[],
  ): Promise<{ entries: StoredEntry[]; refs: string[]; push: PushOutcome }> {
    const core = this.#core;
    const context = await core.context(id);
    if (facts.length === 0)
      throw new ValidationError('FACT_INVALID', [{ path: '', rule: 'expected at least one fact' }]);
    const parsed = facts.map((fact, index) => {
      try {
        return parseFact(fact, context.terms);
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new ValidationError(
            error.code,
            error.issues.map((issue) => ({
              ...issue,
              path: `[${index}]${issue.path === '' ? '' : `.${issue.path}`}`,
            })),
          );
        }
        throw error;
      }
    });
    // One `facts` entry per FACTS_PER_ENTRY facts: one signature and one
    // verification per entry, not per fact; all stored in one transaction.
    const entries = await core.serially(id, async () => {
      await this.#check(
        context,
        parsed.map((fact, index) => ({ ref: `facts[${index}]`, fact })),
      );
      const bodies: JsonValue[] = [];
      for (let i = 0; i < parsed.length; i += FACTS_PER_ENTRY) {
        bodies.push({ facts: parsed.slice(i, i + FACTS_PER_ENTRY) } as unknown as JsonValue);
      }
      return core.appendOwnChecked(context, 'facts', bodies);
    });
    const refs = factsOf(entries).map((f) => f.ref);
    return { entries, refs, push: await this.#replication.push(id) };
  }

  /** Throws `FACTS_INCONSISTENT` unless `facts` keep the histories of the services they touch possible. */
  async #check(context: BilateralContext, facts: readonly FactRef[]): Promise<void> {
    let index = this.#indexes.get(context.id);
    if (index === undefined) {
      index = new FactIndex(this.#core.store, context.id);
      this.#indexes.set(context.id, index);
    }
    await index.refresh([this.#core.party, context.counterparty.id]);
    index.check(context.terms, facts);
  }
}
