import { zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPairFromSeed } from '../ledger/index.ts';
import { partyRegistryAbi } from './abi.ts';
import { b32, expectRevert, mined, startTestChain, type TestChain } from './fixtures.ts';
import { entryKeyBytes32, entryKeyFromBytes32, partyIdOf } from './ids.ts';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(async () => {
  await chain?.stop();
});

const key = (byte: number) => entryKeyBytes32(keyPairFromSeed(new Uint8Array(32).fill(byte)).publicKey);

describe('PartyRegistry', () => {
  const acme = partyIdOf('Acme Transit');
  const reg = () => ({ address: chain.addresses.partyRegistry, abi: partyRegistryAbi }) as const;
  const owner = () => chain.wallets[1]!;
  const stranger = () => chain.wallets[2]!;

  it('registers a party with the caller as its account', async () => {
    const receipt = await mined(
      chain,
      owner().writeContract({
        ...reg(),
        functionName: 'register',
        args: [acme, key(1), 'https://acme.example/sb'],
      }),
    );
    expect(receipt.logs).toHaveLength(1);
    const [account, entryKey, endpoint] = await chain.publicClient.readContract({
      ...reg(),
      functionName: 'partyOf',
      args: [acme],
    });
    expect(account).toBe(owner().account.address);
    expect(entryKeyFromBytes32(entryKey)).toBe(keyPairFromSeed(new Uint8Array(32).fill(1)).publicKey);
    expect(endpoint).toBe('https://acme.example/sb');
    expect(await chain.publicClient.readContract({ ...reg(), functionName: 'accountOf', args: [acme] })).toBe(
      owner().account.address,
    );
    expect(
      await chain.publicClient.readContract({ ...reg(), functionName: 'isRegistered', args: [acme] }),
    ).toBe(true);
  });

  it('is first come, first served: a second registration reverts PartyAlreadyRegistered', async () => {
    await expectRevert(
      stranger().writeContract({
        ...reg(),
        functionName: 'register',
        args: [acme, key(9), 'https://evil.example'],
      }),
      'PartyAlreadyRegistered',
      [acme],
    );
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'register', args: [acme, key(1), 'x'] }),
      'PartyAlreadyRegistered',
    );
  });

  it('refuses a zero party id or a zero entry key', async () => {
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'register', args: [b32(0), key(1), 'x'] }),
      'ZeroValue',
      ['partyId'],
    );
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'register', args: [partyIdOf('NoKey'), b32(0), 'x'] }),
      'ZeroValue',
      ['entryKey'],
    );
  });

  it('answers UnknownParty for partyOf and the zero address for accountOf when unknown', async () => {
    const ghost = partyIdOf('Ghost');
    await expectRevert(
      chain.publicClient.readContract({ ...reg(), functionName: 'partyOf', args: [ghost] }),
      'UnknownParty',
      [ghost],
    );
    expect(
      await chain.publicClient.readContract({ ...reg(), functionName: 'accountOf', args: [ghost] }),
    ).toBe(zeroAddress);
    expect(
      await chain.publicClient.readContract({ ...reg(), functionName: 'isRegistered', args: [ghost] }),
    ).toBe(false);
  });

  it('rotates the entry key only by the party account', async () => {
    await expectRevert(
      stranger().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(7)] }),
      'NotPartyAccount',
      [acme, stranger().account.address],
    );
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, b32(0)] }),
      'ZeroValue',
      ['entryKey'],
    );
    const receipt = await mined(
      chain,
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(2)] }),
    );
    expect(receipt.logs).toHaveLength(1);
    const [, entryKey] = await chain.publicClient.readContract({
      ...reg(),
      functionName: 'partyOf',
      args: [acme],
    });
    expect(entryKey).toBe(key(2));
  });

  it('changes the endpoint only by the party account', async () => {
    await expectRevert(
      stranger().writeContract({
        ...reg(),
        functionName: 'setEndpoint',
        args: [acme, 'https://evil.example'],
      }),
      'NotPartyAccount',
      [acme, stranger().account.address],
    );
    await mined(
      chain,
      owner().writeContract({
        ...reg(),
        functionName: 'setEndpoint',
        args: [acme, 'https://acme.example/v2'],
      }),
    );
    const [, , endpoint] = await chain.publicClient.readContract({
      ...reg(),
      functionName: 'partyOf',
      args: [acme],
    });
    expect(endpoint).toBe('https://acme.example/v2');
  });

  it('reverts UnknownParty when changing an unregistered party', async () => {
    const ghost = partyIdOf('Ghost');
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [ghost, key(3)] }),
      'UnknownParty',
      [ghost],
    );
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'setEndpoint', args: [ghost, 'x'] }),
      'UnknownParty',
      [ghost],
    );
    await expectRevert(
      owner().writeContract({
        ...reg(),
        functionName: 'setAccount',
        args: [ghost, stranger().account.address],
      }),
      'UnknownParty',
      [ghost],
    );
  });

  it('hands the record to a new account, after which only the new account acts', async () => {
    const newAccount = chain.wallets[3]!;
    await expectRevert(
      stranger().writeContract({
        ...reg(),
        functionName: 'setAccount',
        args: [acme, stranger().account.address],
      }),
      'NotPartyAccount',
      [acme, stranger().account.address],
    );
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'setAccount', args: [acme, zeroAddress] }),
      'ZeroValue',
      ['account'],
    );
    await mined(
      chain,
      owner().writeContract({
        ...reg(),
        functionName: 'setAccount',
        args: [acme, newAccount.account.address],
      }),
    );
    expect(await chain.publicClient.readContract({ ...reg(), functionName: 'accountOf', args: [acme] })).toBe(
      newAccount.account.address,
    );
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(4)] }),
      'NotPartyAccount',
      [acme, owner().account.address],
    );
    await mined(
      chain,
      newAccount.writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(4)] }),
    );
  });

  it('emits the four events with their arguments', async () => {
    const events = await chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => e.eventName)).toEqual([
      'PartyRegistered',
      'PartyKeyRotated',
      'PartyEndpointChanged',
      'PartyAccountChanged',
      'PartyKeyRotated',
    ]);
    const [registered, rotated, , moved] = events;
    expect(registered?.args).toEqual({
      partyId: acme,
      account: owner().account.address,
      entryKey: key(1),
      endpoint: 'https://acme.example/sb',
    });
    expect(rotated?.args).toEqual({ partyId: acme, oldKey: key(1), newKey: key(2) });
    expect(moved?.args).toEqual({
      partyId: acme,
      oldAccount: owner().account.address,
      newAccount: chain.wallets[3]!.account.address,
    });
  });
});
