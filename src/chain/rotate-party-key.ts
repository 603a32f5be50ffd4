/**
 * Rotates a party's Ed25519 entry key on the registry, carrying the proof
 * that the old key consented: its signature over the rotation statement
 * (canonical JSON `{party, oldKey, newKey}` in the 'key-rotation' domain,
 * made with the ledger's `signKeyRotation`).
 *
 * The chain cannot afford to verify Ed25519, so neither the contract nor this
 * function checks the signature; readers do, link by link, and a rotation
 * with a bad signature breaks the party's history for every reader. Sign
 * with the key that is current on chain.
 */
import type { Hex } from 'viem';
import { partyRegistryAbi } from './abi.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import { confirmTx } from './confirm.ts';
import type { ContractAddresses } from './deploy.ts';
import { entryKeyBytes32, partyIdOf, signatureBytes } from './ids.ts';

export interface KeyRotation {
  readonly party: string;
  /** base64url of the new raw 32-byte Ed25519 public key. */
  readonly newKey: string;
  /** base64url of the current key's 64-byte signature over the rotation statement. */
  readonly sig: string;
}

/**
 * Sends the rotation from the party's account and waits for it; resolves with
 * the transaction and the block from which the new key is current.
 *
 * @example
 * const sig = signKeyRotation(oldKeys.privateKey, { party: 'Acme', oldKey: oldKeys.publicKey, newKey });
 * await rotatePartyKey(wallet, client, addresses, { party: 'Acme', newKey, sig });
 */
export async function rotatePartyKey(
  wallet: ChainWalletClient,
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  rotation: KeyRotation,
): Promise<{ hash: Hex; block: bigint }> {
  const partyId = partyIdOf(rotation.party);
  const hash = await wallet.writeContract({
    address: addresses.partyRegistry,
    abi: partyRegistryAbi,
    functionName: 'rotateKey',
    args: [partyId, entryKeyBytes32(rotation.newKey), signatureBytes(rotation.sig)],
  });
  const receipt = await confirmTx(publicClient, hash, 'party registry rotateKey', {
    party: rotation.party,
    partyId,
  });
  return { hash, block: receipt.blockNumber };
}
