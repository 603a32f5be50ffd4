/**
 * Bilateral netting between two providers selling to each other, in one
 * process: two bilaterals in opposite directions, what each owes the other
 * undisputed, and the one payment of the net — the same position seen from
 * both nodes, mirrored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NettingPosition } from '../src/node/index.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
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
