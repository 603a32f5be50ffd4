/**
 * Providers trading with each other, for the netting tests: the same steps
 * over in-memory nodes and over real `sb node` processes. Not a test file.
 */
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
    if (attempt > 200) throw new Error(`invoices of ${id} not accepted: ${JSON.stringify(list)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until `check` holds (polling), or throws after about ten seconds. */
export async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
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
