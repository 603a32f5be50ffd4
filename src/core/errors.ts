/**
 * One base error for the whole project. Every failure carries a stable `code`
 * (`TERMS_INVALID`, `ENTRY_BAD_SIGNATURE`, …) that callers switch on, a short
 * message for people, and structured `details` (path, rule, value, file, line).
 * The core never throws transport errors: the API maps codes to HTTP statuses
 * in one place.
 */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export class BilateralError extends Error {
  override readonly name: string = 'BilateralError';
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(code: string, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** One violated rule at one JSON path, e.g. `offerings[0].plans.1G.mrc: expected a decimal string`. */
export interface Issue {
  readonly path: string;
  readonly rule: string;
  readonly value?: unknown;
}

/** A document (terms, fact, request body) broke one or more rules; `issues` names each. */
export class ValidationError extends BilateralError {
  override readonly name = 'ValidationError';
  readonly issues: readonly Issue[];

  constructor(code: string, issues: readonly Issue[], details: ErrorDetails = {}) {
    super(code, issues.map(formatIssue).join('; '), { details: { ...details, issues } });
    this.issues = issues;
  }
}

export function formatIssue(issue: Issue): string {
  return issue.path === '' ? issue.rule : `${issue.path}: ${issue.rule}`;
}

/**
 * The HTTP statuses error codes map to. Each layer declares, next to its
 * codes, the status of every one of them (a `Record` over its code union, so
 * a new code without a status does not compile); the API merges the
 * catalogues and never guesses a status from a code's spelling. The rule:
 * invalid input 422, a conflict with what is stored 409, unknown 404, not
 * allowed 403, not authenticated 401, a malformed request 400, a
 * counterparty or chain failing us 502/503.
 */
export type HttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

/** The core's codes and their statuses. */
export const coreErrorStatus = {
  TERMS_INVALID: 422,
  FACT_INVALID: 422,
  PERIOD_INVALID: 422,
  USAGE_INVALID: 422,
  DECIMAL_INVALID: 422,
  CURRENCY_UNKNOWN: 422,
  FACTS_INCONSISTENT: 422,
  /** A statement asked for a day that is not a date. */
  STATEMENT_INVALID: 422,
  /** A payment that cannot apply as recorded (an allocation to an invoice not issued, above its open amount; an id twice). */
  PAYMENT_INVALID: 422,
  /** A settlement statement or netting round that breaks a rule (the field named). */
  NETTING_INVALID: 422,
  /** An ERP account mapping that breaks a rule (the field named). */
  ERP_MAPPING_INVALID: 422,
  /** A document whose figures do not add up, so no balanced journal entry can be made of it. */
  ERP_DOCUMENT_INVALID: 422,
  /** A journal entry that does not balance: a defect, never input. */
  ERP_UNBALANCED: 500,
} as const satisfies Readonly<Record<string, HttpStatus>>;
export type CoreErrorCode = keyof typeof coreErrorStatus;
