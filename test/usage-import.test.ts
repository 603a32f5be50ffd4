/**
 * Usage import end to end: two party nodes over loopback HTTP; the seller
 * streams a generated CSV with planted bad rows to `POST /bilaterals/:id/usage`.
 * Every bad row is rejected with its own rule and line, the rest goes in as
 * signed `usage.batch` entries (root, count, totals) with the records in the
 * store, the buyer receives and verifies the batch entries, importing the
 * same file again changes nothing, and the gzip of the file gives the same
 * result.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import { type UsageRecord, usageRecordJson, usageTotals } from '../src/core/index.ts';
import { merkleRoot, sha256Hex } from '../src/ledger/index.ts';
import {
  importUsage,
  importUsageFile,
  type UsageBatchBody,
  type UsageImportReport,
  type UsageItem,
} from '../src/node/index.ts';
import { call, exampleFacts, exampleTerms } from './support.ts';

const baseTerms = exampleTerms();
const facts = exampleFacts();

async function postFile(node: RunningNode, id: string, file: string, type: string, source: string) {
  const response = await fetch(
    new URL(`/bilaterals/${id}/usage?source=${encodeURIComponent(source)}&batchSize=10000`, node.url),
    {
      method: 'POST',
      body: readFileSync(file),
      headers: { 'content-type': type, authorization: `Bearer ${node.adminToken}` },
    },
  );
  return { status: response.status, body: (await response.json()) as UsageImportReport };
}

const GOOD = 25_000;
/** S1 is active from 2026-01-15T09:30:00Z until 2026-03-10T08:00:00Z. */
function at(i: number): string {
  const start = Date.parse('2026-01-16T00:00:00Z');
  return new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z');
}

/** The file, the planted bad rows (line → rule) and the exact total of the good rows (in tenths). */
function generate(): { csv: string; bad: Map<number, string>; tenths: bigint } {
  const lines = ['id,service,metric,quantity,at,char_zone'];
  const bad = new Map<number, string>();
  let tenths = 0n;
  const plant = (row: string, rule: string) => {
    lines.push(row);
    bad.set(lines.length, rule);
  };
  for (let i = 0; i < GOOD; i++) {
    const quantity = `${i % 97}.${i % 10}`;
    tenths += BigInt(i % 97) * 10n + BigInt(i % 10);
    lines.push(`u${i},S1,gb,${quantity},${at(i)},${i % 3 === 0 ? '"eu,west"' : ''}`);
    if (i === 10) plant(`x1,S9,gb,1,${at(i)},`, 'unknown-service');
    if (i === 20) plant(`x2,S1,minutes,1,${at(i)},`, 'unknown-metric');
    if (i === 30) plant(`x3,S1,gb,-1,${at(i)},`, 'bad-quantity');
    if (i === 31) plant(`x4,S1,gb,1e3,${at(i)},`, 'bad-quantity');
    if (i === 40) plant('x5,S1,gb,1,2026-03-10T08:00:00Z,', 'outside-active-life');
    if (i === 41) plant('x6,S1,gb,1,2026-01-15T09:29:59Z,', 'outside-active-life');
    if (i === 42) plant('x7,S1,gb,1,yesterday,', 'bad-time');
    if (i === 50) plant(`u49,S1,gb,1,${at(i)},`, 'duplicate-id');
    if (i === 60) plant('x8,S1,gb', 'malformed');
    if (i === 15_000) plant(`u5,S1,gb,1,${at(i)},`, 'duplicate-id');
  }
  return { csv: `${lines.join('\n')}\n`, bad, tenths };
}

describe('usage import between two nodes', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-usage-'));
  let seller: RunningNode;
  let buyer: RunningNode;
  const file = generate();
  const csvPath = join(root, 'usage-2026.csv');
  const gzPath = join(root, 'usage-2026.csv.gz');

  /** A bilateral with the example facts recorded (S1 active 2026-01-15 … 2026-03-10). */
  async function bilateral(label: string): Promise<string> {
    const terms = { ...baseTerms, id: `msa-${label}` };
    const created = await call<{ id: string }>(seller, 'POST', '/bilaterals', {
      terms,
      peer: buyer.peerUrl,
    });
    expect(created.status).toBe(201);
    for (const fact of facts) {
      const recorded = await call(
        seller,
        'POST',
        `/bilaterals/${created.body.id}/facts?wait=replicated`,
        fact,
      );
      expect(recorded.status).toBe(201);
    }
    return created.body.id;
  }

  function expectFirstImport(report: UsageImportReport, source: string) {
    const planted = [...file.bad.values()];
    const count = (rule: string) => planted.filter((r) => r === rule).length;
    expect(report.read).toBe(GOOD + file.bad.size);
    expect(report.accepted).toBe(GOOD);
    expect(report.duplicates).toBe(0);
    expect(report.rejectedTotal).toBe(file.bad.size);
    for (const rule of new Set(planted)) expect(report.rejected[rule as 'malformed']).toBe(count(rule));
    expect(report.rejections.map((r) => [r.line, r.rule])).toEqual([...file.bad.entries()]);
    expect(report.rejections.every((r) => r.source === source)).toBe(true);
    expect(report.batches).toBe(3);
    expect(report.replicated).toBe(true);
  }

  beforeAll(async () => {
    writeFileSync(csvPath, file.csv);
    writeFileSync(gzPath, gzipSync(file.csv));
    const options = { syncIntervalMs: 0, checkpointIntervalMs: 0, chain: false as const };
    seller = await startServer({ dataDir: join(root, 'seller'), party: 'acme-fiber', ...options });
    buyer = await startServer({ dataDir: join(root, 'buyer'), party: 'globex', ...options });
    await introduce(seller, buyer);
  });

  afterAll(async () => {
    await seller?.close();
    await buyer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** The records of each of the seller's batches of `bilateral`, in order, each checked against its entry's root, count and totals. */
  async function storedBatches(bilateral: string): Promise<UsageRecord[][]> {
    const entries = (await seller.node.bilaterals.entries(bilateral)).filter(
      (e) => e.signed.entry.kind === 'usage.batch',
    );
    const batches: UsageRecord[][] = [];
    for (const entry of entries) {
      const body = entry.signed.entry.body as unknown as UsageBatchBody;
      const stored = await seller.node.store.usageBatchRecords(
        bilateral,
        'acme-fiber',
        entry.signed.entry.seq,
      );
      expect(body.root).toBe(merkleRoot(stored.map((r) => sha256Hex(usageRecordJson(r)))));
      expect([body.count, body.totals]).toEqual([stored.length, usageTotals(stored)]);
      batches.push(stored);
    }
    return batches;
  }

  let id: string;
  let first: UsageImportReport;

  it('imports a CSV streamed over REST: bad rows rejected by rule and line, the rest in batches', async () => {
    id = await bilateral('csv');
    const posted = await postFile(seller, id, csvPath, 'text/csv', 'usage-2026.csv');
    expect(posted.status).toBe(200);
    first = posted.body;
    expectFirstImport(first, 'usage-2026.csv');
    const lines = file.csv.split('\n');
    const original = lines.findIndex((l) => l.startsWith('u49,')) + 1;
    const repeated = lines.findIndex((l, i) => i >= original && l.startsWith('u49,')) + 1;
    expect(first.rejections.find((r) => r.line === repeated)).toEqual({
      source: 'usage-2026.csv',
      line: repeated,
      id: 'u49',
      field: 'id',
      rule: 'duplicate-id',
      message: `id: u49 is already on line ${original}`,
    });
    // Repeating an id written in an earlier batch of the same import is a duplicate line too.
    expect(first.rejections.find((r) => r.id === 'u5')?.message).toBe(
      'id: u5 is on an earlier line of this import',
    );
    expect(first.rejections.find((r) => r.rule === 'unknown-service')?.message).toContain('S9');
  });

  it('writes one signed batch entry per batch, whose root, count and totals match the stored records', async () => {
    const entries = await seller.node.bilaterals.entries(id, { author: 'acme-fiber' });
    const batches = entries.filter((e) => e.signed.entry.kind === 'usage.batch');
    // 10,000 records to a batch as read; the repeats of u49 (in the first) and u5 (in the second) are found
    // when their batch is written, and left out of it.
    expect(batches.map((b) => (b.signed.entry.body as unknown as UsageBatchBody).count)).toEqual([
      9_999, 9_999, 5_002,
    ]);
    let tenths = 0n;
    for (const batch of batches) {
      const body = batch.signed.entry.body as unknown as UsageBatchBody;
      const records = await seller.node.store.usageBatchRecords(id, 'acme-fiber', batch.signed.entry.seq);
      expect(records).toHaveLength(body.count);
      expect(merkleRoot(records.map((r) => sha256Hex(usageRecordJson(r))))).toBe(body.root);
      expect(body.totals).toHaveLength(1);
      expect(body.totals[0]).toMatchObject({ service: 'S1', metric: 'gb' });
      const [whole, fraction = '0'] = body.totals[0]!.quantity.split('.');
      tenths += BigInt(whole!) * 10n + BigInt(fraction.padEnd(1, '0'));
      expect(body.from <= body.to).toBe(true);
    }
    expect(tenths).toBe(file.tenths);
    const withZone = await seller.node.store.usageRecords(id, 'acme-fiber', { limit: 1 });
    expect(withZone[0]?.record).toEqual({
      id: 'u0',
      service: 'S1',
      metric: 'gb',
      quantity: '0.0',
      at: '2026-01-16T00:00:00Z',
      characteristics: { zone: 'eu,west' },
    });
  });

  it('replicates the batch entries to the buyer, which verified and stored them', async () => {
    const atSeller = await seller.node.bilaterals.entries(id, { author: 'acme-fiber' });
    const atBuyer = await buyer.node.bilaterals.entries(id, { author: 'acme-fiber' });
    expect(atBuyer.map((e) => e.hash)).toEqual(atSeller.map((e) => e.hash));
    expect(atBuyer.filter((e) => e.signed.entry.kind === 'usage.batch')).toHaveLength(3);
    expect(await buyer.node.bilaterals.evidence(id)).toEqual([]);
  });

  it('importing the same file again changes nothing', async () => {
    const before = await seller.node.bilaterals.entries(id);
    const again = await postFile(seller, id, csvPath, 'text/csv', 'usage-2026.csv');
    expect(again.status).toBe(200);
    expect(again.body.accepted).toBe(0);
    expect(again.body.batches).toBe(0);
    // The line that repeats an id of an earlier batch is now an already-imported record.
    expect(again.body.duplicates).toBe(GOOD + 1);
    expect(again.body.rejectedTotal).toBe(file.bad.size - 1);
    expect(again.body.replicated).toBeNull();
    expect((await seller.node.bilaterals.entries(id)).map((e) => e.hash)).toEqual(before.map((e) => e.hash));
  });

  it('stops on a failing source only once the batch in flight is stored; importing again adds the rest', async () => {
    const other = await bilateral('broken');
    const record = (i: number) => ({ id: `b${i}`, service: 'S1', metric: 'gb', quantity: '1', at: at(i) });
    async function* items(failAt?: number): AsyncGenerator<UsageItem> {
      for (let i = 0; i < 6000; i++) {
        if (i === failAt) throw new Error('the source broke');
        yield { line: i + 1, raw: record(i) };
      }
    }
    // Batches of 2,500 are hashed on the worker: the second is still in flight when the source fails.
    const failed = await importUsage(seller.node.usage, other, items(5000), { batchSize: 2500 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed?.message).toBe('the source broke');
    // Both full batches were handed off before the failure, and both are stored when it is reported.
    const ids = Array.from({ length: 6000 }, (_, i) => `b${i}`);
    expect((await seller.node.store.hasUsageIds(other, 'acme-fiber', ids)).size).toBe(5000);
    const rest = await importUsage(seller.node.usage, other, items(), { batchSize: 2500 });
    expect([rest.accepted, rest.duplicates, rest.batches, rest.rejectedTotal]).toEqual([1000, 5000, 1, 0]);
  });

  it('imports a file overlapping an earlier import: only the new records, in full batches whose roots match', async () => {
    const other = await bilateral('overlap');
    const record = (i: number) => ({
      id: `o${i}`,
      service: 'S1',
      metric: 'gb',
      quantity: `${i}.5`,
      at: at(i),
    });
    async function* items(keep: (i: number) => boolean): AsyncGenerator<UsageItem> {
      for (let i = 0; i < 3000; i++) if (keep(i)) yield { line: i + 1, raw: record(i) };
    }
    const odd = await importUsage(
      seller.node.usage,
      other,
      items((i) => i % 2 === 1),
      { batchSize: 700 },
    );
    expect([odd.accepted, odd.batches]).toEqual([1500, 3]);
    // Every other record is held already: each batch is probed, thinned, then filled up again.
    const all = await importUsage(
      seller.node.usage,
      other,
      items(() => true),
      { batchSize: 700 },
    );
    expect([all.accepted, all.duplicates, all.rejectedTotal, all.batches]).toEqual([1500, 1500, 0, 3]);
    const batches = (await storedBatches(other)).slice(3);
    expect(batches.flat().every((r) => Number(r.id.slice(1)) % 2 === 0)).toBe(true);
    expect(batches.map((b) => b.length)).toEqual([700, 700, 100]);
  });

  it('finds records imported before in a batch it did not probe: written again without them, a repeat of this import rejected', async () => {
    const other = await bilateral('late');
    const record = (i: number) => ({ id: `l${i}`, service: 'S1', metric: 'gb', quantity: '1', at: at(i) });
    async function* items(from: number, to: number, repeat?: number): AsyncGenerator<UsageItem> {
      for (let i = from; i < to; i++) yield { line: i + 1, raw: record(i) };
      if (repeat !== undefined) yield { line: to + 1, raw: record(repeat) };
    }
    const before = await importUsage(seller.node.usage, other, items(2000, 2100), { batchSize: 700 });
    expect(before.accepted).toBe(100);
    // The first batch is probed and holds nothing stored, so the next ones are not: the store's key
    // finds l2000…l2099 in the third and l5 (stored by this import's first batch) in the last.
    const report = await importUsage(seller.node.usage, other, items(0, 3000, 5), { batchSize: 700 });
    expect([report.accepted, report.duplicates, report.batches]).toEqual([2900, 100, 5]);
    expect(report.rejections).toEqual([
      {
        source: 'input',
        line: 3001,
        id: 'l5',
        field: 'id',
        rule: 'duplicate-id',
        message: 'id: l5 is on an earlier line of this import',
      },
    ]);
    const batches = (await storedBatches(other)).slice(1);
    expect(batches.map((b) => b.length)).toEqual([700, 700, 600, 700, 200]);
    const ids = Array.from({ length: 3000 }, (_, i) => `l${i}`);
    expect((await seller.node.store.hasUsageIds(other, 'acme-fiber', ids)).size).toBe(3000);
  });

  it('a repeat of an id whose batch is committed but not yet reported back is still a repeat of this import', async () => {
    const other = await bilateral('in-flight');
    const record = (i: number) => ({ id: `f${i}`, service: 'S1', metric: 'gb', quantity: '1', at: at(i) });
    // Hold the first batch's write just after its commit, before the import hears it is stored.
    const store = seller.node.store as unknown as {
      appendEntryWithUsage: (...a: unknown[]) => Promise<unknown>;
    };
    const original = store.appendEntryWithUsage;
    let committed!: () => void;
    const commit = new Promise<void>((resolve) => {
      committed = resolve;
    });
    let held = false;
    store.appendEntryWithUsage = async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args);
      if (!held) {
        held = true;
        committed();
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return result;
    };
    async function* items(): AsyncGenerator<UsageItem> {
      // Batch 1 repeats f5 (so later batches are looked up before they are written) ...
      for (let i = 0; i < 100; i++) yield { line: i + 1, raw: record(i === 50 ? 5 : i) };
      await commit;
      // ... and batch 2 repeats f7 of batch 1, while batch 1 is committed and not yet reported.
      for (let i = 100; i < 200; i++) yield { line: i + 1, raw: record(i === 150 ? 7 : i) };
    }
    try {
      const report = await importUsage(seller.node.usage, other, items(), { batchSize: 100 });
      expect(report.duplicates).toBe(0);
      expect(report.rejected['duplicate-id']).toBe(2);
      expect(report.accepted).toBe(198);
      expect(report.rejections.map((r) => [r.line, r.id])).toEqual([
        [51, 'f5'],
        [151, 'f7'],
      ]);
    } finally {
      store.appendEntryWithUsage = original;
    }
  });

  it('imports the gzip of the file, as a file on the node, with the same result', async () => {
    const other = await bilateral('gzip');
    const report = await importUsageFile(seller.node.usage, other, gzPath, { source: 'usage-2026.csv' });
    expectFirstImport(report, 'usage-2026.csv');
    const a = await seller.node.store.usageRecords(id, 'acme-fiber', { limit: 10_000 });
    const b = await seller.node.store.usageRecords(other, 'acme-fiber', { limit: 10_000 });
    expect(b).toEqual(a);
  });

  it('takes TMF635 items as JSON and NDJSON, and lists records in TMF635 shape', async () => {
    const items = [
      {
        id: 't1',
        usageDate: '2026-02-01T10:00:00Z',
        usageType: 'gb',
        usageCharacteristic: [
          { name: 'service', value: 'S1' },
          { name: 'quantity', value: '2.5' },
          { name: 'zone', value: 'eu' },
        ],
      },
      { id: 't2', service: 'S1', metric: 'gb', quantity: 3, at: '2026-02-01T11:00:00Z' },
      { id: 't3', service: 'S1', metric: 'gb', quantity: 0.1, at: '2026-02-01T12:00:00Z' },
    ];
    const json = await call<UsageImportReport>(seller, 'POST', `/bilaterals/${id}/usage`, items);
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ accepted: 2, rejectedTotal: 1, batches: 1 });
    expect(json.body.rejections[0]).toMatchObject({ line: 3, field: 'quantity', rule: 'bad-quantity' });

    const ndjson = [
      '{"id":"t4","service":"S1","metric":"gb","quantity":"1","at":"2026-02-02T00:00:00Z"}',
      '{',
      '',
    ];
    const response = await fetch(new URL(`/bilaterals/${id}/usage`, seller.url), {
      method: 'POST',
      body: ndjson.join('\n'),
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${seller.adminToken}` },
    });
    const report = (await response.json()) as UsageImportReport;
    expect(report).toMatchObject({ accepted: 1, rejectedTotal: 1, rejected: { malformed: 1 } });

    const listed = await call<Record<string, unknown>[]>(
      seller,
      'GET',
      `/bilaterals/${id}/usage?from=2026-02-01T10:00:00Z&to=2026-02-01T11:00:01Z&limit=100`,
    );
    const tmf = listed.body.filter((u) => String(u.id).startsWith('t'));
    expect(tmf).toEqual([
      {
        id: 't1',
        usageDate: '2026-02-01T10:00:00Z',
        usageType: 'gb',
        status: 'received',
        usageCharacteristic: [
          { name: 'service', value: 'S1' },
          { name: 'quantity', value: '2.5' },
          { name: 'zone', value: 'eu' },
        ],
        relatedParty: [{ id: 'acme-fiber', role: 'reporter' }],
        batch: { author: 'acme-fiber', seq: expect.any(Number), position: 0 },
      },
      expect.objectContaining({
        id: 't2',
        usageCharacteristic: expect.arrayContaining([{ name: 'quantity', value: '3' }]),
      }),
    ]);
    const missing = await call<{ code: string }>(seller, 'GET', `/bilaterals/${'0'.repeat(64)}/usage`);
    expect(missing.status).toBe(404);
  });
});
