/**
 * The HTTP status of every ledger error code (see `HttpStatus` in core). A
 * malformed or forged entry is invalid input (422); an entry that collides
 * with what is stored — a replay, a fork, a gap or a broken link — is a
 * conflict (409).
 */
import type { HttpStatus } from '../core/index.ts';
import type { LedgerErrorCode } from './errors.ts';

export const ledgerErrorStatus: Readonly<Record<LedgerErrorCode, HttpStatus>> = {
  CANONICAL_INVALID: 422,
  KEY_INVALID: 422,
  MERKLE_INVALID: 422,
  ENTRY_MALFORMED: 422,
  ENTRY_WRONG_BILATERAL: 422,
  ENTRY_UNKNOWN_AUTHOR: 422,
  ENTRY_WRONG_KEY: 422,
  ENTRY_BAD_SIGNATURE: 422,
  ENTRY_MALFORMED_BODY: 422,
  ENTRY_REPLAYED: 409,
  ENTRY_EQUIVOCATION: 409,
  ENTRY_SEQ_GAP: 409,
  ENTRY_BROKEN_LINK: 409,
  ENTRY_BAD_SEEN: 422,
  GENESIS_INVALID: 422,
  AGREEMENT_MALFORMED: 422,
  AGREEMENT_BAD_ID: 422,
  AGREEMENT_BAD_SIGNATURE: 422,
  CHECKPOINT_MALFORMED: 422,
  CHECKPOINT_MISSING_SIGNATURE: 422,
  CHECKPOINT_BAD_SIGNATURE: 422,
};
