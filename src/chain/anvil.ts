/**
 * Starts Anvil — a real Ethereum node — from the `@foundry-rs/anvil` npm
 * package, on loopback, for the embedded chain and for tests.
 *
 * Design rationale:
 * - The binary comes from the platform package npm installed beside
 *   `@foundry-rs/anvil` (e.g. `@foundry-rs/anvil-linux-amd64`), so no
 *   download happens at run time; a missing package is a clear error.
 * - Port 0 lets Anvil bind a free port itself and we read it back from its
 *   `Listening on` line: no race between probing a port and binding it.
 * - `--state <file>` loads the file on start and dumps it on exit; the
 *   `--state-interval` dump (1 s by default) bounds what a crash loses.
 *   `stop()` therefore sends SIGTERM, never SIGKILL first, and waits for
 *   the exit so the final dump is on disk when it resolves.
 * - If our process exits without calling `stop()`, an exit hook still sends
 *   SIGTERM so no Anvil is left running behind a dead node.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ChainError } from './errors.ts';

export const ANVIL_DEFAULT_CHAIN_ID = 31337;

export interface AnvilOptions {
  /** Load chain state from this file on start (if present) and dump it there on exit. */
  readonly stateFile?: string;
  /** Seconds between periodic state dumps while running (with `stateFile`); default 1. */
  readonly stateInterval?: number;
  /** 0 (default) binds a free port. */
  readonly port?: number;
  /** Default 31337. */
  readonly chainId?: number;
  /** Seconds between blocks; unset mines one block per transaction at once. */
  readonly blockTime?: number;
  /** EVM hardfork, e.g. `cancun`; Anvil's default is its latest. */
  readonly hardfork?: string;
  /** Milliseconds to wait for JSON-RPC to answer; default 15 000. */
  readonly startTimeout?: number;
}

export interface AnvilInstance {
  readonly rpcUrl: string;
  readonly port: number;
  readonly chainId: number;
  readonly process: ChildProcess;
  /** SIGTERM, then waits for the exit (the state file is dumped by then). Idempotent. */
  stop(): Promise<void>;
}

const PLATFORMS: Readonly<Record<string, string>> = { linux: 'linux', darwin: 'darwin', win32: 'win32' };
const ARCHES: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };
const STOP_GRACE_MS = 10_000;

/** Path of the Anvil binary from the npm platform package for this machine. */
export function anvilBinary(): string {
  const platform = PLATFORMS[process.platform];
  const arch = ARCHES[process.arch];
  const name = `@foundry-rs/anvil-${platform ?? process.platform}-${arch ?? process.arch}`;
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${name}/package.json`);
  } catch (cause) {
    throw new ChainError(
      'CHAIN_ANVIL_MISSING',
      `Anvil binary package ${name} is not installed; run npm install (optional dependencies enabled) on this platform`,
      { details: { package: name, platform: process.platform, arch: process.arch }, cause },
    );
  }
  const binary = join(dirname(packageJson), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  if (!existsSync(binary)) {
    throw new ChainError('CHAIN_ANVIL_MISSING', `Anvil binary missing at ${binary}`, { details: { binary } });
  }
  return binary;
}

/** The command-line arguments for `options` (exported for tests and diagnostics). */
export function anvilArgs(options: AnvilOptions): string[] {
  const args = ['--host', '127.0.0.1', '--port', String(options.port ?? 0)];
  args.push('--chain-id', String(options.chainId ?? ANVIL_DEFAULT_CHAIN_ID));
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.hardfork !== undefined) args.push('--hardfork', options.hardfork);
  if (options.stateFile !== undefined) {
    args.push('--state', options.stateFile, '--state-interval', String(options.stateInterval ?? 1));
  }
  return args;
}

/**
 * Spawns Anvil and resolves once its JSON-RPC answers.
 *
 * @example
 * const anvil = await startAnvil({ stateFile: join(dataDir, 'chain', 'state.json') });
 * // … anvil.rpcUrl …
 * await anvil.stop();
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilInstance> {
  const binary = anvilBinary();
  if (options.stateFile !== undefined) mkdirSync(dirname(options.stateFile), { recursive: true });
  const chainId = options.chainId ?? ANVIL_DEFAULT_CHAIN_ID;
  const child = spawn(binary, anvilArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const remember = (chunk: Buffer): void => {
    output.push(chunk.toString('utf8'));
    if (output.length > 50) output.shift();
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onProcessExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', onProcessExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onProcessExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    const port = await listeningPort(child, output, options.startTimeout ?? 15_000);
    const rpcUrl = `http://127.0.0.1:${port}`;
    const answered = await rpcChainId(rpcUrl);
    if (answered !== chainId) {
      throw new ChainError('CHAIN_ANVIL_FAILED', `Anvil answered chain id ${answered}, expected ${chainId}`, {
        details: { rpcUrl, chainId, answered },
      });
    }
    return { rpcUrl, port, chainId, process: child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function listeningPort(child: ChildProcess, output: readonly string[], timeout: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const fail = (message: string, cause?: unknown): void => {
      cleanup();
      reject(
        new ChainError('CHAIN_ANVIL_FAILED', message, {
          details: { output: output.join('').slice(-4000) },
          cause,
        }),
      );
    };
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      const match = /Listening on [^\s:]+:(\d+)/.exec(seen);
      if (match !== null) {
        cleanup();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null, signal: string | null): void =>
      fail(`Anvil exited before listening (code ${code}, signal ${signal}): ${output.join('').slice(-1000)}`);
    const onError = (error: Error): void => fail(`Anvil failed to start: ${error.message}`, error);
    const timer = setTimeout(() => fail(`Anvil did not listen within ${timeout} ms`), timeout);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function rpcChainId(rpcUrl: string): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      const body = (await response.json()) as { result?: string };
      if (typeof body.result === 'string') return Number.parseInt(body.result, 16);
      lastError = body;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new ChainError('CHAIN_ANVIL_FAILED', `Anvil at ${rpcUrl} does not answer JSON-RPC`, {
    details: { rpcUrl },
    cause: lastError,
  });
}
