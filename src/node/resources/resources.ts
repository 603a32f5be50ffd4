/**
 * Resources: the pools a Seller's node gives out, and the admission of the
 * facts that draw on them.
 *
 * - Pools are declared by the node's operator, node-wide (across every
 *   bilateral it sells in): capacity in a unit, VLAN ID ranges on a port, an
 *   IP prefix (pool-spec.ts). A pool keeps its kind; a capacity pool may be
 *   given a new capacity.
 * - Every fact this node is about to sign as a Seller is admitted first: an
 *   order, modification or boost that would make its pool's use exceed its
 *   capacity at any instant of the window it draws more in is refused
 *   (`CAPACITY_EXCEEDED`, naming the pool, the window and the shortfall)
 *   before it is signed. What services draw is derived from the record
 *   (capacity-book.ts), so nothing about it is stored beside the entries.
 * - `availability(pool, from, to)` answers how much is free at the busiest
 *   instant of a window: the check before ordering.
 */
import {
  type FactRef,
  formatCapacity,
  formatInstant,
  parseCapacity,
  parseFact,
  parseInstant,
  ValidationError,
} from '../../core/index.ts';
import { canonicalize, type JsonValue } from '../../ledger/index.ts';
import type { ResourcePoolRecord } from '../../store/index.ts';
import type { BilateralContext } from '../core/context.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import { type FactAdmission, type Hold, NO_HOLD } from '../facts/facts.ts';
import { CapacityBook, type CapacityPool, DRAWING } from './capacity-book.ts';
import { checkPoolDeclaration } from './pool-spec.ts';
import { type UniqueChain, UniqueResources } from './unique.ts';

export type PoolView = ResourcePoolRecord;

/** What a pool has given out (`holdings`). */
export type Holdings =
  | {
      readonly pool: string;
      readonly kind: 'capacity';
      readonly services: readonly {
        readonly bilateral: string;
        readonly service: string;
        readonly draws: readonly { from: string; to: string | null; amount: string; unit: string }[];
      }[];
    }
  | {
      readonly pool: string;
      readonly kind: 'vlan' | 'prefix';
      readonly resources: readonly { resource: string; bilateral: string; service: string }[];
    };

export interface Availability {
  readonly pool: string;
  readonly unit: string;
  readonly capacity: string;
  readonly from: string;
  readonly to: string | null;
  /** The most in use at any instant of the window. */
  readonly peak: string;
  /** Capacity less the peak: what one more service could draw throughout the window (negative when overbooked). */
  readonly free: string;
}

/** What the Seller admitted for the Buyer's node: its facts (canonical JSON) and the hold on them. */
interface PeerHold {
  readonly facts: string[];
  readonly hold: Hold;
  timer?: NodeJS.Timeout;
}

/** How long the Seller holds what it admitted for the Buyer's node before the Buyer's entry arrives. */
export const PEER_HOLD_MS = 60_000;
/** Most facts one admission request of the Buyer's node may carry. */
const MAX_PEER_FACTS = 1000;

export class Resources implements FactAdmission {
  readonly #core: NodeCore;
  readonly #book: CapacityBook;
  /** Declared pools by id, read from the store once. */
  #pools: Map<string, ResourcePoolRecord> | undefined;
  /** The first reading of every bilateral this node sells in; then each is kept up to date. */
  #loading: Promise<void> | undefined;
  #loaded = false;
  /** Per bilateral: what this node (as Seller) admitted for the Buyer's node, until its entry arrives. */
  readonly #peerHolds = new Map<string, PeerHold[]>();
  readonly #unique: UniqueResources;

  constructor(core: NodeCore) {
    this.#core = core;
    this.#unique = new UniqueResources(core.log, core.store, () => core.now());
    this.#book = new CapacityBook(core.store, (id) => this.#capacityPool(id));
    // The counterparty's facts draw too: counted once stored (never refused: they are signed).
    const received = (id: string) =>
      core.schedule(async () => {
        const context = await core.context(id);
        // What we held for the Buyer's facts gives way to the facts themselves, once stored.
        if (this.#sells(context) && this.#loaded) await core.serially(id, () => this.#sync(context));
      });
    core.onReceived('fact', received);
    core.onReceived('facts', received);
  }

  // ── pools ─────────────────────────────────────────────────────────────────

  /** Declares pool `id` (or gives it a new spec of the same kind). */
  async declare(id: string, body: unknown): Promise<PoolView> {
    const { kind, spec } = checkPoolDeclaration(id, body);
    const pools = await this.#poolMap();
    const now = this.#core.now().toISOString();
    const held = pools.get(id);
    if (held !== undefined && held.kind !== kind) {
      throw new NodeError(
        'POOL_KIND_CHANGED',
        `pool ${id} is a ${held.kind} pool; it cannot become a ${kind} pool`,
        {
          details: { pool: id, kind: held.kind },
        },
      );
    }
    const record: ResourcePoolRecord = { id, kind, spec, createdAt: held?.createdAt ?? now, updatedAt: now };
    await this.#core.store.putResourcePool(record);
    pools.set(id, record);
    return record;
  }

  async list(): Promise<PoolView[]> {
    return [...(await this.#poolMap()).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async get(id: string): Promise<PoolView> {
    const pool = (await this.#poolMap()).get(id);
    if (pool === undefined) throw new NodeError('NOT_FOUND', `no resource pool ${id}`);
    return pool;
  }

  /** How much of capacity pool `id` is free at the busiest instant of `[from, to)` (`to` absent: from `from` on). */
  async availability(id: string, from: unknown, to: unknown): Promise<Availability> {
    const pool = await this.get(id);
    const issues = [];
    const start = parseInstant(from);
    if (start === undefined)
      issues.push({ path: 'from', rule: 'expected an RFC 3339 UTC time', value: from });
    const end = to === undefined ? null : parseInstant(to);
    if (end === undefined) issues.push({ path: 'to', rule: 'expected an RFC 3339 UTC time', value: to });
    else if (end !== null && start !== undefined && end <= start)
      issues.push({ path: 'to', rule: 'expected a time after from', value: to });
    if (issues.length > 0) throw new ValidationError('POOL_INVALID', issues);
    const capacity = this.#capacityPool(id);
    if (capacity === undefined) {
      throw new NodeError(
        'POOL_UNKNOWN',
        `pool ${id} is a ${pool.kind} pool: it holds unique resources, not capacity`,
        {
          details: { pool: id },
        },
      );
    }
    // Current without reading the record: our admissions move the timelines as they hold, and the
    // counterparties' facts are counted as they arrive.
    await this.prepare();
    const peak = this.#book.timeline(id).peak(start!, end ?? null);
    return {
      pool: id,
      unit: capacity.unit,
      capacity: formatCapacity(capacity.capacity),
      from: formatInstant(start!),
      to: end === null ? null : formatInstant(end!),
      peak: formatCapacity(peak),
      free: formatCapacity(capacity.capacity - peak),
    };
  }

  /**
   * What pool `id` has given out: for a capacity pool each service drawing on
   * it and what it draws when; for a VLAN or prefix pool each resource held
   * by a live service.
   */
  async holdings(id: string): Promise<Holdings> {
    const pool = await this.get(id);
    await this.prepare();
    if (pool.kind === 'capacity') {
      const unit = (pool.spec as { unit: string }).unit;
      return {
        pool: id,
        kind: pool.kind,
        services: this.#book.drawing(id).map(({ bilateral, service, demand }) => ({
          bilateral,
          service,
          draws: demand.map((d) => ({
            from: formatInstant(d.from),
            to: d.to === null ? null : formatInstant(d.to),
            amount: formatCapacity(d.amount),
            unit,
          })),
        })),
      };
    }
    return { pool: id, kind: pool.kind, resources: this.#unique.heldWith(`${pool.kind}:${id}:`) };
  }

  // ── admission ─────────────────────────────────────────────────────────────

  /**
   * Readies admissions: reads the pools, and the record of every bilateral
   * this node sells in, once. Call outside any bilateral's serial turn
   * (it takes each of them in turn).
   */
  async prepare(): Promise<void> {
    if (this.#loaded) return;
    await this.#poolMap();
    this.#loading ??= this.#syncAll()
      // What a kill between a chain commitment and its order left behind is released, once the record is read.
      .then(() =>
        this.#unique.recover().catch((error: unknown) => {
          this.#core.log(`resource claims not recovered (next start tries again): ${String(error)}`);
        }),
      )
      .then(() => {
        this.#loaded = true;
      });
    await this.#loading;
  }

  /**
   * Admits facts this node is about to sign in bilateral `context` (call in
   * its serial turn): as its Seller, each fact's draw on its pool is added
   * and checked; as its Buyer, nothing is checked here. Throws the first
   * refusal; answers a hold to confirm once the facts are stored, or release.
   */
  async admit(context: BilateralContext, facts: readonly FactRef[]): Promise<Hold> {
    if (!facts.some((f) => DRAWING.has(f.fact.type))) return NO_HOLD;
    if (!this.#sells(context)) {
      // The pools are the Seller's: its node admits what we are about to sign, or refuses it.
      if (!context.terms.offerings.some((o) => o.capacity !== undefined)) return NO_HOLD;
      // A termination only frees capacity: it needs nobody's word, and goes ahead with the Seller away.
      const raising = facts.filter((f) => f.fact.type !== 'service.terminated');
      if (raising.length === 0) return NO_HOLD;
      try {
        await this.#core.toCounterparty(context, 'POST', `/peer/bilaterals/${context.id}/admissions`, {
          facts: raising.map((f) => f.fact),
        });
      } catch (error) {
        const details = error instanceof NodeError ? error.details : undefined;
        if (details?.peerCode !== 'CAPACITY_EXCEEDED' && details?.peerCode !== 'POOL_UNKNOWN') throw error;
        throw new NodeError(
          details.peerCode,
          `the Seller's node refused it: ${String(details.peerMessage)}`,
          {
            details: (details.peerDetails ?? {}) as Record<string, unknown>,
          },
        );
      }
      return NO_HOLD;
    }
    if (!this.#loaded) throw new Error('resources: admit before prepare');
    await this.#sync(context);
    const capacity = this.#book.admit(context, facts);
    let unique: Hold;
    try {
      unique = await this.#unique.admit(context, facts, await this.#poolMap());
    } catch (error) {
      capacity.release();
      throw error;
    }
    return {
      confirm: (id, refs) => {
        capacity.confirm(id, refs);
        unique.confirm(id, refs);
      },
      release: () => {
        capacity.release();
        unique.release();
      },
    };
  }

  /** Commits unique resources on `chain` from now on (none attached: this node's record only). */
  attachChain(chain: UniqueChain | undefined): void {
    this.#unique.attachChain(chain);
    // Read the record now, so claims a kill left are released at start, not at the first order.
    if (chain !== undefined) {
      void this.prepare().catch((error: unknown) => this.#core.log(`resources not loaded: ${String(error)}`));
    }
  }

  /** Who holds unique resource `name` on this node: its bilateral and service, if anyone. */
  holderOf(name: string): { bilateral: string; service: string } | undefined {
    return this.#unique.holderOf(name);
  }

  #sells(context: BilateralContext): boolean {
    return context.seller === this.#core.party;
  }

  /**
   * As the Seller, admits facts the Buyer's node is about to sign (a boost it
   * records): held for PEER_HOLD_MS or until the Buyer's entry carrying them
   * arrives, whichever is first. Throws the refusal, as for our own facts.
   */
  async admitFor(id: string, from: string, body: unknown): Promise<{ admitted: number }> {
    const context = await this.#core.context(id);
    if (!this.#sells(context) || from !== context.buyer) {
      throw new NodeError('NOT_PERMITTED', 'only the Buyer of a bilateral asks its Seller to admit facts');
    }
    const list = (body as { facts?: unknown } | null)?.facts;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_PEER_FACTS) {
      throw new ValidationError('FACT_INVALID', [
        { path: 'facts', rule: `expected an array of 1 to ${MAX_PEER_FACTS} facts` },
      ]);
    }
    const facts = list.map((fact, i) => ({ ref: `facts[${i}]`, fact: parseFact(fact, context.terms) }));
    await this.prepare();
    await this.#core.serially(id, async () => {
      await this.#sync(context);
      let hold: Hold;
      try {
        hold = this.#book.admit(context, facts);
      } catch (error) {
        // The Buyer learns which fact and window, not the pool's capacity or what others draw from it.
        if (!(error instanceof NodeError) || error.code !== 'CAPACITY_EXCEEDED') throw error;
        const { ref, service, pool, from: start, to } = error.details as Record<string, unknown>;
        throw new NodeError(
          'CAPACITY_EXCEEDED',
          `${String(ref)}: pool ${String(pool)} cannot take it in [${String(start)}, ${String(to ?? '…')})`,
          { details: { ref, service, pool, from: start, to } },
        );
      }
      const held: PeerHold = { facts: facts.map((f) => canonicalize(f.fact as unknown as JsonValue)), hold };
      held.timer = setTimeout(() => this.#dropHold(id, held), PEER_HOLD_MS);
      held.timer.unref();
      const holds = this.#peerHolds.get(id) ?? [];
      holds.push(held);
      this.#peerHolds.set(id, holds);
    });
    return { admitted: facts.length };
  }

  /** Releases each hold all of whose facts are among `stored` (just read from the record). */
  #settleHolds(id: string, stored: readonly FactRef[]): void {
    const holds = this.#peerHolds.get(id);
    if (holds === undefined || stored.length === 0) return;
    const seen = new Map<string, number>();
    for (const f of stored) {
      const key = canonicalize(f.fact as unknown as JsonValue);
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const held of [...holds]) {
      const need = new Map<string, number>();
      for (const key of held.facts) need.set(key, (need.get(key) ?? 0) + 1);
      if ([...need].every(([key, n]) => (seen.get(key) ?? 0) >= n)) {
        for (const [key, n] of need) seen.set(key, seen.get(key)! - n);
        this.#dropHold(id, held);
      }
    }
  }

  /** Lets go of a hold (its facts arrived, or its time ran out): what it held is released. */
  #dropHold(id: string, held: PeerHold): void {
    clearTimeout(held.timer);
    const holds = this.#peerHolds.get(id) ?? [];
    const at = holds.indexOf(held);
    if (at < 0) return;
    holds.splice(at, 1);
    held.hold.release();
  }

  /**
   * Reads what the record of `context` holds beyond what was read: the
   * Buyer's facts we held for give way to the facts themselves, orders hold
   * their resources, terminations free them (on the chain too: a release
   * checks first that the resource is still committed to the bilateral).
   */
  #sync(context: BilateralContext): Promise<void> {
    return this.#book.sync(context, [context.seller, context.buyer], (facts) => {
      this.#settleHolds(context.id, facts);
      // A release a stop interrupted is made when the termination is read again, at the next start.
      this.#unique.note(context, facts, true);
    });
  }

  /** Brings the book up to date with every bilateral this node sells in, each in its serial turn. */
  async #syncAll(): Promise<void> {
    for (const record of await this.#core.store.listBilaterals()) {
      const context = await this.#core.context(record.id);
      if (this.#sells(context)) await this.#core.serially(record.id, () => this.#sync(context));
    }
  }

  async #poolMap(): Promise<Map<string, ResourcePoolRecord>> {
    this.#pools ??= new Map((await this.#core.store.listResourcePools()).map((p) => [p.id, p]));
    return this.#pools;
  }

  #capacityPool(id: string): CapacityPool | undefined {
    const pool = this.#pools?.get(id);
    if (pool?.kind !== 'capacity') return undefined;
    const spec = pool.spec as { unit: string; capacity: string };
    const capacity = parseCapacity(spec.capacity);
    return capacity === undefined ? undefined : { capacity, unit: spec.unit };
  }
}
