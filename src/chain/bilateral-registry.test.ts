import { zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../ledger/index.ts';
import { bilateralRegistryAbi, partyRegistryAbi } from './abi.ts';
import { b32, expectRevert, mined, startTestChain, type TestChain } from './fixtures.ts';
import { bytes32FromHash, partyIdOf } from './ids.ts';

let chain: TestChain;
const seller = partyIdOf('Seller');
const buyer = partyIdOf('Buyer');
const ghost = partyIdOf('Ghost');
const id = bytes32FromHash(sha256Hex('genesis Seller→Buyer'));
const terms = bytes32FromHash(sha256Hex('terms'));

beforeAll(async () => {
  chain = await startTestChain();
  for (const [i, name] of ['Seller', 'Buyer', 'Other'].entries()) {
    await mined(
      chain,
      chain.wallets[i + 1]!.writeContract({
        address: chain.addresses.partyRegistry,
        abi: partyRegistryAbi,
        functionName: 'register',
        args: [partyIdOf(name), b32(i + 1), ''],
      }),
    );
  }
});
afterAll(async () => {
  await chain?.stop();
});

describe('BilateralRegistry', () => {
  const reg = () => ({ address: chain.addresses.bilateralRegistry, abi: bilateralRegistryAbi }) as const;
  const sellerWallet = () => chain.wallets[1]!;
  const buyerWallet = () => chain.wallets[2]!;
  const otherWallet = () => chain.wallets[3]!;

  it('points at the party registry', async () => {
    expect(await chain.publicClient.readContract({ ...reg(), functionName: 'parties' })).toBe(
      chain.addresses.partyRegistry,
    );
  });

  it('refuses a caller that is neither party', async () => {
    await expectRevert(
      otherWallet().writeContract({ ...reg(), functionName: 'register', args: [id, seller, buyer, terms] }),
      'NotABilateralParty',
      [id, otherWallet().account.address],
    );
  });

  it('refuses an unregistered seller or buyer', async () => {
    await expectRevert(
      sellerWallet().writeContract({ ...reg(), functionName: 'register', args: [id, ghost, buyer, terms] }),
      'UnknownParty',
      [ghost],
    );
    await expectRevert(
      sellerWallet().writeContract({ ...reg(), functionName: 'register', args: [id, seller, ghost, terms] }),
      'UnknownParty',
      [ghost],
    );
  });

  it('refuses the same party on both sides, and a zero id', async () => {
    await expectRevert(
      sellerWallet().writeContract({ ...reg(), functionName: 'register', args: [id, seller, seller, terms] }),
      'SameParty',
      [seller],
    );
    await expectRevert(
      sellerWallet().writeContract({
        ...reg(),
        functionName: 'register',
        args: [b32(0), seller, buyer, terms],
      }),
      'ZeroValue',
      ['bilateralId'],
    );
  });

  it('answers UnknownBilateral before registration, and false for isPartyAccount', async () => {
    await expectRevert(
      chain.publicClient.readContract({ ...reg(), functionName: 'bilateralOf', args: [id] }),
      'UnknownBilateral',
      [id],
    );
    expect(
      await chain.publicClient.readContract({
        ...reg(),
        functionName: 'isPartyAccount',
        args: [id, sellerWallet().account.address],
      }),
    ).toBe(false);
    expect(
      await chain.publicClient.readContract({ ...reg(), functionName: 'accountsOf', args: [id] }),
    ).toEqual([zeroAddress, zeroAddress]);
  });

  it('registers by the buyer as well as the seller, once', async () => {
    const receipt = await mined(
      chain,
      buyerWallet().writeContract({ ...reg(), functionName: 'register', args: [id, seller, buyer, terms] }),
    );
    expect(receipt.logs).toHaveLength(1);
    expect(
      await chain.publicClient.readContract({ ...reg(), functionName: 'bilateralOf', args: [id] }),
    ).toEqual([seller, buyer, terms]);
    expect(await chain.publicClient.readContract({ ...reg(), functionName: 'exists', args: [id] })).toBe(
      true,
    );
    await expectRevert(
      sellerWallet().writeContract({ ...reg(), functionName: 'register', args: [id, seller, buyer, terms] }),
      'BilateralAlreadyRegistered',
      [id],
    );
    const [event] = await chain.publicClient.getContractEvents({
      ...reg(),
      eventName: 'BilateralRegistered',
      fromBlock: 0n,
    });
    expect(event?.args).toEqual({
      bilateralId: id,
      seller,
      buyer,
      termsHash: terms,
      by: buyerWallet().account.address,
    });
  });

  it('isPartyAccount follows the parties current accounts', async () => {
    const is = (account: `0x${string}`) =>
      chain.publicClient.readContract({ ...reg(), functionName: 'isPartyAccount', args: [id, account] });
    expect(await is(sellerWallet().account.address)).toBe(true);
    expect(await is(buyerWallet().account.address)).toBe(true);
    expect(await is(otherWallet().account.address)).toBe(false);
    expect(await is(zeroAddress)).toBe(false);
    const moved = chain.wallets[5]!;
    await mined(
      chain,
      sellerWallet().writeContract({
        address: chain.addresses.partyRegistry,
        abi: partyRegistryAbi,
        functionName: 'setAccount',
        args: [seller, moved.account.address],
      }),
    );
    expect(await is(sellerWallet().account.address)).toBe(false);
    expect(await is(moved.account.address)).toBe(true);
  });
});
