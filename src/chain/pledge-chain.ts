/**
 * Invoice pledges on the chain (`InvoicePledges`), as a financier uses them:
 * an invoice's pledge key, the pledge (refused when the invoice is pledged
 * already, to anyone), its settlement once paid, and what the chain says of
 * a key.
 *
 * The pledge key is `keccak256("sb-pledge:" ‖ invoice hash)`: whoever holds
 * the invoice computes it and finds its pledge; the chain shows nobody else
 * anything but an opaque key and the financier's account.
 */
import { type Hex, keccak256, toHex } from 'viem';
import { invoicePledgesAbi } from './abi.ts';
import type { ChainPublicClient, ChainWalletClient } from './client.ts';
import type { ContractAddresses } from './deploy.ts';
import { ChainError } from './errors.ts';
import { contractRevert } from './revert.ts';

/** What the chain holds for a pledge key: nothing, or the financier's account and when it pledged and settled. */
export type PledgeState =
  | { readonly status: 'free' }
  | {
      readonly status: 'pledged' | 'settled';
      readonly financier: Hex;
      /** Unix seconds of the block that pledged it. */
      readonly pledgedAt: number;
      /** Unix seconds of the block that settled it; absent while open. */
      readonly settledAt?: number;
    };

const INVOICE_HASH = /^[0-9a-f]{64}$/;

/** The pledge key of the invoice whose hash (SHA-256, hex) is `invoiceHash`. */
export function pledgeKeyOf(invoiceHash: string): Hex {
  if (!INVOICE_HASH.test(invoiceHash)) {
    throw new ChainError('CHAIN_INPUT_INVALID', 'invoiceHash: expected 64 lowercase hex characters', {
      details: { field: 'invoiceHash', value: invoiceHash },
    });
  }
  return keccak256(toHex(`sb-pledge:${invoiceHash}`));
}

/** Reads the pledge of `key` from the chain. */
export async function readPledge(
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  key: Hex,
): Promise<PledgeState> {
  const [financier, pledgedAt, settledAt] = await publicClient.readContract({
    address: addresses.invoicePledges,
    abi: invoicePledgesAbi,
    functionName: 'pledgeOf',
    args: [key],
  });
  if (/^0x0{40}$/i.test(financier)) return { status: 'free' };
  return settledAt === 0n
    ? { status: 'pledged', financier, pledgedAt: Number(pledgedAt) }
    : { status: 'settled', financier, pledgedAt: Number(pledgedAt), settledAt: Number(settledAt) };
}

/**
 * `functionName(key)` as the financier (`walletClient`'s account), mined:
 * answers what the chain holds after it. A revert (pledged already, not the
 * financier's, settled) is answered as the state that caused it, not thrown.
 */
export async function writePledge(
  walletClient: ChainWalletClient,
  publicClient: ChainPublicClient,
  addresses: ContractAddresses,
  functionName: 'pledge' | 'settle' | 'release',
  key: Hex,
): Promise<{ readonly done: boolean; readonly reason?: string; readonly state: PledgeState }> {
  try {
    const hash = await walletClient.writeContract({
      address: addresses.invoicePledges,
      abi: invoicePledgesAbi,
      functionName,
      args: [key],
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const state = await readPledge(publicClient, addresses, key);
    return receipt.status === 'success' ? { done: true, state } : { done: false, reason: 'reverted', state };
  } catch (error) {
    const revert = contractRevert(error);
    if (revert === undefined) throw error;
    return { done: false, reason: revert.name, state: await readPledge(publicClient, addresses, key) };
  }
}
