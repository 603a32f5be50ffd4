/**
 * Benchmark: what one owner-API request costs a node, by kind — the floor a
 * single fact stands on. Two `sb node` processes agree the example terms
 * (bench/processes.ts); then the Seller alone takes, from `--clients`
 * keep-alive connections, `--requests` of each of:
 *
 *   read      GET /bilaterals/:id (authenticated, no write)
 *   refused   POST /bilaterals/:id/facts with an invalid fact (422: parsed,
 *             authenticated, audited, refused)
 *   recorded  POST /bilaterals/:id/facts with a usage fact (201: also grouped,
 *             signed, stored durably, pushed to the Buyer in the background)
 *
 * in `--rounds` rounds, alternating, so each kind sees the same machine. For
 * each it reports requests/s and the Seller's CPU per request: its JavaScript
 * thread alone and the whole process (the fsync and checkpoint threads).
 *
 *   npx tsx bench/request-cost.ts [--requests 20000] [--clients 32] [--rounds 2] [--no-json]
 *
 * Never a test: figures depend on the machine. Compare kinds within one run.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { agree, type Node, startPair, stopPair } from './processes.ts';
import { Connection } from './raw-http.ts';
import {
  log,
  machine,
  mainThreadCpuSeconds,
  positive,
  printReport,
  processCpuSeconds,
  sellerBuyerFacts,
  writeResult,
} from './support.ts';

const { values: flags } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    'no-json': { type: 'boolean', default: false },
  },
  strict: true,
});
const REQUESTS = positive('requests', flags.requests);
const CLIENTS = positive('clients', flags.clients);
const ROUNDS = positive('rounds', flags.rounds);
const COMMAND = ['npx tsx bench/request-cost.ts', ...process.argv.slice(2)].join(' ');

interface KindResult {
  readonly kind: string;
  readonly round: number;
  readonly requestsPerSecond: number;
  /** CPU µs per request: the Seller's JavaScript thread, and its whole process. */
  readonly mainThreadMicros: number;
  readonly processMicros: number;
  readonly statuses: Record<string, number>;
}

/** `REQUESTS` requests made by `make`, `CLIENTS` in flight, each client on its own connection. */
async function measure(
  seller: Node,
  connections: readonly Connection[],
  kind: string,
  round: number,
  make: (connection: Connection, i: number) => Promise<{ status: number }>,
): Promise<KindResult> {
  const pid = seller.child.pid ?? 0;
  const main0 = mainThreadCpuSeconds(pid) ?? Number.NaN;
  const process0 = processCpuSeconds(pid) ?? Number.NaN;
  const statuses: Record<string, number> = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    connections.map(async (connection) => {
      while (next < REQUESTS) {
        const { status } = await make(connection, next++);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const per = (cpu: number) => Math.round((cpu / REQUESTS) * 1e6);
  return {
    kind,
    round,
    requestsPerSecond: Math.round(REQUESTS / seconds),
    mainThreadMicros: per((mainThreadCpuSeconds(pid) ?? Number.NaN) - main0),
    processMicros: per((processCpuSeconds(pid) ?? Number.NaN) - process0),
    statuses,
  };
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const box = machine();
  const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-request-'));
  const nodes = await startPair(root, { store: 'sqlite' });
  try {
    const [seller] = nodes;
    const id = await agree(...nodes);
    const facts = sellerBuyerFacts(REQUESTS * ROUNDS * 2, 'cost').seller;
    const connections = Array.from({ length: CLIENTS }, () => new Connection(seller));
    const results: KindResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}: read, refused, recorded (${REQUESTS} each)`);
      results.push(await measure(seller, connections, 'read', round, (c) => c.get(`/bilaterals/${id}`)));
      results.push(
        await measure(seller, connections, 'refused', round, (c) =>
          c.post(`/bilaterals/${id}/facts`, { type: 'usage' }),
        ),
      );
      const base = (round - 1) * REQUESTS;
      results.push(
        await measure(seller, connections, 'recorded', round, (c, i) =>
          c.post(`/bilaterals/${id}/facts`, facts[base + i]),
        ),
      );
    }
    for (const c of connections) c.close();
    const report = { benchmark: 'request-cost', command: COMMAND, date, machine: box, results };
    printReport(report);
    if (!flags['no-json']) writeResult('request-cost', date, report);
  } finally {
    await stopPair(nodes, root);
  }
}

await main();
