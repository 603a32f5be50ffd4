/**
 * Strict `--flag value` parsing for the `sb` subcommands: unknown flags and
 * missing values are errors that name the flag (exit code 2 at the caller).
 */
import { BilateralError } from '../core/index.ts';

export type FlagSpec = Readonly<Record<string, 'string' | 'boolean'>>;
export type Flags<S extends FlagSpec> = {
  -readonly [K in keyof S]?: S[K] extends 'boolean' ? boolean : string;
};

export class UsageError extends BilateralError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

export function parseFlags<S extends FlagSpec>(args: readonly string[], spec: S): Flags<S> {
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown flag --${name}`);
    if (kind === 'boolean') {
      flags[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`--${name} needs a value`);
    }
    flags[name] = value;
  }
  return flags as Flags<S>;
}
