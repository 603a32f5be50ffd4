/**
 * Test fixtures for the chain's own tests (not exported): a real Anvil per
 * test file with the contracts deployed, one wallet per development account,
 * a helper that waits for a write's receipt, one that expects a named
 * revert, and a bare Anvil with a stand-in anchor registry (`startTestAnchors`).
 */
import solc from 'solc';
import type { Abi, Hex, TransactionReceipt } from 'viem';
import { afterAll, beforeAll, expect } from 'vitest';
import { type KeyPair, keyPairFromSeed, sha256Hex, sign } from '../ledger/index.ts';
import { bilateralRegistryAbi, partyRegistryAbi } from './abi.ts';
import { type AnvilInstance, type AnvilOptions, startAnvil } from './anvil.ts';
import {
  type ChainPublicClient,
  type ChainWalletClient,
  createChainPublicClient,
  createChainWalletClient,
} from './client.ts';
import { type ContractAddresses, deployContracts } from './deploy.ts';
import { DEV_ACCOUNT_COUNT, devPrivateKey } from './dev-keys.ts';
import { bytes32FromHash, partyIdOf } from './ids.ts';
import { contractRevert } from './revert.ts';

export interface TestChain {
  readonly anvil: AnvilInstance;
  readonly publicClient: ChainPublicClient;
  /** One wallet per development account; 0 deploys. */
  readonly wallets: readonly ChainWalletClient[];
  readonly addresses: ContractAddresses;
  stop(): Promise<void>;
}

export async function startTestChain(options: AnvilOptions = {}): Promise<TestChain> {
  const anvil = await startAnvil(options);
  const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
  const publicClient = createChainPublicClient(endpoint);
  const wallets = Array.from({ length: DEV_ACCOUNT_COUNT }, (_, i) =>
    createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(i) }),
  );
  const addresses = await deployContracts(wallets[0]!, publicClient);
  return { anvil, publicClient, wallets, addresses, stop: () => anvil.stop() };
}

/** Waits for the transaction `hash` resolves to and expects it to succeed. */
export async function mined(chain: TestChain, hash: Promise<Hex>): Promise<TransactionReceipt> {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  expect(receipt.status).toBe('success');
  return receipt;
}

/** Expects `promise` to reject with the contract error `name` (and `args`, when given). */
export async function expectRevert(
  promise: Promise<unknown>,
  name: string,
  args?: readonly unknown[],
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a revert with ${name}`).toBeDefined();
  const revert = contractRevert(error);
  expect(revert?.name, String(error)).toBe(name);
  if (args !== undefined) expect(revert?.args).toEqual(args);
}

/** An Ed25519 key pair for tests, from the seed `byte` repeated. */
export const testKeyPair = (byte: number): KeyPair => keyPairFromSeed(new Uint8Array(32).fill(byte));

/**
 * A real 64-byte signature by key `from` naming key `to`. Not the ledger's
 * rotation statement: the chain layer carries the bytes without reading them.
 */
export const testRotationSig = (from: number, to: number): string =>
  sign(
    testKeyPair(from).privateKey,
    new TextEncoder().encode(`${testKeyPair(from).publicKey}→${testKeyPair(to).publicKey}`),
  );

/** A 32-byte value for tests: `n` repeated. */
export const b32 = (n: number): Hex => `0x${n.toString(16).padStart(2, '0').repeat(32)}`;

export interface Bilateral {
  readonly id: Hex;
  readonly seller: Hex;
  readonly buyer: Hex;
  readonly termsHash: Hex;
}

/**
 * Registers parties `Seller` (wallet 1), `Buyer` (wallet 2) and `Other`
 * (wallet 3), and the bilaterals `Seller→Buyer` and `Other→Buyer`.
 */
export async function registerFixtures(chain: TestChain): Promise<{ main: Bilateral; other: Bilateral }> {
  const parties = { address: chain.addresses.partyRegistry, abi: partyRegistryAbi } as const;
  const bilaterals = { address: chain.addresses.bilateralRegistry, abi: bilateralRegistryAbi } as const;
  const names = ['Seller', 'Buyer', 'Other'] as const;
  for (const [i, name] of names.entries()) {
    await mined(
      chain,
      chain.wallets[i + 1]!.writeContract({
        ...parties,
        functionName: 'register',
        args: [partyIdOf(name), b32(i + 1), `http://127.0.0.1:${9000 + i}`],
      }),
    );
  }
  const bilateral = (seller: string, buyer: string): Bilateral => ({
    id: bytes32FromHash(sha256Hex(`${seller}→${buyer}`)),
    seller: partyIdOf(seller),
    buyer: partyIdOf(buyer),
    termsHash: bytes32FromHash(sha256Hex(`terms ${seller}→${buyer}`)),
  });
  const main = bilateral('Seller', 'Buyer');
  const other = bilateral('Other', 'Buyer');
  for (const [b, wallet] of [
    [main, chain.wallets[1]!],
    [other, chain.wallets[2]!],
  ] as const) {
    await mined(
      chain,
      wallet.writeContract({
        ...bilaterals,
        functionName: 'register',
        args: [b.id, b.seller, b.buyer, b.termsHash],
      }),
    );
  }
  return { main, other };
}

/**
 * For a test file: a test chain with the fixture parties and bilaterals
 * registered before its tests, stopped after them. Read the fields inside
 * tests (they are set by `beforeAll`).
 */
export function useRegisteredChain(): { chain: TestChain; main: Bilateral; other: Bilateral } {
  const fixture = {} as { chain: TestChain; main: Bilateral; other: Bilateral };
  beforeAll(async () => {
    fixture.chain = await startTestChain();
    Object.assign(fixture, await registerFixtures(fixture.chain));
  });
  afterAll(async () => {
    await fixture.chain?.stop();
  });
  return fixture;
}

/**
 * A stand-in for AnchorRegistry with the same `Anchored` event and
 * `anchorOf` view and no access control, for tests of anchor verification.
 */
const TEST_ANCHORS_SOURCE = `
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

export interface TestAnchors {
  readonly rpcUrl: string;
  /** The TestAnchors contract's address. */
  readonly contract: Hex;
  /** Anchors `root` for (bilateral, seq) from dev account 0; resolves with the mined receipt. */
  anchor(bilateral: Hex, seq: number, root: Hex): Promise<TransactionReceipt>;
  stop(): Promise<void>;
}

/** A fresh Anvil with TestAnchors deployed (compiled offline with solc). */
export async function startTestAnchors(): Promise<TestAnchors> {
  const input = {
    language: 'Solidity',
    sources: { 'TestAnchors.sol': { content: TEST_ANCHORS_SOURCE } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  const compiled = output.contracts['TestAnchors.sol'].TestAnchors;
  const abi = compiled.abi as Abi;
  const anvil = await startAnvil();
  const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
  const reader = createChainPublicClient(endpoint);
  const wallet = createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(0) });
  const deployed = await reader.waitForTransactionReceipt({
    hash: await wallet.deployContract({ abi, bytecode: `0x${compiled.evm.bytecode.object}` as Hex }),
  });
  const contract = deployed.contractAddress!;
  return {
    rpcUrl: anvil.rpcUrl,
    contract,
    anchor: async (bilateral, seq, root) =>
      reader.waitForTransactionReceipt({
        hash: await wallet.writeContract({
          address: contract,
          abi,
          functionName: 'anchor',
          args: [bilateral, BigInt(seq), root],
        }),
      }),
    stop: () => anvil.stop(),
  };
}
