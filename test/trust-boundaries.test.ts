/**
 * Trust boundaries (DESIGN.md decision 8 and the invariants), probed over
 * HTTP on live nodes the way an attacker would: an impostor under the Seller's
 * party id, an unknown party, a flood of proposals, proposals and requests
 * naming endpoints the directory does not hold, replayed and forged peer
 * requests, owner routes looked for on the public listener and the reverse,
 * the owner API without a credential, a counterparty the operator
 * unpinned, and malformed or deeply nested input from callers that did
 * authenticate. Every refusal is checked for its status, its code, and that it
 * changed nothing; the last test asserts no request made a node answer 500.
 * Each group starts its own nodes (no chain: only pinned parties count), so
 * one group's directory changes cannot make another's probe pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce } from '../src/api/index.ts';
import {
  type Entry,
  generateKeyPair,
  type KeyPair,
  type SignedEntry,
  signAgreement,
  signEntry,
  signKeyRotation,
} from '../src/ledger/index.ts';
import { MAX_PENDING_PROPOSALS, MAX_SKEW_MS, PEER_NONCE_HEADER } from '../src/node/index.ts';
import { exampleFacts } from './support.ts';
import {
  type Answer,
  ask,
  countingServer,
  crashes,
  type Method,
  peerCall,
  proposalOf,
  removeFolders,
  restartNode,
  type SignedRequest,
  send,
  signed,
  startNode,
  stopNodes,
  type TestNode,
  termsWithId,
  watch,
  withAuthorization,
} from './trust.fixtures.ts';

const [ordered, activated] = exampleFacts() as [unknown, unknown];

afterAll(removeFolders);

/** What a refusal must leave as it was: the bilaterals, the held proposals and, for one bilateral, its entries. */
async function snapshot(node: TestNode, id?: string) {
  const bilaterals = (await ask(node.running, 'GET', '/bilaterals')).body as { id: string }[];
  const proposals = (await ask(node.running, 'GET', '/proposals')).body as { id: string; status: string }[];
  const entries =
    id === undefined ? undefined : (await ask(node.running, 'GET', `/bilaterals/${id}/entries`)).body;
  return {
    bilaterals: bilaterals.map((b) => b.id).sort(),
    proposals: proposals.map((p) => `${p.id}:${p.status}`).sort(),
    entries: Array.isArray(entries) ? entries.length : entries,
  };
}

/** The code a refusal names: the node's own, or the peer's when the node relays the peer's refusal. */
function refusal(answer: Answer): string | undefined {
  return answer.body?.details?.peerCode ?? answer.body?.code;
}

/** A proposal `from` sends to `to` about new terms: built and agreed to as an honest Seller node would. */
function honestProposal(from: TestNode, to: TestNode, termsId: string, over: { endpoint?: string } = {}) {
  return proposalOf(
    termsWithId(termsId, { seller: from.party, buyer: to.party }),
    { party: from.party, key: from.keys.publicKey },
    { party: to.party, key: to.running.node.publicKey },
    from.keys,
    over.endpoint ?? from.running.node.endpoint,
  );
}

/** The Seller's next entry after the head the Buyer holds: a valid new outage fact, signed with `keys`. */
async function nextSellerEntry(
  buyer: TestNode,
  id: string,
  seller: string,
  keys: KeyPair,
  minute = 0,
): Promise<SignedEntry> {
  const record = await ask(buyer.running, 'GET', `/bilaterals/${id}`);
  const head = record.body.heads[seller] as { seq: number; hash: string };
  const at = (m: number) => new Date(Date.UTC(2026, 2, 1) + m * 60_000).toISOString().replace('.000Z', 'Z');
  const entry: Entry = {
    bilateral: id,
    author: seller,
    seq: head.seq + 1,
    prev: head.hash,
    seen: null,
    kind: 'fact',
    body: { type: 'outage', service: 'S1', from: at(minute), to: at(minute + 1), maintenance: true },
    recordedAt: new Date().toISOString(),
  };
  return signEntry(entry, keys);
}

/** Creates an agreed bilateral (buyer's policy: accept) and records the order and activation of S1 on it. */
async function agreedWithService(seller: TestNode, buyer: TestNode, termsId: string): Promise<string> {
  const created = await ask(seller.running, 'POST', '/bilaterals', { terms: termsWithId(termsId) });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await ask(buyer.running, 'GET', `/bilaterals/${id}`)).body.role).toBe('buyer');
  for (const fact of [ordered, activated]) {
    const recorded = await ask(seller.running, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    expect([recorded.status, recorded.body.replicated]).toEqual([201, true]);
  }
  return id;
}

describe('counterparty identity comes only from the directory', () => {
  let seller: TestNode;
  let buyer: TestNode;
  let stranger: TestNode;
  let impostor: TestNode;
  let sellerPeer: { paths: string[] };
  let id: string;

  beforeAll(async () => {
    seller = await startNode('acme-fiber');
    buyer = await startNode('globex');
    // The stranger is pinned nowhere; the impostor runs under the real Seller's party id with its own key.
    stranger = await startNode('initech');
    impostor = await startNode('acme-fiber');
    await introduce(seller.running, buyer.running);
    // All either of them needs to try: the Buyer's public key and endpoint, pinned on their side.
    for (const node of [stranger, impostor]) {
      const pinned = await ask(node.running, 'PUT', '/peers/globex', {
        key: buyer.running.node.publicKey,
        endpoint: buyer.running.node.endpoint,
        policy: 'accept',
      });
      expect(pinned.status).toBe(200);
    }
    sellerPeer = watch(seller.running, 'peer');
    id = await agreedWithService(seller, buyer, 'msa-trust-directory');
  });

  afterAll(() => stopNodes([seller, buyer, stranger, impostor]));

  describe('1. an impostor under the Seller’s party id, with a fresh key', () => {
    it('its node proposing to the Buyer is refused and the Buyer stores nothing', async () => {
      const before = await snapshot(buyer);
      const refused = await ask(impostor.running, 'POST', '/bilaterals', {
        terms: termsWithId('msa-impostor'),
      });
      // The impostor's own node relays the Buyer's refusal.
      expect([refused.status, refused.body.code]).toEqual([502, 'PEER_REJECTED']);
      expect(['PEER_UNAUTHENTICATED', 'PEER_KEY_MISMATCH']).toContain(refused.body.details?.peerCode);
      expect(await snapshot(buyer)).toEqual(before);
    });

    type Which = 'fresh' | 'real';
    const impostorProbes: [string, number, string, Which, Which][] = [
      ['request and genesis under the fresh key', 401, 'PEER_UNAUTHENTICATED', 'fresh', 'fresh'],
      [
        'request under the fresh key, genesis binding the real key',
        401,
        'PEER_UNAUTHENTICATED',
        'fresh',
        'real',
      ],
      // Only someone holding the real key gets past the request check; the genesis must still bind it.
      [
        'request under the real key, genesis binding the fresh key',
        422,
        'PEER_KEY_MISMATCH',
        'real',
        'fresh',
      ],
    ];
    it.each(impostorProbes)(
      'hand-signed: %s → %i %s, nothing stored',
      async (_name, status, code, requestKey, genesisKey) => {
        const before = await snapshot(buyer);
        const keyOf = (which: Which) => (which === 'fresh' ? impostor.keys : seller.keys);
        const { proposal } = proposalOf(
          termsWithId(`msa-impostor-${requestKey}-${genesisKey}`),
          { party: 'acme-fiber', key: keyOf(genesisKey).publicKey },
          { party: 'globex', key: buyer.running.node.publicKey },
          keyOf(genesisKey),
          seller.running.node.endpoint,
        );
        const refused = await peerCall(
          buyer.running.peerUrl,
          'POST',
          '/peer/proposals',
          'acme-fiber',
          keyOf(requestKey),
          proposal,
        );
        expect([refused.status, refused.body.code]).toEqual([status, code]);
        expect(await snapshot(buyer)).toEqual(before);
      },
    );

    it('cannot read or write the real bilateral', async () => {
      const before = await snapshot(buyer, id);
      const heads = await peerCall(
        buyer.running.peerUrl,
        'GET',
        `/peer/bilaterals/${id}/heads`,
        'acme-fiber',
        impostor.keys,
      );
      expect([heads.status, heads.body.code]).toEqual([401, 'PEER_UNAUTHENTICATED']);
      const entry = await nextSellerEntry(buyer, id, 'acme-fiber', impostor.keys);
      const write = await peerCall(
        buyer.running.peerUrl,
        'POST',
        `/peer/bilaterals/${id}/entries`,
        'acme-fiber',
        impostor.keys,
        { entries: [entry] },
      );
      expect([write.status, write.body.code]).toEqual([401, 'PEER_UNAUTHENTICATED']);
      expect(await snapshot(buyer, id)).toEqual(before);
    });
  });

  describe('2. a party the Buyer does not know', () => {
    it('its node proposing is refused PEER_UNKNOWN and nothing is stored', async () => {
      const before = await snapshot(buyer);
      const refused = await ask(stranger.running, 'POST', '/bilaterals', {
        terms: termsWithId('msa-stranger', { seller: 'initech' }),
      });
      expect([refused.status, refused.body.code, refused.body.details?.peerCode]).toEqual([
        502,
        'PEER_REJECTED',
        'PEER_UNKNOWN',
      ]);
      expect(await snapshot(buyer)).toEqual(before);
    });

    it('hand-signed proposals, and an agreement, of unknown parties → 403 PEER_UNKNOWN, nothing stored', async () => {
      const before = await snapshot(buyer);
      const { id: proposed, proposal } = honestProposal(stranger, buyer, 'msa-stranger-hand');
      const asStranger = await peerCall(
        buyer.running.peerUrl,
        'POST',
        '/peer/proposals',
        'initech',
        stranger.keys,
        proposal,
      );
      expect([asStranger.status, asStranger.body.code]).toEqual([403, 'PEER_UNKNOWN']);
      const nobody = await peerCall(
        buyer.running.peerUrl,
        'POST',
        '/peer/proposals',
        'nobody',
        generateKeyPair(),
        proposal,
      );
      expect([nobody.status, nobody.body.code]).toEqual([403, 'PEER_UNKNOWN']);
      const agreement = await peerCall(
        buyer.running.peerUrl,
        'POST',
        '/peer/agreements',
        'initech',
        stranger.keys,
        { id: proposed, buyerSig: 'x' },
      );
      expect([agreement.status, agreement.body.code]).toEqual([403, 'PEER_UNKNOWN']);
      expect(await snapshot(buyer)).toEqual(before);
    });
  });

  describe('4. the node calls a counterparty only at the endpoint its directory holds', () => {
    let trap: Awaited<ReturnType<typeof countingServer>>;

    beforeAll(async () => {
      trap = await countingServer();
    });
    afterAll(() => trap.close());

    it.each([
      ['a closed port', () => 'http://127.0.0.1:9/evil'],
      ['a server that counts its callers', () => trap.url],
    ])(
      'a proposal naming %s → 422 PEER_ENDPOINT_MISMATCH, nothing stored, never called',
      async (_name, where) => {
        const before = await snapshot(buyer);
        const { proposal } = honestProposal(seller, buyer, `msa-elsewhere-${where()}`, { endpoint: where() });
        const refused = await peerCall(
          buyer.running.peerUrl,
          'POST',
          '/peer/proposals',
          'acme-fiber',
          seller.keys,
          proposal,
        );
        expect([refused.status, refused.body.code]).toEqual([422, 'PEER_ENDPOINT_MISMATCH']);
        expect(await snapshot(buyer)).toEqual(before);
        expect(trap.requests()).toBe(0);
      },
    );

    it('POST /bilaterals with `peer` other than the directory endpoint → 422 PEER_ENDPOINT_MISMATCH, never called', async () => {
      const before = await snapshot(seller);
      const refused = await ask(seller.running, 'POST', '/bilaterals', {
        terms: termsWithId('msa-peer-elsewhere'),
        peer: trap.url,
      });
      expect([refused.status, refused.body.code]).toEqual([422, 'PEER_ENDPOINT_MISMATCH']);
      // A buyer the directory does not hold is unknown, whatever `peer` says.
      const unknown = await ask(seller.running, 'POST', '/bilaterals', {
        terms: termsWithId('msa-peer-unknown', { buyer: 'initech' }),
        peer: trap.url,
      });
      expect([unknown.status, unknown.body.code]).toEqual([403, 'PEER_UNKNOWN']);
      expect(await snapshot(seller)).toEqual(before);
      expect(await snapshot(buyer)).toMatchObject({ bilaterals: [id] });
      expect(trap.requests()).toBe(0);
    });

    it('after the accepted proposal, the Buyer replicates to the pinned endpoint only', async () => {
      const seen = sellerPeer.paths.length;
      const recorded = await ask(buyer.running, 'POST', `/bilaterals/${id}/facts?wait=replicated`, {
        type: 'outage',
        service: 'S1',
        from: '2026-02-10T00:00:00Z',
        to: '2026-02-10T01:00:00Z',
        maintenance: false,
      });
      expect([recorded.status, recorded.body.replicated]).toEqual([201, true]);
      const synced = await ask(buyer.running, 'POST', `/bilaterals/${id}/sync`);
      expect(synced.status).toBe(200);
      expect(sellerPeer.paths.slice(seen)).toContain(`POST /peer/bilaterals/${id}/entries`);
      expect(trap.requests()).toBe(0);
    });
  });

  describe('7. what held before still holds on a bilateral’s peer routes', () => {
    const path = () => `/peer/bilaterals/${id}/entries`;
    const umbrella = generateKeyPair();

    beforeAll(async () => {
      // A third party the Buyer does know (pinned), but that is not this bilateral's counterparty.
      await buyer.running.node.peering.pin({
        party: 'umbrella',
        key: umbrella.publicKey,
        endpoint: 'http://127.0.0.1:9',
        policy: 'approve',
      });
    });

    // 10 minutes is outside the window whatever the receiver's rounding.
    const later = (ms: number) => new Date(Date.now() + ms);
    it('the skew window is shorter than the 10 minutes probed', () => {
      expect(MAX_SKEW_MS).toBeLessThan(10 * 60_000);
    });
    const probes: [string, () => Promise<SignedRequest>, number, string][] = [
      ['a third party pinned nowhere', () => sign('initech', stranger.keys), 403, 'PEER_FORBIDDEN'],
      ['a third party the Buyer has pinned', () => sign('umbrella', umbrella), 403, 'PEER_FORBIDDEN'],
      [
        'the Seller’s id with a forged signature',
        () => sign('acme-fiber', generateKeyPair()),
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'a body altered after signing',
        () => sign('acme-fiber', seller.keys, { alter: true }),
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'a clock 10 minutes behind',
        () => sign('acme-fiber', seller.keys, { now: later(-10 * 60_000) }),
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'a clock 10 minutes ahead',
        () => sign('acme-fiber', seller.keys, { now: later(10 * 60_000) }),
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'no nonce',
        () => sign('acme-fiber', seller.keys, { headers: { [PEER_NONCE_HEADER]: undefined } }),
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'a nonce that is not 16 bytes',
        () => sign('acme-fiber', seller.keys, { headers: { [PEER_NONCE_HEADER]: 'abc' } }),
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'a nonce replaced after signing',
        () => sign('acme-fiber', seller.keys, { headers: { [PEER_NONCE_HEADER]: 'A'.repeat(22) } }),
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'a signature made for another path',
        async () => {
          const other = signed(
            buyer.running.peerUrl,
            'POST',
            `/peer/bilaterals/${id}/checkpoints`,
            'acme-fiber',
            seller.keys,
            { entries: [await nextSellerEntry(buyer, id, 'acme-fiber', seller.keys)] },
          );
          return { ...other, url: new URL(path(), buyer.running.peerUrl).toString() };
        },
        401,
        'PEER_UNAUTHENTICATED',
      ],
      [
        'no signature at all',
        async () => ({
          ...(await sign('acme-fiber', seller.keys)),
          headers: { 'content-type': 'application/json' },
        }),
        401,
        'PEER_UNAUTHENTICATED',
      ],
    ];

    /** A write of a valid new Seller entry, signed as `party` with `keys` (and then spoiled as asked). */
    async function sign(
      party: string,
      keys: KeyPair,
      options: { now?: Date; alter?: boolean; headers?: Record<string, string | undefined> } = {},
    ): Promise<SignedRequest> {
      const entry = await nextSellerEntry(buyer, id, 'acme-fiber', seller.keys);
      const body = { entries: [entry] };
      return signed(buyer.running.peerUrl, 'POST', path(), party, keys, body, {
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...(options.alter ? { sentBody: JSON.stringify({ entries: [entry, entry] }) } : {}),
      });
    }

    it.each(probes.map(([name, make, status, code]) => [name, status, code, make] as const))(
      '%s → %i %s, nothing applied',
      async (_name, status, code, make) => {
        const before = await snapshot(buyer, id);
        const refused = await send(await make());
        expect([refused.status, refused.body.code]).toEqual([status, code]);
        expect(await snapshot(buyer, id)).toEqual(before);
      },
    );

    it('a third party learns nothing of which bilaterals exist: the same 403 for a real id and a made-up one', async () => {
      const answers = [];
      for (const which of [id, 'ab'.repeat(32)]) {
        const answer = await peerCall(
          buyer.running.peerUrl,
          'GET',
          `/peer/bilaterals/${which}/heads`,
          'initech',
          stranger.keys,
        );
        answers.push([answer.status, answer.body.code]);
      }
      expect(answers).toEqual([
        [403, 'PEER_FORBIDDEN'],
        [403, 'PEER_FORBIDDEN'],
      ]);
    });

    it('the counterparty itself, correctly signed, is served', async () => {
      const heads = await peerCall(
        buyer.running.peerUrl,
        'GET',
        `/peer/bilaterals/${id}/heads`,
        'acme-fiber',
        seller.keys,
      );
      expect(heads.status).toBe(200);
      expect(heads.body['acme-fiber'].seq).toBeGreaterThan(0);
    });
  });

  describe('8. two listeners, and the owner API only with a credential', () => {
    const ownerPaths = (): [Method, string][] => [
      ['GET', '/party'],
      ['POST', '/party/rotate-key'],
      ['GET', '/bilaterals'],
      ['POST', '/bilaterals'],
      ['GET', `/bilaterals/${id}`],
      ['GET', `/bilaterals/${id}/entries`],
      ['GET', `/bilaterals/${id}/evidence`],
      ['POST', `/bilaterals/${id}/sync`],
      ['POST', `/bilaterals/${id}/facts?wait=replicated`],
      ['POST', `/bilaterals/${id}/usage`],
      ['GET', `/bilaterals/${id}/usage`],
      ['GET', `/bilaterals/${id}/reconciliation`],
      ['GET', `/bilaterals/${id}/invoices`],
      ['POST', `/bilaterals/${id}/invoices`],
      ['GET', `/bilaterals/${id}/invoices/2026-01/preview`],
      ['GET', `/bilaterals/${id}/checkpoints`],
      ['POST', `/bilaterals/${id}/checkpoints`],
      ['GET', `/bilaterals/${id}/anchors`],
      ['GET', `/bilaterals/${id}/proof?invoice=2026-01`],
      ['GET', '/peers'],
      ['PUT', '/peers/umbrella'],
      ['DELETE', '/peers/globex'],
      ['GET', '/proposals'],
      ['POST', `/proposals/${id}/accept`],
      ['POST', `/proposals/${id}/decline`],
      ['GET', '/credentials'],
      ['POST', '/credentials'],
      ['POST', '/credentials/c1/revoke'],
      ['POST', '/credentials/c1/expire'],
      ['GET', '/audit'],
    ];

    it('no owner route exists on the peer listener, not even with the admin token', async () => {
      const before = await snapshot(seller, id);
      const peers = (await ask(seller.running, 'GET', '/peers')).body;
      const token = `Bearer ${seller.running.adminToken}`;
      for (const [method, path] of ownerPaths()) {
        const body = method === 'GET' || method === 'DELETE' ? undefined : {};
        for (const authorization of [undefined, token]) {
          const answer = await withAuthorization(seller.running.peerUrl, authorization, method, path, body);
          expect([method, path, answer.status, answer.body?.code]).toEqual([method, path, 404, 'NOT_FOUND']);
        }
      }
      expect(await snapshot(seller, id)).toEqual(before);
      expect((await ask(seller.running, 'GET', '/peers')).body).toEqual(peers);
    });

    it('no peer route exists on the owner listener', async () => {
      const paths: ['GET' | 'POST', string][] = [
        ['GET', '/peer/identity'],
        ['POST', '/peer/proposals'],
        ['POST', '/peer/agreements'],
        ['GET', `/peer/bilaterals/${id}/heads`],
        ['GET', `/peer/bilaterals/${id}/entries`],
        ['POST', `/peer/bilaterals/${id}/entries`],
        ['POST', `/peer/bilaterals/${id}/checkpoints`],
        ['GET', `/peer/bilaterals/${id}/usage-batches/1/records`],
      ];
      const before = await snapshot(buyer, id);
      for (const [method, path] of paths) {
        // Correctly signed by the counterparty, with and without the owner's admin token.
        const body = method === 'GET' ? undefined : { entries: [] };
        const plain = await send(signed(buyer.running.url, method, path, 'acme-fiber', seller.keys, body));
        expect([method, path, plain.status, plain.body?.code]).toEqual([method, path, 404, 'NOT_FOUND']);
        const withToken = await withAuthorization(
          buyer.running.url,
          `Bearer ${buyer.running.adminToken}`,
          method,
          path,
          body,
        );
        expect([method, path, withToken.status, withToken.body?.code]).toEqual([
          method,
          path,
          404,
          'NOT_FOUND',
        ]);
      }
      expect(await snapshot(buyer, id)).toEqual(before);
    });

    it.each([
      ['no Authorization', 'CREDENTIAL_MISSING', undefined],
      ['a garbage bearer token', 'CREDENTIAL_INVALID', 'Bearer sb_garbage'],
      ['Basic credentials', 'CREDENTIAL_INVALID', 'Basic YWRtaW46YWRtaW4='],
      ['a 5,000-character token', 'CREDENTIAL_INVALID', 'Bearer x'.padEnd(5000, 'x')],
    ] as const)('the owner API with %s → 401 %s, nothing changed', async (_name, code, authorization) => {
      const before = await snapshot(seller, id);
      const writes: [Method, string, unknown][] = [
        [
          'POST',
          `/bilaterals/${id}/facts?wait=replicated`,
          { type: 'outage', service: 'S1', from: '2026-02-11T00:00:00Z' },
        ],
        ['POST', `/bilaterals/${id}/usage`, [{ service: 'S1', quantity: '1' }]],
        ['POST', `/bilaterals/${id}/invoices`, { period: '2026-01' }],
        ['GET', `/bilaterals/${id}/entries`, undefined],
        ['GET', '/bilaterals', undefined],
        ['POST', '/bilaterals', { terms: termsWithId('msa-no-credential') }],
        ['PUT', '/peers/umbrella', { key: generateKeyPair().publicKey, endpoint: 'http://127.0.0.1:9' }],
        ['DELETE', '/peers/globex', undefined],
        ['POST', '/credentials', { name: 'me', role: 'admin' }],
      ];
      for (const [method, path, body] of writes) {
        const refused = await withAuthorization(seller.running.url, authorization, method, path, body);
        expect([method, path, refused.status, refused.body?.code]).toEqual([method, path, 401, code]);
      }
      expect(await snapshot(seller, id)).toEqual(before);
    });

    it('pinning refuses bad input with 400, never 500', async () => {
      const before = (await ask(buyer.running, 'GET', '/peers')).body;
      const key = generateKeyPair().publicKey;
      const bad: [string, unknown][] = [
        ['umbrella', { key: 'not-a-key', endpoint: 'http://127.0.0.1:9', policy: 'accept' }],
        ['umbrella', { key, endpoint: 'ftp://127.0.0.1:9', policy: 'accept' }],
        ['umbrella', { key, endpoint: 'javascript:alert(1)', policy: 'accept' }],
        ['umbrella', { key, endpoint: 42, policy: 'accept' }],
        ['umbrella', { key, endpoint: 'http://127.0.0.1:9', policy: 'always' }],
        ['globex', { key, endpoint: 'http://127.0.0.1:9', policy: 'accept' }],
        ['umbrella', []],
      ];
      for (const [party, body] of bad) {
        const refused = await ask(buyer.running, 'PUT', `/peers/${party}`, body);
        expect([JSON.stringify(body), refused.status, refused.body.code]).toEqual([
          JSON.stringify(body),
          400,
          'BAD_REQUEST',
        ]);
      }
      expect((await ask(buyer.running, 'GET', '/peers')).body).toEqual(before);
    });
  });

  describe('malformed input from authenticated callers (counterparty or owner) is refused with a code, never a 500', () => {
    it.each([
      ['from=abc', 400],
      ['from=1&from=2', 400],
      ['limit=-1', 400],
      ['author=acme-fiber&author=globex', 400],
    ] as const)('GET /peer/bilaterals/:id/entries?%s → %i', async (query, status) => {
      const answer = await peerCall(
        buyer.running.peerUrl,
        'GET',
        `/peer/bilaterals/${id}/entries?${query}`,
        'acme-fiber',
        seller.keys,
      );
      expect([answer.status, typeof answer.body?.code]).toEqual([status, 'string']);
    });

    it.each([
      ['author=acme-fiber&author=globex', 400],
      ['from=1&from=2', 400],
    ] as const)('the owner API: GET /bilaterals/:id/entries?%s → %i', async (query, status) => {
      const answer = await ask(buyer.running, 'GET', `/bilaterals/${id}/entries?${query}`);
      expect([answer.status, typeof answer.body?.code]).toEqual([status, 'string']);
    });

    it('entries that are not entries are each refused, nothing applied', async () => {
      const before = await snapshot(buyer, id);
      for (const entries of [[null], [1], ['x'], [{}], [{ entry: null, key: 1, sig: [] }], [[]]]) {
        const answer = await peerCall(
          buyer.running.peerUrl,
          'POST',
          `/peer/bilaterals/${id}/entries`,
          'acme-fiber',
          seller.keys,
          { entries },
        );
        expect(answer.status, JSON.stringify(entries)).toBeLessThan(500);
        if (answer.status === 200) expect(answer.body[0]?.status).toBe('rejected');
      }
      expect(await snapshot(buyer, id)).toEqual(before);
    });

    it('checkpoints that are not checkpoints are refused with a 4xx', async () => {
      for (const body of [{}, [], 'x', { checkpoint: null }, { checkpoint: {}, sigs: {} }]) {
        const answer = await peerCall(
          buyer.running.peerUrl,
          'POST',
          `/peer/bilaterals/${id}/checkpoints`,
          'acme-fiber',
          seller.keys,
          body,
        );
        expect([JSON.stringify(body), answer.status < 500, typeof answer.body?.code]).toEqual([
          JSON.stringify(body),
          true,
          'string',
        ]);
      }
      const checkpoints = await ask(buyer.running, 'GET', `/bilaterals/${id}/checkpoints`);
      expect(checkpoints.body).toEqual([]);
    });

    it('usage records of a batch that does not exist, or of a seq that is not a number → 4xx', async () => {
      for (const seq of ['abc', '999999', '-1']) {
        const answer = await peerCall(
          buyer.running.peerUrl,
          'GET',
          `/peer/bilaterals/${id}/usage-batches/${seq}/records`,
          'acme-fiber',
          seller.keys,
        );
        expect([seq, answer.status < 500]).toEqual([seq, true]);
      }
    });

    it('a forged key-rotation chain does not make a fresh key the Seller’s', async () => {
      // What a node sends after rotating (x-sb-key-chain, base64url JSON of {oldKey, newKey, sig}):
      // here "rotated" from the real key to the impostor's, signed by the impostor, and garbage.
      const link = {
        oldKey: seller.keys.publicKey,
        newKey: impostor.keys.publicKey,
        sig: signKeyRotation(
          { party: 'acme-fiber', oldKey: impostor.keys.publicKey, newKey: seller.keys.publicKey },
          impostor.keys,
        ),
      };
      const chains = [
        Buffer.from(JSON.stringify([link])).toString('base64url'),
        Buffer.from(JSON.stringify([{ ...link, sig: 5 }, { oldKey: null }])).toString('base64url'),
        Buffer.from(JSON.stringify({ length: 1, 0: link })).toString('base64url'),
        '%%%not base64%%%',
        'x'.repeat(5000),
      ];
      const before = await snapshot(buyer, id);
      for (const chain of chains) {
        const entry = await nextSellerEntry(buyer, id, 'acme-fiber', impostor.keys);
        const answer = await peerCall(
          buyer.running.peerUrl,
          'POST',
          `/peer/bilaterals/${id}/entries`,
          'acme-fiber',
          impostor.keys,
          { entries: [entry] },
          { headers: { 'x-sb-key-chain': chain } },
        );
        expect([chain.slice(0, 20), answer.status, answer.body.code]).toEqual([
          chain.slice(0, 20),
          401,
          'PEER_UNAUTHENTICATED',
        ]);
        const { proposal } = honestProposal(impostor, buyer, 'msa-forged-chain');
        const proposed = await peerCall(
          buyer.running.peerUrl,
          'POST',
          '/peer/proposals',
          'acme-fiber',
          impostor.keys,
          proposal,
          { headers: { 'x-sb-key-chain': chain } },
        );
        expect([chain.slice(0, 20), proposed.status, proposed.body.code]).toEqual([
          chain.slice(0, 20),
          401,
          'PEER_UNAUTHENTICATED',
        ]);
      }
      expect(await snapshot(buyer, id)).toEqual(before);
    });

    /**
     * JSON nested 10,000 levels deep (about 60 KB, far under the body limit):
     * each route must refuse it with a 4xx, not run out of stack into a 500.
     */
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const deepProbes: [string, () => Promise<Answer>][] = [
      [
        'a pinned Seller’s proposal, deep inside its terms (peer API)',
        () => {
          const { proposal } = honestProposal(seller, buyer, 'msa-deep');
          const text = JSON.stringify(proposal).replace('"title":', `"x":${deep},"title":`);
          expect(text).toContain(deep);
          return peerCall(
            buyer.running.peerUrl,
            'POST',
            '/peer/proposals',
            'acme-fiber',
            seller.keys,
            undefined,
            {
              raw: text,
            },
          );
        },
      ],
      [
        'the counterparty’s entries (peer API)',
        () =>
          peerCall(
            buyer.running.peerUrl,
            'POST',
            `/peer/bilaterals/${id}/entries`,
            'acme-fiber',
            seller.keys,
            undefined,
            {
              raw: `{"entries":[${deep}]}`,
            },
          ),
      ],
      [
        'the counterparty’s checkpoint (peer API)',
        () =>
          peerCall(
            buyer.running.peerUrl,
            'POST',
            `/peer/bilaterals/${id}/checkpoints`,
            'acme-fiber',
            seller.keys,
            undefined,
            {
              raw: `{"checkpoint":${deep}}`,
            },
          ),
      ],
      [
        'the Buyer’s agreement (peer API)',
        () =>
          peerCall(seller.running.peerUrl, 'POST', '/peer/agreements', 'globex', buyer.keys, undefined, {
            raw: `{"id":${deep},"buyerSig":"x"}`,
          }),
      ],
      [
        'terms to propose (owner API)',
        () =>
          owner(
            seller,
            'POST',
            '/bilaterals',
            JSON.stringify({ terms: termsWithId('msa-deep-owner') }).replace(
              '"title":',
              `"x":${deep},"title":`,
            ),
          ),
      ],
      [
        'a fact (owner API)',
        () =>
          owner(
            seller,
            'POST',
            `/bilaterals/${id}/facts?wait=replicated`,
            `{"type":"outage","service":"S1","from":"2026-02-14T00:00:00Z","to":"2026-02-14T01:00:00Z","maintenance":false,"x":${deep}}`,
          ),
      ],
      ['a directory entry (owner API)', () => owner(seller, 'PUT', '/peers/umbrella', deep)],
    ];

    /** An owner API request with the admin token and a body sent as it is. */
    function owner(node: TestNode, method: 'POST' | 'PUT', path: string, text: string): Promise<Answer> {
      return send({
        url: new URL(path, node.running.url).toString(),
        method,
        headers: { authorization: `Bearer ${node.running.adminToken}`, 'content-type': 'application/json' },
        body: text,
      });
    }

    it('JSON nested 10,000 deep in usage (owner API) → 422 BODY_TOO_DEEP for the whole body, nothing stored', async () => {
      const before = await snapshot(seller, id);
      const answer = await owner(seller, 'POST', `/bilaterals/${id}/usage`, `[${deep}]`);
      expect([answer.status, answer.body.code]).toEqual([422, 'BODY_TOO_DEEP']);
      expect(await snapshot(seller, id)).toEqual(before);
    });

    it.each(deepProbes)('JSON nested 10,000 deep in %s → 4xx, nothing changed', async (_name, probe) => {
      const before = { seller: await snapshot(seller, id), buyer: await snapshot(buyer, id) };
      const answer = await probe();
      // Soft, so a 500 is reported and the test still checks that nothing was stored.
      expect.soft(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
      expect.soft(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
      expect({ seller: await snapshot(seller, id), buyer: await snapshot(buyer, id) }).toEqual(before);
    });
  });

  describe('malformed proposals from a pinned party are refused with a code, never a 500', () => {
    it.each([
      ['no body', 400, undefined],
      ['an array', 400, []],
      ['a genesis that is a string', 400, { genesis: 'x', sellerSig: 'x', endpoint: 'x' }],
      ['an empty genesis', 422, { genesis: {}, sellerSig: 'x', endpoint: 'x' }],
      ['no seller signature', 400, { genesis: { seller: { id: 'acme-fiber' } } }],
    ] as const)('%s → %i', async (_name, status, body) => {
      const before = await snapshot(buyer);
      const refused = await peerCall(
        buyer.running.peerUrl,
        'POST',
        '/peer/proposals',
        'acme-fiber',
        seller.keys,
        body,
      );
      expect(refused.status).toBe(status);
      expect(typeof refused.body.code).toBe('string');
      expect(await snapshot(buyer)).toEqual(before);
    });

    it('a genesis whose terms do not parse, or whose parts were changed after signing → 422, nothing stored', async () => {
      const before = await snapshot(buyer);
      const { proposal } = honestProposal(seller, buyer, 'msa-malformed');
      const variants = [
        { ...proposal, genesis: { ...proposal.genesis, terms: { id: 'x' } } },
        { ...proposal, genesis: { ...proposal.genesis, termsHash: 'ab'.repeat(32) } },
        {
          ...proposal,
          genesis: { ...proposal.genesis, buyer: { id: 'globex', key: generateKeyPair().publicKey } },
        },
        { ...proposal, sellerSig: honestProposal(seller, buyer, 'msa-other').proposal.sellerSig },
        { ...proposal, genesis: { ...proposal.genesis, terms: termsWithId('msa-swapped') } },
      ];
      for (const variant of variants) {
        const refused = await peerCall(
          buyer.running.peerUrl,
          'POST',
          '/peer/proposals',
          'acme-fiber',
          seller.keys,
          variant,
        );
        expect(refused.status).toBe(422);
      }
      expect(await snapshot(buyer)).toEqual(before);
    });

    it('an agreement the Buyer never made is refused at the Seller, nothing stored', async () => {
      const before = await snapshot(seller);
      const garbage = await peerCall(
        seller.running.peerUrl,
        'POST',
        '/peer/agreements',
        'globex',
        buyer.keys,
        {
          id: 'ab'.repeat(32),
          buyerSig: 'x',
        },
      );
      expect([garbage.status, garbage.body.code]).toEqual([404, 'NOT_FOUND']);
      const shapeless = await peerCall(
        seller.running.peerUrl,
        'POST',
        '/peer/agreements',
        'globex',
        buyer.keys,
        [],
      );
      expect([shapeless.status, shapeless.body.code]).toEqual([400, 'BAD_REQUEST']);
      expect(await snapshot(seller)).toEqual(before);
    });
  });
});

describe('proposals wait for the Buyer’s operator', () => {
  let seller: TestNode;
  let buyer: TestNode;

  beforeAll(async () => {
    seller = await startNode('acme-fiber');
    buyer = await startNode('globex');
    // b: what the Buyer does with the Seller's proposals — hold them.
    await introduce(seller.running, buyer.running, { b: 'approve' });
  });

  afterAll(() => stopNodes([seller, buyer]));

  async function propose(termsId: string): Promise<string> {
    const pending = await ask(seller.running, 'POST', '/bilaterals', { terms: termsWithId(termsId) });
    expect([pending.status, pending.body.status]).toEqual([202, 'pending']);
    return pending.body.id as string;
  }

  it('5. pending, then accepted by the operator: both nodes hold the bilateral; a second accept → 409', async () => {
    const id = await propose('msa-approve-1');
    expect((await ask(seller.running, 'GET', `/bilaterals/${id}`)).status).toBe(404);
    expect((await ask(buyer.running, 'GET', `/bilaterals/${id}`)).status).toBe(404);
    const held = await ask(buyer.running, 'GET', '/proposals?status=pending');
    expect(held.body).toEqual([expect.objectContaining({ id, party: 'acme-fiber', status: 'pending' })]);

    const accepted = await ask(buyer.running, 'POST', `/proposals/${id}/accept`);
    expect([accepted.status, accepted.body.status]).toEqual([200, 'accepted']);
    for (const [node, role] of [
      [seller, 'seller'],
      [buyer, 'buyer'],
    ] as const) {
      const record = await ask(node.running, 'GET', `/bilaterals/${id}`);
      expect([record.status, record.body.role]).toEqual([200, role]);
    }
    const again = await ask(buyer.running, 'POST', `/proposals/${id}/accept`);
    expect([again.status, again.body.code]).toEqual([409, 'PROPOSAL_DECIDED']);
    const declineAfter = await ask(buyer.running, 'POST', `/proposals/${id}/decline`);
    expect([declineAfter.status, declineAfter.body.code]).toEqual([409, 'PROPOSAL_DECIDED']);
    // The agreed bilateral works: a fact replicates.
    const recorded = await ask(seller.running, 'POST', `/bilaterals/${id}/facts?wait=replicated`, ordered);
    expect([recorded.status, recorded.body.replicated]).toEqual([201, true]);
  });

  it('5. declined: the Seller proposing the same terms again is refused PROPOSAL_REJECTED', async () => {
    const id = await propose('msa-approve-2');
    const declined = await ask(buyer.running, 'POST', `/proposals/${id}/decline`);
    expect([declined.status, declined.body.status]).toEqual([200, 'declined']);
    const before = { seller: await snapshot(seller), buyer: await snapshot(buyer) };
    const again = await ask(seller.running, 'POST', '/bilaterals', { terms: termsWithId('msa-approve-2') });
    expect([422, 502]).toContain(again.status);
    expect(refusal(again)).toBe('PROPOSAL_REJECTED');
    // The same, sent straight to the Buyer's peer API.
    const { proposal } = honestProposal(seller, buyer, 'msa-approve-2');
    const direct = await peerCall(
      buyer.running.peerUrl,
      'POST',
      '/peer/proposals',
      'acme-fiber',
      seller.keys,
      proposal,
    );
    expect([direct.status, direct.body.code]).toEqual([422, 'PROPOSAL_REJECTED']);
    const accept = await ask(buyer.running, 'POST', `/proposals/${id}/accept`);
    expect([accept.status, accept.body.code]).toEqual([409, 'PROPOSAL_DECIDED']);
    expect({ seller: await snapshot(seller), buyer: await snapshot(buyer) }).toEqual(before);
  });

  it('two operators accepting one proposal at once: one 200, one 409 PROPOSAL_DECIDED', async () => {
    const id = await propose('msa-approve-race');
    const answers = await Promise.all([
      ask(buyer.running, 'POST', `/proposals/${id}/accept`),
      ask(buyer.running, 'POST', `/proposals/${id}/accept`),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect((await ask(seller.running, 'GET', `/bilaterals/${id}`)).status).toBe(200);
  });

  it('a proposal whose Seller was unpinned meanwhile cannot be accepted (PEER_UNKNOWN); it stays pending', async () => {
    const id = await propose('msa-approve-unpinned');
    expect((await ask(buyer.running, 'DELETE', '/peers/acme-fiber')).body).toEqual({ removed: true });
    const refused = await ask(buyer.running, 'POST', `/proposals/${id}/accept`);
    expect([refused.status, refused.body.code]).toEqual([403, 'PEER_UNKNOWN']);
    expect((await ask(buyer.running, 'GET', `/bilaterals/${id}`)).status).toBe(404);
    expect((await ask(seller.running, 'GET', `/bilaterals/${id}`)).status).toBe(404);
    const held = (await ask(buyer.running, 'GET', '/proposals?status=pending')).body as { id: string }[];
    expect(held.map((p) => p.id)).toContain(id);
    // Pinned again under another key: the held proposal binds a key the directory no longer holds.
    await buyer.running.node.peering.pin({
      party: 'acme-fiber',
      key: generateKeyPair().publicKey,
      endpoint: seller.running.node.endpoint,
      policy: 'approve',
    });
    const rekeyed = await ask(buyer.running, 'POST', `/proposals/${id}/accept`);
    expect([rekeyed.status, rekeyed.body.code]).toEqual([422, 'PEER_KEY_MISMATCH']);
    expect((await ask(buyer.running, 'GET', `/bilaterals/${id}`)).status).toBe(404);
    // Back as it was, and this one declined, so the flood below starts from no pending proposal.
    await introduce(seller.running, buyer.running, { b: 'approve' });
    expect((await ask(buyer.running, 'POST', `/proposals/${id}/decline`)).status).toBe(200);
  });

  it('an agreement to a pending proposal with a signature that does not verify is refused at the Seller', async () => {
    const id = await propose('msa-approve-forged-agreement');
    const forged = await peerCall(seller.running.peerUrl, 'POST', '/peer/agreements', 'globex', buyer.keys, {
      id,
      buyerSig: signAgreement(id, generateKeyPair()),
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    expect(typeof forged.body.code).toBe('string');
    expect((await ask(seller.running, 'GET', `/bilaterals/${id}`)).status).toBe(404);
    // Declined, so the flood below starts from no pending proposal.
    expect((await ask(buyer.running, 'POST', `/proposals/${id}/decline`)).status).toBe(200);
  });

  it('4. a held proposal naming another endpoint is refused before it is held', async () => {
    const before = await snapshot(buyer);
    const { proposal } = honestProposal(seller, buyer, 'msa-approve-elsewhere', {
      endpoint: 'http://127.0.0.1:9/evil',
    });
    const refused = await peerCall(
      buyer.running.peerUrl,
      'POST',
      '/peer/proposals',
      'acme-fiber',
      seller.keys,
      proposal,
    );
    expect([refused.status, refused.body.code]).toEqual([422, 'PEER_ENDPOINT_MISMATCH']);
    expect(await snapshot(buyer)).toEqual(before);
  });

  it(`3. a flood of 200 proposals at once: at most ${MAX_PENDING_PROPOSALS} held, the rest 429 PROPOSALS_LIMIT, none countersigned`, async () => {
    const before = await snapshot(buyer);
    const pendingBefore = before.proposals.filter((p) => p.endsWith(':pending'));
    expect(pendingBefore).toEqual([]);
    const requests = Array.from({ length: 200 }, (_, i) => {
      const { proposal } = honestProposal(seller, buyer, `msa-flood-${i}`);
      return signed(buyer.running.peerUrl, 'POST', '/peer/proposals', 'acme-fiber', seller.keys, proposal);
    });
    const answers = await Promise.all(requests.map(send));
    const held = answers.filter((a) => a.status === 202);
    const limited = answers.filter((a) => a.status === 429);
    // None was pending before: exactly the limit is held, whatever the concurrency.
    expect(held.length).toBe(MAX_PENDING_PROPOSALS);
    expect(limited.length).toBe(200 - held.length);
    expect(new Set(limited.map((a) => a.body.code))).toEqual(new Set(['PROPOSALS_LIMIT']));
    expect(held.every((a) => a.body.status === 'pending' && a.body.buyerSig === undefined)).toBe(true);
    const after = await snapshot(buyer);
    expect(after.bilaterals).toEqual(before.bilaterals);
    expect(after.proposals.filter((p) => p.endsWith(':pending')).length).toBeLessThanOrEqual(
      MAX_PENDING_PROPOSALS,
    );
    // Once full, even a well-behaved proposal waits its turn.
    const one = await ask(seller.running, 'POST', '/bilaterals', { terms: termsWithId('msa-flood-late') });
    expect(refusal(one)).toBe('PROPOSALS_LIMIT');
  });
});

describe('6. a captured peer request cannot be replayed', () => {
  let seller: TestNode;
  let buyer: TestNode;
  let id: string;

  beforeAll(async () => {
    seller = await startNode('acme-fiber');
    buyer = await startNode('globex');
    await introduce(seller.running, buyer.running);
    id = await agreedWithService(seller, buyer, 'msa-replay');
  });

  afterAll(() => stopNodes([seller, buyer]));

  const entryCount = async () => (await snapshot(buyer, id)).entries;

  it('a write sent twice: the first appends, the second → 409 PEER_REPLAYED, applied once', async () => {
    const before = await entryCount();
    const entry = await nextSellerEntry(buyer, id, 'acme-fiber', seller.keys);
    const request = signed(
      buyer.running.peerUrl,
      'POST',
      `/peer/bilaterals/${id}/entries`,
      'acme-fiber',
      seller.keys,
      {
        entries: [entry],
      },
    );
    const first = await send(request);
    expect([first.status, first.body[0]?.status]).toEqual([200, 'appended']);
    const replay = await send(request);
    expect([replay.status, replay.body.code]).toEqual([409, 'PEER_REPLAYED']);
    expect(await entryCount()).toBe(before + 1);
  });

  it('a read sent twice: the second → 409 PEER_REPLAYED', async () => {
    const request = signed(
      buyer.running.peerUrl,
      'GET',
      `/peer/bilaterals/${id}/heads`,
      'acme-fiber',
      seller.keys,
    );
    expect((await send(request)).status).toBe(200);
    const replay = await send(request);
    expect([replay.status, replay.body.code]).toEqual([409, 'PEER_REPLAYED']);
  });

  it('one request sent 8 times at once: exactly one is served, applied once', async () => {
    const before = await entryCount();
    const entry = await nextSellerEntry(buyer, id, 'acme-fiber', seller.keys, 10);
    const request = signed(
      buyer.running.peerUrl,
      'POST',
      `/peer/bilaterals/${id}/entries`,
      'acme-fiber',
      seller.keys,
      {
        entries: [entry],
      },
    );
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(request)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'PEER_REPLAYED')).toBe(true);
    expect(await entryCount()).toBe(before + 1);
  });

  it('a proposal sent twice: the second → 409 PEER_REPLAYED', async () => {
    const before = await snapshot(buyer);
    const { proposal } = honestProposal(seller, buyer, 'msa-replayed-proposal');
    const request = signed(
      buyer.running.peerUrl,
      'POST',
      '/peer/proposals',
      'acme-fiber',
      seller.keys,
      proposal,
    );
    const first = await send(request);
    expect([first.status, first.body.status]).toEqual([200, 'accepted']);
    const replay = await send(request);
    expect([replay.status, replay.body.code]).toEqual([409, 'PEER_REPLAYED']);
    const after = await snapshot(buyer);
    expect(after.bilaterals.length).toBe(before.bilaterals.length + 1);
  });

  it('the node remembers the nonces it saw across a restart', async () => {
    const request = signed(
      buyer.running.peerUrl,
      'GET',
      `/peer/bilaterals/${id}/heads`,
      'acme-fiber',
      seller.keys,
    );
    expect((await send(request)).status).toBe(200);
    buyer = await restartNode(buyer);
    const replay = await send(request);
    expect([replay.status, replay.body.code]).toEqual([409, 'PEER_REPLAYED']);
  });
});

describe('the same proposal many times at once is agreed once', () => {
  let seller: TestNode;
  let buyer: TestNode;

  beforeAll(async () => {
    seller = await startNode('acme-fiber');
    buyer = await startNode('globex');
    await introduce(seller.running, buyer.running);
  });

  afterAll(() => stopNodes([seller, buyer]));

  it('at the Buyer: five freshly signed copies at once → all accepted, one bilateral', async () => {
    const { id, proposal } = honestProposal(seller, buyer, 'msa-same-five');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        peerCall(buyer.running.peerUrl, 'POST', '/peer/proposals', 'acme-fiber', seller.keys, proposal),
      ),
    );
    expect(answers.map((a) => [a.status, a.body.status, a.body.id])).toEqual(
      Array.from({ length: 5 }, () => [200, 'accepted', id]),
    );
    expect((await snapshot(buyer)).bilaterals).toEqual([id]);
  });

  it('at the Seller: the operator proposing the same terms five times at once → one bilateral at both', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        ask(seller.running, 'POST', '/bilaterals', { terms: termsWithId('msa-seller-five') }),
      ),
    );
    const ids = new Set(answers.map((a) => a.body.id));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    expect((await snapshot(seller)).bilaterals).toEqual([id]);
    expect((await snapshot(buyer)).bilaterals).toContain(id);
  });
});

describe('9. a counterparty the operator unpinned', () => {
  let seller: TestNode;
  let buyer: TestNode;
  let buyerPeer: { paths: string[] };
  let id: string;

  beforeAll(async () => {
    seller = await startNode('acme-fiber');
    buyer = await startNode('globex');
    await introduce(seller.running, buyer.running);
    id = await agreedWithService(seller, buyer, 'msa-unpin');
    buyerPeer = watch(buyer.running, 'peer');
    const removed = await ask(seller.running, 'DELETE', '/peers/globex');
    expect([removed.status, removed.body]).toEqual([200, { removed: true }]);
  });

  afterAll(() => stopNodes([seller, buyer]));

  it('is no longer called: a fact recorded at the Seller says replicated:false and the Buyer hears nothing', async () => {
    const buyerBefore = await snapshot(buyer, id);
    const sellerBefore = (await snapshot(seller, id)).entries as number;
    const recorded = await ask(seller.running, 'POST', `/bilaterals/${id}/facts?wait=replicated`, {
      type: 'outage',
      service: 'S1',
      from: '2026-02-12T00:00:00Z',
      to: '2026-02-12T01:00:00Z',
      maintenance: false,
    });
    expect([recorded.status, recorded.body.replicated]).toEqual([201, false]);
    const sync = await ask(seller.running, 'POST', `/bilaterals/${id}/sync`);
    expect(sync.status).toBeLessThan(500);
    const proposed = await ask(seller.running, 'POST', '/bilaterals', {
      terms: termsWithId('msa-unpinned-new'),
    });
    expect([proposed.status, proposed.body.code]).toEqual([403, 'PEER_UNKNOWN']);
    expect(buyerPeer.paths).toEqual([]);
    expect(await snapshot(buyer, id)).toEqual(buyerBefore);
    expect((await snapshot(seller, id)).entries).toBe(sellerBefore + 1);
  });

  it('its requests for the bilateral are refused at the Seller (PEER_UNKNOWN), nothing applied', async () => {
    const before = await snapshot(seller, id);
    const recorded = await ask(buyer.running, 'POST', `/bilaterals/${id}/facts?wait=replicated`, {
      type: 'outage',
      service: 'S1',
      from: '2026-02-13T00:00:00Z',
      to: '2026-02-13T01:00:00Z',
      maintenance: false,
    });
    expect([recorded.status, recorded.body.replicated]).toEqual([201, false]);
    const heads = await peerCall(
      seller.running.peerUrl,
      'GET',
      `/peer/bilaterals/${id}/heads`,
      'globex',
      buyer.keys,
    );
    expect([heads.status, heads.body.code]).toEqual([403, 'PEER_UNKNOWN']);
    const entries = await ask(buyer.running, 'GET', `/bilaterals/${id}/entries?author=globex`);
    const write = await peerCall(
      seller.running.peerUrl,
      'POST',
      `/peer/bilaterals/${id}/entries`,
      'globex',
      buyer.keys,
      { entries: (entries.body as SignedEntry[]).map(({ entry, key, sig }) => ({ entry, key, sig })) },
    );
    expect([write.status, write.body.code]).toEqual([403, 'PEER_UNKNOWN']);
    const { proposal } = honestProposal(buyer, seller, 'msa-reverse');
    const propose = await peerCall(
      seller.running.peerUrl,
      'POST',
      '/peer/proposals',
      'globex',
      buyer.keys,
      proposal,
    );
    expect([propose.status, propose.body.code]).toEqual([403, 'PEER_UNKNOWN']);
    expect(await snapshot(seller, id)).toEqual(before);
  });

  it('pinned again, the two catch up', async () => {
    await introduce(seller.running, buyer.running);
    await ask(seller.running, 'POST', `/bilaterals/${id}/sync`);
    await ask(buyer.running, 'POST', `/bilaterals/${id}/sync`);
    const atSeller = (await ask(seller.running, 'GET', `/bilaterals/${id}/entries`)).body as {
      hash: string;
    }[];
    const atBuyer = (await ask(buyer.running, 'GET', `/bilaterals/${id}/entries`)).body as { hash: string }[];
    expect(atBuyer.map((e) => e.hash).sort()).toEqual(atSeller.map((e) => e.hash).sort());
  });
});

describe('every request of this file', () => {
  it('was answered without a 500 (or any 5xx other than a relayed peer refusal)', () => {
    expect(crashes).toEqual([]);
  });
});
