import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { partyRegistryAbi } from './abi.ts';
import { createChainPublicClient, createChainWalletClient } from './client.ts';
import { devPrivateKey } from './dev-keys.ts';
import { startEmbeddedChain } from './embedded.ts';
import { partyIdOf } from './ids.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startEmbeddedChain', () => {
  const chainDir = join(dir, 'chain');
  const party = partyIdOf('Embedded Party');

  it('starts Anvil with its state in the folder, deploys once, and shares the chain', async () => {
    const owner = await startEmbeddedChain({ dir: chainDir });
    expect(owner.owner).toBe(true);
    expect(owner.deployed).toBe(true);
    expect(owner.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const joiner = await startEmbeddedChain({ dir: chainDir });
    try {
      expect(joiner.owner).toBe(false);
      expect(joiner.deployed).toBe(false);
      expect(joiner.rpcUrl).toBe(owner.rpcUrl);
      expect(joiner.addresses).toEqual(owner.addresses);

      const wallet = createChainWalletClient({ ...owner, privateKey: devPrivateKey(1) });
      const hash = await wallet.writeContract({
        address: owner.addresses.partyRegistry,
        abi: partyRegistryAbi,
        functionName: 'register',
        args: [party, `0x${'22'.repeat(32)}`, 'http://127.0.0.1:2'],
      });
      await createChainPublicClient(owner).waitForTransactionReceipt({ hash });
    } finally {
      await joiner.stop(); // lets go; Anvil keeps running for the owner
      const client = createChainPublicClient(owner);
      expect(await client.getChainId()).toBe(owner.chainId);
      await owner.stop();
    }
    expect(existsSync(join(chainDir, 'state.json'))).toBe(true);
    expect(existsSync(join(chainDir, 'endpoint.json'))).toBe(false);
    await expect(createChainPublicClient(owner).getChainId()).rejects.toThrow();
  });

  it('after a restart reuses the contracts and still holds what was written', async () => {
    const again = await startEmbeddedChain({ dir: chainDir });
    try {
      expect(again.owner).toBe(true);
      expect(again.deployed).toBe(false);
      const [, entryKey, , approved] = await createChainPublicClient(again).readContract({
        address: again.addresses.partyRegistry,
        abi: partyRegistryAbi,
        functionName: 'partyOf',
        args: [party],
      });
      expect(entryKey).toBe(`0x${'22'.repeat(32)}`);
      // The embedded chain's registry is open: a registration is approved at once.
      expect(approved).toBe(true);
      expect(again.addresses.registrar).toBeUndefined();
    } finally {
      await again.stop();
    }
  });
});
