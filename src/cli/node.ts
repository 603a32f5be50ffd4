/**
 * `sb node`: run one party node until SIGINT/SIGTERM. Identity and (by default)
 * the SQLite store live in `--data`; `--store postgres://…` selects PostgreSQL.
 * Two listeners: the owner API (`--host`/`--port`, loopback by default) and
 * the peer API counterparties call (`--peer-host`/`--peer-port`), each with
 * optional TLS from PEM files. As a Seller it issues each closed period's
 * invoice by itself `--invoice-delay` ms after the period ends (default one
 * hour; `off` leaves it to people), looking every `--invoice-interval` ms.
 * `--document-details FILE` (the `sb ubl --details` file) gives the
 * addresses, endpoints and payee account its UBL exports need for Peppol.
 */
import { resolve } from 'node:path';
import { startServer } from '../api/index.ts';
import { parseFlags, UsageError } from './flags.ts';
import type { Command } from './main.ts';
import { InputError } from './offline-inputs.ts';
import { loadDetails } from './ubl.ts';

export const node: Command = async (args, io) => {
  const flags = parseFlags(args, {
    data: 'string',
    party: 'string',
    host: 'string',
    port: 'string',
    'peer-host': 'string',
    'peer-port': 'string',
    'tls-key': 'string',
    'tls-cert': 'string',
    'peer-tls-key': 'string',
    'peer-tls-cert': 'string',
    store: 'string',
    'public-url': 'string',
    'sync-interval': 'string',
    'checkpoint-interval': 'string',
    'chain-rpc': 'string',
    'chain-id': 'string',
    'chain-addresses': 'string',
    'chain-dir': 'string',
    'no-chain': 'boolean',
    'anchor-confirmations': 'string',
    'invoice-delay': 'string',
    'invoice-interval': 'string',
    'notify-interval': 'string',
    'document-details': 'string',
  });
  if (flags.data === undefined || flags.party === undefined)
    throw new UsageError('--data and --party are required');
  const port = portOf(flags.port, '--port', 7000);
  const peerPort = portOf(flags['peer-port'], '--peer-port', 7001);
  const tls = tlsOf(flags['tls-key'], flags['tls-cert'], '--tls');
  const peerTls = tlsOf(flags['peer-tls-key'], flags['peer-tls-cert'], '--peer-tls');
  const syncIntervalMs = milliseconds(flags['sync-interval'], '--sync-interval', 5000);
  const checkpointIntervalMs = milliseconds(flags['checkpoint-interval'], '--checkpoint-interval', 5000);
  const chainId = flags['chain-id'] === undefined ? undefined : Number(flags['chain-id']);
  if (chainId !== undefined && !Number.isSafeInteger(chainId))
    throw new UsageError('--chain-id: expected an integer');
  if (flags['chain-rpc'] !== undefined && flags['chain-addresses'] === undefined) {
    throw new UsageError('--chain-rpc needs --chain-addresses FILE (write one with `sb chain deploy`)');
  }
  const invoiceDelay = flags['invoice-delay'] ?? '3600000';
  const invoiceDelayMs =
    invoiceDelay === 'off' ? undefined : milliseconds(invoiceDelay, '--invoice-delay', 0);
  const invoiceIntervalMs = milliseconds(flags['invoice-interval'], '--invoice-interval', 60_000);
  const notifyIntervalMs = milliseconds(flags['notify-interval'], '--notify-interval', 1000);
  const confirmations = flags['anchor-confirmations'];
  if (confirmations !== undefined && !/^[1-9]\d{0,3}$/.test(confirmations))
    throw new UsageError('--anchor-confirmations: expected an integer from 1 to 9999');
  let details: ReturnType<typeof loadDetails> | undefined;
  if (flags['document-details'] !== undefined) {
    try {
      details = loadDetails(resolve(flags['document-details']));
    } catch (error) {
      if (error instanceof InputError) throw new UsageError(`--document-details: ${error.lines.join('; ')}`);
      throw error;
    }
  }
  const chain = flags['no-chain']
    ? false
    : {
        ...(confirmations === undefined ? {} : { confirmations: Number(confirmations) }),
        ...(flags['chain-rpc'] === undefined ? {} : { rpcUrl: flags['chain-rpc'] }),
        ...(chainId === undefined ? {} : { chainId }),
        ...(flags['chain-addresses'] === undefined
          ? {}
          : { addressesFile: resolve(flags['chain-addresses']) }),
        ...(flags['chain-dir'] === undefined ? {} : { embeddedDir: resolve(flags['chain-dir']) }),
      };
  const running = await startServer({
    dataDir: resolve(flags.data),
    party: flags.party,
    host: flags.host ?? '127.0.0.1',
    port,
    peerHost: flags['peer-host'] ?? '127.0.0.1',
    peerPort,
    ...(tls === undefined ? {} : { tls }),
    ...(peerTls === undefined ? {} : { peerTls }),
    syncIntervalMs,
    checkpointIntervalMs,
    ...(invoiceDelayMs === undefined ? {} : { invoiceDelayMs }),
    invoiceIntervalMs,
    notifyIntervalMs,
    chain,
    ...(flags.store === undefined ? {} : { storeUrl: flags.store }),
    ...(flags['public-url'] === undefined ? {} : { publicUrl: flags['public-url'] }),
    log: (line) => io.stdout(`${new Date().toISOString()} ${line}\n`),
  });
  if (details !== undefined) running.node.documents.configure(details);
  const ledger =
    running.chain === undefined ? 'no chain' : `chain ${running.chain.chainId} at ${running.chain.rpcUrl}`;
  io.stdout(
    `node ${running.node.party} listening on ${running.url} (owner API), ${running.peerUrl} (peer API, public as ${running.node.endpoint}) (key ${running.node.publicKey}, ${ledger})\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  io.stdout('stopping\n');
  await running.close();
  return 0;
};

function milliseconds(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(ms))
    throw new UsageError(`${flag}: expected milliseconds`);
  return ms;
}

function portOf(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) throw new UsageError(`${flag} ${value}: not a port`);
  return port;
}

function tlsOf(keyFile: string | undefined, certFile: string | undefined, flag: string) {
  if (keyFile === undefined && certFile === undefined) return undefined;
  if (keyFile === undefined || certFile === undefined)
    throw new UsageError(`${flag}-key and ${flag}-cert go together`);
  return { keyFile: resolve(keyFile), certFile: resolve(certFile) };
}
