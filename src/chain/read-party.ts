/**
 * Reads a party's record from the on-chain registry, the trust root a node
 * takes a counterparty's keys and endpoint from (DESIGN.md decision 8).
 *
 * Design rationale:
 * - Both views are read at one block, so the record and the key history
 *   describe the same moment even if a rotation lands between the two calls.
 * - The record is returned whatever its approval status; `approved: false`
 *   (pending, or revoked by the registrar) means a reader must not trust it.
 * - Rotation signatures are returned, not checked: verifying them is the
 *   ledger's job (`verifyKeyRotation`), and a reader that trusts a history
 *   must check every link from the first key on.
 */
import type { Address, Hex } from 'viem';
import { partyRegistryAbi } from './abi.ts';
import type { ChainPublicClient } from './client.ts';
import type { ContractAddresses } from './deploy.ts';
import { entryKeyFromBytes32, partyIdOf, signatureFromBytes } from './ids.ts';
import { contractRevert } from './revert.ts';

/** One key in a party's history. */
export interface RegisteredKey {
  /** base64url of the raw 32-byte Ed25519 public key. */
  readonly key: string;
  /**
   * base64url of the previous key's 64-byte signature over the rotation
   * statement `{party, oldKey, newKey}`; null for the key the party registered with.
   */
  readonly sig: string | null;
  /** Block in which the key took effect. */
  readonly block: bigint;
}

export interface RegisteredParty {
  readonly party: string;
  /** The EVM account that sends the party's transactions. */
  readonly account: Address;
  /** True only when the registrar approved (or the registry is open); trust nothing else. */
  readonly approved: boolean;
  readonly endpoint: string;
  /** Every key the party has had, oldest first; the last is current. */
  readonly keys: readonly RegisteredKey[];
}

/**
 * The party's registration, or undefined when the name is not registered.
 *
 * @example
 * const acme = await readParty(client, addresses, 'Acme');
 * if (acme?.approved) connect(acme.endpoint, acme.keys.at(-1)!.key);
 */
export async function readParty(
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  party: string,
): Promise<RegisteredParty | undefined> {
  const registry = { address: addresses.partyRegistry, abi: partyRegistryAbi } as const;
  const partyId = partyIdOf(party);
  // cacheTime 0: a cached block number could predate a write the caller just made.
  const blockNumber = await publicClient.getBlockNumber({ cacheTime: 0 });
  let views: Awaited<ReturnType<typeof readViews>>;
  try {
    views = await readViews(publicClient, registry, partyId, blockNumber);
  } catch (error) {
    if (contractRevert(error)?.name === 'UnknownParty') return undefined;
    throw error;
  }
  const [[account, , endpoint, approved], [keys, sigs, blocks]] = views;
  return Object.freeze({
    party,
    account,
    approved,
    endpoint,
    keys: Object.freeze(
      keys.map((key, i) =>
        Object.freeze({
          key: entryKeyFromBytes32(key),
          sig: sigs[i] === undefined || sigs[i] === '0x' ? null : signatureFromBytes(sigs[i]),
          block: blocks[i] ?? 0n,
        }),
      ),
    ),
  });
}

function readViews(
  publicClient: ChainPublicClient,
  registry: { readonly address: Address; readonly abi: typeof partyRegistryAbi },
  partyId: Hex,
  blockNumber: bigint,
) {
  return Promise.all([
    publicClient.readContract({ ...registry, functionName: 'partyOf', args: [partyId], blockNumber }),
    publicClient.readContract({ ...registry, functionName: 'keyHistory', args: [partyId], blockNumber }),
  ]);
}
