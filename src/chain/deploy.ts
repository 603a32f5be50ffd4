/**
 * Deploys the five registries in dependency order, and — for the embedded
 * chain — deploys them once per chain: `ensureDeployed` keeps their
 * addresses in a JSON file and reuses them while code is still there.
 *
 * Design rationale:
 * - Reuse is checked, not assumed: the addresses file may outlive the chain
 *   (state file deleted, a different RPC URL configured). Code must be present
 *   at every address and the registries must point at each other, else the
 *   set is deployed anew.
 * - A lock file serialises nodes that share one chain and start together, and
 *   the file is written to a temporary name then renamed, so a reader never
 *   sees half a file.
 * - The party registry's registrar (the consortium account that approves
 *   parties) is fixed at deployment. The addresses file records it only when
 *   there is one, so files written before registrars existed, and those of
 *   open registries, read the same; the reuse check compares it with the
 *   chain, which also retires a registry deployed before it had a registrar.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type Abi, type Address, getAddress, type Hex, isAddress, isAddressEqual, zeroAddress } from 'viem';
import {
  anchorRegistryAbi,
  bilateralRegistryAbi,
  invoicePledgesAbi,
  partyRegistryAbi,
  resourceCommitmentsAbi,
} from './abi.ts';
import {
  anchorRegistryBytecode,
  bilateralRegistryBytecode,
  invoicePledgesBytecode,
  partyRegistryBytecode,
  resourceCommitmentsBytecode,
} from './bytecode.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import { ChainError } from './errors.ts';
import { withFileLock } from './file-lock.ts';
import { contractRevert } from './revert.ts';

export interface ContractAddresses {
  readonly chainId: number;
  readonly partyRegistry: Address;
  readonly bilateralRegistry: Address;
  readonly anchorRegistry: Address;
  readonly invoicePledges: Address;
  readonly resourceCommitments: Address;
  /** The party registry's registrar; absent when the registry is open (approves at once). */
  readonly registrar?: Address;
}

export interface DeployOptions {
  /** Account that approves party registrations; omitted or zero for an open registry. */
  readonly registrar?: Address;
}

export const CONTRACT_KEYS = [
  'partyRegistry',
  'bilateralRegistry',
  'anchorRegistry',
  'invoicePledges',
  'resourceCommitments',
] as const;

/**
 * Deploys all five contracts from `walletClient`'s account and waits for each
 * receipt. Without a `registrar` the party registry is open.
 *
 * @example
 * const addresses = await deployContracts(walletClient, publicClient, { registrar: '0x…' });
 */
export async function deployContracts(
  walletClient: ChainWalletClient,
  publicClient: ChainPublicClient,
  options: DeployOptions = {},
): Promise<ContractAddresses> {
  const registrar = registrarField(options.registrar, 'registrar', 'CHAIN_INPUT_INVALID');
  const deploy = async (
    name: string,
    abi: Abi,
    bytecode: Hex,
    args: readonly unknown[],
  ): Promise<Address> => {
    const hash = await walletClient.deployContract({ abi, bytecode, args });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new ChainError('CHAIN_DEPLOY_FAILED', `deploying ${name} failed (tx ${hash})`, {
        details: { contract: name, hash, status: receipt.status },
      });
    }
    return getAddress(receipt.contractAddress);
  };
  const partyRegistry = await deploy('PartyRegistry', partyRegistryAbi, partyRegistryBytecode, [
    registrar ?? zeroAddress,
  ]);
  const bilateralRegistry = await deploy(
    'BilateralRegistry',
    bilateralRegistryAbi,
    bilateralRegistryBytecode,
    [partyRegistry],
  );
  const anchorRegistry = await deploy('AnchorRegistry', anchorRegistryAbi, anchorRegistryBytecode, [
    bilateralRegistry,
  ]);
  const invoicePledges = await deploy('InvoicePledges', invoicePledgesAbi, invoicePledgesBytecode, []);
  const resourceCommitments = await deploy(
    'ResourceCommitments',
    resourceCommitmentsAbi,
    resourceCommitmentsBytecode,
    [bilateralRegistry],
  );
  const chainId = await publicClient.getChainId();
  return {
    chainId,
    partyRegistry,
    bilateralRegistry,
    anchorRegistry,
    invoicePledges,
    resourceCommitments,
    ...(registrar === undefined ? {} : { registrar }),
  };
}

/** A checksummed registrar, or undefined for none (absent or the zero address). */
function registrarField(
  value: unknown,
  source: string,
  code: 'CHAIN_INPUT_INVALID' | 'CHAIN_ADDRESSES_INVALID',
): Address | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isAddress(value)) {
    throw new ChainError(code, `${source}: expected an address`, {
      details: { source, field: 'registrar', value },
    });
  }
  return isAddressEqual(value, zeroAddress) ? undefined : getAddress(value);
}

/**
 * True when every contract has code, the registries point at each other and
 * the party registry has the recorded registrar.
 */
export async function isDeployed(
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
): Promise<boolean> {
  if ((await publicClient.getChainId()) !== addresses.chainId) return false;
  for (const key of CONTRACT_KEYS) {
    const code = await publicClient.getCode({ address: addresses[key] });
    if (code === undefined || code === '0x') return false;
  }
  const links = await Promise.all([
    publicClient.readContract({
      address: addresses.partyRegistry,
      abi: partyRegistryAbi,
      functionName: 'registrar',
    }),
    publicClient.readContract({
      address: addresses.bilateralRegistry,
      abi: bilateralRegistryAbi,
      functionName: 'parties',
    }),
    publicClient.readContract({
      address: addresses.anchorRegistry,
      abi: anchorRegistryAbi,
      functionName: 'bilaterals',
    }),
    publicClient.readContract({
      address: addresses.resourceCommitments,
      abi: resourceCommitmentsAbi,
      functionName: 'bilaterals',
    }),
  ]).catch(() => undefined);
  if (links === undefined) return false;
  const [registrar, parties, ...bilaterals] = links;
  return (
    (await pledgesByKey(publicClient, addresses.invoicePledges)) &&
    isAddressEqual(registrar, addresses.registrar ?? zeroAddress) &&
    isAddressEqual(parties, addresses.partyRegistry) &&
    bilaterals.every((address) => isAddressEqual(address, addresses.bilateralRegistry))
  );
}

/** Parses an addresses file's text; throws `CHAIN_ADDRESSES_INVALID` naming the bad field. */
export function parseContractAddresses(text: string, source = 'addresses'): ContractAddresses {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ChainError('CHAIN_ADDRESSES_INVALID', `${source}: not JSON`, { details: { source }, cause });
  }
  if (typeof value !== 'object' || value === null) {
    throw new ChainError('CHAIN_ADDRESSES_INVALID', `${source}: expected an object`, { details: { source } });
  }
  const record = value as Record<string, unknown>;
  if (!Number.isSafeInteger(record.chainId) || (record.chainId as number) <= 0) {
    throw new ChainError('CHAIN_ADDRESSES_INVALID', `${source}.chainId: expected a positive integer`, {
      details: { source, field: 'chainId', value: record.chainId },
    });
  }
  for (const key of CONTRACT_KEYS) {
    const address = record[key];
    if (typeof address !== 'string' || !isAddress(address)) {
      throw new ChainError('CHAIN_ADDRESSES_INVALID', `${source}.${key}: expected an address`, {
        details: { source, field: key, value: address },
      });
    }
  }
  const registrar = registrarField(record.registrar, `${source}.registrar`, 'CHAIN_ADDRESSES_INVALID');
  return {
    chainId: record.chainId as number,
    partyRegistry: getAddress(record.partyRegistry as string),
    bilateralRegistry: getAddress(record.bilateralRegistry as string),
    anchorRegistry: getAddress(record.anchorRegistry as string),
    invoicePledges: getAddress(record.invoicePledges as string),
    resourceCommitments: getAddress(record.resourceCommitments as string),
    ...(registrar === undefined ? {} : { registrar }),
  };
}

/** Reads an addresses file, or undefined when there is none. */
export function readContractAddresses(file: string): ContractAddresses | undefined {
  if (!existsSync(file)) return undefined;
  return parseContractAddresses(readFileSync(file, 'utf8'), file);
}

/** Writes an addresses file atomically (temporary file, then rename). */
export function writeContractAddresses(file: string, addresses: ContractAddresses): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(addresses, null, 2)}\n`);
  renameSync(tmp, file);
}

/**
 * Reuses the contracts recorded in `addressesFile` when they are deployed on
 * this chain; otherwise deploys them and records the new addresses.
 *
 * @example
 * const { addresses, deployed } = await ensureDeployed(join(dir, 'addresses.json'), wallet, client);
 */
export async function ensureDeployed(
  addressesFile: string,
  walletClient: ChainWalletClient,
  publicClient: ChainPublicClient,
): Promise<{ addresses: ContractAddresses; deployed: boolean }> {
  return withFileLock(`${addressesFile}.lock`, async () => {
    const recorded = existsSync(addressesFile) ? safeRead(addressesFile) : undefined;
    if (recorded !== undefined && (await isDeployed(publicClient, recorded))) {
      return { addresses: recorded, deployed: false };
    }
    const addresses = await deployContracts(walletClient, publicClient);
    writeContractAddresses(addressesFile, addresses);
    return { addresses, deployed: true };
  });
}

/** A corrupt addresses file is replaced by a fresh deployment rather than blocking the node. */
function safeRead(file: string): ContractAddresses | undefined {
  try {
    return readContractAddresses(file);
  } catch {
    return undefined;
  }
}

/**
 * Whether the InvoicePledges at `address` is the one keyed by pledge key
 * (settling what is not pledged reverts `NotPledged`), not an earlier one
 * keyed by invoice and bilateral, which a chain folder may still hold.
 */
async function pledgesByKey(publicClient: ChainPublicClient, address: Address): Promise<boolean> {
  try {
    await publicClient.simulateContract({
      address,
      abi: invoicePledgesAbi,
      functionName: 'settle',
      args: [`0x${'0'.repeat(63)}1`],
    });
    return false;
  } catch (error) {
    return contractRevert(error)?.name === 'NotPledged';
  }
}
