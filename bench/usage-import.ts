/**
 * Benchmark: usage import at carrier volume (issue "usage at carrier
 * volume"): parse, check, deduplicate, hash, Merkle, sign and store
 * `--records` usage records from one CSV file, on SQLite and on PostgreSQL.
 *
 *   npx tsx bench/usage-import.ts [--records 10000000] [--pg-records N]
 *     [--engines sqlite,postgres] [--batch 10000] [--keep] [--skip-reimport]
 *
 * The CSV (`id,service,metric,quantity,at,char_zone`, one bilateral, service
 * S1 of the example terms, times inside its active life) is generated once
 * per size into a temp folder, streaming. A Seller and a Buyer node
 * (`startServer`, `chain: false`, Buyer on SQLite) agree the example terms
 * over REST and record the example facts; then each engine is measured in its
 * own child process (so peak memory is that engine's alone): the Seller's
 * store is a SQLite file in the temp folder, or a fresh PostgreSQL database
 * created from template0 on postgres://postgres@127.0.0.1:5432 and dropped
 * after. Timed: `importUsageFile` on the Seller, from opening the file to
 * the report (batch entries pushed to the Buyer in the background, the last
 * push awaited). Peak RSS: `process.memoryUsage().rss` sampled every 100 ms
 * (max), and the kernel's `maxRSS` of the child as a cross-check.
 *
 * Never a test: figures depend on the machine.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import { rest } from '../src/cli/rest.ts';
import { importUsageFile } from '../src/node/index.ts';
import { api, machine, writeUsageCsv } from './support.ts';

const example = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';

type Engine = 'sqlite' | 'postgres';

interface Result {
  readonly engine: Engine;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** CPU time of the whole process (every thread, the Buyer's node included) during the import. */
  readonly cpuSeconds: number;
  readonly cpuMicrosPerRecord: number;
  readonly peakRssMiB: number;
  readonly maxRssMiB: number;
  /** The V8 heap (total, used) and off-heap (external) memory at the RSS peak. */
  readonly atPeakMiB: { readonly heapTotal: number; readonly heapUsed: number; readonly external: number };
  readonly batches: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly replicated: boolean | null;
  readonly reimportSeconds?: number;
}

function log(line: string): void {
  process.stderr.write(`[usage-import] ${line}\n`);
}

// ── child: one engine ───────────────────────────────────────────────────────

/** One engine's run, as the parent passes it to its child process on the command line. */
interface Run {
  readonly engine: Engine;
  readonly csv: string;
  readonly records: number;
  readonly root: string;
  readonly batch: number;
  readonly skipReimport: boolean;
}

async function child({ engine, csv, records, root, batch, skipReimport }: Run) {
  let peak = process.memoryUsage().rss;
  /** What the V8 heap and off-heap memory were at the peak (MiB). */
  let atPeak = { heapTotal: 0, heapUsed: 0, external: 0 };
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak) {
      peak = now.rss;
      const mib = (n: number) => Math.round(n / 2 ** 20);
      atPeak = { heapTotal: mib(now.heapTotal), heapUsed: mib(now.heapUsed), external: mib(now.external) };
    }
  }, 100);
  let database: string | undefined;
  let seller: RunningNode | undefined;
  let buyer: RunningNode | undefined;
  const dir = join(root, engine);
  mkdirSync(dir, { recursive: true });
  try {
    let storeUrl = `sqlite:${join(dir, 'seller.db')}`;
    if (engine === 'postgres') {
      database = `sb_bench_usage_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      await admin.query(`create database ${database} template template0`);
      await admin.end();
      storeUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
    }
    const options = { syncIntervalMs: 0, checkpointIntervalMs: 0, chain: false as const };
    seller = await startServer({ dataDir: join(dir, 'seller'), party: 'acme-fiber', storeUrl, ...options });
    buyer = await startServer({ dataDir: join(dir, 'buyer'), party: 'globex', ...options });
    await introduce(seller, buyer);
    const terms = { ...JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8')), id: 'msa-bench' };
    const { id } = await rest<{ id: string }>(api(seller), 'POST', '/bilaterals', {
      terms,
      peer: buyer.peerUrl,
    });
    const facts = readFileSync(join(example, 'facts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
    for (const fact of facts) await rest(api(seller), 'POST', `/bilaterals/${id}/facts`, fact);

    global.gc?.();
    peak = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let lastLog = started;
    const report = await importUsageFile(seller.node.usage, id, csv, {
      source: 'usage.csv',
      batchSize: batch,
      onProgress: (n, ms) => {
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          log(`${engine}: ${n} records, ${Math.round(n / (ms / 1000))} records/s`);
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    peak = Math.max(peak, process.memoryUsage().rss);
    // Re-importing the same file changes nothing (not part of the timed figure). Skipped with
    // --skip-reimport, to profile the import alone.
    let reimportSeconds: number | undefined;
    if (!skipReimport) {
      const again = performance.now();
      const second = await importUsageFile(seller.node.usage, id, csv, {
        source: 'usage.csv',
        batchSize: batch,
      });
      reimportSeconds = (performance.now() - again) / 1000;
      if (second.accepted !== 0 || second.duplicates !== records || second.batches !== 0) {
        throw new Error(`re-import wrote something: ${JSON.stringify(second)}`);
      }
    }
    const result: Result = {
      engine,
      records,
      seconds: Math.round(seconds * 100) / 100,
      recordsPerSecond: Math.round(records / seconds),
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      cpuMicrosPerRecord: Math.round((cpuSeconds * 1e7) / records) / 10,
      peakRssMiB: Math.round(peak / 2 ** 20),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      atPeakMiB: atPeak,
      batches: report.batches,
      accepted: report.accepted,
      rejected: report.rejectedTotal,
      replicated: report.replicated,
      ...(reimportSeconds === undefined ? {} : { reimportSeconds: Math.round(reimportSeconds * 100) / 100 }),
    };
    if (report.accepted !== records || report.rejectedTotal !== 0) {
      throw new Error(`unexpected report: ${JSON.stringify({ ...report, rejections: report.rejections })}`);
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(sampler);
    await seller?.close();
    await buyer?.close();
    if (database !== undefined) {
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  }
}

// ── parent ──────────────────────────────────────────────────────────────────

async function runChild({ engine, csv, records, root, batch, skipReimport }: Run) {
  const args = [
    ...process.execArgv,
    process.argv[1]!,
    '--child',
    engine,
    '--csv',
    csv,
    '--records',
    String(records),
    '--root',
    root,
    '--batch',
    String(batch),
    ...(skipReimport ? ['--skip-reimport'] : []),
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${engine} run failed (exit ${code})`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as Result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '10000000' },
      'pg-records': { type: 'string' },
      engines: { type: 'string', default: 'sqlite,postgres' },
      batch: { type: 'string', default: '10000' },
      keep: { type: 'boolean', default: false },
      'skip-reimport': { type: 'boolean', default: false },
      child: { type: 'string' },
      csv: { type: 'string' },
      root: { type: 'string' },
    },
  });
  const records = Number(values.records);
  const batch = Number(values.batch);
  if (values.child !== undefined) {
    await child({
      engine: values.child as Engine,
      csv: values.csv!,
      records,
      root: values.root!,
      batch,
      skipReimport: values['skip-reimport'],
    });
    return;
  }
  const pgRecords = Number(values['pg-records'] ?? records);
  const engines = values.engines.split(',') as Engine[];
  const box = machine();
  const date = new Date().toISOString();
  const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-usage-'));
  log(`data in ${root}`);
  const results: Result[] = [];
  try {
    for (const engine of engines) {
      const n = engine === 'postgres' ? pgRecords : records;
      const csv = join(root, `usage-${n}.csv`);
      if (!existsSync(csv)) {
        const t = performance.now();
        await writeUsageCsv(csv, n);
        log(
          `generated ${n} records (${Math.round(statSync(csv).size / 2 ** 20)} MiB) in ${Math.round(performance.now() - t)} ms`,
        );
      }
      log(`${engine}: importing ${n} records`);
      const result = await runChild({
        engine,
        csv,
        records: n,
        root,
        batch,
        skipReimport: values['skip-reimport'],
      });
      log(JSON.stringify(result));
      results.push(result);
    }
  } finally {
    if (!values.keep) rmSync(root, { recursive: true, force: true });
  }
  const command = `npx tsx bench/usage-import.ts ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`command: ${command}`);
  console.log(`date: ${date}`);
  console.log(
    `machine: ${box.cpu}, ${box.cores} cores, ${box.memoryGiB} GiB, ${box.os}, node ${box.node}, load ${box.loadAverageAtStart.join(' ')}`,
  );
  console.log(
    '| engine | records | seconds | records/s | CPU s (µs/record) | peak RSS (100 ms samples) | kernel maxRSS | re-import s |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.engine} | ${r.records.toLocaleString('en')} | ${r.seconds} | ${r.recordsPerSecond.toLocaleString('en')} | ${r.cpuSeconds} (${r.cpuMicrosPerRecord}) | ${r.peakRssMiB} MiB | ${r.maxRssMiB} MiB | ${r.reimportSeconds ?? '—'} |`,
    );
  }
  console.log(JSON.stringify({ date, command, machine: box, results }));
}

await main();
