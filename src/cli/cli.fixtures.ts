/**
 * For tests: run an `sb` command in-process and capture what it writes. No
 * test-runner imports, so cross-layer tests and harnesses can use it too.
 */
import { main } from './main.ts';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `sb …args`, with its exit code, standard output and standard error. */
export async function runCli(args: readonly string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main([...args], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}
