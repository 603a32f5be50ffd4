/**
 * Facts: record a commercial fact (TERMS.md §2), or many at once, in this
 * party's stream and replicate them. Every fact is validated on its own and
 * then against the record: one that would make its service's history
 * impossible is refused before it is signed (`FACTS_INCONSISTENT`).
 */
import { BilateralError, type Fact, type FactRef, parseFact, ValidationError } from '../../core/index.ts';
import { authorIssue, FACTS_PER_ENTRY, factsOf } from '../../kinds/index.ts';
import type { JsonValue } from '../../ledger/index.ts';
import type { StoredEntry } from '../../store/index.ts';
import type { BilateralContext } from '../core/context.ts';
import type { NodeCore, OwnHeads } from '../core/node-core.ts';
import type { PushOutcome, Replication } from '../core/replication.ts';
import { FactIndex } from './fact-index.ts';

/**
 * What a recording waits for before it answers: `stored` — signed and durable
 * here, the push to the counterparty started but not awaited (its outcome is
 * then undefined); `replicated` — also the counterparty's acknowledgement.
 */
export type FactsWait = 'stored' | 'replicated';

/** How long a push for facts answered once stored waits for more of them: one round carries them all. */
const PUSH_PACE_MS = 25;

/** A check of facts about to be signed; throws a `BilateralError` naming the fact to refuse them. */
export type FactCheck = (context: BilateralContext, facts: readonly FactRef[]) => Promise<void>;

/** What an admission holds for facts about to be signed, until they are stored or not. */
export interface Hold {
  /** The facts were stored, under `refs` (in the order admitted). */
  confirm(id: string, refs: readonly string[]): void;
  /** They were not: what was held for them is let go. */
  release(): void;
}

/** A hold on nothing: what an admission answers for facts it has nothing to hold for. */
export const NO_HOLD: Hold = { confirm: () => {}, release: () => {} };

/** A last admission of facts before they are signed: `prepare` outside any serial turn, `admit` inside. */
export interface FactAdmission {
  prepare(): Promise<void>;
  admit(context: BilateralContext, facts: readonly FactRef[]): Promise<Hold>;
}

interface PendingFact {
  readonly fact: Fact;
  resolve(recorded: { entry: StoredEntry; ref: string }): void;
  reject(error: unknown): void;
}

export class Facts {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  /** Per bilateral: its facts by service, to check new facts against (fact-index.ts). */
  readonly #indexes = new Map<string, FactIndex>();
  /** Bilaterals whose push (for facts answered once stored) is due shortly. */
  readonly #pushSoon = new Set<string>();
  /** Per bilateral: single facts waiting for the next group commit. */
  readonly #groups = new Map<string, PendingFact[]>();
  /** Checks other capabilities add (statements: that a payment applies as recorded). */
  readonly #checks: FactCheck[] = [];
  #admission: FactAdmission | undefined;

  constructor(core: NodeCore, replication: Replication) {
    this.#core = core;
    this.#replication = replication;
  }

  /**
   * Sets the admission every fact passes last, before it is signed (the
   * resources capability: capacity). Unlike a check it holds what it admits
   * until the facts are stored (`Hold.confirm`) or not (`Hold.release`).
   */
  setAdmission(admission: FactAdmission): void {
    this.#admission = admission;
  }

  /** Adds a check every fact must pass, after its service's history, before it is signed. */
  addCheck(check: FactCheck): void {
    this.#checks.push(check);
  }

  /**
   * Records one fact and pushes it. Facts recorded one per request while
   * another write to the bilateral is under way are committed together
   * (group commit): one transaction, one signed entry — a `fact` entry when
   * alone, else a `facts` entry citing each as `author/seq#i` — and one push.
   * Each fact is still checked on its own: one that would make its service's
   * history impossible is refused (`FACTS_INCONSISTENT`) without its
   * neighbours. The answer names the entry and the fact's `ref`.
   */
  async record(
    id: string,
    fact: unknown,
    wait: FactsWait = 'replicated',
  ): Promise<{ entry: StoredEntry; ref: string; push: PushOutcome | undefined }> {
    const core = this.#core;
    const context = await core.context(id);
    const parsed = parseFact(fact, context.terms);
    await this.#admission?.prepare();
    const { entry, ref } = await new Promise<{ entry: StoredEntry; ref: string }>((resolve, reject) => {
      let group = this.#groups.get(id);
      if (group === undefined) {
        group = [];
        this.#groups.set(id, group);
        // The commit starts after this turn of the event loop: what arrives meanwhile joins it.
        setImmediate(() => void core.serially(id, () => this.#commit(context)));
      }
      group.push({ fact: parsed, resolve, reject });
    });
    return { entry, ref, push: await this.#push(id, wait) };
  }

  /** Pushes bilateral `id`; with `stored`, in the background (coalesced with concurrent pushes). */
  async #push(id: string, wait: FactsWait): Promise<PushOutcome | undefined> {
    if (wait === 'replicated') return this.#replication.push(id);
    if (!this.#pushSoon.has(id)) {
      this.#pushSoon.add(id);
      this.#core.schedule(async () => {
        await new Promise((resolve) => setTimeout(resolve, PUSH_PACE_MS));
        this.#pushSoon.delete(id);
        await this.#replication.push(id);
      });
    }
    return undefined;
  }

  /** Commits the facts waiting for bilateral `context` (runs in its serial turn). */
  async #commit(context: BilateralContext): Promise<void> {
    const group = this.#groups.get(context.id) ?? [];
    this.#groups.delete(context.id);
    try {
      // Read once: the index's refresh and the entry's seq, prev and seen all come from them.
      let heads = await this.#core.heads(context);
      const accepted = await this.#accepted(context, group, heads);
      for (let i = 0; i < accepted.length; i += FACTS_PER_ENTRY) {
        const chunk = accepted.slice(i, i + FACTS_PER_ENTRY);
        let hold: Hold;
        try {
          hold = await this.#admit(
            context,
            chunk.map((p) => p.fact),
          );
        } catch (error) {
          if (!(error instanceof BilateralError)) throw error;
          if (chunk.length === 1) {
            chunk[0]!.reject(error);
            continue;
          }
          // One refused among several: each alone, in order, after those stored before it.
          for (const pending of chunk) await this.#commitAlone(context, pending);
          heads = await this.#core.heads(context);
          continue;
        }
        heads = await this.#append(context, chunk, heads, hold);
      }
    } catch (error) {
      for (const pending of group) pending.reject(error);
    }
  }

  /** Signs and stores `chunk` as one entry after `heads` (admitted under `hold`); answers the new heads. */
  async #append(
    context: BilateralContext,
    chunk: readonly PendingFact[],
    heads: OwnHeads,
    hold: Hold,
  ): Promise<OwnHeads> {
    const core = this.#core;
    let entry: StoredEntry;
    let refs: string[];
    try {
      if (chunk.length === 1) {
        entry = await core.appendOwn(
          context,
          'fact',
          chunk[0]!.fact as unknown as JsonValue,
          undefined,
          heads,
        );
        refs = [`${entry.signed.entry.author}/${entry.signed.entry.seq}`];
      } else {
        const body = { facts: chunk.map((p) => p.fact) } as unknown as JsonValue;
        [entry] = (await core.appendOwnChecked(context, 'facts', [body], heads)) as [StoredEntry];
        const { author, seq } = entry.signed.entry;
        refs = chunk.map((_, index) => `${author}/${seq}#${index}`);
      }
    } catch (error) {
      hold.release();
      throw error;
    }
    hold.confirm(context.id, refs);
    this.#added(context, [entry]);
    for (const [i, pending] of chunk.entries()) pending.resolve({ entry, ref: refs[i]! });
    return { ...heads, own: { seq: entry.signed.entry.seq, hash: entry.hash } };
  }

  /** One fact on its own: checked against what is stored now, admitted, and stored as its own entry. */
  async #commitAlone(context: BilateralContext, pending: PendingFact): Promise<void> {
    try {
      const heads = await this.#core.heads(context);
      await this.#check(context, [{ ref: 'fact', fact: pending.fact }], heads);
      const hold = await this.#admit(context, [pending.fact]);
      await this.#append(context, [pending], heads, hold);
    } catch (error) {
      pending.reject(error);
    }
  }

  /** Admits facts about to be signed (resources: capacity), in order; throws the first refusal. */
  #admit(context: BilateralContext, facts: readonly Fact[]): Promise<Hold> {
    const refs = facts.map((fact, i) => ({ ref: `facts[${i}]`, fact }));
    return this.#admission?.admit(context, refs) ?? Promise.resolve(NO_HOLD);
  }

  /**
   * The waiting facts that keep every touched service's history possible, in
   * arrival order; the others are refused now. All together first (the usual
   * case, one check); when that fails, one by one against those before them.
   */
  async #accepted(
    context: BilateralContext,
    group: readonly PendingFact[],
    heads: OwnHeads,
  ): Promise<PendingFact[]> {
    const refs = (list: readonly PendingFact[]) => list.map((p, i) => ({ ref: `facts[${i}]`, fact: p.fact }));
    try {
      await this.#check(context, refs(group), heads);
      return [...group];
    } catch (error) {
      if (!(error instanceof BilateralError)) throw error;
    }
    const accepted: PendingFact[] = [];
    for (const pending of group) {
      try {
        await this.#check(context, [...refs(accepted), { ref: 'fact', fact: pending.fact }], heads);
        accepted.push(pending);
      } catch (error) {
        pending.reject(error);
      }
    }
    return accepted;
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
    wait: FactsWait = 'replicated',
  ): Promise<{ entries: StoredEntry[]; refs: string[]; push: PushOutcome | undefined }> {
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
    await this.#admission?.prepare();
    const entries = await core.serially(id, async () => {
      const heads = await core.heads(context);
      await this.#check(
        context,
        parsed.map((fact, index) => ({ ref: `facts[${index}]`, fact })),
        heads,
      );
      const bodies: JsonValue[] = [];
      for (let i = 0; i < parsed.length; i += FACTS_PER_ENTRY) {
        bodies.push({ facts: parsed.slice(i, i + FACTS_PER_ENTRY) } as unknown as JsonValue);
      }
      const hold = await this.#admit(context, parsed);
      let appended: StoredEntry[];
      try {
        appended = await core.appendOwnChecked(context, 'facts', bodies, heads);
      } catch (error) {
        hold.release();
        throw error;
      }
      hold.confirm(
        id,
        factsOf(appended).map((f) => f.ref),
      );
      this.#added(context, appended);
      return appended;
    });
    const refs = factsOf(entries).map((f) => f.ref);
    return { entries, refs, push: await this.#push(id, wait) };
  }

  /**
   * Throws `FACTS_INCONSISTENT` unless `facts` keep the histories of the
   * services they touch possible. `heads`: both streams' heads, read in this
   * serial turn (a stream the index has read up to its head costs no query).
   */
  async #check(context: BilateralContext, facts: readonly FactRef[], heads: OwnHeads): Promise<void> {
    const party = this.#core.party;
    // Who may record what (a payment is the Buyer's; only a fact's author corrects it), before
    // anything is signed: an entry the counterparty would refuse must never be made.
    for (const { ref, fact } of facts) {
      const issue = authorIssue(fact, party, context.buyer);
      if (issue !== undefined) {
        throw new ValidationError('FACT_INVALID', [
          { path: `${ref}.${issue.field}`, rule: issue.rule, value: fact[issue.field as keyof Fact] },
        ]);
      }
    }
    const index = this.#index(context);
    const counterparty = context.counterparty.id;
    await index.refresh(
      [party, counterparty],
      new Map([
        [party, heads.own?.seq ?? 0],
        [counterparty, heads.seen?.seq ?? 0],
      ]),
    );
    index.check(context.terms, facts);
    for (const check of this.#checks) await check(context, facts);
  }

  #index(context: BilateralContext): FactIndex {
    let index = this.#indexes.get(context.id);
    if (index === undefined) {
      index = new FactIndex(this.#core.store, context.id);
      this.#indexes.set(context.id, index);
    }
    return index;
  }

  /** Our entries just appended (in this serial turn), given to the index so it need not read them back. */
  #added(context: BilateralContext, entries: readonly StoredEntry[]): void {
    this.#index(context).added(entries);
  }
}
