/**
 * The facts of one bilateral's record, grouped by service and kept in memory,
 * so a node can check that facts it is about to sign leave every service they
 * touch with a history that could have happened (ordered once, activated
 * after the order, no outage of a service never ordered, usage ids unique, …
 * — the rules `buildHistories` applies when rating). Without the check a
 * single bad fact would be signed, replicated, and then make every invoice
 * of the bilateral fail with `FACTS_INCONSISTENT`.
 *
 * Design rationale:
 * - The index reads only the fact entries stored since its last look (per
 *   author, by seq). Refreshes run one at a time, so two callers never add
 *   the same entry twice.
 * - It keeps a service's lifecycle facts (ordered, activated, modified,
 *   terminated) and only the ids of usage facts. Events (outages, boosts,
 *   usage) are valid or not by the lifecycle alone — the service was
 *   ordered, its offering has the plan or metric — and no rule relates two
 *   events. So a request is checked against the lifecycle of the services
 *   it touches plus its own facts: a few facts, however many thousands of
 *   events the record holds.
 */
import {
  activeAt,
  applyCorrections,
  buildHistories,
  type FactRef,
  formatInstant,
  inconsistent,
  isServiceFact,
  parseInstant,
  serviceLives,
  type Terms,
} from '../../core/index.ts';
import { FACT_KINDS, factsOf } from '../../kinds/index.ts';
import type { Store, StoredEntry } from '../../store/index.ts';

const LIFECYCLE: ReadonlySet<string> = new Set([
  'service.ordered',
  'service.activated',
  'service.modified',
  'service.terminated',
]);

export class FactIndex {
  readonly #store: Store;
  readonly #bilateral: string;
  /** Per service: its lifecycle facts. */
  readonly #lifecycles = new Map<string, FactRef[]>();
  /** Usage fact id → the ref that recorded it (ids are unique across services). */
  readonly #usageIds = new Map<string, string>();
  /** Payment id → the ref that recorded it (a payment is cited by its id on statements). */
  readonly #paymentIds = new Map<string, string>();
  /** Every fact but usage, by ref: what a correction may cite. */
  readonly #byRef = new Map<string, FactRef>();
  /** Corrected ref → the ref of its correction. */
  readonly #corrected = new Map<string, string>();
  /** Per author: the last seq read. */
  readonly #read = new Map<string, number>();
  #refreshing: Promise<void> = Promise.resolve();

  constructor(store: Store, bilateral: string) {
    this.#store = store;
    this.#bilateral = bilateral;
  }

  /**
   * Reads the `authors`' fact entries stored since the last refresh. Given
   * the streams' `heads` (seq by author, read by the caller), an author
   * already read up to its head costs no query, and one behind is read up to
   * its head only.
   */
  refresh(authors: readonly string[], heads?: ReadonlyMap<string, number>): Promise<void> {
    const next = this.#refreshing.then(() => this.#refreshOnce(authors, heads));
    this.#refreshing = next.catch(() => undefined);
    return next;
  }

  async #refreshOnce(
    authors: readonly string[],
    heads: ReadonlyMap<string, number> | undefined,
  ): Promise<void> {
    for (const author of authors) {
      const after = this.#read.get(author) ?? 0;
      const head = heads?.get(author);
      if (head !== undefined && head <= after) continue;
      const entries = await this.#store.listEntries(this.#bilateral, {
        author,
        kinds: FACT_KINDS,
        fromSeq: after + 1,
        ...(head === undefined ? {} : { toSeq: head }),
      });
      for (const item of factsOf(entries)) this.#add(item);
      const last = head ?? entries.at(-1)?.signed.entry.seq;
      if (last !== undefined) this.#read.set(author, last);
    }
  }

  /**
   * Takes entries just appended to a stream (by this node, in order) without
   * reading them back; entries that do not follow what was read are left for
   * the next refresh to read.
   */
  added(entries: readonly StoredEntry[]): void {
    const first = entries[0]?.signed.entry;
    if (first === undefined || first.seq !== (this.#read.get(first.author) ?? 0) + 1) return;
    const facts = entries.filter((e) => (FACT_KINDS as readonly string[]).includes(e.signed.entry.kind));
    for (const item of factsOf(facts)) this.#add(item);
    this.#read.set(first.author, entries.at(-1)!.signed.entry.seq);
  }

  #add(item: FactRef): void {
    const { fact } = item;
    if (fact.corrects !== undefined && !this.#corrected.has(fact.corrects))
      this.#corrected.set(fact.corrects, item.ref);
    if (fact.type !== 'usage') this.#byRef.set(item.ref, item);
    if (fact.type === 'usage') {
      if (!this.#usageIds.has(fact.id)) this.#usageIds.set(fact.id, item.ref);
      return;
    }
    if (fact.type === 'payment') {
      if (!this.#paymentIds.has(fact.id)) this.#paymentIds.set(fact.id, item.ref);
      return;
    }
    if (!LIFECYCLE.has(fact.type)) return;
    const list = this.#lifecycles.get(fact.service);
    if (list === undefined) this.#lifecycles.set(fact.service, [item]);
    else list.push(item);
  }

  /**
   * Throws `FACTS_INCONSISTENT` (naming the ref and the rule) when `facts`,
   * added to the facts read so far, would make a service's history
   * impossible. Refresh first.
   */
  check(terms: Terms, facts: readonly FactRef[]): void {
    const payments = new Map<string, string>();
    for (const { ref, fact } of facts) {
      if (fact.type === 'payment') {
        const first = this.#paymentIds.get(fact.id) ?? payments.get(fact.id);
        if (first !== undefined)
          throw inconsistent(ref, '', `payment id ${fact.id} was already recorded at ${first}`);
        payments.set(fact.id, ref);
      }
      if (fact.type !== 'usage') continue;
      const first = this.#usageIds.get(fact.id);
      if (first !== undefined)
        throw inconsistent(ref, fact.service, `usage id ${fact.id} was already recorded at ${first}`);
    }
    const about = facts.filter(isServiceFact);
    const services = new Set(about.map((f) => f.fact.service));
    const recorded = [...services].flatMap((service) => this.#lifecycles.get(service) ?? []);
    // A corrected fact that is not a lifecycle fact is added so the correction finds what it replaces.
    const cited: FactRef[] = [];
    for (const { ref, fact } of facts) {
      if (fact.corrects === undefined) continue;
      const earlier = this.#corrected.get(fact.corrects);
      if (earlier !== undefined) {
        throw inconsistent(
          ref,
          'service' in fact ? fact.service : '',
          `corrects ${fact.corrects}: already corrected by ${earlier}`,
        );
      }
      const target = this.#byRef.get(fact.corrects);
      if (target !== undefined && !recorded.includes(target)) cited.push(target);
    }
    buildHistories(terms, [...recorded, ...cited, ...facts]);
    // Usage outside its service's active life is refused here by the usage
    // importer's own rule (`activeAt`: `[activation, termination)`), so usage
    // is held to one rule via /facts or /usage.
    const lives = serviceLives(applyCorrections([...recorded, ...cited, ...facts]).map((f) => f.fact));
    for (const { ref, fact } of about) {
      if (fact.type !== 'usage') continue;
      const life = lives.get(fact.service);
      const at = parseInstant(fact.at);
      if (life === undefined || at === undefined) continue;
      if (life.from === undefined)
        throw inconsistent(
          ref,
          fact.service,
          `usage at ${fact.at}: service ${fact.service} was never activated`,
        );
      if (!activeAt(life, at)) {
        const until = life.to === undefined ? '' : ` until ${formatInstant(life.to)}`;
        const span = `from ${formatInstant(life.from)}${until}`;
        throw inconsistent(ref, fact.service, `usage at ${fact.at}: outside the active life (${span})`);
      }
    }
  }
}
