/**
 * What every benchmark reports about the machine it ran on: CPU, cores,
 * memory, OS, Node version and the load average when it started (the machine
 * is shared, so the load says how much to trust absolute figures).
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { RunningNode } from '../src/api/index.ts';
import type { OwnerApi } from '../src/cli/rest.ts';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverageAtStart: number[];
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** A progress line on stderr, timestamped; stdout stays for the report. */
export const log = (message: string): void => {
  process.stderr.write(`[${new Date().toISOString()}] ${message}\n`);
};

/** Milliseconds as seconds to three decimals. */
export const seconds = (ms: number): number => Math.round(ms) / 1000;

/** `n` items in `ms` milliseconds, per second. */
export const perSecond = (n: number, ms: number): number => Math.round((n / ms) * 1000);

/** mulberry32: a small seeded PRNG, so every run generates the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prints a report: its command, date and machine first, then every other field as `key: JSON`. */
export function printReport(r: {
  command: string;
  date: string;
  machine: Machine;
  [key: string]: unknown;
}): void {
  console.log(`command: ${r.command}`);
  console.log(`date:    ${r.date}`);
  const m = r.machine;
  console.log(
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, load ${m.loadAverageAtStart.join(' ')}`,
  );
  for (const [key, value] of Object.entries(r)) {
    if (key === 'command' || key === 'date' || key === 'machine') continue;
    console.log(`${key}: ${JSON.stringify(value)}`);
  }
}

/** A node's owner API with the admin credential it issued on its first start. */
export const api = (running: RunningNode): OwnerApi => ({ url: running.url, token: running.adminToken });

/** CPU seconds used by process `pid` (user + system), from /proc; undefined where there is no /proc. */
export function processCpuSeconds(pid: number): number | undefined {
  return cpuSecondsOf(`/proc/${pid}/stat`);
}

/**
 * CPU seconds of a process's main thread alone (its JavaScript thread: the
 * thread pool, workers and V8's helpers are not counted); undefined off Linux.
 */
export function mainThreadCpuSeconds(pid: number): number | undefined {
  return cpuSecondsOf(`/proc/${pid}/task/${pid}/stat`);
}

function cpuSecondsOf(statFile: string): number | undefined {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

const START = Date.parse('2026-01-16T00:00:00Z');

/** Record i: 400 ms apart from 2026-01-16 (10M records end 2026-03-03, inside S1's active life). */
function atOf(i: number): string {
  const iso = new Date(START + i * 400).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/**
 * Writes a usage CSV of `records` records to `path` (`id,service,metric,quantity,at,char_zone`,
 * service S1 of the example terms, times inside its active life), 10,000 lines per write, honouring
 * backpressure.
 */
export async function writeUsageCsv(path: string, records: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('id,service,metric,quantity,at,char_zone\n');
  const zones = ['', 'eu-west', 'us-east'];
  for (let i = 0; i < records; ) {
    let chunk = '';
    const end = Math.min(records, i + 10_000);
    for (; i < end; i++) chunk += `u${i},S1,gb,${i % 97}.${i % 10},${atOf(i)},${zones[i % 3]}\n`;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * Facts for S1 of the worked example from 2026-02-01 (plus `offsetMinutes`): four in five usage
 * records (the Seller's, ids `phase-i`), one in five maintenance outages (the Buyer's).
 */
export function sellerBuyerFacts(count: number, phase: string, offsetMinutes = 0) {
  const base = Date.parse('2026-02-01T00:00:00Z') + offsetMinutes * 60_000;
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const seller: unknown[] = [];
  const buyer: unknown[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 5 === 4) {
      const from = base + i * 60_000;
      buyer.push({
        type: 'outage',
        service: 'S1',
        from: iso(from),
        to: iso(from + 30_000),
        maintenance: true,
      });
    } else {
      seller.push({
        type: 'usage',
        service: 'S1',
        metric: 'gb',
        quantity: '1',
        at: iso(base + i * 1000),
        id: `${phase}-${i}`,
      });
    }
  }
  return { seller, buyer };
}

/** A command-line flag's value as a positive integer, or an error naming the flag. */
export function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer`);
  return n;
}

/** Writes `report` to bench/results/<name>-<date>.json and says where. */
export function writeResult(name: string, date: string, report: unknown): void {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${date.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${file}`);
}
