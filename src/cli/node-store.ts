/**
 * What the `sb` commands that work on a node's own store share (`sb
 * credentials`, `sb peers`): they open the store directly, not through the
 * node's API, so that the first admin credential can be made before the node
 * ever runs, and the operator can pin a peer while it is stopped. The store
 * is the node's default (`sqlite:DIR/node.db`, as `sb node --data DIR`) or
 * `--store URL`. SQLite waits for a running node's write lock (busy timeout),
 * so both may use the file at once.
 */
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { formatIssue, type Issue, ValidationError } from '../core/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { UsageError } from './flags.ts';

export const storeFlags = { data: 'string', store: 'string', json: 'boolean' } as const;

/** Opens the node's store named by `--store` or `--data`, runs `work` and closes it. */
export async function withNodeStore<T>(
  flags: { data?: string; store?: string },
  work: (store: Store) => Promise<T>,
): Promise<T> {
  if (flags.data === undefined && flags.store === undefined) {
    throw new UsageError('--data DIR (the node folder) or --store URL is required');
  }
  const store = await openStore(flags.store ?? `sqlite:${join(resolve(flags.data!), 'node.db')}`);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Who the audit log names for a change made with `sb`: `cli:<OS user>`. */
export function cliActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): the change is still recorded, by `cli:unknown`.
  }
  return `cli:${user}`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 time given to `flag`, else a usage error naming it. */
export function parseTime(value: string, flag: string): Date {
  const date = new Date(value);
  if (!RFC3339.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`${flag} ${value}: expected an RFC 3339 time, e.g. 2026-12-31T00:00:00Z`);
  }
  return date;
}

/**
 * Splits `args` into positionals (before the first flag), the values of the
 * flags in `repeated` (which may be given more than once), and the rest for
 * `parseFlags`.
 */
export function splitArgs(
  args: readonly string[],
  repeated: readonly string[] = [],
): { positionals: string[]; values: Map<string, string[]>; rest: string[] } {
  const positionals: string[] = [];
  let i = 0;
  for (; i < args.length && !args[i]!.startsWith('--'); i++) positionals.push(args[i]!);
  const values = new Map(repeated.map((name) => [name, [] as string[]]));
  const rest: string[] = [];
  for (; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const list = arg.startsWith('--') ? values.get(name) : undefined;
    if (list === undefined) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`--${name} needs a value`);
    }
    list.push(value);
  }
  return { positionals, values, rest };
}

/**
 * Turns a `ValidationError` from the access module into a usage error that
 * names the command's flags (`flagOf` maps an issue's path to its flag).
 */
export function asUsageError(error: unknown, flagOf: (issue: Issue) => string): unknown {
  if (!(error instanceof ValidationError)) return error;
  const issues = error.issues.map((issue) => formatIssue({ ...issue, path: flagOf(issue) }));
  return new UsageError(issues.join('; '));
}
