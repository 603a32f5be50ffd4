/**
 * Benchmark: facts recorded between two party nodes while checkpoints are
 * anchored, against the same facts recorded naively as one chain transaction
 * each, on the same Anvil, in one process and one run; and anchor latency from
 * checkpoint (enqueue) to mined transaction.
 *
 *   npx tsx bench/anchoring.ts [--facts 3000] [--concurrency 8] [--bulk 1] [--naive 500]
 *     [--naive-seconds 60] [--tuned 1000] [--window 32] [--anchors 200]
 *     [--batch 20] [--checkpoint-ms 250] [--no-json]
 *
 * Phases, all on one embedded Anvil started by this process:
 * 1. Our path. A Seller and a Buyer node (`startServer`, each with its own
 *    SQLite store, sharing the chain) agree the example terms over REST; then
 *    `--facts` facts are recorded through `POST /bilaterals/:id/facts`, four in
 *    five by the Seller (usage) and one in five by the Buyer (maintenance
 *    outages), `--concurrency` requests in flight per node, while scheduled
 *    checkpoints (250 ms) and the anchoring loop (250 ms) run. Timed until the
 *    counterparty holds every fact, and again until a final checkpoint
 *    covering all of them is anchored (mined).
 * 2. Per-fact baselines on the same chain, each fact an
 *    `AnchorRegistry.anchor(bilateral, seq, factHash)` transaction from a
 *    party of a registered bilateral:
 *    - naive: a plain viem wallet client (local key, no nonce manager, no
 *      fixed gas or fees), `writeContract` then `waitForTransactionReceipt`
 *      with viem's default polling, one fact after the other;
 *    - tuned: local signing, viem's `nonceManager`, gas limit and fees fixed
 *      once, `--window` transactions in flight, receipts polled every 50 ms.
 * 3. Anchor latency: an `Anchorer` driven directly over a SQLite store (as a
 *    node has) and the chain adapter the node uses: `--anchors` checkpoints
 *    enqueued one at a time, each timed from `enqueueAnchor` to `flush()`
 *    resolving with it mined; then the same number in batches of `--batch`.
 *    The live anchors of phase 1 (queued → marked mined) are reported too.
 *
 * Never a test: figures depend on the machine. Compare ratios from one run.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPublicClient, createWalletClient, type Hex, http } from 'viem';
import { nonceManager, privateKeyToAccount } from 'viem/accounts';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import {
  type AnchorChain,
  anchorRegistryAbi,
  anvilBinary,
  bilateralRegistryAbi,
  type ChainPublicClient,
  type ChainWalletClient,
  type ContractAddresses,
  chainOf,
  createAnchorChain,
  createChainPublicClient,
  createChainWalletClient,
  devPrivateKey,
  ensureParty,
  partyIdOf,
  startEmbeddedChain,
} from '../src/chain/index.ts';
import { type OwnerApi, rest } from '../src/cli/rest.ts';
import { generateKeyPair, hashJson, type JsonValue } from '../src/ledger/index.ts';
import { Anchorer, storedBilateralTerms } from '../src/node/index.ts';
import { putSignedBilateral } from '../src/node/node.fixtures.ts';
import { type AnchorKey, openStore, type Store } from '../src/store/index.ts';
import {
  api,
  type Machine,
  machine,
  positive,
  processCpuSeconds,
  sellerBuyerFacts,
  writeResult,
} from './support.ts';

// ── options ─────────────────────────────────────────────────────────────────

const { values: flags } = parseArgs({
  options: {
    facts: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '8' },
    bulk: { type: 'string', default: '1' },
    naive: { type: 'string', default: '500' },
    'naive-seconds': { type: 'string', default: '60' },
    tuned: { type: 'string', default: '1000' },
    window: { type: 'string', default: '32' },
    anchors: { type: 'string', default: '200' },
    batch: { type: 'string', default: '20' },
    'checkpoint-ms': { type: 'string', default: '250' },
    'no-json': { type: 'boolean', default: false },
  },
  strict: true,
});

const FACTS = positive('facts', flags.facts);
const CONCURRENCY = positive('concurrency', flags.concurrency);
/** Facts per request: 1 posts each fact alone; more posts arrays (`POST …/facts` takes many at once). */
const BULK = positive('bulk', flags.bulk);
const NAIVE = positive('naive', flags.naive);
const NAIVE_SECONDS = positive('naive-seconds', flags['naive-seconds']);
const TUNED = positive('tuned', flags.tuned);
const WINDOW = positive('window', flags.window);
const ANCHORS = positive('anchors', flags.anchors);
const BATCH = positive('batch', flags.batch);
/** Scheduled checkpoints and anchoring rounds of phase 1; 0 turns scheduled checkpoints off (diagnosis only). */
const INTERVAL_MS = Number(flags['checkpoint-ms']);
if (!Number.isSafeInteger(INTERVAL_MS) || INTERVAL_MS < 0)
  throw new Error('--checkpoint-ms: expected an integer >= 0');

const COMMAND = ['npx tsx bench/anchoring.ts', ...process.argv.slice(2)].join(' ');
const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');
const TERMS = JSON.parse(readFileSync(join(EXAMPLE, 'terms.json'), 'utf8')) as Record<string, JsonValue>;
/** The example's order and activation of S1: the facts the benchmark's outages and usage rely on. */
const LIFECYCLE = readFileSync(join(EXAMPLE, 'facts.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { type: string })
  .filter((fact) => fact.type === 'service.ordered' || fact.type === 'service.activated');

// ── small helpers ───────────────────────────────────────────────────────────

const now = () => performance.now();
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomHash = () => randomBytes(32).toString('hex');
const bytes32 = (hash: string) => `0x${hash}` as Hex;

interface Stats {
  readonly n: number;
  readonly min: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentiles of `samples` (milliseconds). */
function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: rank(0.5) ?? Number.NaN,
    p99: rank(0.99) ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : 'n/a');
const fmtStats = (s: Stats) =>
  `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, min ${ms(s.min)}, max ${ms(s.max)} (n=${s.n})`;
const rate = (count: number, elapsedMs: number) => (count * 1000) / elapsedMs;

/** Runs `task` over `items` with at most `concurrency` in flight; rejects on the first failure. */
async function pool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** CPU use during `task`, in cores (1 = one core busy): this process and Anvil. */
async function withCpu<T>(
  anvil: number | undefined,
  task: () => Promise<T>,
): Promise<{ value: T; cpu: { benchProcess: number; anvil: number | undefined } }> {
  const start = process.cpuUsage();
  const anvilStart = anvil === undefined ? undefined : processCpuSeconds(anvil);
  const t0 = now();
  const value = await task();
  const seconds = (now() - t0) / 1000;
  const used = process.cpuUsage(start);
  const anvilEnd = anvil === undefined ? undefined : processCpuSeconds(anvil);
  return {
    value,
    cpu: {
      benchProcess: (used.user + used.system) / 1e6 / seconds,
      anvil:
        anvilStart === undefined || anvilEnd === undefined ? undefined : (anvilEnd - anvilStart) / seconds,
    },
  };
}

const cpuLine = (cpu: { benchProcess: number; anvil: number | undefined }) =>
  `CPU: bench process ${(cpu.benchProcess * 100).toFixed(0)}% of a core, Anvil ${cpu.anvil === undefined ? 'n/a' : `${(cpu.anvil * 100).toFixed(0)}%`}`;

function anvilPid(rpcUrl: string, dir: string): number | undefined {
  try {
    const endpoint = JSON.parse(readFileSync(join(dir, 'endpoint.json'), 'utf8')) as {
      rpcUrl: string;
      pid: number;
    };
    return endpoint.rpcUrl === rpcUrl ? endpoint.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Wraps an async method of `target` to time each call (wall clock, milliseconds). */
function timeMethod<K extends string>(target: Record<K, unknown>, name: K, samples: number[]): void {
  const original = target[name] as (...args: unknown[]) => Promise<unknown>;
  target[name] = (async (...args: unknown[]) => {
    const start = now();
    try {
      return await original.apply(target, args);
    } finally {
      samples.push(now() - start);
    }
  }) as never;
}

// ── chain setup shared by the baselines ─────────────────────────────────────

interface Endpoint {
  readonly rpcUrl: string;
  readonly chainId: number;
}

/** Registers `party` from `key`'s account (idempotent). */
async function registerParty(endpoint: Endpoint, addresses: ContractAddresses, party: string, key: Hex) {
  const wallet = createChainWalletClient({ ...endpoint, privateKey: key });
  const client = createChainPublicClient(endpoint);
  await ensureParty(wallet, client, addresses, {
    party,
    entryKey: generateKeyPair().publicKey,
    endpoint: `http://127.0.0.1/${party}`,
  });
}

/** Registers a bilateral `id` between two registered parties, from the seller's account. */
async function registerBilateral(
  wallet: ChainWalletClient,
  client: ChainPublicClient,
  addresses: ContractAddresses,
  id: string,
  seller: string,
  buyer: string,
): Promise<void> {
  const hash = await wallet.writeContract({
    address: addresses.bilateralRegistry,
    abi: bilateralRegistryAbi,
    functionName: 'register',
    args: [bytes32(id), partyIdOf(seller), partyIdOf(buyer), bytes32(randomHash())],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`registering bilateral ${id} reverted`);
}

// ── phase 1: our path ───────────────────────────────────────────────────────

interface OurPathResult {
  readonly facts: number;
  readonly concurrency: number;
  readonly recordedMs: number;
  readonly replicatedMs: number;
  readonly anchoredMs: number;
  readonly factsPerSecondReplicated: number;
  readonly factsPerSecondAnchored: number;
  readonly requestLatency: Stats;
  readonly notReplicatedOnResponse: number;
  readonly checkpoints: number;
  readonly checkpointDuration: Stats;
  readonly checkpointDurationFirst10: Stats;
  readonly checkpointDurationLast10: Stats;
  readonly anchorsMined: number;
  readonly anchorTransactions: number;
  readonly liveAnchorLatency: Stats;
  readonly finalAnchorSeq: number;
  readonly cpu: { readonly benchProcess: number; readonly anvil: number | undefined };
  /** Entries the peer endpoints received (and verified) per entry appended: > 1 means duplicate pushes. */
  readonly peerEntriesReceived: number;
  readonly peerEntriesAppended: number;
}

async function ourPath(root: string, chainDir: string, anvil: number | undefined): Promise<OurPathResult> {
  const chain = { embeddedDir: chainDir, anchorIntervalMs: INTERVAL_MS || 250 };
  const common = { syncIntervalMs: 0, checkpointIntervalMs: INTERVAL_MS, chain };
  let seller: RunningNode | undefined;
  let buyer: RunningNode | undefined;
  try {
    seller = await startServer({ dataDir: join(root, 'seller'), party: 'acme-fiber', ...common });
    buyer = await startServer({ dataDir: join(root, 'buyer'), party: 'globex', ...common });
    await introduce(seller, buyer);

    // Instrumentation: checkpoint durations, and when each anchor is marked mined.
    const checkpointMs: number[] = [];
    timeMethod(seller.node.checkpoints as unknown as Record<'now', unknown>, 'now', checkpointMs);
    const minedAt = new Map<string, number>();
    const anchorTxs = new Set<string>();
    const store = seller.node.store as Store & Record<'markAnchorsMined', unknown>;
    const markMined = store.markAnchorsMined.bind(store);
    store.markAnchorsMined = async (keys: readonly AnchorKey[], mined: Parameters<typeof markMined>[1]) => {
      await markMined(keys, mined);
      const at = Date.now();
      anchorTxs.add(mined.txHash);
      for (const key of keys) minedAt.set(`${key.bilateral}#${key.seq}`, at);
    };

    // Every entry a node's peer endpoint receives, and how many of them it appended.
    let received = 0;
    let appended = 0;
    for (const node of [seller.node, buyer.node]) {
      const target = node.replication as unknown as Record<'receive', unknown>;
      const receive = node.replication.receive.bind(node.replication);
      target.receive = async (id: string, from: string, inputs: readonly unknown[]) => {
        const results = await receive(id, from, inputs);
        received += inputs.length;
        appended += results.filter((r) => r.status === 'appended').length;
        return results;
      };
    }

    const created = await rest<{ id: string }>(api(seller), 'POST', '/bilaterals', {
      terms: TERMS,
      peer: buyer.peerUrl,
    });
    const id = created.id;
    for (const fact of LIFECYCLE) {
      await rest(api(seller), 'POST', `/bilaterals/${id}/facts`, fact);
    }
    // Let the first checkpoint and its anchor (which registers the bilateral on chain) go through.
    await rest(api(seller), 'POST', `/bilaterals/${id}/checkpoints`);
    const checkpointsBefore = checkpointMs.length;
    const receivedBefore = received;
    const appendedBefore = appended;
    const minedBefore = new Set(minedAt.keys());
    const txsBefore = new Set(anchorTxs);

    const { seller: sellerFacts, buyer: buyerFacts } = sellerBuyerFacts(FACTS, 'u');
    const requestMs: number[] = [];
    let notReplicated = 0;
    // Entries written: a bulk request makes `facts` entries of up to 1,000 facts, and single
    // facts arriving together share one (group commit), so count distinct author/seq.
    const entryKeys = new Set<string>();
    const record = (url: OwnerApi) => async (facts: readonly unknown[]) => {
      const start = now();
      const body = BULK === 1 ? facts[0] : facts;
      const answer = await rest<{
        replicated: boolean;
        ref?: string;
        entries?: { author: string; seq: number }[];
      }>(url, 'POST', `/bilaterals/${id}/facts`, body);
      requestMs.push(now() - start);
      if (!answer.replicated) notReplicated++;
      if (answer.ref !== undefined) entryKeys.add(answer.ref.split('#')[0]!);
      for (const e of answer.entries ?? []) entryKeys.add(`${e.author}/${e.seq}`);
    };
    const chunks = (facts: readonly unknown[]) =>
      Array.from({ length: Math.ceil(facts.length / BULK) }, (_, i) => facts.slice(i * BULK, (i + 1) * BULK));

    log(
      `our path: recording ${FACTS} facts, ${BULK} per request, ${CONCURRENCY} requests in flight per node`,
    );
    const cpuStart = process.cpuUsage();
    const anvilStart = anvil === undefined ? undefined : processCpuSeconds(anvil);
    const t0 = now();
    await Promise.all([
      pool(chunks(sellerFacts), CONCURRENCY, record(api(seller))),
      pool(chunks(buyerFacts), CONCURRENCY, record(api(buyer))),
    ]);
    const tRecorded = now();

    // Replicated: each node holds the other's whole stream.
    type Heads = Record<string, { seq: number; hash: string } | null>;
    const headsOf = async (url: OwnerApi) =>
      (await rest<{ heads: Heads }>(url, 'GET', `/bilaterals/${id}`)).heads;
    for (;;) {
      const [atSeller, atBuyer] = await Promise.all([headsOf(api(seller)), headsOf(api(buyer))]);
      const same = ['acme-fiber', 'globex'].every((p) => atSeller[p]?.hash === atBuyer[p]?.hash);
      const total = (atSeller['acme-fiber']?.seq ?? 0) + (atSeller.globex?.seq ?? 0);
      if (same && total === entryKeys.size + 2) break;
      await rest(api(seller), 'POST', `/bilaterals/${id}/sync`);
      await sleep(10);
    }
    const tReplicated = now();

    // The final checkpoint covering every fact, anchored.
    const final = await rest<{ checkpoint: { checkpoint: { heads: Record<string, { seq: number }> } } }>(
      api(seller),
      'POST',
      `/bilaterals/${id}/checkpoints`,
    );
    const finalSeq = Object.values(final.checkpoint.checkpoint.heads).reduce((s, h) => s + h.seq, 0);
    for (;;) {
      const anchors = await rest<{ seq: number; status: string }[]>(
        api(seller),
        'GET',
        `/bilaterals/${id}/anchors`,
      );
      if (anchors.some((a) => a.seq === finalSeq && a.status === 'mined')) break;
      await sleep(5);
    }
    const tAnchored = now();
    const cpu = process.cpuUsage(cpuStart);
    const anvilEnd = anvil === undefined ? undefined : processCpuSeconds(anvil);
    const elapsedS = (tAnchored - t0) / 1000;

    const anchors = await seller.node.checkpoints.anchors(id);
    const live = anchors
      .filter((a) => !minedBefore.has(`${a.bilateral}#${a.seq}`))
      .flatMap((a) => {
        const mined = minedAt.get(`${a.bilateral}#${a.seq}`);
        return mined === undefined ? [] : [mined - Date.parse(a.queuedAt)];
      });
    const during = checkpointMs.slice(checkpointsBefore);
    return {
      facts: FACTS,
      concurrency: CONCURRENCY,
      recordedMs: tRecorded - t0,
      replicatedMs: tReplicated - t0,
      anchoredMs: tAnchored - t0,
      factsPerSecondReplicated: rate(FACTS, tReplicated - t0),
      factsPerSecondAnchored: rate(FACTS, tAnchored - t0),
      requestLatency: stats(requestMs),
      notReplicatedOnResponse: notReplicated,
      checkpoints: during.length,
      checkpointDuration: stats(during),
      checkpointDurationFirst10: stats(during.slice(0, 10)),
      checkpointDurationLast10: stats(during.slice(-10)),
      anchorsMined: live.length,
      anchorTransactions: [...anchorTxs].filter((tx) => !txsBefore.has(tx)).length,
      liveAnchorLatency: stats(live),
      finalAnchorSeq: finalSeq,
      cpu: {
        benchProcess: (cpu.user + cpu.system) / 1e6 / elapsedS,
        anvil:
          anvilStart === undefined || anvilEnd === undefined ? undefined : (anvilEnd - anvilStart) / elapsedS,
      },
      peerEntriesReceived: received - receivedBefore,
      peerEntriesAppended: appended - appendedBefore,
    };
  } finally {
    await buyer?.close();
    await seller?.close();
  }
}

// ── phase 2: one chain transaction per fact ─────────────────────────────────

interface PerFactResult {
  readonly cpu?: { readonly benchProcess: number; readonly anvil: number | undefined };
  readonly facts: number;
  readonly elapsedMs: number;
  readonly factsPerSecond: number;
  readonly latency: Stats;
  readonly reverted: number;
}

async function naiveBaseline(endpoint: Endpoint, addresses: ContractAddresses, key: Hex, bilateral: string) {
  // Plain viem: a local key without a nonce manager, viem's default polling interval.
  const chain = chainOf(endpoint);
  const wallet = createWalletClient({
    account: privateKeyToAccount(key),
    chain,
    transport: http(endpoint.rpcUrl),
  });
  const client = createPublicClient({ chain, transport: http(endpoint.rpcUrl) });
  log(`naive: up to ${NAIVE} facts (or ${NAIVE_SECONDS} s), polling every ${client.pollingInterval} ms`);
  const latency: number[] = [];
  let reverted = 0;
  const deadline = now() + NAIVE_SECONDS * 1000;
  const t0 = now();
  for (let seq = 1; seq <= NAIVE && now() < deadline; seq++) {
    const start = now();
    const hash = await wallet.writeContract({
      address: addresses.anchorRegistry,
      abi: anchorRegistryAbi,
      functionName: 'anchor',
      args: [bytes32(bilateral), BigInt(seq), bytes32(hashJson({ fact: seq }))],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') reverted++;
    latency.push(now() - start);
  }
  const elapsed = now() - t0;
  return {
    result: {
      facts: latency.length,
      elapsedMs: elapsed,
      factsPerSecond: rate(latency.length, elapsed),
      latency: stats(latency),
      reverted,
    } satisfies PerFactResult,
    pollingInterval: client.pollingInterval,
  };
}

async function tunedBaseline(
  endpoint: Endpoint,
  addresses: ContractAddresses,
  key: Hex,
  bilateral: string,
): Promise<PerFactResult & { readonly window: number; readonly gas: string }> {
  const chain = chainOf(endpoint);
  const wallet = createWalletClient({
    account: privateKeyToAccount(key, { nonceManager }),
    chain,
    transport: http(endpoint.rpcUrl),
    pollingInterval: 50,
  });
  const client = createPublicClient({ chain, transport: http(endpoint.rpcUrl), pollingInterval: 50 });
  const contract = { address: addresses.anchorRegistry, abi: anchorRegistryAbi } as const;
  // Gas limit and fees fixed once, as a tuned sender would for one known call.
  const estimate = await client.estimateContractGas({
    ...contract,
    functionName: 'anchor',
    args: [bytes32(bilateral), 1n, bytes32(randomHash())],
    account: wallet.account,
  });
  const gas = (estimate * 3n) / 2n;
  const fees = await client.estimateFeesPerGas();
  const fixed = {
    gas,
    maxFeePerGas: fees.maxFeePerGas * 2n,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  };
  log(`tuned: ${TUNED} facts, ${WINDOW} in flight, polling every 50 ms`);
  const latency: number[] = [];
  let reverted = 0;
  const seqs = Array.from({ length: TUNED }, (_, i) => i + 1);
  const t0 = now();
  // A sliding window: sends start in seq order, so nonces (taken in call order) follow seq.
  const inFlight = new Set<Promise<void>>();
  for (const seq of seqs) {
    while (inFlight.size >= WINDOW) await Promise.race(inFlight);
    const task = (async () => {
      const start = now();
      const hash = await wallet.writeContract({
        ...contract,
        ...fixed,
        functionName: 'anchor',
        args: [bytes32(bilateral), BigInt(seq), bytes32(hashJson({ fact: seq }))],
      });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') reverted++;
      latency.push(now() - start);
    })().finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  const elapsed = now() - t0;
  return {
    facts: TUNED,
    elapsedMs: elapsed,
    factsPerSecond: rate(TUNED, elapsed),
    latency: stats(latency),
    reverted,
    window: WINDOW,
    gas: gas.toString(),
  };
}

// ── phase 3: anchor latency through the Anchorer ────────────────────────────

interface LatencyResult {
  readonly single: Stats;
  readonly singlePerSecond: number;
  readonly batch: number;
  readonly batched: Stats;
  readonly batchedAnchorsPerSecond: number;
  readonly breakdown: Record<string, Stats>;
}

async function anchorLatency(
  root: string,
  endpoint: Endpoint,
  addresses: ContractAddresses,
  sellerKey: Hex,
  parties: { seller: string; buyer: string },
): Promise<LatencyResult> {
  const store = await openStore(`sqlite:${join(root, 'latency', 'node.db')}`);
  try {
    // A bilateral in the store (anchors reference it) between the two registered parties.
    const terms = {
      ...TERMS,
      seller: { ...(TERMS.seller as object), id: parties.seller },
      buyer: { ...(TERMS.buyer as object), id: parties.buyer },
    } as JsonValue;
    const id = await putSignedBilateral(store, terms, parties, 'http://127.0.0.1:1');

    const adapter = createAnchorChain({
      publicClient: createChainPublicClient(endpoint),
      walletClient: createChainWalletClient({ ...endpoint, privateKey: sellerKey }),
      addresses,
      bilateralTerms: storedBilateralTerms(store),
    });
    // Time each chain call the loop makes, to see where an anchor's latency goes.
    const phases: Record<string, number[]> = {};
    const chain = { ...adapter } as AnchorChain & Record<string, unknown>;
    for (const name of ['ensureBilateral', 'latest', 'sendBatch', 'waitMined'] as const) {
      phases[name] = [];
      timeMethod(chain, name, phases[name]);
    }
    const anchorer = new Anchorer({ store, chain, batchSize: Math.max(BATCH, 200) });
    let seq = 0;
    const enqueue = () =>
      store.enqueueAnchor({
        bilateral: id,
        seq: ++seq,
        value: randomHash(),
        queuedAt: new Date().toISOString(),
      });

    // Warm-up: registers the bilateral on chain; not measured.
    await enqueue();
    if ((await anchorer.flush()) !== 1) throw new Error('warm-up anchor not mined');
    for (const samples of Object.values(phases)) samples.length = 0;

    log(`latency: ${ANCHORS} anchors one at a time`);
    const single: number[] = [];
    const t0 = now();
    for (let i = 0; i < ANCHORS; i++) {
      const start = now();
      await enqueue();
      const mined = await anchorer.flush();
      if (mined !== 1) throw new Error(`anchor ${seq}: flush mined ${mined}`);
      single.push(now() - start);
    }
    const singleElapsed = now() - t0;
    const breakdown = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, stats(v)]));

    log(`latency: ${ANCHORS} anchors in batches of ${BATCH}`);
    const batched: number[] = [];
    const t1 = now();
    for (let done = 0; done < ANCHORS; done += BATCH) {
      const size = Math.min(BATCH, ANCHORS - done);
      const queued: number[] = [];
      for (let i = 0; i < size; i++) {
        queued.push(now());
        await enqueue();
      }
      const mined = await anchorer.flush();
      if (mined !== size) throw new Error(`batch ending ${seq}: flush mined ${mined} of ${size}`);
      const end = now();
      for (const start of queued) batched.push(end - start);
    }
    const batchedElapsed = now() - t1;
    const left = await store.dueAnchors(new Date(Date.now() + 3_600_000).toISOString(), 10);
    if (left.length > 0) throw new Error(`${left.length} anchors still queued`);
    return {
      single: stats(single),
      singlePerSecond: rate(ANCHORS, singleElapsed),
      batch: BATCH,
      batched: stats(batched),
      batchedAnchorsPerSecond: rate(ANCHORS, batchedElapsed),
      breakdown,
    };
  } finally {
    await store.close();
  }
}

// ── main ────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const anvilVersion = execFileSync(anvilBinary(), ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  const box = { ...machine(), anvil: anvilVersion.trim() };
  const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-anchoring-'));
  const chainDir = join(root, 'chain');
  log(`data in ${root}`);
  // This process owns Anvil: the nodes join it and the baselines run on it after they stop.
  const embedded = await startEmbeddedChain({ dir: chainDir });
  try {
    const endpoint: Endpoint = { rpcUrl: embedded.rpcUrl, chainId: embedded.chainId };
    const { addresses } = embedded;
    const pid = anvilPid(embedded.rpcUrl, chainDir);

    const ours = await ourPath(root, chainDir, pid);

    // Baseline parties (development accounts 1–5; the nodes use their own keys, the deployer account 0).
    const keys = {
      naive: devPrivateKey(1),
      tuned: devPrivateKey(2),
      latency: devPrivateKey(3),
      buyer: devPrivateKey(4),
    };
    await registerParty(endpoint, addresses, 'bench-naive', keys.naive);
    await registerParty(endpoint, addresses, 'bench-tuned', keys.tuned);
    await registerParty(endpoint, addresses, 'bench-latency', keys.latency);
    await registerParty(endpoint, addresses, 'bench-buyer', keys.buyer);
    const client = createChainPublicClient(endpoint);
    const naiveBilateral = randomHash();
    const tunedBilateral = randomHash();
    await registerBilateral(
      createChainWalletClient({ ...endpoint, privateKey: keys.naive }),
      client,
      addresses,
      naiveBilateral,
      'bench-naive',
      'bench-buyer',
    );
    await registerBilateral(
      createChainWalletClient({ ...endpoint, privateKey: keys.tuned }),
      client,
      addresses,
      tunedBilateral,
      'bench-tuned',
      'bench-buyer',
    );

    const naiveRun = await withCpu(pid, () => naiveBaseline(endpoint, addresses, keys.naive, naiveBilateral));
    const naive = { ...naiveRun.value, result: { ...naiveRun.value.result, cpu: naiveRun.cpu } };
    const tunedRun = await withCpu(pid, () => tunedBaseline(endpoint, addresses, keys.tuned, tunedBilateral));
    const tuned = { ...tunedRun.value, cpu: tunedRun.cpu };
    const latency = await anchorLatency(root, endpoint, addresses, keys.latency, {
      seller: 'bench-latency',
      buyer: 'bench-buyer',
    });

    const ratioNaive = ours.factsPerSecondReplicated / naive.result.factsPerSecond;
    const ratioTuned = ours.factsPerSecondReplicated / tuned.factsPerSecond;
    const report = {
      benchmark: 'anchoring',
      command: COMMAND,
      date,
      machine: box,
      settings: {
        facts: FACTS,
        concurrencyPerNode: CONCURRENCY,
        factsPerRequest: BULK,
        checkpointIntervalMs: INTERVAL_MS,
        anchorIntervalMs: INTERVAL_MS,
        naive: NAIVE,
        naiveSeconds: NAIVE_SECONDS,
        naivePollingIntervalMs: naive.pollingInterval,
        tuned: TUNED,
        window: WINDOW,
        anchors: ANCHORS,
        batch: BATCH,
      },
      ours,
      naive: naive.result,
      tuned,
      latency,
      ratios: {
        oursOverNaive: ratioNaive,
        oursOverTuned: ratioTuned,
        target: 100,
        meetsTarget: ratioNaive >= 100,
      },
    };
    printReport(report);
    if (!flags['no-json']) {
      writeResult('anchoring', date, report);
    }
  } finally {
    await embedded.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

function printReport(r: {
  command: string;
  date: string;
  machine: Machine & { anvil: string };
  ours: OurPathResult;
  naive: PerFactResult;
  tuned: PerFactResult & { window: number };
  latency: LatencyResult;
  ratios: { oursOverNaive: number; oursOverTuned: number };
  settings: { naivePollingIntervalMs: number };
}): void {
  const { ours, naive, tuned, latency: l } = r;
  const f = (v: number) => v.toFixed(1);
  const lines = [
    '',
    '== Anchoring benchmark ==',
    `command:  ${r.command}`,
    `date:     ${r.date}`,
    `machine:  ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.os}`,
    `          node ${r.machine.node}, ${r.machine.anvil}; load average at start ${String(r.machine.loadAverageAtStart)}, at end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(',')}`,
    '',
    `-- our path: ${ours.facts} facts over REST, ${BULK} per request, ${ours.concurrency} requests in flight per node, checkpoints and anchoring every ${INTERVAL_MS} ms`,
    `recorded (all responses):           ${(ours.recordedMs / 1000).toFixed(2)} s`,
    `recorded and replicated:            ${(ours.replicatedMs / 1000).toFixed(2)} s  -> ${f(ours.factsPerSecondReplicated)} facts/s`,
    `... and final checkpoint anchored:  ${(ours.anchoredMs / 1000).toFixed(2)} s  -> ${f(ours.factsPerSecondAnchored)} facts/s`,
    `request latency:                    ${fmtStats(ours.requestLatency)}`,
    `not replicated on response:         ${ours.notReplicatedOnResponse}`,
    `peer entries received / appended:   ${ours.peerEntriesReceived} / ${ours.peerEntriesAppended} (${(ours.peerEntriesReceived / ours.peerEntriesAppended).toFixed(1)} deliveries per entry)`,
    `checkpoints during the run:         ${ours.checkpoints}; duration ${fmtStats(ours.checkpointDuration)}`,
    `  first 10 / last 10 (p50):         ${ms(ours.checkpointDurationFirst10.p50)} / ${ms(ours.checkpointDurationLast10.p50)}`,
    `anchors mined during the run:       ${ours.anchorsMined} in ${ours.anchorTransactions} transaction(s); final anchor seq ${ours.finalAnchorSeq}`,
    `live anchor latency (queued→mined): ${fmtStats(ours.liveAnchorLatency)}`,
    cpuLine(ours.cpu),
    '',
    `-- naive: one anchor() tx per fact, plain writeContract + waitForTransactionReceipt (polling ${r.settings.naivePollingIntervalMs} ms), sequential`,
    `${naive.facts} facts in ${(naive.elapsedMs / 1000).toFixed(2)} s -> ${f(naive.factsPerSecond)} facts/s; latency ${fmtStats(naive.latency)}; reverted ${naive.reverted}`,
    ...(naive.cpu === undefined ? [] : [cpuLine(naive.cpu)]),
    `-- tuned naive: local signing, nonceManager, fixed gas/fees, ${tuned.window} in flight, polling 50 ms`,
    `${tuned.facts} facts in ${(tuned.elapsedMs / 1000).toFixed(2)} s -> ${f(tuned.factsPerSecond)} facts/s; latency ${fmtStats(tuned.latency)}; reverted ${tuned.reverted}`,
    ...(tuned.cpu === undefined ? [] : [cpuLine(tuned.cpu)]),
    '',
    `-- anchor latency (Anchorer over SQLite + chain adapter, enqueue → mined)`,
    `one at a time:      ${fmtStats(l.single)}; ${f(l.singlePerSecond)} anchors/s`,
    `batches of ${l.batch}:      ${fmtStats(l.batched)}; ${f(l.batchedAnchorsPerSecond)} anchors/s`,
    ...Object.entries(l.breakdown).map(([k, s]) => `  ${`${k}:`.padEnd(18)}${fmtStats(s)}`),
    '',
    `RATIO ours / naive:       ${f(r.ratios.oursOverNaive)}x  (target >= 100x: ${r.ratios.oursOverNaive >= 100 ? 'met' : 'MISSED'})`,
    `RATIO ours / tuned naive: ${f(r.ratios.oursOverTuned)}x`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

await main();
