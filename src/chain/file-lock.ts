/**
 * A lock file for work that several processes on one machine may attempt at
 * once — deploying the contracts, starting the shared embedded chain. Creating
 * the file with O_EXCL is atomic on local file systems; a lock older than
 * `staleAfter` is taken to belong to a crashed process and is broken.
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChainError } from './errors.ts';

export interface FileLockOptions {
  /** Milliseconds to wait for the lock; default 60 000. */
  readonly timeout?: number;
  /** Milliseconds after which a lock is presumed abandoned; default 120 000. */
  readonly staleAfter?: number;
}

/** Runs `work` while holding the lock file at `path`. */
export async function withFileLock<T>(
  path: string,
  work: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const timeout = options.timeout ?? 60_000;
  const staleAfter = options.staleAfter ?? 120_000;
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAge(path) > staleAfter) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ChainError('CHAIN_LOCK_TIMEOUT', `timed out after ${timeout} ms waiting for lock ${path}`, {
          details: { path },
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}

function lockAge(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
