/**
 * `sb node`: run one party node until SIGINT/SIGTERM. Identity and (by default)
 * the SQLite store live in `--data`; `--store postgres://…` selects PostgreSQL.
 */
import { resolve } from 'node:path';
import { startServer } from '../api/index.ts';
import { parseFlags, UsageError } from './flags.ts';
import type { Command } from './main.ts';

export const node: Command = async (args, io) => {
  const flags = parseFlags(args, {
    data: 'string',
    party: 'string',
    host: 'string',
    port: 'string',
    store: 'string',
    'public-url': 'string',
    'sync-interval': 'string',
  });
  if (flags.data === undefined || flags.party === undefined)
    throw new UsageError('--data and --party are required');
  const port = flags.port === undefined ? 7000 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${flags.port}: not a port`);
  const syncIntervalMs = flags['sync-interval'] === undefined ? 5000 : Number(flags['sync-interval']);
  if (!Number.isInteger(syncIntervalMs) || syncIntervalMs < 0) {
    throw new UsageError('--sync-interval: expected milliseconds');
  }
  const running = await startServer({
    dataDir: resolve(flags.data),
    party: flags.party,
    host: flags.host ?? '127.0.0.1',
    port,
    syncIntervalMs,
    ...(flags.store === undefined ? {} : { storeUrl: flags.store }),
    ...(flags['public-url'] === undefined ? {} : { publicUrl: flags['public-url'] }),
    log: (line) => io.stdout(`${new Date().toISOString()} ${line}\n`),
  });
  io.stdout(`node ${running.node.party} listening on ${running.url} (key ${running.node.publicKey})\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  io.stdout('stopping\n');
  await running.close();
  return 0;
};
