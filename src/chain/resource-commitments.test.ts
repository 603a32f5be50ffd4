import { zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceCommitmentsAbi } from './abi.ts';
import {
  type Bilateral,
  b32,
  expectRevert,
  mined,
  registerFixtures,
  startTestChain,
  type TestChain,
} from './fixtures.ts';
import { resourceIdOf } from './ids.ts';

let chain: TestChain;
let main: Bilateral;
let other: Bilateral;
beforeAll(async () => {
  chain = await startTestChain();
  ({ main, other } = await registerFixtures(chain));
});
afterAll(async () => {
  await chain?.stop();
});

const port = resourceIdOf('port:AMS1/xe-0/0/1');

describe('ResourceCommitments', () => {
  const reg = () => ({ address: chain.addresses.resourceCommitments, abi: resourceCommitmentsAbi }) as const;
  const seller = () => chain.wallets[1]!; // party of `main`
  const buyer = () => chain.wallets[2]!; // party of `main` and `other`
  const otherSeller = () => chain.wallets[3]!; // party of `other` only
  const outsider = () => chain.wallets[8]!; // no party at all
  const commitmentOf = () =>
    chain.publicClient.readContract({ ...reg(), functionName: 'commitmentOf', args: [port] });

  it('reports a free resource', async () => {
    expect(await commitmentOf()).toEqual([b32(0), zeroAddress, 0n]);
  });

  it('refuses accounts that are not parties of the bilateral, unknown bilaterals and a zero id', async () => {
    for (const wallet of [otherSeller(), outsider()]) {
      await expectRevert(
        wallet.writeContract({ ...reg(), functionName: 'commit', args: [port, main.id] }),
        'NotABilateralParty',
        [main.id, wallet.account.address],
      );
    }
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'commit', args: [port, b32(0xee)] }),
      'UnknownBilateral',
      [b32(0xee)],
    );
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'commit', args: [b32(0), main.id] }),
      'ZeroValue',
      ['resourceId'],
    );
  });

  it('commits to one bilateral; a second commitment reverts AlreadyCommitted', async () => {
    const receipt = await mined(
      chain,
      seller().writeContract({ ...reg(), functionName: 'commit', args: [port, main.id] }),
    );
    const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await commitmentOf()).toEqual([main.id, seller().account.address, block.timestamp]);
    await expectRevert(
      otherSeller().writeContract({ ...reg(), functionName: 'commit', args: [port, other.id] }),
      'AlreadyCommitted',
      [port, main.id],
    );
    await expectRevert(
      buyer().writeContract({ ...reg(), functionName: 'commit', args: [port, main.id] }),
      'AlreadyCommitted',
      [port, main.id],
    );
  });

  it('lets only a party of the committing bilateral release', async () => {
    for (const wallet of [otherSeller(), outsider()]) {
      await expectRevert(
        wallet.writeContract({ ...reg(), functionName: 'release', args: [port] }),
        'NotABilateralParty',
        [main.id, wallet.account.address],
      );
    }
    // The buyer releases what the seller committed.
    await mined(chain, buyer().writeContract({ ...reg(), functionName: 'release', args: [port] }));
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
      chain,
      otherSeller().writeContract({ ...reg(), functionName: 'commit', args: [port, other.id] }),
    );
    expect((await commitmentOf())[0]).toBe(other.id);
    const events = await chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => [e.eventName, e.args])).toEqual([
      ['Committed', { resourceId: port, bilateralId: main.id, by: seller().account.address }],
      ['Released', { resourceId: port, bilateralId: main.id, by: buyer().account.address }],
      ['Committed', { resourceId: port, bilateralId: other.id, by: otherSeller().account.address }],
    ]);
  });
});
