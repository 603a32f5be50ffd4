/**
 * `sb chain`: an operator's actions on an external EVM chain (a Besu QBFT
 * consortium network, a public chain).
 *
 * - `deploy` deploys the registries and writes the addresses file every node
 *   of the network is then started with (`sb node --chain-rpc URL
 *   --chain-addresses FILE`). With `--registrar ADDRESS` party registrations
 *   wait for that account's approval; without it the registry is open. The
 *   contracts are the committed artifacts, built for the EVM version recorded
 *   in them (`npm run build:contracts -- --evm-version london` rebuilds for an
 *   older chain).
 * - `approve` / `revoke`, run by the consortium registrar, decide which
 *   registered parties nodes trust (DESIGN.md decision 8).
 * - `party` shows a party's registration, for the registrar to check before
 *   approving.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Address, type Hex, isAddress } from 'viem';
import {
  approveParty,
  ChainError,
  compilerSettings,
  contractRevert,
  createChainPublicClient,
  createChainWalletClient,
  deployContracts,
  fetchChainId,
  readContractAddresses,
  readParty,
  revokeParty,
  writeContractAddresses,
} from '../chain/index.ts';
import { parseFlags, UsageError } from './flags.ts';
import type { Command, Io } from './main.ts';

const USAGE = `usage:
  sb chain deploy  --chain-rpc URL --key-file FILE --out FILE [--registrar ADDRESS]
  sb chain approve --chain-rpc URL --key-file REGISTRAR_KEY --addresses FILE --party NAME
  sb chain revoke  --chain-rpc URL --key-file REGISTRAR_KEY --addresses FILE --party NAME
  sb chain party   --chain-rpc URL --addresses FILE --party NAME [--json]`;

export const chain: Command = async (args, io) => {
  const [action, ...rest] = args;
  switch (action) {
    case 'deploy':
      return deploy(rest, io);
    case 'approve':
    case 'revoke':
      return registrar(action, rest, io);
    case 'party':
      return showParty(rest, io);
    default:
      throw new UsageError(USAGE);
  }
};

async function deploy(args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    'chain-rpc': 'string',
    'key-file': 'string',
    out: 'string',
    registrar: 'string',
  });
  if (flags['chain-rpc'] === undefined || flags['key-file'] === undefined || flags.out === undefined) {
    throw new UsageError('--chain-rpc URL, --key-file FILE (a 0x… private key) and --out FILE are required');
  }
  if (flags.registrar !== undefined && !isAddress(flags.registrar)) {
    throw new UsageError(
      `--registrar: expected a 0x-prefixed 20-byte address (checksummed or lowercase), got '${flags.registrar}'`,
    );
  }
  const key = readKey(flags['key-file']);
  const rpcUrl = flags['chain-rpc'];
  const chainId = await fetchChainId(rpcUrl);
  const endpoint = { rpcUrl, chainId };
  io.stdout(`deploying to chain ${chainId} at ${rpcUrl} (EVM ${compilerSettings.evmVersion})\n`);
  const addresses = await deployContracts(
    createChainWalletClient({ ...endpoint, privateKey: key }),
    createChainPublicClient(endpoint),
    flags.registrar === undefined ? {} : { registrar: flags.registrar as Address },
  );
  writeContractAddresses(resolve(flags.out), addresses);
  for (const [name, value] of Object.entries(addresses)) io.stdout(`  ${name.padEnd(20)} ${value}\n`);
  if (addresses.registrar === undefined) {
    io.stdout('party registry is open: registrations are approved at once\n');
  }
  io.stdout(`addresses written to ${resolve(flags.out)}\n`);
  return 0;
}

async function registrar(action: 'approve' | 'revoke', args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    'chain-rpc': 'string',
    'key-file': 'string',
    addresses: 'string',
    party: 'string',
  });
  if (
    flags['chain-rpc'] === undefined ||
    flags['key-file'] === undefined ||
    flags.addresses === undefined ||
    flags.party === undefined
  ) {
    throw new UsageError(
      '--chain-rpc URL, --key-file FILE (the registrar’s 0x… private key), --addresses FILE and --party NAME are required',
    );
  }
  const key = readKey(flags['key-file']);
  const { endpoint, addresses } = await connect(flags['chain-rpc'], flags.addresses);
  const wallet = createChainWalletClient({ ...endpoint, privateKey: key });
  const client = createChainPublicClient(endpoint);
  const act = action === 'approve' ? approveParty : revokeParty;
  const result = await act(wallet, client, addresses, flags.party).catch((error: unknown) => {
    throw refusal(error, `${action} ${flags.party}`);
  });
  io.stdout(`party ${flags.party}: ${result}\n`);
  return 0;
}

async function showParty(args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    'chain-rpc': 'string',
    addresses: 'string',
    party: 'string',
    json: 'boolean',
  });
  if (flags['chain-rpc'] === undefined || flags.addresses === undefined || flags.party === undefined) {
    throw new UsageError('--chain-rpc URL, --addresses FILE and --party NAME are required');
  }
  const { endpoint, addresses } = await connect(flags['chain-rpc'], flags.addresses);
  const party = await readParty(createChainPublicClient(endpoint), addresses, flags.party);
  if (party === undefined) {
    io.stderr(`party ${flags.party} is not registered\n`);
    return 1;
  }
  if (flags.json) {
    io.stdout(`${JSON.stringify(party, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
    return 0;
  }
  io.stdout(`party     ${party.party}\n`);
  io.stdout(`status    ${party.approved ? 'approved' : 'not approved (pending or revoked)'}\n`);
  io.stdout(`account   ${party.account}\n`);
  io.stdout(`endpoint  ${party.endpoint}\n`);
  for (const [i, k] of party.keys.entries()) {
    const how = k.sig === null ? 'registered' : 'rotated, signed by the previous key';
    io.stdout(`key ${i + 1}     ${k.key}  from block ${k.block} (${how})\n`);
  }
  return 0;
}

export function readKey(file: string): Hex {
  const key = readFileSync(resolve(file), 'utf8').trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new UsageError(`${file}: expected a 0x-prefixed 32-byte hex key`);
  return key as Hex;
}

/** The chain endpoint and the addresses file, refusing a file made for another chain. */
export async function connect(rpcUrl: string, file: string) {
  const addresses = readContractAddresses(resolve(file));
  if (addresses === undefined) throw new UsageError(`${file}: no such addresses file`);
  const chainId = await fetchChainId(rpcUrl);
  if (chainId !== addresses.chainId) {
    throw new ChainError(
      'CHAIN_ADDRESSES_INVALID',
      `${file} is for chain ${addresses.chainId}, but ${rpcUrl} is chain ${chainId}`,
      { details: { file, recorded: addresses.chainId, chainId } },
    );
  }
  return { endpoint: { rpcUrl, chainId }, addresses };
}

/** A registry refusal as a coded error the `sb` command prints, instead of viem's stack. */
function refusal(error: unknown, what: string): unknown {
  const revert = contractRevert(error);
  if (revert === undefined) return error;
  const args = revert.args.map(String).join(', ');
  return new ChainError('CHAIN_TX_REVERTED', `${what}: the party registry refused: ${revert.name}(${args})`, {
    details: { revert: revert.name, args: revert.args.map(String) },
    cause: error,
  });
}
