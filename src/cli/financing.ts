/**
 * `sb financing`: an accepted invoice as collateral.
 *
 *   package  the Seller's finance team asks its node for the package of a
 *            period's accepted invoice and writes it to a file;
 *   verify   the financier checks a package with nothing but the file — and,
 *            given the chain and its addresses file, the anchor and whether
 *            the invoice is pledged already;
 *   pledge   the financier, with its own chain key, checks the package and
 *            pledges the invoice on `InvoicePledges`: a second pledge of the
 *            same invoice, by anyone, is refused by the chain;
 *   settle   the financier marks its pledge settled once the invoice is paid;
 *   pledges  the financier's view on the Seller's node (its own credential):
 *            its assigned invoices with their state, and its exposure per Buyer.
 *
 * Exit codes: 0 done (verified, pledged, settled), 1 a check failed or the
 * chain refused, 2 usage errors and unreadable files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Hex } from 'viem';
import {
  createChainPublicClient,
  createChainWalletClient,
  pledgeKeyOf,
  readPledge,
  writePledge,
} from '../chain/index.ts';
import { verifyAnchorOnChain } from '../chain/verify-anchor.ts';
import { type ReceivableSubject, verifyProof } from '../kinds/index.ts';
import type { Check, Proof } from '../ledger/index.ts';
import type { Exposure, PledgedInvoice } from '../node/index.ts';
import { connect, readKey } from './chain.ts';
import { parseFlags, UsageError } from './flags.ts';
import type { Command, Io } from './main.ts';
import { rest } from './rest.ts';
import { tokenFrom } from './token.ts';

const USAGE = `usage:
  sb financing package --node URL --bilateral ID --period YYYY-MM [--as-of YYYY-MM-DD] [--out FILE] [--token T]
  sb financing verify  --package FILE [--chain-rpc URL --addresses FILE] [--json]
  sb financing pledge  --package FILE --chain-rpc URL --addresses FILE --key-file FILE [--json]
  sb financing settle  --package FILE --chain-rpc URL --addresses FILE --key-file FILE
  sb financing pledges --node URL [--token T] [--json]`;

export const financing: Command = async (args, io) => {
  const [action, ...rest] = args;
  switch (action) {
    case 'package':
      return makePackage(rest, io);
    case 'verify':
      return verifyCommand(rest, io);
    case 'pledge':
    case 'settle':
      return pledgeCommand(action, rest, io);
    case 'pledges':
      return pledgesCommand(rest, io);
    default:
      throw new UsageError(USAGE);
  }
};

interface PledgeView {
  readonly status: 'free' | 'pledged' | 'settled';
  readonly financier?: string;
  readonly pledgedAt?: number;
  readonly settledAt?: number;
}

async function makePackage(args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    node: 'string',
    bilateral: 'string',
    period: 'string',
    'as-of': 'string',
    out: 'string',
    token: 'string',
  });
  if (flags.node === undefined || flags.bilateral === undefined || flags.period === undefined) {
    throw new UsageError('--node URL, --bilateral ID and --period YYYY-MM are required');
  }
  const made = await rest<{ package: Proof; pledge?: PledgeView }>(
    { url: flags.node, token: tokenFrom(flags.token) },
    'POST',
    `/bilaterals/${flags.bilateral}/financing/packages`,
    { period: flags.period, ...(flags['as-of'] === undefined ? {} : { asOf: flags['as-of'] }) },
  );
  const text = `${JSON.stringify(made.package, null, 2)}\n`;
  if (flags.out === undefined) io.stdout(text);
  else writeFileSync(resolve(flags.out), text);
  const subject = made.package.subject as unknown as ReceivableSubject;
  const { invoice, onTime, currency } = subject.account;
  const to = flags.out === undefined ? 'stdout' : resolve(flags.out);
  const say = flags.out === undefined ? io.stderr : io.stdout;
  say(
    `package of the ${subject.period} invoice written to ${to}: ${invoice.open} ${currency} open, due ${invoice.dueDate}; paid on time ${onTime.paid} of ${onTime.due} (${onTime.ratio}); pledge key ${subject.pledgeKey}\n`,
  );
  if (made.pledge !== undefined) say(`on the chain: ${pledgeWords(made.pledge)}\n`);
  return 0;
}

/** What the chain says of a pledge key, in words ("already pledged" when it is). */
export function pledgeWords(pledge: PledgeView): string {
  if (pledge.status === 'free') return 'not pledged: it can be pledged';
  const when = new Date((pledge.pledgedAt ?? 0) * 1000).toISOString();
  return pledge.status === 'pledged'
    ? `already pledged to ${pledge.financier} since ${when}`
    : `already pledged to ${pledge.financier} (${when}), settled ${new Date((pledge.settledAt ?? 0) * 1000).toISOString()}`;
}

/** The checks of a package, offline and — given a chain — on it; the pledge state when the chain was asked. */
export async function checkPackage(
  document: unknown,
  chain?: { readonly rpcUrl: string; readonly addressesFile: string },
): Promise<{ ok: boolean; checks: Check[]; pledge?: PledgeView }> {
  const checks: Check[] = [...verifyProof(document).checks];
  const proof = document as Proof;
  const subject = proof?.subject as unknown as ReceivableSubject | undefined;
  if (subject?.kind !== 'receivable') {
    checks.push({
      name: 'financing: package',
      ok: false,
      detail: 'this proof is not a financing package (subject receivable)',
    });
    return { ok: false, checks };
  }
  let key: Hex | undefined;
  try {
    key = pledgeKeyOf(subject.invoiceHash);
    checks.push(
      key === subject.pledgeKey
        ? { name: 'financing: pledge key', ok: true, detail: `${key} is the invoice's pledge key` }
        : {
            name: 'financing: pledge key',
            ok: false,
            detail: `the package names ${subject.pledgeKey}, but the invoice's pledge key is ${key}`,
          },
    );
  } catch (error) {
    checks.push({ name: 'financing: pledge key', ok: false, detail: (error as Error).message });
  }
  let pledge: PledgeView | undefined;
  if (chain !== undefined && checks[0]?.ok === true && key !== undefined) {
    const { endpoint, addresses } = await connect(chain.rpcUrl, chain.addressesFile);
    if (proof.anchor === null) {
      checks.push({
        name: 'chain',
        ok: false,
        detail: 'the package is not anchored: ask the Seller for one made with its chain',
      });
    } else {
      if (proof.anchor.contract.toLowerCase() !== addresses.anchorRegistry.toLowerCase()) {
        checks.push({
          name: 'chain: registry',
          ok: false,
          detail: `anchored on ${proof.anchor.contract}, not on the network's AnchorRegistry ${addresses.anchorRegistry}`,
        });
      }
      checks.push(...(await verifyAnchorOnChain(chain.rpcUrl, proof.anchor)));
    }
    pledge = await readPledge(createChainPublicClient(endpoint), addresses, key);
    checks.push({ name: 'chain: pledge', ok: pledge.status === 'free', detail: pledgeWords(pledge) });
  }
  return { ok: checks.every((c) => c.ok), checks, ...(pledge === undefined ? {} : { pledge }) };
}

function readPackage(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

function chainOf(flags: { 'chain-rpc'?: string; addresses?: string }) {
  if ((flags['chain-rpc'] === undefined) !== (flags.addresses === undefined)) {
    throw new UsageError('--chain-rpc URL and --addresses FILE go together');
  }
  return flags['chain-rpc'] === undefined
    ? undefined
    : { rpcUrl: flags['chain-rpc'], addressesFile: flags.addresses! };
}

function report(io: Io, file: string, result: Awaited<ReturnType<typeof checkPackage>>, json: boolean) {
  const { checks } = result;
  if (json) {
    io.stdout(`${JSON.stringify({ file, ...result }, null, 2)}\n`);
    return;
  }
  for (const c of checks) io.stdout(`${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}\n`);
  const failed = checks.filter((c) => !c.ok);
  io.stdout(
    failed.length === 0
      ? `VERIFIED ${file}: all ${checks.length} checks passed\n`
      : `NOT VERIFIED ${file}: ${failed.length} of ${checks.length} checks failed; first: ${failed[0]!.name} — ${failed[0]!.detail}\n`,
  );
}

async function verifyCommand(args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    package: 'string',
    'chain-rpc': 'string',
    addresses: 'string',
    json: 'boolean',
  });
  if (flags.package === undefined) throw new UsageError('--package FILE is required');
  const result = await checkPackage(readPackage(flags.package), chainOf(flags));
  report(io, flags.package, result, flags.json === true);
  return result.ok ? 0 : 1;
}

async function pledgeCommand(action: 'pledge' | 'settle', args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    package: 'string',
    'chain-rpc': 'string',
    addresses: 'string',
    'key-file': 'string',
    json: 'boolean',
  });
  if (flags.package === undefined || flags['key-file'] === undefined) {
    throw new UsageError(
      '--package FILE, --chain-rpc URL, --addresses FILE and --key-file FILE are required',
    );
  }
  const chain = chainOf(flags);
  if (chain === undefined) throw new UsageError('--chain-rpc URL and --addresses FILE are required');
  const key = readKey(flags['key-file']);
  const document = readPackage(flags.package);
  if (action === 'pledge') {
    const result = await checkPackage(document, chain);
    if (!result.ok) {
      report(io, flags.package, result, flags.json === true);
      io.stdout('not pledged\n');
      return 1;
    }
  }
  const subject = (document as Proof).subject as unknown as ReceivableSubject;
  const { endpoint, addresses } = await connect(chain.rpcUrl, chain.addressesFile);
  const wallet = createChainWalletClient({ ...endpoint, privateKey: key });
  const outcome = await writePledge(
    wallet,
    createChainPublicClient(endpoint),
    addresses,
    action,
    pledgeKeyOf(subject.invoiceHash),
  );
  const words = pledgeWords(outcome.state);
  if (flags.json === true) {
    io.stdout(
      `${JSON.stringify({ done: outcome.done, reason: outcome.reason ?? null, pledge: outcome.state }, null, 2)}\n`,
    );
  } else if (outcome.done) {
    io.stdout(
      action === 'pledge'
        ? `pledged: the ${subject.period} invoice (key ${subject.pledgeKey}) to ${wallet.account.address}\n`
        : `settled: the pledge of the ${subject.period} invoice (key ${subject.pledgeKey})\n`,
    );
  } else {
    io.stdout(`refused by the chain (${outcome.reason}): ${words}\n`);
  }
  return outcome.done ? 0 : 1;
}

async function pledgesCommand(args: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(args, { node: 'string', token: 'string', json: 'boolean' });
  if (flags.node === undefined) throw new UsageError('--node URL is required');
  const target = { url: flags.node, token: tokenFrom(flags.token) };
  const pledges = await rest<PledgedInvoice[]>(target, 'GET', '/financing/pledges');
  const exposure = await rest<Exposure[]>(target, 'GET', '/financing/exposure');
  if (flags.json === true) {
    io.stdout(`${JSON.stringify({ pledges, exposure }, null, 2)}\n`);
    return 0;
  }
  io.stdout(`${pledges.length} assigned invoice(s)\n`);
  for (const p of pledges) {
    io.stdout(
      `  ${p.buyer.padEnd(12)} ${p.period}  ${p.state.padEnd(8)} open ${p.open.padStart(12)} ${p.currency} of ${p.total}, due ${p.dueDate}; ${p.chain === undefined ? 'chain not read' : pledgeWords(p.chain)}\n`,
    );
  }
  io.stdout('exposure per Buyer\n');
  for (const e of exposure) {
    io.stdout(
      `  ${e.buyer.padEnd(12)} ${e.currency}  ${e.invoices} invoice(s)  open ${e.open}  overdue ${e.overdue}  disputed ${e.disputed}\n`,
    );
  }
  return 0;
}
