/**
 * Two real `sb node` processes on loopback — the Seller on SQLite, the Buyer on
 * PostgreSQL — as an operator would run them. The Buyer's process is killed
 * with SIGKILL (a crash), the Seller goes on recording, and the restarted Buyer
 * catches up by its background sync with nothing lost and nothing doubled.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from '../src/store/pg.fixtures.ts';
import { freePort, repo, startNode } from './processes.fixtures.ts';
import { callOk, pinEachOther } from './support.ts';

const example = join(repo, 'examples', 'dia-acme-globex');

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('two sb node processes (SQLite seller, PostgreSQL buyer)', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-processes-'));
  let database: PgDatabase;
  const storeUrl = () => database.url;
  let sellerPort: number;
  let buyerPort: number;
  let sellerPeerPort: number;
  let buyerPeerPort: number;
  let seller: ChildProcess;
  let buyer: ChildProcess;
  // The owner APIs, with the admin token each node wrote on its first start.
  const token = (party: string) => readFileSync(join(root, party, 'admin.token'), 'utf8').trim();
  const sellerUrl = () => ({ url: `http://127.0.0.1:${sellerPort}`, adminToken: token('seller') });
  const buyerUrl = () => ({ url: `http://127.0.0.1:${buyerPort}`, adminToken: token('buyer') });
  const buyerArgs = () => [
    '--data',
    join(root, 'buyer'),
    '--party',
    'globex',
    '--port',
    String(buyerPort),
    '--peer-port',
    String(buyerPeerPort),
    '--store',
    storeUrl(),
    '--sync-interval',
    '200',
    '--no-chain',
  ];

  beforeAll(async () => {
    database = await createPgDatabase('sb_process_test');
    sellerPort = await freePort();
    buyerPort = await freePort();
    sellerPeerPort = await freePort();
    buyerPeerPort = await freePort();
    [seller, buyer] = await Promise.all([
      startNode([
        '--data',
        join(root, 'seller'),
        '--party',
        'acme-fiber',
        '--port',
        String(sellerPort),
        '--peer-port',
        String(sellerPeerPort),
        '--no-chain',
      ]),
      startNode(buyerArgs()),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stop(seller, 'SIGTERM'), stop(buyer, 'SIGTERM')]);
    if (database !== undefined) await dropPgDatabases([database]);
    rmSync(root, { recursive: true, force: true });
  });

  it('agree on a bilateral, survive a crash of the buyer, and converge', async () => {
    const terms = JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8'));
    const facts = readFileSync(join(example, 'facts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { type: string });
    // The operators exchange keys and endpoints and pin each other; the buyer accepts the seller's proposals.
    await pinEachOther(sellerUrl(), buyerUrl());
    const { id } = await callOk<{ id: string }>(sellerUrl(), 'POST', '/bilaterals', {
      terms,
      peer: `http://127.0.0.1:${buyerPeerPort}`,
    });

    const [ordered, activated, ...rest] = facts;
    await callOk(sellerUrl(), 'POST', `/bilaterals/${id}/facts?wait=replicated`, ordered);
    await stop(buyer, 'SIGKILL');
    const offline = await callOk<{ replicated: boolean }>(
      sellerUrl(),
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      activated,
    );
    expect(offline.replicated).toBe(false);

    buyer = await startNode(buyerArgs());
    for (const fact of rest) {
      const node = fact.type === 'outage' ? buyerUrl() : sellerUrl();
      await callOk(node, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    }
    const hashes = async (base: ReturnType<typeof sellerUrl>) =>
      (await callOk<{ hash: string }[]>(base, 'GET', `/bilaterals/${id}/entries`)).map((e) => e.hash);
    const expected = await hashes(sellerUrl());
    expect(expected).toHaveLength(5);
    const atBuyer = await until(
      () => hashes(buyerUrl()),
      (h) => h.length === expected.length,
    );
    expect(atBuyer).toEqual(expected);

    await callOk(sellerUrl(), 'POST', `/bilaterals/${id}/invoices`, { period: '2026-02' });
    const invoices = await until(
      () =>
        callOk<{ status: string; body: { invoice: { total: string } } }[]>(
          sellerUrl(),
          'GET',
          `/bilaterals/${id}/invoices`,
        ),
      (list) => list[0]?.status === 'accepted',
    );
    expect(invoices[0]?.status).toBe('accepted');
    expect(invoices[0]?.body.invoice.total).toBe('2041.20');
  }, 90_000);
});
