import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAnchors, type TestAnchors } from '../chain/fixtures.ts';
import {
  anchorSeq,
  anchorValue,
  buildProof,
  type Checkpoint,
  cosign,
  createAgreement,
  createEntry,
  createGenesis,
  hashEntry,
  hashJson,
  type JsonValue,
  type KeyPair,
  keyPairFromSeed,
  type Proof,
  positionOf,
  type RecordLeaf,
  recordRoot,
  type SignedEntry,
  type StreamPosition,
  sha256Hex,
  signAgreement,
  signCheckpoint,
  signEntry,
} from '../ledger/index.ts';
import { runCli } from './cli.fixtures.ts';

/** An invoice proof of the 2026-02 invoice between acme-fiber (seller) and globex (buyer). */
function invoiceProof(): Proof {
  const keys = {
    'acme-fiber': keyPairFromSeed(new Uint8Array(32).fill(21)),
    globex: keyPairFromSeed(new Uint8Array(32).fill(22)),
  };
  const genesis = createGenesis(
    { msa: 'MSA-2026-ACME-GLOBEX', currency: 'EUR' },
    { id: 'acme-fiber', key: keys['acme-fiber'].publicKey },
    { id: 'globex', key: keys.globex.publicKey },
  );
  const id = hashJson(genesis);
  const agreement = createAgreement(genesis, {
    seller: signAgreement(id, keys['acme-fiber']),
    buyer: signAgreement(id, keys.globex),
  });
  const heads: Record<string, StreamPosition> = {};
  const written: SignedEntry[] = [];
  const write = (
    author: 'acme-fiber' | 'globex',
    kind: string,
    body: JsonValue,
    seen: StreamPosition | null,
  ) => {
    const entry = createEntry({
      bilateral: id,
      author,
      head: heads[author],
      seen,
      kind,
      body,
      recordedAt: new Date(Date.UTC(2026, 2, 1, 0, 0, written.length)).toISOString(),
    });
    heads[author] = positionOf(entry);
    const signed = signEntry(entry, keys[author] as KeyPair);
    written.push(signed);
    return signed;
  };
  const fact = write('acme-fiber', 'fact', { type: 'service.activated', service: 'S1' }, null);
  const invoice = { period: '2026-02', lines: [{ id: 'mrc', amount: '1200.00' }], total: '1200.00' };
  const invoiceHash = hashJson(invoice);
  const issued = write(
    'acme-fiber',
    'invoice.issued',
    { period: '2026-02', basis: { 'acme-fiber': { ...positionOf(fact.entry) } }, invoice, invoiceHash },
    null,
  );
  const accepted = write(
    'globex',
    'invoice.accepted',
    {
      period: '2026-02',
      invoice: { author: 'acme-fiber', seq: 2, hash: hashEntry(issued.entry) },
      invoiceHash,
    },
    positionOf(issued.entry),
  );
  const leaves: RecordLeaf[] = written.map((s) => ({
    author: s.entry.author,
    seq: s.entry.seq,
    hash: hashEntry(s.entry),
  }));
  const checkpoint: Checkpoint = {
    bilateral: id,
    heads: { ...heads },
    stateHash: sha256Hex('state'),
    root: recordRoot(leaves),
  };
  const once = cosign({ checkpoint, sigs: {} }, 'acme-fiber', signCheckpoint(checkpoint, keys['acme-fiber']));
  const signed = cosign(once, 'globex', signCheckpoint(checkpoint, keys.globex));
  return buildProof({
    subject: { kind: 'invoice', period: '2026-02', invoiceHash },
    agreement,
    checkpoint: signed,
    leaves,
    entries: [issued, accepted],
    anchor: {
      chainId: 31337,
      contract: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
      bilateral: `0x${id}`,
      seq: anchorSeq(checkpoint),
      value: anchorValue(checkpoint),
      txHash: `0x${sha256Hex('tx')}`,
      blockNumber: 3,
      blockHash: `0x${sha256Hex('block')}`,
    },
  });
}

const run = (...args: string[]) => runCli(['verify', ...args]);

describe('sb verify', () => {
  let dir: string;
  let good: string;
  const write = (name: string, value: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return file;
  };
  /** The proof as a file, with the value at a dotted `path` changed (`undefined` deletes it). */
  const tampered = (name: string, path: string, change: (old: unknown) => unknown) => {
    const proof: unknown = JSON.parse(JSON.stringify(invoiceProof()));
    const keys = path.split('.');
    const last = keys.pop()!;
    const parent = keys.reduce((v, k) => (v as Record<string, unknown>)[k], proof) as Record<string, unknown>;
    const next = change(parent[last]);
    if (next === undefined) delete parent[last];
    else parent[last] = next;
    return write(name, proof);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-verify-'));
    good = write('proof.json', invoiceProof());
  });

  it('checks a good proof offline and exits 0', async () => {
    const { code, out, err } = await run(good);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^✓ proof: schema — a smart-bilateral\/proof@2 document about the 2026-02 invoice/m);
    expect(out).toMatch(/^✓ entry acme-fiber\/2: signature — verifies with acme-fiber's key$/m);
    expect(out).toMatch(/^✓ invoice: acceptance — accepted by the buyer globex/m);
    expect(out).not.toMatch(/✗/);
    expect(out.trim().split('\n').at(-1)).toMatch(
      /^VERIFIED .*proof\.json: all \d+ checks passed \(offline\)$/,
    );
  });

  it('prints the report as JSON with --json', async () => {
    const { code, out } = await run('--json', good);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ file: good, ok: true });
    expect(report.checks.length).toBeGreaterThan(15);
  });

  it.each<[string, string, (old: unknown) => unknown, RegExp]>([
    [
      'an amount in the issued invoice',
      'entries.0.signed.entry.body.invoice.lines.0.amount',
      () => '1300.00',
      /^✗ entry acme-fiber\/2: signature — does not verify with acme-fiber's key — the entry was changed after signing/m,
    ],
    [
      'the invoice hash',
      'subject.invoiceHash',
      () => sha256Hex('other'),
      /^✗ invoice: subject — the proof is about invoice/m,
    ],
    [
      'a signature',
      'entries.1.signed.sig',
      (sig) => (String(sig)[0] === 'A' ? 'B' : 'A') + String(sig).slice(1),
      /^✗ entry globex\/1: signature — does not verify with globex's key/m,
    ],
    [
      'a Merkle sibling',
      'entries.0.path.entry.siblings.0.hash',
      () => sha256Hex('forged'),
      /^✗ entry acme-fiber\/2: merkle path — the path does not lead to the checkpoint's root/m,
    ],
    [
      'a co-signature',
      'checkpoint.sigs.globex',
      () => undefined,
      /^✗ checkpoint: co-signatures — globex has not signed the checkpoint/m,
    ],
    ['the anchor value', 'anchor.value', () => `0x${sha256Hex('forged')}`, /^✗ anchor: value — /m],
    [
      'the terms',
      'agreement.genesis.terms.currency',
      () => 'USD',
      /^✗ agreement: terms hash — .*the terms were changed/m,
    ],
  ])('fails and says why when %s is changed', async (label, path, change, line) => {
    const { code, out } = await run(tampered(`${label.replaceAll(' ', '-')}.json`, path, change));
    expect(code).toBe(1);
    expect(out).toMatch(line);
    expect(out.trim().split('\n').at(-1)).toMatch(/^NOT VERIFIED .*: \d+ of \d+ checks failed; first: /);
  });

  it('fails an unanchored proof unless --allow-unanchored', async () => {
    const file = tampered('unanchored.json', 'anchor', () => null);
    const refused = await run(file);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^✗ anchor: present — the checkpoint is not anchored yet/m);
    const allowed = await run(file, '--allow-unanchored');
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(/^✓ anchor: present — not anchored yet/m);
  });

  it('fails with the reason when the chain cannot be reached', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const { code, out } = await run(good, '--chain-rpc', `http://127.0.0.1:${port}`);
    expect(code).toBe(1);
    expect(out).toMatch(/^✗ chain: id — cannot reach the chain at http:\/\/127\.0\.0\.1:\d+/m);
    expect(out).toMatch(/^NOT VERIFIED .*first: chain: id/m);
  });

  it('exits 2 naming the file when it cannot be read or is not JSON', async () => {
    const missing = await run(join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read .*nope\.json: ENOENT/);
    const broken = await run(write('broken.json', '{"schema": '));
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/broken\.json is not JSON/);
  });

  it('exits 1 for JSON that is not a proof', async () => {
    const { code, out } = await run(write('other.json', { hello: 'world' }));
    expect(code).toBe(1);
    expect(out).toMatch(/^✗ proof: schema — not a smart-bilateral\/proof@2 document/m);
  });

  it.each([[[]], [['a.json', 'b.json']], [['--chain-rpc']], [['x.json', '--bogus']]])(
    'exits 2 on usage errors: %j',
    async (args) => {
      const { code, err } = await run(...args);
      expect(code).toBe(2);
      expect(err).toMatch(/usage: sb verify PROOF\.json/);
    },
  );
});

describe('sb verify --chain-rpc against Anvil', () => {
  let chain: TestAnchors;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    chain = await startTestAnchors();
    url = chain.rpcUrl;
    dir = mkdtempSync(join(tmpdir(), 'sb-verify-chain-'));
  }, 60_000);

  afterAll(async () => {
    await chain?.stop();
  });

  it('confirms the anchor of a real proof on the chain', async () => {
    const proof = invoiceProof();
    const offline = proof.anchor!;
    const receipt = await chain.anchor(offline.bilateral, offline.seq, offline.value);
    const file = join(dir, 'anchored.json');
    const anchored = {
      ...proof,
      anchor: {
        ...offline,
        contract: chain.contract,
        txHash: receipt.transactionHash,
        blockNumber: Number(receipt.blockNumber),
        blockHash: receipt.blockHash,
      },
    };
    writeFileSync(file, JSON.stringify(anchored));

    const { code, out } = await run(file, '--chain-rpc', url);
    expect(out).not.toMatch(/✗/);
    expect(code).toBe(0);
    expect(out).toMatch(/^✓ chain: event — 0x[0-9a-f]{40} emitted Anchored\(/m);
    expect(out).toMatch(/^✓ chain: registry — anchorOf/m);
    expect(out.trim().split('\n').at(-1)).toMatch(
      /^VERIFIED .*: all \d+ checks passed \(offline and on http/,
    );

    writeFileSync(
      file,
      JSON.stringify({ ...anchored, anchor: { ...anchored.anchor, seq: offline.seq + 1 } }),
    );
    const moved = await run(file, '--chain-rpc', url);
    expect(moved.code).toBe(1);
    expect(moved.out).toMatch(/^✗ anchor: seq — /m);
    expect(moved.out).toMatch(/^✗ chain: event — the transaction anchored .*, not bilateral/m);
  }, 60_000);
});
