/**
 * Starts one party node as an HTTP server: identity from the data folder, the
 * store (SQLite in the data folder unless a URL is given), the fastify app, and
 * a background sync that pulls what the node missed while it was down.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadOrCreatePartyFile, PartyNode } from '../node/index.ts';
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
  readonly log?: (line: string) => void;
}

export interface RunningNode {
  readonly node: PartyNode;
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
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
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${host}:${port}`;
  if (options.publicUrl === undefined) node.endpoint = url;

  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<void> = Promise.resolve();
  const interval = options.syncIntervalMs ?? 5000;
  if (interval > 0) {
    const tick = () => {
      syncing = node.sync().catch(() => {});
      void syncing.then(() => {
        if (timer !== undefined) timer = setTimeout(tick, interval);
      });
    };
    timer = setTimeout(tick, 0);
  }

  return {
    node,
    app,
    url,
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await syncing;
      await node.idle();
      await app.close();
      await store.close();
    },
  };
}
