/**
 * The anchoring loop against a real Anvil and a real SQLite store: queued
 * checkpoints of several bilaterals go out in one transaction; nothing is
 * anchored twice (repeated flushes, repeated enqueues, an anchor the chain
 * already holds); with the chain down anchors stay queued and back off, and
 * go out once it is back; after a restart an anchor left `sent` is settled
 * from its receipt without a second transaction, and one whose transaction
 * the chain lost is queued again instead of stalling the loop.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hex, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnchorChain,
  type AnvilInstance,
  anchorRegistryAbi,
  bytes32FromHash,
  type ChainPublicClient,
  type ContractAddresses,
  createAnchorChain,
  createChainPublicClient,
  createChainWalletClient,
  deployContracts,
  devPrivateKey,
  ensureParty,
  hashFromBytes32,
  startAnvil,
} from '../chain/index.ts';
import {
  checkpointHash,
  generateKeyPair,
  type Hash,
  type JsonValue,
  type SignedCheckpoint,
  sha256Hex,
} from '../ledger/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { Anchorer } from './anchoring.ts';
import { storedBilateralTerms } from './chain-link.ts';
import { putSignedBilateral } from './node.fixtures.ts';

const terms = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'dia-acme-globex', 'terms.json'), 'utf8'),
) as Record<string, JsonValue>;

const root = mkdtempSync(join(tmpdir(), 'sb-anchoring-'));
const stateFile = join(root, 'chain', 'state.json');
let anvil: AnvilInstance;
let publicClient: ChainPublicClient;
let addresses: ContractAddresses;
let store: Store;
let chain: AnchorChain;
let sellerAccount: Hex;
let made = 0;

/** A fresh chain port over the current Anvil, as a restarted node would build it. */
function anchorChain(): AnchorChain {
  const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
  return createAnchorChain({
    publicClient: createChainPublicClient(endpoint),
    walletClient: createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(1) }),
    addresses,
    bilateralTerms: storedBilateralTerms(store),
  });
}

/** A new bilateral acme-fiber → globex (the seller's record) in the store. */
function newBilateral(): Promise<Hash> {
  return putSignedBilateral(
    store,
    { ...terms, id: `msa-${++made}` },
    { seller: 'acme-fiber', buyer: 'globex' },
  );
}

const checkpointValue = (bilateral: Hash, seq: number, salt = ''): Hash =>
  sha256Hex(`checkpoint ${bilateral} ${seq}${salt}`);

async function enqueue(bilateral: Hash, seq: number, queuedAt = new Date()): Promise<Hash> {
  const value = checkpointValue(bilateral, seq);
  await store.enqueueAnchor({ bilateral, seq, value, queuedAt: queuedAt.toISOString() });
  return value;
}

/** Every Anchored event of (bilateral, seq) on chain, scanning from genesis. */
async function anchoredEvents(bilateral: Hash, seq: number) {
  return publicClient.getContractEvents({
    address: addresses.anchorRegistry,
    abi: anchorRegistryAbi,
    eventName: 'Anchored',
    args: { bilateralId: bytes32FromHash(bilateral), seq: BigInt(seq) },
    fromBlock: 0n,
    toBlock: 'latest',
  });
}

/** Transactions the seller's account has sent so far (its nonce). */
const sentTransactions = () => publicClient.getTransactionCount({ address: sellerAccount });

async function anchorOf(bilateral: Hash, seq: number) {
  const record = await store.getAnchor(bilateral, seq);
  if (record === undefined) throw new Error(`no anchor ${bilateral}#${seq}`);
  return record;
}

beforeAll(async () => {
  anvil = await startAnvil({ stateFile });
  const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
  publicClient = createChainPublicClient(endpoint);
  addresses = await deployContracts(
    createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(0) }),
    publicClient,
  );
  for (const [i, party] of ['acme-fiber', 'globex'].entries()) {
    await ensureParty(
      createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(i + 1) }),
      publicClient,
      addresses,
      { party, entryKey: generateKeyPair().publicKey, endpoint: `http://127.0.0.1:${7100 + i}` },
    );
  }
  store = await openStore(`sqlite:${join(root, 'x.db')}`);
  chain = anchorChain();
  sellerAccount = createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(1) }).account.address;
});

afterAll(async () => {
  await store?.close();
  await anvil?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('Anchorer on a real chain', () => {
  let b1: Hash;
  let b2: Hash;
  let b3: Hash;

  it('anchors several bilaterals in one transaction, each bilateral’s seqs in increasing order', async () => {
    b1 = await newBilateral();
    b2 = await newBilateral();
    b3 = await newBilateral();
    const t = Date.now() - 10_000;
    // b1's seq 5 is queued before its seq 2: the batch must still carry 2 before 5.
    await enqueue(b1, 5, new Date(t));
    await enqueue(b2, 3, new Date(t + 1));
    await enqueue(b1, 2, new Date(t + 2));
    await enqueue(b3, 1, new Date(t + 3));
    const before = await sentTransactions();

    expect(await new Anchorer({ store, chain }).flush()).toBe(4);

    const records = await Promise.all([anchorOf(b1, 2), anchorOf(b1, 5), anchorOf(b2, 3), anchorOf(b3, 1)]);
    for (const record of records) {
      expect(record).toMatchObject({
        status: 'mined',
        chainId: anvil.chainId,
        contract: addresses.anchorRegistry,
        lastError: null,
      });
    }
    const txHashes = new Set(records.map((r) => r.txHash));
    expect(txHashes.size).toBe(1);
    const txHash = records[0]!.txHash as Hex;
    const receipt = await publicClient.getTransactionReceipt({ hash: txHash });
    expect(receipt.status).toBe('success');
    for (const record of records) {
      expect(record.blockNumber).toBe(Number(receipt.blockNumber));
      expect(record.blockHash).toBe(receipt.blockHash);
    }
    // Three registrations (one per new bilateral) and exactly one anchoring transaction.
    expect((await sentTransactions()) - before).toBe(4);

    const logged = parseEventLogs({ abi: anchorRegistryAbi, eventName: 'Anchored', logs: receipt.logs }).map(
      (log) => ({
        bilateral: hashFromBytes32(log.args.bilateralId),
        seq: Number(log.args.seq),
        value: hashFromBytes32(log.args.root),
      }),
    );
    expect(logged).toHaveLength(4);
    for (const id of [b1, b2, b3]) {
      const seqs = logged.filter((l) => l.bilateral === id).map((l) => l.seq);
      expect(seqs.length).toBeGreaterThan(0);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
    }
    expect(logged.filter((l) => l.bilateral === b1).map((l) => l.seq)).toEqual([2, 5]);
    for (const l of logged) expect(l.value).toBe(checkpointValue(l.bilateral, l.seq));

    expect(await chain.latest(b1)).toBe(5);
    expect(await chain.latest(b2)).toBe(3);
    expect(await chain.latest(b3)).toBe(1);
  });

  it('anchors once however often it is flushed or enqueued', async () => {
    const value = await enqueue(b1, 7);
    // The same (bilateral, seq) again, even with another value: a no-op.
    await store.enqueueAnchor({
      bilateral: b1,
      seq: 7,
      value: checkpointValue(b1, 7, 'other'),
      queuedAt: new Date().toISOString(),
    });
    const before = await sentTransactions();
    const anchorer = new Anchorer({ store, chain });

    const together = await Promise.all([anchorer.flush(), anchorer.flush(), anchorer.flush()]);
    expect(together).toEqual([1, 1, 1]);
    expect(await anchorer.flush()).toBe(0);
    await enqueue(b1, 7);
    expect(await anchorer.flush()).toBe(0);
    expect(await new Anchorer({ store, chain }).flush()).toBe(0);

    expect(await anchorOf(b1, 7)).toMatchObject({ status: 'mined', value });
    expect((await sentTransactions()) - before).toBe(1);
    const events = await anchoredEvents(b1, 7);
    expect(events).toHaveLength(1);
    expect(hashFromBytes32(events[0]!.args.root!)).toBe(value);
    expect(events[0]!.transactionHash).toBe((await anchorOf(b1, 7)).txHash);
  });

  it('splits what is due into transactions of at most batchSize anchors', async () => {
    const b4 = await newBilateral();
    const t = Date.now() - 1000;
    for (const seq of [1, 2, 3]) await enqueue(b4, seq, new Date(t + seq));
    expect(await new Anchorer({ store, chain, batchSize: 2 }).flush()).toBe(3);
    const records = await store.listAnchors(b4);
    expect(records.map((r) => r.status)).toEqual(['mined', 'mined', 'mined']);
    expect(new Set(records.map((r) => r.txHash)).size).toBe(2);
    expect(await chain.latest(b4)).toBe(3);
  });

  it('keeps anchors queued with backoff while the chain is down, and anchors them once it is back', async () => {
    const t0 = Date.now();
    let now = t0;
    const anchorer = new Anchorer({
      store,
      chain,
      now: () => new Date(now),
      backoffBaseMs: 1000,
      backoffMaxMs: 60_000,
    });
    await enqueue(b2, 6, new Date(t0));
    await enqueue(b3, 4, new Date(t0));
    const port = anvil.port;
    const rpcUrl = anvil.rpcUrl;
    await anvil.stop();

    expect(await anchorer.flush()).toBe(0);
    for (const record of [await anchorOf(b2, 6), await anchorOf(b3, 4)]) {
      expect(record).toMatchObject({ status: 'queued', attempts: 1, txHash: null });
      expect(record.lastError).toEqual(expect.any(String));
      expect(record.lastError).not.toBe('');
      expect(record.nextAttemptAt).toBe(new Date(t0 + 1000).toISOString());
    }

    // Not due yet: the next round leaves them alone.
    expect(await anchorer.flush()).toBe(0);
    expect((await anchorOf(b2, 6)).attempts).toBe(1);

    // Due again, still down: one more attempt, twice the delay.
    now = t0 + 1000;
    expect(await anchorer.flush()).toBe(0);
    for (const record of [await anchorOf(b2, 6), await anchorOf(b3, 4)]) {
      expect(record).toMatchObject({ status: 'queued', attempts: 2 });
      expect(record.nextAttemptAt).toBe(new Date(t0 + 1000 + 2000).toISOString());
    }

    // The chain is back on the same state file and port.
    anvil = await startAnvil({ stateFile, port });
    expect(anvil.rpcUrl).toBe(rpcUrl);
    expect(await chain.latest(b1)).toBe(7);
    expect(await anchorer.flush()).toBe(0);
    now = t0 + 3000;
    expect(await anchorer.flush()).toBe(2);
    expect(await anchorOf(b2, 6)).toMatchObject({ status: 'mined', lastError: null });
    expect(await anchorOf(b3, 4)).toMatchObject({ status: 'mined', lastError: null });
    expect(await anchoredEvents(b2, 6)).toHaveLength(1);
    expect(await anchoredEvents(b3, 4)).toHaveLength(1);
    expect(await chain.latest(b2)).toBe(6);
  });

  it('after a restart, settles an anchor left `sent` from its receipt without sending again', async () => {
    const value = await enqueue(b2, 8);
    // The old process broadcast the transaction and recorded `sent`, then crashed.
    const txHash = await chain.sendBatch([{ bilateral: b2, seq: 8, value }]);
    await store.markAnchorsSent([{ bilateral: b2, seq: 8 }], txHash);
    const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash as Hex });
    const before = await sentTransactions();

    const restarted = new Anchorer({ store, chain: anchorChain() });
    expect(await restarted.flush()).toBe(1);

    expect(await anchorOf(b2, 8)).toMatchObject({
      status: 'mined',
      txHash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
    });
    expect(await sentTransactions()).toBe(before);
    expect(await anchoredEvents(b2, 8)).toHaveLength(1);
  });

  it('queues again the anchors of a transaction the chain lost, after one bounded wait', async () => {
    const values = [await enqueue(b2, 9), await enqueue(b3, 5)];
    const keys = [
      { bilateral: b2, seq: 9 },
      { bilateral: b3, seq: 5 },
    ];
    // Recorded as sent in one transaction the chain never mined (dropped, or lost with a crashed chain).
    const lost = `0x${'5a'.repeat(32)}`;
    await store.markAnchorsSent(keys, lost);
    let now = Date.now();
    const restarted = new Anchorer({
      store,
      chain: anchorChain(),
      now: () => new Date(now),
      confirmTimeoutMs: 2000,
    });

    const started = Date.now();
    expect(await restarted.flush()).toBe(0);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(3800);
    for (const key of keys) {
      const requeued = await anchorOf(key.bilateral, key.seq);
      expect(requeued).toMatchObject({ status: 'queued', attempts: 1 });
      expect(requeued.lastError).toContain(lost);
    }

    now += 60_000;
    expect(await restarted.flush()).toBe(2);
    const mined = [await anchorOf(b2, 9), await anchorOf(b3, 5)];
    expect(mined.map((m) => m.status)).toEqual(['mined', 'mined']);
    expect(mined.map((m) => m.value)).toEqual(values);
    expect(mined[0]!.txHash).not.toBe(lost);
    expect(mined[1]!.txHash).toBe(mined[0]!.txHash);
    expect(await anchoredEvents(b2, 9)).toHaveLength(1);
    expect(await anchoredEvents(b3, 5)).toHaveLength(1);
  });

  it('marks mined, without sending, an anchor the chain already holds', async () => {
    const value = checkpointValue(b3, 12);
    // Anchored by this account, but the store never learned it (crash before `sent` was recorded).
    const txHash = await chain.sendBatch([{ bilateral: b3, seq: 12, value }]);
    const receipt = await chain.waitMined(txHash);
    expect(receipt.status).toBe('success');
    await store.enqueueAnchor({ bilateral: b3, seq: 12, value, queuedAt: new Date().toISOString() });
    const before = await sentTransactions();

    expect(await new Anchorer({ store, chain: anchorChain() }).flush()).toBe(1);

    expect(await anchorOf(b3, 12)).toMatchObject({
      status: 'mined',
      txHash,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      lastError: null,
    });
    expect(await sentTransactions()).toBe(before);
    expect(await anchoredEvents(b3, 12)).toHaveLength(1);
  });

  it('marks covered, and never sends, an anchor the chain has passed with a later checkpoint of ours', async () => {
    const b5 = await newBilateral();
    const later = await enqueue(b5, 9);
    const anchorer = new Anchorer({ store, chain });
    expect(await anchorer.flush()).toBe(1);
    // An earlier checkpoint whose anchor was held back (an outage, a backoff) comes due after it.
    await enqueue(b5, 3, new Date(Date.now() - 1));
    const before = await sentTransactions();
    expect(await anchorer.flush()).toBe(1);
    const covering = await anchorOf(b5, 9);
    expect(covering).toMatchObject({ status: 'mined', value: later, coveredBy: null });
    expect(await anchorOf(b5, 3)).toMatchObject({
      status: 'mined',
      coveredBy: 9,
      txHash: covering.txHash,
      blockHash: covering.blockHash,
      lastError: null,
    });
    expect((await anchorOf(b5, 3)).finalAt).not.toBeNull();
    // Terminal: later rounds leave it alone and send nothing.
    expect(await anchorer.flush()).toBe(0);
    expect(await sentTransactions()).toBe(before);
    expect(await anchoredEvents(b5, 3)).toHaveLength(0);
  });

  it('marks covered an anchor the chain has passed with a co-signed checkpoint the counterparty anchored', async () => {
    const b8 = await newBilateral();
    const later: SignedCheckpoint = {
      checkpoint: {
        bilateral: b8,
        heads: {
          'acme-fiber': { seq: 10, hash: sha256Hex('head acme 10') },
          globex: { seq: 5, hash: sha256Hex('head globex 5') },
        },
        stateHash: sha256Hex('state'),
      },
      sigs: {},
    };
    await store.putCheckpoint(later);
    await chain.ensureBilateral(b8);
    const txHash = await chain.sendBatch([
      { bilateral: b8, seq: 15, value: checkpointHash(later.checkpoint) },
    ]);
    await publicClient.waitForTransactionReceipt({ hash: txHash as Hex });
    await enqueue(b8, 7, new Date(Date.now() - 1));
    const before = await sentTransactions();
    expect(await new Anchorer({ store, chain }).flush()).toBe(1);
    expect(await anchorOf(b8, 7)).toMatchObject({ status: 'mined', coveredBy: 15, txHash, lastError: null });
    expect(await sentTransactions()).toBe(before);
  });

  it('never sends an anchor the chain has passed with a checkpoint not ours, and says why', async () => {
    const b6 = await newBilateral();
    await chain.ensureBilateral(b6);
    // Someone else's value at seq 20 (a party of the bilateral, from outside this node's queue).
    const txHash = await chain.sendBatch([
      { bilateral: b6, seq: 20, value: checkpointValue(b6, 20, 'theirs') },
    ]);
    await publicClient.waitForTransactionReceipt({ hash: txHash as Hex });
    const now = new Date();
    await enqueue(b6, 11, new Date(now.getTime() - 1));
    const before = await sentTransactions();

    expect(await new Anchorer({ store, chain, now: () => now, backoffMaxMs: 120_000 }).flush()).toBe(0);

    const record = await anchorOf(b6, 11);
    expect(record).toMatchObject({ status: 'queued', attempts: 1, txHash: null, coveredBy: null });
    expect(record.lastError).toContain('superseded');
    expect(record.nextAttemptAt).toBe(new Date(now.getTime() + 120_000).toISOString());
    expect(await sentTransactions()).toBe(before);
    expect(await anchoredEvents(b6, 11)).toHaveLength(0);
  });

  it('runs on a schedule until stopped', async () => {
    const value = await enqueue(b1, 9);
    const anchorer = new Anchorer({ store, chain });
    anchorer.start(50);
    try {
      const deadline = Date.now() + 10_000;
      while ((await anchorOf(b1, 9)).status !== 'mined' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await anchorer.stop();
    }
    expect(await anchorOf(b1, 9)).toMatchObject({ status: 'mined', value });
    // Stopped: a newly queued anchor stays queued.
    await enqueue(b1, 10);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await anchorOf(b1, 10)).status).toBe('queued');
  });

  it('a failing round is logged, never rejected, and the next round proceeds', async () => {
    let broken = true;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'dueAnchors' && broken) {
          return async () => {
            throw new Error('database is locked');
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const lines: string[] = [];
    const anchorer = new Anchorer({ store: flaky, chain, log: (line) => lines.push(line) });
    await expect(anchorer.flush()).resolves.toBe(0);
    expect(lines.some((line) => line.includes('database is locked'))).toBe(true);
    broken = false;
    expect(await anchorer.flush()).toBe(1);
    expect((await anchorOf(b1, 10)).status).toBe('mined');
  });

  // Last: it rewinds the chain.
  it('is final only after its confirmations; a reorganisation that drops it sends it again', async () => {
    const rpc = async (method: string, params: unknown[] = []) => {
      const response = await fetch(anvil.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      return ((await response.json()) as { result: unknown }).result;
    };
    const b7 = await newBilateral();
    const value = await enqueue(b7, 1);
    const snapshot = await rpc('evm_snapshot');
    const lines: string[] = [];
    const anchorer = new Anchorer({ store, chain, confirmations: 3, log: (line) => lines.push(line) });
    expect(await anchorer.flush()).toBe(1);
    const first = await anchorOf(b7, 1);
    expect(first).toMatchObject({ status: 'mined', finalAt: null });
    // Two more blocks: still short of three confirmations at the first check, final at the next.
    await rpc('anvil_mine', ['0x1']);
    await anchorer.flush();
    expect((await anchorOf(b7, 1)).finalAt).toBeNull();
    await rpc('anvil_mine', ['0x1']);
    await anchorer.flush();
    expect((await anchorOf(b7, 1)).finalAt).not.toBeNull();

    // The chain is rewritten from before the anchor, and grows past it on other blocks.
    await rpc('evm_revert', [snapshot]);
    await rpc('anvil_mine', ['0x4']);
    expect(await chain.findAnchor(b7, 1)).toBeUndefined();
    await anchorer.flush();
    expect(lines.some((line) => line.includes('is not on the chain'))).toBe(true);
    const again = await anchorOf(b7, 1);
    expect(again).toMatchObject({ status: 'mined', value, finalAt: null });
    expect(again.txHash).not.toBe(first.txHash);
    await rpc('anvil_mine', ['0x2']);
    await anchorer.flush();
    const final = await anchorOf(b7, 1);
    expect(final.finalAt).not.toBeNull();
    expect(await chain.findAnchor(b7, 1)).toMatchObject({
      value,
      txHash: final.txHash,
      blockHash: final.blockHash,
    });
  });
});
