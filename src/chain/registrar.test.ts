import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPairFromSeed } from '../ledger/index.ts';
import type { ContractAddresses } from './deploy.ts';
import { deployContracts } from './deploy.ts';
import { ensureParty } from './ensure-party.ts';
import { expectRevert, startTestChain, type TestChain } from './fixtures.ts';
import { partyIdOf } from './ids.ts';
import { readParty } from './read-party.ts';
import { approveParty, revokeParty } from './registrar.ts';

let chain: TestChain;
let addresses: ContractAddresses;
beforeAll(async () => {
  chain = await startTestChain();
  addresses = await deployContracts(chain.wallets[0]!, chain.publicClient, {
    registrar: chain.wallets[4]!.account.address,
  });
});
afterAll(async () => {
  await chain?.stop();
});

describe('approveParty and revokeParty', () => {
  const registrar = () => chain.wallets[4]!;
  const approved = async () => (await readParty(chain.publicClient, addresses, 'Hooli'))?.approved;

  it('records the registrar in the addresses', () => {
    expect(addresses.registrar).toBe(registrar().account.address);
  });

  it('approves a pending party once, then answers unchanged', async () => {
    await ensureParty(chain.wallets[1]!, chain.publicClient, addresses, {
      party: 'Hooli',
      entryKey: keyPairFromSeed(new Uint8Array(32).fill(1)).publicKey,
      endpoint: 'https://hooli.example',
    });
    expect(await approved()).toBe(false);
    expect(await approveParty(registrar(), chain.publicClient, addresses, 'Hooli')).toBe('approved');
    expect(await approved()).toBe(true);
    expect(await approveParty(registrar(), chain.publicClient, addresses, 'Hooli')).toBe('unchanged');
  });

  it('revokes once, then answers unchanged; approval can be given again', async () => {
    expect(await revokeParty(registrar(), chain.publicClient, addresses, 'Hooli')).toBe('revoked');
    expect(await approved()).toBe(false);
    expect(await revokeParty(registrar(), chain.publicClient, addresses, 'Hooli')).toBe('unchanged');
    expect(await approveParty(registrar(), chain.publicClient, addresses, 'Hooli')).toBe('approved');
  });

  it('passes the contract refusal through for anyone but the registrar and for unknown parties', async () => {
    const party = chain.wallets[1]!;
    await expectRevert(approveParty(party, chain.publicClient, addresses, 'Hooli'), 'NotRegistrar', [
      party.account.address,
    ]);
    await expectRevert(revokeParty(party, chain.publicClient, addresses, 'Hooli'), 'NotRegistrar');
    await expectRevert(approveParty(registrar(), chain.publicClient, addresses, 'Nobody'), 'UnknownParty', [
      partyIdOf('Nobody'),
    ]);
  });

  it('finds nobody to approve on an open registry', async () => {
    await expectRevert(
      approveParty(registrar(), chain.publicClient, chain.addresses, 'Hooli'),
      'NotRegistrar',
    );
  });
});
