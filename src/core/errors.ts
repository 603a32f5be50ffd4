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
