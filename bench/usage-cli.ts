/**
 * Benchmark: the usage import as users run it — `sb usage import FILE --node
 * URL` (a process of its own, streaming the file over HTTP to a running `sb
 * node`) — beside the sqlite3 shell's `.import` of the same CSV into a bare
 * table keyed by id, in one run, alternating, so both see the same load.
 *
 *   npx tsx bench/usage-cli.ts [--records 2000000] [--rounds 2] [--store sqlite|postgres]
 *     [--profile DIR] [--no-json]
 *
 * The CSV (`id,service,metric,quantity,at,char_zone`, service S1 of the
 * example terms) is written once. Each round: (1) `sqlite3 FILE.db` creating
 * `usage(id TEXT PRIMARY KEY, service, metric, quantity, at, char_zone)` and
 * `.import --csv --skip 1` into it, in one transaction, synchronous=FULL, WAL
 * — the same durability as the node's store; (2) two fresh `sb node`
 * processes (no chain, so nothing else competes) agree the example terms,
 * and `sb usage import` is timed from spawn to exit. Every record is checked,
 * deduplicated, hashed into Merkle batches, signed, stored and replicated by
 * the node; the shell only parses and inserts. Each round also reports the
 * CPU time the command and each node used (from /usr/bin/time and /proc),
 * per record: on a shared machine it moves much less than the wall clock.
 *
 * Never a test: figures depend on the machine. Compare the ratio, measured in one run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { repo } from '../test/processes.fixtures.ts';
import { agree, startPair, stopPair } from './processes.ts';
import { log, machine, printReport, writeResult, writeUsageCsv } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    records: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '2' },
    store: { type: 'string', default: 'sqlite' },
    profile: { type: 'string' },
    'no-json': { type: 'boolean', default: false },
  },
  strict: true,
});
const RECORDS = Number(flags.records);
const ROUNDS = Number(flags.rounds);
if (!Number.isSafeInteger(RECORDS) || RECORDS <= 0) throw new Error('--records: expected a positive integer');
if (!Number.isSafeInteger(ROUNDS) || ROUNDS <= 0) throw new Error('--rounds: expected a positive integer');
if (flags.store !== 'sqlite' && flags.store !== 'postgres') throw new Error('--store: sqlite or postgres');
const STORE = flags.store;
const COMMAND = ['npx tsx bench/usage-cli.ts', ...process.argv.slice(2)].join(' ');

/** The sqlite3 shell's bare load of `csv` into a keyed table; seconds. */
function shellImport(csv: string, db: string): number {
  const script = [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA synchronous = FULL;',
    'CREATE TABLE usage (id TEXT PRIMARY KEY, service TEXT, metric TEXT, quantity TEXT, at TEXT, char_zone TEXT);',
    'BEGIN;',
    `.import --csv --skip 1 ${csv} usage`,
    'COMMIT;',
    'SELECT count(*) FROM usage;',
  ].join('\n');
  const start = performance.now();
  const out = execFileSync('sqlite3', [db], { input: script, encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  const count = Number(out.trim().split('\n').at(-1));
  if (count !== RECORDS) throw new Error(`sqlite3 loaded ${count} records, expected ${RECORDS}`);
  return seconds;
}

/** CPU seconds (user + system, every thread) a running process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds each process used during the import: the command, the Seller's node, the Buyer's. */
interface ImportCpu {
  readonly cli: number;
  readonly seller: number;
  readonly buyer: number;
}

/**
 * `sb usage import` against a fresh pair of nodes; seconds, what it reported, and the CPU each
 * process used (on this shared machine it moves much less than the wall-clock time).
 */
async function cliImport(
  csv: string,
  root: string,
): Promise<{ seconds: number; accepted: number; cpu: ImportCpu }> {
  const nodes = await startPair(root, { store: STORE, args: ['--no-chain'], profile: flags.profile });
  try {
    const [seller, buyer] = nodes;
    const id = await agree(...nodes);
    const before = [seller, buyer].map((n) => cpuSeconds(n.child.pid!));
    const start = performance.now();
    // /usr/bin/time prints the command's CPU seconds as the last line of its standard error.
    const child = spawn(
      '/usr/bin/time',
      [
        '-f',
        'cpu %U %S',
        process.execPath,
        join(repo, 'bin', 'sb.js'),
        'usage',
        'import',
        csv,
        '--node',
        seller.url,
        '--bilateral',
        id,
        '--json',
      ],
      { env: { ...process.env, SB_TOKEN: seller.token }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    const seconds = (performance.now() - start) / 1000;
    const after = [seller, buyer].map((n) => cpuSeconds(n.child.pid!));
    const times = /cpu (\S+) (\S+)\s*$/.exec(err);
    process.stderr.write(times === null ? err : err.slice(0, times.index));
    if (code !== 0) throw new Error(`sb usage import exited ${code}: ${out}`);
    const report = JSON.parse(out) as { accepted: number };
    if (report.accepted !== RECORDS) throw new Error(`accepted ${report.accepted}, expected ${RECORDS}`);
    const cpu = {
      cli: times === null ? Number.NaN : Number(times[1]) + Number(times[2]),
      seller: after[0]! - before[0]!,
      buyer: after[1]! - before[1]!,
    };
    return { seconds, accepted: report.accepted, cpu };
  } finally {
    await stopPair(nodes);
  }
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const box = machine();
  const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-usage-cli-'));
  try {
    const csv = join(root, 'usage.csv');
    log(`writing ${RECORDS} records to ${csv}`);
    await writeUsageCsv(csv, RECORDS);
    const rounds: { shell: number; sb: number; cpu: ImportCpu }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const dir = join(root, `round-${round}`);
      mkdirSync(dir);
      log(`round ${round}: sqlite3 .import`);
      const shell = shellImport(csv, join(dir, 'bare.db'));
      log(`round ${round}: sb usage import (${shell.toFixed(2)} s for the shell)`);
      const sb = await cliImport(csv, join(dir, 'nodes'));
      const { cli, seller, buyer } = sb.cpu;
      log(
        `round ${round}: ${sb.seconds.toFixed(2)} s; CPU s: command ${cli.toFixed(2)}, seller ${seller.toFixed(2)}, buyer ${buyer.toFixed(2)}`,
      );
      rounds.push({ shell, sb: sb.seconds, cpu: sb.cpu });
      rmSync(dir, { recursive: true, force: true });
    }
    const perSecond = (s: number) => Math.round(RECORDS / s);
    const perRecord = (s: number) => Math.round((s * 1e7) / RECORDS) / 10;
    const report = {
      benchmark: 'usage-cli',
      command: COMMAND,
      date,
      machine: box,
      sqlite3: execFileSync('sqlite3', ['--version'], { encoding: 'utf8' }).split(' ')[0],
      store: STORE,
      records: RECORDS,
      csvMiB: Math.round(statSync(csv).size / 2 ** 20),
      rounds: rounds.map((r) => ({
        shellRecordsPerSecond: perSecond(r.shell),
        sbRecordsPerSecond: perSecond(r.sb),
        ratio: Math.round((r.shell / r.sb) * 100) / 100,
        // CPU of the command and both nodes, every thread, per record.
        cpuMicrosPerRecord: {
          cli: perRecord(r.cpu.cli),
          seller: perRecord(r.cpu.seller),
          buyer: perRecord(r.cpu.buyer),
        },
      })),
    };
    printReport(report);
    if (!flags['no-json']) {
      writeResult('usage-cli', date, report);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
