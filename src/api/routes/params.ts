/**
 * Request parameters every route family reads the same way: ids, periods,
 * integers, objects. Each refusal names the parameter: a period that is not
 * one is invalid input (`PERIOD_INVALID`, 422); a malformed parameter `BAD_REQUEST`.
 */
import { type FactsWait, NodeError, type NodeErrorCode, ValidationError } from '../../node/index.ts';

export interface IdParams {
  id: string;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export function period(value: unknown, name = 'period'): string {
  if (typeof value !== 'string' || !PERIOD.test(value)) {
    throw new ValidationError('PERIOD_INVALID', [{ path: name, rule: 'expected YYYY-MM', value }]);
  }
  return value;
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NodeError('BAD_REQUEST', `${what}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** An optional non-negative integer query parameter, at most `max`; refused with `code`. */
export function integer(
  value: unknown,
  name: string,
  max = Number.MAX_SAFE_INTEGER,
  code: NodeErrorCode = 'BAD_REQUEST',
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value) || Number(value) > max) {
    throw new NodeError(code, `${name}: expected an integer from 0 to ${max}`);
  }
  return Number(value);
}

/** `?wait=stored|replicated` of a recording route; `fallback` when absent. */
export function waitOf(value: unknown, fallback: FactsWait): FactsWait {
  if (value === undefined) return fallback;
  if (value === 'stored' || value === 'replicated') return value;
  throw new NodeError('BAD_REQUEST', 'wait: expected stored or replicated');
}
