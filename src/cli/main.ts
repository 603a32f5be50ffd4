/**
 * The `sb` command: one file per subcommand, loaded on demand so `sb rate`
 * starts without touching the node, store or network layers.
 */
import { BilateralError } from '../core/index.ts';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export type Command = (args: readonly string[], io: Io) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  rate: {
    summary: 'rate one period offline: --terms T.json --events F.jsonl --period YYYY-MM [--json]',
    load: async () => (await import('./rate.ts')).rate,
  },
  statement: {
    summary:
      'the account statement offline: --terms T.json --events F.jsonl [--events P.jsonl] --as-of YYYY-MM-DD [--json]',
    load: async () => (await import('./statement.ts')).statementCommand,
  },
  demo: {
    summary: 'run a Seller and a Buyer node on loopback and show them agree on invoices [--out DIR]',
    load: async () => (await import('./demo.ts')).demo,
  },
  proof: {
    summary:
      'export a proof from a node: --node URL --bilateral ID (--entry AUTHOR/SEQ | --invoice YYYY-MM | --usage ID [--author P]) [--out FILE]',
    load: async () => (await import('./proof.ts')).proof,
  },
  chain: {
    summary: 'deploy the registries to an external chain: deploy --chain-rpc URL --key-file FILE --out FILE',
    load: async () => (await import('./chain.ts')).chain,
  },
  usage: {
    summary: 'import usage records: import FILE --node URL --bilateral ID [--batch-size N] [--json]',
    load: async () => (await import('./usage.ts')).usage,
  },
  erp: {
    summary:
      'the ERP export offline, CSV files and a balanced journal: --terms T.json --events F.jsonl [--events P.jsonl] --as-of YYYY-MM-DD --side seller|buyer [--mapping M.json] --out DIR',
    load: async () => (await import('./erp.ts')).erp,
  },
  ubl: {
    summary:
      'one period as a UBL 2.1 / Peppol BIS 3 invoice, offline: --terms T.json --events F.jsonl --period YYYY-MM [--details D.json] [--id ID]',
    load: async () => (await import('./ubl.ts')).ubl,
  },
  print: {
    summary:
      'one period as a printable invoice, offline: --terms T.json --events F.jsonl --period YYYY-MM [--details D.json] [--id ID] [--format html|pdf] [--out F]',
    load: async () => (await import('./print.ts')).print,
  },
  'parallel-run': {
    summary:
      "compare a legacy billing system's invoices (CSV, UBL) with the Smart Bilateral's, line by line: --manifest M.json --out DIR [--json]",
    load: async () => (await import('./parallel-run.ts')).parallelRunCommand,
  },
  terms: {
    summary:
      'the terms as a contract schedule people read, with the terms hash: render --terms T [--format markdown|html] [--out F]',
    load: async () => (await import('./terms.ts')).terms,
  },
  financing: {
    summary:
      'an accepted invoice as collateral: package (Seller), verify, pledge and settle (financier) — see sb financing',
    load: async () => (await import('./financing.ts')).financing,
  },
  verify: {
    summary:
      'check a proof offline, and its anchor on a chain: PROOF.json [--chain-rpc URL] [--allow-unanchored] [--json]',
    load: async () => (await import('./verify.ts')).verify,
  },
  credentials: {
    summary:
      'owner API credentials on the node store: create --name N --role R [--bilateral ID ...] [--party P] [--expires T] | list | revoke ID | expire ID [--at T]  (--data DIR | --store URL) [--json]',
    load: async () => (await import('./credentials.ts')).credentials,
  },
  peers: {
    summary:
      'trusted counterparties: add --party P --key K --endpoint URL [--policy approve|accept] [--replace] | list | remove P | policy P accept|approve  (--data DIR | --store URL) [--json]',
    load: async () => (await import('./peers.ts')).peers,
  },
  node: {
    summary:
      'run a party node: --data DIR --party ID [--port N] [--host H] [--store URL] [--public-url URL] [--chain-rpc URL --chain-addresses FILE | --chain-dir DIR | --no-chain] [--anchor-confirmations N] [--invoice-delay MS|off] [--document-details D.json]',
    load: async () => (await import('./node.ts')).node,
  },
};

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  sb ${name.padEnd(width)}  ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n`;
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr(`sb: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(args, io);
  } catch (error) {
    if (error instanceof BilateralError) {
      io.stderr(`sb ${name}: ${error.code}: ${error.message}\n`);
      return error.code === 'USAGE' ? 2 : 1;
    }
    throw error;
  }
}
