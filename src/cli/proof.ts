/**
 * `sb proof`: export a self-contained proof of one entry or of a period's
 * invoice from a running node, for an auditor or a financier, who checks it
 * with `sb verify` and needs nothing else. The owner API credential comes
 * from `--token` or `SB_TOKEN`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseFlags, UsageError } from './flags.ts';
import type { Command } from './main.ts';
import { rest } from './rest.ts';
import { tokenFrom } from './token.ts';

export const proof: Command = async (args, io) => {
  const flags = parseFlags(args, {
    node: 'string',
    bilateral: 'string',
    entry: 'string',
    invoice: 'string',
    usage: 'string',
    author: 'string',
    out: 'string',
    token: 'string',
  });
  if (flags.node === undefined || flags.bilateral === undefined) {
    throw new UsageError('--node URL and --bilateral ID are required');
  }
  const chosen = [flags.entry, flags.invoice, flags.usage].filter((f) => f !== undefined);
  if (chosen.length !== 1) {
    throw new UsageError('give exactly one of --entry AUTHOR/SEQ, --invoice YYYY-MM or --usage RECORD_ID');
  }
  const query =
    flags.entry !== undefined
      ? `entry=${encodeURIComponent(flags.entry)}`
      : flags.invoice !== undefined
        ? `invoice=${encodeURIComponent(flags.invoice)}`
        : `usage=${encodeURIComponent(flags.usage!)}${flags.author === undefined ? '' : `&author=${encodeURIComponent(flags.author)}`}`;
  const document = await rest<unknown>(
    { url: flags.node, token: tokenFrom(flags.token) },
    'GET',
    `/bilaterals/${flags.bilateral}/proof?${query}`,
  );
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (flags.out === undefined) {
    io.stdout(text);
  } else {
    writeFileSync(resolve(flags.out), text);
    io.stdout(`proof written to ${resolve(flags.out)}; check it with: npx sb verify ${flags.out}\n`);
  }
  return 0;
};
