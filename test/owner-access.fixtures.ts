/**
 * The world the owner-access tests run in: a Seller and a Buyer in memory
 * with two bilaterals A and B between them, two proposals held for the
 * Seller's operator, one credential per role, and every owner route listed
 * with what it needs in the issue's words. Not a test file itself.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { introduce } from '../src/api/index.ts';
import { generateKeyPair } from '../src/ledger/index.ts';
import type { Role } from '../src/node/index.ts';
import { MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleFacts, exampleTerms, reverseServiceFacts, swappedTerms } from './support.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Answer {
  readonly status: number;
  /** The parsed JSON body (undefined when it is not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: the tests read answers of every route freely; each assertion checks the shape
  readonly body: any;
  /** The body as sent, to look for strings that must never appear. */
  readonly raw: string;
}

/**
 * One owner API request with `token` (none when undefined). Every request
 * any of these tests makes goes through here, so each is checked for a 5xx.
 */
export async function send(
  app: FastifyInstance,
  token: string | undefined,
  method: Method,
  url: string,
  body?: unknown,
): Promise<Answer> {
  const response = await app.inject({
    method,
    url,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  // Inside a test, soft: a 5xx is reported and the test goes on, so one run lists
  // every request that crashed (setup hooks cannot use soft assertions).
  const what = `${method} ${url} → ${response.statusCode} ${response.body}`;
  try {
    expect.soft(response.statusCode, what).toBeLessThan(500);
  } catch {
    expect(response.statusCode, what).toBeLessThan(500);
  }
  let parsed: unknown;
  try {
    parsed = response.json();
  } catch {
    parsed = undefined;
  }
  return { status: response.statusCode, body: parsed, raw: response.body };
}

/** A 64-hex id no node holds, shaped like a bilateral id. */
export function unknownId(): string {
  return randomBytes(32).toString('hex');
}

/**
 * What a route needs, in the issue's words rather than roles.ts's names, so
 * the expected table below is written independently of the code under test.
 */
export type Capability =
  | 'any'
  | 'read'
  | 'facts'
  | 'usage'
  | 'sync'
  | 'checkpoint'
  | 'invoices.read'
  | 'invoices.issue'
  | 'proofs'
  | 'audit'
  | 'propose'
  | 'peers.read'
  | 'peers.manage'
  | 'proposals.read'
  | 'proposals.decide'
  | 'credentials'
  | 'events'
  | 'hub'
  | 'settlement'
  | 'resources.read'
  | 'resources.manage'
  | 'pledges.manage'
  | 'pledges.read';

const everything: readonly Capability[] = [
  'any',
  'read',
  'facts',
  'usage',
  'sync',
  'checkpoint',
  'invoices.read',
  'invoices.issue',
  'proofs',
  'audit',
  'propose',
  'peers.read',
  'peers.manage',
  'proposals.read',
  'proposals.decide',
  'credentials',
  'events',
  'hub',
  'settlement',
  'resources.read',
  'resources.manage',
  'pledges.manage',
  'pledges.read',
];

/**
 * Who may do what, from the issue: "admin; operator (facts, usage); finance
 * (invoices, and the settlement work that follows); auditor (read and proofs
 * only); financier (only what concerns its own pledges)".
 *
 * Judgement calls the issue does not spell out, and why:
 * - `read` (the operational record: terms, entries, facts, usage, checkpoints)
 *   is what every role but the financier needs to do its work;
 * - sync and checkpoints add nothing of their own to the record (they move
 *   and seal what is there): the operator runs them, and finance seals the
 *   record before it bills;
 * - invoices and proofs are the money and its evidence: not the operator's;
 * - the auditor reads everything there is to read (the audit log, peers,
 *   proposals included) and changes nothing;
 * - events (the feed and the hub's subscriptions) carry invoice and payment
 *   amounts: finance and the auditor read them, finance subscribes webhooks;
 *   the operator, who does not see the money, does neither;
 * - answering a dispute is settlement work: finance's; sending the node what
 *   one's own systems observed is the operator's, like recording facts;
 * - resource pools (what a Seller's services draw on) are the operator's to
 *   keep and read; the auditor reads them; they hold no money;
 * - offering an invoice to a financier (its package) is finance's: it is
 *   financing the Seller's receivables;
 * - pledges (notices of assignment, the financier's view of its assigned
 *   invoices and exposure) are read by finance, the auditor and the
 *   financier — a financier only those assigned to it; nothing else about
 *   the bilaterals (and `GET /party`, the node's public identity).
 */
export const allowed: Readonly<Record<Role, ReadonlySet<Capability>>> = {
  admin: new Set(everything),
  operator: new Set([
    'any',
    'read',
    'facts',
    'usage',
    'sync',
    'checkpoint',
    'resources.read',
    'resources.manage',
  ]),
  finance: new Set([
    'any',
    'read',
    'invoices.read',
    'invoices.issue',
    'proofs',
    'checkpoint',
    'events',
    'hub',
    'settlement',
    'pledges.manage',
    'pledges.read',
  ]),
  auditor: new Set([
    'any',
    'read',
    'invoices.read',
    'proofs',
    'audit',
    'peers.read',
    'proposals.read',
    'events',
    'resources.read',
    'pledges.read',
  ]),
  financier: new Set(['any', 'pledges.read']),
};

export const roleNames: readonly Role[] = ['admin', 'operator', 'finance', 'auditor', 'financier'];

/** The ids a route's path may name. */
export interface Ids {
  readonly bilateral: string;
  readonly acceptProposal: string;
  readonly declineProposal: string;
  readonly revokeCredential: string;
  readonly expireCredential: string;
  /** A webhook subscription on the Seller's node. */
  readonly subscription: string;
  /** An incident (outage fact) in A, and a Sonata hub of each API in A, on the Seller's node. */
  readonly incident: string;
  readonly sonataHubs: Readonly<Record<string, string>>;
  /** A Sonata order cancellation in A. */
  readonly cancellation: string;
  /** Disputes the Buyer's node raised in bilateral A, for the Seller to accept and to reject. */
  readonly acceptDispute: string;
  readonly rejectDispute: string;
  /** A payment the Buyer recorded in A. */
  readonly payment: string;
  /** A settlement statement the Seller's node co-signed, where it pays the net. */
  readonly agreement: string;
  /** A two-member round, agreed, whose one payment the Seller makes. */
  readonly round: string;
}

export interface Route {
  readonly method: Method;
  /** As declared in src/api/routes (with a query where the route needs one). */
  readonly pattern: string;
  readonly path: (ids: Ids) => string;
  /** Whether the route is about one bilateral (the `id` in its path or query). */
  readonly bilateral: boolean;
  readonly need: Capability;
  /** The permission its 403 names (as declared by the route in src/api/routes). */
  readonly permission: string | null;
  /** A valid body; `n` differs on every call, so a repeated call is a new request. */
  readonly body?: (n: number, world: World) => unknown;
  /**
   * What a valid call by the admin gets where the world lacks what the route
   * needs besides access (a chain): that refusal, asserted, instead of a 2xx.
   */
  readonly without?: { readonly status: number; readonly code: string };
}

/** A month the world has not invoiced (it invoices January to April), whatever the counter. */
const month = (n: number) => `2026-${String(5 + (n % 7)).padStart(2, '0')}`;

/** Every owner route (src/api/routes/*.ts) but `/health`, which is public. */
export const routes: readonly Route[] = [
  { method: 'GET', pattern: '/party', path: () => '/party', bilateral: false, need: 'any', permission: null },
  {
    method: 'POST',
    pattern: '/bilaterals',
    path: () => '/bilaterals',
    bilateral: false,
    need: 'propose',
    permission: 'bilaterals.propose',
    body: (n, world) => ({
      terms: { ...exampleTerms(), id: `msa-extra-${n}` },
      peer: world.buyer.node.endpoint,
    }),
  },
  {
    method: 'GET',
    pattern: '/bilaterals',
    path: () => '/bilaterals',
    bilateral: false,
    need: 'read',
    permission: 'bilaterals.read',
  },
  ...(
    [
      ['/bilaterals/:id', ''],
      ['/bilaterals/:id/entries', '/entries'],
      ['/bilaterals/:id/evidence', '/evidence'],
      ['/bilaterals/:id/usage', '/usage'],
      ['/bilaterals/:id/reconciliation', '/reconciliation?period=2026-01&service=S1'],
      ['/bilaterals/:id/checkpoints', '/checkpoints'],
      ['/bilaterals/:id/anchors', '/anchors'],
    ] as const
  ).map(
    ([pattern, suffix]): Route => ({
      method: 'GET',
      pattern,
      path: (ids) => `/bilaterals/${ids.bilateral}${suffix}`,
      bilateral: true,
      need: 'read',
      permission: 'bilaterals.read',
    }),
  ),
  {
    method: 'POST',
    pattern: '/bilaterals/:id/sync',
    path: (ids) => `/bilaterals/${ids.bilateral}/sync`,
    bilateral: true,
    need: 'sync',
    permission: 'sync',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/facts',
    path: (ids) => `/bilaterals/${ids.bilateral}/facts`,
    bilateral: true,
    need: 'facts',
    permission: 'facts.record',
    body: (n) => outage(n),
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/usage',
    path: (ids) => `/bilaterals/${ids.bilateral}/usage`,
    bilateral: true,
    need: 'usage',
    permission: 'usage.import',
    body: (n) => [{ id: `u-${n}`, service: 'S1', metric: 'gb', quantity: '5', at: '2026-01-20T00:00:00Z' }],
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/invoices/:period/preview',
    path: (ids) => `/bilaterals/${ids.bilateral}/invoices/2026-01/preview`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/invoices',
    path: (ids) => `/bilaterals/${ids.bilateral}/invoices`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/invoices',
    path: (ids) => `/bilaterals/${ids.bilateral}/invoices`,
    bilateral: true,
    need: 'invoices.issue',
    permission: 'invoices.issue',
    body: (n) => ({ period: month(n) }),
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/notes',
    path: (ids) => `/bilaterals/${ids.bilateral}/notes`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/notes',
    path: (ids) => `/bilaterals/${ids.bilateral}/notes`,
    bilateral: true,
    need: 'invoices.issue',
    permission: 'invoices.issue',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/observations',
    path: (ids) => `/bilaterals/${ids.bilateral}/observations`,
    bilateral: true,
    need: 'facts',
    permission: 'facts.record',
    body: () => ({
      source: 'inventory',
      facts: [{ type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' }],
    }),
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/disputes',
    path: (ids) => `/bilaterals/${ids.bilateral}/disputes`,
    bilateral: true,
    need: 'read',
    permission: 'bilaterals.read',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/disputes/:author/:seq/accept',
    path: (ids) => `/bilaterals/${ids.bilateral}/disputes/${ids.acceptDispute}/accept`,
    bilateral: true,
    need: 'settlement',
    permission: 'settlement.manage',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/disputes/:author/:seq/reject',
    path: (ids) => `/bilaterals/${ids.bilateral}/disputes/${ids.rejectDispute}/reject`,
    bilateral: true,
    need: 'settlement',
    permission: 'settlement.manage',
    body: () => ({ reason: 'not what our systems show' }),
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/checkpoints',
    path: (ids) => `/bilaterals/${ids.bilateral}/checkpoints`,
    bilateral: true,
    need: 'checkpoint',
    permission: 'checkpoints.create',
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/statement',
    path: (ids) => `/bilaterals/${ids.bilateral}/statement?asOf=2026-03-01`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/invoices/:period/ubl',
    path: (ids) => `/bilaterals/${ids.bilateral}/invoices/2026-01/ubl`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/invoices/:period/html',
    path: (ids) => `/bilaterals/${ids.bilateral}/invoices/2026-01/html`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/notes/:period/:n/ubl',
    path: (ids) => `/bilaterals/${ids.bilateral}/notes/2026-01/1/ubl`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
    // The world issues no note: the admin is let through and told none is issued.
    without: { status: 409, code: 'DOCUMENT_NOT_ISSUED' },
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/notes/:period/:n/html',
    path: (ids) => `/bilaterals/${ids.bilateral}/notes/2026-01/1/html`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
    without: { status: 409, code: 'DOCUMENT_NOT_ISSUED' },
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/erp/:file',
    path: (ids) => `/bilaterals/${ids.bilateral}/erp/journal.csv?asOf=2026-05-15`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'POST',
    pattern: '/proofs/verify',
    path: () => '/proofs/verify',
    bilateral: false,
    need: 'proofs',
    permission: 'proofs.read',
    body: (n) => ({ schema: 'not a proof', n }),
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/invoices/:period/explain',
    path: (ids) => `/bilaterals/${ids.bilateral}/invoices/2026-01/explain`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/proof',
    path: (ids) => `/bilaterals/${ids.bilateral}/proof?entry=acme-fiber/1`,
    bilateral: true,
    need: 'proofs',
    permission: 'proofs.read',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/financing/packages',
    path: (ids) => `/bilaterals/${ids.bilateral}/financing/packages`,
    bilateral: true,
    need: 'pledges.manage',
    permission: 'pledges.manage',
    body: () => ({ period: '2026-01' }),
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/assignments',
    path: (ids) => `/bilaterals/${ids.bilateral}/assignments`,
    bilateral: true,
    need: 'pledges.manage',
    permission: 'pledges.manage',
    body: () => ({
      period: '2026-01',
      financier: { id: 'northbank', account: `0x${'11'.repeat(20)}` },
      payTo: 'IBAN NL00 NBNK 0123 4567 89',
    }),
    without: { status: 409, code: 'PLEDGE_UNVERIFIED' },
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/assignments',
    path: (ids) => `/bilaterals/${ids.bilateral}/assignments`,
    bilateral: true,
    need: 'pledges.read',
    permission: 'pledges.read',
  },
  {
    method: 'GET',
    pattern: '/financing/pledges',
    path: () => '/financing/pledges',
    bilateral: false,
    need: 'pledges.read',
    permission: 'pledges.read',
  },
  {
    method: 'GET',
    pattern: '/financing/exposure',
    path: () => '/financing/exposure',
    bilateral: false,
    need: 'pledges.read',
    permission: 'pledges.read',
  },
  {
    method: 'GET',
    pattern: '/netting/:party',
    path: () => '/netting/globex?asOf=2026-03-01',
    bilateral: false,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/payments',
    path: (ids) => `/bilaterals/${ids.bilateral}/payments`,
    bilateral: true,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/payments/:payment/missing',
    path: (ids) => `/bilaterals/${ids.bilateral}/payments/${ids.payment}/missing`,
    bilateral: true,
    need: 'settlement',
    permission: 'settlement.manage',
    body: () => ({ reason: 'not on our bank statement yet' }),
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/payments/:payment/received',
    path: (ids) => `/bilaterals/${ids.bilateral}/payments/${ids.payment}/received`,
    bilateral: true,
    need: 'settlement',
    permission: 'settlement.manage',
  },
  {
    method: 'GET',
    pattern: '/netting-agreements',
    path: () => '/netting-agreements',
    bilateral: false,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'GET',
    pattern: '/netting-agreements/:hash',
    path: (ids) => `/netting-agreements/${ids.agreement}`,
    bilateral: false,
    need: 'invoices.read',
    permission: 'invoices.read',
  },
  {
    method: 'POST',
    pattern: '/netting-agreements/:hash/pay',
    path: (ids) => `/netting-agreements/${ids.agreement}/pay`,
    bilateral: false,
    need: 'settlement',
    permission: 'settlement.manage',
    body: (n) => ({ id: `NET-${n}`, at: new Date().toISOString() }),
  },
  {
    method: 'POST',
    pattern: '/netting-agreements/:hash/payments/:index',
    path: (ids) => `/netting-agreements/${ids.round}/payments/0`,
    bilateral: false,
    need: 'settlement',
    permission: 'settlement.manage',
    body: (n) => ({ reference: `BANK-${n}` }),
  },
  {
    method: 'GET',
    pattern: '/resource-pools',
    path: () => '/resource-pools',
    bilateral: false,
    need: 'resources.read',
    permission: 'resources.read',
  },
  {
    method: 'PUT',
    pattern: '/resource-pools/:pool',
    path: () => '/resource-pools/ams-1',
    bilateral: false,
    need: 'resources.manage',
    permission: 'resources.manage',
    body: (n) => ({ kind: 'capacity', unit: 'Mbps', capacity: String(10000 + n) }),
  },
  {
    method: 'GET',
    pattern: '/resource-pools/:pool',
    path: () => '/resource-pools/ams-1',
    bilateral: false,
    need: 'resources.read',
    permission: 'resources.read',
  },
  {
    method: 'GET',
    pattern: '/resource-pools/:pool/holdings',
    path: () => '/resource-pools/ams-1/holdings',
    bilateral: false,
    need: 'resources.read',
    permission: 'resources.read',
  },
  {
    method: 'GET',
    pattern: '/resource-pools/:pool/availability',
    path: () => '/resource-pools/ams-1/availability?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
    bilateral: false,
    need: 'resources.read',
    permission: 'resources.read',
  },
  {
    method: 'POST',
    pattern: '/netting-rounds',
    path: () => '/netting-rounds',
    bilateral: false,
    need: 'settlement',
    permission: 'settlement.manage',
    body: () => ({ members: ['acme-fiber', 'globex'], currency: 'EUR', period: '2026-03' }),
  },
  {
    method: 'POST',
    pattern: '/netting/:party/settlements',
    path: () => '/netting/globex/settlements',
    bilateral: false,
    need: 'settlement',
    permission: 'settlement.manage',
    body: () => ({ currency: 'EUR' }),
  },
  {
    method: 'GET',
    pattern: '/events',
    path: () => '/events?after=0',
    bilateral: false,
    need: 'events',
    permission: 'events.read',
  },
  {
    method: 'GET',
    pattern: '/hub',
    path: () => '/hub',
    bilateral: false,
    need: 'events',
    permission: 'events.read',
  },
  {
    // The console's event stream; `follow=false` ends it once the backlog is sent.
    method: 'GET',
    pattern: '/events/stream',
    path: () => '/events/stream?after=0&follow=false',
    bilateral: false,
    need: 'events',
    permission: 'events.read',
  },
  {
    method: 'GET',
    pattern: '/whoami',
    path: () => '/whoami',
    bilateral: false,
    need: 'any',
    permission: null,
  },
  {
    method: 'POST',
    pattern: '/hub',
    path: () => '/hub',
    bilateral: false,
    need: 'hub',
    permission: 'events.manage',
    body: () => ({ callback: 'http://127.0.0.1:9/hook', query: { types: ['invoice.issued'] } }),
  },
  {
    method: 'DELETE',
    pattern: '/hub/:id',
    path: (ids) => `/hub/${ids.subscription}`,
    bilateral: false,
    need: 'hub',
    permission: 'events.manage',
  },
  {
    method: 'GET',
    pattern: '/peers',
    path: () => '/peers',
    bilateral: false,
    need: 'peers.read',
    permission: 'peers.read',
  },
  {
    method: 'PUT',
    pattern: '/peers/:party',
    path: () => '/peers/initech',
    bilateral: false,
    need: 'peers.manage',
    permission: 'peers.manage',
    body: (_n, world) => ({ key: world.initechKey, endpoint: 'http://initech.memory', policy: 'approve' }),
  },
  {
    method: 'DELETE',
    pattern: '/peers/:party',
    path: () => '/peers/initech',
    bilateral: false,
    need: 'peers.manage',
    permission: 'peers.manage',
  },
  {
    method: 'GET',
    pattern: '/proposals',
    path: () => '/proposals',
    bilateral: false,
    need: 'proposals.read',
    permission: 'proposals.read',
  },
  {
    method: 'POST',
    pattern: '/proposals/:proposal/accept',
    path: (ids) => `/proposals/${ids.acceptProposal}/accept`,
    bilateral: false,
    need: 'proposals.decide',
    permission: 'proposals.decide',
  },
  {
    method: 'POST',
    pattern: '/proposals/:proposal/decline',
    path: (ids) => `/proposals/${ids.declineProposal}/decline`,
    bilateral: false,
    need: 'proposals.decide',
    permission: 'proposals.decide',
  },
  {
    method: 'GET',
    pattern: '/credentials',
    path: () => '/credentials',
    bilateral: false,
    need: 'credentials',
    permission: 'credentials.manage',
  },
  {
    method: 'POST',
    pattern: '/credentials',
    path: () => '/credentials',
    bilateral: false,
    need: 'credentials',
    permission: 'credentials.manage',
    body: (n) => ({ name: `made ${n}`, role: 'operator' }),
  },
  {
    method: 'POST',
    pattern: '/credentials/:credential/revoke',
    path: (ids) => `/credentials/${ids.revokeCredential}/revoke`,
    bilateral: false,
    need: 'credentials',
    permission: 'credentials.manage',
  },
  {
    method: 'POST',
    pattern: '/credentials/:credential/expire',
    path: (ids) => `/credentials/${ids.expireCredential}/expire`,
    bilateral: false,
    need: 'credentials',
    permission: 'credentials.manage',
  },
  {
    method: 'GET',
    pattern: '/audit',
    path: () => '/audit',
    bilateral: false,
    need: 'audit',
    permission: 'audit.read',
  },
  {
    method: 'GET',
    pattern: '/audit?bilateral=:id',
    path: (ids) => `/audit?bilateral=${ids.bilateral}`,
    bilateral: true,
    need: 'audit',
    permission: 'audit.read',
  },
  // MEF LSO Sonata (docs/sonata.md): ordering records facts; reading orders and products reads the record.
  {
    method: 'POST',
    pattern: '/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10/productOrder',
    path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/productOrderingManagement/v10/productOrder`,
    bilateral: true,
    need: 'facts',
    permission: 'facts.record',
    body: (n) => ({
      relatedContactInformation: [
        { name: 'Ops', emailAddress: 'ops@example.com', number: '1', role: 'productOrderContact' },
      ],
      productOrderItem: [
        {
          id: `i${n}`,
          action: 'add',
          product: {
            productOffering: { id: 'dia' },
            productConfiguration: { '@type': 'urn:smart-bilaterals:sonata:plan', plan: '1G', termMonths: 36 },
          },
        },
      ],
    }),
  },
  {
    method: 'POST',
    pattern:
      '/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10/productOrder/:order/productOrderItem/:item/complete',
    path: (ids) =>
      `/bilaterals/${ids.bilateral}/mefApi/sonata/productOrderingManagement/v10/productOrder/PO-S1/productOrderItem/1/complete`,
    bilateral: true,
    need: 'facts',
    permission: 'facts.record',
    body: () => ({}),
    // S1 of the world is active already: completing its order again is refused as such.
    without: { status: 409, code: 'conflict' },
  },
  ...(
    [
      ['/productOrderingManagement/v10/productOrder', '/productOrderingManagement/v10/productOrder'],
      [
        '/productOrderingManagement/v10/productOrder/:order',
        '/productOrderingManagement/v10/productOrder/PO-S1',
      ],
      ['/productInventory/v7/product', '/productInventory/v7/product'],
      ['/productInventory/v7/product/:product', '/productInventory/v7/product/S1'],
      ['/troubleTicket/v4/incident', '/troubleTicket/v4/incident'],
    ] as const
  ).map(
    ([pattern, suffix]): Route => ({
      method: 'GET',
      pattern: `/bilaterals/:id/mefApi/sonata${pattern}`,
      path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata${suffix}`,
      bilateral: true,
      need: 'read',
      permission: 'bilaterals.read',
    }),
  ),
  // Sonata order cancellation: the world's orders are completed (S1) or cancelled already: refused as such.
  {
    method: 'POST',
    pattern: '/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10/cancelProductOrder',
    path: (ids) =>
      `/bilaterals/${ids.bilateral}/mefApi/sonata/productOrderingManagement/v10/cancelProductOrder`,
    bilateral: true,
    need: 'facts',
    permission: 'facts.record',
    body: () => ({
      productOrder: { productOrderId: 'PO-S1' },
      relatedContactInformation: [{ name: 'Ops', emailAddress: 'ops@acme.example', number: '1', role: 'x' }],
    }),
    without: { status: 422, code: 'invalidValue' },
  },
  ...(
    [
      ['/cancelProductOrder', () => '/cancelProductOrder'],
      ['/cancelProductOrder/:cancel', (ids: Ids) => `/cancelProductOrder/${ids.cancellation}`],
    ] as const
  ).map(
    ([pattern, suffix]): Route => ({
      method: 'GET',
      pattern: `/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10${pattern}`,
      path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/productOrderingManagement/v10${suffix(ids)}`,
      bilateral: true,
      need: 'read',
      permission: 'bilaterals.read',
    }),
  ),
  // Sonata incidents: the Seller's monitoring reports one (an outage fact); reading one by id.
  {
    method: 'POST',
    pattern: '/bilaterals/:id/mefApi/sonata/troubleTicket/v4/incident',
    path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/troubleTicket/v4/incident`,
    bilateral: true,
    need: 'facts',
    permission: 'facts.record',
    body: (n) => {
      const at = `${month(n)}-${String(1 + (n % 28)).padStart(2, '0')}T${String(Math.floor(n / 28) % 24).padStart(2, '0')}`;
      return {
        incidentType: 'repair',
        situationStartDate: `${at}:00:00Z`,
        closedDate: `${at}:30:00Z`,
        relatedEntity: [{ '@referredType': 'Product', id: 'S1', role: 'impactedProduct' }],
      };
    },
  },
  {
    method: 'GET',
    pattern: '/bilaterals/:id/mefApi/sonata/troubleTicket/v4/incident/:incident',
    path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/troubleTicket/v4/incident/${ids.incident}`,
    bilateral: true,
    need: 'read',
    permission: 'bilaterals.read',
  },
  // Customer Bill Management: the world's A has January to April billed.
  ...(
    [
      ['/customerBill', '/customerBill'],
      ['/customerBill/:bill', '/customerBill/2026-01'],
      ['/customerBillItem/:item', '/customerBillItem/2026-01.1'],
    ] as const
  ).map(
    ([pattern, suffix]): Route => ({
      method: 'GET',
      pattern: `/bilaterals/:id/mefApi/sonata/customerBillManagement/v2${pattern}`,
      path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/customerBillManagement/v2${suffix}`,
      bilateral: true,
      need: 'read',
      permission: 'bilaterals.read',
    }),
  ),
  // The Sonata hubs: registering is managing events. Removing one is once only, so its row is not among
  // the bilateral scope's (a scoped credential's hubs are tested in test/sonata-month.test.ts).
  ...(['productOrderingManagement/v10', 'troubleTicket/v4', 'customerBillManagement/v2'] as const).flatMap(
    (api): Route[] => [
      {
        method: 'POST',
        pattern: `/bilaterals/:id/mefApi/sonata/${api}/hub`,
        path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/${api}/hub`,
        bilateral: true,
        need: 'hub',
        permission: 'events.manage',
        body: () => ({ callback: 'http://127.0.0.1:9/sonata' }),
      },
      {
        method: 'GET',
        pattern: `/bilaterals/:id/mefApi/sonata/${api}/hub/:hub`,
        path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/${api}/hub/${ids.sonataHubs[api]}`,
        bilateral: true,
        need: 'events',
        permission: 'events.read',
      },
      {
        method: 'DELETE',
        pattern: `/bilaterals/:id/mefApi/sonata/${api}/hub/:hub`,
        path: (ids) => `/bilaterals/${ids.bilateral}/mefApi/sonata/${api}/hub/${ids.sonataHubs[api]}`,
        bilateral: false,
        need: 'hub',
        permission: 'events.manage',
      },
    ],
  ),
  // TMF635 usage (the Seller's mediation) and TMF676 payments (the Buyer's: refused on the Seller's node).
  {
    method: 'POST',
    pattern: '/bilaterals/:id/tmf-api/usageManagement/v4/usage',
    path: (ids) => `/bilaterals/${ids.bilateral}/tmf-api/usageManagement/v4/usage`,
    bilateral: true,
    need: 'usage',
    permission: 'usage.import',
    body: (n) => ({
      id: `tmf635-${n}`,
      usageDate: '2026-03-02T00:00:00Z',
      usageType: 'gb',
      usageCharacteristic: [
        { name: 'service', value: 'S1' },
        { name: 'quantity', value: '1' },
      ],
    }),
  },
  {
    method: 'POST',
    pattern: '/bilaterals/:id/tmf-api/paymentManagement/v4/payment',
    path: (ids) => `/bilaterals/${ids.bilateral}/tmf-api/paymentManagement/v4/payment`,
    bilateral: true,
    need: 'facts',
    permission: 'facts.record',
    body: (n) => ({ paymentDate: '2026-03-01T00:00:00Z', amount: { unit: 'EUR', value: `${n}.00` } }),
    without: { status: 409, code: 'conflict' },
  },
  ...(
    [
      ['/payment', '/payment'],
      ['/payment/:payment', '/payment/P-W1'],
    ] as const
  ).map(
    ([pattern, suffix]): Route => ({
      method: 'GET',
      pattern: `/bilaterals/:id/tmf-api/paymentManagement/v4${pattern}`,
      path: (ids) => `/bilaterals/${ids.bilateral}/tmf-api/paymentManagement/v4${suffix}`,
      bilateral: true,
      need: 'read',
      permission: 'bilaterals.read',
    }),
  ),
  // Rotating the party's signing key is as node-wide and as sensitive as issuing credentials: admin only. Last:
  // a held proposal made under the old key cannot be accepted after it (the matrix accepts one).
  {
    method: 'POST',
    pattern: '/party/rotate-key',
    path: () => '/party/rotate-key',
    bilateral: false,
    need: 'credentials',
    permission: 'keys.rotate',
  },
];

/** An outage on S1 on a day of its own (n picks the day), valid for the example's terms. */
export function outage(n: number) {
  const day = String(1 + (n % 28)).padStart(2, '0');
  return { type: 'outage', service: 'S1', from: `2026-03-${day}T01:00:00Z`, to: `2026-03-${day}T01:10:00Z` };
}

export interface World {
  readonly network: MemoryNetwork;
  readonly seller: MemoryNode;
  readonly buyer: MemoryNode;
  /** Two bilaterals between the same nodes, on different terms. */
  readonly a: string;
  readonly b: string;
  /** The Buyer's proposals the Seller's node holds for its operator. */
  readonly proposals: readonly [string, string];
  /** A key for a third party to pin. */
  readonly initechKey: string;
  /** The Seller's admin credential (unscoped). */
  readonly admin: string;
  /** A webhook subscription on the Seller's node (to be removed by the table's DELETE). */
  readonly subscription: string;
  /** An outage the Seller recorded in A, as its Sonata incident id. */
  readonly incident: string;
  /** A Sonata hub in A of each API, by the API's base path (`troubleTicket/v4`). */
  readonly sonataHubs: Readonly<Record<string, string>>;
  /** An order the Seller's systems placed in A through Sonata and cancelled. */
  readonly cancellation: string;
  /** Two disputes the Buyer's node raised in A: one to accept, one to reject. */
  readonly disputes: readonly [string, string];
  /** A payment the Buyer recorded in A. */
  readonly payment: string;
  /** A settlement statement (January) where the Seller pays the net, and a round (February) where it pays. */
  readonly agreement: string;
  readonly round: string;
  /** Mints a credential on the Seller's node. */
  issue(role: Role, options?: { bilaterals?: string[] }): Promise<{ id: string; token: string }>;
  /** The Seller's node, idle on both sides (background pushes and answers done). */
  settle(): Promise<void>;
  /** Everything a refused request must leave as it was, on both nodes. */
  state(): Promise<string>;
}

export async function makeWorld(): Promise<World> {
  const network = new MemoryNetwork();
  const seller = await network.add('acme-fiber');
  const buyer = await network.add('globex');
  // The Seller holds the Buyer's proposals for its operator (so there are
  // proposals to decide); the Buyer countersigns the Seller's at once.
  await introduce(seller, buyer, { a: 'approve', b: 'accept' });

  const agree = async (termsId: string) => {
    const created = await seller.call<{ id: string }>('POST', '/bilaterals', {
      terms: { ...exampleTerms(), id: termsId },
      peer: buyer.node.endpoint,
    });
    expect(created.status).toBe(201);
    return created.body.id;
  };
  const a = await agree('msa-a');
  const b = await agree('msa-b');
  for (const id of [a, b]) {
    for (const fact of exampleFacts().slice(0, 2)) {
      const recorded = await seller.call('POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
      expect(recorded.status).toBe(201);
    }
  }
  const hold = async (termsId: string) => {
    const held = await buyer.call<{ status: string; id: string }>('POST', '/bilaterals', {
      terms: swappedTerms(termsId),
      peer: seller.node.endpoint,
    });
    expect(held.status).toBe(202);
    return held.body.id;
  };
  const proposals = [await hold('rev-accept'), await hold('rev-decline')] as const;

  const admin = await seller.node.access.issue({ name: 'world admin', role: 'admin' });
  // The Buyer's systems saw A's activation three hours later, and an outage nobody recorded: two disputes.
  const observed = await buyer.call<{ raised: { id: string }[] }>('POST', `/bilaterals/${a}/observations`, {
    source: 'inventory',
    facts: [
      { type: 'service.activated', service: 'S1', at: '2026-01-15T12:30:00Z' },
      {
        type: 'outage',
        service: 'S1',
        from: '2026-02-20T01:00:00Z',
        to: '2026-02-20T02:00:00Z',
        maintenance: false,
      },
    ],
  });
  expect(observed.body.raised).toHaveLength(2);
  await buyer.node.idle();
  // Globex sells Acme a 10G port in R (Acme's operator accepts the proposal): each month Acme owes
  // more than it is owed in A, so it is the net payer of January's statement and of February's round;
  // March and April are left for the table's own round and statement.
  const trade = await buyer.call<{ id: string }>('POST', '/bilaterals', {
    terms: swappedTerms('rev-trade'),
    peer: seller.node.endpoint,
  });
  expect(trade.status).toBe(202);
  const accepted = await seller.call<{ id: string }>('POST', `/proposals/${trade.body.id}/accept`);
  expect(accepted.status, JSON.stringify(accepted.body)).toBeLessThan(300);
  const r = accepted.body.id;
  for (const fact of reverseServiceFacts()) {
    expect((await buyer.call('POST', `/bilaterals/${r}/facts?wait=replicated`, fact)).status).toBe(201);
  }
  for (const period of ['2026-01', '2026-02', '2026-03', '2026-04']) {
    expect((await seller.call('POST', `/bilaterals/${a}/invoices`, { period })).status).toBe(201);
    expect((await buyer.call('POST', `/bilaterals/${r}/invoices`, { period })).status).toBe(201);
  }
  await buyer.node.idle();
  await seller.node.idle();
  const paid = await buyer.call<{ ref: string }>('POST', `/bilaterals/${a}/facts?wait=replicated`, {
    type: 'payment',
    id: 'P-W1',
    amount: '1.00',
    at: '2026-02-20T10:00:00Z',
  });
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  const agreement = await seller.node.nettingAgreements.settle('globex', {
    currency: 'EUR',
    period: '2026-01',
  });
  const round = await seller.node.nettingAgreements.round({
    members: ['acme-fiber', 'globex'],
    currency: 'EUR',
    period: '2026-02',
  });
  await seller.node.idle();
  await buyer.node.idle();
  const subscription = await seller.node.notifications.subscribe({
    callback: 'http://127.0.0.1:9/world',
    createdBy: admin.credential.id,
  });
  const outage = await seller.call<{ ref: string }>('POST', `/bilaterals/${a}/facts?wait=replicated`, {
    type: 'outage',
    service: 'S1',
    from: '2026-11-05T01:00:00Z',
    to: '2026-11-05T02:00:00Z',
  });
  expect(outage.status, JSON.stringify(outage.body)).toBe(201);
  const sonataHubs: Record<string, string> = {};
  for (const [base, api] of [
    ['productOrderingManagement/v10', 'ordering'],
    ['troubleTicket/v4', 'troubleTicket'],
    ['customerBillManagement/v2', 'billing'],
  ] as const) {
    const hub = await seller.node.sonataHub.register(
      a,
      api,
      { callback: 'http://127.0.0.1:9/sonata' },
      { createdBy: admin.credential.id },
    );
    sonataHubs[base] = hub.id as string;
  }
  const contact = [
    { name: 'Ops', emailAddress: 'ops@acme.example', number: '1', role: 'productOrderContact' },
  ];
  const placed = await seller.node.sonata.createOrder(a, {
    relatedContactInformation: contact,
    productOrderItem: [
      {
        id: '1',
        action: 'add',
        product: {
          productOffering: { id: 'dia' },
          productConfiguration: { '@type': 'urn:smart-bilaterals:sonata:plan', plan: '1G', termMonths: 12 },
        },
      },
    ],
  });
  const cancelled = await seller.node.sonata.cancelOrder(a, {
    productOrder: { productOrderId: placed.id },
    relatedContactInformation: contact,
  });
  const settle = async () => {
    await seller.node.idle();
    await buyer.node.idle();
  };
  return {
    network,
    seller,
    buyer,
    a,
    b,
    proposals,
    initechKey: generateKeyPair().publicKey,
    admin: admin.token,
    subscription: subscription.subscription.id,
    incident: outage.body.ref.replace('/', '.').replace('#', '.'),
    sonataHubs,
    cancellation: cancelled.id as string,
    disputes: observed.body.raised.map((d) => d.id) as [string, string],
    payment: 'P-W1',
    agreement: agreement.hash,
    round: round.hash,
    async issue(role, options = {}) {
      const issued = await seller.node.access.issue({
        name: `${role}${options.bilaterals === undefined ? '' : ' (scoped)'}`,
        role,
        ...(options.bilaterals === undefined ? {} : { bilaterals: options.bilaterals }),
        ...(role === 'financier' ? { party: 'bank-a' } : {}),
      });
      return { id: issued.credential.id, token: issued.token };
    },
    settle,
    async state() {
      await settle();
      const of = async (m: MemoryNode) => ({
        bilaterals: (await m.store.listBilaterals()).map((r) => r.id).sort(),
        entries: await Promise.all(
          [a, b].map(async (id) => (await m.store.listEntries(id)).map((e) => e.hash)),
        ),
        checkpoints: await Promise.all([a, b].map((id) => m.store.listCheckpoints(id))),
        invoices: await Promise.all([a, b].map(async (id) => (await m.node.invoices.list(id)).length)),
        usage: await Promise.all(
          [a, b].map(async (id) => (await m.node.usage.records(id, 'acme-fiber', { limit: 10_000 })).length),
        ),
        credentials: await m.node.access.list(),
        peers: await m.store.listPeers(),
        proposals: await m.store.listProposals({}),
      });
      return JSON.stringify({ seller: await of(seller), buyer: await of(buyer) });
    },
  };
}
