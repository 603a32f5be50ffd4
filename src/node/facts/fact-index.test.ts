import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fact, type FactRef, parseFact, parseTerms, type Terms } from '../../core/index.ts';
import type { JsonValue } from '../../ledger/index.ts';
import { createSqliteStore, SQLITE_MEMORY, type Store } from '../../store/index.ts';
import { BUYER, bilateralRecord, SELLER, storedEntry } from '../../store/store.fixtures.ts';
import { FactIndex } from './fact-index.ts';

const example = join(import.meta.dirname, '..', '..', '..', 'examples', 'dia-acme-globex');
const terms: Terms = parseTerms(JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8')));

const order = (service: string, at = '2026-01-05T10:00:00Z') => ({
  type: 'service.ordered',
  service,
  offering: 'dia',
  plan: '1G',
  termMonths: 12,
  at,
});
const activated = (service: string, at = '2026-01-15T00:00:00Z') => ({
  type: 'service.activated',
  service,
  at,
});
const outage = (service: string, day: number) => ({
  type: 'outage',
  service,
  from: `2026-02-${String(day).padStart(2, '0')}T10:00:00Z`,
  to: `2026-02-${String(day).padStart(2, '0')}T11:00:00Z`,
  maintenance: false,
});
const fresh = (facts: readonly unknown[]): FactRef[] =>
  facts.map((fact, i) => ({ ref: `facts[${i}]`, fact: parseFact(fact, terms) as Fact }));

describe('FactIndex', () => {
  const record = bilateralRecord('fact-index');
  const id = record.id;
  let store: Store;
  const heads = new Map<string, { seq: number; hash: string }>();

  /** Appends `facts` to `author`'s stream, as recorded facts. */
  async function recorded(author: string, facts: readonly unknown[]): Promise<void> {
    for (const fact of facts) {
      const head = heads.get(author) ?? { seq: 0, hash: id };
      const entry = storedEntry(id, author, head.seq + 1, head.hash, '', fact as JsonValue);
      await store.appendEntry(entry);
      heads.set(author, { seq: head.seq + 1, hash: entry.hash });
    }
  }

  beforeEach(async () => {
    store = await createSqliteStore(SQLITE_MEMORY);
    await store.migrate();
    await store.putBilateral(record);
    heads.clear();
  });
  afterEach(() => store.close());

  it('accepts events of an ordered service, and refuses one for a service never ordered', async () => {
    await recorded(SELLER, [order('S1'), activated('S1')]);
    const index = new FactIndex(store, id);
    await index.refresh([SELLER, BUYER]);
    expect(() => index.check(terms, fresh([outage('S1', 3), outage('S1', 3)]))).not.toThrow();
    expect(() => index.check(terms, fresh([outage('S2', 3)]))).toThrow(
      expect.objectContaining({
        code: 'FACTS_INCONSISTENT',
        message: expect.stringMatching(/S2 was never ordered/),
      }),
    );
    // Ordered in the same request: fine.
    expect(() => index.check(terms, fresh([order('S2'), outage('S2', 3)]))).not.toThrow();
  });

  it('sees the counterparty stream and entries stored after its first look', async () => {
    const index = new FactIndex(store, id);
    await index.refresh([SELLER, BUYER]);
    await recorded(SELLER, [order('S1')]);
    await recorded(BUYER, [activated('S1')]);
    await index.refresh([SELLER, BUYER]);
    expect(() => index.check(terms, fresh([activated('S1', '2026-01-16T00:00:00Z')]))).toThrow(
      /facts\[0\]: service S1 is activated twice \(first at buyer.example\/1\)/,
    );
    expect(() => index.check(terms, fresh([activated('S1', '2026-01-14T00:00:00Z')]))).toThrow(
      /buyer.example\/1: service S1 is activated twice \(first at facts\[0\]\)/,
    );
  });

  it('refuses a usage id already recorded, on any service', async () => {
    const usage = (service: string, id: string) => ({
      type: 'usage',
      service,
      id,
      metric: 'gb',
      quantity: '1.5',
      at: '2026-02-01T00:00:00Z',
    });
    await recorded(SELLER, [order('S1'), order('S2'), activated('S1'), activated('S2'), usage('S1', 'u-1')]);
    const index = new FactIndex(store, id);
    await index.refresh([SELLER, BUYER]);
    expect(() => index.check(terms, fresh([usage('S2', 'u-1')]))).toThrow(
      /usage id u-1 was already recorded at seller.example\/5/,
    );
    expect(() => index.check(terms, fresh([usage('S2', 'u-2')]))).not.toThrow();
  });

  it('refuses usage outside its service active life, as the usage importer does', async () => {
    const usage = (at: string) => ({
      type: 'usage',
      service: 'S1',
      id: `u-${at}`,
      metric: 'gb',
      quantity: '1',
      at,
    });
    await recorded(SELLER, [order('S1')]);
    const index = new FactIndex(store, id);
    await index.refresh([SELLER, BUYER]);
    expect(() => index.check(terms, fresh([usage('2026-01-20T00:00:00Z')]))).toThrow(
      expect.objectContaining({
        code: 'FACTS_INCONSISTENT',
        message: 'facts[0]: usage at 2026-01-20T00:00:00Z: service S1 was never activated',
      }),
    );
    // Before the order: refused.
    expect(() => index.check(terms, fresh([activated('S1'), usage('2026-01-01T00:00:00Z')]))).toThrow(
      /facts\[1\]: usage at 2026-01-01T00:00:00Z: outside the active life/,
    );
    // Activated in the same request, usage inside: fine.
    expect(() => index.check(terms, fresh([activated('S1'), usage('2026-01-20T00:00:00Z')]))).not.toThrow();
    await recorded(BUYER, [
      activated('S1'),
      { type: 'service.terminated', service: 'S1', at: '2026-03-01T00:00:00Z' },
    ]);
    await index.refresh([SELLER, BUYER]);
    expect(() => index.check(terms, fresh([usage('2026-03-01T00:00:00Z')]))).toThrow(
      /outside the active life \(from 2026-01-15T00:00:00Z until 2026-03-01T00:00:00Z\)/,
    );
    expect(() => index.check(terms, fresh([usage('2026-02-28T23:59:59Z')]))).not.toThrow();
  });

  it('reads each entry once, even when refreshes overlap', async () => {
    await recorded(SELLER, [order('S1')]);
    const index = new FactIndex(store, id);
    await Promise.all([index.refresh([SELLER, BUYER]), index.refresh([SELLER, BUYER])]);
    // Read twice, the order would count as two orders of S1.
    expect(() => index.check(terms, fresh([activated('S1')]))).not.toThrow();
  });

  it('given the heads, reads only streams behind them, and only up to them', async () => {
    await recorded(SELLER, [order('S1')]);
    const index = new FactIndex(store, id);
    await index.refresh(
      [SELLER, BUYER],
      new Map([
        [SELLER, 1],
        [BUYER, 0],
      ]),
    );
    // Stored after the heads were read: not read yet, so S2 is unknown...
    await recorded(SELLER, [order('S2')]);
    await index.refresh(
      [SELLER, BUYER],
      new Map([
        [SELLER, 1],
        [BUYER, 0],
      ]),
    );
    expect(() => index.check(terms, fresh([activated('S2')]))).toThrow(/S2 was never ordered/);
    // ...until a refresh given the new head reads it.
    await index.refresh(
      [SELLER, BUYER],
      new Map([
        [SELLER, 2],
        [BUYER, 0],
      ]),
    );
    expect(() => index.check(terms, fresh([activated('S2')]))).not.toThrow();
  });

  it('takes entries just appended after what it read, and leaves a gap for the next refresh', async () => {
    const index = new FactIndex(store, id);
    await index.refresh(
      [SELLER, BUYER],
      new Map([
        [SELLER, 0],
        [BUYER, 0],
      ]),
    );
    await recorded(SELLER, [order('S1')]);
    index.added(await store.listEntries(id, { author: SELLER }));
    // Taken without a query: the heads say the stream is read up to seq 1.
    await index.refresh(
      [SELLER, BUYER],
      new Map([
        [SELLER, 1],
        [BUYER, 0],
      ]),
    );
    expect(() => index.check(terms, fresh([order('S1')]))).toThrow(/S1/);
    // Seq 3 does not follow seq 1: ignored, and read (with seq 2) by the refresh to head 3.
    await recorded(SELLER, [order('S2'), order('S3')]);
    index.added((await store.listEntries(id, { author: SELLER })).slice(2));
    expect(() => index.check(terms, fresh([activated('S3')]))).toThrow(/S3 was never ordered/);
    await index.refresh(
      [SELLER, BUYER],
      new Map([
        [SELLER, 3],
        [BUYER, 0],
      ]),
    );
    expect(() => index.check(terms, fresh([activated('S2'), activated('S3')]))).not.toThrow();
  });
});
