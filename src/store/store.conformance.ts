/**
 * The one conformance suite every store engine passes (DESIGN.md decision 7;
 * Kysely runs each test per dialect the same way). `store.test.ts` calls
 * `describeStore` once per engine. Fixtures are plain objects of the ledger's
 * shapes: hashes are arbitrary 64-hex strings, signatures are not checked here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeUsage, type UsageRecord } from '../core/index.ts';
import type { SignedCheckpoint } from '../ledger/index.ts';
import { describeAccess } from './access.conformance.ts';
import { describeEvents } from './events.conformance.ts';
import { describeNetting } from './netting.conformance.ts';
import { describeResourcePools } from './resources.conformance.ts';
import { BUYER, bilateralRecord, hex, SELLER, storedEntry, streamOf } from './store.fixtures.ts';
import type { Store, StoredEntry } from './types.ts';

/** A freshly opened (migrated, empty) store, and a way to open the same database again. */
export interface OpenedStore {
  readonly store: Store;
  reopen(): Promise<Store>;
}

function checkpoint(bilateral: string, sellerSeq: number, buyerSeq: number, state: string): SignedCheckpoint {
  return {
    checkpoint: {
      bilateral,
      heads: {
        [SELLER]: { seq: sellerSeq, hash: hex(`head/${SELLER}/${sellerSeq}`) },
        [BUYER]: { seq: buyerSeq, hash: hex(`head/${BUYER}/${buyerSeq}`) },
      },
      stateHash: hex(`state/${state}`),
    },
    sigs: { [SELLER]: 'x'.repeat(86) },
  };
}

function usageRecord(n: number, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id: `u${String(n).padStart(5, '0')}`,
    service: n % 2 === 0 ? 'S1' : 'S2',
    metric: 'gb',
    quantity: `${n}.5`,
    at: `2026-02-01T00:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}Z`,
    ...overrides,
  };
}

async function appendAll(store: Store, entries: readonly StoredEntry[]): Promise<void> {
  for (const entry of entries) expect(await store.appendEntry(entry)).toEqual({ status: 'appended' });
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

export function describeStore(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store conformance: ${name}`, () => {
    const opened: Store[] = [];

    /** A fresh store with one bilateral in it; closed after the test. */
    async function setup(): Promise<{ store: Store; id: string; reopen: () => Promise<Store> }> {
      const fresh = await open();
      opened.push(fresh.store);
      const record = bilateralRecord('main');
      await fresh.store.putBilateral(record);
      const reopen = async () => {
        const again = await fresh.reopen();
        opened.push(again);
        return again;
      };
      return { store: fresh.store, id: record.id, reopen };
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    describeAccess(open);
    describeEvents(open);
    describeNetting(open);
    describeResourcePools(open);

    describe('migrations', () => {
      it('migrate is idempotent and keeps data', async () => {
        const { store } = await setup();
        await store.setMeta('party', SELLER);
        await store.migrate();
        await store.migrate();
        expect(await store.getMeta('party')).toBe(SELLER);
        expect(await store.listBilaterals()).toHaveLength(1);
      });
    });

    describe('bilaterals', () => {
      it('round-trips put, get and list', async () => {
        const { store, id } = await setup();
        const other = bilateralRecord('other', { role: 'buyer', createdAt: '2025-02-01T00:00:00.000Z' });
        await store.putBilateral(other);
        expect(await store.getBilateral(id)).toEqual(bilateralRecord('main'));
        expect(await store.getBilateral(other.id)).toEqual(other);
        expect(await store.getBilateral(hex('nope'))).toBeUndefined();
        expect(await store.listBilaterals()).toEqual([bilateralRecord('main'), other]);
      });

      it('updates the peer endpoint but never the agreement or role', async () => {
        const { store, id } = await setup();
        await store.putBilateral(bilateralRecord('main', { peerEndpoint: 'https://peer.example' }));
        expect((await store.getBilateral(id))?.peerEndpoint).toBe('https://peer.example');
        const error = await rejection(store.putBilateral(bilateralRecord('main', { role: 'buyer' })));
        expect(error.code).toBe('STORE_BILATERAL_MISMATCH');
        expect((await store.getBilateral(id))?.role).toBe('seller');
      });

      it('refuses a record whose agreement is for another bilateral', async () => {
        const { store } = await setup();
        const record = { ...bilateralRecord('x'), id: hex('elsewhere') };
        expect((await rejection(store.putBilateral(record))).code).toBe('STORE_BAD_BILATERAL');
        expect(await store.getBilateral(record.id)).toBeUndefined();
      });
    });

    describe('appendEntry', () => {
      it('appends the first entry and the next ones', async () => {
        const { store, id } = await setup();
        const [first, second, third] = streamOf(id, SELLER, 3) as [StoredEntry, StoredEntry, StoredEntry];
        expect(await store.head(id, SELLER)).toBeUndefined();
        expect(await store.appendEntry(first)).toEqual({ status: 'appended' });
        expect(await store.head(id, SELLER)).toEqual({ seq: 1, hash: first.hash });
        expect(await store.appendEntry(second)).toEqual({ status: 'appended' });
        expect(await store.appendEntry(third)).toEqual({ status: 'appended' });
        expect(await store.head(id, SELLER)).toEqual({ seq: 3, hash: third.hash });
        expect(await store.head(id, BUYER)).toBeUndefined();
        expect(await store.heads(id, [SELLER, BUYER])).toEqual([{ seq: 3, hash: third.hash }, undefined]);
        expect(await store.heads(id, [BUYER, SELLER])).toEqual([undefined, { seq: 3, hash: third.hash }]);
        const [theirs] = streamOf(id, BUYER, 1) as [StoredEntry];
        await store.appendEntry(theirs);
        expect(await store.heads(id, [SELLER, BUYER])).toEqual([
          { seq: 3, hash: third.hash },
          { seq: 1, hash: theirs.hash },
        ]);
        expect(await store.getEntry(id, SELLER, 2)).toEqual(second);
        expect(await store.getEntry(id, SELLER, 4)).toBeUndefined();
        expect(await store.getEntry(id, SELLER, 2 ** 40)).toBeUndefined();
      });

      it('reports the same entry again as a duplicate and changes nothing', async () => {
        const { store, id } = await setup();
        const stream = streamOf(id, SELLER, 2);
        await appendAll(store, stream);
        expect(await store.appendEntry(stream[0]!)).toEqual({ status: 'duplicate' });
        expect(await store.appendEntry({ ...stream[1]!, receivedAt: '2030-01-01T00:00:00.000Z' })).toEqual({
          status: 'duplicate',
        });
        expect(await store.listEntries(id)).toEqual(stream);
      });

      it('reports equivocation as a conflict and keeps the stored entry', async () => {
        const { store, id } = await setup();
        const stream = streamOf(id, SELLER, 2);
        await appendAll(store, stream);
        const rival = storedEntry(id, SELLER, 2, stream[0]!.hash, 'rival');
        expect(await store.appendEntry(rival)).toEqual({ status: 'conflict', existing: stream[1] });
        expect(await store.getEntry(id, SELLER, 2)).toEqual(stream[1]);
        expect(await store.head(id, SELLER)).toEqual({ seq: 2, hash: stream[1]!.hash });
      });

      it('throws STORE_NOT_NEXT on a gap, a wrong prev, or a wrong start', async () => {
        const { store, id } = await setup();
        const stream = streamOf(id, SELLER, 3);
        const notNext = async (entry: StoredEntry) => {
          const error = await rejection(store.appendEntry(entry));
          expect(error.code).toBe('STORE_NOT_NEXT');
        };
        await notNext(storedEntry(id, SELLER, 2, hex('anything')));
        await notNext(storedEntry(id, SELLER, 1, hex('not the bilateral id')));
        await appendAll(store, stream.slice(0, 1));
        await notNext(stream[2]!);
        await notNext(storedEntry(id, SELLER, 2, hex('wrong prev')));
        await notNext(storedEntry(id, SELLER, 2, id));
      });

      it('writes nothing when an append fails', async () => {
        const { store, id } = await setup();
        const stream = streamOf(id, SELLER, 2);
        await appendAll(store, stream.slice(0, 1));
        const before = await store.listEntries(id);
        await rejection(store.appendEntry(storedEntry(id, SELLER, 2, hex('wrong prev'))));
        await rejection(store.appendEntry(storedEntry(id, SELLER, 5, stream[0]!.hash)));
        const bad = { ...stream[1]!, hash: 'not-a-hash' };
        expect((await rejection(store.appendEntry(bad))).code).toBe('STORE_BAD_ENTRY');
        expect(await store.listEntries(id)).toEqual(before);
        expect(await store.head(id, SELLER)).toEqual({ seq: 1, hash: stream[0]!.hash });
        // The right entry still goes in afterwards.
        expect(await store.appendEntry(stream[1]!)).toEqual({ status: 'appended' });
      });

      it('refuses entries of a bilateral it does not hold', async () => {
        const { store } = await setup();
        const stranger = hex('bilateral/stranger');
        const error = await rejection(store.appendEntry(storedEntry(stranger, SELLER, 1, stranger)));
        expect(error.code).toBe('STORE_UNKNOWN_BILATERAL');
        expect(await store.listEntries(stranger)).toEqual([]);
      });

      it('lets exactly one of concurrent rival appends win', async () => {
        const { store, id } = await setup();
        const rivals = Array.from({ length: 8 }, (_, i) => storedEntry(id, SELLER, 1, id, `rival-${i}`));
        const results = await Promise.all(rivals.map((rival) => store.appendEntry(rival)));
        const won = results.flatMap((result, i) => (result.status === 'appended' ? [rivals[i]!] : []));
        expect(won).toHaveLength(1);
        for (const result of results.filter((r) => r.status !== 'appended')) {
          expect(result).toEqual({ status: 'conflict', existing: won[0] });
        }
        expect(await store.listEntries(id)).toEqual(won);
      });

      it('appends a concurrently repeated entry once; the others are duplicates', async () => {
        const { store, id } = await setup();
        const [first] = streamOf(id, SELLER, 1) as [StoredEntry];
        const results = await Promise.all(Array.from({ length: 8 }, () => store.appendEntry(first)));
        expect(results.filter((r) => r.status === 'appended')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(7);
        expect(await store.listEntries(id)).toEqual([first]);
      });

      it('keeps both streams apart under concurrent appends', async () => {
        const { store, id } = await setup();
        const seller = streamOf(id, SELLER, 5);
        const buyer = streamOf(id, BUYER, 5);
        await Promise.all([appendAll(store, seller), appendAll(store, buyer)]);
        expect(await store.listEntries(id)).toEqual([...buyer, ...seller]);
      });
    });

    describe('appendEntries', () => {
      it('appends a run in one go, reports duplicates, and rolls back the whole run on a gap', async () => {
        const { store, id } = await setup();
        const stream = streamOf(id, SELLER, 5);
        expect(await store.appendEntries(stream.slice(0, 3))).toEqual([
          { status: 'appended' },
          { status: 'appended' },
          { status: 'appended' },
        ]);
        expect((await store.appendEntries(stream.slice(2, 4))).map((r) => r.status)).toEqual([
          'duplicate',
          'appended',
        ]);
        const error = await rejection(
          store.appendEntries(
            [stream[4]!, stream[4]!].map((e, i) => (i === 0 ? e : storedEntry(id, SELLER, 7, e.hash))),
          ),
        );
        expect(error.code).toBe('STORE_NOT_NEXT');
        expect((await store.head(id, SELLER))?.seq).toBe(4);
        expect(await store.appendEntries([])).toEqual([]);
      });

      it('takes a long run over two streams with a repeat and a conflict inside it, entry by entry', async () => {
        const { store, id } = await setup();
        const sellers = streamOf(id, SELLER, 450);
        const buyers = streamOf(id, BUYER, 3);
        await store.appendEntries(sellers.slice(0, 2));
        const other = storedEntry(id, SELLER, 2, sellers[0]!.hash, 'other');
        const run = [
          sellers[1]!,
          other,
          ...sellers.slice(2, 300),
          ...buyers,
          sellers[2]!,
          ...sellers.slice(300),
        ];
        const results = await store.appendEntries(run);
        expect(results.slice(0, 2).map((r) => r.status)).toEqual(['duplicate', 'conflict']);
        expect(results.filter((r) => r.status === 'appended')).toHaveLength(448 + 3);
        expect(results[2 + 298 + 3]!.status).toBe('duplicate');
        expect((await store.head(id, SELLER))?.seq).toBe(450);
        expect((await store.head(id, BUYER))?.seq).toBe(3);
        const stored = await store.entryLeaves(id, { author: SELLER });
        expect(stored.map((l) => l.hash)).toEqual(sellers.map((e) => e.hash));
      });

      it('lists leaves without envelopes and filters entries by kind', async () => {
        const { store, id } = await setup();
        const stream = streamOf(id, SELLER, 3);
        await store.appendEntries(stream);
        const leaves = await store.entryLeaves(id);
        expect(leaves.map((l) => [l.author, l.seq, l.hash])).toEqual(
          stream.map((e) => [SELLER, e.signed.entry.seq, e.hash]),
        );
        const some = await store.entryLeaves(id, { author: SELLER, fromSeq: 2, toSeq: 3 });
        expect(some.map((l) => l.seq)).toEqual([2, 3]);
        expect(await store.entryLeaves(id, { author: BUYER })).toEqual([]);
        expect(await store.entryLeaves(id, { author: SELLER, fromSeq: 3, toSeq: 2 })).toEqual([]);
        const kinds = [...new Set(stream.map((e) => e.signed.entry.kind))];
        expect(await store.listEntries(id, { kinds })).toHaveLength(3);
        expect(await store.listEntries(id, { kinds: ['no-such-kind'] })).toEqual([]);
        expect(await store.listEntries(id, { kinds: [] })).toEqual([]);
      });
    });

    describe('listEntries', () => {
      it('orders by author (byte-wise) then seq, filters by author and range, limits', async () => {
        const { store, id } = await setup();
        // 'B' (0x42) sorts before 'a' (0x61) byte-wise, unlike most locale collations.
        const upper = streamOf(id, 'B.example', 4);
        const lower = streamOf(id, 'a.example', 4);
        for (let i = 0; i < 4; i++) await appendAll(store, [lower[i]!, upper[i]!]);

        expect(await store.listEntries(id)).toEqual([...upper, ...lower]);
        expect(await store.listEntries(id, { author: 'a.example' })).toEqual(lower);
        expect(await store.listEntries(id, { author: 'a.example', fromSeq: 2 })).toEqual(lower.slice(1));
        expect(await store.listEntries(id, { author: 'a.example', toSeq: 2 })).toEqual(lower.slice(0, 2));
        expect(await store.listEntries(id, { author: 'a.example', fromSeq: 2, toSeq: 3 })).toEqual(
          lower.slice(1, 3),
        );
        expect(await store.listEntries(id, { author: 'a.example', fromSeq: 2, limit: 1 })).toEqual([
          lower[1],
        ]);
        expect(await store.listEntries(id, { limit: 5 })).toEqual([...upper, lower[0]]);
        expect(await store.listEntries(id, { fromSeq: 4 })).toEqual([upper[3], lower[3]]);
        expect(await store.listEntries(id, { limit: 0 })).toEqual([]);
        expect(await store.listEntries(id, { fromSeq: 5 })).toEqual([]);
        expect(await store.listEntries(id, { fromSeq: 3, toSeq: 2 })).toEqual([]);
        expect(await store.listEntries(id, { fromSeq: -5, toSeq: 2 ** 40 })).toHaveLength(8);
        expect(await store.listEntries(id, { author: 'nobody' })).toEqual([]);
        expect(await store.listEntries(hex('other'))).toEqual([]);
        expect((await rejection(store.listEntries(id, { limit: -1 }))).code).toBe('STORE_BAD_RANGE');
      });
    });

    describe('evidence', () => {
      it('round-trips evidence with its JSON payload, in arrival order', async () => {
        const { store, id } = await setup();
        const payload = {
          received: { entry: { seq: 7, body: [1, 'two', { three: null }] } },
          note: 'ünïcødé ✓',
        };
        await store.putEvidence({
          bilateral: id,
          author: BUYER,
          seq: 7,
          code: 'ENTRY_BAD_SIGNATURE',
          message: 'signature does not verify',
          payload,
          receivedAt: '2025-03-01T00:00:00.000Z',
        });
        await store.putEvidence({
          bilateral: id,
          author: BUYER,
          seq: null,
          code: 'ENTRY_MALFORMED',
          message: 'not an entry',
          payload: 'garbage',
          receivedAt: '2025-03-01T00:00:01.000Z',
        });
        await store.putEvidence({
          bilateral: hex('elsewhere'),
          author: BUYER,
          seq: 1e20,
          code: 'ENTRY_MALFORMED',
          message: 'absurd seq',
          payload: undefined,
          receivedAt: '2025-03-01T00:00:02.000Z',
        });
        const listed = await store.listEvidence(id);
        expect(listed).toHaveLength(2);
        expect(listed[0]).toMatchObject({
          bilateral: id,
          author: BUYER,
          seq: 7,
          code: 'ENTRY_BAD_SIGNATURE',
          payload,
        });
        expect(JSON.stringify(listed[0]!.payload)).toBe(JSON.stringify(payload));
        expect(listed[1]).toMatchObject({
          seq: null,
          payload: 'garbage',
          receivedAt: '2025-03-01T00:00:01.000Z',
        });
        expect(listed[0]!.id).toBeTypeOf('number');
        expect(listed[1]!.id).toBeGreaterThan(listed[0]!.id!);
        expect(await store.listEvidence(hex('elsewhere'))).toMatchObject([{ seq: null, payload: null }]);
      });
    });

    describe('checkpoints', () => {
      it('stores one checkpoint per heads, merges signatures, refuses a different state', async () => {
        const { store, id } = await setup();
        const later = checkpoint(id, 5, 3, 'b');
        const earlier = checkpoint(id, 2, 2, 'a');
        await store.putCheckpoint(later);
        await store.putCheckpoint(earlier);
        await store.putCheckpoint(earlier);
        expect(await store.listCheckpoints(id)).toEqual([earlier, later]);

        const cosigned = { ...earlier, sigs: { [BUYER]: 'y'.repeat(86) } };
        await store.putCheckpoint(cosigned);
        const [stored] = await store.listCheckpoints(id);
        expect(stored?.sigs).toEqual({ [SELLER]: 'x'.repeat(86), [BUYER]: 'y'.repeat(86) });

        // Same heads, keys in another order: the same checkpoint.
        const reordered: SignedCheckpoint = {
          checkpoint: {
            bilateral: id,
            heads: { [BUYER]: earlier.checkpoint.heads[BUYER]!, [SELLER]: earlier.checkpoint.heads[SELLER]! },
            stateHash: hex('state/other'),
          },
          sigs: {},
        };
        expect((await rejection(store.putCheckpoint(reordered))).code).toBe('STORE_CHECKPOINT_CONFLICT');
        expect(await store.listCheckpoints(id)).toHaveLength(2);
        expect(await store.listCheckpoints(hex('other'))).toEqual([]);
      });
    });

    describe('anchors', () => {
      it('queues once, hands out due anchors, and records sent, failed and mined', async () => {
        const { store, id } = await setup();
        const queuedAt = '2026-01-01T00:00:00.000Z';
        await store.enqueueAnchor({ bilateral: id, seq: 3, value: hex('cp3'), queuedAt });
        await store.enqueueAnchor({ bilateral: id, seq: 3, value: hex('other'), queuedAt });
        await store.enqueueAnchor({
          bilateral: id,
          seq: 5,
          value: hex('cp5'),
          queuedAt: '2026-01-01T00:00:01.000Z',
        });
        expect((await store.getAnchor(id, 3))?.value).toBe(hex('cp3'));
        expect((await store.dueAnchors('2025-12-31T00:00:00.000Z', 10)).length).toBe(0);
        const due = await store.dueAnchors('2026-01-02T00:00:00.000Z', 10);
        expect(due.map((a) => [a.seq, a.status, a.attempts])).toEqual([
          [3, 'queued', 0],
          [5, 'queued', 0],
        ]);
        expect(await store.dueAnchors('2026-01-02T00:00:00.000Z', 1)).toHaveLength(1);

        const keys = [{ bilateral: id, seq: 3 }];
        await store.markAnchorsSent(keys, '0xabc');
        expect((await store.sentAnchors()).map((a) => [a.seq, a.txHash])).toEqual([[3, '0xabc']]);
        expect((await store.dueAnchors('2026-01-02T00:00:00.000Z', 10)).map((a) => a.seq)).toEqual([5]);

        await store.markAnchorsFailed(keys, 'rpc down', '2026-01-03T00:00:00.000Z');
        const failed = await store.getAnchor(id, 3);
        expect(failed).toMatchObject({ status: 'queued', attempts: 1, lastError: 'rpc down', txHash: null });
        expect((await store.dueAnchors('2026-01-02T00:00:00.000Z', 10)).map((a) => a.seq)).toEqual([5]);

        await store.markAnchorsMined(keys, {
          txHash: '0xdef',
          blockNumber: 12,
          blockHash: '0x12',
          chainId: 31337,
          contract: '0xc0ffee',
        });
        expect(await store.getAnchor(id, 3)).toMatchObject({
          status: 'mined',
          txHash: '0xdef',
          blockNumber: 12,
          blockHash: '0x12',
          chainId: 31337,
          contract: '0xc0ffee',
          lastError: null,
        });
        expect((await store.listAnchors(id)).map((a) => [a.seq, a.status])).toEqual([
          [3, 'mined'],
          [5, 'queued'],
        ]);
        expect(await store.getAnchor(id, 4)).toBeUndefined();

        // Final, covered, and back to the queue when the chain lost it (migration 0007).
        expect(await store.getAnchor(id, 3)).toMatchObject({ coveredBy: null, finalAt: null });
        expect((await store.minedAnchors({ notFinal: true })).map((a) => a.seq)).toEqual([3]);
        await store.markAnchorsFinal([...keys, { bilateral: id, seq: 5 }], '2026-01-04T00:00:00.000Z');
        expect((await store.getAnchor(id, 3))?.finalAt).toBe('2026-01-04T00:00:00.000Z');
        expect((await store.getAnchor(id, 5))?.finalAt).toBeNull();
        expect(await store.minedAnchors({ notFinal: true })).toEqual([]);
        const mined = {
          txHash: '0xdef',
          blockNumber: 12,
          blockHash: '0x12',
          chainId: 31337,
          contract: '0xc0ffee',
        };
        await store.markAnchorCovered({ bilateral: id, seq: 5 }, 3, mined);
        expect(await store.getAnchor(id, 5)).toMatchObject({
          status: 'mined',
          coveredBy: 3,
          txHash: '0xdef',
          finalAt: null,
        });
        expect((await store.minedAnchors()).map((a) => [a.seq, a.coveredBy])).toEqual([
          [3, null],
          [5, 3],
        ]);
        await store.requeueAnchors(keys, 'missing from the chain', '2026-01-05T00:00:00.000Z');
        expect(await store.getAnchor(id, 3)).toMatchObject({
          status: 'queued',
          attempts: 0,
          txHash: null,
          blockNumber: null,
          blockHash: null,
          coveredBy: null,
          finalAt: null,
          lastError: 'missing from the chain',
          nextAttemptAt: '2026-01-05T00:00:00.000Z',
        });
        expect((await store.dueAnchors('2026-01-05T00:00:00.000Z', 10)).map((a) => a.seq)).toEqual([3]);
      });
    });

    describe('meta', () => {
      it('gets, sets and overwrites values', async () => {
        const { store } = await setup();
        expect(await store.getMeta('chain.anchor')).toBeUndefined();
        await store.setMeta('chain.anchor', '1');
        await store.setMeta('other', 'x');
        await store.setMeta('chain.anchor', '2');
        expect(await store.getMeta('chain.anchor')).toBe('2');
        expect(await store.getMeta('other')).toBe('x');
      });
    });

    describe('JSON', () => {
      it('gives back the very same JSON bytes it was given', async () => {
        const { store, id } = await setup();
        const body = {
          text: 'Zürich → 東京 🚀 “quotes” \\ "escaped" \n\t line',
          nul: '\u0000',
          combining: 'e\u0301',
          nested: { deep: { deeper: [1, -2.5, 1e21, 0.1, true, false, null, { z: 1, a: 2 }] } },
          empty: { object: {}, array: [] },
          amount: '12345678901234567890.123456789',
        };
        const entry = storedEntry(id, SELLER, 1, id, 'json', body);
        await store.appendEntry(entry);
        const [read] = await store.listEntries(id);
        expect(JSON.stringify(read?.signed)).toBe(JSON.stringify(entry.signed));
        const got = await store.getEntry(id, SELLER, 1);
        expect(JSON.stringify(got?.signed)).toBe(JSON.stringify(entry.signed));
        expect(JSON.stringify((await store.getBilateral(id))?.agreement)).toBe(
          JSON.stringify(bilateralRecord('main').agreement),
        );
      });
    });

    describe('usage records', () => {
      it('appends a batch entry with its records in one transaction, in position order', async () => {
        const { store, id } = await setup();
        const records = [
          usageRecord(3),
          usageRecord(1, { characteristics: { zone: 'eu', a: 'é' } }),
          usageRecord(2),
        ];
        const entry = storedEntry(id, SELLER, 1, id);
        expect(await store.appendEntryWithUsage(entry, records)).toEqual({ status: 'appended' });
        expect(await store.usageBatchRecords(id, SELLER, 1)).toEqual(records);
        expect(await store.usageBatchRecords(id, SELLER, 2)).toEqual([]);
        expect(await store.usageBatchRecords(id, BUYER, 1)).toEqual([]);
        expect(
          await Promise.all([
            store.usageBatchCount(id, SELLER, 1),
            store.usageBatchCount(id, SELLER, 2),
            store.usageBatchCount(id, BUYER, 1),
            store.usageBatchCount(id, SELLER, 0),
          ]),
        ).toEqual([3, 0, 0, 0]);
        expect(await store.getEntry(id, SELLER, 1)).toEqual(entry);
        // The same entry again is a duplicate and writes nothing.
        expect(await store.appendEntryWithUsage(entry, [usageRecord(9)])).toEqual({ status: 'duplicate' });
        expect(await store.hasUsageIds(id, SELLER, ['u00009'])).toEqual(new Map());
      });

      it('writes neither the entry nor any record when one record id is already stored', async () => {
        const { store, id } = await setup();
        const first = storedEntry(id, SELLER, 1, id);
        await store.appendEntryWithUsage(first, [usageRecord(1), usageRecord(2)]);
        const second = storedEntry(id, SELLER, 2, first.hash);
        const error = await rejection(store.appendEntryWithUsage(second, [usageRecord(3), usageRecord(2)]));
        expect(error.code).toBe('STORE_USAGE_CONFLICT');
        expect(await store.head(id, SELLER)).toEqual({ seq: 1, hash: first.hash });
        expect(await store.hasUsageIds(id, SELLER, ['u00001', 'u00002', 'u00003'])).toEqual(
          new Map([
            ['u00001', 1],
            ['u00002', 1],
          ]),
        );
        // A batch whose entry is refused (not next) writes no record either.
        const wrong = await rejection(
          store.appendEntryWithUsage(storedEntry(id, SELLER, 5, id), [usageRecord(7)]),
        );
        expect(wrong.code).toBe('STORE_NOT_NEXT');
        expect((await store.hasUsageIds(id, SELLER, ['u00007'])).size).toBe(0);
      });

      it('keeps ids as they are, whatever JSON would escape in them, and finds them by the same strings', async () => {
        const { store, id } = await setup();
        // JSON escapes the first three as \", \\, \t and \n; the second batch's as \u0001 and \\u.
        const odd = ['a"b', 'back\\slash', 'tab\tline\nbreak', 'é😀', '\u007f'];
        const escaped = ['ctl\u0001', '\\u0041', 'u00007'];
        const entry = storedEntry(id, SELLER, 1, id);
        const batch = (ids: string[]) => encodeUsage(ids.map((name, i) => usageRecord(i, { id: name })));
        expect(await store.appendEntryWithUsage(entry, batch(odd))).toEqual({ status: 'appended' });
        const second = storedEntry(id, SELLER, 2, entry.hash);
        expect(await store.appendEntryWithUsage(second, batch(escaped))).toEqual({ status: 'appended' });
        const found = await store.hasUsageIds(id, SELLER, [...odd, ...escaped, 'ab', 'ctl']);
        expect(found).toEqual(
          new Map([...odd.map((name) => [name, 1] as const), ...escaped.map((name) => [name, 2] as const)]),
        );
        expect((await store.usageBatchRecords(id, SELLER, 1)).map((r) => r.id)).toEqual(odd);
        expect((await store.usageBatchRecords(id, SELLER, 2)).map((r) => r.id)).toEqual(escaped);
      });

      it('refuses malformed records naming the field, and writes nothing', async () => {
        const { store, id } = await setup();
        const bad = { ...usageRecord(1), at: 'yesterday' };
        const error = await rejection(store.appendEntryWithUsage(storedEntry(id, SELLER, 1, id), [bad]));
        expect(error.code).toBe('STORE_BAD_USAGE');
        expect(error.message).toContain('records[0].at');
        expect(await store.head(id, SELLER)).toBeUndefined();
      });

      it('takes a batch the importer encoded (ids, joined texts, range) as it takes the records', async () => {
        const { store, id } = await setup();
        const records = [usageRecord(3), usageRecord(1, { characteristics: { zone: 'Zürich' } })];
        const entry = storedEntry(id, SELLER, 1, id);
        expect(await store.appendEntryWithUsage(entry, encodeUsage(records))).toEqual({ status: 'appended' });
        expect(await store.usageBatchRecords(id, SELLER, 1)).toEqual(records);
        const listed = await store.usageRecords(id, SELLER, { limit: 10 });
        expect(listed.map((u) => [u.record.id, u.position])).toEqual([
          ['u00001', 1],
          ['u00003', 0],
        ]);
        expect(await store.hasUsageIds(id, SELLER, ['u00001', 'u00003'])).toEqual(
          new Map([
            ['u00001', 1],
            ['u00003', 1],
          ]),
        );
        // More ids than texts, an empty id: refused, naming what is wrong, and nothing written.
        const next = storedEntry(id, SELLER, 2, entry.hash);
        const short = {
          ...encodeUsage([usageRecord(4), usageRecord(5)]),
          ids: ['u00004', 'u00005', 'u00006'],
        };
        const error = await rejection(store.appendEntryWithUsage(next, short));
        expect([error.code, error.message]).toEqual(['STORE_BAD_USAGE', expect.stringContaining('ends')]);
        const unnamed = { ...encodeUsage([usageRecord(4)]), ids: [''] };
        expect((await rejection(store.appendEntryWithUsage(next, unnamed))).message).toContain('ids[0]');
        expect(await store.head(id, SELLER)).toEqual({ seq: 1, hash: entry.hash });
      });

      it('puts a batch all or nothing, idempotently, and keeps authors apart', async () => {
        const { store, id } = await setup();
        const records = Array.from({ length: 1200 }, (_, i) => usageRecord(i));
        await store.putUsageBatch(id, BUYER, 4, records);
        await store.putUsageBatch(id, BUYER, 4, records);
        expect(await store.usageBatchRecords(id, BUYER, 4)).toEqual(records);
        const changed = await rejection(store.putUsageBatch(id, BUYER, 4, records.slice(1)));
        expect(changed.code).toBe('STORE_USAGE_CONFLICT');
        const clash = await rejection(store.putUsageBatch(id, BUYER, 5, [usageRecord(5000), usageRecord(7)]));
        expect(clash.code).toBe('STORE_USAGE_CONFLICT');
        expect(await store.usageBatchRecords(id, BUYER, 5)).toEqual([]);
        expect((await store.hasUsageIds(id, BUYER, ['u05000'])).size).toBe(0);
        // The seller may hold the same ids: ids are unique per author.
        await store.putUsageBatch(id, SELLER, 1, [usageRecord(7)]);
        const ids = records.map((r) => r.id).concat(['nope']);
        const found = await store.hasUsageIds(id, BUYER, ids);
        expect(found.size).toBe(1200);
        expect(found.get('u00007')).toBe(4);
        expect(found.has('nope')).toBe(false);
      });

      it('lists by service and time in (at, id) order, pages after a record, filters by batch', async () => {
        const { store, id } = await setup();
        const records = [
          usageRecord(1, { id: 'b', at: '2026-02-01T00:00:01Z' }),
          usageRecord(2, { id: 'a', at: '2026-02-01T00:00:01Z', service: 'S2' }),
          usageRecord(3, { id: 'c', at: '2026-02-01T00:00:00.500Z' }),
          usageRecord(4, { id: 'd', at: '2026-02-02T00:00:00Z', service: 'S1' }),
          usageRecord(5, { id: 'e', at: '2026-03-01T00:00:00Z', service: 'S1' }),
        ];
        await store.putUsageBatch(id, SELLER, 1, records.slice(0, 3));
        await store.putUsageBatch(id, SELLER, 2, records.slice(3));
        const ids = (list: { record: UsageRecord }[]) => list.map((u) => u.record.id);
        expect(ids(await store.usageRecords(id, SELLER, { limit: 10 }))).toEqual(['c', 'a', 'b', 'd', 'e']);
        const page = await store.usageRecords(id, SELLER, { limit: 2 });
        expect(page.map((u) => [u.record.id, u.batchSeq, u.position])).toEqual([
          ['c', 1, 2],
          ['a', 1, 1],
        ]);
        const last = page[1]!.record;
        expect(ids(await store.usageRecords(id, SELLER, { limit: 10, after: last }))).toEqual([
          'b',
          'd',
          'e',
        ]);
        expect(ids(await store.usageRecords(id, SELLER, { limit: 10, service: 'S1' }))).toEqual(['d', 'e']);
        expect(
          ids(
            await store.usageRecords(id, SELLER, {
              limit: 10,
              from: '2026-02-01T00:00:01Z',
              to: '2026-03-01T00:00:00Z',
            }),
          ),
        ).toEqual(['a', 'b', 'd']);
        expect(ids(await store.usageRecords(id, SELLER, { limit: 10, batchSeq: 2 }))).toEqual(['d', 'e']);
        expect(await store.usageRecords(id, BUYER, { limit: 10 })).toEqual([]);
        const bad = await rejection(store.usageRecords(id, SELLER, { limit: 10, from: 'soon' }));
        expect(bad.code).toBe('STORE_BAD_RANGE');
      });

      it('lists batches whose times overlap, and a batch out of time order, in (at, id) order', async () => {
        const { store, id } = await setup();
        const at = (s: number) => `2026-02-01T00:00:${String(s).padStart(2, '0')}Z`;
        // Batch 1 is not in time order; batch 2's times fall between batch 1's, some equal to them.
        const batches = [
          [
            usageRecord(1, { id: 'k', at: at(30) }),
            usageRecord(2, { id: 'b', at: at(10) }),
            usageRecord(3, { id: 'z', at: at(20), service: 'S1' }),
            usageRecord(4, { id: 'm', at: at(10), service: 'S1' }),
          ],
          [
            usageRecord(5, { id: 'a', at: at(10) }),
            usageRecord(6, { id: 'y', at: at(25) }),
            usageRecord(7, { id: 'c', at: at(30), service: 'S1' }),
          ],
          [
            usageRecord(8, { id: 'n', at: at(5) }),
            usageRecord(9, { id: 'x', at: at(40) }),
            usageRecord(10, { id: '\uff5e', at: at(40) }),
            usageRecord(11, { id: '\u{1f600}', at: at(40) }),
          ],
        ];
        for (const [i, records] of batches.entries()) await store.putUsageBatch(id, SELLER, i + 1, records);
        const where = (list: { record: UsageRecord; batchSeq: number; position: number }[]) =>
          list.map((u) => `${u.record.id}@${u.batchSeq}/${u.position}`);
        // Ids in code-unit order: U+1F600 (surrogates D83D DE00) before U+FF5E, unlike UTF-8 bytes.
        const whole = [
          ...['n@3/0', 'a@2/0', 'b@1/1', 'm@1/3', 'z@1/2', 'y@2/1', 'c@2/2', 'k@1/0', 'x@3/1'],
          ...['\u{1f600}@3/3', '\uff5e@3/2'],
        ];
        expect(where(await store.usageRecords(id, SELLER, { limit: 100 }))).toEqual(whole);
        for (const limit of [1, 2, 4]) {
          const paged: string[] = [];
          let after: { at: string; id: string } | undefined;
          for (;;) {
            const page = await store.usageRecords(id, SELLER, {
              limit,
              ...(after === undefined ? {} : { after }),
            });
            paged.push(...where(page));
            if (page.length < limit) break;
            const last = page[page.length - 1]!.record;
            after = { at: last.at, id: last.id };
          }
          expect(paged, `pages of ${limit}`).toEqual(whole);
        }
        expect(
          where(
            await store.usageRecords(id, SELLER, { limit: 100, from: at(10), to: at(30), service: 'S1' }),
          ),
        ).toEqual(['b@1/1', 'm@1/3', 'z@1/2', 'y@2/1']);
        expect(
          where(
            await store.usageRecords(id, SELLER, { limit: 2, from: at(25), after: { at: at(10), id: 'b' } }),
          ),
        ).toEqual(['y@2/1', 'c@2/2']);
        expect(
          where(await store.usageRecords(id, SELLER, { limit: 2, after: { at: at(30), id: 'c' } })),
        ).toEqual(['k@1/0', 'x@3/1']);
        expect(
          where(await store.usageRecords(id, SELLER, { limit: 100, batchSeq: 1, from: at(20) })),
        ).toEqual(['z@1/2', 'k@1/0']);
        expect(await store.usageRecords(id, SELLER, { limit: 100, from: at(41) })).toEqual([]);
        expect(await store.usageRecords(id, SELLER, { limit: 100, to: at(5) })).toEqual([]);
      });

      it('pages through many overlapping batches to exactly the sorted whole', async () => {
        const { store, id } = await setup();
        // 80 batches of 5 (more than one read of candidate batches), times spread over 100 s
        // with repeats, so batches overlap and keys interleave.
        let seed = 7;
        const next = () => {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          return seed;
        };
        const all: { record: UsageRecord; key: string }[] = [];
        for (let b = 1; b <= 80; b++) {
          const records = Array.from({ length: 5 }, (_, p) => {
            const ms = (next() % 100) * 1000 + (next() % 2) * 500;
            const tail = ['', '\uff5e', '\u{1f600}'][next() % 3]!;
            return usageRecord(b * 10 + p, {
              id: `i${String(next() % 1000).padStart(3, '0')}${tail}-${b}-${p}`,
              at: new Date(Date.UTC(2026, 1, 1) + ms).toISOString(),
              service: next() % 4 === 0 ? 'S2' : 'S1',
            });
          });
          await store.putUsageBatch(id, SELLER, b, records);
          for (const [p, record] of records.entries()) all.push({ record, key: `${record.id}@${b}/${p}` });
        }
        const sorted = (list: typeof all) =>
          [...list]
            .sort((x, y) => {
              const d = Date.parse(x.record.at) - Date.parse(y.record.at);
              return d !== 0 ? d : x.record.id < y.record.id ? -1 : 1;
            })
            .map((u) => u.key);
        const pages = async (query: { service?: string; from?: string; to?: string }, limit: number) => {
          const out: string[] = [];
          let after: { at: string; id: string } | undefined;
          for (;;) {
            const page = await store.usageRecords(id, SELLER, {
              ...query,
              limit,
              ...(after === undefined ? {} : { after, from: after.at }),
            });
            out.push(...page.map((u) => `${u.record.id}@${u.batchSeq}/${u.position}`));
            if (page.length < limit) return out;
            const last = page[page.length - 1]!.record;
            after = { at: last.at, id: last.id };
          }
        };
        expect(await pages({}, 37)).toEqual(sorted(all));
        expect(await pages({}, 400)).toEqual(sorted(all));
        const from = '2026-02-01T00:00:20Z';
        const to = '2026-02-01T00:01:10Z';
        const s2 = all.filter(
          (u) => u.record.service === 'S2' && u.record.at >= `${from.slice(0, 19)}.000Z` && u.record.at < to,
        );
        expect(s2.length).toBeGreaterThan(10);
        expect(await pages({ service: 'S2', from, to }, 9)).toEqual(sorted(s2));
      });

      it('keeps records across close and reopen', async () => {
        const { store, id, reopen } = await setup();
        const records = [usageRecord(1), usageRecord(2)];
        await store.appendEntryWithUsage(storedEntry(id, SELLER, 1, id), records);
        await store.close();
        opened.splice(opened.indexOf(store), 1);
        const again = await reopen();
        expect(await again.usageBatchRecords(id, SELLER, 1)).toEqual(records);
      });
    });

    describe('durability', () => {
      it('keeps everything across close and reopen', async () => {
        const { store, id, reopen } = await setup();
        const stream = streamOf(id, SELLER, 3);
        await appendAll(store, stream);
        await store.putEvidence({
          bilateral: id,
          author: BUYER,
          seq: 1,
          code: 'ENTRY_BAD_PREV',
          message: 'prev does not link',
          payload: { a: [1, 2] },
          receivedAt: '2025-03-01T00:00:00.000Z',
        });
        await store.putCheckpoint(checkpoint(id, 3, 0, 'c'));
        await store.setMeta('party', SELLER);
        await store.close();
        opened.splice(opened.indexOf(store), 1);

        const again = await reopen();
        await again.migrate();
        expect(await again.listBilaterals()).toEqual([bilateralRecord('main')]);
        expect(await again.listEntries(id)).toEqual(stream);
        expect(await again.head(id, SELLER)).toEqual({ seq: 3, hash: stream[2]!.hash });
        expect(await again.listEvidence(id)).toMatchObject([
          { code: 'ENTRY_BAD_PREV', payload: { a: [1, 2] } },
        ]);
        expect(await again.listCheckpoints(id)).toEqual([checkpoint(id, 3, 0, 'c')]);
        expect(await again.getMeta('party')).toBe(SELLER);
        expect(await again.appendEntry(storedEntry(id, SELLER, 4, stream[2]!.hash))).toEqual({
          status: 'appended',
        });
      });
    });
  });
}
