/**
 * The one place error codes become HTTP statuses. Everything below the API
 * throws `BilateralError`s with stable codes; clients get `{code, message, details}`.
 */
import { BilateralError, ValidationError } from '../core/index.ts';

const statusByCode: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  NOT_PERMITTED: 403,
  PEER_UNAUTHENTICATED: 401,
  PEER_FORBIDDEN: 403,
  PEER_UNREACHABLE: 502,
  PEER_REJECTED: 502,
  PROPOSAL_REJECTED: 422,
  FACTS_INCONSISTENT: 422,
  ENTRY_REPLAYED: 409,
  ENTRY_EQUIVOCATION: 409,
  ENTRY_SEQ_GAP: 409,
  ENTRY_BROKEN_LINK: 409,
  STORE_NOT_NEXT: 409,
};

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ValidationError) {
    return { status: 422, body: { code: error.code, message: error.message, details: error.issues } };
  }
  if (error instanceof BilateralError) {
    const status = statusByCode[error.code] ?? (error.code.startsWith('ENTRY_') ? 422 : 400);
    return { status, body: { code: error.code, message: error.message } };
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    return {
      status: fastify.statusCode,
      body: { code: 'BAD_REQUEST', message: fastify.message ?? 'bad request' },
    };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' } };
}
