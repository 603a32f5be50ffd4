/**
 * What the tests running real `sb node` processes share: a free loopback
 * port, and a node process started (with extra environment when given) and
 * resolved once it says it is listening. Not a test file itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const repo = join(import.meta.dirname, '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Starts `sb node ARGS` (Node itself given `nodeArgs`) and resolves once it says it is listening. */
export async function startNode(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: readonly string[] = [],
): Promise<ChildProcess> {
  // Tests issue invoices themselves unless they ask for the schedule.
  const schedule = args.includes('--invoice-delay') ? [] : ['--invoice-delay', 'off'];
  const child = spawn(
    process.execPath,
    [...nodeArgs, join(repo, 'bin', 'sb.js'), 'node', ...args, ...schedule],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start: ${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    // DEBUG_NODES=1 shows every node's log (its internal errors included) beside the test's output.
    if (process.env.DEBUG_NODES) child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
    if (process.env.DEBUG_NODES) child.stdout?.on('data', (c: Buffer) => process.stderr.write(c));
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`node exited with ${code}: ${output}`)));
  });
  return child;
}

/** A test party's node: where its data lives and the ports it listens on. */
export interface NodeParty {
  readonly name: string;
  readonly dir: string;
  readonly port: number;
  readonly peerPort: number;
}

/** `sb node` arguments of a test party: its data and ports, a fast background sync, no chain. */
export function partyArgs(p: NodeParty): string[] {
  return [
    '--data',
    p.dir,
    '--party',
    p.name,
    '--port',
    String(p.port),
    '--peer-port',
    String(p.peerPort),
    '--sync-interval',
    '200',
    '--no-chain',
  ];
}
