/**
 * The one place error codes become HTTP statuses: the catalogues every layer
 * declares beside its codes, merged. Clients get an RFC 9457 problem
 * (`application/problem+json`): `type` (a URI naming the code: its entry on
 * the node's /docs/problems page), `title` (the status's reason phrase),
 * `status`, `detail`, `instance` (the request's path), and the extension
 * members `code`, `message` (the same text as `detail`, for clients written
 * before) and `details`: for invalid input the issues, each naming a field
 * (`path`) and the `rule` it breaks.
 */
import { STATUS_CODES } from 'node:http';
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

/** An RFC 9457 problem document, with this node's extension members. */
export interface ProblemBody extends ErrorBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Where a code is explained: an anchor of the node's problems page (a URI reference, relative to the node). */
export function problemType(code: string): string {
  return `/docs/problems#${encodeURIComponent(code)}`;
}

/** The problem document of an error body answered with `status` for the request at `instance`. */
export function problem(status: number, body: ErrorBody, instance: string): ProblemBody {
  return {
    type: problemType(body.code),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: body.message,
    instance: instance.split('?')[0] ?? instance,
    ...body,
  };
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
