import { getContract, type Hex, zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyPairFromSeed } from '../ledger/index.ts';
import { partyRegistryAbi } from './abi.ts';
import { deployContracts } from './deploy.ts';
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
/** Stand-in rotation signature: the contract only checks its length. */
const sig = (byte: number, length = 64): Hex => `0x${byte.toString(16).padStart(2, '0').repeat(length)}`;

describe('PartyRegistry (open: no registrar)', () => {
  const acme = partyIdOf('Acme Transit');
  const reg = () => ({ address: chain.addresses.partyRegistry, abi: partyRegistryAbi }) as const;
  const read = () => getContract({ ...reg(), client: chain.publicClient }).read;
  const owner = () => chain.wallets[1]!;
  const stranger = () => chain.wallets[2]!;
  const blocks: bigint[] = [];

  it('has no registrar', async () => {
    expect(await chain.publicClient.readContract({ ...reg(), functionName: 'registrar' })).toBe(zeroAddress);
  });

  it('registers a party with the caller as its account, approved at once', async () => {
    const receipt = await mined(
      chain,
      owner().writeContract({
        ...reg(),
        functionName: 'register',
        args: [acme, key(1), 'https://acme.example/sb'],
      }),
    );
    blocks.push(receipt.blockNumber);
    expect(receipt.logs).toHaveLength(2);
    const [account, entryKey, endpoint, approved] = await read().partyOf([acme]);
    expect(account).toBe(owner().account.address);
    expect(entryKeyFromBytes32(entryKey)).toBe(keyPairFromSeed(new Uint8Array(32).fill(1)).publicKey);
    expect(endpoint).toBe('https://acme.example/sb');
    expect(approved).toBe(true);
    expect(await read().accountOf([acme])).toBe(owner().account.address);
    expect(await read().isRegistered([acme])).toBe(true);
    expect(await read().isApproved([acme])).toBe(true);
    expect(await read().keyHistory([acme])).toEqual([[key(1)], ['0x'], [receipt.blockNumber]]);
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

  it('answers UnknownParty for partyOf and keyHistory, zero and false for the rest, when unknown', async () => {
    const ghost = partyIdOf('Ghost');
    await expectRevert(read().partyOf([ghost]), 'UnknownParty', [ghost]);
    await expectRevert(read().keyHistory([ghost]), 'UnknownParty', [ghost]);
    expect(await read().accountOf([ghost])).toBe(zeroAddress);
    expect(await read().isRegistered([ghost])).toBe(false);
    expect(await read().isApproved([ghost])).toBe(false);
  });

  it('lets nobody approve or revoke: the zero registrar never sends', async () => {
    for (const wallet of [chain.wallets[0]!, owner(), stranger()]) {
      for (const functionName of ['approve', 'revoke'] as const) {
        await expectRevert(wallet.writeContract({ ...reg(), functionName, args: [acme] }), 'NotRegistrar', [
          wallet.account.address,
        ]);
      }
    }
  });

  it('rotates the entry key only by the party account, with a 64-byte signature', async () => {
    await expectRevert(
      stranger().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(7), sig(7)] }),
      'NotPartyAccount',
      [acme, stranger().account.address],
    );
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, b32(0), sig(7)] }),
      'ZeroValue',
      ['entryKey'],
    );
    for (const length of [0, 63, 65, 128]) {
      await expectRevert(
        owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(2), sig(2, length)] }),
        'BadSignatureLength',
        [BigInt(length)],
      );
    }
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(1), sig(1)] }),
      'KeyAlreadyUsed',
      [acme, key(1)],
    );
    const receipt = await mined(
      chain,
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(2), sig(0xa2)] }),
    );
    blocks.push(receipt.blockNumber);
    expect(receipt.logs).toHaveLength(1);
    const [, entryKey] = await read().partyOf([acme]);
    expect(entryKey).toBe(key(2));
  });

  it('never takes a key back: every key in the history is used up', async () => {
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(1), sig(0xa1)] }),
      'KeyAlreadyUsed',
      [acme, key(1)],
    );
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
    const [, , endpoint] = await read().partyOf([acme]);
    expect(endpoint).toBe('https://acme.example/v2');
  });

  it('reverts UnknownParty when changing an unregistered party', async () => {
    const ghost = partyIdOf('Ghost');
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [ghost, key(3), sig(3)] }),
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
    expect(await read().accountOf([acme])).toBe(newAccount.account.address);
    await expectRevert(
      owner().writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(4), sig(0xa4)] }),
      'NotPartyAccount',
      [acme, owner().account.address],
    );
    const receipt = await mined(
      chain,
      newAccount.writeContract({ ...reg(), functionName: 'rotateKey', args: [acme, key(4), sig(0xa4)] }),
    );
    blocks.push(receipt.blockNumber);
  });

  it('keeps the whole key history in order, each key with its signature and block', async () => {
    expect(await read().keyHistory([acme])).toEqual([
      [key(1), key(2), key(4)],
      ['0x', sig(0xa2), sig(0xa4)],
      blocks,
    ]);
  });

  it('emits the events with their arguments', async () => {
    const events = await chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => e.eventName)).toEqual([
      'PartyRegistered',
      'PartyApproved',
      'PartyKeyRotated',
      'PartyEndpointChanged',
      'PartyAccountChanged',
      'PartyKeyRotated',
    ]);
    const [registered, approved, rotated, , moved] = events;
    expect(registered?.args).toEqual({
      partyId: acme,
      account: owner().account.address,
      entryKey: key(1),
      endpoint: 'https://acme.example/sb',
    });
    expect(approved?.args).toEqual({ partyId: acme });
    expect(rotated?.args).toEqual({ partyId: acme, oldKey: key(1), newKey: key(2), oldKeySig: sig(0xa2) });
    expect(moved?.args).toEqual({
      partyId: acme,
      oldAccount: owner().account.address,
      newAccount: chain.wallets[3]!.account.address,
    });
  });
});

describe('PartyRegistry (permissioned: a registrar approves)', () => {
  const globex = partyIdOf('Globex');
  let address: Hex;
  const reg = () => ({ address, abi: partyRegistryAbi }) as const;
  const isApproved = () =>
    chain.publicClient.readContract({ ...reg(), functionName: 'isApproved', args: [globex] });
  const registrar = () => chain.wallets[5]!;
  const party = () => chain.wallets[6]!;
  const stranger = () => chain.wallets[7]!;

  beforeAll(async () => {
    address = (
      await deployContracts(chain.wallets[0]!, chain.publicClient, {
        registrar: registrar().account.address,
      })
    ).partyRegistry;
  });

  it('names its registrar', async () => {
    expect(await chain.publicClient.readContract({ ...reg(), functionName: 'registrar' })).toBe(
      registrar().account.address,
    );
  });

  it('keeps a registration pending until the registrar approves it', async () => {
    const receipt = await mined(
      chain,
      party().writeContract({ ...reg(), functionName: 'register', args: [globex, key(11), 'https://g'] }),
    );
    expect(receipt.logs).toHaveLength(1);
    expect(await isApproved()).toBe(false);
    const [account, , , approved] = await chain.publicClient.readContract({
      ...reg(),
      functionName: 'partyOf',
      args: [globex],
    });
    expect([account, approved]).toEqual([party().account.address, false]);
  });

  it('lets a pending party change its endpoint and rotate its key (readers still wait for approval)', async () => {
    await mined(
      chain,
      party().writeContract({ ...reg(), functionName: 'setEndpoint', args: [globex, 'https://g/v2'] }),
    );
    await mined(
      chain,
      party().writeContract({ ...reg(), functionName: 'rotateKey', args: [globex, key(12), sig(12)] }),
    );
    expect(await isApproved()).toBe(false);
  });

  it('refuses approve and revoke from anyone but the registrar, the party itself and the deployer included', async () => {
    for (const wallet of [party(), stranger(), chain.wallets[0]!]) {
      for (const functionName of ['approve', 'revoke'] as const) {
        await expectRevert(wallet.writeContract({ ...reg(), functionName, args: [globex] }), 'NotRegistrar', [
          wallet.account.address,
        ]);
      }
    }
  });

  it('reverts UnknownParty when the registrar names an unregistered party', async () => {
    const ghost = partyIdOf('Ghost');
    for (const functionName of ['approve', 'revoke'] as const) {
      await expectRevert(
        registrar().writeContract({ ...reg(), functionName, args: [ghost] }),
        'UnknownParty',
        [ghost],
      );
    }
  });

  it('approves, refuses a second approval, revokes, refuses a second revocation, approves again', async () => {
    await expectRevert(
      registrar().writeContract({ ...reg(), functionName: 'revoke', args: [globex] }),
      'PartyNotApproved',
      [globex],
    );
    await mined(chain, registrar().writeContract({ ...reg(), functionName: 'approve', args: [globex] }));
    expect(await isApproved()).toBe(true);
    await expectRevert(
      registrar().writeContract({ ...reg(), functionName: 'approve', args: [globex] }),
      'PartyAlreadyApproved',
      [globex],
    );
    await mined(chain, registrar().writeContract({ ...reg(), functionName: 'revoke', args: [globex] }));
    expect(await isApproved()).toBe(false);
    await expectRevert(
      registrar().writeContract({ ...reg(), functionName: 'revoke', args: [globex] }),
      'PartyNotApproved',
      [globex],
    );
    // A revoked party keeps its id: nobody else can register it.
    await expectRevert(
      stranger().writeContract({ ...reg(), functionName: 'register', args: [globex, key(13), 'x'] }),
      'PartyAlreadyRegistered',
      [globex],
    );
    await mined(chain, registrar().writeContract({ ...reg(), functionName: 'approve', args: [globex] }));
    expect(await isApproved()).toBe(true);
  });

  it('emits PartyApproved and PartyRevoked', async () => {
    const events = await chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => e.eventName)).toEqual([
      'PartyRegistered',
      'PartyEndpointChanged',
      'PartyKeyRotated',
      'PartyApproved',
      'PartyRevoked',
      'PartyApproved',
    ]);
    expect(events.at(-2)?.args).toEqual({ partyId: globex });
  });
});
