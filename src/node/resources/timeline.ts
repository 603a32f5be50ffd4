/**
 * A pool's use over time: a step function kept as the changes at its
 * breakpoints (+amount where a demand starts, −amount where it ends) in a
 * treap ordered by instant, each node holding its subtree's sum and the
 * largest running sum within it. Adding a demand and asking the peak use
 * over a window both cost O(log n) expected in the number of breakpoints, so
 * an admission check stays as fast with 100,000 reservations as with 100
 * (bench/admission.ts).
 *
 * Use at instant t is the sum of the changes at or before t; the peak over
 * `[from, to)` is the use at `from` plus the largest running sum of the
 * changes strictly inside the window (zero when none raises it).
 */
import type { Capacity } from '../../core/index.ts';

interface Node {
  at: number;
  delta: bigint;
  priority: number;
  left: Node | undefined;
  right: Node | undefined;
  /** Sum of the subtree's deltas. */
  sum: bigint;
  /** Largest running sum over the subtree's deltas in order (at least its first). */
  peak: bigint;
}

/** A deterministic priority sequence (xorshift): a timeline's shape never depends on Math.random. */
function priorities(): () => number {
  let x = 0x2545f491;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function update(node: Node): void {
  const left = node.left;
  const right = node.right;
  const before = left?.sum ?? 0n;
  const here = before + node.delta;
  let peak = left === undefined ? here : left.peak > here ? left.peak : here;
  if (right !== undefined && here + right.peak > peak) peak = here + right.peak;
  node.sum = here + (right?.sum ?? 0n);
  node.peak = peak;
}

/** Splits by instant: [nodes at or before `at` (or strictly before, `inclusive` false), the rest]. */
function split(node: Node | undefined, at: number, inclusive: boolean): [Node | undefined, Node | undefined] {
  if (node === undefined) return [undefined, undefined];
  const goesLeft = inclusive ? node.at <= at : node.at < at;
  if (goesLeft) {
    const [a, b] = split(node.right, at, inclusive);
    node.right = a;
    update(node);
    return [node, b];
  }
  const [a, b] = split(node.left, at, inclusive);
  node.left = b;
  update(node);
  return [a, node];
}

function merge(a: Node | undefined, b: Node | undefined): Node | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    update(a);
    return a;
  }
  b.left = merge(a, b.left);
  update(b);
  return b;
}

export class Timeline {
  #root: Node | undefined;
  #size = 0;
  readonly #priority = priorities();

  /** Breakpoints held. */
  get size(): number {
    return this.#size;
  }

  /** Adds `amount` to the use in `[from, to)` (`to` null: from `from` on); a negative amount takes it away. */
  add(from: number, to: number | null, amount: Capacity): void {
    if (amount === 0n) return;
    this.#change(from, amount);
    if (to !== null) this.#change(to, -amount);
  }

  /** The largest use at any instant of `[from, to)` (`to` null: from `from` on). */
  peak(from: number, to: number | null): Capacity {
    const [before, rest] = split(this.#root, from, true);
    const [inside, after] = to === null ? [rest, undefined] : split(rest, to, false);
    const atFrom = before?.sum ?? 0n;
    const rise = inside === undefined || inside.peak < 0n ? 0n : inside.peak;
    this.#root = merge(merge(before, inside), after);
    return atFrom + rise;
  }

  /** The use at instant `at`. */
  at(at: number): Capacity {
    const [before, after] = split(this.#root, at, true);
    const use = before?.sum ?? 0n;
    this.#root = merge(before, after);
    return use;
  }

  #change(at: number, delta: bigint): void {
    const [before, rest] = split(this.#root, at, false);
    const [same, after] = split(rest, at, true);
    if (same !== undefined) {
      same.delta += delta;
      if (same.delta === 0n) {
        this.#size--;
        this.#root = merge(before, after);
        return;
      }
      update(same);
      this.#root = merge(merge(before, same), after);
      return;
    }
    const node: Node = {
      at,
      delta,
      priority: this.#priority(),
      left: undefined,
      right: undefined,
      sum: delta,
      peak: delta,
    };
    this.#size++;
    this.#root = merge(merge(before, node), after);
  }
}
