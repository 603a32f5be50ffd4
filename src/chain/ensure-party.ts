/**
 * Brings a party's on-chain record in line with its node's configuration:
 * registers it on first start, then rotates the entry key or moves the
 * endpoint when the configuration changed. Idempotent, so a node calls it on
 * every start.
 *
 * Why a taken id is an error, not a retry: the registry is first come, first
 * served; if another account holds the party id, only an operator can sort
 * that out (pick another name, or use the account that registered it).
 */
import { isAddressEqual } from 'viem';
import { partyRegistryAbi } from './abi.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import type { ContractAddresses } from './deploy.ts';
import { ChainError } from './errors.ts';
import { entryKeyBytes32, partyIdOf } from './ids.ts';

export interface PartyRecord {
  /** The party's name; its id on chain is keccak256 of it. */
  readonly party: string;
  /** base64url Ed25519 public key that signs the party's entries. */
  readonly entryKey: string;
  /** URL of the party's node. */
  readonly endpoint: string;
}

export type EnsurePartyResult = 'registered' | 'updated' | 'unchanged';

/**
 * Registers or updates `record` from `walletClient`'s account.
 *
 * @example
 * await ensureParty(wallet, client, addresses, { party: 'Acme', entryKey: keys.publicKey, endpoint: 'https://…' });
 */
export async function ensureParty(
  walletClient: ChainWalletClient,
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  record: PartyRecord,
): Promise<EnsurePartyResult> {
  const registry = { address: addresses.partyRegistry, abi: partyRegistryAbi } as const;
  const partyId = partyIdOf(record.party);
  const entryKey = entryKeyBytes32(record.entryKey);
  const me = walletClient.account.address;
  const confirm = async (hash: `0x${string}`): Promise<void> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') {
      throw new ChainError('CHAIN_TX_REVERTED', `party registry transaction ${hash} reverted`, {
        details: { hash, party: record.party },
      });
    }
  };

  const registered = await publicClient.readContract({
    ...registry,
    functionName: 'isRegistered',
    args: [partyId],
  });
  if (!registered) {
    await confirm(
      await walletClient.writeContract({
        ...registry,
        functionName: 'register',
        args: [partyId, entryKey, record.endpoint],
      }),
    );
    return 'registered';
  }
  const [account, key, endpoint] = await publicClient.readContract({
    ...registry,
    functionName: 'partyOf',
    args: [partyId],
  });
  if (!isAddressEqual(account, me)) {
    throw new ChainError(
      'CHAIN_PARTY_TAKEN',
      `party ${record.party} is registered to another account ${account}`,
      {
        details: { party: record.party, partyId, account, caller: me },
      },
    );
  }
  let changed = false;
  if (key.toLowerCase() !== entryKey.toLowerCase()) {
    await confirm(
      await walletClient.writeContract({ ...registry, functionName: 'rotateKey', args: [partyId, entryKey] }),
    );
    changed = true;
  }
  if (endpoint !== record.endpoint) {
    await confirm(
      await walletClient.writeContract({
        ...registry,
        functionName: 'setEndpoint',
        args: [partyId, record.endpoint],
      }),
    );
    changed = true;
  }
  return changed ? 'updated' : 'unchanged';
}
