import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnvilInstance, startAnvil } from './anvil.ts';
import {
  type ChainPublicClient,
  type ChainWalletClient,
  createChainPublicClient,
  createChainWalletClient,
} from './client.ts';
import {
  CONTRACT_KEYS,
  deployContracts,
  ensureDeployed,
  isDeployed,
  parseContractAddresses,
  readContractAddresses,
} from './deploy.ts';
import { devPrivateKey } from './dev-keys.ts';
import { ChainError } from './errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-deploy-'));
let anvil: AnvilInstance;
let publicClient: ChainPublicClient;
let wallet: ChainWalletClient;
beforeAll(async () => {
  anvil = await startAnvil();
  const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
  publicClient = createChainPublicClient(endpoint);
  wallet = createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(0) });
});
afterAll(async () => {
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ensureDeployed', () => {
  const file = join(dir, 'addresses.json');

  it('deploys once and records the addresses, then reuses them', async () => {
    const first = await ensureDeployed(file, wallet, publicClient);
    expect(first.deployed).toBe(true);
    expect(first.addresses.chainId).toBe(anvil.chainId);
    expect(new Set(CONTRACT_KEYS.map((k) => first.addresses[k])).size).toBe(5);
    expect(readContractAddresses(file)).toEqual(first.addresses);
    expect(await isDeployed(publicClient, first.addresses)).toBe(true);

    const second = await ensureDeployed(file, wallet, publicClient);
    expect(second).toEqual({ addresses: first.addresses, deployed: false });
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('deploys once when several nodes ask at the same time', async () => {
    const shared = join(dir, 'shared', 'addresses.json');
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        ensureDeployed(
          shared,
          createChainWalletClient({
            rpcUrl: anvil.rpcUrl,
            chainId: anvil.chainId,
            privateKey: devPrivateKey(i),
          }),
          publicClient,
        ),
      ),
    );
    expect(results.filter((r) => r.deployed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.addresses.anchorRegistry)).size).toBe(1);
  });

  it('redeploys when the recorded addresses hold no code (a fresh chain)', async () => {
    const stale = join(dir, 'stale.json');
    const recorded = readContractAddresses(file)!;
    writeFileSync(
      stale,
      JSON.stringify({ ...recorded, anchorRegistry: '0x000000000000000000000000000000000000dEaD' }, null, 2),
    );
    const result = await ensureDeployed(stale, wallet, publicClient);
    expect(result.deployed).toBe(true);
    expect(result.addresses.anchorRegistry).not.toBe('0x000000000000000000000000000000000000dEaD');
    expect(readContractAddresses(stale)).toEqual(result.addresses);
  });

  it('redeploys when the file was recorded on another chain id or the registries are not linked', async () => {
    const recorded = readContractAddresses(file)!;
    expect(await isDeployed(publicClient, { ...recorded, chainId: 1 })).toBe(false);
    // Addresses swapped: code everywhere, but the links do not match.
    expect(
      await isDeployed(publicClient, {
        ...recorded,
        partyRegistry: recorded.bilateralRegistry,
        bilateralRegistry: recorded.partyRegistry,
      }),
    ).toBe(false);
  });

  it('replaces a corrupt addresses file', async () => {
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{ not json');
    const result = await ensureDeployed(corrupt, wallet, publicClient);
    expect(result.deployed).toBe(true);
    expect(JSON.parse(readFileSync(corrupt, 'utf8'))).toEqual(result.addresses);
  });
});

describe('deployContracts with a registrar', () => {
  const registrar = '0x000000000000000000000000000000000000bEEF';

  it('records the registrar, and the reuse check holds the chain to it', async () => {
    const addresses = await deployContracts(wallet, publicClient, { registrar });
    expect(addresses.registrar).toBe(registrar);
    expect(await isDeployed(publicClient, addresses)).toBe(true);
    const { registrar: _, ...open } = addresses;
    expect(await isDeployed(publicClient, open)).toBe(false);
    expect(parseContractAddresses(JSON.stringify(addresses))).toEqual(addresses);
  });

  it('deploys an open registry for no registrar or the zero address, recording none', async () => {
    const addresses = await deployContracts(wallet, publicClient, { registrar: zeroAddress });
    expect('registrar' in addresses).toBe(false);
    expect(await isDeployed(publicClient, { ...addresses, registrar })).toBe(false);
  });

  it('refuses a malformed registrar before deploying', async () => {
    await expect(
      deployContracts(wallet, publicClient, { registrar: '0x12' as `0x${string}` }),
    ).rejects.toMatchObject({ code: 'CHAIN_INPUT_INVALID', details: { field: 'registrar' } });
  });
});

describe('parseContractAddresses', () => {
  it('names the bad field', () => {
    const good = readContractAddresses(join(dir, 'addresses.json'))!;
    expect(parseContractAddresses(JSON.stringify(good))).toEqual(good);
    expect(() => parseContractAddresses('[]')).toThrow(ChainError);
    expect(() => parseContractAddresses(JSON.stringify({ ...good, chainId: '1' }))).toThrow(/chainId/);
    expect(() => parseContractAddresses(JSON.stringify({ ...good, invoicePledges: '0x12' }))).toThrow(
      /invoicePledges: expected an address/,
    );
    // Files from before registrars, and those of open registries, have no registrar field.
    expect('registrar' in good).toBe(false);
    expect(() => parseContractAddresses(JSON.stringify({ ...good, registrar: 'x' }))).toThrow(
      /registrar: expected an address/,
    );
    expect(parseContractAddresses(JSON.stringify({ ...good, registrar: zeroAddress }))).toEqual(good);
  });
});
