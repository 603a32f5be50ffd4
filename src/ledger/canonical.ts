/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON
 * value that everything hashed or signed goes through (DESIGN.md decision 4).
 *
 * Design rationale:
 * - Object keys are sorted by UTF-16 code units (RFC 8785 §3.2.3), which is
 *   what comparing JS strings with `<` does.
 * - Numbers use the ECMAScript Number-to-String algorithm (§3.2.2.3); V8's
 *   `JSON.stringify(number)` is exactly that, and turns -0 into `0`.
 *   NaN and ±Infinity are not JSON and are rejected.
 * - Strings use the ECMAScript JSON string escaping (§3.2.2.2): `JSON.stringify`
 *   again, after rejecting lone surrogates — they cannot be encoded as UTF-8,
 *   and silently replacing them would let two different strings share a hash.
 * - Only plain data is accepted: null, booleans, finite numbers, strings,
 *   arrays without holes and plain objects (prototype Object or null). Anything
 *   else — undefined, functions, bigint, symbols, Dates, Maps, class instances,
 *   cycles — is a `CANONICAL_INVALID` error naming the JSON path, instead of
 *   being dropped or coerced as `JSON.stringify` would.
 */
import { byCodeUnit } from '../core/index.ts';
import { LedgerError } from './errors.ts';

const loneSurrogate = /[\uD800-\uDFFF]/u;
const encoder = new TextEncoder();

/**
 * The RFC 8785 canonical JSON text of `value`.
 *
 * @example canonicalize({ b: [1, 2.50], a: 'é' }) // '{"a":"é","b":[1,2.5]}'
 */
export function canonicalize(value: unknown): string {
  return write(value, [], new Set());
}

/** UTF-8 bytes of `canonicalize(value)`: what is hashed and signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

type Path = (string | number)[];

function write(value: unknown, path: Path, open: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return writeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) fail(path, `number ${value} is not JSON`, value);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (open.has(value)) fail(path, 'cycle');
      open.add(value);
      try {
        return Array.isArray(value) ? writeArray(value, path, open) : writeObject(value, path, open);
      } finally {
        open.delete(value);
      }
    default:
      return fail(path, `${typeof value} is not JSON`);
  }
}

function writeString(value: string, path: Path): string {
  if (loneSurrogate.test(value)) fail(path, 'string contains a lone surrogate', value);
  return JSON.stringify(value);
}

function writeArray(value: readonly unknown[], path: Path, open: Set<object>): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) fail([...path, i], 'array hole');
    if (i > 0) out += ',';
    path.push(i);
    out += write(value[i], path, open);
    path.pop();
  }
  return out + ']';
}

function writeObject(value: object, path: Path, open: Set<object>): string {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    fail(path, `${proto?.constructor?.name ?? 'object'} is not a plain object`);
  }
  if (Object.getOwnPropertySymbols(value).length > 0) fail(path, 'symbol keys are not JSON');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(byCodeUnit);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    path.push(key);
    const item = record[key];
    if (item === undefined) fail(path, 'undefined is not JSON');
    if (i > 0) out += ',';
    out += writeString(key, path) + ':' + write(item, path, open);
    path.pop();
  }
  return out + '}';
}

function fail(path: Path, rule: string, value?: unknown): never {
  const where = formatPath(path);
  throw new LedgerError('CANONICAL_INVALID', `${where}: ${rule}`, {
    details: value === undefined ? { path: where, rule } : { path: where, rule, value },
  });
}

/** `$`, `$.body.items[3]`, `$["odd key"]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`;
  }
  return out;
}
