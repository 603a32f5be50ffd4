/**
 * Resource pools: a Seller's node refuses, before signing, a fact whose
 * service would draw more than its pool holds at any instant — across all its
 * bilaterals, and under hundreds of concurrent requests, on SQLite and
 * PostgreSQL.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { introduce } from '../src/api/index.ts';
import { type FactRef, parseInstant, parseTerms, serviceDemand } from '../src/core/index.ts';
import { FACT_KINDS, factsOf } from '../src/kinds/index.ts';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from '../src/store/pg.fixtures.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleTerms } from './support.ts';

const CAPACITY = { '100M': '100', '1G': '1000', '10G': '10000' };

function termsWithCapacity(buyer?: string) {
  const terms = exampleTerms();
  terms.offerings[0].capacity = CAPACITY;
  if (buyer !== undefined) terms.buyer = { ...terms.buyer, id: buyer, name: buyer };
  return terms;
}

const order = (service: string, plan: string, pool = 'ams-1', at = '2026-01-05T00:00:00Z') => ({
  type: 'service.ordered',
  service,
  offering: 'dia',
  plan,
  termMonths: 12,
  at,
  pool,
});
const boost = (service: string, from: string, to: string, plan = '10G') => ({
  type: 'bandwidth.boost',
  service,
  plan,
  from,
  to,
});

/** Every fact stored in bilateral `id` on `node`. */
async function recorded(node: MemoryNode, id: string): Promise<FactRef[]> {
  return factsOf(await node.store.listEntries(id, { kinds: FACT_KINDS }));
}

/** The most any instant of the record draws from `pool`, summed service by service from the facts. */
function peakOf(terms: unknown, facts: readonly FactRef[], pool: string): bigint {
  const parsed = parseTerms(terms);
  const services = new Set(facts.map((f) => ('service' in f.fact ? f.fact.service : '')));
  const demands = [...services].flatMap((s) => {
    const d = serviceDemand(parsed, s, facts);
    return d?.pool === pool ? d.demand : [];
  });
  let peak = 0n;
  for (const t of demands.map((d) => d.from)) {
    let use = 0n;
    for (const d of demands) if (d.from <= t && (d.to === null || t < d.to)) use += d.amount;
    if (use > peak) peak = use;
  }
  return peak;
}

const mbps = (n: number) => BigInt(n) * 1_000_000n;

describe('resource pools', () => {
  let network: MemoryNetwork;
  const databases: PgDatabase[] = [];
  afterEach(() => network?.close());
  afterAll(() => dropPgDatabases(databases));

  it('refuses, before it is signed, a boost that would exceed its pool, naming the pool, window and shortfall', async () => {
    network = new MemoryNetwork();
    const { seller, buyer, id } = await exampleBilateral(network, { terms: termsWithCapacity(), facts: [] });
    const declared = await seller.call('PUT', '/resource-pools/ams-1', {
      kind: 'capacity',
      unit: 'Mbps',
      capacity: '11000',
    });
    expect(declared.status).toBe(200);
    const record = (fact: unknown) =>
      // biome-ignore lint/suspicious/noExplicitAny: each assertion checks the answer's shape
      seller.call<any>('POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    expect((await record(order('S1', '1G'))).status).toBe(201);
    expect((await record(order('S2', '10G'))).status).toBe(201);
    for (const service of ['S1', 'S2']) {
      const active = await record({ type: 'service.activated', service, at: '2026-01-06T00:00:00Z' });
      expect(active.status).toBe(201);
    }

    const before = (await recorded(seller, id)).length;
    const refused = await record(boost('S1', '2026-01-10T10:00:00Z', '2026-01-10T12:00:00Z'));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'CAPACITY_EXCEEDED',
      details: {
        pool: 'ams-1',
        service: 'S1',
        from: '2026-01-10T10:00:00Z',
        to: '2026-01-10T12:00:00Z',
        unit: 'Mbps',
        capacity: '11000',
        peak: '20000',
        shortfall: '9000',
      },
    });
    expect(refused.body.message).toMatch(
      /pool ams-1 .*\[2026-01-10T10:00:00Z, 2026-01-10T12:00:00Z\).*9000 Mbps short/,
    );
    // Nothing signed, on either node.
    expect(await recorded(seller, id)).toHaveLength(before);
    await seller.node.replication.sync(id);
    expect(await recorded(buyer, id)).toHaveLength(before);

    const busy = await seller.call(
      'GET',
      '/resource-pools/ams-1/availability?from=2026-01-10T10:00:00Z&to=2026-01-10T12:00:00Z',
    );
    expect(busy.body).toMatchObject({
      pool: 'ams-1',
      unit: 'Mbps',
      capacity: '11000',
      peak: '11000',
      free: '0',
    });

    // Once S2 ends, the same boost after its end fits; a fact naming an undeclared pool is refused.
    expect(
      (await record({ type: 'service.terminated', service: 'S2', at: '2026-01-08T00:00:00Z' })).status,
    ).toBe(201);
    expect((await record(boost('S1', '2026-01-10T10:00:00Z', '2026-01-10T12:00:00Z'))).status).toBe(201);
    const free = await seller.call('GET', '/resource-pools/ams-1/availability?from=2026-01-09T00:00:00Z');
    expect(free.body).toMatchObject({ peak: '10000', free: '1000', to: null });
    // Who draws what, when: S1 at 1G, 10G within its boost; S2 until its termination.
    expect((await seller.call('GET', '/resource-pools/ams-1/holdings')).body).toEqual({
      pool: 'ams-1',
      kind: 'capacity',
      services: [
        {
          bilateral: id,
          service: 'S1',
          draws: [
            { from: '2026-01-05T00:00:00Z', to: '2026-01-10T10:00:00Z', amount: '1000', unit: 'Mbps' },
            { from: '2026-01-10T10:00:00Z', to: '2026-01-10T12:00:00Z', amount: '10000', unit: 'Mbps' },
            { from: '2026-01-10T12:00:00Z', to: null, amount: '1000', unit: 'Mbps' },
          ],
        },
        {
          bilateral: id,
          service: 'S2',
          draws: [
            { from: '2026-01-05T00:00:00Z', to: '2026-01-08T00:00:00Z', amount: '10000', unit: 'Mbps' },
          ],
        },
      ],
    });
    const unknown = await record(order('S3', '100M', 'nowhere'));
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'POOL_UNKNOWN', details: { pool: 'nowhere' } });
  });

  it('refuses a malformed pool field by field, a change of kind, and a malformed window', async () => {
    network = new MemoryNetwork();
    const { seller } = await exampleBilateral(network, { terms: termsWithCapacity(), facts: [] });
    const bad = await seller.call<{ code: string; details: { path: string }[] }>(
      'PUT',
      '/resource-pools/ams-1',
      {
        kind: 'capacity',
        unit: '',
        capacity: '1.0000001',
        extra: true,
      },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('POOL_INVALID');
    expect(bad.body.details.map((i) => i.path).sort()).toEqual(['capacity', 'extra', 'unit']);
    const vlans = await seller.call<{ details: { path: string; rule: string }[] }>(
      'PUT',
      '/resource-pools/v',
      {
        kind: 'vlan',
        port: 'ams-1',
        ranges: [
          [100, 199],
          [150, 250],
          [0, 5000],
        ],
      },
    );
    expect(vlans.status).toBe(422);
    expect(vlans.body.details.map((i) => i.path)).toEqual(['ranges[1]', 'ranges[2]']);
    const prefix = await seller.call('PUT', '/resource-pools/p', { kind: 'prefix', prefix: '192.0.2.1/24' });
    expect(prefix.status).toBe(422);
    expect((await seller.call('GET', '/resource-pools')).body).toEqual({ pools: [] });

    expect(
      (await seller.call('PUT', '/resource-pools/ams-1', { kind: 'capacity', unit: 'Mbps', capacity: '1' }))
        .status,
    ).toBe(200);
    const changed = await seller.call<{ code: string }>('PUT', '/resource-pools/ams-1', {
      kind: 'prefix',
      prefix: '192.0.2.0/24',
    });
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('POOL_KIND_CHANGED');
    const window = await seller.call<{ code: string }>(
      'GET',
      '/resource-pools/ams-1/availability?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    );
    expect(window.status).toBe(422);
    expect((await seller.call('GET', '/resource-pools/ams-1/availability')).status).toBe(422);
    expect(
      (await seller.call('GET', '/resource-pools/none/availability?from=2026-02-01T00:00:00Z')).status,
    ).toBe(404);
  });

  it('counts every bilateral the Seller sells in against the same pool', async () => {
    network = new MemoryNetwork();
    const { seller, id } = await exampleBilateral(network, { terms: termsWithCapacity(), facts: [] });
    await seller.call('PUT', '/resource-pools/ams-1', { kind: 'capacity', unit: 'Mbps', capacity: '10500' });
    expect((await seller.call('POST', `/bilaterals/${id}/facts`, order('S1', '10G'))).status).toBe(201);

    const other = await network.add('initech');
    await introduce(seller, other);
    const created = await seller.call<{ id: string }>('POST', '/bilaterals', {
      terms: { ...termsWithCapacity('initech'), id: 'msa-acme-initech-2026' },
      peer: other.node.endpoint,
    });
    expect(created.status).toBe(201);
    const second = created.body.id;
    // 10,000 of 10,500 are drawn by S1 in the first bilateral: a 1G order in the second does not fit...
    const refused = await seller.call<{ details: unknown }>(
      'POST',
      `/bilaterals/${second}/facts`,
      order('T1', '1G'),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.details).toMatchObject({ pool: 'ams-1', shortfall: '500' });
    // ...a 100M one does, and an array holding a fact that does not fit is refused whole.
    expect((await seller.call('POST', `/bilaterals/${second}/facts`, order('T2', '100M'))).status).toBe(201);
    const array = await seller.call<{ details: unknown }>('POST', `/bilaterals/${second}/facts`, [
      order('T3', '100M', 'ams-1', '2026-02-01T00:00:00Z'),
      order('T4', '1G', 'ams-1', '2026-02-01T00:00:00Z'),
    ]);
    expect(array.status).toBe(409);
    expect(array.body.details).toMatchObject({ ref: 'facts[1]', pool: 'ams-1' });
    expect((await recorded(seller, second)).map((f) => ('service' in f.fact ? f.fact.service : ''))).toEqual([
      'T2',
    ]);
  });

  it("asks the Seller's node before the Buyer's node signs a boost, and holds what it admitted until the entry arrives", async () => {
    network = new MemoryNetwork();
    const { seller, buyer, id } = await exampleBilateral(network, { terms: termsWithCapacity(), facts: [] });
    await seller.call('PUT', '/resource-pools/ams-1', { kind: 'capacity', unit: 'Mbps', capacity: '1500' });
    const setup = await seller.call('POST', `/bilaterals/${id}/facts?wait=replicated`, [
      order('S1', '100M'),
      { type: 'service.activated', service: 'S1', at: '2026-01-06T00:00:00Z' },
    ]);
    expect(setup.status).toBe(201);
    // The Buyer boosts S1 to 10G: 9,900 Mbps more, beyond the pool. Its node asks, and refuses.
    const refused = await buyer.call<{ code: string; message: string; details: Record<string, unknown> }>(
      'POST',
      `/bilaterals/${id}/facts`,
      boost('S1', '2026-01-10T10:00:00Z', '2026-01-10T12:00:00Z'),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CAPACITY_EXCEEDED');
    expect(refused.body.details).toEqual({
      ref: 'facts[0]',
      service: 'S1',
      pool: 'ams-1',
      from: '2026-01-10T10:00:00Z',
      to: '2026-01-10T12:00:00Z',
    });
    // The Seller's capacity and what others draw stay the Seller's.
    expect(JSON.stringify(refused.body)).not.toMatch(/1500|peak|shortfall/);
    expect(await recorded(buyer, id)).toHaveLength(2);

    // A boost to 1G (900 more) is admitted, held, then stored: it counts against the pool once.
    const within = await buyer.call(
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      boost('S1', '2026-01-10T10:00:00Z', '2026-01-10T12:00:00Z', '1G'),
    );
    expect(within.status).toBe(201);
    await seller.node.idle();
    const after = await seller.call<{ peak: string }>(
      'GET',
      '/resource-pools/ams-1/availability?from=2026-01-10T10:00:00Z&to=2026-01-10T12:00:00Z',
    );
    expect(after.body.peak).toBe('1000');
    expect(await recorded(seller, id)).toHaveLength(3);

    // The admission route answers the Buyer only, and only for a bounded, well-formed list of facts.
    /** `node` asks its counterparty's node to admit `body`: 200, or the status and code of the refusal. */
    const asked = async (node: MemoryNode, body: unknown) => {
      const own = await node.node.core.context(id);
      return node.node.core.toCounterparty(own, 'POST', `/peer/bilaterals/${id}/admissions`, body).then(
        () => 200,
        (error: { details?: { status?: number; peerCode?: string } }) =>
          `${error.details?.status} ${error.details?.peerCode}`,
      );
    };
    expect(
      await asked(seller, { facts: [boost('S1', '2026-01-11T10:00:00Z', '2026-01-11T12:00:00Z', '1G')] }),
    ).toBe('403 NOT_PERMITTED');
    const tooMany = Array.from({ length: 1001 }, () =>
      boost('S1', '2026-01-11T10:00:00Z', '2026-01-11T12:00:00Z', '1G'),
    );
    expect(await asked(buyer, { facts: tooMany })).toBe('422 FACT_INVALID');
    expect(await asked(buyer, { facts: [{ type: 'bandwidth.boost', service: 'S1', plan: 'x' }] })).toBe(
      '422 FACT_INVALID',
    );
    expect(await asked(buyer, 'not an object')).toBe('422 FACT_INVALID');
    expect(await recorded(seller, id)).toHaveLength(3);
    const unchanged = await seller.call<{ peak: string }>(
      'GET',
      '/resource-pools/ams-1/availability?from=2026-01-11T00:00:00Z&to=2026-01-12T00:00:00Z',
    );
    // Nothing held for the refused requests: on January 11 only S1's 100M is drawn.
    expect(unchanged.body.peak).toBe('100');

    // With the Seller's node away, a boost cannot be admitted and is not signed; a termination,
    // which only frees capacity, is.
    const away = network.unplug('acme-fiber')!;
    const unreachable = await buyer.call<{ code: string }>(
      'POST',
      `/bilaterals/${id}/facts`,
      boost('S1', '2026-01-20T10:00:00Z', '2026-01-20T12:00:00Z', '1G'),
    );
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.code).toBe('PEER_UNREACHABLE');
    const ended = await buyer.call('POST', `/bilaterals/${id}/facts`, {
      type: 'service.terminated',
      service: 'S1',
      at: '2026-03-01T00:00:00Z',
    });
    expect(ended.status).toBe(201);
    network.plug('acme-fiber', away);
    expect(await recorded(buyer, id)).toHaveLength(4);
  });

  for (const engine of ['sqlite', 'postgres'] as const) {
    it(`admits hundreds of concurrent boosts on one pool without exceeding it at any instant (${engine})`, async () => {
      network = new MemoryNetwork();
      let sellerStore: string | undefined;
      if (engine === 'postgres') {
        const database = await createPgDatabase('sb_resources');
        databases.push(database);
        sellerStore = database.url;
      }
      const terms = termsWithCapacity();
      const { seller, buyer, id } = await exampleBilateral(network, {
        terms,
        facts: [],
        ...(sellerStore === undefined ? {} : { sellerStore }),
      });
      await seller.call('PUT', '/resource-pools/ams-1', { kind: 'capacity', unit: 'Mbps', capacity: '5000' });
      const services = Array.from({ length: 20 }, (_, i) => `S${i}`);
      const ordered = await seller.call('POST', `/bilaterals/${id}/facts`, [
        ...services.map((s) => order(s, '100M')),
        ...services.map((service) => ({ type: 'service.activated', service, at: '2026-01-06T00:00:00Z' })),
      ]);
      expect(ordered.status).toBe(201);
      // 2,000 of 5,000 drawn; each boost to 1G draws 900 more for one to four hours of one day.
      let seed = 7;
      const next = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed;
      };
      const hour = (h: number) => `2026-02-01T${String(h).padStart(2, '0')}:00:00Z`;
      const boosts = Array.from({ length: 300 }, () => {
        const start = next() % 20;
        return boost(services[next() % services.length]!, hour(start), hour(start + 1 + (next() % 4)), '1G');
      });
      const answers = await Promise.all(
        boosts.map((b) => seller.call<{ code: string }>('POST', `/bilaterals/${id}/facts`, b)),
      );
      const admitted = answers.filter((a) => a.status === 201).length;
      const refused = answers.filter((a) => a.status === 409);
      expect(admitted + refused.length).toBe(300);
      expect(admitted).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) expect(answer.body.code).toBe('CAPACITY_EXCEEDED');

      const facts = await recorded(seller, id);
      expect(facts.filter((f) => f.fact.type === 'bandwidth.boost')).toHaveLength(admitted);
      const peak = peakOf(terms, facts, 'ams-1');
      expect(peak).toBeLessThanOrEqual(mbps(5000));
      // Close to full somewhere: the refusals were needed, not spurious.
      expect(peak).toBeGreaterThan(mbps(5000 - 900));
      // The Buyer holds the same record.
      await seller.node.replication.sync(id);
      expect((await recorded(buyer, id)).length).toBe(facts.length);
      // The node's own view agrees with the record, peak for peak.
      const view = await seller.call<{ peak: string }>(
        'GET',
        `/resource-pools/ams-1/availability?from=${hour(0)}&to=2026-02-02T00:00:00Z`,
      );
      expect(BigInt(view.body.peak) * 1_000_000n).toBe(peak);
      expect(parseInstant(hour(0))).toBeDefined();
    }, 60_000);
  }
});
