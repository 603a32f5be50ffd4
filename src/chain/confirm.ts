/**
 * Waits for a party-registry transaction and turns a mined revert into a
 * `ChainError`. The registry helpers pre-flight every write (viem estimates
 * gas, which decodes a named revert), so a revert here means the state
 * changed between the estimate and the block: worth a code, not a retry.
 */
import type { Hex, TransactionReceipt } from 'viem';
import type { ErrorDetails } from '../core/index.ts';
import type { ChainPublicClient } from './client.ts';
import { ChainError } from './errors.ts';

/** The receipt of `hash` once mined; throws `CHAIN_TX_REVERTED` when it reverted. */
export async function confirmTx(
  publicClient: ChainPublicClient,
  hash: Hex,
  what: string,
  details: ErrorDetails = {},
): Promise<TransactionReceipt> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') {
    throw new ChainError('CHAIN_TX_REVERTED', `${what} transaction ${hash} reverted`, {
      details: { ...details, hash },
    });
  }
  return receipt;
}
