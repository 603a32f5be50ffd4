/**
 * The codes the store throws (`BilateralError.code`), in one place so callers
 * and the API's status mapping can switch on them.
 */
import type { HttpStatus } from '../core/index.ts';

export const storeErrorCodes = [
  /** `appendEntry`: seq is not head + 1, or prev is not the head's hash (or the bilateral id for seq 1). */
  'STORE_NOT_NEXT',
  /** `appendEntry`: the entry's bilateral was never `putBilateral`-ed. */
  'STORE_UNKNOWN_BILATERAL',
  /** `putBilateral`: the id is stored with another agreement or role. */
  'STORE_BILATERAL_MISMATCH',
  /** `putCheckpoint`: a checkpoint at the same heads with another state hash is stored. */
  'STORE_CHECKPOINT_CONFLICT',
  /** Usage records: an id already stored for the author under another batch, or a batch stored differently. */
  'STORE_USAGE_CONFLICT',
  'STORE_BAD_USAGE',
  /** Input validation (`ValidationError` with `issues` naming each field). */
  'STORE_BAD_ENTRY',
  'STORE_BAD_BILATERAL',
  'STORE_BAD_CHECKPOINT',
  'STORE_BAD_RANGE',
  'STORE_BAD_EVIDENCE',
  /** `putCredential`: another credential with this id or token hash is stored. */
  'STORE_CREDENTIAL_CONFLICT',
  /** Access tables' input validation (`ValidationError` with `issues`). */
  'STORE_BAD_CREDENTIAL',
  'STORE_BAD_AUDIT',
  'STORE_BAD_EVENT',
  'STORE_BAD_SUBSCRIPTION',
  'STORE_BAD_PEER',
  'STORE_BAD_PROPOSAL',
  'STORE_BAD_NONCE',
  'STORE_BAD_NETTING',
  'STORE_BAD_POOL',
  'STORE_BAD_CLAIM',
  /** `openStore`: not `sqlite:<path>`, `sqlite::memory:` or `postgres://…`. */
  'STORE_BAD_URL',
  /** `migrate`: a migration failed; `cause` holds the engine's error. */
  'STORE_MIGRATION_FAILED',
] as const;

export type StoreErrorCode = (typeof storeErrorCodes)[number];

export function isStoreErrorCode(code: unknown): code is StoreErrorCode {
  return storeErrorCodes.includes(code as StoreErrorCode);
}

/** The HTTP status of every store code (see `HttpStatus` in core). */
export const storeErrorStatus: Readonly<Record<StoreErrorCode, HttpStatus>> = {
  STORE_NOT_NEXT: 409,
  STORE_UNKNOWN_BILATERAL: 404,
  STORE_BILATERAL_MISMATCH: 409,
  STORE_CHECKPOINT_CONFLICT: 409,
  STORE_USAGE_CONFLICT: 409,
  STORE_BAD_USAGE: 422,
  STORE_BAD_ENTRY: 422,
  STORE_BAD_BILATERAL: 422,
  STORE_BAD_CHECKPOINT: 422,
  STORE_BAD_RANGE: 422,
  STORE_BAD_EVIDENCE: 422,
  STORE_CREDENTIAL_CONFLICT: 409,
  STORE_BAD_CREDENTIAL: 422,
  STORE_BAD_AUDIT: 422,
  STORE_BAD_EVENT: 422,
  STORE_BAD_SUBSCRIPTION: 422,
  STORE_BAD_PEER: 422,
  STORE_BAD_PROPOSAL: 422,
  STORE_BAD_NONCE: 422,
  STORE_BAD_NETTING: 422,
  STORE_BAD_POOL: 422,
  STORE_BAD_CLAIM: 422,
  STORE_BAD_URL: 422,
  STORE_MIGRATION_FAILED: 500,
};
