/**
 * The ledger layer's one error class. Every check in this folder throws a
 * `LedgerError` whose `code` is one of `LEDGER_ERROR_CODES`: callers (node,
 * API) switch on the code, never on the message, and `details` names the
 * field, the rule and — for fraud such as equivocation — carries the evidence.
 */
import { BilateralError, type ErrorDetails } from '../core/index.ts';

export const LEDGER_ERROR_CODES = [
  'CANONICAL_INVALID',
  'KEY_INVALID',
  'MERKLE_INVALID',
  'ENTRY_MALFORMED',
  'ENTRY_WRONG_BILATERAL',
  'ENTRY_UNKNOWN_AUTHOR',
  'ENTRY_WRONG_KEY',
  'ENTRY_BAD_SIGNATURE',
  'ENTRY_MALFORMED_BODY',
  'ENTRY_REPLAYED',
  'ENTRY_EQUIVOCATION',
  'ENTRY_SEQ_GAP',
  'ENTRY_BROKEN_LINK',
  'ENTRY_BAD_SEEN',
  'GENESIS_INVALID',
  'AGREEMENT_MALFORMED',
  'AGREEMENT_BAD_ID',
  'AGREEMENT_BAD_SIGNATURE',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_MISSING_SIGNATURE',
  'CHECKPOINT_BAD_SIGNATURE',
] as const;

export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

export function isLedgerErrorCode(value: unknown): value is LedgerErrorCode {
  return typeof value === 'string' && (LEDGER_ERROR_CODES as readonly string[]).includes(value);
}

export class LedgerError extends BilateralError {
  override readonly name = 'LedgerError';
  declare readonly code: LedgerErrorCode;

  constructor(
    code: LedgerErrorCode,
    message: string,
    options: { details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
