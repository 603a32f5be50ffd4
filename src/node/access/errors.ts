/**
 * The access module's errors: one class, codes typed as a union, and each
 * code's HTTP status declared beside it (the API reads `status`, it never
 * guesses one from the code). Credential problems are 401 (authenticate
 * again), a role's missing permission is 403, and a bilateral outside a
 * scoped credential answers exactly as an unknown bilateral does (404
 * `NOT_FOUND`, `no bilateral <id>`), so the credential learns nothing of it.
 */
import { BilateralError, type ErrorDetails } from '../../core/index.ts';

export const accessErrorStatus = {
  /** No token came with the request. */
  CREDENTIAL_MISSING: 401,
  /** Not a token of ours: malformed, or no credential has its hash. */
  CREDENTIAL_INVALID: 401,
  CREDENTIAL_EXPIRED: 401,
  CREDENTIAL_REVOKED: 401,
  /** The credential's role lacks the permission, or a scoped credential asked for a node-wide one. */
  ACCESS_DENIED: 403,
  /** The same code and message as an unknown bilateral (see `hiddenBilateral`). */
  NOT_FOUND: 404,
  /** Input to an access operation broke a rule (a `ValidationError` naming each field). */
  ACCESS_BAD_INPUT: 422,
} as const satisfies Record<string, number>;

export type AccessErrorCode = keyof typeof accessErrorStatus;
export const accessErrorCodes = Object.keys(accessErrorStatus) as AccessErrorCode[];

export function isAccessErrorCode(code: unknown): code is AccessErrorCode {
  return typeof code === 'string' && Object.hasOwn(accessErrorStatus, code);
}

export class AccessError extends BilateralError {
  override readonly name = 'AccessError';
  override readonly code: AccessErrorCode;
  /** The HTTP status this refusal is answered with. */
  readonly status: number;

  constructor(
    code: AccessErrorCode,
    message: string,
    options: { details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.code = code;
    this.status = accessErrorStatus[code];
  }
}

/**
 * The refusal for a bilateral a scoped credential may not see: word for word
 * what the node answers for a bilateral it does not hold, and no details.
 */
export function hiddenBilateral(id: string): AccessError {
  return new AccessError('NOT_FOUND', `no bilateral ${id}`);
}
