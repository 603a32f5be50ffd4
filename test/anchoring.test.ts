/**
 * The anchoring loop end to end: two in-process nodes (HTTP over loopback, one
 * SQLite store each) sharing one embedded Anvil. The seller's scheduled
 * checkpoints are co-signed and anchored; the buyer proves an entry from the
 * anchor it finds on chain; a checkpoint on demand comes back anchored. An
 * embedded Anvil killed right after mining is started again by the node,
 * recording facts still answers at once meanwhile, and an anchor the chain
 * lost is sent again; after both nodes restart on their data folders,
 * the chain state has survived, the queue resumes, and nothing is anchored twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import {
  type AnchorChain,
  anchorRegistryAbi,
  bytes32FromHash,
  createAnchorChain,
  createChainPublicClient,
  createChainWalletClient,
  devPrivateKey,
  hashFromBytes32,
  readParty,
  verifyAnchorOnChain,
} from '../src/chain/index.ts';
import { verifyProof } from '../src/kinds/index.ts';
import type { Proof, SignedCheckpoint } from '../src/ledger/index.ts';
import { currentKey } from '../src/node/index.ts';
import type { AnchorRecord } from '../src/store/index.ts';
import { call, exampleFacts, exampleTerms } from './support.ts';

const terms = exampleTerms();
const facts = exampleFacts();

/** Polls `probe` every 100 ms until it returns a value, or fails after `ms`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const order = (fact: unknown, at: string) => ({
  type: 'service.ordered',
  service: fact,
  offering: 'dia',
  plan: '100M',
  termMonths: 12,
  at,
});

describe('two nodes anchoring on one embedded chain', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-anchoring-nodes-'));
  const chainDir = join(root, 'chain');
  const sellerDir = join(root, 'seller');
  const buyerDir = join(root, 'buyer');
  let seller: RunningNode | undefined;
  let buyer: RunningNode | undefined;
  let id: string;
  let proof: Proof;

  const start = (dataDir: string, party: string, ports?: { port: number; peerPort: number }) =>
    startServer({
      dataDir,
      party,
      ...ports,
      syncIntervalMs: 0,
      checkpointIntervalMs: 300,
      chain: { embeddedDir: chainDir, anchorIntervalMs: 200 },
    });

  const anchors = async (node: RunningNode | undefined) =>
    (await call<AnchorRecord[]>(node!, 'GET', `/bilaterals/${id}/anchors`)).body;

  const minedAt = (seq: number) =>
    eventually(`the anchor of seq ${seq} to be mined`, async () =>
      (await anchors(seller)).find((a) => a.seq === seq && a.status === 'mined'),
    );

  /** A read-only view of the registry over the chain the nodes run now. */
  const registry = (): AnchorChain => {
    const link = seller!.chain!;
    const endpoint = { rpcUrl: link.rpcUrl, chainId: link.chainId };
    return createAnchorChain({
      publicClient: createChainPublicClient(endpoint),
      walletClient: createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(9) }),
      addresses: link.addresses,
      bilateralTerms: async () => {
        throw new Error('read only');
      },
    });
  };

  beforeAll(async () => {
    seller = await start(sellerDir, 'acme-fiber');
    buyer = await start(buyerDir, 'globex');
    await introduce(seller, buyer);
  });

  afterAll(async () => {
    await buyer?.close();
    await seller?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shares one chain: the seller started it, the buyer joined', () => {
    expect(seller!.chain?.rpcUrl).toBeDefined();
    expect(buyer!.chain?.rpcUrl).toBe(seller!.chain?.rpcUrl);
    expect(buyer!.chain?.addresses).toEqual(seller!.chain?.addresses);
  });

  it('anchors the scheduled, co-signed checkpoint of facts recorded on both sides', async () => {
    const created = await call<{ id: string }>(seller!, 'POST', '/bilaterals', {
      terms,
      peer: buyer!.peerUrl,
    });
    expect(created.status).toBe(201);
    id = created.body.id;
    for (const fact of facts) {
      const node = fact.type === 'outage' ? buyer! : seller!;
      const recorded = await call<{ replicated: boolean }>(
        node,
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        fact,
      );
      expect(recorded.status).toBe(201);
      expect(recorded.body.replicated).toBe(true);
    }

    const mined = await minedAt(5);
    const link = seller!.chain!;
    expect(mined).toMatchObject({ chainId: link.chainId, contract: link.addresses.anchorRegistry });
    expect(mined.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const checkpoints = (await call<SignedCheckpoint[]>(seller!, 'GET', `/bilaterals/${id}/checkpoints`))
      .body;
    const last = checkpoints.at(-1)!;
    expect(Object.keys(last.sigs).sort()).toEqual(['acme-fiber', 'globex']);
    expect(Object.values(last.checkpoint.heads).reduce((sum, h) => sum + h.seq, 0)).toBe(5);
    const found = await registry().findAnchor(id, 5);
    expect(found).toMatchObject({ txHash: mined.txHash, value: mined.value, blockNumber: mined.blockNumber });
    // Only the seller anchors.
    expect(await anchors(buyer)).toEqual([]);
  });

  it('lets the buyer prove an entry from the anchor it finds on chain', async () => {
    const answer = await call<Proof>(buyer!, 'GET', `/bilaterals/${id}/proof?entry=globex/1`);
    expect(answer.status).toBe(200);
    proof = answer.body;
    expect(proof.anchor).not.toBeNull();
    const anchor = proof.anchor!;
    const atSeller = (await anchors(seller)).find((a) => a.seq === anchor.seq);
    expect(atSeller).toMatchObject({ status: 'mined', txHash: anchor.txHash });
    expect(anchor.value).toBe(`0x${atSeller!.value}`);

    const report = verifyProof(proof);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    const onChain = await verifyAnchorOnChain(seller!.chain!.rpcUrl, anchor);
    expect(onChain.length).toBeGreaterThan(0);
    expect(onChain.filter((c) => !c.ok)).toEqual([]);
  });

  it('checkpoints on demand and answers with the anchor mined', async () => {
    const recorded = await call(
      seller!,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      order('S2', '2026-04-02T00:00:00Z'),
    );
    expect(recorded.status).toBe(201);
    const answer = await call<{ checkpoint: SignedCheckpoint; anchors: AnchorRecord[] }>(
      seller!,
      'POST',
      `/bilaterals/${id}/checkpoints`,
    );
    expect(answer.status).toBe(201);
    expect(Object.values(answer.body.checkpoint.checkpoint.heads).reduce((sum, h) => sum + h.seq, 0)).toBe(6);
    expect(answer.body.anchors.find((a) => a.seq === 6)).toMatchObject({ status: 'mined' });
  });

  it('restarts an embedded Anvil killed right after mining; an anchor it lost is sent again and lands', async () => {
    const pidOf = () =>
      (JSON.parse(readFileSync(join(chainDir, 'endpoint.json'), 'utf8')) as { pid: number }).pid;
    const pid = pidOf();
    expect(pid).toBeGreaterThan(0);
    // Anvil dumps its state once a second: wait for a dump holding the chain so far, then mine an
    // anchor and kill Anvil at once, before the next dump has it.
    const link = seller!.chain!;
    const client = createChainPublicClient({ rpcUrl: link.rpcUrl, chainId: link.chainId });
    const height = Number(await client.getBlockNumber());
    await eventually('a state dump of the chain so far', async () => {
      try {
        const dumped = JSON.parse(readFileSync(join(chainDir, 'state.json'), 'utf8')) as {
          block?: { number?: string };
        };
        return Number(dumped.block?.number ?? -1) >= height ? true : undefined;
      } catch {
        return undefined;
      }
    });
    const recorded = await call(
      seller!,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      order('S3', '2026-04-05T00:00:00Z'),
    );
    expect(recorded.status).toBe(201);
    const answer = await call<{ anchors: AnchorRecord[] }>(seller!, 'POST', `/bilaterals/${id}/checkpoints`);
    expect(answer.body.anchors.find((a) => a.seq === 7)).toMatchObject({ status: 'mined' });
    process.kill(pid, 'SIGKILL');

    // Facts are recorded at once meanwhile.
    const started = Date.now();
    const outage = {
      type: 'outage',
      service: 'S1',
      from: '2026-02-05T10:00:00Z',
      to: '2026-02-05T11:00:00Z',
    };
    const during = await call<{ replicated: boolean }>(
      buyer!,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      {
        ...outage,
        maintenance: false,
      },
    );
    expect([during.status, during.body.replicated]).toEqual([201, true]);
    expect(Date.now() - started).toBeLessThan(1000);

    // The node started Anvil again, on the same endpoint, from its last dump.
    await eventually('Anvil to be restarted', async () => (pidOf() !== pid ? true : undefined));
    expect(seller!.chain!.rpcUrl).toBe(buyer!.chain!.rpcUrl);
    // Every anchor of ours ends final and on the chain with its value: lost ones were sent again.
    const chain = registry();
    await eventually(
      'every anchor final and on the chain',
      async () => {
        const all = await anchors(seller);
        if (!all.some((a) => a.seq === 8) || all.some((a) => a.finalAt === null)) return undefined;
        for (const a of all.filter((x) => x.coveredBy === null)) {
          const found = await chain.findAnchor(id, a.seq).catch(() => undefined);
          if (found?.value !== a.value || found.blockHash !== a.blockHash) return undefined;
        }
        return true;
      },
      30_000,
    );
    expect(await chain.latest(id)).toBe(8);
  });

  it('after a restart of both nodes the chain state survived, the queue resumes, nothing twice', async () => {
    const portsOf = (node: RunningNode) => ({
      port: Number(new URL(node.url).port),
      peerPort: Number(new URL(node.peerUrl).port),
    });
    const sellerPorts = portsOf(seller!);
    const buyerPorts = portsOf(buyer!);
    const before = await anchors(seller);
    await buyer!.close();
    buyer = undefined;
    await seller!.close();
    seller = undefined;

    seller = await start(sellerDir, 'acme-fiber', sellerPorts);
    buyer = await start(buyerDir, 'globex', buyerPorts);
    expect(buyer.chain?.rpcUrl).toBe(seller.chain?.rpcUrl);

    // The old anchors are still on chain, where they were.
    const chain = registry();
    for (const old of before.filter((a) => a.status === 'mined')) {
      expect(await chain.findAnchor(id, old.seq)).toMatchObject({
        txHash: old.txHash,
        blockNumber: old.blockNumber,
        blockHash: old.blockHash,
        value: old.value,
      });
    }
    // A proof made now cites an anchor that is on the chain (one made before the kill may cite a lost block).
    proof = (await call<Proof>(buyer, 'GET', `/bilaterals/${id}/proof?entry=globex/1`)).body;
    const onChain = await verifyAnchorOnChain(seller.chain!.rpcUrl, proof.anchor!);
    expect(onChain.filter((c) => !c.ok)).toEqual([]);

    // The anchor queued while the chain was down goes out now.
    const resumed = await minedAt(8);
    expect(resumed.lastError).toBeNull();

    // New facts are checkpointed and anchored with higher seqs.
    const recorded = await call(
      seller,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      order('S4', '2026-04-10T00:00:00Z'),
    );
    expect(recorded.status).toBe(201);
    const next = await minedAt(9);
    expect(next.blockNumber!).toBeGreaterThan(resumed.blockNumber!);
    expect(await chain.latest(id)).toBe(9);

    // Each anchored (bilateral, seq) has exactly one Anchored event; every mined record is one of them.
    const link = seller.chain!;
    const events = await createChainPublicClient({
      rpcUrl: link.rpcUrl,
      chainId: link.chainId,
    }).getContractEvents({
      address: link.addresses.anchorRegistry,
      abi: anchorRegistryAbi,
      eventName: 'Anchored',
      args: { bilateralId: bytes32FromHash(id) },
      fromBlock: 0n,
      toBlock: 'latest',
    });
    const seqs = events.map((e) => Number(e.args.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    const mined = (await anchors(seller)).filter((a) => a.status === 'mined');
    expect(mined.map((a) => a.seq).sort((a, b) => a - b)).toEqual([...seqs].sort((a, b) => a - b));
    for (const event of events) {
      const record = mined.find((a) => a.seq === Number(event.args.seq))!;
      expect(record.txHash).toBe(event.transactionHash);
      expect(record.value).toBe(hashFromBytes32(event.args.root!));
    }
  });

  it('registers a key rotation on the chain, with a history that verifies; a restart keeps it', async () => {
    const oldKey = seller!.node.publicKey;
    const rotated = await call<{ newKey: string }>(seller!, 'POST', '/party/rotate-key');
    expect(rotated.status).toBe(200);
    const link = seller!.chain!;
    const client = createChainPublicClient({ rpcUrl: link.rpcUrl, chainId: link.chainId });
    const onChain = await eventually('the rotation on the chain', async () => {
      const party = await readParty(client, link.addresses, 'acme-fiber');
      return party?.keys.length === 2 ? party : undefined;
    });
    expect(onChain.keys.map((k) => k.key)).toEqual([oldKey, rotated.body.newKey]);
    expect(currentKey('acme-fiber', onChain.keys)).toBe(rotated.body.newKey);

    // The counterparty verifies what follows with the new key, and the checkpoint is anchored.
    const recorded = await call<{ replicated: boolean }>(
      seller!,
      'POST',
      `/bilaterals/${id}/facts?wait=replicated`,
      order('S5', '2026-04-12T00:00:00Z'),
    );
    expect(recorded.body.replicated).toBe(true);
    const checkpoint = await call<{ checkpoint: SignedCheckpoint }>(
      seller!,
      'POST',
      `/bilaterals/${id}/checkpoints`,
    );
    expect(checkpoint.status).toBe(201);

    // Restarted, the node finds its new key registered: nothing to rotate, nothing refused.
    const ports = {
      port: Number(new URL(seller!.url).port),
      peerPort: Number(new URL(seller!.peerUrl).port),
    };
    await seller!.close();
    seller = undefined;
    seller = await start(sellerDir, 'acme-fiber', ports);
    expect(seller.node.publicKey).toBe(rotated.body.newKey);
    const relinked = seller.chain!;
    const after = await readParty(
      createChainPublicClient({ rpcUrl: relinked.rpcUrl, chainId: relinked.chainId }),
      relinked.addresses,
      'acme-fiber',
    );
    expect(after?.keys.map((k) => k.key)).toEqual([oldKey, rotated.body.newKey]);
  });
});
