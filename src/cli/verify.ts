/**
 * `sb verify PROOF.json [--chain-rpc URL] [--allow-unanchored] [--json]`:
 * checks a proof exported by `sb proof` with nothing but the file — and,
 * given a chain, that its anchor is really there. Prints every check as
 * `✓ name — detail` or `✗ name — detail`, then a verdict. Exit 0 when every
 * check passed, 1 when one failed, 2 for usage errors and unreadable or
 * non-JSON files (the message names the file).
 */
import { readFileSync } from 'node:fs';
import { verifyProof } from '../kinds/index.ts';
import type { Check, ProofAnchor } from '../ledger/index.ts';
import { type Flags, parseFlags, UsageError } from './flags.ts';
import type { Command, Io } from './main.ts';

const USAGE = 'usage: sb verify PROOF.json [--chain-rpc URL] [--allow-unanchored] [--json]\n';
const FLAGS = { 'chain-rpc': 'string', 'allow-unanchored': 'boolean', json: 'boolean' } as const;

export const verify: Command = async (args, io) => {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  let file: string;
  let flags: Flags<typeof FLAGS>;
  try {
    const split = splitPositional(args);
    file = split.file;
    flags = parseFlags(split.rest, FLAGS);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`sb verify: ${error.message}\n${USAGE}`);
    return 2;
  }

  const proof = readProof(file, io);
  if (proof === undefined) return 2;

  const allowUnanchored = flags['allow-unanchored'] === true;
  const report = verifyProof(proof.value, { allowUnanchored });
  const checks: Check[] = [...report.checks];
  const rpc = flags['chain-rpc'];
  if (rpc !== undefined && report.checks[0]?.ok === true) {
    const anchor = (proof.value as { anchor: ProofAnchor | null }).anchor;
    if (anchor === null) {
      checks.push({
        name: 'chain',
        ok: allowUnanchored,
        detail: 'nothing to look up: the proof is not anchored',
      });
    } else {
      checks.push(...(await onChain(rpc, anchor)));
    }
  }
  const ok = checks.length > 0 && checks.every((c) => c.ok);

  if (flags.json === true) {
    io.stdout(`${JSON.stringify({ file, ok, checks }, null, 2)}\n`);
  } else {
    for (const c of checks) io.stdout(`${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}\n`);
    io.stdout(`${verdict(file, checks, rpc)}\n`);
  }
  return ok ? 0 : 1;
};

/** Takes the one positional argument (the proof file); `--chain-rpc URL` keeps its value. */
function splitPositional(args: readonly string[]): { file: string; rest: string[] } {
  const positional: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--chain-rpc') {
      rest.push(arg);
      if (i + 1 < args.length) rest.push(args[++i]!);
    } else if (arg.startsWith('--')) {
      rest.push(arg);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length === 0) throw new UsageError('missing the proof file');
  if (positional.length > 1) throw new UsageError(`expected one proof file, got ${positional.join(', ')}`);
  return { file: positional[0]!, rest };
}

function readProof(file: string, io: Io): { value: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    io.stderr(`sb verify: cannot read ${file}: ${code}\n`);
    return undefined;
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    io.stderr(`sb verify: ${file} is not JSON: ${(error as Error).message}\n`);
    return undefined;
  }
}

/** Loaded only with --chain-rpc, so offline verification never loads viem. */
async function onChain(rpc: string, anchor: ProofAnchor): Promise<Check[]> {
  const { verifyAnchorOnChain } = await import('../chain/verify-anchor.ts');
  return verifyAnchorOnChain(rpc, anchor);
}

function verdict(file: string, checks: readonly Check[], rpc: string | undefined): string {
  const failed = checks.filter((c) => !c.ok);
  const where = rpc === undefined ? 'offline' : `offline and on ${rpc}`;
  if (failed.length === 0) return `VERIFIED ${file}: all ${checks.length} checks passed (${where})`;
  const first = failed[0]!;
  return `NOT VERIFIED ${file}: ${failed.length} of ${checks.length} checks failed; first: ${first.name} — ${first.detail}`;
}
