import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { partyRegistryAbi } from './abi.ts';
import { ANVIL_DEFAULT_CHAIN_ID, anvilArgs, anvilBinary, startAnvil } from './anvil.ts';
import { createChainPublicClient, createChainWalletClient } from './client.ts';
import { deployContracts } from './deploy.ts';
import { devPrivateKey } from './dev-keys.ts';
import { ChainError } from './errors.ts';
import { partyIdOf } from './ids.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-anvil-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('anvilBinary', () => {
  it('resolves the binary of the platform package', () => {
    const binary = anvilBinary();
    expect(binary).toMatch(/@foundry-rs[/\\]anvil-[a-z0-9]+-[a-z0-9]+[/\\]bin[/\\]anvil/);
    expect(existsSync(binary)).toBe(true);
  });

  it('builds loopback arguments with a free port by default', () => {
    expect(anvilArgs({})).toEqual(['--host', '127.0.0.1', '--port', '0', '--chain-id', '31337']);
    expect(anvilArgs({ stateFile: '/x/state.json', blockTime: 2, port: 8545 })).toEqual([
      '--host',
      '127.0.0.1',
      '--port',
      '8545',
      '--chain-id',
      '31337',
      '--block-time',
      '2',
      '--state',
      '/x/state.json',
      '--state-interval',
      '1',
    ]);
  });
});

describe('devPrivateKey', () => {
  it('derives the well-known Anvil keys', () => {
    expect(devPrivateKey(0)).toBe('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
    expect(devPrivateKey(1)).toBe('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
    expect(() => devPrivateKey(10)).toThrow(ChainError);
    expect(() => devPrivateKey(-1)).toThrow(ChainError);
  });
});

describe('startAnvil', () => {
  it('starts two chains on distinct free ports, with the chain id asked for, and stops them', async () => {
    const [a, b] = await Promise.all([startAnvil(), startAnvil({ chainId: 4242 })]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.rpcUrl).toBe(`http://127.0.0.1:${a.port}`);
      expect(a.chainId).toBe(ANVIL_DEFAULT_CHAIN_ID);
      const client = createChainPublicClient({ rpcUrl: b.rpcUrl, chainId: 4242 });
      expect(await client.getChainId()).toBe(4242);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(a.process.exitCode !== null || a.process.signalCode !== null).toBe(true);
    await a.stop(); // idempotent
  });

  it('reports a failed start with Anvil output', async () => {
    const bad = join(dir, 'bad-state.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, 'this is not a state file');
    await expect(startAnvil({ stateFile: bad })).rejects.toMatchObject({ code: 'CHAIN_ANVIL_FAILED' });
  });

  it('keeps deployed contracts and their storage across a stop and a start with the same state file', async () => {
    const stateFile = join(dir, 'chain', 'state.json');
    const party = partyIdOf('Persistent Party');
    let first = await startAnvil({ stateFile });
    let registry: `0x${string}`;
    let blockNumber: bigint;
    try {
      const endpoint = { rpcUrl: first.rpcUrl, chainId: first.chainId };
      const client = createChainPublicClient(endpoint);
      const wallet = createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(1) });
      registry = (await deployContracts(wallet, client)).partyRegistry;
      const hash = await wallet.writeContract({
        address: registry,
        abi: partyRegistryAbi,
        functionName: 'register',
        args: [party, `0x${'11'.repeat(32)}`, 'http://127.0.0.1:1'],
      });
      blockNumber = (await client.waitForTransactionReceipt({ hash })).blockNumber;
    } finally {
      await first.stop();
    }
    // The dump on exit is on disk when stop() resolves.
    expect(readFileSync(stateFile, 'utf8')).toContain(registry.toLowerCase().slice(2));

    first = await startAnvil({ stateFile });
    try {
      const client = createChainPublicClient({ rpcUrl: first.rpcUrl, chainId: first.chainId });
      expect(await client.getCode({ address: registry })).toMatch(/^0x[0-9a-f]{100,}/);
      expect(
        await client.readContract({
          address: registry,
          abi: partyRegistryAbi,
          functionName: 'partyOf',
          args: [party],
        }),
      ).toEqual([
        (await import('viem/accounts')).privateKeyToAccount(devPrivateKey(1)).address,
        `0x${'11'.repeat(32)}`,
        'http://127.0.0.1:1',
        true,
      ]);
      expect(await client.getBlockNumber()).toBeGreaterThanOrEqual(blockNumber);
    } finally {
      await first.stop();
    }
  });

  it('dumps state periodically, so a killed Anvil loses at most the last interval', async () => {
    const stateFile = join(dir, 'crash', 'state.json');
    const anvil = await startAnvil({ stateFile, stateInterval: 1 });
    let registry: `0x${string}`;
    try {
      const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
      registry = (
        await deployContracts(
          createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(0) }),
          createChainPublicClient(endpoint),
        )
      ).partyRegistry;
      await new Promise((resolve) => setTimeout(resolve, 1_600));
    } finally {
      anvil.process.kill('SIGKILL');
      await anvil.stop();
    }
    const again = await startAnvil({ stateFile });
    try {
      const client = createChainPublicClient({ rpcUrl: again.rpcUrl, chainId: again.chainId });
      expect(await client.getCode({ address: registry })).toMatch(/^0x[0-9a-f]{100,}/);
    } finally {
      await again.stop();
    }
  });
});
