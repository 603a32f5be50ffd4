/**
 * For tests of the `sb` commands that work on a node's store: run one
 * in-process, as `main` would once it is in the commands table (a
 * `BilateralError` printed with its code, exit 2 for usage errors, else 1).
 */
import { BilateralError } from '../core/index.ts';
import type { CliRun } from './cli.fixtures.ts';
import type { Command } from './main.ts';

export async function runCommand(name: string, command: Command, args: readonly string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io = {
    stdout: (t: string) => {
      out += t;
    },
    stderr: (t: string) => {
      err += t;
    },
  };
  let code: number;
  try {
    code = await command(args, io);
  } catch (error) {
    if (!(error instanceof BilateralError)) throw error;
    io.stderr(`sb ${name}: ${error.code}: ${error.message}\n`);
    code = error.code === 'USAGE' ? 2 : 1;
  }
  return { code, out, err };
}
