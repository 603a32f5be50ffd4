/**
 * The one place error codes become HTTP statuses: the catalogues every layer
 * declares beside its codes, merged. Clients get `{code, message, details}`;
 * an invalid document's `details.issues` names each field and rule.
 */
import {
  accessErrorStatus,
  BilateralError,
  chainErrorStatus,
  coreErrorStatus,
  type HttpStatus,
  ledgerErrorStatus,
  nodeErrorStatus,
  storeErrorStatus,
  ValidationError,
} from '../node/index.ts';

/** Every code the node can answer with, and its status. */
export const errorCatalogue: Readonly<Record<string, HttpStatus>> = {
  ...coreErrorStatus,
  ...ledgerErrorStatus,
  ...chainErrorStatus,
  ...storeErrorStatus,
  ...nodeErrorStatus,
  ...accessErrorStatus,
};

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export function toHttpError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ValidationError) {
    const status = errorCatalogue[error.code] ?? 422;
    return { status, body: { code: error.code, message: error.message, details: error.issues } };
  }
  if (error instanceof BilateralError) {
    const status = errorCatalogue[error.code] ?? 400;
    const details = Object.keys(error.details).length === 0 ? {} : { details: error.details };
    return { status, body: { code: error.code, message: error.message, ...details } };
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    const code = fastify.statusCode === 413 ? 'BODY_TOO_LARGE' : 'BAD_REQUEST';
    return { status: fastify.statusCode, body: { code, message: fastify.message ?? 'bad request' } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' } };
}
