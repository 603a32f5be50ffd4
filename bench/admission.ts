/**
 * Benchmark: admission checks against one capacity pool as it fills with
 * reservations — 10,000, then 30,000, then 100,000 boosts on the Seller's
 * services — through two real `sb node` processes over HTTP, in one run,
 * after a warm-up of half the checks and one round of boosts (not timed).
 *
 *   npx tsx bench/admission.ts [--sizes 10000,30000,100000] [--checks 20000]
 *     [--boosts 5000] [--clients 32] [--store sqlite|postgres] [--no-json]
 *
 * Two nodes agree the worked example's terms with a capacity map
 * (100M → 100, 1G → 1,000, 10G → 10,000 Mbps). The Seller declares pool
 * `ams-1` (large enough that every boost fits: a refusal costs the same
 * check), orders 2,000 services on it at 100M and activates them. Then, for
 * each size, boosts to 1G (one to four hours, anywhere in 2026) are recorded
 * in arrays of 1,000 until the pool holds that many reservations, and two
 * things are timed, `--clients` requests in flight:
 * 1. checks: `GET /resource-pools/ams-1/availability?from&to` for random
 *    windows — the admission check a client makes before ordering;
 * 2. boosts: `POST /bilaterals/:id/facts` with one boost each — admitted
 *    (checked against the pool, reserved) and recorded, as an OSS sends them.
 * Target: ≥ 5,000 checks/s on SQLite, and a cost that grows at most
 * logarithmically with the reservations held.
 *
 * Never a test: figures depend on the machine. Compare figures from one run.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { agree, type Node, request, startPair, stopPair, TERMS } from './processes.ts';
import { Connection } from './raw-http.ts';
import { log, machine, positive, printReport, prng, processCpuSeconds, writeResult } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,30000,100000' },
    checks: { type: 'string', default: '20000' },
    boosts: { type: 'string', default: '5000' },
    clients: { type: 'string', default: '32' },
    store: { type: 'string', default: 'sqlite' },
    'no-json': { type: 'boolean', default: false },
  },
  strict: true,
});
const SIZES = flags.sizes.split(',').map((s) => positive('sizes', s));
const CHECKS = positive('checks', flags.checks);
const BOOSTS = positive('boosts', flags.boosts);
const CLIENTS = positive('clients', flags.clients);
if (flags.store !== 'sqlite' && flags.store !== 'postgres') throw new Error('--store: sqlite or postgres');
const COMMAND = ['npx tsx bench/admission.ts', ...process.argv.slice(2)].join(' ');
const SERVICES = 2000;
const random = prng(12);

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const YEAR_START = Date.parse('2026-02-01T00:00:00Z');
const HOURS = 24 * 300;
/** A one-to-four-hour window starting on a random hour of 2026 (February on). */
function window(): { from: string; to: string } {
  const start = YEAR_START + Math.floor(random() * HOURS) * 3_600_000;
  return { from: iso(start), to: iso(start + (1 + Math.floor(random() * 4)) * 3_600_000) };
}
const boost = () => ({
  type: 'bandwidth.boost',
  service: `P${Math.floor(random() * SERVICES)}`,
  plan: '1G',
  ...window(),
});

interface Timed {
  readonly requests: number;
  readonly perSecond: number;
  readonly latencyMs: { p50: number; p99: number };
  readonly sellerCpuUsPerRequest: number;
}

/** `count` requests made by `CLIENTS` clients, `make(i)` each; every answer must have `status`. */
async function timed(
  seller: Node,
  count: number,
  status: number,
  make: (c: Connection) => Promise<{ status: number; body: string }>,
): Promise<Timed> {
  const latency: number[] = [];
  let next = 0;
  const cpu0 = processCpuSeconds(seller.child.pid ?? 0) ?? Number.NaN;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const connection = new Connection(seller);
      while (next < count) {
        next++;
        const start = performance.now();
        const answer = await make(connection);
        latency.push(performance.now() - start);
        if (answer.status !== status) throw new Error(`${answer.status} ${answer.body}`);
      }
      connection.close();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (processCpuSeconds(seller.child.pid ?? 0) ?? Number.NaN) - cpu0;
  latency.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latency[Math.min(latency.length - 1, Math.floor(q * latency.length))]! * 10) / 10;
  return {
    requests: count,
    perSecond: Math.round(count / seconds),
    latencyMs: { p50: at(0.5), p99: at(0.99) },
    sellerCpuUsPerRequest: Math.round((cpu / count) * 1e6),
  };
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const box = machine();
  const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-admission-'));
  log(`data in ${root}`);
  const nodes = await startPair(root, { store: flags.store as 'sqlite' | 'postgres' });
  const [seller] = nodes;
  try {
    const terms = structuredClone(TERMS) as { offerings: { capacity?: unknown }[] };
    terms.offerings[0]!.capacity = { '100M': '100', '1G': '1000', '10G': '10000' };
    const id = await agree(...nodes, terms);
    await request(seller, 'PUT', '/resource-pools/ams-1', {
      kind: 'capacity',
      unit: 'Mbps',
      capacity: '100000000',
    });
    const services = Array.from({ length: SERVICES }, (_, i) => `P${i}`);
    for (let i = 0; i < SERVICES; i += 1000) {
      const slice = services.slice(i, i + 1000);
      await request(seller, 'POST', `/bilaterals/${id}/facts`, [
        ...slice.map((service) => ({
          type: 'service.ordered',
          service,
          offering: 'dia',
          plan: '100M',
          termMonths: 12,
          at: '2026-01-05T00:00:00Z',
          pool: 'ams-1',
        })),
        ...slice.map((service) => ({ type: 'service.activated', service, at: '2026-01-06T00:00:00Z' })),
      ]);
    }
    // Warm-up, not timed: the node's first thousands of requests run slower while V8 compiles them.
    log(`warm-up: ${CHECKS / 2} checks and ${BOOSTS} boosts`);
    await timed(seller, CHECKS / 2, 200, (c) => {
      const { from, to } = window();
      return c.get(`/resource-pools/ams-1/availability?from=${from}&to=${to}`);
    });
    await timed(seller, BOOSTS, 201, (c) => c.post(`/bilaterals/${id}/facts`, boost()));
    const rows = [];
    let held = BOOSTS;
    for (const size of SIZES) {
      log(`filling the pool to ${size} boosts`);
      while (held < size) {
        const n = Math.min(1000, size - held);
        await request(seller, 'POST', `/bilaterals/${id}/facts`, Array.from({ length: n }, boost));
        held += n;
      }
      log(`${size} held: ${CHECKS} checks, then ${BOOSTS} boosts, ${CLIENTS} in flight`);
      const checks = await timed(seller, CHECKS, 200, (c) => {
        const { from, to } = window();
        return c.get(`/resource-pools/ams-1/availability?from=${from}&to=${to}`);
      });
      const boosts = await timed(seller, BOOSTS, 201, (c) => c.post(`/bilaterals/${id}/facts`, boost()));
      held += BOOSTS;
      rows.push({ reservations: size, checks, boosts });
    }
    const first = rows[0]!;
    const last = rows.at(-1)!;
    const report = {
      benchmark: 'admission',
      command: COMMAND,
      date,
      machine: box,
      store: flags.store,
      services: SERVICES,
      clients: CLIENTS,
      rows,
      checksLastOverFirst: Math.round((last.checks.perSecond / first.checks.perSecond) * 100) / 100,
      boostsLastOverFirst: Math.round((last.boosts.perSecond / first.boosts.perSecond) * 100) / 100,
    };
    printReport(report);
    if (!flags['no-json']) {
      writeResult('admission', date, report);
    }
  } finally {
    await stopPair(nodes, root);
  }
}

await main();
