import { createServer } from 'node:net';
import { getAddress, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProofAnchor, sha256Hex } from '../ledger/index.ts';
import { startTestAnchors, type TestAnchors } from './fixtures.ts';
import { verifyAnchorOnChain } from './verify-anchor.ts';

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('verifyAnchorOnChain against Anvil', () => {
  let chain: TestAnchors;
  let anchor: ProofAnchor;
  let otherTx: Hex;

  beforeAll(async () => {
    chain = await startTestAnchors();
    const bilateral: Hex = `0x${sha256Hex('genesis')}`;
    const value: Hex = `0x${sha256Hex('checkpoint 12')}`;
    const receipt = await chain.anchor(bilateral, 12, value);
    otherTx = (await chain.anchor(bilateral, 13, `0x${sha256Hex('checkpoint 13')}`)).transactionHash;
    anchor = {
      chainId: 31337,
      contract: chain.contract,
      bilateral,
      seq: 12,
      value,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
    };
  }, 120_000);

  afterAll(async () => {
    await chain?.stop();
  });

  const failedNames = (checks: { name: string; ok: boolean }[]) =>
    checks.filter((c) => !c.ok).map((c) => c.name);

  it('confirms a real anchor: chain, transaction, block, event and registry', async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, anchor);
    expect(checks.map((c) => c.name)).toEqual([
      'chain: id',
      'chain: transaction',
      'chain: block',
      'chain: event',
      'chain: registry',
    ]);
    expect(failedNames(checks)).toEqual([]);
  });

  it('accepts a checksummed contract address and upper-case hashes', async () => {
    const loud = {
      ...anchor,
      contract: getAddress(anchor.contract),
      value: `0x${anchor.value.slice(2).toUpperCase()}`,
      blockHash: `0x${anchor.blockHash.slice(2).toUpperCase()}`,
    } as const;
    expect(failedNames(await verifyAnchorOnChain(chain.rpcUrl, loud))).toEqual([]);
  });

  it('fails for a value that was not anchored', async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, { ...anchor, value: `0x${sha256Hex('forged')}` });
    expect(failedNames(checks)).toEqual(['chain: event', 'chain: registry']);
    expect(checks.find((c) => c.name === 'chain: event')?.detail).toMatch(/not the proof's/);
  });

  it('fails for a wrong seq', async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, { ...anchor, seq: 11 });
    expect(failedNames(checks)).toEqual(['chain: event', 'chain: registry']);
    expect(checks.find((c) => c.name === 'chain: registry')?.detail).toMatch(/holds no anchor/);
  });

  it('fails for a wrong chain id, and stops there', async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, { ...anchor, chainId: 1 });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'chain: id', ok: false });
    expect(checks[0]!.detail).toMatch(/serves chain 31337, but the anchor was written on chain 1/);
  });

  it('fails for a transaction hash the chain does not have', async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, {
      ...anchor,
      txHash: `0x${sha256Hex('no such tx')}`,
    });
    expect(failedNames(checks)).toEqual(['chain: transaction']);
    expect(checks.at(-1)!.detail).toMatch(/has no transaction/);
  });

  it("fails for another anchor's transaction", async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, { ...anchor, txHash: otherTx });
    expect(failedNames(checks)).toEqual(['chain: block', 'chain: event']);
    expect(checks.find((c) => c.name === 'chain: event')?.detail).toMatch(/\/13, not bilateral/);
  });

  it('fails for a wrong block hash', async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, {
      ...anchor,
      blockHash: `0x${sha256Hex('other block')}`,
    });
    expect(failedNames(checks)).toEqual(['chain: block']);
  });

  it('fails for another contract', async () => {
    const checks = await verifyAnchorOnChain(chain.rpcUrl, {
      ...anchor,
      contract: '0x000000000000000000000000000000000000dEaD',
    });
    expect(failedNames(checks)).toEqual(['chain: event', 'chain: registry']);
  });

  it('reports an unreachable RPC as a failed check, not a crash', async () => {
    const checks = await verifyAnchorOnChain(`http://127.0.0.1:${await closedPort()}`, anchor, {
      timeout: 2000,
    });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'chain: id', ok: false });
    expect(checks[0]!.detail).toMatch(/cannot reach the chain/);
  });
});
