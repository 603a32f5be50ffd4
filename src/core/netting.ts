/**
 * Netting: what each member of a group owes or is owed once every open
 * amount between them is summed, and a set of payments that settles it.
 * Bilateral netting (two providers selling to each other) is the case of two
 * members; multilateral netting (a consortium) the general one.
 *
 * Design rationale:
 * - Exact: amounts are the currency's minor units as BigInt; each currency
 *   is netted on its own (no rate is ever assumed).
 * - A member's position is what it is owed minus what it owes; positions
 *   sum to zero by construction, and a payment moves an amount from one
 *   member whose position is below zero to one above it.
 * - Fewest payments. With k members not at zero, any settlement needs at
 *   least k − g payments, where g is the largest number of disjoint groups
 *   whose positions each sum to zero (each group settles on its own, in
 *   one payment fewer than its members). Up to EXACT_MEMBERS members the
 *   groups are found exactly (a search over subsets, 2^k states); beyond,
 *   equal and opposite positions are paired first and the rest settled
 *   greedily, largest debtor to largest creditor — never more than k − 1
 *   payments either way.
 * - Deterministic: members are ordered by id (code units) before anything
 *   is chosen, so two parties computing the same round get the same
 *   payments, in the same order.
 */
import { byCodeUnit } from './code-unit.ts';

/** One open amount: `from` owes `to` `amount` minor units. */
export interface Obligation {
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
}

/** A payment that settles positions: `from` pays `to` `amount` minor units. */
export interface Transfer {
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
}

/** Members searched exactly for zero-sum groups; more are settled by pairing and a greedy pass. */
export const EXACT_MEMBERS = 16;

/** Each member's position (owed minus owing), members in code-unit order; zero positions kept. */
export function positions(obligations: readonly Obligation[]): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const { from, to, amount } of obligations) {
    if (amount < 0n) throw new RangeError(`netting: a negative obligation from ${from} to ${to}`);
    if (from === to) continue;
    net.set(from, (net.get(from) ?? 0n) - amount);
    net.set(to, (net.get(to) ?? 0n) + amount);
  }
  return new Map([...net].sort(([a], [b]) => byCodeUnit(a, b)));
}

/** Payments that bring every position to zero, as few as the groups allow (see the header). */
export function settle(net: ReadonlyMap<string, bigint>): Transfer[] {
  const members = [...net].filter(([, p]) => p !== 0n).sort(([a], [b]) => byCodeUnit(a, b));
  let total = 0n;
  for (const [, p] of members) total += p;
  if (total !== 0n) throw new RangeError('netting: positions do not sum to zero');
  const groups = members.length <= EXACT_MEMBERS ? zeroSumGroups(members) : pairedGroups(members);
  return groups.flatMap(greedy);
}

/** The payments of one group whose positions sum to zero: largest debtor to largest creditor, |group| − 1 at most. */
function greedy(group: readonly (readonly [string, bigint])[]): Transfer[] {
  const debtors = group.filter(([, p]) => p < 0n).map(([m, p]) => ({ member: m, left: -p }));
  const creditors = group.filter(([, p]) => p > 0n).map(([m, p]) => ({ member: m, left: p }));
  const byLeft = (a: { member: string; left: bigint }, b: { member: string; left: bigint }) =>
    a.left === b.left ? byCodeUnit(a.member, b.member) : a.left > b.left ? -1 : 1;
  const out: Transfer[] = [];
  while (debtors.length > 0 && creditors.length > 0) {
    debtors.sort(byLeft);
    creditors.sort(byLeft);
    const d = debtors[0]!;
    const c = creditors[0]!;
    // biome-ignore lint/complexity/useMathMinMax: BigInt, which Math.min does not take
    const amount = d.left < c.left ? d.left : c.left;
    out.push({ from: d.member, to: c.member, amount });
    d.left -= amount;
    c.left -= amount;
    if (d.left === 0n) debtors.shift();
    if (c.left === 0n) creditors.shift();
  }
  return out;
}

/**
 * The most disjoint zero-sum groups (exactly): best[mask] is the most groups
 * the members in `mask` split into, a group closing whenever the members
 * taken so far sum to zero. Members are taken in index order within each
 * step, so the split found is the same every time.
 */
function zeroSumGroups(members: readonly (readonly [string, bigint])[]): (readonly [string, bigint])[][] {
  const k = members.length;
  const size = 1 << k;
  const sums = new Array<bigint>(size).fill(0n);
  const best = new Int32Array(size);
  const last = new Int32Array(size).fill(-1);
  for (let mask = 1; mask < size; mask++) {
    const low = 31 - Math.clz32(mask & -mask);
    sums[mask] = sums[mask & (mask - 1)]! + members[low]![1];
    let top = -1;
    for (let i = 0; i < k; i++) {
      if ((mask & (1 << i)) === 0) continue;
      const value = best[mask ^ (1 << i)]!;
      if (value > top) {
        top = value;
        last[mask] = i;
      }
    }
    best[mask] = top + (sums[mask] === 0n ? 1 : 0);
  }
  // Walk back: peel members off in the recorded order; a group ends where the running mask sums to zero.
  const groups: (readonly [string, bigint])[][] = [];
  let current: (readonly [string, bigint])[] = [];
  for (let mask = size - 1; mask !== 0; ) {
    if (sums[mask] === 0n && current.length > 0) {
      groups.push(current);
      current = [];
    }
    const i = last[mask]!;
    current.push(members[i]!);
    mask ^= 1 << i;
  }
  if (current.length > 0) groups.push(current);
  return groups.map((g) => g.sort(([a], [b]) => byCodeUnit(a, b)));
}

/** Past the exact search: each debtor whose amount a creditor is owed exactly pairs with it; the rest is one group. */
function pairedGroups(members: readonly (readonly [string, bigint])[]): (readonly [string, bigint])[][] {
  const groups: (readonly [string, bigint])[][] = [];
  const rest = [...members];
  for (let i = 0; i < rest.length; i++) {
    const p = rest[i]![1];
    if (p >= 0n) continue;
    const j = rest.findIndex(([, q]) => q === -p);
    if (j < 0) continue;
    groups.push([rest[i]!, rest[j]!]);
    rest.splice(Math.max(i, j), 1);
    rest.splice(Math.min(i, j), 1);
    i = -1;
  }
  if (rest.length > 0) groups.push(rest);
  return groups;
}
