import { zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { resourceCommitmentsAbi } from './abi.ts';
import { b32, expectRevert, mined, useRegisteredChain } from './fixtures.ts';
import { resourceIdOf } from './ids.ts';

const fixture = useRegisteredChain();

const port = resourceIdOf('port:AMS1/xe-0/0/1');

describe('ResourceCommitments', () => {
  const reg = () =>
    ({ address: fixture.chain.addresses.resourceCommitments, abi: resourceCommitmentsAbi }) as const;
  const seller = () => fixture.chain.wallets[1]!; // party of `main`
  const buyer = () => fixture.chain.wallets[2]!; // party of `main` and `other`
  const otherSeller = () => fixture.chain.wallets[3]!; // party of `other` only
  const outsider = () => fixture.chain.wallets[8]!; // no party at all
  const commitmentOf = () =>
    fixture.chain.publicClient.readContract({ ...reg(), functionName: 'commitmentOf', args: [port] });

  it('reports a free resource', async () => {
    expect(await commitmentOf()).toEqual([b32(0), zeroAddress, 0n]);
  });

  it('refuses accounts that are not parties of the bilateral, unknown bilaterals and a zero id', async () => {
    for (const wallet of [otherSeller(), outsider()]) {
      await expectRevert(
        wallet.writeContract({ ...reg(), functionName: 'commit', args: [port, fixture.main.id] }),
        'NotABilateralParty',
        [fixture.main.id, wallet.account.address],
      );
    }
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'commit', args: [port, b32(0xee)] }),
      'UnknownBilateral',
      [b32(0xee)],
    );
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'commit', args: [b32(0), fixture.main.id] }),
      'ZeroValue',
      ['resourceId'],
    );
  });

  it('commits to one bilateral; a second commitment reverts AlreadyCommitted', async () => {
    const receipt = await mined(
      fixture.chain,
      seller().writeContract({ ...reg(), functionName: 'commit', args: [port, fixture.main.id] }),
    );
    const block = await fixture.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await commitmentOf()).toEqual([fixture.main.id, seller().account.address, block.timestamp]);
    await expectRevert(
      otherSeller().writeContract({ ...reg(), functionName: 'commit', args: [port, fixture.other.id] }),
      'AlreadyCommitted',
      [port, fixture.main.id],
    );
    await expectRevert(
      buyer().writeContract({ ...reg(), functionName: 'commit', args: [port, fixture.main.id] }),
      'AlreadyCommitted',
      [port, fixture.main.id],
    );
  });

  it('lets only a party of the committing bilateral release', async () => {
    for (const wallet of [otherSeller(), outsider()]) {
      await expectRevert(
        wallet.writeContract({ ...reg(), functionName: 'release', args: [port] }),
        'NotABilateralParty',
        [fixture.main.id, wallet.account.address],
      );
    }
    // The buyer releases what the seller committed.
    await mined(fixture.chain, buyer().writeContract({ ...reg(), functionName: 'release', args: [port] }));
    expect(await commitmentOf()).toEqual([b32(0), zeroAddress, 0n]);
  });

  it('reverts NotCommitted when releasing a free resource', async () => {
    await expectRevert(
      buyer().writeContract({ ...reg(), functionName: 'release', args: [port] }),
      'NotCommitted',
      [port],
    );
  });

  it('can be committed again after release, to another bilateral', async () => {
    await mined(
      fixture.chain,
      otherSeller().writeContract({ ...reg(), functionName: 'commit', args: [port, fixture.other.id] }),
    );
    expect((await commitmentOf())[0]).toBe(fixture.other.id);
    const events = await fixture.chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => [e.eventName, e.args])).toEqual([
      ['Committed', { resourceId: port, bilateralId: fixture.main.id, by: seller().account.address }],
      ['Released', { resourceId: port, bilateralId: fixture.main.id, by: buyer().account.address }],
      ['Committed', { resourceId: port, bilateralId: fixture.other.id, by: otherSeller().account.address }],
    ]);
  });
});
