import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPairFromSeed } from '../ledger/index.ts';
import { partyRegistryAbi } from './abi.ts';
import { ensureParty } from './ensure-party.ts';
import { startTestChain, type TestChain } from './fixtures.ts';
import { entryKeyBytes32, partyIdOf } from './ids.ts';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(async () => {
  await chain?.stop();
});

const key = (byte: number) => keyPairFromSeed(new Uint8Array(32).fill(byte)).publicKey;

describe('ensureParty', () => {
  const partyOf = () =>
    chain.publicClient.readContract({
      address: chain.addresses.partyRegistry,
      abi: partyRegistryAbi,
      functionName: 'partyOf',
      args: [partyIdOf('Acme')],
    });

  it('registers, then leaves an unchanged record alone, then updates key and endpoint', async () => {
    const wallet = chain.wallets[1]!;
    const record = { party: 'Acme', entryKey: key(1), endpoint: 'http://127.0.0.1:7001' };
    expect(await ensureParty(wallet, chain.publicClient, chain.addresses, record)).toBe('registered');
    expect(await ensureParty(wallet, chain.publicClient, chain.addresses, record)).toBe('unchanged');
    const changed = { ...record, entryKey: key(2), endpoint: 'http://127.0.0.1:7002' };
    expect(await ensureParty(wallet, chain.publicClient, chain.addresses, changed)).toBe('updated');
    expect(await partyOf()).toEqual([
      wallet.account.address,
      entryKeyBytes32(key(2)),
      'http://127.0.0.1:7002',
    ]);
  });

  it('refuses a party id held by another account', async () => {
    await expect(
      ensureParty(chain.wallets[2]!, chain.publicClient, chain.addresses, {
        party: 'Acme',
        entryKey: key(3),
        endpoint: 'x',
      }),
    ).rejects.toMatchObject({ code: 'CHAIN_PARTY_TAKEN' });
  });
});
