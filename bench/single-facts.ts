/**
 * Benchmark: facts recorded one per request, as an OSS sends them, beside the
 * same facts sent in arrays — both through two real `sb node` processes over
 * HTTP, in one run, so the two figures share the machine's load.
 *
 *   npx tsx bench/single-facts.ts [--facts 20000] [--warmup 20000] [--clients 32] [--bulk 1000]
 *     [--bulk-facts 100000] [--store sqlite|postgres] [--profile DIR] [--no-json]
 *
 * Two nodes (`sb node`, defaults: embedded chain shared through one
 * `--chain-dir`, checkpoints and anchoring on their schedule) pin each other
 * and agree the worked example's terms (bench/processes.ts). Then:
 * 0. warm-up: `--warmup` facts sent as in 1, timed and reported apart: the
 *    nodes' first thousands of requests run slower while V8 compiles their
 *    hot paths and the stores' caches fill (the first 10,000 at about half
 *    the rate of the next), and a node serves for days. `--warmup 0` skips it.
 * 1. single: `--facts` facts, each `POST /bilaterals/:id/facts` with one fact,
 *    `--clients` requests in flight in all (four in five usage records sent
 *    to the Seller, one in five maintenance outages to the Buyer). Timed from
 *    the first request until each node holds the other's whole stream.
 * 2. bulk: `--bulk-facts` facts in arrays of `--bulk`, 4 requests in flight,
 *    timed the same way.
 * The load generator is this process: one keep-alive connection per client,
 * each request written as bytes and its answer read by content-length (a
 * general HTTP client costs ~0.2 ms of CPU a request, which on two cores
 * would be taken from the nodes); the nodes are separate processes.
 * `--profile DIR` starts the nodes with `--cpu-prof`; reports also give the
 * cores each process used, and each node's JavaScript thread alone.
 *
 * Never a test: figures depend on the machine. Compare figures from one run.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { agree, type Node, request, startPair, stopPair } from './processes.ts';
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
    facts: { type: 'string', default: '20000' },
    warmup: { type: 'string', default: '20000' },
    clients: { type: 'string', default: '32' },
    bulk: { type: 'string', default: '1000' },
    'bulk-facts': { type: 'string', default: '100000' },
    store: { type: 'string', default: 'sqlite' },
    profile: { type: 'string' },
    'no-json': { type: 'boolean', default: false },
  },
  strict: true,
});

const FACTS = positive('facts', flags.facts);
const WARMUP = flags.warmup === '0' ? 0 : positive('warmup', flags.warmup);
const CLIENTS = positive('clients', flags.clients);
const BULK = positive('bulk', flags.bulk);
const BULK_FACTS = positive('bulk-facts', flags['bulk-facts']);
if (flags.store !== 'sqlite' && flags.store !== 'postgres') throw new Error('--store: sqlite or postgres');
const COMMAND = ['npx tsx bench/single-facts.ts', ...process.argv.slice(2)].join(' ');
const now = () => performance.now();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// ── the facts ───────────────────────────────────────────────────────────────

interface PhaseResult {
  readonly facts: number;
  readonly factsPerRequest: number;
  readonly requestsInFlight: number;
  readonly recordedSeconds: number;
  readonly replicatedSeconds: number;
  readonly factsPerSecondReplicated: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  readonly entries: number;
  /** Cores busy while the phase ran (1 = one core), per process: the two nodes and this load generator. */
  readonly cores: {
    seller: number;
    buyer: number;
    loadGenerator: number;
    sellerMainThread: number;
    buyerMainThread: number;
  };
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

type Heads = Record<string, { seq: number; hash: string } | null>;

async function phase(
  nodes: [Node, Node],
  id: string,
  facts: { seller: unknown[]; buyer: unknown[] },
  perRequest: number,
  inFlight: number,
): Promise<PhaseResult> {
  const [seller, buyer] = nodes;
  const jobsOf = (node: Node, list: unknown[]) =>
    Array.from({ length: Math.ceil(list.length / perRequest) }, (_, i) => ({
      node,
      body: perRequest === 1 ? list[i] : list.slice(i * perRequest, (i + 1) * perRequest),
    }));
  // Interleaved, so both nodes are loaded throughout in the ratio of their facts.
  const jobs = [...jobsOf(seller, facts.seller), ...jobsOf(buyer, facts.buyer)]
    .map((job, i, all) => ({
      job,
      at:
        job.node === seller
          ? i / facts.seller.length
          : (i - all.length + facts.buyer.length) / facts.buyer.length,
    }))
    .sort((a, b) => a.at - b.at)
    .map(({ job }) => job);
  const latency: number[] = [];
  let next = 0;
  const connections = new Map<Node, Connection[]>([
    [seller, []],
    [buyer, []],
  ]);
  const connection = (client: number, node: Node) => {
    const list = connections.get(node)!;
    list[client] ??= new Connection(node);
    return list[client];
  };
  const cpu = (n: Node) => processCpuSeconds(n.child.pid ?? 0) ?? Number.NaN;
  const main = (n: Node) => mainThreadCpuSeconds(n.child.pid ?? 0) ?? Number.NaN;
  const cpu0 = {
    seller: cpu(seller),
    buyer: cpu(buyer),
    sellerMain: main(seller),
    buyerMain: main(buyer),
    self: process.cpuUsage(),
  };
  const t0 = now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, client) => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const start = now();
        const answer = await connection(client, job.node).post(`/bilaterals/${id}/facts`, job.body);
        latency.push(now() - start);
        if (answer.status !== 201) throw new Error(`POST facts: ${answer.status} ${answer.body}`);
      }
    }),
  );
  for (const list of connections.values()) for (const c of list) c?.close();
  const recorded = now();
  // Replicated: each node holds the other's whole stream, with nothing more to come.
  for (;;) {
    const [a, b] = await Promise.all(
      nodes.map(async (n) => (await request<{ heads: Heads }>(n, 'GET', `/bilaterals/${id}`)).heads),
    );
    if ([seller.party, buyer.party].every((p) => a?.[p]?.hash === b?.[p]?.hash)) break;
    await sleep(2);
  }
  const replicated = now();
  const seconds = (replicated - t0) / 1000;
  const share = (used: number) => Math.round((used / seconds) * 100) / 100;
  const own = process.cpuUsage(cpu0.self);
  const cores = {
    seller: share(cpu(seller) - cpu0.seller),
    buyer: share(cpu(buyer) - cpu0.buyer),
    loadGenerator: share((own.user + own.system) / 1e6),
    // The nodes' JavaScript threads alone: requests, SQLite statements and signatures all run there.
    sellerMainThread: share(main(seller) - cpu0.sellerMain),
    buyerMainThread: share(main(buyer) - cpu0.buyerMain),
  };
  const total = facts.seller.length + facts.buyer.length;
  return {
    facts: total,
    factsPerRequest: perRequest,
    requestsInFlight: inFlight,
    recordedSeconds: Math.round(recorded - t0) / 1000,
    replicatedSeconds: Math.round(replicated - t0) / 1000,
    factsPerSecondReplicated: Math.round((total / (replicated - t0)) * 1000),
    latencyMs: percentiles(latency),
    entries: 0,
    cores,
  };
}

async function entryCount(node: Node, id: string): Promise<number> {
  const { heads } = await request<{ heads: Heads }>(node, 'GET', `/bilaterals/${id}`);
  return Object.values(heads).reduce((sum, h) => sum + (h?.seq ?? 0), 0);
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const box = machine();
  const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-single-'));
  log(`data in ${root}`);
  const nodes = await startPair(root, {
    store: flags.store as 'sqlite' | 'postgres',
    profile: flags.profile,
  });
  try {
    const id = await agree(...nodes);
    const start = await entryCount(nodes[0], id);
    let warmup: (PhaseResult & { entries: number }) | undefined;
    if (WARMUP > 0) {
      log(`warm-up: ${WARMUP} facts, one per request, ${CLIENTS} in flight`);
      const result = await phase(nodes, id, sellerBuyerFacts(WARMUP, 'warmup', 0), 1, CLIENTS);
      warmup = { ...result, entries: (await entryCount(nodes[0], id)) - start };
    }
    const before = await entryCount(nodes[0], id);
    log(`single: ${FACTS} facts, one per request, ${CLIENTS} in flight`);
    const single = await phase(nodes, id, sellerBuyerFacts(FACTS, 'single', WARMUP * 2), 1, CLIENTS);
    const middle = await entryCount(nodes[0], id);
    log(`bulk: ${BULK_FACTS} facts, ${BULK} per request, 4 in flight`);
    const bulk = await phase(nodes, id, sellerBuyerFacts(BULK_FACTS, 'bulk', (WARMUP + FACTS) * 2), BULK, 4);
    const after = await entryCount(nodes[0], id);
    const report = {
      benchmark: 'single-facts',
      command: COMMAND,
      date,
      machine: box,
      store: flags.store,
      ...(warmup === undefined ? {} : { warmup }),
      single: { ...single, entries: middle - before },
      bulk: { ...bulk, entries: after - middle },
      singleOverBulk:
        Math.round((single.factsPerSecondReplicated / bulk.factsPerSecondReplicated) * 1000) / 1000,
    };
    printReport(report);
    if (!flags['no-json']) {
      writeResult('single-facts', date, report);
    }
  } finally {
    await stopPair(nodes, root);
  }
}

await main();
