/**
 * Two party nodes talking HTTP over loopback, each with its own SQLite store:
 * the bilateral is proposed and countersigned, facts recorded on both sides are
 * replicated and verified, invoices are issued, recomputed and accepted, an
 * offline node catches up, and forged or tampered entries sent to the peer
 * endpoint are refused with their own codes and never applied.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import {
  type Entry,
  generateKeyPair,
  hashEntry,
  hashJson,
  type KeyPair,
  type SignedCheckpoint,
  type SignedEntry,
  signEntry,
  verifyCheckpoint,
} from '../src/ledger/index.ts';
import { type IssuedInvoice, signPeerRequest } from '../src/node/index.ts';
import { call, exampleDir, exampleFacts, exampleTerms } from './support.ts';

const terms = exampleTerms();
const facts = exampleFacts();

/** A peer request signed as `party` with `keys`, as a (possibly malicious) counterparty would send it. */
async function peerCall<T>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  party: string,
  keys: KeyPair,
  body?: unknown,
) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = signPeerRequest({ method, path, body: text }, party, keys, new Date());
  const response = await fetch(new URL(path, base), {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: text }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

function partyKeys(dataDir: string): KeyPair {
  return (JSON.parse(readFileSync(join(dataDir, 'party.json'), 'utf8')) as { keys: KeyPair }).keys;
}

describe('two party nodes over HTTP', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-two-nodes-'));
  const sellerDir = join(root, 'seller');
  const buyerDir = join(root, 'buyer');
  let seller: RunningNode;
  let buyer: RunningNode;
  let buyerPort: number;
  let buyerPeerPort: number;
  let id: string;

  beforeAll(async () => {
    seller = await startServer({
      dataDir: sellerDir,
      party: 'acme-fiber',
      syncIntervalMs: 0,
      checkpointIntervalMs: 0,
      chain: false,
    });
    buyer = await startServer({
      dataDir: buyerDir,
      party: 'globex',
      syncIntervalMs: 0,
      checkpointIntervalMs: 0,
      chain: false,
    });
    buyerPort = Number(new URL(buyer.url).port);
    buyerPeerPort = Number(new URL(buyer.peerUrl).port);
    await introduce(seller, buyer);
  });

  afterAll(async () => {
    await seller.close();
    await buyer.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the bilateral: the seller proposes, the buyer countersigns', async () => {
    const created = await call<{ id: string; role: string; agreement: { genesis: { termsHash: string } } }>(
      seller,
      'POST',
      '/bilaterals',
      { terms, peer: buyer.peerUrl },
    );
    expect(created.status).toBe(201);
    id = created.body.id;
    expect(created.body.agreement.genesis.termsHash).toBe(hashJson(terms));
    const atBuyer = await call<{ id: string; role: string }>(buyer, 'GET', `/bilaterals/${id}`);
    expect(atBuyer.body).toMatchObject({ id, role: 'buyer' });
  });

  it('refuses terms with a clear error naming the field', async () => {
    const bad = structuredClone(terms);
    bad.offerings[0].plans['1G'].mrc = 1200;
    const refused = await call<{ code: string; message: string }>(seller, 'POST', '/bilaterals', {
      terms: bad,
      peer: buyer.peerUrl,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('TERMS_INVALID');
    expect(refused.body.message).toContain('offerings[0].plans.1G.mrc');
  });

  it('records facts on both sides and replicates them, verified', async () => {
    for (const fact of facts) {
      const node = fact.type === 'outage' ? buyer : seller;
      const recorded = await call<{ replicated: boolean }>(
        node,
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        fact,
      );
      expect(recorded.status).toBe(201);
      expect(recorded.body.replicated).toBe(true);
    }
    const atSeller = await call<{ hash: string }[]>(seller, 'GET', `/bilaterals/${id}/entries`);
    const atBuyer = await call<{ hash: string }[]>(buyer, 'GET', `/bilaterals/${id}/entries`);
    expect(atSeller.body.map((e) => e.hash)).toEqual(atBuyer.body.map((e) => e.hash));
    expect(atSeller.body).toHaveLength(5);
  });

  it('hands an entry to the counterparty only once it is durable on its node', async () => {
    const store = seller.node.store;
    const heldHeads = async () =>
      (await call<{ heads: Record<string, { seq: number } | null> }>(buyer, 'GET', `/bilaterals/${id}`)).body
        .heads['acme-fiber']?.seq;
    const before = await heldHeads();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // As if the log's fsync were still running: what is committed stays unsent until it ends.
    const durable = store.durable.bind(store);
    store.durable = async () => {
      await gate;
      await durable();
    };
    try {
      const fact = {
        type: 'usage',
        service: 'S1',
        metric: 'gb',
        quantity: '1',
        at: '2026-02-03T00:00:00Z',
        id: 'durable-1',
      };
      const recorded = await call<{ seq: number; replicated: null }>(
        seller,
        'POST',
        `/bilaterals/${id}/facts`,
        fact,
      );
      expect(recorded.status).toBe(201);
      expect(recorded.body.replicated).toBeNull();
      // The push runs 25 ms after the answer; the Buyer's pull asks for the page too: neither gets it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await heldHeads()).toBe(before);
    } finally {
      open();
      store.durable = durable;
    }
    await expect.poll(heldHeads, { timeout: 5000 }).toBe((before ?? 0) + 1);
  });

  it('refuses an invalid fact and records nothing', async () => {
    const before = await call<unknown[]>(seller, 'GET', `/bilaterals/${id}/entries`);
    const refused = await call<{ code: string; message: string }>(
      seller,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      {
        type: 'service.activated',
        service: 'S1',
        at: 'yesterday',
      },
    );
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('FACT_INVALID');
    expect(refused.body.message).toContain('at');
    const after = await call<unknown[]>(seller, 'GET', `/bilaterals/${id}/entries`);
    expect(after.body).toHaveLength(before.body.length);
  });

  it('refuses facts that would make a service history impossible, on either side, and records nothing', async () => {
    const before = await call<unknown[]>(seller, 'GET', `/bilaterals/${id}/entries`);
    const refuse = async (node: RunningNode, body: unknown, message: RegExp) => {
      const refused = await call<{ code: string; message: string }>(
        node,
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        body,
      );
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('FACTS_INCONSISTENT');
      expect(refused.body.message).toMatch(message);
    };
    const outage = {
      type: 'outage',
      service: 'S9',
      from: '2026-02-01T00:00:00Z',
      to: '2026-02-01T01:00:00Z',
      maintenance: false,
    };
    await refuse(seller, outage, /service S9 was never ordered/);
    // The seller's activation of S1 has replicated: the buyer cannot activate it again.
    await refuse(
      buyer,
      { type: 'service.activated', service: 'S1', at: '2026-01-20T00:00:00Z' },
      /activated/,
    );
    const order = {
      type: 'service.ordered',
      service: 'S2',
      offering: 'dia',
      plan: '1G',
      termMonths: 12,
      at: '2026-02-01T00:00:00Z',
    };
    await refuse(
      seller,
      [order, { ...order, at: '2026-02-02T00:00:00Z' }],
      /facts\[1\]: service S2 is ordered twice \(first at facts\[0\]\)/,
    );
    const after = await call<unknown[]>(seller, 'GET', `/bilaterals/${id}/entries`);
    expect(after.body).toHaveLength(before.body.length);
    const invoice = await call<{ total: string }>(
      seller,
      'GET',
      `/bilaterals/${id}/invoices/2026-02/preview`,
    );
    expect(invoice.status).toBe(200);
  });

  it('records many facts at once, all or none, as facts entries of up to 1,000 facts', async () => {
    const at = (i: number) => new Date(Date.UTC(2026, 3, 1) + i * 60_000).toISOString().replace('.000Z', 'Z');
    const outages = Array.from({ length: 1200 }, (_, i) => ({
      type: 'outage',
      service: 'S1',
      from: at(i),
      to: at(i + 1),
      maintenance: true,
    }));
    const before = await call<unknown[]>(buyer, 'GET', `/bilaterals/${id}/entries`);
    const refused = await call<{ code: string; message: string }>(
      seller,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      [...outages.slice(0, 3), { type: 'outage', service: 'S1', from: 'nope' }],
    );
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain('[3].from');
    const empty = await call<{ code: string }>(seller, 'POST', `/bilaterals/${id}/facts?wait=replicated`, []);
    expect([empty.status, empty.body.code]).toEqual([422, 'FACT_INVALID']);
    const recorded = await call<{ entries: { seq: number }[]; refs: string[]; replicated: boolean }>(
      seller,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      outages,
    );
    expect(recorded.status).toBe(201);
    expect(recorded.body.replicated).toBe(true);
    const [first, second] = recorded.body.entries.map((e) => e.seq) as [number, number];
    expect(recorded.body.entries).toHaveLength(2);
    expect(second).toBe(first + 1);
    expect(recorded.body.refs).toHaveLength(1200);
    expect([recorded.body.refs[0], recorded.body.refs[999], recorded.body.refs[1000]]).toEqual([
      `acme-fiber/${first}#0`,
      `acme-fiber/${first}#999`,
      `acme-fiber/${second}#0`,
    ]);
    type Listed = { hash: string; entry: { author: string; kind: string; body: { facts?: unknown[] } } };
    const after = await call<Listed[]>(buyer, 'GET', `/bilaterals/${id}/entries`);
    expect(after.body).toHaveLength(before.body.length + 2);
    const sellers = after.body.filter((e) => e.entry.author === 'acme-fiber');
    expect(sellers.slice(-2).map((e) => [e.entry.kind, e.entry.body.facts?.length])).toEqual([
      ['facts', 1000],
      ['facts', 200],
    ]);
    const atSeller = await call<{ hash: string }[]>(seller, 'GET', `/bilaterals/${id}/entries`);
    expect(after.body.map((e) => e.hash)).toEqual(atSeller.body.map((e) => e.hash));
  });

  it('issues each month’s invoice; the buyer recomputes it and accepts', async () => {
    for (const period of ['2026-01', '2026-02', '2026-03']) {
      const expected = JSON.parse(readFileSync(join(exampleDir, `invoice-${period}.json`), 'utf8'));
      const issued = await call<IssuedInvoice>(seller, 'POST', `/bilaterals/${id}/invoices`, { period });
      expect(issued.status).toBe(201);
      expect(issued.body.body.invoice.total).toBe(expected.total);
      await buyer.node.idle();
      const atSeller = await call<IssuedInvoice[]>(seller, 'GET', `/bilaterals/${id}/invoices`);
      const answered = atSeller.body.find((i) => i.period === period);
      expect(answered?.status).toBe('accepted');
      const sellerView = await call(seller, 'GET', `/bilaterals/${id}/invoices/${period}/preview`);
      const buyerView = await call(buyer, 'GET', `/bilaterals/${id}/invoices/${period}/preview`);
      expect(hashJson(buyerView.body)).toBe(hashJson(sellerView.body));
      expect(hashJson(buyerView.body)).toBe(answered?.body.invoiceHash);
    }
    const atSeller = await call<SignedCheckpoint[]>(seller, 'GET', `/bilaterals/${id}/checkpoints`);
    const atBuyer = await call<SignedCheckpoint[]>(buyer, 'GET', `/bilaterals/${id}/checkpoints`);
    expect(atSeller.body).toHaveLength(3);
    expect(atBuyer.body).toEqual(atSeller.body);
    const parties = [
      { id: 'acme-fiber', key: seller.node.publicKey },
      { id: 'globex', key: buyer.node.publicKey },
    ];
    for (const checkpoint of atSeller.body) expect(() => verifyCheckpoint(checkpoint, parties)).not.toThrow();
    const heads = await call<{ heads: unknown }>(seller, 'GET', `/bilaterals/${id}`);
    expect(atSeller.body.at(-1)?.checkpoint.heads).toEqual(heads.body.heads);
    // The last checkpoint's state, derived here from the entries alone: the fact count and each
    // invoice with its answer.
    type Listed = { hash: string; entry: { kind: string; body: Record<string, unknown> } };
    const entries = (await call<Listed[]>(seller, 'GET', `/bilaterals/${id}/entries`)).body;
    const answers = new Map(
      entries
        .filter((e) => e.entry.kind.startsWith('invoice.') && e.entry.kind !== 'invoice.issued')
        .map((e) => [(e.entry.body.invoice as { hash: string }).hash, e.entry.kind]),
    );
    const state = {
      facts: entries.filter((e) => e.entry.kind === 'fact' || e.entry.kind === 'facts').length,
      invoices: entries
        .filter((e) => e.entry.kind === 'invoice.issued')
        .map((e) => ({
          period: e.entry.body.period,
          entry: e.hash,
          invoiceHash: e.entry.body.invoiceHash,
          status: answers.get(e.hash) === 'invoice.accepted' ? 'accepted' : 'pending',
        })),
    };
    expect(state.invoices.map((i) => i.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(atSeller.body.at(-1)?.checkpoint.stateHash).toBe(hashJson(state));
    const again = await call<{ code: string }>(seller, 'POST', `/bilaterals/${id}/invoices`, {
      period: '2026-01',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INVOICE_EXISTS');
  });

  it('a node that was offline catches up with no loss and no duplicates', async () => {
    await buyer.close();
    const extra = [
      {
        type: 'service.ordered',
        service: 'S2',
        offering: 'dia',
        plan: '100M',
        termMonths: 12,
        at: '2026-04-02T00:00:00Z',
      },
      { type: 'service.activated', service: 'S2', at: '2026-04-03T00:00:00Z' },
    ];
    // Two facts, then more than a page (500) of entries for the buyer to pull.
    const outage = (i: number) => ({
      type: 'outage',
      service: 'S2',
      from: new Date(Date.UTC(2026, 3, 4) + i * 60_000).toISOString(),
      to: new Date(Date.UTC(2026, 3, 4) + i * 60_000 + 30_000).toISOString(),
      maintenance: false,
    });
    const record = async (fact: unknown) => {
      const recorded = await call<{ replicated: boolean }>(
        seller,
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        fact,
      );
      expect(recorded.status).toBe(201);
      expect(recorded.body.replicated).toBe(false);
    };
    for (const fact of extra) await record(fact);
    for (let i = 0; i < 600; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => record(outage(i + k))));
    }
    buyer = await startServer({
      dataDir: buyerDir,
      party: 'globex',
      port: buyerPort,
      peerPort: buyerPeerPort,
      syncIntervalMs: 0,
      checkpointIntervalMs: 0,
      chain: false,
    });
    await call(buyer, 'POST', `/bilaterals/${id}/sync`);
    await call(buyer, 'POST', `/bilaterals/${id}/sync`);
    type Held = { hash: string; entry: { kind: string; body: { facts?: unknown[]; from?: string } } };
    const atSeller = await call<Held[]>(seller, 'GET', `/bilaterals/${id}/entries`);
    const atBuyer = await call<Held[]>(buyer, 'GET', `/bilaterals/${id}/entries`);
    expect(atBuyer.body.map((e) => e.hash)).toEqual(atSeller.body.map((e) => e.hash));
    expect(new Set(atBuyer.body.map((e) => e.hash)).size).toBe(atBuyer.body.length);
    // Every outage recorded while the buyer was down is held once (single facts may share an entry).
    type Outage = { type?: string; from?: string };
    const outages = atBuyer.body.flatMap((e): Outage[] =>
      e.entry.kind === 'facts' ? (e.entry.body.facts as Outage[]) : [e.entry.body as Outage],
    );
    const froms = outages.filter((f) => f.type === 'outage').map((f) => f.from);
    expect(new Set(froms).size).toBe(froms.length);
    expect(froms.length).toBeGreaterThanOrEqual(600);
  });

  describe('the peer endpoint refuses bad entries, each with its own code', () => {
    const path = () => `/peer/bilaterals/${id}/entries`;

    async function sellerHead(): Promise<{ seq: number; hash: string }> {
      const heads = await call<Record<string, { seq: number; hash: string }>>(
        buyer,
        'GET',
        `/bilaterals/${id}`,
      );
      return (heads.body as unknown as { heads: Record<string, { seq: number; hash: string }> }).heads[
        'acme-fiber'
      ]!;
    }

    function nextEntry(head: { seq: number; hash: string }, over: Partial<Entry> = {}): Entry {
      return {
        bilateral: id,
        author: 'acme-fiber',
        seq: head.seq + 1,
        prev: head.hash,
        seen: null,
        kind: 'fact',
        body: {
          type: 'outage',
          service: 'S1',
          from: '2026-03-01T00:00:00Z',
          to: '2026-03-01T01:00:00Z',
          maintenance: true,
        },
        recordedAt: '2026-03-01T02:00:00.000Z',
        ...over,
      };
    }

    async function send(entry: unknown, keys = partyKeys(sellerDir)) {
      const response = await peerCall<{ seq: number; status: string; code?: string }[]>(
        buyer.peerUrl,
        'POST',
        path(),
        'acme-fiber',
        keys,
        { entries: [entry] },
      );
      expect(response.status).toBe(200);
      return response.body[0]!;
    }

    it.each([
      [
        'tampered',
        'ENTRY_BAD_SIGNATURE',
        (head: { seq: number; hash: string }) => {
          const signed = signEntry(nextEntry(head), partyKeys(sellerDir));
          return { ...signed, entry: { ...signed.entry, recordedAt: '2026-03-01T03:00:00.000Z' } };
        },
      ],
      [
        'forged with another key',
        'ENTRY_WRONG_KEY',
        (head: { seq: number; hash: string }) => signEntry(nextEntry(head), generateKeyPair()),
      ],
      [
        'out of order',
        'ENTRY_SEQ_GAP',
        (head: { seq: number; hash: string }) =>
          signEntry(nextEntry(head, { seq: head.seq + 2 }), partyKeys(sellerDir)),
      ],
      [
        'linked to the wrong previous entry',
        'ENTRY_BROKEN_LINK',
        (head: { seq: number; hash: string }) =>
          signEntry(nextEntry(head, { prev: 'ab'.repeat(32) }), partyKeys(sellerDir)),
      ],
      [
        'with a malformed body',
        'ENTRY_MALFORMED_BODY',
        (head: { seq: number; hash: string }) =>
          signEntry(nextEntry(head, { body: { type: 'outage', service: 'S1' } }), partyKeys(sellerDir)),
      ],
      [
        'for another bilateral',
        'ENTRY_WRONG_BILATERAL',
        (head: { seq: number; hash: string }) =>
          signEntry(nextEntry(head, { bilateral: 'cd'.repeat(32) }), partyKeys(sellerDir)),
      ],
    ])('%s → %s, not applied', async (_name, code, make) => {
      const head = await sellerHead();
      const result = await send(make(head));
      expect(result.code).toBe(code);
      expect(await sellerHead()).toEqual(head);
    });

    it('replayed → ENTRY_REPLAYED, not applied twice', async () => {
      const head = await sellerHead();
      const stored = await call<(SignedEntry & { hash: string })[]>(
        buyer,
        'GET',
        `/bilaterals/${id}/entries?author=acme-fiber&from=${head.seq}`,
      );
      const { entry, key, sig } = stored.body[0]!;
      const result = await send({ entry, key, sig });
      expect(result.code).toBe('ENTRY_REPLAYED');
      const count = await call<unknown[]>(buyer, 'GET', `/bilaterals/${id}/entries`);
      const atSeller = await call<unknown[]>(seller, 'GET', `/bilaterals/${id}/entries`);
      expect(count.body).toHaveLength(atSeller.body.length);
    });

    it('equivocating → ENTRY_EQUIVOCATION, both versions kept as evidence', async () => {
      const head = await sellerHead();
      const stored = await call<(SignedEntry & { hash: string })[]>(
        buyer,
        'GET',
        `/bilaterals/${id}/entries?author=acme-fiber&from=${head.seq}`,
      );
      const original = stored.body[0]!;
      const twin = signEntry(
        { ...original.entry, recordedAt: '2026-05-05T05:05:05.000Z' },
        partyKeys(sellerDir),
      );
      expect(hashEntry(twin.entry)).not.toBe(original.hash);
      const result = await send(twin);
      expect(result.code).toBe('ENTRY_EQUIVOCATION');
      expect(await sellerHead()).toEqual(head);
      const evidence = await call<{ code: string; payload: unknown }[]>(
        buyer,
        'GET',
        `/bilaterals/${id}/evidence`,
      );
      const proof = evidence.body.find((e) => e.code === 'ENTRY_EQUIVOCATION');
      expect(JSON.stringify(proof?.payload)).toContain(original.sig);
      expect(JSON.stringify(proof?.payload)).toContain(twin.sig);
    });

    it('keeps every refused entry as evidence', async () => {
      const evidence = await call<{ code: string }[]>(buyer, 'GET', `/bilaterals/${id}/evidence`);
      const codes = new Set(evidence.body.map((e) => e.code));
      for (const code of ['ENTRY_BAD_SIGNATURE', 'ENTRY_WRONG_KEY', 'ENTRY_SEQ_GAP', 'ENTRY_BROKEN_LINK']) {
        expect(codes).toContain(code);
      }
    });

    it('serves a bilateral only to its counterparty', async () => {
      const unsigned = await call<{ code: string }>(buyer.peerUrl, 'GET', `${path()}?from=1`);
      expect(unsigned.status).toBe(401);
      const stranger = await peerCall<{ code: string }>(
        buyer.peerUrl,
        'GET',
        `${path()}?from=1`,
        'initech',
        generateKeyPair(),
      );
      expect(stranger.status).toBe(403);
      const impostor = await peerCall<{ code: string }>(
        buyer.peerUrl,
        'GET',
        `${path()}?from=1`,
        'acme-fiber',
        generateKeyPair(),
      );
      expect(impostor.status).toBe(401);
      const counterparty = await peerCall<{ entries: unknown[] }>(
        buyer.peerUrl,
        'GET',
        `${path()}?from=1`,
        'acme-fiber',
        partyKeys(sellerDir),
      );
      expect(counterparty.status).toBe(200);
      expect(counterparty.body.entries.length).toBeGreaterThan(0);
    });

    it('a wrong invoice issued by the seller is rejected, naming the differing line', async () => {
      const head = await sellerHead();
      const heads = await call<{ heads: Record<string, { seq: number; hash: string } | null> }>(
        buyer,
        'GET',
        `/bilaterals/${id}`,
      );
      const invoice = (
        await call<Record<string, unknown>>(seller, 'GET', `/bilaterals/${id}/invoices/2026-04/preview`)
      ).body as { lines: { amount: string }[]; total: string };
      const inflated = structuredClone(invoice);
      inflated.lines[0]!.amount = '999.99';
      const body = {
        period: '2026-04',
        basis: heads.body.heads,
        invoice: inflated,
        invoiceHash: hashJson(inflated),
      };
      const entry = nextEntry(head, { kind: 'invoice.issued', body: body as never });
      const result = await send(signEntry(entry, partyKeys(sellerDir)));
      expect(result.status).toBe('appended');
      await buyer.node.idle();
      const invoices = await call<IssuedInvoice[]>(buyer, 'GET', `/bilaterals/${id}/invoices`);
      const answered = invoices.body.find((i) => i.period === '2026-04');
      expect(answered?.status).toBe('rejected');
      expect(JSON.stringify(answered?.answer?.body)).toContain('999.99');
    });
  });
});
