import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnvilInstance,
  createChainPublicClient,
  createChainWalletClient,
  devPrivateKey,
  ensureParty,
  readContractAddresses,
  startAnvil,
} from '../chain/index.ts';
import { keyPairFromSeed } from '../ledger/index.ts';
import { runCli } from './cli.fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-cli-chain-'));
const deployerKey = join(dir, 'deployer.key');
const registrarKey = join(dir, 'registrar.key');
const addressesFile = join(dir, 'addresses.json');
const registrar = privateKeyToAccount(devPrivateKey(5)).address;
let anvil: AnvilInstance;

beforeAll(async () => {
  anvil = await startAnvil();
  writeFileSync(deployerKey, `${devPrivateKey(0)}\n`);
  writeFileSync(registrarKey, `${devPrivateKey(5)}\n`);
});
afterAll(async () => {
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('sb chain', () => {
  const registrarRun = (action: string, party: string, key = registrarKey) =>
    runCli([
      'chain',
      action,
      '--chain-rpc',
      anvil.rpcUrl,
      '--key-file',
      key,
      '--addresses',
      addressesFile,
      '--party',
      party,
    ]);
  const deploy = (out: string, registrarAddress: string) =>
    runCli([
      'chain',
      'deploy',
      '--chain-rpc',
      anvil.rpcUrl,
      '--key-file',
      deployerKey,
      '--out',
      out,
      '--registrar',
      registrarAddress,
    ]);
  const show = (party: string) =>
    runCli(['chain', 'party', '--chain-rpc', anvil.rpcUrl, '--addresses', addressesFile, '--party', party]);

  it('deploys with a registrar and records it in the addresses file', async () => {
    const run = await deploy(addressesFile, registrar);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain(`registrar            ${registrar}`);
    expect(JSON.parse(readFileSync(addressesFile, 'utf8')).registrar).toBe(registrar);
  });

  it('refuses a malformed registrar address', async () => {
    const run = await deploy(join(dir, 'other.json'), '0x1234');
    expect(run.code).toBe(2);
    expect(run.err).toContain('--registrar: expected');
  });

  it('approves a pending party, shows it, and revokes it', async () => {
    const endpoint = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId };
    await ensureParty(
      createChainWalletClient({ ...endpoint, privateKey: devPrivateKey(1) }),
      createChainPublicClient(endpoint),
      readContractAddresses(addressesFile)!,
      {
        party: 'Acme',
        entryKey: keyPairFromSeed(new Uint8Array(32).fill(1)).publicKey,
        endpoint: 'https://acme.example',
      },
    );
    expect((await show('Acme')).out).toContain('not approved (pending or revoked)');
    expect(await registrarRun('approve', 'Acme')).toMatchObject({ code: 0, out: 'party Acme: approved\n' });
    expect(await registrarRun('approve', 'Acme')).toMatchObject({ code: 0, out: 'party Acme: unchanged\n' });
    const shown = await show('Acme');
    expect(shown.out).toContain('status    approved');
    expect(shown.out).toContain('endpoint  https://acme.example');
    expect(shown.out).toMatch(/key 1 {5}\S{43} {2}from block \d+ \(registered\)/);
    expect(await registrarRun('revoke', 'Acme')).toMatchObject({ code: 0, out: 'party Acme: revoked\n' });
  });

  it('prints the registry refusal for a key that is not the registrar, or an unknown party', async () => {
    const notRegistrar = await registrarRun('approve', 'Acme', deployerKey);
    expect(notRegistrar.code).toBe(1);
    expect(notRegistrar.err).toMatch(
      /CHAIN_TX_REVERTED: approve Acme: the party registry refused: NotRegistrar\(0x/,
    );
    const unknown = await registrarRun('revoke', 'Nobody');
    expect(unknown.err).toContain('UnknownParty(');
    expect((await show('Nobody')).code).toBe(1);
  });

  it('requires its flags and refuses an addresses file from another chain', async () => {
    expect((await runCli(['chain', 'approve', '--party', 'Acme'])).code).toBe(2);
    expect((await runCli(['chain', 'frobnicate'])).err).toContain('sb chain approve');
    const other = join(dir, 'other-chain.json');
    writeFileSync(other, JSON.stringify({ ...readContractAddresses(addressesFile), chainId: 1 }));
    const run = await runCli([
      'chain',
      'approve',
      '--chain-rpc',
      anvil.rpcUrl,
      '--key-file',
      registrarKey,
      '--addresses',
      other,
      '--party',
      'Acme',
    ]);
    expect(run.code).toBe(1);
    expect(run.err).toContain('CHAIN_ADDRESSES_INVALID');
  });
});
