/**
 * Errors raised by the party node. Codes are stable; the API maps them to HTTP
 * statuses in one place (src/api/errors.ts).
 */
import { BilateralError, type ErrorDetails } from '../core/index.ts';

export const nodeErrorCodes = [
  'NOT_FOUND',
  'NOT_PERMITTED',
  'BAD_REQUEST',
  'PEER_UNAUTHENTICATED',
  'PEER_FORBIDDEN',
  'PEER_UNREACHABLE',
  'PEER_REJECTED',
  'PROPOSAL_REJECTED',
] as const;
export type NodeErrorCode = (typeof nodeErrorCodes)[number];

export class NodeError extends BilateralError {
  override readonly name = 'NodeError';

  constructor(
    code: NodeErrorCode,
    message: string,
    options: { details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}
