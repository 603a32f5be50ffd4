/**
 * A production-shaped setup: an external EVM chain (a separate Anvil standing in
 * for a Besu QBFT network) that the operator deploys to with `sb chain deploy`,
 * two nodes pointed at it by URL and addresses file, and a proof exported with
 * `sb proof` that `sb verify --chain-rpc` checks against the chain.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import {
  type AnvilInstance,
  createChainPublicClient,
  createChainWalletClient,
  devPrivateKey,
  startAnvil,
} from '../src/chain/index.ts';
import { main } from '../src/cli/main.ts';
import { loadOrCreatePartyFile } from '../src/node/index.ts';
import { callOk } from './support.ts';

const example = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = (t: string) => {
    out += t;
  };
  const code = await main(args, { stdout: write, stderr: write });
  return { code, out };
}

describe('nodes on an external chain', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-external-'));
  const addressesFile = join(root, 'addresses.json');
  let anvil: AnvilInstance;
  let seller: RunningNode;
  let buyer: RunningNode;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 1337 });
  });

  afterAll(async () => {
    await seller?.close();
    await buyer?.close();
    await anvil?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('deploys with sb chain deploy, runs nodes on it, and proves an entry anchored there', async () => {
    const keyFile = join(root, 'deployer.key');
    writeFileSync(keyFile, `${devPrivateKey(0)}\n`);
    const deployed = await run([
      'chain',
      'deploy',
      '--chain-rpc',
      anvil.rpcUrl,
      '--key-file',
      keyFile,
      '--out',
      addressesFile,
    ]);
    expect(deployed.code).toBe(0);
    expect(JSON.parse(readFileSync(addressesFile, 'utf8')).chainId).toBe(1337);

    // Node accounts on an external chain are funded by the operator; here, from the dev account.
    const funder = createChainWalletClient({
      rpcUrl: anvil.rpcUrl,
      chainId: 1337,
      privateKey: devPrivateKey(0),
    });
    const client = createChainPublicClient({ rpcUrl: anvil.rpcUrl, chainId: 1337 });
    for (const [dir, party] of [
      ['seller', 'acme-fiber'],
      ['buyer', 'globex'],
    ] as const) {
      const { evmKey } = loadOrCreatePartyFile(join(root, dir), party);
      const to = privateKeyToAccount(evmKey).address;
      const hash = await funder.sendTransaction({ to, value: parseEther('10') });
      await client.waitForTransactionReceipt({ hash });
    }
    const chain = { rpcUrl: anvil.rpcUrl, addressesFile, anchorIntervalMs: 200 };
    const options = { syncIntervalMs: 0, checkpointIntervalMs: 0, chain };
    seller = await startServer({ dataDir: join(root, 'seller'), party: 'acme-fiber', ...options });
    buyer = await startServer({ dataDir: join(root, 'buyer'), party: 'globex', ...options });
    await introduce(seller, buyer);
    expect(seller.chain?.chainId).toBe(1337);
    expect(seller.chain?.rpcUrl).toBe(anvil.rpcUrl);

    const terms = JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8'));
    const { id } = await callOk<{ id: string }>(seller, 'POST', '/bilaterals', {
      terms,
      peer: buyer.peerUrl,
    });
    const fact = readFileSync(join(example, 'facts.jsonl'), 'utf8').split('\n')[0];
    await callOk(seller, 'POST', `/bilaterals/${id}/facts?wait=replicated`, JSON.parse(fact!));
    const made = await callOk<{ anchors: { status: string }[] }>(
      seller,
      'POST',
      `/bilaterals/${id}/checkpoints`,
    );
    expect(made.anchors.map((a) => a.status)).toEqual(['mined']);

    const proofFile = join(root, 'entry.proof.json');
    const exported = await run([
      'proof',
      '--node',
      buyer.url,
      '--token',
      buyer.adminToken!,
      '--bilateral',
      id,
      '--entry',
      'acme-fiber/1',
      '--out',
      proofFile,
    ]);
    expect(exported.code).toBe(0);
    const verified = await run(['verify', proofFile, '--chain-rpc', anvil.rpcUrl]);
    expect(verified.out).toContain('✓ chain: registry');
    expect(verified.code).toBe(0);

    const proof = JSON.parse(readFileSync(proofFile, 'utf8'));
    proof.anchor.value = `0x${'0'.repeat(63)}1`;
    writeFileSync(proofFile, JSON.stringify(proof));
    const refused = await run(['verify', proofFile, '--chain-rpc', anvil.rpcUrl]);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('✗ anchor: value');
  }, 90_000);

  it('refuses a chain whose id does not match the addresses file', async () => {
    const other = await startAnvil({ chainId: 4242 });
    try {
      await expect(
        startServer({
          dataDir: join(root, 'wrong'),
          party: 'initech',
          chain: { rpcUrl: other.rpcUrl, addressesFile },
        }),
      ).rejects.toThrow(/has id 4242/);
    } finally {
      await other.stop();
    }
  }, 60_000);
});
