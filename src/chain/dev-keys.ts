/**
 * Anvil's well-known development accounts (mnemonic `test test … junk`, the
 * standard path m/44'/60'/0'/0/i), each funded with 10 000 ETH on a fresh
 * Anvil. Fine for the embedded chain, which listens on loopback only and
 * notarises hashes, not money; never use them on a shared network.
 */
import { type Hex, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { ChainError } from './errors.ts';

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

/** Anvil funds the first ten accounts by default. */
export const DEV_ACCOUNT_COUNT = 10;

/**
 * The private key of development account `index`.
 *
 * @example devPrivateKey(0) // '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
 */
export function devPrivateKey(index: number): Hex {
  if (!Number.isInteger(index) || index < 0 || index >= DEV_ACCOUNT_COUNT) {
    throw new ChainError(
      'CHAIN_INPUT_INVALID',
      `index: expected an integer from 0 to ${DEV_ACCOUNT_COUNT - 1}`,
      {
        details: { field: 'index', value: index },
      },
    );
  }
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey;
  if (key === null) throw new ChainError('CHAIN_INPUT_INVALID', `no private key at index ${index}`);
  return toHex(key);
}
