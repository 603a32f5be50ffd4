/**
 * `verifyAnchorOnChain` against a real Anvil: a tiny registry with the same
 * `Anchored` event and `anchorOf` view as AnchorRegistry, compiled here with
 * the pinned solc, and anchors sent with an Anvil dev key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import solc from 'solc';
import { type Abi, createPublicClient, createWalletClient, getAddress, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { anvil as anvilChain } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProofAnchor, sha256Hex } from '../ledger/index.ts';
import { verifyAnchorOnChain } from './verify-anchor.ts';

const SOURCE = `
// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;
contract TestAnchors {
    struct Anchor { bytes32 root; uint64 blockNumber; uint64 timestamp; }
    mapping(bytes32 => mapping(uint64 => Anchor)) private _anchors;
    event Anchored(bytes32 indexed bilateralId, uint64 indexed seq, bytes32 root, address by);
    function anchor(bytes32 bilateralId, uint64 seq, bytes32 root) external {
        _anchors[bilateralId][seq] = Anchor(root, uint64(block.number), uint64(block.timestamp));
        emit Anchored(bilateralId, seq, root, msg.sender);
    }
    function anchorOf(bytes32 bilateralId, uint64 seq)
        external view returns (bytes32 root, uint64 blockNumber, uint64 timestamp)
    {
        Anchor storage a = _anchors[bilateralId][seq];
        return (a.root, a.blockNumber, a.timestamp);
    }
}`;

/** Anvil's first dev account (public, well-known test key). */
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

function compile(): { abi: Abi; bytecode: Hex } {
  const input = {
    language: 'Solidity',
    sources: { 'TestAnchors.sol': { content: SOURCE } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  const contract = output.contracts['TestAnchors.sol'].TestAnchors;
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

/** Starts Anvil on a free loopback port (port 0: Anvil binds one and prints it). */
async function startAnvil(): Promise<{ url: string; child: ChildProcess }> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil');
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0', '--chain-id', '31337'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`anvil did not start: ${seen}`)), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`anvil exited ${code}: ${seen}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /Listening on ([\d.]+:\d+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { url, child };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('verifyAnchorOnChain against Anvil', () => {
  let node: { url: string; child: ChildProcess };
  let anchor: ProofAnchor;
  let otherTx: Hex;

  beforeAll(async () => {
    const { abi, bytecode } = compile();
    node = await startAnvil();
    const account = privateKeyToAccount(DEV_KEY);
    const wallet = createWalletClient({ account, chain: anvilChain, transport: http(node.url) });
    const reader = createPublicClient({ chain: anvilChain, transport: http(node.url) });
    const deployed = await reader.waitForTransactionReceipt({
      hash: await wallet.deployContract({ abi, bytecode }),
    });
    const contract = deployed.contractAddress!;
    const bilateral: Hex = `0x${sha256Hex('genesis')}`;
    const value: Hex = `0x${sha256Hex('checkpoint 12')}`;
    const send = async (seq: number, root: Hex) =>
      reader.waitForTransactionReceipt({
        hash: await wallet.writeContract({
          address: contract,
          abi,
          functionName: 'anchor',
          args: [bilateral, BigInt(seq), root],
        }),
      });
    const receipt = await send(12, value);
    otherTx = (await send(13, `0x${sha256Hex('checkpoint 13')}`)).transactionHash;
    anchor = {
      chainId: 31337,
      contract,
      bilateral,
      seq: 12,
      value,
      txHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
    };
  }, 120_000);

  afterAll(() => {
    node?.child.kill('SIGTERM');
  });

  const failedNames = (checks: { name: string; ok: boolean }[]) =>
    checks.filter((c) => !c.ok).map((c) => c.name);

  it('confirms a real anchor: chain, transaction, block, event and registry', async () => {
    const checks = await verifyAnchorOnChain(node.url, anchor);
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
    expect(failedNames(await verifyAnchorOnChain(node.url, loud))).toEqual([]);
  });

  it('fails for a value that was not anchored', async () => {
    const checks = await verifyAnchorOnChain(node.url, { ...anchor, value: `0x${sha256Hex('forged')}` });
    expect(failedNames(checks)).toEqual(['chain: event', 'chain: registry']);
    expect(checks.find((c) => c.name === 'chain: event')?.detail).toMatch(/not the proof's/);
  });

  it('fails for a wrong seq', async () => {
    const checks = await verifyAnchorOnChain(node.url, { ...anchor, seq: 11 });
    expect(failedNames(checks)).toEqual(['chain: event', 'chain: registry']);
    expect(checks.find((c) => c.name === 'chain: registry')?.detail).toMatch(/holds no anchor/);
  });

  it('fails for a wrong chain id, and stops there', async () => {
    const checks = await verifyAnchorOnChain(node.url, { ...anchor, chainId: 1 });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'chain: id', ok: false });
    expect(checks[0]!.detail).toMatch(/serves chain 31337, but the anchor was written on chain 1/);
  });

  it('fails for a transaction hash the chain does not have', async () => {
    const checks = await verifyAnchorOnChain(node.url, { ...anchor, txHash: `0x${sha256Hex('no such tx')}` });
    expect(failedNames(checks)).toEqual(['chain: transaction']);
    expect(checks.at(-1)!.detail).toMatch(/has no transaction/);
  });

  it("fails for another anchor's transaction", async () => {
    const checks = await verifyAnchorOnChain(node.url, { ...anchor, txHash: otherTx });
    expect(failedNames(checks)).toEqual(['chain: block', 'chain: event']);
    expect(checks.find((c) => c.name === 'chain: event')?.detail).toMatch(/\/13, not bilateral/);
  });

  it('fails for a wrong block hash', async () => {
    const checks = await verifyAnchorOnChain(node.url, {
      ...anchor,
      blockHash: `0x${sha256Hex('other block')}`,
    });
    expect(failedNames(checks)).toEqual(['chain: block']);
  });

  it('fails for another contract', async () => {
    const checks = await verifyAnchorOnChain(node.url, {
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
