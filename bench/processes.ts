/**
 * Two real `sb node` processes for the benchmarks that measure what users
 * run: started on free ports (SQLite in the data folder, or a fresh
 * PostgreSQL database each), sharing one embedded chain, pinned to each
 * other, agreeing the worked example's terms; and a small keep-alive JSON
 * client for their owner APIs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { freePort, startNode } from '../test/processes.fixtures.ts';

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');
export const TERMS = JSON.parse(readFileSync(join(EXAMPLE, 'terms.json'), 'utf8')) as unknown;
export const LIFECYCLE = readFileSync(join(EXAMPLE, 'facts.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { type: string })
  .filter((fact) => fact.type === 'service.ordered' || fact.type === 'service.activated');

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** Closes the client's kept-alive connections (at the end of a run). */
export function closeClient(): void {
  agent.destroy();
}

export interface Node {
  readonly party: string;
  readonly url: string;
  readonly token: string;
  readonly child: ChildProcess;
}

export function request<T>(node: Node, method: string, path: string, body?: unknown): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((done, fail) => {
    const req = http.request(
      new URL(path, node.url),
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${node.token}`,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) fail(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else done((text === '' ? undefined : JSON.parse(text)) as T);
        });
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

// ── the two nodes ───────────────────────────────────────────────────────────

export async function startPair(
  root: string,
  options: { store?: 'sqlite' | 'postgres'; profile?: string | undefined; args?: readonly string[] } = {},
): Promise<[Node, Node]> {
  const chainDir = join(root, 'chain');
  const nodeArgs: string[] = [];
  if (options.profile !== undefined) {
    const dir = resolve(options.profile);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const start = async (party: string, database: string | undefined): Promise<Node> => {
    const port = await freePort();
    const peerPort = await freePort();
    const data = join(root, party);
    const child = await startNode(
      [
        '--data',
        data,
        '--party',
        party,
        '--port',
        String(port),
        '--peer-port',
        String(peerPort),
        '--chain-dir',
        chainDir,
        ...(database === undefined ? [] : ['--store', database]),
        ...(options.args ?? []),
      ],
      {},
      nodeArgs,
    );
    const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
    return { party, url: `http://127.0.0.1:${port}`, token, child };
  };
  const database = async (name: string) => {
    if (options.store !== 'postgres') return undefined;
    const db = `sb_bench_${name}_${process.pid}`;
    await postgresAdmin([`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    created.push(db);
    return `postgres://postgres@127.0.0.1:5432/${db}`;
  };
  // One after the other: the first starts the shared embedded chain.
  const seller = await start('acme-fiber', await database('seller'));
  const buyer = await start('globex', await database('buyer'));
  return [seller, buyer];
}

/** The PostgreSQL databases `startPair` created, dropped by `dropDatabases`. */
const created: string[] = [];

async function postgresAdmin(statements: readonly string[]): Promise<void> {
  const admin = new (await import('pg')).default.Client({
    connectionString: 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** Drops the databases of the pairs started so far (after their nodes stopped). */
export async function dropDatabases(): Promise<void> {
  await postgresAdmin(created.splice(0).map((db) => `DROP DATABASE IF EXISTS ${db}`));
}

export async function stop(node: Node): Promise<void> {
  if (node.child.exitCode !== null) return;
  const exited = new Promise((done) => node.child.once('exit', done));
  node.child.kill('SIGTERM');
  await exited;
}

/** Pins the two nodes to each other, agrees `terms` (the example's) and records S1's order and activation. */
export async function agree(seller: Node, buyer: Node, terms: unknown = TERMS): Promise<string> {
  const identity = (n: Node) => request<{ party: string; key: string; endpoint: string }>(n, 'GET', '/party');
  const [s, b] = [await identity(seller), await identity(buyer)];
  await request(seller, 'PUT', `/peers/${b.party}`, { key: b.key, endpoint: b.endpoint });
  await request(buyer, 'PUT', `/peers/${s.party}`, { key: s.key, endpoint: s.endpoint, policy: 'accept' });
  const { id } = await request<{ id: string }>(seller, 'POST', '/bilaterals', { terms });
  for (const fact of LIFECYCLE) await request(seller, 'POST', `/bilaterals/${id}/facts`, fact);
  return id;
}

/** Stops the pair, drops its PostgreSQL databases, closes the HTTP client and removes `root` (when given). */
export async function stopPair(nodes: readonly Node[], root?: string): Promise<void> {
  await Promise.all(nodes.map(stop));
  await dropDatabases();
  closeClient();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
}
