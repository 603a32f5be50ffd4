/**
 * `sb chain deploy`: deploy the registries to an external EVM chain (a Besu
 * QBFT consortium network, a public chain) and write the addresses file every
 * node of the network is then started with (`sb node --chain-rpc URL
 * --chain-addresses FILE`). The contracts are the committed artifacts, built for
 * the EVM version recorded in them (`npm run build:contracts -- --evm-version
 * london` rebuilds for an older chain).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Hex } from 'viem';
import {
  compilerSettings,
  createChainPublicClient,
  createChainWalletClient,
  deployContracts,
  fetchChainId,
  writeContractAddresses,
} from '../chain/index.ts';
import { parseFlags, UsageError } from './flags.ts';
import type { Command } from './main.ts';

export const chain: Command = async (args, io) => {
  const [action, ...rest] = args;
  if (action !== 'deploy')
    throw new UsageError('usage: sb chain deploy --chain-rpc URL --key-file FILE --out FILE');
  const flags = parseFlags(rest, { 'chain-rpc': 'string', 'key-file': 'string', out: 'string' });
  if (flags['chain-rpc'] === undefined || flags['key-file'] === undefined || flags.out === undefined) {
    throw new UsageError('--chain-rpc URL, --key-file FILE (a 0x… private key) and --out FILE are required');
  }
  const key = readFileSync(resolve(flags['key-file']), 'utf8').trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new UsageError(`${flags['key-file']}: expected a 0x-prefixed 32-byte hex key`);
  const rpcUrl = flags['chain-rpc'];
  const chainId = await fetchChainId(rpcUrl);
  const endpoint = { rpcUrl, chainId };
  io.stdout(`deploying to chain ${chainId} at ${rpcUrl} (EVM ${compilerSettings.evmVersion})\n`);
  const addresses = await deployContracts(
    createChainWalletClient({ ...endpoint, privateKey: key as Hex }),
    createChainPublicClient(endpoint),
  );
  writeContractAddresses(resolve(flags.out), addresses);
  for (const [name, value] of Object.entries(addresses)) io.stdout(`  ${name.padEnd(20)} ${value}\n`);
  io.stdout(`addresses written to ${resolve(flags.out)}\n`);
  return 0;
};
