/** The HTTP status of every chain error code (see `HttpStatus` in core): the chain failing us is 503. */
import type { HttpStatus } from '../core/index.ts';
import type { ChainErrorCode } from './errors.ts';

export const chainErrorStatus: Readonly<Record<ChainErrorCode | 'CHAIN_CONFIG_INVALID', HttpStatus>> = {
  CHAIN_INPUT_INVALID: 422,
  CHAIN_COMPILE_FAILED: 500,
  CHAIN_ANVIL_MISSING: 503,
  CHAIN_ANVIL_FAILED: 503,
  CHAIN_DEPLOY_FAILED: 503,
  CHAIN_ADDRESSES_INVALID: 422,
  CHAIN_LOCK_TIMEOUT: 503,
  CHAIN_PARTY_TAKEN: 409,
  CHAIN_KEY_MISMATCH: 409,
  CHAIN_TX_REVERTED: 409,
  CHAIN_UNAVAILABLE: 503,
  CHAIN_CONFIG_INVALID: 422,
};
