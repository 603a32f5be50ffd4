/**
 * Unique resources on the chain (`ResourceCommitments`): a resource's
 * fingerprint committed to one bilateral at most. The chain decides races —
 * two nodes of the same Seller giving out the same VLAN end with one
 * commitment, and the other learns the resource is taken before it signs.
 *
 * A fingerprint is `keccak256(salt ‖ name)` with the Seller's secret salt, so
 * the chain holds nothing from which a resource's name (a VLAN on a port has
 * only 4,094 values) could be guessed.
 */
import { concat, type Hex, keccak256, toHex } from 'viem';
import { resourceCommitmentsAbi } from './abi.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import type { ContractAddresses } from './deploy.ts';
import { ChainError } from './errors.ts';
import { bytes32FromHash, hashFromBytes32 } from './ids.ts';
import { contractRevert } from './revert.ts';

export interface ResourceChain {
  /** Commits `resourceId` to `bilateral`: `committed` (also when it already was, to it), or `taken` by another. */
  commit(
    resourceId: Hex,
    bilateral: string,
  ): Promise<{ status: 'committed' } | { status: 'taken'; bilateral: string }>;
  /** Frees `resourceId` when it is committed to `bilateral`; answers whether it was. */
  release(resourceId: Hex, bilateral: string): Promise<boolean>;
  /** The bilateral `resourceId` is committed to, or undefined when it is free. */
  commitmentOf(resourceId: Hex): Promise<string | undefined>;
}

export interface ResourceChainOptions {
  readonly publicClient: ChainPublicClient;
  readonly walletClient: ChainWalletClient;
  readonly addresses: ContractAddresses;
  /** Registers the bilateral on the chain first, when it is not (the anchoring chain's). */
  readonly ensureBilateral: (bilateral: string) => Promise<void>;
}

/** The fingerprint of resource `name` under the Seller's `salt` (32 bytes, hex). */
export function resourceFingerprint(salt: Hex, name: string): Hex {
  return keccak256(concat([salt, toHex(name)]));
}

/** Attempts at a transaction that failed for a reason other than the contract (a nonce taken by a sibling node). */
const ATTEMPTS = 5;

/**
 * `work`, again after a short random pause when it fails: every node of a
 * party sends from the party's one account, so two may pick the same nonce.
 */
async function retrying<T>(what: string, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= ATTEMPTS) {
        throw new ChainError('CHAIN_UNAVAILABLE', `${what} failed ${ATTEMPTS} times: ${String(error)}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 200)));
    }
  }
}

export function createResourceChain(options: ResourceChainOptions): ResourceChain {
  const { publicClient, walletClient, addresses } = options;
  const contract = { address: addresses.resourceCommitments, abi: resourceCommitmentsAbi } as const;
  const commitmentOf = async (resourceId: Hex) => {
    const [bilateralId] = await publicClient.readContract({
      ...contract,
      functionName: 'commitmentOf',
      args: [resourceId],
    });
    return /^0x0{64}$/.test(bilateralId) ? undefined : hashFromBytes32(bilateralId);
  };
  /** Sends `functionName(args)` and waits for it to be mined; a revert answers its error name. */
  const send = (functionName: 'commit' | 'release', args: readonly [Hex] | readonly [Hex, Hex]) =>
    retrying(`${functionName} on ResourceCommitments`, async (): Promise<'mined' | string> => {
      try {
        const hash = await walletClient.writeContract({ ...contract, functionName, args } as never);
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        return receipt.status === 'success' ? 'mined' : 'reverted';
      } catch (error) {
        const revert = contractRevert(error);
        if (revert !== undefined) return revert.name;
        throw error;
      }
    });
  return {
    async commit(resourceId, bilateral) {
      await retrying('registering the bilateral', () => options.ensureBilateral(bilateral));
      const result = await send('commit', [resourceId, bytes32FromHash(bilateral)]);
      const holder = await commitmentOf(resourceId);
      if (holder === bilateral) return { status: 'committed' };
      if (holder !== undefined) return { status: 'taken', bilateral: holder };
      throw new ChainError('CHAIN_TX_REVERTED', `committing a resource to ${bilateral} failed: ${result}`, {
        details: { bilateral, result },
      });
    },
    async release(resourceId, bilateral) {
      if ((await commitmentOf(resourceId)) !== bilateral) return false;
      const result = await send('release', [resourceId]);
      return result === 'mined' || result === 'NotCommitted';
    },
    commitmentOf,
  };
}
