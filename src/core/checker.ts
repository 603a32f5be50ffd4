/**
 * Collects every broken rule of a document, each at its JSON path
 * (`offerings[0].plans.1G.mrc: expected a decimal string`), so a user fixes
 * a terms file in one pass instead of one error at a time. Each reader
 * returns the value when it is valid and `undefined` after recording an issue.
 */

import { isDecimalString, parseDecimal } from './decimal.ts';
import type { Issue } from './errors.ts';
import { type Instant, parseInstant } from './instant.ts';
import { compare, type Rational } from './rational.ts';

/** `child('offerings', 0)` → `offerings[0]`; `child('plans', '1G')` → `plans.1G`. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface DecimalBounds {
  /** Inclusive lower bound. */
  readonly min?: Rational;
  /** Exclusive lower bound. */
  readonly above?: Rational;
  /** Inclusive upper bound. */
  readonly max?: Rational;
  /** The rule printed when a bound is broken. */
  readonly rule: string;
}

export class Checker {
  readonly issues: Issue[] = [];

  fail(path: string, rule: string, value?: unknown): undefined {
    this.issues.push(value === undefined ? { path, rule } : { path, rule, value });
    return undefined;
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    return isRecord(value) ? value : this.fail(path, 'expected an object', value);
  }

  array(value: unknown, path: string, nonEmpty = false): readonly unknown[] | undefined {
    if (!Array.isArray(value))
      return this.fail(path, nonEmpty ? 'expected a non-empty array' : 'expected an array', value);
    if (nonEmpty && value.length === 0) return this.fail(path, 'expected a non-empty array', value);
    return value;
  }

  string(value: unknown, path: string): string | undefined {
    return typeof value === 'string' && value.trim() !== '' && value.trim() === value
      ? value
      : this.fail(path, 'expected a non-empty string', value);
  }

  literal<const T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    return this.fail(path, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }

  boolean(value: unknown, path: string): boolean | undefined {
    return typeof value === 'boolean' ? value : this.fail(path, 'expected a boolean', value);
  }

  /** A JSON integer (counts: days, months, units), at least `min`. */
  integer(value: unknown, path: string, min = 0): number | undefined {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
    const rule = min === 0 ? 'expected a non-negative integer' : `expected an integer >= ${min}`;
    return this.fail(path, rule, value);
  }

  /** A decimal string (never a JSON number), optionally bounded. */
  decimal(value: unknown, path: string, bounds?: DecimalBounds): string | undefined {
    if (!isDecimalString(value)) return this.fail(path, 'expected a decimal string', value);
    if (bounds !== undefined) {
      const x = parseDecimal(value);
      if (
        (bounds.min !== undefined && compare(x, bounds.min) < 0) ||
        (bounds.above !== undefined && compare(x, bounds.above) <= 0) ||
        (bounds.max !== undefined && compare(x, bounds.max) > 0)
      ) {
        return this.fail(path, bounds.rule, value);
      }
    }
    return value;
  }

  time(value: unknown, path: string): Instant | undefined {
    const instant = parseInstant(value);
    return instant === undefined ? this.fail(path, 'expected an RFC 3339 UTC time', value) : instant;
  }
}

/** Freezes a JSON-shaped value and everything inside it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
