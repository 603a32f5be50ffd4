/**
 * Benchmark: reconciling N usage records per side with 1 % planted
 * differences (issue "usage at carrier volume": 1 million records per side,
 * seconds, and every planted difference found).
 *
 * Never a test: figures depend on the machine. Everything is measured in one run.
 *
 * 1. Generate the Seller's N records of S1/gb in February 2026 (seeded PRNG,
 *    time order) and the Buyer's copy, then plant 1 % of N as differences,
 *    on distinct records, spread over every class:
 *    - mismatch: the Buyer's quantity beyond the terms' tolerance (1.00 GB or
 *      0.5 %): 25 %
 *    - onlySeller: the Buyer lacks the record: 25 %
 *    - onlyBuyer: the Buyer has an extra record (own id, own time): 25 %
 *    - duplicate: 25 %, a quarter each of: Seller id repeat (identical replay),
 *      Buyer id repeat (conflicting quantity), Seller content repeat under a
 *      new id, Buyer content repeat under a new id.
 *    Besides, 0.1 % of N get a quantity difference *within* tolerance: they must
 *    stay matched (no false positives).
 * 2. In memory: `reconcileUsage(seller, buyer, terms.disputes.tolerance, {
 *    valuation })`, as `reconcileUsagePeriod` calls it. Timed.
 * 3. Verify: every class's count and its exact set of ids (duplicates: side,
 *    reason and original too) against what was planted; matched = the rest.
 * 4. Through the store (unless --no-store): the Seller's records into one
 *    SQLite store, the Buyer's into another (`appendEntryWithUsage`, a
 *    `usage.batch` entry per 10,000 records; insert timed separately), then
 *    each side read back in (at, id) pages of 10,000 for the service, as the
 *    node does, and reconciled. A store keeps ids unique, so id repeats
 *    cannot be stored (an import refuses them): this run leaves them out and
 *    verifies the other classes the same way.
 *
 * Usage: npx tsx bench/reconcile.ts [--records 1000000] [--no-store] [--no-json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  minorUnit,
  parseTerms,
  type Reconciliation,
  reconcileUsage,
  type Terms,
  type UsageRecord,
} from '../src/core/index.ts';
import type { JsonValue } from '../src/ledger/index.ts';
import { batchBody } from '../src/node/usage/usage.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { BUYER, bilateralRecord, SELLER, storedEntry } from '../src/store/store.fixtures.ts';
import { log, machine, perSecond, printReport, prng, seconds } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    'no-store': { type: 'boolean', default: false },
    'no-json': { type: 'boolean', default: false },
  },
});
const N = Number(flags.records);
const BATCH = 10_000;
const PAGE = 10_000;
const COMMAND = ['npx tsx bench/reconcile.ts', ...process.argv.slice(2)].join(' ');

const milliText = (m: number) => {
  const frac = m % 1000;
  return frac === 0 ? String(m / 1000) : `${Math.floor(m / 1000)}.${String(frac).padStart(3, '0')}`;
};

type DuplicateKind = 'sellerId' | 'buyerId' | 'sellerContent' | 'buyerContent';

interface Planted {
  readonly mismatch: Set<string>;
  readonly onlySeller: Set<string>;
  readonly onlyBuyer: Set<string>;
  readonly tolerated: Set<string>;
  /** key `side/id/reason/of` → kind */
  readonly duplicates: Map<string, DuplicateKind>;
}

interface Sides {
  readonly seller: UsageRecord[];
  readonly buyer: UsageRecord[];
  readonly planted: Planted;
}

function generate(n: number): Sides {
  const random = prng(20260226);
  const start = Date.UTC(2026, 1, 1);
  const span = Date.UTC(2026, 2, 1) - start;
  const base = new Array<UsageRecord>(n);
  const milli = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const m = Math.floor(random() * 5_000_000);
    milli[i] = m;
    base[i] = {
      id: `r${String(i).padStart(9, '0')}`,
      service: 'S1',
      metric: 'gb',
      quantity: milliText(m),
      at: new Date(start + Math.floor((i * span) / n)).toISOString(),
    };
  }

  // Distinct records for each plant: 1 % of n differences + 0.1 % tolerated.
  const differences = Math.max(8, Math.round(n / 100));
  const perClass = Math.floor(differences / 4);
  const perDuplicate = Math.floor(perClass / 4);
  const tolerated = Math.max(1, Math.round(n / 1000));
  const chosen = new Set<number>();
  const pick = (count: number): number[] => {
    const out: number[] = [];
    while (out.length < count) {
      const i = Math.floor(random() * n);
      if (chosen.has(i)) continue;
      chosen.add(i);
      out.push(i);
    }
    return out;
  };
  const plan = {
    mismatch: new Set(pick(perClass)),
    onlySeller: new Set(pick(perClass)),
    onlyBuyer: pick(perClass),
    sellerId: new Set(pick(perDuplicate)),
    buyerId: new Set(pick(perDuplicate)),
    sellerContent: new Set(pick(perDuplicate)),
    buyerContent: new Set(pick(perDuplicate)),
    tolerated: new Set(pick(tolerated)),
  };
  const planted: Planted = {
    mismatch: new Set(),
    onlySeller: new Set(),
    onlyBuyer: new Set(),
    tolerated: new Set(),
    duplicates: new Map(),
  };
  const onlyBuyerAt = new Set(plan.onlyBuyer);

  const seller: UsageRecord[] = [];
  const buyer: UsageRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = base[i]!;
    const m = milli[i]!;
    seller.push(r);
    if (plan.mismatch.has(i)) {
      // beyond 1.00 GB and beyond 0.5 % of the Seller's quantity
      buyer.push({ ...r, quantity: milliText(m + 1500 + Math.ceil(m / 100)) });
      planted.mismatch.add(r.id);
    } else if (plan.tolerated.has(i)) {
      buyer.push({ ...r, quantity: milliText(m + 500) }); // 0.5 GB: within 1.00 GB
      planted.tolerated.add(r.id);
    } else if (plan.onlySeller.has(i)) {
      planted.onlySeller.add(r.id);
    } else {
      buyer.push(r);
    }
    if (plan.sellerId.has(i)) {
      seller.push({ ...r }); // a replay: same id, same content
      planted.duplicates.set(`seller/${r.id}/id/${r.id}`, 'sellerId');
    }
    if (plan.buyerId.has(i)) {
      buyer.push({ ...r, quantity: milliText(m + 7) }); // the id reused with another quantity
      planted.duplicates.set(`buyer/${r.id}/id/${r.id}`, 'buyerId');
    }
    if (plan.sellerContent.has(i)) {
      const again = `${r.id}-again`;
      seller.push({ ...r, id: again }); // re-sent under a new id
      planted.duplicates.set(`seller/${again}/content/${r.id}`, 'sellerContent');
    }
    if (plan.buyerContent.has(i)) {
      const again = `${r.id}-again`;
      buyer.push({ ...r, id: again });
      planted.duplicates.set(`buyer/${again}/content/${r.id}`, 'buyerContent');
    }
    if (onlyBuyerAt.has(i)) {
      // the Buyer's own record: its own id and a time no other record has
      const extra = {
        ...r,
        id: `b${String(i).padStart(9, '0')}`,
        at: new Date(Date.parse(r.at) + 1).toISOString(),
      };
      buyer.push(extra);
      planted.onlyBuyer.add(extra.id);
    }
  }
  return { seller, buyer, planted };
}

interface Verification {
  readonly ok: boolean;
  readonly classes: Record<string, { planted: number; found: number; idsMatch: boolean }>;
  readonly matched: { expected: number; found: number; ok: boolean };
  readonly toleratedStayedMatched: boolean;
  readonly countsAddUp: boolean;
}

/** `base`: the Seller's records before any planted repeat. */
function verify(result: Reconciliation<UsageRecord>, planted: Planted, base: number): Verification {
  const found = {
    mismatch: new Set<string>(),
    onlySeller: new Set<string>(),
    onlyBuyer: new Set<string>(),
    duplicates: new Set<string>(),
  };
  for (const item of result.items) {
    if (item.status === 'mismatch') found.mismatch.add(item.id);
    else if (item.status === 'onlySeller') found.onlySeller.add(item.id);
    else if (item.status === 'onlyBuyer') found.onlyBuyer.add(item.id);
    else if (item.status === 'duplicate')
      found.duplicates.add(`${item.side}/${item.id}/${item.reason}/${item.of}`);
  }
  const same = (a: Set<string>, b: Iterable<string>) => {
    const bs = new Set(b);
    return a.size === bs.size && [...a].every((x) => bs.has(x));
  };
  const onlyQuantity = result.items.every(
    (i) => i.status !== 'mismatch' || (i.fields.length === 1 && i.fields[0] === 'quantity'),
  );
  const dupKinds = (kind: DuplicateKind) =>
    [...planted.duplicates].filter(([, k]) => k === kind).map(([key]) => key);
  const classes: Verification['classes'] = {
    mismatch: {
      planted: planted.mismatch.size,
      found: result.counts.mismatch,
      idsMatch: same(found.mismatch, planted.mismatch) && onlyQuantity,
    },
    onlySeller: {
      planted: planted.onlySeller.size,
      found: result.counts.onlySeller,
      idsMatch: same(found.onlySeller, planted.onlySeller),
    },
    onlyBuyer: {
      planted: planted.onlyBuyer.size,
      found: result.counts.onlyBuyer,
      idsMatch: same(found.onlyBuyer, planted.onlyBuyer),
    },
    duplicate: {
      planted: planted.duplicates.size,
      found: result.counts.duplicate,
      idsMatch: same(found.duplicates, planted.duplicates.keys()),
    },
  };
  for (const kind of ['sellerId', 'buyerId', 'sellerContent', 'buyerContent'] as const) {
    const keys = dupKinds(kind);
    classes[`duplicate.${kind}`] = {
      planted: keys.length,
      found: keys.filter((k) => found.duplicates.has(k)).length,
      idsMatch: keys.every((k) => found.duplicates.has(k)),
    };
  }
  const expectedMatched = base - planted.mismatch.size - planted.onlySeller.size;
  const c = result.counts;
  const countsAddUp =
    c.seller === c.matched + c.mismatch + c.onlySeller + c.duplicateSeller &&
    c.buyer === c.matched + c.mismatch + c.onlyBuyer + c.duplicateBuyer;
  const matchedItemIds = new Set(result.items.map((i) => i.id));
  const toleratedStayedMatched = [...planted.tolerated].every((id) => !matchedItemIds.has(id));
  const matched = { expected: expectedMatched, found: c.matched, ok: c.matched === expectedMatched };
  const ok =
    Object.values(classes).every((x) => x.idsMatch && x.found === x.planted) &&
    matched.ok &&
    toleratedStayedMatched &&
    countsAddUp;
  return { ok, classes, matched, toleratedStayedMatched, countsAddUp };
}

function valuation(terms: Terms) {
  const dia = terms.offerings.find((o) => o.id === 'dia');
  return {
    pricing: (service: string, metric: string) =>
      service === 'S1' ? dia?.usage?.find((u) => u.metric === metric)?.pricing : undefined,
    decimals: minorUnit(terms.currency),
    rounding: terms.billing.rounding,
  };
}

/** Without the planted id repeats (a store keeps ids unique): what can be stored. */
function storable(sides: Sides): Sides {
  const firstOnly = (records: UsageRecord[]) => {
    const seen = new Set<string>();
    return records.filter((r) => !seen.has(r.id) && seen.add(r.id) !== undefined);
  };
  const duplicates = new Map(
    [...sides.planted.duplicates].filter(([, k]) => k === 'sellerContent' || k === 'buyerContent'),
  );
  return {
    seller: firstOnly(sides.seller),
    buyer: firstOnly(sides.buyer),
    planted: { ...sides.planted, duplicates },
  };
}

/** One side's records into its own store, a `usage.batch` entry per BATCH records (sorted by time, as imported). */
async function fill(store: Store, bilateral: string, author: string, records: UsageRecord[]): Promise<void> {
  const sorted = [...records].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  let prev = bilateral;
  for (let b = 0; b * BATCH < sorted.length; b++) {
    const batch = sorted.slice(b * BATCH, (b + 1) * BATCH);
    const body = batchBody(batch) as unknown as JsonValue;
    const entry = storedEntry(bilateral, author, b + 1, prev, '', body, 'usage.batch');
    await store.appendEntryWithUsage(entry, batch);
    prev = entry.hash;
  }
}

/** A side's February records of S1 in (at, id) pages, as the node reads them (`reconciliation.ts`). */
async function readSide(store: Store, bilateral: string, author: string): Promise<UsageRecord[]> {
  const to = '2026-03-01T00:00:00Z';
  const out: UsageRecord[] = [];
  let after: { at: string; id: string } | undefined;
  for (;;) {
    const page = await store.usageRecords(bilateral, author, {
      service: 'S1',
      from: after === undefined ? '2026-02-01T00:00:00Z' : after.at,
      to,
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    });
    for (const stored of page) out.push(stored.record);
    if (page.length < PAGE) return out;
    const last = page[page.length - 1]!.record;
    after = { at: last.at, id: last.id };
  }
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const box = machine();
  const example = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');
  const terms = parseTerms(JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8')));
  const tolerance = terms.disputes?.tolerance ?? {};
  const options = { valuation: valuation(terms) };

  log(`generating ${N} records per side with 1 % planted differences`);
  let t = performance.now();
  const sides = generate(N);
  const generateMs = performance.now() - t;
  log(`generated in ${seconds(generateMs)} s: seller ${sides.seller.length}, buyer ${sides.buyer.length}`);

  t = performance.now();
  const result = reconcileUsage(sides.seller, sides.buyer, tolerance, options);
  const reconcileMs = performance.now() - t;
  const check = verify(result, sides.planted, N);
  log(`reconciled in memory in ${seconds(reconcileMs)} s; every planted difference found: ${check.ok}`);

  let store: Record<string, unknown> | undefined;
  if (!flags['no-store']) {
    const sub = storable(sides);
    const root = mkdtempSync(join(os.tmpdir(), 'sb-bench-reconcile-'));
    const sellerStore = await openStore(`sqlite:${join(root, 'seller.db')}`);
    const buyerStore = await openStore(`sqlite:${join(root, 'buyer.db')}`);
    try {
      const bilateral = bilateralRecord('reconcile');
      await sellerStore.putBilateral(bilateral);
      await buyerStore.putBilateral({ ...bilateral, role: 'buyer' });
      t = performance.now();
      await fill(sellerStore, bilateral.id, SELLER, sub.seller);
      await fill(buyerStore, bilateral.id, BUYER, sub.buyer);
      const insertMs = performance.now() - t;
      log(`stored ${sub.seller.length} + ${sub.buyer.length} records in ${seconds(insertMs)} s`);

      t = performance.now();
      const seller = await readSide(sellerStore, bilateral.id, SELLER);
      const buyer = await readSide(buyerStore, bilateral.id, BUYER);
      const readMs = performance.now() - t;
      const stored = reconcileUsage(seller, buyer, tolerance, options);
      const totalMs = performance.now() - t;
      const storedCheck = verify(stored, sub.planted, N);
      log(
        `from the stores: read ${seconds(readMs)} s, read + reconcile ${seconds(totalMs)} s; every planted difference found: ${storedCheck.ok}`,
      );
      store = {
        records: { seller: seller.length, buyer: buyer.length },
        insertSeconds: seconds(insertMs),
        readSeconds: seconds(readMs),
        readAndReconcileSeconds: seconds(totalMs),
        counts: stored.counts,
        verification: storedCheck,
        amountsAgreeWithInMemory: stored.amounts?.classes.mismatch === result.amounts?.classes.mismatch,
      };
    } finally {
      await sellerStore.close();
      await buyerStore.close();
      rmSync(root, { recursive: true, force: true });
    }
  }

  const report = {
    benchmark: 'reconcile',
    command: COMMAND,
    date,
    machine: box,
    parameters: {
      recordsPerSide: N,
      seller: sides.seller.length,
      buyer: sides.buyer.length,
      tolerance,
      planted: {
        mismatch: sides.planted.mismatch.size,
        onlySeller: sides.planted.onlySeller.size,
        onlyBuyer: sides.planted.onlyBuyer.size,
        duplicate: sides.planted.duplicates.size,
        toleratedWithinBounds: sides.planted.tolerated.size,
      },
    },
    generateSeconds: seconds(generateMs),
    inMemory: {
      reconcileSeconds: seconds(reconcileMs),
      recordsPerSecond: perSecond(sides.seller.length + sides.buyer.length, reconcileMs),
      counts: result.counts,
      amounts: result.amounts,
      verification: check,
    },
    ...(store === undefined ? {} : { fromStores: store }),
  };
  printReport(report);
  if (!flags['no-json']) {
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `reconcile-${date.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`);
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${out}`);
  }
  const storedOk = (store?.verification as Verification | undefined)?.ok ?? true;
  if (!(check.ok && storedOk)) process.exitCode = 1;
}

await main();
