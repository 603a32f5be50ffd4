/**
 * Bilateral netting between two providers selling to each other, in one
 * process: two bilaterals in opposite directions, what each owes the other
 * undisputed, and the one payment of the net — the same position seen from
 * both nodes, mirrored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce } from '../src/api/index.ts';
import { verifyProof } from '../src/kinds/index.ts';
import { hashJson } from '../src/ledger/index.ts';
import type { NettingPosition } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import {
  consortiumOfFive,
  issueAccepted,
  roundOfFive,
  settleBetweenTwo,
  type Traded,
  type Trader,
  trade,
} from './netting.fixtures.ts';
import { exampleFacts, exampleTerms } from './support.ts';

/** An in-memory node as the shared netting steps call it. */
const asTrader = (n: MemoryNode): Trader => ({
  party: n.node.party,
  endpoint: n.node.endpoint,
  call: (method, path, body) => n.call(method, path, body),
});

describe('bilateral netting', () => {
  const network = new MemoryNetwork();
  let acme: MemoryNode;
  let globex: MemoryNode;
  let forward: string;
  let reverse: string;

  beforeAll(async () => {
    ({ seller: acme, buyer: globex, id: forward } = await exampleBilateral(network));
    // Globex sells Acme the same service under the same terms, from February.
    const terms = exampleTerms();
    const swapped = { ...terms, id: 'msa-globex-acme', seller: terms.buyer, buyer: terms.seller };
    const created = await globex.call<{ id: string }>('POST', '/bilaterals', {
      terms: swapped,
      peer: acme.node.endpoint,
    });
    expect(created.status).toBe(201);
    reverse = created.body.id;
    const facts = exampleFacts().filter(
      (f) => f.type === 'service.ordered' || f.type === 'service.activated',
    );
    for (const fact of [
      { ...facts[0], at: '2026-02-01T00:00:00Z' },
      { ...facts[1], at: '2026-02-02T00:00:00Z' },
    ]) {
      expect((await globex.call('POST', `/bilaterals/${reverse}/facts?wait=replicated`, fact)).status).toBe(
        201,
      );
    }
  });
  afterAll(() => network.close());

  it('nets what each owes the other, undisputed, into one payment; both nodes see the same position', async () => {
    const atAcme = (await acme.call<NettingPosition>('GET', '/netting/globex?asOf=2026-04-15')).body;
    const atGlobex = (await globex.call<NettingPosition>('GET', '/netting/acme-fiber?asOf=2026-04-15')).body;
    const [eur] = atAcme.currencies;
    expect(eur!.currency).toBe('EUR');
    expect(eur!.bilaterals.map((b) => [b.id, b.role])).toEqual(
      [
        [forward, 'seller'],
        [reverse, 'buyer'],
      ].sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
    // Mirrored: what Acme is owed, Globex owes; the one payment is the same.
    expect(atGlobex.currencies[0]!.owedToMe).toBe(eur!.owedByMe);
    expect(atGlobex.currencies[0]!.owedByMe).toBe(eur!.owedToMe);
    expect(atGlobex.currencies[0]!.net).toEqual(eur!.net);
    const cents = (t: string) => BigInt(t.replace('.', ''));
    const difference = cents(eur!.owedToMe) - cents(eur!.owedByMe);
    expect(eur!.net).toEqual(
      difference > 0n
        ? { from: 'globex', to: 'acme-fiber', amount: expect.any(String) }
        : { from: 'acme-fiber', to: 'globex', amount: expect.any(String) },
    );
    expect(cents(eur!.net!.amount)).toBe(difference < 0n ? -difference : difference);
    // Each side's figure is its bilateral statement's open amount, undisputed.
    const forwardStatement = (
      await acme.call<{ totals: { open: string } }>('GET', `/bilaterals/${forward}/statement?asOf=2026-04-15`)
    ).body;
    expect(eur!.owedToMe).toBe(forwardStatement.totals.open);
  });

  it('refuses a day that is not a date, and a party with no bilateral', async () => {
    expect((await acme.call('GET', '/netting/globex?asOf=2026-13-01')).status).toBe(422);
    expect((await acme.call('GET', '/netting/initech')).status).toBe(404);
  });
});

describe('a settlement statement between two providers, co-signed', () => {
  const network = new MemoryNetwork();
  let acme: Trader & { node: MemoryNode };
  let globex: Trader & { node: MemoryNode };
  const ids: string[] = [];
  const periods = ['2026-02', '2026-03', '2026-04'];
  const trader = (node: MemoryNode): Trader & { node: MemoryNode } => ({ ...asTrader(node), node });

  beforeAll(async () => {
    acme = trader(await network.add('acme-fiber'));
    globex = trader(await network.add('globex'));
    await introduce(acme.node, globex.node);
    // Three bilaterals: Acme sells Globex two ports, Globex sells Acme one.
    ids.push(await trade(acme, globex, 'msa-a-g-1', '1G', '2026-02-01'));
    ids.push(await trade(acme, globex, 'msa-a-g-2', '100M', '2026-02-01'));
    ids.push(await trade(globex, acme, 'msa-g-a-1', '1G', '2026-03-01'));
    await issueAccepted(acme, ids[0]!, periods);
    await issueAccepted(acme, ids[1]!, periods);
    await issueAccepted(globex, ids[2]!, periods.slice(1));
  });
  afterAll(() => network.close());

  it('refuses a statement the other node computes differently, or signed by someone else, and keeps nothing', async () => {
    const header = { currency: 'EUR', period: '2026-11', asOf: new Date().toISOString().slice(0, 10) };
    const honest = await acme.node.node.nettingAgreements.compute('globex', header, null);
    const tampered = {
      ...honest,
      bilaterals: honest.bilaterals.map((leg, i) =>
        i === 0 ? { ...leg, items: [{ ...leg.items[0]!, amount: '1.00' }, ...leg.items.slice(1)] } : leg,
      ),
    };
    const send = (statement: unknown, signature: string) =>
      acme.node.node.core.peer.request(globex.endpoint, 'POST', '/peer/netting/statements', {
        statement,
        signature,
      });
    await expect(send(tampered, acme.node.node.core.signNetting(tampered as never))).rejects.toMatchObject({
      details: { peerCode: 'NETTING_MISMATCH' },
    });
    await expect(send(honest, globex.node.node.core.signNetting(honest as never))).rejects.toMatchObject({
      details: { peerCode: 'NETTING_MISMATCH' },
    });
    expect(await globex.node.store.listNettingAgreements()).toEqual([]);
  });

  it('answers malformed signed peer requests with a 4xx, never a 5xx, and keeps nothing', async () => {
    const junk: unknown[] = [
      {},
      { statement: null },
      { statement: { parties: 'acme-fiber' } },
      { statement: { parties: ['acme-fiber', 'globex'], currency: 7, period: [], asOf: {}, round: 5 } },
      {
        statement: {
          parties: ['acme-fiber', 'globex'],
          currency: 'EUR',
          period: '2026-11',
          asOf: '2026-12-01',
          round: null,
          bilaterals: [null, { items: 'x' }],
        },
      },
      { round: { type: 'netting.round', members: 'all' }, statements: {} },
      { round: { type: 'netting.round', members: ['globex'] }, statements: [null, 1] },
      { round: 'r', counterparty: 'globex', currency: 'EUR' },
      { round: 'r', counterparty: 'nobody', currency: 'EUR', asOf: '2026-02-30' },
      { round: 'f'.repeat(64), index: 'x', paidAt: 1 },
    ];
    const paths = [
      '/peer/netting/statements',
      '/peer/netting/round-statements',
      '/peer/netting/rounds/sign',
      '/peer/netting/rounds/agreed',
      '/peer/netting/rounds/payments',
    ];
    for (const path of paths) {
      for (const body of junk) {
        const answer = acme.node.node.core.peer.request(globex.endpoint, 'POST', path, body);
        await answer.then(
          (ok) => expect.unreachable(`${path} ${JSON.stringify(body)} answered ${JSON.stringify(ok)}`),
          (error: { details?: { status?: number } }) => {
            expect(error.details?.status, `${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
            expect(error.details?.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
          },
        );
      }
    }
    expect(await globex.node.store.listNettingAgreements()).toEqual([]);
  });

  it('refuses a bad day, period or party, naming the field', async () => {
    for (const [body, path] of [
      [{ asOf: '2026-13-01' }, 'asOf'],
      [{ period: '2099-01' }, 'period'],
      [{ currency: 'XXX1' }, 'currency'],
      [{ asOf: '2026-01-31' }, 'asOf'],
    ] as const) {
      const answer = await acme.call<{ code: string; details: { path: string }[] }>(
        'POST',
        '/netting/globex/settlements',
        body,
      );
      expect(answer.status).toBe(422);
      expect(answer.body.code).toBe('NETTING_INVALID');
      expect(answer.body.details[0]!.path).toBe(path);
    }
    expect((await acme.call('POST', '/netting/initech/settlements', { currency: 'EUR' })).status).toBe(422);
  });

  it('settles by set-off once co-signed; the net payer’s one payment settles every invoice of both sides', () =>
    settleBetweenTwo(acme, globex, ids));
});

describe('a statement whose proposer stopped before the answer', () => {
  const network = new MemoryNetwork();
  let acme: MemoryNode;
  let globex: MemoryNode;
  const ids: string[] = [];

  beforeAll(async () => {
    acme = await network.add('acme-fiber');
    globex = await network.add('globex');
    await introduce(acme, globex);
    const [a, g] = [acme, globex].map(asTrader);
    ids.push(await trade(a!, g!, 'msa-crash-1', '1G', '2026-02-01'));
    ids.push(await trade(g!, a!, 'msa-crash-2', '100M', '2026-02-01'));
    await issueAccepted(a!, ids[0]!, ['2026-02', '2026-03']);
    await issueAccepted(g!, ids[1]!, ['2026-02', '2026-03']);
  });
  afterAll(() => network.close());

  it('resume asks the other node for its co-signature and records the set-off here too', async () => {
    const header = { currency: 'EUR', period: '2026-03', asOf: new Date().toISOString().slice(0, 10) };
    const statement = await acme.node.nettingAgreements.compute('globex', header, null);
    const signature = acme.node.core.signNetting(statement as never);
    const hash = hashJson(statement as never);
    // What #cosigned keeps before sending; then the request goes out and the answer is lost.
    await acme.store.putNettingAgreement({
      hash,
      type: 'settlement',
      round: null,
      document: statement as never,
      signatures: { 'acme-fiber': signature },
      progress: null,
      createdAt: new Date().toISOString(),
      agreedAt: null,
    });
    await acme.node.core.peer.request(globex.node.endpoint, 'POST', '/peer/netting/statements', {
      statement,
      signature,
    });
    expect((await acme.store.getNettingAgreement(hash))!.agreedAt).toBeNull();
    const atGlobex = (await globex.store.getNettingAgreement(hash))!;
    expect(atGlobex.agreedAt).not.toBeNull();

    await acme.node.nettingAgreements.resume();
    const atAcme = (await acme.store.getNettingAgreement(hash))!;
    expect(atAcme.agreedAt).toBe(atGlobex.agreedAt);
    expect(atAcme.signatures).toEqual(atGlobex.signatures);
    expect(atAcme.progress).toMatchObject({ settledHere: true });
    // Both Sellers' entries are in: the set-off (what Acme owes) applied on both sides, the same on both nodes.
    await acme.node.idle();
    await globex.node.idle();
    const owedByAcme = BigInt(statement.owed.find((o) => o.from === 'acme-fiber')!.amount.replace('.', ''));
    for (const id of ids) {
      const [x, y] = [
        (await acme.call('GET', `/bilaterals/${id}/statement`)).body,
        (await globex.call('GET', `/bilaterals/${id}/statement`)).body,
      ];
      expect(x).toEqual(y);
      const netted = (x as { payments: { id: string; amount: string }[] }).payments.filter((p) =>
        p.id.startsWith('netting-'),
      );
      expect(netted.reduce((t, p) => t + BigInt(p.amount.replace('.', '')), 0n)).toBe(owedByAcme);
    }
    // Once complete, resume has nothing more to do.
    const entries = (await acme.store.listEntries(ids[0]!)).length;
    await acme.node.nettingAgreements.resume();
    expect((await acme.store.listEntries(ids[0]!)).length).toBe(entries);
  });
});

describe('two settlement statements asked at once', () => {
  const network = new MemoryNetwork();
  let acme: MemoryNode;
  let globex: MemoryNode;

  beforeAll(async () => {
    acme = await network.add('acme-fiber');
    globex = await network.add('globex');
    await introduce(acme, globex);
    const [a, g] = [acme, globex].map(asTrader);
    const forward = await trade(a!, g!, 'msa-twice-1', '1G', '2026-02-01');
    const reverse = await trade(g!, a!, 'msa-twice-2', '100M', '2026-02-01');
    await issueAccepted(a!, forward, ['2026-02']);
    await issueAccepted(g!, reverse, ['2026-02']);
  });
  afterAll(() => network.close());

  it('the first is co-signed and settles; the second finds nothing left to net, and the first stays agreed', async () => {
    const answers = await Promise.all([
      acme.call<{ hash?: string; code?: string }>('POST', '/netting/globex/settlements', {}),
      acme.call<{ hash?: string; code?: string }>('POST', '/netting/globex/settlements', {}),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
    const made = answers.find((a) => a.status === 201)!.body;
    for (const node of [acme, globex]) {
      const held = await node.store.getNettingAgreement(made.hash!);
      expect(held?.agreedAt).not.toBeNull();
    }
    expect((await acme.store.listNettingAgreements()).map((r) => r.hash)).toEqual([made.hash]);
  });
});

describe('a multilateral round over five providers', () => {
  const network = new MemoryNetwork();
  const names = ['acme-fiber', 'globex', 'initech', 'umbrella', 'hooli'];
  const nodes: MemoryNode[] = [];
  const traders: Trader[] = [];
  let traded: Traded[];

  beforeAll(async () => {
    for (const name of names) nodes.push(await network.add(name));
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) await introduce(nodes[i]!, nodes[j]!);
    }
    for (const n of nodes) {
      traders.push(asTrader(n));
    }
    traded = await consortiumOfFive(traders);
  });
  afterAll(() => network.close());

  it('every member signs; positions sum to zero and at most four payments settle them; every agreed invoice is cleared', async () => {
    const round = await roundOfFive(traders, traded);
    // Each Seller recorded the round where it sells: the round's hash is in the signed record of every bilateral.
    for (const t of traded) {
      const entries = (
        await t.buyer.call<{ entries: { kind: string; body: { hash: string } }[] }>(
          'GET',
          `/bilaterals/${t.id}/entries?kinds=netting.settled`,
        )
      ).body;
      expect(JSON.stringify(entries)).toContain(round.hash);
    }
    // A proof of the Seller's netting.settled entry verifies for a third party (unanchored here: no chain).
    const first = traded[0]!;
    expect((await first.seller.call('POST', `/bilaterals/${first.id}/checkpoints`)).status).toBeLessThan(300);
    type Listed = { entry: { author: string; seq: number; kind: string; body: { hash?: string } } };
    const entries = (await first.seller.call<Listed[]>('GET', `/bilaterals/${first.id}/entries`)).body;
    const settled = entries.find(
      (e) => e.entry.kind === 'netting.settled' && e.entry.body.hash === round.hash,
    )!.entry;
    const proof = await first.seller.call(
      'GET',
      `/bilaterals/${first.id}/proof?entry=${settled.author}/${settled.seq}`,
    );
    expect(proof.status).toBe(200);
    const report = verifyProof(proof.body, { allowUnanchored: true });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(JSON.stringify(proof.body)).toContain(round.hash);
    // A second round with the same id is refused.
    const again = await traders[0]!.call('POST', '/netting-rounds', {
      id: round.round,
      members: names,
      currency: 'EUR',
    });
    expect(again.status).toBe(409);
  });

  it('refuses a round whose members are not a group including the coordinator', async () => {
    for (const members of [['globex'], ['globex', 'initech'], ['acme-fiber', 'acme-fiber'], 'all']) {
      const answer = await traders[0]!.call<{ code: string }>('POST', '/netting-rounds', {
        members,
        currency: 'EUR',
      });
      expect(answer.status).toBe(422);
      expect(answer.body.code).toBe('NETTING_INVALID');
    }
  });
});
