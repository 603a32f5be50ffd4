/**
 * Reading the bodies of Sonata and TM Forum requests: each refusal a
 * `SONATA_INVALID` naming the field and the rule (a 400 `invalidBody`).
 */
import { ValidationError } from '../../core/index.ts';

type Json = Record<string, unknown>;

export function bad(path: string, rule: string): never {
  throw new ValidationError('SONATA_INVALID', [{ path, rule }]);
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(value: unknown, path: string, max = 200): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    bad(path, `expected a non-empty string of at most ${max} characters`);
  }
  return value;
}

export function instant(value: unknown, path: string): string {
  const s = text(value, path, 40);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(s) ||
    Number.isNaN(Date.parse(s))
  ) {
    bad(path, 'expected an RFC 3339 date-time');
  }
  return new Date(Date.parse(s)).toISOString().replace('.000Z', 'Z');
}
