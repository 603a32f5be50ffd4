/**
 * Benchmark: rating one month of usage for one bilateral (issue "usage at
 * carrier volume": 10 million records, target < 10 s).
 *
 * Never a test: figures depend on the machine. Everything is measured in one run.
 *
 * Phases, in one process:
 * 1. Generate N usage records of S1/gb in February 2026 (seeded PRNG, in time
 *    order), held in memory. Not timed as rating.
 * 2. In memory: `UsageTotals` over the records (each citing its batch, as the
 *    node does) + `rate(terms, facts, '2026-02', { usage })`.
 * 3. Insert: the records into a fresh SQLite store through the store's usage
 *    path, as an import writes them: per 10,000 records one `usage.batch`
 *    entry (its real body: Merkle root, count, totals, from/to, built with the
 *    node's `batchBody`; placeholder signature, which the store does not
 *    check) and its records, in one transaction (`appendEntryWithUsage`).
 *    Timed and reported separately (body hashing separately from the writes).
 * 4. From the store: `storedUsageTotals(store, …)` + `rate(…)`, what the node's
 *    `computeInvoice` does. The invoice must equal the in-memory one byte for
 *    byte, and the usage line's quantity must equal the generator's own sum.
 * 5. Where the store read's time goes: the batches overlapping the month read
 *    with better-sqlite3 directly (one statement, no pages, no Kysely) and
 *    split into records, without and with `JSON.parse` (and the month's and
 *    service's filter) of each record.
 *
 * Usage: npx tsx bench/usage-rating.ts [--records 10000000] [--batch 10000] [--no-json]
 * Re-runs itself with an 8 GiB heap when started with less (10 M records in memory).
 * `SB_KEEP=1` keeps the SQLite file (its path is logged) for a closer look.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import Database from 'better-sqlite3';
import {
  billingPeriod,
  type FactRef,
  parseFact,
  parseTerms,
  rate,
  type UsageRecord,
  UsageTotals,
} from '../src/core/index.ts';
import type { JsonValue } from '../src/ledger/index.ts';
import { storedUsageTotals } from '../src/node/index.ts';
import { batchBody } from '../src/node/usage/usage.ts';
import { openStore } from '../src/store/index.ts';
import { bilateralRecord, SELLER, storedEntry } from '../src/store/store.fixtures.ts';
import { log, machine, perSecond, printReport, prng, seconds } from './support.ts';

const HEAP_MIB = 8192;
if (v8.getHeapStatistics().heap_size_limit < (HEAP_MIB / 2) * 2 ** 20 && !process.env.SB_BENCH_CHILD) {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${HEAP_MIB}`, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, SB_BENCH_CHILD: '1' } },
  );
  process.exit(child.status ?? 1);
}

const { values: flags } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    batch: { type: 'string', default: '10000' },
    'no-json': { type: 'boolean', default: false },
  },
});
const N = Number(flags.records);
const BATCH = Number(flags.batch);
const COMMAND = ['npx tsx bench/usage-rating.ts', ...process.argv.slice(2)].join(' ');
const PERIOD = '2026-02';
const AUTHOR = SELLER;

/** N records spread evenly over February 2026 (UTC), in time order; quantities in GB to 3 decimals. */
function generate(n: number): { records: UsageRecord[]; milli: bigint } {
  const random = prng(20260201);
  const start = Date.UTC(2026, 1, 1);
  const span = Date.UTC(2026, 2, 1) - start;
  const records = new Array<UsageRecord>(n);
  let milli = 0n;
  let small = 0;
  for (let i = 0; i < n; i++) {
    const m = Math.floor(random() * 5_000_000); // 0.000 … 4999.999 GB
    small += m;
    if (small > 2 ** 52) {
      milli += BigInt(small);
      small = 0;
    }
    const frac = m % 1000;
    records[i] = {
      id: `r${String(i).padStart(9, '0')}`,
      service: 'S1',
      metric: 'gb',
      quantity: frac === 0 ? String(m / 1000) : `${Math.floor(m / 1000)}.${String(frac).padStart(3, '0')}`,
      at: new Date(start + Math.floor((i * span) / n)).toISOString(),
    };
  }
  return { records, milli: milli + BigInt(small) };
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const box = machine();
  const example = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');
  const terms = parseTerms(JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8')));
  const facts: FactRef[] = readFileSync(join(example, 'facts.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => ({ ref: `f${i + 1}`, fact: parseFact(JSON.parse(l), terms) }));
  const bounds = billingPeriod(PERIOD, terms.billing.timeZone);
  const batches = Math.ceil(N / BATCH);
  const refOf = (index: number) => `${AUTHOR}/${Math.floor(index / BATCH) + 1}`;

  log(`generating ${N} records`);
  let t = performance.now();
  const { records, milli } = generate(N);
  const generateMs = performance.now() - t;
  const expectedQuantity = formatMilli(milli);
  log(`generated in ${seconds(generateMs)} s; expected total ${expectedQuantity} GB`);

  // In memory: totals + rate.
  t = performance.now();
  const memTotals = new UsageTotals();
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    memTotals.add(r.service, r.metric, r.quantity, refOf(i));
  }
  const memTotalsMs = performance.now() - t;
  const memInvoice = rate(terms, facts, PERIOD, { usage: memTotals });
  const memMs = performance.now() - t;
  log(`in memory: totals ${seconds(memTotalsMs)} s, totals + rate ${seconds(memMs)} s`);

  const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-usage-rating-'));
  const file = join(root, 'store.db');
  const store = await openStore(`sqlite:${file}`);
  try {
    const bilateral = bilateralRecord('usage-rating');
    await store.putBilateral(bilateral);

    log(`inserting ${batches} batches of ${BATCH} through appendEntryWithUsage`);
    t = performance.now();
    let bodyMs = 0;
    let prev = bilateral.id;
    for (let b = 0; b < batches; b++) {
      const batch = records.slice(b * BATCH, (b + 1) * BATCH);
      const tb = performance.now();
      const body = batchBody(batch);
      bodyMs += performance.now() - tb;
      // Real body, placeholder signature (the store checks neither).
      const entry = storedEntry(
        bilateral.id,
        AUTHOR,
        b + 1,
        prev,
        '',
        body as unknown as JsonValue,
        'usage.batch',
      );
      await store.appendEntryWithUsage(entry, batch);
      prev = entry.hash;
      if ((b + 1) % 100 === 0) log(`  ${b + 1}/${batches} batches, ${seconds(performance.now() - t)} s`);
    }
    const insertMs = performance.now() - t;
    const dbBytes = statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    log(`inserted in ${seconds(insertMs)} s (${perSecond(N, insertMs)} records/s), ${mib(dbBytes)} MiB`);
    records.length = 0; // the store read must not lean on the generator's strings

    t = performance.now();
    const stored = await storedUsageTotals(store, bilateral.id, AUTHOR, bounds, batches);
    const storeReadMs = performance.now() - t;
    const storeInvoice = rate(terms, facts, PERIOD, { usage: stored });
    const storeMs = performance.now() - t;
    log(`from the store: storedUsageTotals ${seconds(storeReadMs)} s, + rate ${seconds(storeMs)} s`);

    // Diagnosis: the same rows, read straight from SQLite in one statement.
    const raw = new Database(file, { readonly: true });
    let readOnlyMs: number;
    let readParseMs: number;
    try {
      raw.pragma('cache_size = -65536');
      // The batches overlapping February (migration 0005: a row per batch, its texts joined by '\n').
      const select = raw.prepare(
        `select records from usage_batches
         where stream = (select id from usage_streams where bilateral = ? and author = ?)
           and to_at >= ? and from_at < ? order by from_at, batch_seq`,
      );
      const start = Date.parse('2026-02-01T00:00:00.000Z');
      const end = Date.parse('2026-03-01T00:00:00.000Z');
      const args = [bilateral.id, AUTHOR, start, end];
      t = performance.now();
      let rows = 0;
      for (const row of select.iterate(...args) as Iterable<{ records: string }>) {
        rows += row.records.split('\n').length;
      }
      readOnlyMs = performance.now() - t;
      t = performance.now();
      let parsed = 0;
      for (const row of select.iterate(...args) as Iterable<{ records: string }>) {
        for (const text of row.records.split('\n')) {
          const record = JSON.parse(text) as UsageRecord;
          const at = Date.parse(record.at);
          if (record.service === 'S1' && at >= start && at < end) parsed++;
        }
      }
      readParseMs = performance.now() - t;
      log(
        `diagnosis: ${rows} rows read in ${seconds(readOnlyMs)} s; read + JSON.parse ${parsed} in ${seconds(readParseMs)} s`,
      );
    } finally {
      raw.close();
    }

    const sum = stored.get('S1', 'gb');
    const usageLine = storeInvoice.lines.find((l) => JSON.stringify(l).includes('"gb"'));
    const checks = {
      // A batch wholly inside the month adds its signed total once (storedUsageTotals); the
      // records were generated in time order within February, so every batch is inside.
      sumsAdded: sum?.count ?? 0,
      countOk: sum?.count === batches,
      quantity: sum?.quantity,
      quantityOk: sum?.quantity === expectedQuantity,
      refsCited: sum?.refs.length ?? 0,
      refsOk: sum?.refs.length === batches,
      invoiceEqualsInMemory: JSON.stringify(storeInvoice) === JSON.stringify(memInvoice),
      total: storeInvoice.total,
    };
    const report = {
      benchmark: 'usage-rating',
      command: COMMAND,
      date,
      machine: box,
      parameters: { records: N, batchSize: BATCH, batches, period: PERIOD, engine: 'sqlite' },
      generate: { seconds: seconds(generateMs) },
      inMemory: {
        totalsSeconds: seconds(memTotalsMs),
        totalsAndRateSeconds: seconds(memMs),
        recordsPerSecond: perSecond(N, memMs),
      },
      insert: {
        seconds: seconds(insertMs),
        batchBodySeconds: seconds(bodyMs),
        storeWriteSeconds: seconds(insertMs - bodyMs),
        recordsPerSecond: perSecond(N, insertMs),
        databaseMiB: mib(dbBytes),
      },
      fromStore: {
        storedUsageTotalsSeconds: seconds(storeReadMs),
        totalsAndRateSeconds: seconds(storeMs),
        recordsPerSecond: perSecond(N, storeMs),
      },
      diagnosis: {
        sqliteRowsOnlySeconds: seconds(readOnlyMs),
        sqliteRowsAndJsonParseSeconds: seconds(readParseMs),
        note: 'better-sqlite3 directly, one statement over the batches overlapping the month, no Kysely, no pages; records split, then JSON.parse and filtered',
      },
      usageLine: usageLine === undefined ? undefined : { amount: usageLine.amount },
      checks,
      target: { seconds: 10, metFromStore: storeMs < 10_000, metInMemory: memMs < 10_000 },
    };
    printReport(report);
    if (!flags['no-json']) {
      const dir = join(import.meta.dirname, 'results');
      mkdirSync(dir, { recursive: true });
      const out = join(dir, `usage-rating-${date.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`);
      writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
      log(`wrote ${out}`);
    }
    if (!(checks.countOk && checks.quantityOk && checks.refsOk && checks.invoiceEqualsInMemory)) {
      process.exitCode = 1;
    }
  } finally {
    await store.close();
    if (process.env.SB_KEEP) log(`kept ${file}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

function formatMilli(milli: bigint): string {
  const whole = milli / 1000n;
  const frac = (milli % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

await main();
