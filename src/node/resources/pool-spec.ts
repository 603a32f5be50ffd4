/**
 * What a resource pool declaration must hold, by kind:
 * - `capacity`: `unit` (a name: Mbps, Gbps, ports) and `capacity` (a
 *   non-negative decimal string of at most 6 places) — services draw on it
 *   over time (core/capacity.ts);
 * - `vlan`: `port` and `ranges` of VLAN IDs, `[[100, 199], [300, 300]]`,
 *   each within 1–4094 and not overlapping;
 * - `prefix`: one IPv4 or IPv6 `prefix` in CIDR form, with no host bits set.
 * The last two hold unique resources (`vlan:<pool>:<id>`,
 * `prefix:<pool>:<cidr>`), each given to one service at most.
 */
import { Checker, child, parseCapacity, ValidationError } from '../../core/index.ts';
import type { JsonValue } from '../../ledger/index.ts';
import { type ResourcePoolRecord, resourcePoolKinds } from '../../store/index.ts';

export type PoolKind = ResourcePoolRecord['kind'];

/** A pool id: what orders name in `pool` and resource names carry after their kind. */
export const POOL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const UNIT = /^[A-Za-z][A-Za-z0-9/._-]{0,31}$/;
const MAX_RANGES = 256;

/** The declaration `body` of pool `id`, checked and normalised to its kind's fields. */
export function checkPoolDeclaration(id: string, body: unknown): { kind: PoolKind; spec: JsonValue } {
  const c = new Checker();
  if (!POOL_ID.test(id))
    c.fail('id', 'expected 1 to 64 letters, digits, . _ - (starting with a letter or digit)', id);
  const b = c.object(body, '');
  const kind = b === undefined ? undefined : c.literal(b.kind, 'kind', resourcePoolKinds);
  let spec: JsonValue = {};
  if (b !== undefined && kind !== undefined) {
    for (const key of Object.keys(b))
      if (!['kind', ...FIELDS[kind]].includes(key)) c.fail(key, 'unexpected field');
    spec = CHECKS[kind](c, b);
  }
  if (c.issues.length > 0 || kind === undefined) throw new ValidationError('POOL_INVALID', c.issues);
  return { kind, spec };
}

const FIELDS: Readonly<Record<PoolKind, readonly string[]>> = {
  capacity: ['unit', 'capacity'],
  vlan: ['port', 'ranges'],
  prefix: ['prefix'],
};

const CHECKS: Readonly<Record<PoolKind, (c: Checker, b: Record<string, unknown>) => JsonValue>> = {
  capacity(c, b) {
    const unit = c.string(b.unit, 'unit');
    if (unit !== undefined && !UNIT.test(unit))
      c.fail('unit', 'expected a unit name (Mbps, Gbps, ports)', unit);
    if (parseCapacity(b.capacity) === undefined)
      c.fail('capacity', 'expected a non-negative decimal string of at most 6 decimal places', b.capacity);
    return { unit: unit ?? '', capacity: String(b.capacity) };
  },
  vlan(c, b) {
    const port = c.string(b.port, 'port');
    if (port !== undefined && !POOL_ID.test(port)) c.fail('port', 'expected a port name', port);
    const list = c.array(b.ranges, 'ranges', true);
    if (list !== undefined && list.length > MAX_RANGES)
      c.fail('ranges', `expected at most ${MAX_RANGES} ranges`);
    const ranges: [number, number][] = [];
    (list ?? []).slice(0, MAX_RANGES).forEach((item, i) => {
      const path = child('ranges', i);
      const pair = Array.isArray(item) ? item : [];
      const [from, to] = pair;
      if (pair.length !== 2 || !isVlan(from) || !isVlan(to) || from > to) {
        c.fail(path, 'expected [first, last] VLAN IDs within 1-4094, first ≤ last', item as unknown);
        return;
      }
      const overlap = ranges.find(([a, z]) => from <= z && a <= to);
      if (overlap !== undefined)
        c.fail(path, `expected ranges that do not overlap (${overlap.join('-')})`, item);
      ranges.push([from, to]);
    });
    ranges.sort((x, y) => x[0] - y[0]);
    return { port: port ?? '', ranges };
  },
  prefix(c, b) {
    const prefix = typeof b.prefix === 'string' ? parsePrefix(b.prefix) : undefined;
    if (prefix === undefined) {
      c.fail(
        'prefix',
        'expected an IPv4 or IPv6 prefix in CIDR form with no host bits set (192.0.2.0/24)',
        b.prefix,
      );
      return { prefix: '' };
    }
    return { prefix: b.prefix as string };
  },
};

function isVlan(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 4094;
}

/** An IP prefix as its address bits (a bigint), length and family; undefined unless canonical CIDR. */
export interface Prefix {
  readonly family: 4 | 6;
  readonly bits: bigint;
  readonly length: number;
}

export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || text.length > 64) return undefined;
  const address = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  const parsed = address.includes(':') ? ipv6(address) : ipv4(address);
  if (parsed === undefined) return undefined;
  const width = parsed.family === 4 ? 32 : 128;
  if (length > width) return undefined;
  const host = (1n << BigInt(width - length)) - 1n;
  if ((parsed.bits & host) !== 0n) return undefined;
  return { ...parsed, length };
}

/** Whether `inner` lies within `outer` (same family, at least as long, same leading bits). */
export function prefixWithin(inner: Prefix, outer: Prefix): boolean {
  if (inner.family !== outer.family || inner.length < outer.length) return false;
  const width = inner.family === 4 ? 32 : 128;
  const shift = BigInt(width - outer.length);
  return inner.bits >> shift === outer.bits >> shift;
}

function ipv4(text: string): { family: 4; bits: bigint } | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let bits = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bits = (bits << 8n) | BigInt(part);
  }
  return { family: 4, bits };
}

function ipv6(text: string): { family: 6; bits: bigint } | undefined {
  if (!/^[0-9a-f:]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return undefined;
  let bits = 0n;
  for (const group of [...head, ...Array<string>(missing).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
    bits = (bits << 16n) | BigInt(`0x${group}`);
  }
  return { family: 6, bits };
}
