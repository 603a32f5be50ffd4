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
  parseInstant,
  ValidationError,
} from '../../core/index.ts';
import type { ResourcePoolRecord } from '../../store/index.ts';
import type { BilateralContext } from '../core/context.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { FactAdmission, Hold } from '../facts/facts.ts';
import { CapacityBook, type CapacityPool } from './capacity-book.ts';
import { checkPoolDeclaration } from './pool-spec.ts';

export type PoolView = ResourcePoolRecord;

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

const NO_HOLD: Hold = { confirm: () => {}, release: () => {} };

export class Resources implements FactAdmission {
  readonly #core: NodeCore;
  readonly #book: CapacityBook;
  /** Declared pools by id, read from the store once. */
  #pools: Map<string, ResourcePoolRecord> | undefined;
  /** The first reading of every bilateral this node sells in; then each is kept up to date. */
  #loading: Promise<void> | undefined;
  #loaded = false;

  constructor(core: NodeCore) {
    this.#core = core;
    this.#book = new CapacityBook(core.store, (id) => this.#capacityPool(id));
    // The counterparty's facts draw too: counted once stored (never refused: they are signed).
    const received = (id: string) =>
      core.schedule(async () => {
        const context = await core.context(id);
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

  // ── admission ─────────────────────────────────────────────────────────────

  /**
   * Readies admissions: reads the pools, and the record of every bilateral
   * this node sells in, once. Call outside any bilateral's serial turn
   * (it takes each of them in turn).
   */
  async prepare(): Promise<void> {
    await this.#poolMap();
    this.#loading ??= this.#syncAll().then(() => {
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
    if (!this.#sells(context)) return NO_HOLD;
    if (!facts.some((f) => DRAWS.has(f.fact.type))) return NO_HOLD;
    if (!this.#loaded) throw new Error('resources: admit before prepare');
    await this.#sync(context);
    return this.#book.admit(context, facts);
  }

  #sells(context: BilateralContext): boolean {
    return context.seller === this.#core.party;
  }

  #sync(context: BilateralContext): Promise<void> {
    return this.#book.sync(context, [context.seller, context.buyer]);
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

const DRAWS: ReadonlySet<string> = new Set([
  'service.ordered',
  'service.modified',
  'service.terminated',
  'bandwidth.boost',
]);
