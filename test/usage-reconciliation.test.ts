/**
 * Usage reconciliation between two in-process nodes over loopback HTTP:
 * both parties import their own records of S1; each node fetches the
 * other's batches over the peer route, checks them against the signed
 * `usage.batch` entries (a tampered batch is rejected and kept as
 * evidence), and both classify every record the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOwnerApp, buildPeerApp } from '../src/api/app.ts';
import { introduce } from '../src/api/index.ts';
import {
  type BillingPeriod,
  billingPeriod,
  DecimalSum,
  parseFact,
  parseTerms,
  rate,
  type UsageRecord,
} from '../src/core/index.ts';
import { verifyProof } from '../src/kinds/index.ts';
import { generateKeyPair, type Proof } from '../src/ledger/index.ts';
import {
  ensureCounterpartyBatches,
  factsOf,
  importUsage,
  PartyNode,
  storedUsageTotals,
  type UsageItem,
  type UsageReconciliationReport,
} from '../src/node/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { call, exampleFacts, exampleTerms } from './support.ts';

const terms = exampleTerms();
const facts = exampleFacts();

interface Running {
  readonly node: PartyNode;
  readonly app: FastifyInstance;
  readonly peerApp: FastifyInstance;
  readonly url: string;
  readonly adminToken: string;
  readonly store: Store;
}

/** When set, the seller's peer route serves its batches changed by this. */
let tamper: ((records: UsageRecord[]) => UsageRecord[]) | undefined;

async function start(dir: string, party: string, tampering: boolean): Promise<Running> {
  const keys = generateKeyPair();
  const store = await openStore(`sqlite:${join(dir, `${party}.db`)}`);
  // The seller's node may serve its batches through a store that changes them.
  const served: Store = tampering
    ? new Proxy(store, {
        get(target, key) {
          if (key === 'usageBatchRecords') {
            return async (...args: Parameters<Store['usageBatchRecords']>) => {
              const records = await target.usageBatchRecords(...args);
              return tamper === undefined ? records : tamper(records);
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      })
    : store;
  const node = new PartyNode({ party, keys, store: served, endpoint: '' });
  const app = buildOwnerApp(node);
  const peerApp = buildPeerApp(node);
  const urlOf = async (listening: typeof app) => {
    await listening.listen({ host: '127.0.0.1', port: 0 });
    const address = listening.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  };
  const url = await urlOf(app);
  node.endpoint = await urlOf(peerApp);
  const { token } = await node.access.issue({ name: 'test', role: 'admin' });
  return { node, app, peerApp, url, adminToken: token, store };
}

const at = (minutes: number, day = '2026-02-01') =>
  new Date(Date.parse(`${day}T00:00:00Z`) + minutes * 60_000).toISOString().replace('.000Z', 'Z');

/** The seller's 3000 February records of S1, and 100 in March. */
function sellerRecords() {
  const out = [];
  for (let i = 0; i < 3000; i++) {
    out.push({ id: `u${i}`, service: 'S1', metric: 'gb', quantity: `${i % 50}.${i % 10}`, at: at(i * 10) });
  }
  for (let i = 0; i < 100; i++) {
    out.push({ id: `m${i}`, service: 'S1', metric: 'gb', quantity: '1', at: at(i * 60, '2026-03-01') });
  }
  return out;
}

/** The buyer's own measurements: the same, with planted differences. */
function buyerRecords() {
  const out = [];
  for (const r of sellerRecords()) {
    const i = Number(r.id.slice(1));
    if (!r.id.startsWith('u')) {
      out.push(r);
      continue;
    }
    if (i % 300 === 1)
      out.push({ ...r, quantity: `${Number(r.quantity) + 5}` }); // mismatch
    else if (i % 300 === 2)
      continue; // only at the seller
    else if (i % 300 === 4)
      out.push({ ...r, quantity: (Number(r.quantity) + 0.5).toFixed(1) }); // tolerated
    else out.push(r);
    if (i % 300 === 3) out.push({ ...r, id: `${r.id}-again` }); // re-sent under a new id
  }
  for (let i = 0; i < 5; i++)
    out.push({ id: `b${i}`, service: 'S1', metric: 'gb', quantity: '2', at: at(i) });
  return out;
}

async function* items(records: readonly unknown[]): AsyncGenerator<UsageItem> {
  for (let i = 0; i < records.length; i++) yield { line: i + 1, raw: records[i] };
}

describe('usage reconciliation between two nodes', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-reconcile-'));
  let seller: Running;
  let buyer: Running;
  let id: string;

  beforeAll(async () => {
    seller = await start(root, 'acme-fiber', true);
    buyer = await start(root, 'globex', false);
    await introduce(seller, buyer);
    const created = await call<{ id: string }>(seller, 'POST', '/bilaterals', {
      terms,
      peer: buyer.node.endpoint,
    });
    expect(created.status).toBe(201);
    id = created.body.id;
    for (const fact of facts) {
      expect((await call(seller, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact)).status).toBe(201);
    }
    const mine = await importUsage(seller.node.usage, id, items(sellerRecords()), { batchSize: 1000 });
    const theirs = await importUsage(buyer.node.usage, id, items(buyerRecords()), { batchSize: 1000 });
    expect([mine.accepted, mine.rejectedTotal, mine.replicated]).toEqual([3100, 0, true]);
    expect([theirs.accepted, theirs.rejectedTotal, theirs.replicated]).toEqual([3105, 0, true]);
  });

  afterAll(async () => {
    for (const running of [seller, buyer]) {
      await running?.node.idle();
      await running?.app.close();
      await running?.peerApp.close();
      await running?.store.close();
    }
    rmSync(root, { recursive: true, force: true });
  });

  const reconcile = (on: Running) =>
    call<UsageReconciliationReport>(on, 'GET', `/bilaterals/${id}/reconciliation?period=2026-02&service=S1`);

  it('serves a batch only to the signed counterparty', async () => {
    const response = await call<{ code: string }>(
      seller.node.endpoint,
      'GET',
      `/peer/bilaterals/${id}/usage-batches/4/records`,
    );
    expect(response.status).toBe(401);
  });

  it('rejects a batch whose records do not rebuild the signed root, and keeps it as evidence', async () => {
    tamper = (records) => records.map((r, i) => (i === 7 ? { ...r, quantity: '999' } : r));
    const report = await reconcile(buyer);
    expect(report.status).toBe(200);
    expect(report.body.complete).toBe(false);
    expect(report.body.batches.map((b) => b.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(report.body.batches[0]!.message).toMatch(/hash to root/);
    expect(report.body.counts.seller).toBe(0);
    const evidence = await buyer.node.bilaterals.evidence(id);
    expect(evidence.map((e) => [e.author, e.code])).toEqual([
      ['acme-fiber', 'USAGE_BATCH_MISMATCH'],
      ['acme-fiber', 'USAGE_BATCH_MISMATCH'],
      ['acme-fiber', 'USAGE_BATCH_MISMATCH'],
    ]);
    // a count that does not match is refused too
    tamper = (records) => records.slice(1);
    const short = await reconcile(buyer);
    expect(short.body.batches[0]!.message).toMatch(/999 records, the signed entry says 1000/);
    tamper = undefined;
  });

  it('fetches the checked batches once and classifies every record of the period', async () => {
    const first = await reconcile(buyer);
    expect(first.status).toBe(200);
    expect(first.body.complete).toBe(true);
    expect(first.body.batches.map((b) => [b.author, b.status, b.count])).toEqual([
      ['acme-fiber', 'fetched', 1000],
      ['acme-fiber', 'fetched', 1000],
      ['acme-fiber', 'fetched', 1000],
    ]);
    expect(first.body.counts).toEqual({
      seller: 3000,
      buyer: 3005,
      matched: 2980,
      mismatch: 10,
      onlySeller: 10,
      onlyBuyer: 5,
      duplicate: 10,
      duplicateSeller: 0,
      duplicateBuyer: 10,
    });
    const ids = (status: string) => first.body.items.filter((i) => i.status === status).map((i) => i.id);
    expect(ids('mismatch')).toEqual(Array.from({ length: 10 }, (_, k) => `u${k * 300 + 1}`));
    expect(ids('onlySeller')).toEqual(Array.from({ length: 10 }, (_, k) => `u${k * 300 + 2}`));
    expect(ids('onlyBuyer')).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(new Set(ids('duplicate'))).toEqual(
      new Set(Array.from({ length: 10 }, (_, k) => `u${k * 300 + 3}-again`)),
    );
    const amounts = first.body.amounts!;
    expect(Number(amounts.seller) - Number(amounts.buyer)).toBeCloseTo(Number(amounts.difference), 2);
    // By day (the console's chart): days in order, inside the period, summing to the counts.
    const days = first.body.byDay;
    expect(days.map((d) => d.day)).toEqual([...days.map((d) => d.day)].sort());
    expect(days.every((d) => d.day.startsWith('2026-02-'))).toBe(true);
    for (const c of ['matched', 'mismatch', 'onlySeller', 'onlyBuyer', 'duplicate'] as const) {
      expect(
        days.reduce((t, d) => t + d[c], 0),
        c,
      ).toBe(first.body.counts[c]);
    }

    const again = await reconcile(buyer);
    expect(again.body.batches.every((b) => b.status === 'held')).toBe(true);
    expect(again.body.counts).toEqual(first.body.counts);
  });

  it('gives the same reconciliation on the seller node, which fetches the buyer batches', async () => {
    const fromBuyer = await reconcile(buyer);
    const fromSeller = await reconcile(seller);
    expect(fromSeller.body.complete).toBe(true);
    expect(fromSeller.body.batches.map((b) => [b.author, b.status])).toEqual([
      ['globex', 'fetched'],
      ['globex', 'fetched'],
      ['globex', 'fetched'],
      ['globex', 'fetched'],
    ]);
    const { batches: _a, ...sellerView } = fromSeller.body;
    const { batches: _b, ...buyerView } = fromBuyer.body;
    expect(sellerView).toEqual(buyerView);
  });

  it('rates the period from the stored records alike on both nodes, as rating them as facts would', async () => {
    const bounds = billingPeriod('2026-02', 'UTC');
    const parsed = parseTerms(terms);
    const invoices = [];
    for (const running of [seller, buyer]) {
      expect(
        (await ensureCounterpartyBatches(running.node.usage, id, bounds)).every(
          (b) => b.status !== 'rejected',
        ),
      ).toBe(true);
      const usage = await storedUsageTotals(running.store, id, 'acme-fiber', bounds);
      invoices.push(rate(parsed, factsOf(await running.store.listEntries(id)), '2026-02', { usage }));
    }
    expect(invoices[1]).toEqual(invoices[0]);
    const line = invoices[0]!.lines.find((l) => l.kind === 'usage')!;
    // the seller's batch entries follow its five facts
    expect(line.refs).toEqual(['acme-fiber/6', 'acme-fiber/7', 'acme-fiber/8']);
    const asFacts = sellerRecords()
      .filter((r) => r.at < '2026-03')
      .map((r, i) => ({ ref: `r${i}`, fact: parseFact({ type: 'usage', ...r }) }));
    const direct = rate(parsed, [...factsOf(await seller.store.listEntries(id)), ...asFacts], '2026-02');
    const { refs: _a, ...fromTotals } = line;
    const { refs: _b, ...fromFacts } = direct.lines.find((l) => l.kind === 'usage')!;
    expect(fromTotals).toEqual(fromFacts);
    expect(invoices[0]!.total).toBe(direct.total);
  });

  it('issues the invoice with usage from stored records; the buyer recomputes it the same and accepts', async () => {
    const expected = await seller.node.invoices.compute(id, '2026-02');
    expect(expected.lines.some((l) => l.kind === 'usage')).toBe(true);
    const { invoice } = await seller.node.invoices.issue(id, '2026-02');
    expect(invoice.body.invoice).toEqual(expected);
    await buyer.node.idle();
    await seller.node.idle();
    const atBuyer = (await buyer.node.invoices.list(id)).find((i) => i.period === '2026-02');
    expect(atBuyer?.status).toBe('accepted');
    expect(await buyer.node.invoices.compute(id, '2026-02', invoice.body.basis)).toEqual(expected);
  });

  it('names a bad request', async () => {
    const missing = await call<{ code: string }>(
      buyer,
      'GET',
      `/bilaterals/${id}/reconciliation?period=2026-02`,
    );
    expect([missing.status, missing.body.code]).toEqual([400, 'BAD_REQUEST']);
    const period = await call<{ code: string }>(
      buyer,
      'GET',
      `/bilaterals/${id}/reconciliation?period=2026-13&service=S1`,
    );
    expect(period.status).toBe(422);
  });

  it('counts a batch that straddles two periods record by record, in each period', async () => {
    const sum = (...quantities: string[]) => {
      const total = new DecimalSum();
      for (const q of quantities) total.add(q);
      return total.toString();
    };
    const periods = ['2026-02', '2026-03'].map((p) => billingPeriod(p, 'UTC'));
    const before = await Promise.all(
      periods.map((b) => storedUsageTotals(seller.store, id, 'acme-fiber', b)),
    );
    const straddling = [
      { id: 's1', service: 'S1', metric: 'gb', quantity: '3.5', at: '2026-02-28T23:00:00Z' },
      { id: 's2', service: 'S1', metric: 'gb', quantity: '4.25', at: '2026-03-01T01:00:00Z' },
    ];
    const report = await importUsage(seller.node.usage, id, items(straddling), { batchSize: 1000 });
    expect(report.accepted).toBe(2);
    const after = await Promise.all(periods.map((b) => storedUsageTotals(seller.store, id, 'acme-fiber', b)));
    expect(after[0]!.get('S1', 'gb')!.quantity).toBe(sum(before[0]!.get('S1', 'gb')!.quantity, '3.5'));
    expect(after[1]!.get('S1', 'gb')!.quantity).toBe(sum(before[1]!.get('S1', 'gb')!.quantity, '4.25'));
    const newRef = after[0]!.get('S1', 'gb')!.refs.at(-1);
    expect(after[1]!.get('S1', 'gb')!.refs.at(-1)).toBe(newRef);
    expect(before[0]!.get('S1', 'gb')!.refs).not.toContain(newRef);
  });

  it('totals several services of one batch apart, whole batches and straddling ones alike', async () => {
    const sum = (quantities: readonly string[], start = '0') => {
      const total = new DecimalSum();
      total.add(start);
      for (const q of quantities) total.add(q);
      return total.toString();
    };
    const order = { type: 'service.ordered', service: 'S2', offering: 'dia', plan: '1G', termMonths: 12 };
    for (const fact of [
      { ...order, at: '2026-03-02T00:00:00Z' },
      { type: 'service.activated', service: 'S2', at: '2026-03-03T00:00:00Z' },
    ]) {
      expect((await call(seller, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact)).status).toBe(201);
    }
    const [march, april] = ['2026-03', '2026-04'].map((p) => billingPeriod(p, 'UTC')) as [
      BillingPeriod,
      BillingPeriod,
    ];
    const before = await storedUsageTotals(seller.store, id, 'acme-fiber', march);
    const record = (n: number, service: string, at: string) => ({
      id: `multi-${n}`,
      service,
      metric: 'gb',
      quantity: `${n}.${n % 7}`,
      at,
    });
    // One batch wholly in March (S1 and S2 interleaved), one straddling March and April.
    const inMarch = Array.from({ length: 12 }, (_, n) =>
      record(n, n % 3 === 0 ? 'S1' : 'S2', `2026-03-0${4 + (n % 5)}T0${n % 10}:00:00Z`),
    );
    const straddling = [
      record(20, 'S1', '2026-03-09T12:00:00Z'),
      record(21, 'S2', '2026-03-31T23:30:00Z'),
      record(22, 'S2', '2026-04-01T00:30:00Z'),
      record(23, 'S2', '2026-04-02T00:30:00Z'),
    ];
    for (const batch of [inMarch, straddling]) {
      const report = await importUsage(seller.node.usage, id, items(batch), { batchSize: 1000 });
      expect([report.accepted, report.rejectedTotal]).toEqual([batch.length, 0]);
    }
    const all = [...inMarch, ...straddling];
    const quantities = (service: string, from: string, to: string) =>
      all.filter((r) => r.service === service && r.at >= from && r.at < to).map((r) => r.quantity);
    const afterMarch = await storedUsageTotals(seller.store, id, 'acme-fiber', march);
    const afterApril = await storedUsageTotals(seller.store, id, 'acme-fiber', april);
    expect(afterMarch.get('S1', 'gb')!.quantity).toBe(
      sum(quantities('S1', '2026-03', '2026-04'), before.get('S1', 'gb')!.quantity),
    );
    expect(before.get('S2', 'gb')).toBeUndefined();
    expect(afterMarch.get('S2', 'gb')!.quantity).toBe(sum(quantities('S2', '2026-03', '2026-04')));
    expect(afterApril.get('S2', 'gb')!.quantity).toBe(sum(quantities('S2', '2026-04', '2026-05')));
    expect(afterApril.get('S1', 'gb')).toBeUndefined();
    // S2's March usage cites both new batches; April's only the straddling one.
    expect(afterMarch.get('S2', 'gb')!.refs).toHaveLength(2);
    expect(afterApril.get('S2', 'gb')!.refs).toEqual(afterMarch.get('S2', 'gb')!.refs.slice(1));
  });

  it('proves one usage record: its path to the signed batch root, then to a co-signed checkpoint', async () => {
    const checkpoint = await seller.node.checkpoints.now(id);
    expect(checkpoint?.checkpoint.root).toBeDefined();
    const proof = await call<Proof>(seller, 'GET', `/bilaterals/${id}/proof?usage=u1234`);
    expect(proof.status).toBe(200);
    expect(proof.body.subject).toMatchObject({ kind: 'usage', record: { id: 'u1234' } });
    const report = verifyProof(proof.body, { allowUnanchored: true });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const changed = structuredClone(proof.body) as unknown as { subject: { record: { quantity: string } } };
    changed.subject.record.quantity = '999';
    const refused = verifyProof(changed, { allowUnanchored: true });
    expect(refused.ok).toBe(false);
    expect(refused.checks.find((c) => !c.ok)?.name).toMatch(/usage/);
    const missing = await call<{ code: string }>(seller, 'GET', `/bilaterals/${id}/proof?usage=nope`);
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
  });
});
