/**
 * The chain layer's one error class. Failures of our own machinery (compiler,
 * Anvil, deployment, malformed ids) throw a `ChainError` with a stable code;
 * a contract revert stays a viem error, because viem already decodes it to
 * the contract's named error (see `revert.ts` to read the name).
 */
import { BilateralError, type ErrorDetails } from '../core/index.ts';

export const CHAIN_ERROR_CODES = [
  'CHAIN_INPUT_INVALID',
  'CHAIN_COMPILE_FAILED',
  'CHAIN_ANVIL_MISSING',
  'CHAIN_ANVIL_FAILED',
  'CHAIN_DEPLOY_FAILED',
  'CHAIN_ADDRESSES_INVALID',
  'CHAIN_LOCK_TIMEOUT',
  'CHAIN_PARTY_TAKEN',
  'CHAIN_KEY_MISMATCH',
  'CHAIN_TX_REVERTED',
  /** The chain did not take a transaction, after retries (unreachable, or a nonce race that would not settle). */
  'CHAIN_UNAVAILABLE',
] as const;

export type ChainErrorCode = (typeof CHAIN_ERROR_CODES)[number];

export function isChainErrorCode(value: unknown): value is ChainErrorCode {
  return typeof value === 'string' && (CHAIN_ERROR_CODES as readonly string[]).includes(value);
}

export class ChainError extends BilateralError {
  override readonly name = 'ChainError';
  declare readonly code: ChainErrorCode;

  constructor(
    code: ChainErrorCode,
    message: string,
    options: { details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
