/**
 * Bilateral netting between two providers selling to each other, in one
 * process: two bilaterals in opposite directions, what each owes the other
 * undisputed, and the one payment of the net — the same position seen from
 * both nodes, mirrored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce } from '../src/api/index.ts';
import type { NettingPosition } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import {
  type Agreement,
  cents,
  eventually,
  issueAccepted,
  type StatementBody,
  statementAt,
  type Trader,
  trade,
} from './netting.fixtures.ts';
import { exampleFacts, exampleTerms } from './support.ts';

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
  const trader = (node: MemoryNode): Trader & { node: MemoryNode } => ({
    party: node.node.party,
    endpoint: node.node.endpoint,
    call: (method, path, body) => node.call(method, path, body),
    node,
  });

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

  it('refuses a bad day, period or party, naming the field', async () => {
    for (const [body, path] of [
      [{ asOf: '2026-13-01' }, 'asOf'],
      [{ period: '2099-01' }, 'period'],
      [{ currency: 'XXX1' }, 'currency'],
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

  it('settles by set-off once co-signed; the net payer’s one payment settles every invoice of both sides', async () => {
    const before = await Promise.all(ids.map((id) => statementAt(acme, id)));
    // Only agreed invoices are netted; later months are listed as rated (`generated`) and left alone.
    const agreed = (s: StatementBody) => s.invoices.filter((i) => i.state !== 'generated');
    const open = (i: number) => agreed(before[i]!).reduce((t, inv) => t + cents(inv.open), 0n);
    const owedByGlobex = open(0) + open(1);
    const owedByAcme = open(2);
    expect(owedByGlobex > owedByAcme && owedByAcme > 0n).toBe(true);

    const made = await acme.call<Agreement>('POST', '/netting/globex/settlements', {});
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const agreement = made.body;
    expect(Object.keys(agreement.signatures).sort()).toEqual(['acme-fiber', 'globex']);
    expect(agreement.document.net).toEqual({
      from: 'globex',
      to: 'acme-fiber',
      amount: formatCents(owedByGlobex - owedByAcme),
    });
    expect(agreement.document.bilaterals!.map((l) => l.bilateral)).toEqual([...ids].sort());
    // Both nodes hold it; each Seller records it where it sells.
    expect(
      (await globex.call<Agreement>('GET', `/netting-agreements/${agreement.hash}`)).body.signatures,
    ).toEqual(agreement.signatures);
    // Set off: what Acme owes, on its side and as much on Globex's — the same on both nodes.
    const setOff = async (node: Trader) => {
      let total = 0n;
      for (const id of ids) {
        for (const p of (await statementAt(node, id)).payments)
          if (p.id.startsWith('netting-')) total += cents(p.amount);
      }
      return total;
    };
    await eventually(
      async () => (await setOff(acme)) === 2n * owedByAcme && (await setOff(globex)) === 2n * owedByAcme,
      'the set-off applied on both sides, on both nodes',
    );
    const afterSetOff = await Promise.all(ids.map((id) => statementAt(acme, id)));
    // The smaller side (what Acme owes Globex) is settled in full by set-off; the rest is the net.
    expect(agreed(afterSetOff[2]!).map((i) => i.state)).toEqual(['settled', 'settled']);
    const left = agreed(afterSetOff[0]!)
      .concat(agreed(afterSetOff[1]!))
      .reduce((t, i) => t + cents(i.open), 0n);
    expect(left).toBe(owedByGlobex - owedByAcme);

    // Only the net payer pays, once, not before the agreement.
    expect(
      (
        await acme.call('POST', `/netting-agreements/${agreement.hash}/pay`, {
          id: 'X',
          at: new Date().toISOString(),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await globex.call('POST', `/netting-agreements/${agreement.hash}/pay`, {
          id: 'NET-1',
          at: '2026-01-01T00:00:00Z',
        })
      ).status,
    ).toBe(422);
    const paid = await globex.call('POST', `/netting-agreements/${agreement.hash}/pay`, {
      id: 'NET-1',
      at: new Date().toISOString(),
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(
      (
        await globex.call('POST', `/netting-agreements/${agreement.hash}/pay`, {
          id: 'NET-2',
          at: new Date().toISOString(),
        })
      ).status,
    ).toBe(409);
    for (const id of ids) {
      const [atAcme, atGlobex] = [await statementAt(acme, id), await statementAt(globex, id)];
      expect(atAcme).toEqual(atGlobex);
      const netted = agreed(atAcme);
      expect(netted.length).toBe(id === ids[2] ? 2 : 3);
      expect(netted.map((i) => [i.period, i.open, i.state])).toEqual(
        netted.map((i) => [i.period, '0.00', 'settled']),
      );
      // What was not agreed is untouched: open in full.
      expect(atAcme.invoices.filter((i) => i.state === 'generated').every((i) => i.open === i.total)).toBe(
        true,
      );
    }
    // The one payment is recorded, in parts, only where Globex buys; the parts sum to the net.
    const parts = (await Promise.all(ids.map((id) => statementAt(acme, id)))).flatMap((s) =>
      s.payments.filter((p) => p.id === 'NET-1'),
    );
    expect(parts.reduce((t, p) => t + cents(p.amount), 0n)).toBe(owedByGlobex - owedByAcme);
    expect((await statementAt(acme, ids[2]!)).payments.some((p) => p.id === 'NET-1')).toBe(false);
  });
});

function formatCents(minor: bigint): string {
  return `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;
}
