/**
 * Starts one party node: identity from the data folder, the store (SQLite in
 * the data folder unless a URL is given), two listeners — the owner API on a
 * private address, the peer API on a public one, each with optional TLS — the
 * shared ledger (the embedded Anvil unless an external chain is configured),
 * and the background rounds: sync with counterparties (catch up after being
 * down) and, for bilaterals this party sells in, scheduled checkpoints.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  type ChainConfig,
  type ChainLink,
  connectChain,
  loadOrCreatePartyFile,
  openStore,
  PartyNode,
  partyKeyFile,
} from '../node/index.ts';

import { type AppOptions, buildOwnerApp, buildPeerApp } from './app.ts';

/** PEM files of a listener's TLS key and certificate chain. */
export interface TlsFiles {
  readonly keyFile: string;
  readonly certFile: string;
}

export interface ServerOptions {
  readonly dataDir: string;
  readonly party: string;
  /** The owner API's address: keep it private (default 127.0.0.1). */
  readonly host?: string;
  /** The owner API's port; 0 picks a free port. */
  readonly port?: number;
  /** The peer API's address: where counterparties reach this node (default 127.0.0.1). */
  readonly peerHost?: string;
  /** The peer API's port; 0 (default) picks a free port. */
  readonly peerPort?: number;
  /** Serve the owner API over HTTPS. */
  readonly tls?: TlsFiles;
  /** Serve the peer API over HTTPS. */
  readonly peerTls?: TlsFiles;
  /** `sqlite:PATH` or `postgres://…`; default `sqlite:<dataDir>/node.db`. */
  readonly storeUrl?: string;
  /** URL counterparts use to reach this node's peer API; default `http(s)://peerHost:peerPort`. */
  readonly publicUrl?: string;
  /** Milliseconds between background syncs with every counterparty; 0 turns it off. */
  readonly syncIntervalMs?: number;
  /** Milliseconds between scheduled checkpoints of the bilaterals this party sells in; 0 turns them off. */
  readonly checkpointIntervalMs?: number;
  /**
   * The Seller issues each closed period's invoice by itself this many
   * milliseconds after the period ends; undefined (the default here) leaves
   * issuing to people (`sb node` turns it on, 1 hour after).
   */
  readonly invoiceDelayMs?: number;
  /** Milliseconds between looks for invoices due (default 60,000). */
  readonly invoiceIntervalMs?: number;
  /** Milliseconds between webhook delivery rounds (default 1000; 0 turns delivery off). */
  readonly notifyIntervalMs?: number;
  /** The shared ledger; default the embedded chain in `<dataDir>/chain`; `false` runs without a chain. */
  readonly chain?: ChainConfig | false;
  readonly log?: (line: string) => void;
}

export interface RunningNode {
  readonly node: PartyNode;
  readonly ownerApp: FastifyInstance;
  readonly peerApp: FastifyInstance;
  /** The owner API's base URL. */
  readonly url: string;
  /** The peer API's base URL as bound (counterparties use `node.endpoint`, the public URL). */
  readonly peerUrl: string;
  readonly chain: ChainLink | undefined;
  /** The first admin credential's token, when this node issued one into `DATA/admin.token`. */
  readonly adminToken: string | undefined;
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
    keyFile: partyKeyFile(options.dataDir, identity),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  // A key rotation a crash interrupted is finished before anything is served.
  if (identity.pendingRotation !== undefined) await node.keys.resume(identity.keys, identity.pendingRotation);
  const adminToken = await bootstrapAdmin(node, options.dataDir, options.log);
  const ownerApp = buildOwnerApp(node, appOptions(options.tls));
  const peerApp = buildPeerApp(node, appOptions(options.peerTls));
  let chain: ChainLink | undefined;
  let url: string;
  let peerUrl: string;
  try {
    url = await listen(ownerApp, options.host ?? '127.0.0.1', options.port ?? 0, options.tls);
    peerUrl = await listen(peerApp, options.peerHost ?? '127.0.0.1', options.peerPort ?? 0, options.peerTls);
    if (options.publicUrl === undefined) node.endpoint = peerUrl;
    if (options.chain !== false) {
      chain = await connectChain({
        node,
        store,
        dataDir: options.dataDir,
        evmKey: identity.evmKey,
        resourceSalt: identity.resourceSalt,
        config: options.chain ?? {},
        ...(options.log === undefined ? {} : { log: options.log }),
      });
    }
  } catch (error) {
    await ownerApp.close();
    await peerApp.close();
    await store.close();
    throw error;
  }
  const stopSync = every(options.syncIntervalMs ?? 5000, () => node.replication.sync());
  const stopCheckpoints = every(options.checkpointIntervalMs ?? 5000, () => node.checkpoints.all());
  const stopPruning = every(60_000, () => node.peering.prune());
  // Agreed netting statements and rounds a crash or an absent member left unrecorded here.
  const stopNetting = every(60_000, async () => {
    await node.nettingAgreements.resume().catch((error: unknown) => {
      node.core.log(`netting: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  const stopNotifying = every(options.notifyIntervalMs ?? 1000, async () => {
    await node.notifications.deliver().catch((error: unknown) => {
      node.core.log(`webhook delivery: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  const delay = options.invoiceDelayMs;
  const stopInvoicing =
    delay === undefined
      ? async () => {}
      : every(options.invoiceIntervalMs ?? 60_000, async () => {
          const failed = (error: unknown) =>
            node.core.log(`scheduled invoicing: ${error instanceof Error ? error.message : String(error)}`);
          await node.invoices.issueDue(delay).catch(failed);
          await node.notes.issueAllDue().catch(failed);
        });

  return {
    node,
    ownerApp,
    peerApp,
    url,
    peerUrl,
    chain,
    adminToken,
    async close() {
      // First stop taking requests (cutting uploads in progress: an import keeps its whole batches).
      await ownerApp.close();
      await peerApp.close();
      await stopSync();
      await stopCheckpoints();
      await stopPruning();
      await stopNetting();
      await stopInvoicing();
      await stopNotifying();
      await node.idle();
      await node.access.flush();
      await chain?.stop();
      await store.close();
    },
  };
}

function appOptions(tls: TlsFiles | undefined): AppOptions {
  if (tls === undefined) return {};
  return { https: { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) } };
}

/** Listens and answers the base URL it is reachable at. */
async function listen(
  app: FastifyInstance,
  host: string,
  port: number,
  tls: TlsFiles | undefined,
): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `${tls === undefined ? 'http' : 'https'}://${shown}:${bound}`;
}

/**
 * A node with no credential at all issues its first admin credential and
 * writes the token to `DATA/admin.token` (mode 0600) — the operator's way in
 * to create the others (`sb credentials create`, `POST /credentials`) and
 * then delete the file. A node that has credentials never writes it again.
 */
async function bootstrapAdmin(
  node: PartyNode,
  dataDir: string,
  log: ((line: string) => void) | undefined,
): Promise<string | undefined> {
  const file = join(dataDir, 'admin.token');
  if (!(await node.access.any())) {
    const { token } = await node.access.issue({ name: 'first admin', role: 'admin', createdBy: 'system' });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    log?.(`no credentials yet: the first admin credential's token is in ${file}`);
    return token;
  }
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
