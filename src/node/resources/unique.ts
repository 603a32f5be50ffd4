/**
 * Unique resources a Seller gives its services: a VLAN on a port, an IP
 * prefix, a wavelength, a cross-connect — named by an order's `resources`
 * (`vlan:<pool>:<id>`, `prefix:<pool>:<cidr>`, or any other `kind:name`).
 * Each is given to one live service at most:
 * - on this node, across all its bilaterals (from the record);
 * - on the chain, across every node of the Seller: before an order is
 *   signed, each of its resources is committed on `ResourceCommitments` by a
 *   fingerprint only the Seller can compute (its secret salt and the name),
 *   and a resource committed to another bilateral refuses the order
 *   (`409 RESOURCE_TAKEN`). A termination frees the service's resources.
 * A VLAN or prefix must lie in a pool of its kind the node declared.
 *
 * A commitment is made before the order is signed, so a node killed in
 * between would leave it on the chain with no service holding it. Each is
 * therefore claimed in the store first (`resource_claims`), and the claim is
 * dropped once the order is stored or the commitment given back; `recover`
 * (at the next start, once the record is read) releases what a claim left
 * behind.
 */

import { type ResourceChain, resourceFingerprint } from '../../chain/index.ts';
import type { FactRef } from '../../core/index.ts';
import type { ResourcePoolRecord, Store } from '../../store/index.ts';
import type { BilateralContext } from '../core/context.ts';
import { NodeError } from '../errors.ts';

type Hex = `0x${string}`;

import type { Hold } from '../facts/facts.ts';
import { parsePrefix, prefixWithin } from './pool-spec.ts';

export interface UniqueChain {
  readonly chain: ResourceChain;
  /** The Seller's secret salt (party.json), the same on every node of the party. */
  readonly salt: Hex;
}

export class UniqueResources {
  #chain: UniqueChain | undefined;
  readonly #log: (line: string) => void;
  readonly #claims: Pick<Store, 'putResourceClaims' | 'deleteResourceClaims' | 'listResourceClaims'>;
  readonly #now: () => Date;
  /** Live resources: name → holder (`bilateral\nservice`). */
  readonly #holder = new Map<string, string>();
  /** Holder → its resources' names. */
  readonly #names = new Map<string, string[]>();

  constructor(
    log: (line: string) => void,
    claims: Pick<Store, 'putResourceClaims' | 'deleteResourceClaims' | 'listResourceClaims'>,
    now: () => Date,
  ) {
    this.#log = log;
    this.#claims = claims;
    this.#now = now;
  }

  /**
   * Releases what a node killed between a commitment and its order left on
   * the chain: each claim still recorded whose resource no live service of
   * its bilateral holds (the record read first) is released there, then
   * forgotten; a claim whose order was stored is only forgotten. Without a
   * chain, claims wait for one.
   */
  async recover(): Promise<number> {
    const link = this.#chain;
    if (link === undefined) return 0;
    let released = 0;
    for (const claim of await this.#claims.listResourceClaims()) {
      if (this.holderOf(claim.name)?.bilateral !== claim.bilateral) {
        if (await link.chain.release(claim.fingerprint as Hex, claim.bilateral)) released++;
        this.#log(`released ${claim.name} on the chain: committed for an order that was never signed`);
      }
      await this.#claims.deleteResourceClaims([claim]);
    }
    return released;
  }

  attachChain(chain: UniqueChain | undefined): void {
    this.#chain = chain;
  }

  /** The live resources whose names start with `prefix`, with their holders, by name. */
  heldWith(prefix: string): { resource: string; bilateral: string; service: string }[] {
    const out: { resource: string; bilateral: string; service: string }[] = [];
    for (const [resource, holder] of this.#holder) {
      if (resource.startsWith(prefix)) out.push({ resource, ...holderFrom(holder) });
    }
    return out.sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  }

  /** Who holds resource `name`: its bilateral and service, if anyone. */
  holderOf(name: string): { bilateral: string; service: string } | undefined {
    const holder = this.#holder.get(name);
    return holder === undefined ? undefined : holderFrom(holder);
  }

  /**
   * Takes facts stored in bilateral `context` into account: an order's
   * resources become held, a termination frees its service's (on the chain
   * too, in the background: `release` says whether to).
   */
  note(context: BilateralContext, facts: readonly FactRef[], release: boolean): void {
    for (const { fact } of facts) {
      if (fact.type === 'service.ordered') this.#hold(context.id, fact.service, fact.resources ?? []);
      else if (fact.type === 'service.terminated') this.#free(context.id, fact.service, release);
    }
  }

  /**
   * Checks and commits the resources of the orders among `facts` (about to
   * be signed in `context` by its Seller); answers a hold whose `confirm`
   * keeps them and whose `release` gives them back on the chain.
   */
  async admit(
    context: BilateralContext,
    facts: readonly FactRef[],
    pools: ReadonlyMap<string, ResourcePoolRecord>,
  ): Promise<Hold> {
    const wanted: { ref: string; service: string; name: string }[] = [];
    const seen = new Set<string>();
    for (const { ref, fact } of facts) {
      if (fact.type !== 'service.ordered') continue;
      for (const name of fact.resources ?? []) {
        checkName(ref, name, pools);
        const holder = this.#holder.get(name);
        if (seen.has(name) || (holder !== undefined && holder !== key(context.id, fact.service))) {
          throw taken(ref, name, 'it is given to another service');
        }
        seen.add(name);
        wanted.push({ ref, service: fact.service, name });
      }
    }
    const committed: Hex[] = [];
    const link = this.#chain;
    const claims =
      link === undefined
        ? []
        : wanted.map(({ name }) => ({
            fingerprint: resourceFingerprint(link.salt, name),
            bilateral: context.id,
            name,
            claimedAt: this.#now().toISOString(),
          }));
    const forget = () =>
      this.#claims.deleteResourceClaims(claims).catch((error: unknown) => {
        this.#log(`forgetting resource claims failed: ${String(error)}`);
      });
    const giveBack = () => {
      const releases = committed.splice(0).map((id) =>
        link?.chain.release(id, context.id).catch((error: unknown) => {
          this.#log(`releasing a resource on the chain failed: ${String(error)}`);
          return false;
        }),
      );
      // Forgotten once given back (a release that failed is made at the next start, from the claim).
      void Promise.all(releases).then((done) => (done.every((d) => d !== false) ? forget() : undefined));
    };
    if (link !== undefined && claims.length > 0) {
      // Claimed durably before anything is committed: a kill from here on is undone at the next start.
      await this.#claims.putResourceClaims(claims);
      try {
        for (const [i, { ref, name }] of wanted.entries()) {
          const id = claims[i]!.fingerprint;
          const result = await link.chain.commit(id, context.id);
          if (result.status === 'taken')
            throw taken(ref, name, 'it is committed on the chain to another bilateral');
          committed.push(id);
        }
      } catch (error) {
        giveBack();
        throw error;
      }
    }
    return {
      confirm: () => {
        for (const { service, name } of wanted) this.#hold(context.id, service, [name]);
        for (const { fact } of facts)
          if (fact.type === 'service.terminated') this.#free(context.id, fact.service, true);
        void forget();
      },
      release: giveBack,
    };
  }

  #hold(bilateral: string, service: string, names: readonly string[]): void {
    const holder = key(bilateral, service);
    const list = this.#names.get(holder) ?? [];
    for (const name of names) {
      if (this.#holder.has(name)) continue;
      this.#holder.set(name, holder);
      list.push(name);
    }
    this.#names.set(holder, list);
  }

  #free(bilateral: string, service: string, release: boolean): void {
    const holder = key(bilateral, service);
    const names = this.#names.get(holder) ?? [];
    this.#names.delete(holder);
    const link = this.#chain;
    for (const name of names) {
      if (this.#holder.get(name) === holder) this.#holder.delete(name);
      if (!release || link === undefined) continue;
      void link.chain.release(resourceFingerprint(link.salt, name), bilateral).catch((error: unknown) => {
        this.#log(`releasing ${name} on the chain failed: ${String(error)}`);
      });
    }
  }
}

function key(bilateral: string, service: string): string {
  return `${bilateral}\n${service}`;
}

function holderFrom(holder: string): { bilateral: string; service: string } {
  const [bilateral = '', service = ''] = holder.split('\n');
  return { bilateral, service };
}

function taken(ref: string, resource: string, why: string): NodeError {
  return new NodeError('RESOURCE_TAKEN', `${ref}: ${resource} cannot be given: ${why}`, {
    details: { ref, resource },
  });
}

/** A VLAN or prefix must lie in a declared pool of its kind; other kinds are names only. */
function checkName(ref: string, name: string, pools: ReadonlyMap<string, ResourcePoolRecord>): void {
  const [kind, pool, ...rest] = name.split(':');
  if (kind !== 'vlan' && kind !== 'prefix') return;
  const value = rest.join(':');
  const declared = pools.get(pool ?? '');
  if (declared?.kind !== kind) {
    throw new NodeError('POOL_UNKNOWN', `${ref}: ${name} names no ${kind} pool ${pool} this node declared`, {
      details: { ref, resource: name, pool },
    });
  }
  const invalid = (rule: string) =>
    new NodeError('RESOURCE_INVALID', `${ref}: ${name}: ${rule}`, { details: { ref, resource: name, pool } });
  if (kind === 'vlan') {
    const id = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
    const ranges = (declared.spec as { ranges: [number, number][] }).ranges;
    if (!ranges.some(([from, to]) => id >= from && id <= to))
      throw invalid(`expected a VLAN ID within ${pool}'s ranges`);
    return;
  }
  const prefix = parsePrefix(value);
  const outer = parsePrefix((declared.spec as { prefix: string }).prefix);
  if (prefix === undefined || outer === undefined || !prefixWithin(prefix, outer)) {
    throw invalid(`expected a prefix in CIDR form within ${pool}'s prefix`);
  }
}
