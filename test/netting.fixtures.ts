/**
 * Providers trading with each other, for the netting tests: the same steps
 * over in-memory nodes and over real `sb node` processes. Not a test file.
 */
import { expect } from 'vitest';
import { exampleTerms } from './support.ts';

/** A node's owner API as these steps use it. */
export interface Trader {
  readonly party: string;
  readonly endpoint: string;
  call<T = unknown>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
}

export interface Agreement {
  readonly hash: string;
  readonly type: 'settlement' | 'round';
  readonly round: string | null;
  readonly document: {
    readonly net?: { from: string; to: string; amount: string } | null;
    readonly bilaterals?: readonly {
      bilateral: string;
      seller: string;
      buyer: string;
      items: { period: string; amount: string }[];
    }[];
    readonly members?: readonly string[];
    readonly positions?: readonly { member: string; position: string }[];
    readonly payments?: readonly { from: string; to: string; amount: string }[];
    readonly statements?: readonly { hash: string; parties: string[] }[];
  };
  readonly signatures: Record<string, string>;
  readonly progress: unknown;
  readonly agreedAt: string | null;
}

export interface StatementBody {
  readonly invoices: {
    period: string;
    document: string;
    open: string;
    disputed: string;
    state: string;
    total: string;
  }[];
  readonly payments: { id: string; amount: string; applied: { period: string; amount: string }[] }[];
  readonly totals: { open: string };
}

async function ok<T>(answer: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const { status, body } = await answer;
  if (status >= 400) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** The worked example's terms between `seller` and `buyer` under MSA `msa`, effective from `from`. */
export function termsBetween(seller: string, buyer: string, msa: string, from = '2026-01-01T00:00:00Z') {
  const terms = exampleTerms();
  return {
    ...terms,
    id: msa,
    effectiveFrom: from,
    seller: { ...terms.seller, id: seller, name: `${seller} Ltd` },
    buyer: { ...terms.buyer, id: buyer, name: `${buyer} Ltd` },
  };
}

/**
 * A bilateral where `seller` sells `buyer` one port of `plan` from `from`
 * (ordered and activated that day), its facts replicated; its id.
 */
export async function trade(
  seller: Trader,
  buyer: Trader,
  msa: string,
  plan: '100M' | '1G' = '1G',
  from = '2026-01-05',
): Promise<string> {
  const { id } = await ok(
    seller.call<{ id: string }>('POST', '/bilaterals', {
      terms: termsBetween(seller.party, buyer.party, msa),
      peer: buyer.endpoint,
    }),
    `${seller.party} proposing ${msa}`,
  );
  for (const fact of [
    {
      type: 'service.ordered',
      service: `${msa}-port`,
      offering: 'dia',
      plan,
      termMonths: 12,
      at: `${from}T00:00:00Z`,
    },
    { type: 'service.activated', service: `${msa}-port`, at: `${from}T00:00:00Z` },
  ]) {
    await ok(seller.call('POST', `/bilaterals/${id}/facts?wait=replicated`, fact), `recording in ${msa}`);
  }
  return id;
}

/** The Seller issues each period's invoice; resolves once the Buyer's node has accepted every one. */
export async function issueAccepted(seller: Trader, id: string, periods: readonly string[]): Promise<void> {
  for (const period of periods) {
    await ok(seller.call('POST', `/bilaterals/${id}/invoices`, { period }), `issuing ${period} of ${id}`);
  }
  for (let attempt = 0; ; attempt++) {
    const list = await ok(
      seller.call<{ period: string; status: string }[]>('GET', `/bilaterals/${id}/invoices`),
      'listing invoices',
    );
    if (periods.every((p) => list.some((i) => i.period === p && i.status === 'accepted'))) return;
    if (attempt > 1200) throw new Error(`invoices of ${id} not accepted: ${JSON.stringify(list)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until `check` holds (polling), or throws after 1,200 looks (thirty seconds and more). */
export async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never: ${what}`);
}

export const cents = (text: string) => BigInt(text.replace('.', ''));

/** The statement of bilateral `id` at `node`. */
export function statementAt(node: Trader, id: string, asOf?: string): Promise<StatementBody> {
  return ok(
    node.call<StatementBody>(
      'GET',
      `/bilaterals/${id}/statement${asOf === undefined ? '' : `?asOf=${asOf}`}`,
    ),
    `statement of ${id}`,
  );
}

function formatCents(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Only agreed invoices are netted; later months are listed as rated (`generated`) and left alone. */
const agreed = (s: StatementBody) => s.invoices.filter((i) => i.state !== 'generated');

/**
 * Acme sells Globex in `ids[0]` and `ids[1]`, Globex sells Acme in
 * `ids[2]`, each with agreed invoices: Acme has the settlement statement
 * co-signed, Globex pays the net, and every agreed invoice of the three is
 * settled, the same on both nodes.
 */
export async function settleBetweenTwo(acme: Trader, globex: Trader, ids: readonly string[]): Promise<void> {
  const before = await Promise.all(ids.map((id) => statementAt(acme, id)));
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
}

/** Who sells whom in the consortium of five: each [seller, buyer, plan] by index. */
const FIVE: readonly (readonly [number, number, '100M' | '1G'])[] = [
  [0, 1, '1G'],
  [1, 2, '1G'],
  [2, 0, '100M'],
  [0, 3, '100M'],
  [3, 4, '1G'],
  [4, 1, '100M'],
  [2, 4, '1G'],
  [1, 0, '100M'],
];

export interface Traded {
  readonly id: string;
  readonly seller: Trader;
  readonly buyer: Trader;
}

/** Five providers selling to several others (eight bilaterals from February), February and March issued and agreed. */
export async function consortiumOfFive(traders: readonly Trader[]): Promise<Traded[]> {
  const out: Traded[] = [];
  for (const [s, b, plan] of FIVE) {
    const [seller, buyer] = [traders[s]!, traders[b]!];
    const id = await trade(seller, buyer, `msa-${seller.party}-${buyer.party}`, plan, '2026-02-01');
    out.push({ id, seller, buyer });
  }
  await Promise.all(out.map((t) => issueAccepted(t.seller, t.id, ['2026-02', '2026-03'])));
  return out;
}

/**
 * `traders[0]` runs a round over the five: every member signs it, each
 * member's position is what its own statements say it is owed minus what it
 * owes, at most four payments settle them, every agreed invoice of every
 * bilateral ends settled (and nothing else moves), the same on both nodes of
 * each; then a payment is reported paid by its payer and received by its
 * payee.
 */
export async function roundOfFive(traders: readonly Trader[], traded: readonly Traded[]): Promise<Agreement> {
  // Each member's line as it reckons it from its own node: owed to it in the bilaterals it sells in, minus owed by it.
  const before = new Map<string, bigint>();
  const openAt = async (node: Trader, id: string) =>
    agreed(await statementAt(node, id)).reduce((sum, i) => sum + cents(i.open), 0n);
  for (const t of traded) {
    before.set(t.seller.party, (before.get(t.seller.party) ?? 0n) + (await openAt(t.seller, t.id)));
    before.set(t.buyer.party, (before.get(t.buyer.party) ?? 0n) - (await openAt(t.buyer, t.id)));
  }
  const members = traders.map((t) => t.party);
  const made = await traders[0]!.call<Agreement>('POST', '/netting-rounds', {
    members,
    currency: 'EUR',
    period: '2026-03',
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const round = made.body;
  expect(round.agreedAt).not.toBeNull();
  expect(Object.keys(round.signatures).sort()).toEqual([...members].sort());
  // One co-signed statement per pair that trades: seven pairs among the eight bilaterals.
  expect(round.document.statements).toHaveLength(7);
  const positions = new Map(round.document.positions!.map((p) => [p.member, cents(p.position)]));
  expect(positions).toEqual(new Map([...before].sort(([a], [b]) => (a < b ? -1 : 1))));
  expect([...positions.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
  const payments = round.document.payments!;
  expect(payments.length).toBeLessThanOrEqual(members.length - 1);
  for (const p of payments) {
    positions.set(p.from, positions.get(p.from)! + cents(p.amount));
    positions.set(p.to, positions.get(p.to)! - cents(p.amount));
  }
  expect([...positions.values()].every((p) => p === 0n)).toBe(true);
  // Every member holds the same round, signed by all.
  for (const t of traders) {
    const held = await t.call<Agreement>('GET', `/netting-agreements/${round.hash}`);
    expect(held.status).toBe(200);
    expect(held.body.signatures).toEqual(round.signatures);
    expect(held.body.agreedAt).toBe(round.agreedAt);
  }
  // Every agreed invoice is cleared by the round on both nodes of each bilateral; later months are not.
  await eventually(async () => {
    for (const t of traded) {
      const [atSeller, atBuyer] = [await statementAt(t.seller, t.id), await statementAt(t.buyer, t.id)];
      if (JSON.stringify(atSeller) !== JSON.stringify(atBuyer)) return false;
      if (!agreed(atSeller).every((i) => i.state === 'settled' && i.open === '0.00')) return false;
      if (!atSeller.invoices.filter((i) => i.state === 'generated').every((i) => i.open === i.total))
        return false;
    }
    return true;
  }, 'every agreed invoice settled by the round, the same on both nodes');
  // Its payments: the payer says paid, the payee received; each node hears of the other's word.
  if (payments.length > 0) {
    const [payer, payee] = [payments[0]!.from, payments[0]!.to].map(
      (p) => traders.find((t) => t.party === p)!,
    );
    const other = traders.find((t) => t !== payer && t !== payee)!;
    const path = `/netting-agreements/${round.hash}/payments/0`;
    expect((await other.call('POST', path, {})).status).toBe(403);
    expect((await payer!.call('POST', path, { reference: 'BANK-REF-1' })).status).toBe(200);
    const progress = async (t: Trader) =>
      (
        (await t.call<Agreement>('GET', `/netting-agreements/${round.hash}`)).body.progress as {
          payments: { paidAt?: string; reference?: string; receivedAt?: string }[];
        }
      ).payments[0]!;
    expect(await progress(payee!)).toMatchObject({ reference: 'BANK-REF-1', paidAt: expect.any(String) });
    expect((await payee!.call('POST', path, {})).status).toBe(200);
    expect(await progress(payer!)).toMatchObject({
      paidAt: expect.any(String),
      receivedAt: expect.any(String),
    });
  }
  return round;
}
