/**
 * Two (or more) party nodes in one process with no sockets: each node's store
 * is an in-memory SQLite, and its peer client's transport hands each request
 * to the addressed node's peer app through fastify's `inject`. The same
 * signed requests, the same routes and checks as over HTTP — in milliseconds.
 * Not a test file itself.
 */
import type { FastifyInstance } from 'fastify';
import { buildOwnerApp, buildPeerApp, introduce } from '../src/api/index.ts';
import { generateKeyPair, type KeyPair } from '../src/ledger/index.ts';
import { type FetchLike, PartyNode } from '../src/node/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { exampleFacts, exampleTerms } from './support.ts';

export interface MemoryNode {
  readonly node: PartyNode;
  /** The key pair the node started with (tests forge with it). */
  readonly keys: KeyPair;
  readonly store: Store;
  readonly owner: FastifyInstance;
  readonly peer: FastifyInstance;
  /** The owner API: a JSON request, its status and parsed body. */
  call<T = unknown>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
}

/** A network of in-memory nodes, each reachable at `http://<party>.memory` by the others. */
export class MemoryNetwork {
  readonly #peers = new Map<string, FastifyInstance>();
  readonly #nodes: MemoryNode[] = [];

  /** The transport: a request to `http://<party>.memory/...` goes to that node's peer app. */
  readonly fetch: FetchLike = async (url, init) => {
    const app = this.#peers.get(url.host);
    if (app === undefined) throw new TypeError(`fetch failed: no node at ${url.host}`);
    const response = await app.inject({
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(init.body === undefined ? {} : { payload: init.body as string }),
    });
    return new Response(response.body === '' ? null : response.body, {
      status: response.statusCode,
      headers: { 'content-type': String(response.headers['content-type'] ?? 'application/json') },
    });
  };

  /** A node of `party`, on a fresh in-memory SQLite store, or on the store at `storeUrl`. */
  async add(
    party: string,
    storeUrl = 'sqlite::memory:',
    options: { now?: () => Date } = {},
  ): Promise<MemoryNode> {
    const store = await openStore(storeUrl);
    const host = `${party}.memory`;
    const keys = generateKeyPair();
    const node = new PartyNode({
      party,
      keys,
      store,
      endpoint: `http://${host}`,
      fetch: this.fetch,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    const { token } = await node.access.issue({ name: 'test admin', role: 'admin' });
    const owner = buildOwnerApp(node);
    const peer = buildPeerApp(node);
    this.#peers.set(host, peer);
    const call = async <T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
      const response = await owner.inject({
        method,
        url: path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: response.statusCode, body: response.json() as T };
    };
    const member = { node, keys, store, owner, peer, call };
    this.#nodes.push(member);
    return member;
  }

  /** Takes a node off the network (its peer app stops answering) or puts it back. */
  unplug(party: string): FastifyInstance | undefined {
    const app = this.#peers.get(`${party}.memory`);
    this.#peers.delete(`${party}.memory`);
    return app;
  }

  plug(party: string, app: FastifyInstance): void {
    this.#peers.set(`${party}.memory`, app);
  }

  async close(): Promise<void> {
    for (const { node, store, owner, peer } of this.#nodes) {
      await node.idle();
      await owner.close();
      await peer.close();
      await store.close();
    }
  }
}

/**
 * A Seller and a Buyer in `network`, introduced, agreeing `terms` (default
 * the worked example's), with `facts` recorded and replicated (outages by
 * the Buyer, the rest by the Seller, as in the example).
 */
export async function exampleBilateral(
  network: MemoryNetwork,
  options: {
    terms?: unknown;
    facts?: readonly { type: string }[];
    sellerStore?: string;
    /** The Buyer node's clock (default: the real one). */
    buyerNow?: () => Date;
    /** The Seller node's clock (default: the real one). */
    sellerNow?: () => Date;
  } = {},
): Promise<{ seller: MemoryNode; buyer: MemoryNode; id: string }> {
  const seller = await network.add(
    'acme-fiber',
    options.sellerStore,
    options.sellerNow === undefined ? {} : { now: options.sellerNow },
  );
  const buyer = await network.add(
    'globex',
    undefined,
    options.buyerNow === undefined ? {} : { now: options.buyerNow },
  );
  await introduce(seller, buyer);
  const created = await seller.call<{ id: string }>('POST', '/bilaterals', {
    terms: options.terms ?? exampleTerms(),
    peer: buyer.node.endpoint,
  });
  if (created.status !== 201) throw new Error(`agreeing the example: ${created.status}`);
  const id = created.body.id;
  for (const fact of options.facts ?? exampleFacts()) {
    const by = fact.type === 'outage' ? buyer : seller;
    const recorded = await by.call('POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    if (recorded.status !== 201) throw new Error(`recording ${fact.type}: ${JSON.stringify(recorded.body)}`);
  }
  return { seller, buyer, id };
}
