/**
 * Starts one party node as an HTTP server: identity from the data folder, the
 * store (SQLite in the data folder unless a URL is given), the fastify app, the
 * shared ledger (the embedded Anvil unless an external chain is configured),
 * and the background rounds: sync with counterparties (catch up after being
 * down) and, for bilaterals this party sells in, scheduled checkpoints.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  type ChainConfig,
  type ChainLink,
  connectChain,
  loadOrCreatePartyFile,
  PartyNode,
} from '../node/index.ts';
import { openStore } from '../store/index.ts';
import { buildApp } from './app.ts';

export interface ServerOptions {
  readonly dataDir: string;
  readonly party: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** `sqlite:PATH` or `postgres://…`; default `sqlite:<dataDir>/node.db`. */
  readonly storeUrl?: string;
  /** URL counterparts use to reach this node; default `http://host:port`. */
  readonly publicUrl?: string;
  /** Milliseconds between background syncs with every counterparty; 0 turns it off. */
  readonly syncIntervalMs?: number;
  /** Milliseconds between scheduled checkpoints of the bilaterals this party sells in; 0 turns them off. */
  readonly checkpointIntervalMs?: number;
  /** The shared ledger; default the embedded chain in `<dataDir>/chain`; `false` runs without a chain. */
  readonly chain?: ChainConfig | false;
  readonly log?: (line: string) => void;
}

export interface RunningNode {
  readonly node: PartyNode;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly chain: ChainLink | undefined;
  close(): Promise<void>;
}

/** Runs `task` every `intervalMs` (never overlapping itself) until the returned stop is called. */
function every(intervalMs: number, task: () => Promise<void>): () => Promise<void> {
  if (intervalMs <= 0) return async () => {};
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = task().catch(() => {});
    void running.then(() => {
      if (timer !== undefined) timer = setTimeout(tick, intervalMs);
    });
  };
  timer = setTimeout(tick, 0);
  return async () => {
    clearTimeout(timer);
    timer = undefined;
    await running;
  };
}

export async function startServer(options: ServerOptions): Promise<RunningNode> {
  const identity = loadOrCreatePartyFile(options.dataDir, options.party);
  const store = await openStore(options.storeUrl ?? `sqlite:${join(options.dataDir, 'node.db')}`);
  const node = new PartyNode({
    party: identity.party,
    keys: identity.keys,
    store,
    endpoint: options.publicUrl ?? '',
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const app = buildApp(node);
  const host = options.host ?? '127.0.0.1';
  let chain: ChainLink | undefined;
  let url: string;
  try {
    await app.listen({ host, port: options.port ?? 0 });
    const address = app.server.address();
    url = `http://${host}:${typeof address === 'object' && address !== null ? address.port : options.port}`;
    if (options.publicUrl === undefined) node.endpoint = url;
    if (options.chain !== false) {
      chain = await connectChain({
        node,
        store,
        dataDir: options.dataDir,
        evmKey: identity.evmKey,
        config: options.chain ?? {},
        ...(options.log === undefined ? {} : { log: options.log }),
      });
    }
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const stopSync = every(options.syncIntervalMs ?? 5000, () => node.sync());
  const stopCheckpoints = every(options.checkpointIntervalMs ?? 5000, () => node.checkpointAll());

  return {
    node,
    app,
    url,
    chain,
    async close() {
      await stopSync();
      await stopCheckpoints();
      await node.idle();
      await chain?.stop();
      await app.close();
      await store.close();
    },
  };
}
