/**
 * The embedded chain: with no chain configured, a node runs Anvil itself on
 * loopback, keeps its state in `dir` so anchors, pledges and commitments
 * survive restarts, and deploys the contracts once.
 *
 * Files in `dir`: `state.json` (Anvil's state, dumped every second and on
 * stop), `addresses.json` (the deployed contracts), `endpoint.json` (the URL
 * and pid of the Anvil serving `dir` right now) and short-lived lock files.
 *
 * Design rationale — sharing: several nodes on one machine pointed at the same
 * `dir` share one chain. The first to start owns Anvil; the others find
 * `endpoint.json`, check that its process is alive and answers with the right
 * chain id, and join. Only the owner stops Anvil when it stops; a node that
 * joined just lets go. If the owner stops first, the chain stops with it (its
 * state is saved) and the next node to start becomes the owner.
 *
 * Design rationale — a dead Anvil: when the owner's Anvil exits without being
 * stopped (killed, crashed), the owner starts it again on the same port from
 * its last state dump, with backoff while that fails, and tells
 * `onRestart` listeners: up to a second of blocks may be gone (more when the
 * kill tore the state file mid-dump: the last copy that parsed, at most five
 * seconds old, is used), so whatever was anchored lately must be checked
 * again (the anchoring loop does).
 */
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { ANVIL_DEFAULT_CHAIN_ID, type AnvilInstance, startAnvil } from './anvil.ts';
import { createChainPublicClient, createChainWalletClient, fetchChainId } from './client.ts';
import { type ContractAddresses, ensureDeployed } from './deploy.ts';
import { devPrivateKey } from './dev-keys.ts';
import { withFileLock } from './file-lock.ts';

export interface EmbeddedChainOptions {
  /** Folder holding the chain's state and addresses, e.g. `<dataDir>/chain`. */
  readonly dir: string;
  /** Default 31337. */
  readonly chainId?: number;
  /** Key that deploys the contracts; default development account 0. */
  readonly deployerKey?: Hex;
  /** Seconds between state dumps while running; default 1. */
  readonly stateInterval?: number;
}

export interface EmbeddedChain {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly addresses: ContractAddresses;
  /** True when this process started Anvil (and `stop()` stops it). */
  readonly owner: boolean;
  /** Whether this start deployed the contracts (first start of the chain). */
  readonly deployed: boolean;
  /** Calls `listener` after this process restarted a dead Anvil (owner only). */
  onRestart(listener: () => void): void;
  stop(): Promise<void>;
}

/** How often the owner copies a state file that parses to `state.good.json`. */
const GOOD_STATE_MS = 5_000;

interface Endpoint {
  readonly rpcUrl: string;
  readonly pid: number;
  readonly chainId: number;
}

/**
 * Starts (or joins) the embedded chain in `dir` and makes sure the contracts are deployed.
 *
 * @example
 * const chain = await startEmbeddedChain({ dir: join(dataDir, 'chain') });
 * // … chain.rpcUrl, chain.addresses …
 * await chain.stop();
 */
export async function startEmbeddedChain(options: EmbeddedChainOptions): Promise<EmbeddedChain> {
  const chainId = options.chainId ?? ANVIL_DEFAULT_CHAIN_ID;
  const endpointFile = join(options.dir, 'endpoint.json');
  const { rpcUrl, anvil } = await withFileLock(join(options.dir, 'endpoint.lock'), async () => {
    const running = await liveEndpoint(endpointFile, chainId);
    if (running !== undefined) return { rpcUrl: running.rpcUrl, anvil: undefined };
    const started = await startAnvil({
      stateFile: join(options.dir, 'state.json'),
      chainId,
      ...(options.stateInterval === undefined ? {} : { stateInterval: options.stateInterval }),
    });
    writeEndpoint(endpointFile, { rpcUrl: started.rpcUrl, pid: started.process.pid ?? 0, chainId });
    return { rpcUrl: started.rpcUrl, anvil: started };
  });

  let current = anvil;
  let stopping = false;
  const listeners: (() => void)[] = [];
  const stateFile = join(options.dir, 'state.json');
  const goodFile = join(options.dir, 'state.good.json');
  // A kill in the middle of a dump can leave the state file unreadable (and Anvil would start empty):
  // keep a copy known to parse, and fall back to it.
  const keepGood = () => {
    try {
      const text = readFileSync(stateFile, 'utf8');
      JSON.parse(text);
      writeFileSync(`${goodFile}.tmp`, text);
      renameSync(`${goodFile}.tmp`, goodFile);
    } catch {
      // Not readable right now (being written): the next turn copies it.
    }
  };
  const keeper = anvil === undefined ? undefined : setInterval(keepGood, GOOD_STATE_MS);
  keeper?.unref();
  const restart = async (): Promise<void> => {
    try {
      JSON.parse(readFileSync(stateFile, 'utf8'));
    } catch {
      if (existsSync(goodFile)) copyFileSync(goodFile, stateFile);
    }
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const port = Number(new URL(rpcUrl).port);
        const started = await startAnvil({
          stateFile,
          chainId,
          port,
          ...(options.stateInterval === undefined ? {} : { stateInterval: options.stateInterval }),
        });
        if (stopping) {
          await started.stop();
          return;
        }
        current = started;
        writeEndpoint(endpointFile, { rpcUrl, pid: started.process.pid ?? 0, chainId });
        watch(started);
        for (const listener of listeners) listener();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 5_000)));
      }
    }
  };
  const watch = (instance: AnvilInstance) => {
    instance.process.once('exit', () => {
      if (!stopping && current === instance) void restart();
    });
  };
  if (anvil !== undefined) watch(anvil);
  const stop = async (): Promise<void> => {
    stopping = true;
    if (keeper !== undefined) clearInterval(keeper);
    if (current === undefined) return;
    await stopOwned(current, endpointFile);
  };
  const onRestart = (listener: () => void) => {
    listeners.push(listener);
  };
  try {
    const endpoint = { rpcUrl, chainId };
    const { addresses, deployed } = await ensureDeployed(
      join(options.dir, 'addresses.json'),
      createChainWalletClient({ ...endpoint, privateKey: options.deployerKey ?? devPrivateKey(0) }),
      createChainPublicClient(endpoint),
    );
    return { rpcUrl, chainId, addresses, owner: anvil !== undefined, deployed, onRestart, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function stopOwned(anvil: AnvilInstance, endpointFile: string): Promise<void> {
  await anvil.stop();
  const current = readEndpoint(endpointFile);
  if (current?.pid === anvil.process.pid) rmSync(endpointFile, { force: true });
}

/** The recorded endpoint when its process is alive and answers with `chainId`. */
async function liveEndpoint(file: string, chainId: number): Promise<Endpoint | undefined> {
  const endpoint = readEndpoint(file);
  if (endpoint === undefined || endpoint.chainId !== chainId || !isAlive(endpoint.pid)) return undefined;
  try {
    const answered = await Promise.race([
      fetchChainId(endpoint.rpcUrl),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000)),
    ]);
    return answered === chainId ? endpoint : undefined;
  } catch {
    return undefined;
  }
}

function writeEndpoint(file: string, endpoint: Endpoint): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(endpoint, null, 2)}\n`);
  renameSync(tmp, file);
}

function readEndpoint(file: string): Endpoint | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<Endpoint>;
    if (
      typeof value.rpcUrl !== 'string' ||
      !Number.isSafeInteger(value.pid) ||
      !Number.isSafeInteger(value.chainId)
    ) {
      return undefined;
    }
    return { rpcUrl: value.rpcUrl, pid: value.pid as number, chainId: value.chainId as number };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
