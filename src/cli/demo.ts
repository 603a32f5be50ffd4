/**
 * `sb demo` (and `npm start`): a Seller node and a Buyer node on loopback, each
 * with its own SQLite store in a fresh data folder. The Seller proposes the
 * terms of TERMS.md §4, the Buyer countersigns, both record their facts through
 * their node's REST API, and for each month the Seller issues the invoice, the
 * Buyer's node recomputes it from the same signed facts and accepts it. A
 * late outage then brings a credit note, the Buyer pays, and both nodes give
 * the same account statement. The Seller offers the March invoice to a
 * financier, who checks the package and pledges it on the chain (a second
 * pledge is refused), and the Buyer acknowledges the notice of assignment.
 * A third provider joins; the three sell to each
 * other, and one netting round, signed by all three, settles what they owe
 * in fewer payments.
 * `--out DIR` also writes each invoice as each node computed it.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { introduce, type RunningNode, startServer } from '../api/index.ts';
import {
  createChainPublicClient,
  createChainWalletClient,
  devPrivateKey,
  verifyAnchorOnChain,
  writePledge,
} from '../chain/index.ts';
import type { Invoice, Statement } from '../core/index.ts';
import { type HeldAssignment, type ReceivableSubject, verifyProof } from '../kinds/index.ts';
import { hashJson, type Proof } from '../ledger/index.ts';
import type { DisputeView, IssuedInvoice, IssuedNote } from '../node/index.ts';
import { checkPackage } from './financing.ts';
import { parseFlags } from './flags.ts';
import type { Command, Io } from './main.ts';
import { RestError, rest } from './rest.ts';

const exampleDir = fileURLToPath(new URL('../../examples/dia-acme-globex/', import.meta.url));
const PERIODS = ['2026-01', '2026-02', '2026-03'] as const;

/** Who records which fact in the demo: the Buyer reports the outage, the Seller the rest. */
/** A running node's owner API, with its admin token. */
const api = (running: RunningNode) => ({ url: running.url, token: running.adminToken });

function recorder(fact: { type: string }): 'seller' | 'buyer' {
  return fact.type === 'outage' ? 'buyer' : 'seller';
}

export const demo: Command = async (args, io) => {
  const flags = parseFlags(args, { out: 'string', data: 'string' });
  const dataDir = flags.data === undefined ? mkdtempSync(join(tmpdir(), 'sb-demo-')) : resolve(flags.data);
  const outDir = flags.out === undefined ? undefined : resolve(flags.out);
  if (outDir !== undefined) mkdirSync(outDir, { recursive: true });

  const terms = {
    ...(JSON.parse(readFileSync(join(exampleDir, 'terms.json'), 'utf8')) as {
      seller: { id: string };
      buyer: { id: string };
    }),
    // The example's 60-day dispute window after each 2026 invoice has passed; the demo keeps it open.
    disputes: { windowDays: 3650, responseDays: 15 },
  };
  const facts = readFileSync(join(exampleDir, 'facts.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string; service: string; [k: string]: unknown });

  // Both nodes share one embedded chain: the first starts Anvil and deploys, the second joins.
  const chain = { embeddedDir: join(dataDir, 'chain'), anchorIntervalMs: 500 };
  const seller = await startServer({
    dataDir: join(dataDir, 'seller'),
    party: terms.seller.id,
    syncIntervalMs: 0,
    checkpointIntervalMs: 0,
    chain,
  });
  const buyer = await startServer({
    dataDir: join(dataDir, 'buyer'),
    party: terms.buyer.id,
    syncIntervalMs: 0,
    checkpointIntervalMs: 0,
    chain,
  });
  // The two operators pin each other (key and peer endpoint), and the Buyer's
  // policy accepts the Seller's proposals without waiting for a person.
  await introduce(seller, buyer, { a: 'approve', b: 'accept' });
  /** What `sb verify` checks of a proof, the anchor on the chain included. */
  const auditorChecks = async (proof: Proof) => [
    ...verifyProof(proof).checks,
    ...(proof.anchor === null || seller.chain === undefined
      ? []
      : await verifyAnchorOnChain(seller.chain.rpcUrl, proof.anchor)),
  ];
  try {
    io.stdout(`Smart Bilaterals demo — data in ${dataDir}\n`);
    io.stdout(
      `  Seller ${pad(seller.node.party, 11)} owner API ${seller.url}, peer API ${seller.node.endpoint}, key ${seller.node.publicKey}\n`,
    );
    io.stdout(
      `  Buyer  ${pad(buyer.node.party, 11)} owner API ${buyer.url}, peer API ${buyer.node.endpoint}, key ${buyer.node.publicKey}\n`,
    );
    io.stdout(`  Chain  ${seller.chain?.chainId} (embedded Anvil) ${seller.chain?.rpcUrl}\n`);
    io.stdout(`         anchor registry ${seller.chain?.addresses.anchorRegistry}\n\n`);

    const bilateral = await rest<{ id: string; agreement: { genesis: { termsHash: string } } }>(
      api(seller),
      'POST',
      '/bilaterals',
      { terms, peer: buyer.peerUrl },
    );
    io.stdout(`Bilateral ${bilateral.id}\n`);
    io.stdout(`  terms ${(terms as { id?: string }).id} hash ${bilateral.agreement.genesis.termsHash}\n`);
    io.stdout(`  proposed by ${seller.node.party}, countersigned by ${buyer.node.party}\n\n`);

    io.stdout('Facts, each signed by the party that recorded it and verified by the other node\n');
    for (const fact of facts) {
      const node = recorder(fact) === 'seller' ? seller : buyer;
      const result = await rest<{ author: string; seq: number; replicated: boolean }>(
        api(node),
        'POST',
        `/bilaterals/${bilateral.id}/facts?wait=replicated`,
        fact,
      );
      const { author, seq } = result;
      io.stdout(
        `  ${pad(`${author}/${seq}`, 13)} ${pad(fact.type, 19)} ${describeFact(fact)}${result.replicated ? '' : '  (not yet replicated)'}\n`,
      );
    }

    for (const period of PERIODS) {
      const issued = await rest<IssuedInvoice>(api(seller), 'POST', `/bilaterals/${bilateral.id}/invoices`, {
        period,
      });
      await buyer.node.idle();
      await seller.node.idle();
      const sellerView = await rest<Invoice>(
        api(seller),
        'GET',
        `/bilaterals/${bilateral.id}/invoices/${period}/preview`,
      );
      const buyerView = await rest<Invoice>(
        api(buyer),
        'GET',
        `/bilaterals/${bilateral.id}/invoices/${period}/preview`,
      );
      const answered = (
        await rest<IssuedInvoice[]>(api(seller), 'GET', `/bilaterals/${bilateral.id}/invoices`)
      ).find((i) => i.entry.hash === issued.entry.hash);
      printInvoice(io, issued, sellerView, buyerView, answered, seller.node.party, buyer.node.party);
      if (outDir !== undefined) {
        writeFileSync(
          join(outDir, `${period}.${seller.node.party}.json`),
          `${JSON.stringify(sellerView, null, 2)}\n`,
        );
        writeFileSync(
          join(outDir, `${period}.${buyer.node.party}.json`),
          `${JSON.stringify(buyerView, null, 2)}\n`,
        );
      }
    }

    // A late fact: March is invoiced and accepted; then the Buyer's NOC reports an outage in March.
    // The invoice stays as issued; the Seller's node issues a credit note, the Buyer's node checks it.
    const late = {
      type: 'outage',
      service: 'S1',
      from: '2026-03-05T08:00:00Z',
      to: '2026-03-05T20:00:00Z',
      maintenance: false,
    };
    await rest(api(buyer), 'POST', `/bilaterals/${bilateral.id}/facts?wait=replicated`, late);
    await rest(api(seller), 'POST', `/bilaterals/${bilateral.id}/notes`);
    await buyer.node.idle();
    await seller.node.idle();
    io.stdout(
      `\nA late fact: ${buyer.node.party} reports an outage on 2026-03-05 after March was invoiced\n`,
    );
    for (const note of await rest<IssuedNote[]>(api(seller), 'GET', `/bilaterals/${bilateral.id}/notes`)) {
      const { type, total, lines } = note.body.note;
      io.stdout(
        `  ${type} note for ${note.period} (entry ${note.entry.author}/${note.entry.seq}): ${total} — ${lines.map((l) => `${l.kind} ${l.amount}`).join(', ')}; ${buyer.node.party} ${note.status} it\n`,
      );
    }

    // The Buyer's inventory has the termination a day earlier: its node disputes the Seller's fact by
    // itself; the Seller accepts (its node records the correction) and a credit note follows.
    const observed = await rest<{ raised: DisputeView[] }>(
      api(buyer),
      'POST',
      `/bilaterals/${bilateral.id}/observations`,
      {
        source: 'inventory',
        facts: [{ type: 'service.terminated', service: 'S1', at: '2026-03-09T08:00:00Z' }],
      },
    );
    io.stdout(
      `\nA dispute raised by ${buyer.node.party}'s node by itself (its inventory against the record)\n`,
    );
    for (const dispute of observed.raised) {
      io.stdout(
        `  ${dispute.id} on ${dispute.body.fact}: ${dispute.body.reason}; at stake ${dispute.body.atStake.total}\n`,
      );
      await seller.node.idle();
      const answered = await rest<DisputeView>(
        api(seller),
        'POST',
        `/bilaterals/${bilateral.id}/disputes/${dispute.id}/accept`,
      );
      io.stdout(
        `  ${seller.node.party} ${answered.state} it: correction ${answered.answer?.body.correction}\n`,
      );
    }
    await rest(api(seller), 'POST', `/bilaterals/${bilateral.id}/notes`);
    await buyer.node.idle();
    await seller.node.idle();
    const corrected = (await rest<IssuedNote[]>(api(seller), 'GET', `/bilaterals/${bilateral.id}/notes`)).at(
      -1,
    );
    if (corrected !== undefined) {
      io.stdout(
        `  ${corrected.body.note.type} note for ${corrected.period}: ${corrected.body.note.total}; ${buyer.node.party} ${corrected.status} it\n`,
      );
    }

    // The Buyer pays; both nodes give the same account statement (TERMS.md §6).
    const payments = readFileSync(join(exampleDir, 'payments.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { id: string; amount: string; at: string });
    io.stdout(`\nPayments recorded by ${buyer.node.party}\n`);
    for (const payment of payments) {
      await rest(api(buyer), 'POST', `/bilaterals/${bilateral.id}/facts?wait=replicated`, payment);
      io.stdout(`  ${pad(payment.id, 4)} ${payment.at}  ${payment.amount.padStart(10)}\n`);
    }
    const asOf = '2026-07-15';
    const statements = await Promise.all(
      [seller, buyer].map((n) =>
        rest<Statement>(api(n), 'GET', `/bilaterals/${bilateral.id}/statement?asOf=${asOf}`),
      ),
    );
    const [statement] = statements;
    const same = hashJson(statements[0] as never) === hashJson(statements[1] as never);
    io.stdout(`\nStatement as of ${asOf} (${same ? 'identical on both nodes' : 'THE NODES DIFFER'})\n`);
    for (const line of statement!.invoices) {
      io.stdout(
        `  ${pad(line.document, 10)} ${line.period}  total ${line.total.padStart(10)}  applied ${line.applied.padStart(10)}  open ${line.open.padStart(10)}  ${line.state}\n`,
      );
    }
    io.stdout(
      `  open ${statement!.totals.open}, unapplied credit ${statement!.totals.unapplied}, aging ${Object.entries(
        statement!.aging,
      )
        .filter(([, amount]) => amount !== '0.00')
        .map(([bucket, amount]) => `${bucket} ${amount}`)
        .join(', ')}\n`,
    );

    const today = await rest<Statement>(api(buyer), 'GET', `/bilaterals/${bilateral.id}/statement`);
    io.stdout(
      `  as of today (${today.asOf}, the credit note applied): open ${today.totals.open}, interest ${today.totals.interest}\n`,
    );

    const financed = await financing(io, seller, buyer, bilateral.id, dataDir);
    await resourcePools(io, seller, buyer, terms);
    await nettingRound(io, seller, buyer, chain, dataDir);

    // Checkpoint the final record and anchor it; then prove each invoice to a third party.
    await rest(api(seller), 'POST', `/bilaterals/${bilateral.id}/checkpoints`);
    const anchors = await rest<
      { seq: number; status: string; txHash: string | null; blockNumber: number | null }[]
    >(api(seller), 'GET', `/bilaterals/${bilateral.id}/anchors`);
    io.stdout('\nAnchors on the shared ledger (checkpoint fingerprints only)\n');
    for (const anchor of anchors) {
      io.stdout(
        `  #${pad(String(anchor.seq), 4)} ${pad(anchor.status, 7)} tx ${anchor.txHash} block ${anchor.blockNumber}\n`,
      );
    }

    let verdict = financed ? 0 : 1;
    for (const period of PERIODS) {
      const proof = await rest<Proof>(
        api(seller),
        'GET',
        `/bilaterals/${bilateral.id}/proof?invoice=${period}`,
      );
      if (outDir !== undefined)
        writeFileSync(join(outDir, `${period}.proof.json`), `${JSON.stringify(proof, null, 2)}\n`);
      const checks = await auditorChecks(proof);
      const ok = checks.every((c) => c.ok);
      if (!ok) verdict = 1;
      if (period === PERIODS[PERIODS.length - 1]) {
        io.stdout(`\nProof of invoice ${period}, checked as an auditor would (sb verify)\n`);
        for (const check of checks) io.stdout(`  ${check.ok ? '✓' : '✗'} ${check.name} — ${check.detail}\n`);
      }
      io.stdout(`  invoice ${period}: ${ok ? 'VERIFIED' : 'NOT VERIFIED'} (${checks.length} checks)\n`);
    }
    // The netting round's entry (in the Seller's bilateral with initech: the March invoice to globex
    // is assigned to a financier, so it is not set off) is anchored with that bilateral's checkpoint: prove it.
    for (const other of await rest<{ id: string }[]>(api(seller), 'GET', '/bilaterals')) {
      const listed = await rest<{ entry: { author: string; seq: number; kind: string } }[]>(
        api(seller),
        'GET',
        `/bilaterals/${other.id}/entries`,
      );
      const settled = listed.find(
        (e) => e.entry.kind === 'netting.settled' && e.entry.author === seller.node.party,
      )?.entry;
      if (settled === undefined) continue;
      const proof = await rest<Proof>(
        api(seller),
        'GET',
        `/bilaterals/${other.id}/proof?entry=${settled.author}/${settled.seq}`,
      );
      const checks = await auditorChecks(proof);
      const ok = checks.every((c) => c.ok);
      if (!ok) verdict = 1;
      io.stdout(
        `  netting round entry ${settled.author}/${settled.seq}: ${ok ? 'VERIFIED' : 'NOT VERIFIED'} (${checks.length} checks, anchored in block ${proof.anchor?.blockNumber ?? '—'})\n`,
      );
    }
    if (outDir !== undefined) {
      io.stdout(`\nInvoices as each node computed them, and each invoice's proof, written to ${outDir}\n`);
      io.stdout(`  check one with: npx sb verify ${join(outDir, `${PERIODS[0]}.proof.json`)}\n`);
    }
    return verdict;
  } finally {
    await seller.close();
    await buyer.close();
  }
};

/**
 * The March invoice as collateral: the Seller's node packages it (as of the
 * statement's day), a financier checks the package offline and on the chain
 * and pledges it with its own chain key; a second financier's pledge of the
 * same invoice is refused by the chain; the Seller records the notice of
 * assignment and the Buyer's node acknowledges it. Answers whether every
 * step went as it should.
 */
async function financing(
  io: Io,
  seller: RunningNode,
  buyer: RunningNode,
  id: string,
  dataDir: string,
): Promise<boolean> {
  const link = seller.chain!;
  const addressesFile = join(dataDir, 'chain', 'addresses.json');
  const made = await rest<{ package: Proof }>(api(seller), 'POST', `/bilaterals/${id}/financing/packages`, {
    period: '2026-03',
    asOf: '2026-07-15',
  });
  const file = join(dataDir, 'financing-2026-03.json');
  writeFileSync(file, `${JSON.stringify(made.package, null, 2)}\n`);
  const { account, pledgeKey } = made.package.subject as unknown as ReceivableSubject;
  io.stdout(`\nThe March invoice as collateral (sb financing): package written to ${file}\n`);
  io.stdout(
    `  ${account.invoice.open} ${account.currency} open of ${account.invoice.total}, due ${account.invoice.dueDate}, not disputed; ${seller.node.party}'s Buyer paid ${account.onTime.paid} of ${account.onTime.due} invoices on time (${account.onTime.ratio}), all proven from the record\n`,
  );
  const checked = await checkPackage(made.package, { rpcUrl: link.rpcUrl, addressesFile });
  io.stdout(
    `  the financier checks it: ${checked.ok ? `VERIFIED (${checked.checks.length} checks, offline and on the chain)` : `NOT VERIFIED: ${checked.checks.find((c) => !c.ok)?.detail}`}\n`,
  );
  const endpoint = { rpcUrl: link.rpcUrl, chainId: link.chainId };
  const pledgeAs = (key: number) =>
    writePledge(
      createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(key) }),
      createChainPublicClient(endpoint),
      link.addresses,
      'pledge',
      pledgeKey as `0x${string}`,
    );
  const first = await pledgeAs(8);
  io.stdout(
    `  northbank pledges it on the chain (key ${pledgeKey.slice(0, 18)}…): ${first.done ? 'pledged' : `refused (${first.reason})`}\n`,
  );
  const second = await pledgeAs(9);
  io.stdout(
    `  a second financier pledges the same invoice: ${second.done ? 'PLEDGED TWICE' : `refused by the chain (${second.reason})`}\n`,
  );
  const again = await checkPackage(made.package, { rpcUrl: link.rpcUrl, addressesFile });
  const status = again.checks.find((c) => c.name === 'chain: pledge')?.detail ?? '';
  io.stdout(`  the package checked again: ${status}\n`);
  const financier = first.state.status === 'free' ? '' : first.state.financier;
  await rest(api(seller), 'POST', `/bilaterals/${id}/assignments`, {
    period: '2026-03',
    financier: { id: 'northbank', account: financier },
    payTo: 'northbank, IBAN NL00 NBNK 0123 4567 89',
  });
  await buyer.node.idle();
  await seller.node.idle();
  const [notice] = await rest<HeldAssignment[]>(api(seller), 'GET', `/bilaterals/${id}/assignments`);
  io.stdout(
    `  notice of assignment ${notice?.entry.author}/${notice?.entry.seq}: ${notice?.acknowledged === undefined ? 'not acknowledged' : `acknowledged by ${buyer.node.party} (entry ${notice.acknowledged.entry.author}/${notice.acknowledged.entry.seq})`}; its payments of March are due to northbank\n`,
  );
  return (
    checked.ok &&
    first.done &&
    !second.done &&
    status.startsWith('already pledged') &&
    notice?.acknowledged !== undefined
  );
}

/**
 * The Seller's pools: a port's capacity and its VLANs. Under a second MSA
 * whose terms map plans to capacity, an order draws on the port and takes a
 * VLAN (committed on the chain by fingerprint); a boost beyond the port and a
 * second order for the same VLAN are refused before they are signed.
 */
async function resourcePools(io: Io, seller: RunningNode, buyer: RunningNode, terms: unknown): Promise<void> {
  const base = terms as { id: string; offerings: Record<string, unknown>[] };
  const capacityTerms = {
    ...base,
    id: `${base.id}-ports`,
    offerings: [{ ...base.offerings[0], capacity: { '100M': '100', '1G': '1000', '10G': '10000' } }],
  };
  await rest(api(seller), 'PUT', '/resource-pools/ams-1', {
    kind: 'capacity',
    unit: 'Mbps',
    capacity: '2000',
  });
  await rest(api(seller), 'PUT', '/resource-pools/ams-1-vlans', {
    kind: 'vlan',
    port: 'ams-1',
    ranges: [[100, 199]],
  });
  const { id } = await rest<{ id: string }>(api(seller), 'POST', '/bilaterals', {
    terms: capacityTerms,
    peer: buyer.peerUrl,
  });
  io.stdout(`\nResource pools of ${seller.node.party}: port ams-1 (2000 Mbps), VLANs 100-199 on it\n`);
  const record = async (fact: unknown): Promise<string> => {
    try {
      await rest(api(seller), 'POST', `/bilaterals/${id}/facts`, fact);
      return 'signed';
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
      return `refused, ${error.code}: ${error.message.replace(/^\w+ \S+: /, '')}`;
    }
  };
  const order = (service: string) => ({
    type: 'service.ordered',
    service,
    offering: 'dia',
    plan: '1G',
    termMonths: 12,
    at: '2026-02-01T00:00:00Z',
    pool: 'ams-1',
    resources: ['vlan:ams-1-vlans:101'],
  });
  io.stdout(`  order P1, 1G on ams-1 with VLAN 101 (committed on the chain): ${await record(order('P1'))}\n`);
  await record({ type: 'service.activated', service: 'P1', at: '2026-02-02T00:00:00Z' });
  const boost = {
    type: 'bandwidth.boost',
    service: 'P1',
    plan: '10G',
    from: '2026-02-10T08:00:00Z',
    to: '2026-02-10T10:00:00Z',
  };
  io.stdout(`  boost P1 to 10G for two hours: ${await record(boost)}\n`);
  io.stdout(`  order P2 with VLAN 101 too: ${await record(order('P2'))}\n`);
  const free = await rest<{ peak: string; free: string; unit: string }>(
    api(seller),
    'GET',
    '/resource-pools/ams-1/availability?from=2026-02-10T00:00:00Z&to=2026-02-11T00:00:00Z',
  );
  io.stdout(`  ams-1 on 2026-02-10: ${free.peak} ${free.unit} in use at the peak, ${free.free} free\n`);
}

/**
 * A third provider joins; Globex sells Acme a port and Initech sells Globex
 * and buys from Acme (February and March invoiced and agreed); Acme runs a
 * netting round over the three that every member signs, and prints each
 * member's position and the round's payments.
 */
async function nettingRound(
  io: Io,
  seller: RunningNode,
  buyer: RunningNode,
  chain: { embeddedDir: string; anchorIntervalMs: number },
  dataDir: string,
): Promise<void> {
  const third = await startServer({
    dataDir: join(dataDir, 'initech'),
    party: 'initech',
    syncIntervalMs: 0,
    checkpointIntervalMs: 0,
    chain,
  });
  try {
    const nodes = [seller, buyer, third];
    await introduce(seller, buyer);
    await introduce(seller, third);
    await introduce(buyer, third);
    const base = JSON.parse(readFileSync(join(exampleDir, 'terms.json'), 'utf8')) as Record<
      string,
      unknown
    > & {
      seller: Record<string, unknown>;
      buyer: Record<string, unknown>;
    };
    io.stdout(`
A netting round: ${third.node.party} joins; the three sell to each other
`);
    for (const [from, to, plan] of [
      [buyer, seller, '1G'],
      [third, buyer, '1G'],
      [seller, third, '100M'],
    ] as const) {
      const terms = {
        ...base,
        id: `msa-${from.node.party}-${to.node.party}`,
        seller: { ...base.seller, id: from.node.party, name: from.node.party },
        buyer: { ...base.buyer, id: to.node.party, name: to.node.party },
      };
      const { id } = await rest<{ id: string }>(api(from), 'POST', '/bilaterals', {
        terms,
        peer: to.peerUrl,
      });
      for (const fact of [
        {
          type: 'service.ordered',
          service: 'P1',
          offering: 'dia',
          plan,
          termMonths: 12,
          at: '2026-02-01T00:00:00Z',
        },
        { type: 'service.activated', service: 'P1', at: '2026-02-01T00:00:00Z' },
      ]) {
        await rest(api(from), 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
      }
      for (const period of ['2026-02', '2026-03']) {
        await rest(api(from), 'POST', `/bilaterals/${id}/invoices`, { period });
      }
      io.stdout(`  ${pad(from.node.party, 11)} sells ${pad(to.node.party, 11)} a ${pad(plan, 4)} port: February and March invoiced
`);
    }
    for (const n of nodes) await n.node.idle();
    for (const n of nodes) await n.node.idle();
    const round = await rest<{
      hash: string;
      signatures: Record<string, string>;
      document: {
        statements: unknown[];
        positions: { member: string; position: string }[];
        payments: { from: string; to: string; amount: string }[];
      };
    }>(api(seller), 'POST', '/netting-rounds', {
      members: nodes.map((n) => n.node.party),
      currency: 'EUR',
      period: '2026-03',
    });
    io.stdout(
      `  round ${round.hash.slice(0, 16)}…: ${round.document.statements.length} co-signed bilateral statements, signed by ${Object.keys(round.signatures).join(', ')}
`,
    );
    for (const p of round.document.positions)
      io.stdout(`    position ${pad(p.member, 11)} ${p.position.padStart(10)}
`);
    for (const p of round.document.payments) {
      io.stdout(`    payment  ${pad(p.from, 11)} → ${pad(p.to, 11)} ${p.amount.padStart(10)}
`);
    }
    io.stdout(
      `  ${round.document.payments.length} payment(s) instead of one per open invoice; each Seller records the round in its bilaterals, so its hash is anchored with their checkpoints
`,
    );
    for (const n of nodes) await n.node.idle();
    // Checkpoint (and anchor) the Seller's bilaterals with the round in while initech's node still runs.
    for (const other of await rest<{ id: string }[]>(api(seller), 'GET', '/bilaterals')) {
      await rest(api(seller), 'POST', `/bilaterals/${other.id}/checkpoints`).catch(() => undefined);
    }
  } finally {
    await third.close();
  }
}

function printInvoice(
  io: Io,
  issued: IssuedInvoice,
  sellerView: Invoice,
  buyerView: Invoice,
  answered: IssuedInvoice | undefined,
  sellerParty: string,
  buyerParty: string,
): void {
  const invoice = issued.body.invoice;
  io.stdout(
    `\nInvoice ${issued.period}  issued by ${sellerParty} as entry ${issued.entry.author}/${issued.entry.seq}\n`,
  );
  for (const line of invoice.lines) {
    io.stdout(
      `  ${pad(line.kind, 18)} ${pad(line.service, 4)} ${pad(line.description, 50)} ${line.amount.padStart(12)}\n`,
    );
  }
  io.stdout(`  ${pad('subtotal', 74)} ${invoice.subtotal.padStart(12)}\n`);
  for (const tax of invoice.taxes) {
    io.stdout(`  ${pad(`tax ${tax.category} ${tax.ratePercent} %`, 74)} ${tax.amount.padStart(12)}\n`);
  }
  io.stdout(`  ${pad(`total ${invoice.currency}`, 74)} ${invoice.total.padStart(12)}\n`);
  io.stdout(`  computed by ${pad(sellerParty, 11)} hash ${hashJson(sellerView)}\n`);
  io.stdout(`  computed by ${pad(buyerParty, 11)} hash ${hashJson(buyerView)}\n`);
  io.stdout(`  issued invoice            hash ${issued.body.invoiceHash}\n`);
  if (answered?.answer === undefined) {
    io.stdout(`  ${buyerParty}: no answer yet\n`);
  } else {
    const { author, seq } = answered.answer.entry;
    io.stdout(`  ${buyerParty} ${answered.status} it in entry ${author}/${seq}\n`);
  }
}

function describeFact(fact: Record<string, unknown>): string {
  const parts = [
    fact.service,
    fact.offering,
    fact.plan,
    fact.termMonths === undefined ? undefined : `${fact.termMonths} months`,
  ];
  const when = fact.at ?? (fact.from === undefined ? undefined : `${fact.from} → ${fact.to}`);
  return [...parts, when].filter((p) => p !== undefined).join(' ');
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}
