import { zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../ledger/index.ts';
import { invoicePledgesAbi } from './abi.ts';
import {
  type Bilateral,
  b32,
  expectRevert,
  mined,
  registerFixtures,
  startTestChain,
  type TestChain,
} from './fixtures.ts';
import { bytes32FromHash } from './ids.ts';

let chain: TestChain;
let main: Bilateral;
beforeAll(async () => {
  chain = await startTestChain();
  ({ main } = await registerFixtures(chain));
});
afterAll(async () => {
  await chain?.stop();
});

const invoice = bytes32FromHash(sha256Hex('invoice INV-2024-001'));

describe('InvoicePledges', () => {
  const reg = () => ({ address: chain.addresses.invoicePledges, abi: invoicePledgesAbi }) as const;
  const seller = () => chain.wallets[1]!;
  const buyer = () => chain.wallets[2]!;
  const financier = () => chain.wallets[6]!;
  const secondFinancier = () => chain.wallets[7]!;
  const pledgeOf = () =>
    chain.publicClient.readContract({ ...reg(), functionName: 'pledgeOf', args: [invoice] });

  it('reports no pledge at first', async () => {
    expect(await pledgeOf()).toEqual([zeroAddress, b32(0), 0n]);
  });

  it('lets only the seller pledge: the buyer and a financier are refused', async () => {
    for (const wallet of [buyer(), financier()]) {
      await expectRevert(
        wallet.writeContract({
          ...reg(),
          functionName: 'pledge',
          args: [invoice, main.id, financier().account.address],
        }),
        'NotSeller',
        [main.id, wallet.account.address],
      );
    }
  });

  it('refuses a zero financier and an unknown bilateral', async () => {
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'pledge', args: [invoice, main.id, zeroAddress] }),
      'ZeroFinancier',
      [],
    );
    await expectRevert(
      seller().writeContract({
        ...reg(),
        functionName: 'pledge',
        args: [invoice, b32(0xee), financier().account.address],
      }),
      'UnknownBilateral',
      [b32(0xee)],
    );
  });

  it('pledges to one financier; a second pledge reverts AlreadyPledged', async () => {
    const receipt = await mined(
      chain,
      seller().writeContract({
        ...reg(),
        functionName: 'pledge',
        args: [invoice, main.id, financier().account.address],
      }),
    );
    const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await pledgeOf()).toEqual([financier().account.address, main.id, block.timestamp]);
    for (const to of [secondFinancier(), financier()]) {
      await expectRevert(
        seller().writeContract({
          ...reg(),
          functionName: 'pledge',
          args: [invoice, main.id, to.account.address],
        }),
        'AlreadyPledged',
        [invoice, financier().account.address],
      );
    }
  });

  it('lets only the financier release', async () => {
    for (const wallet of [seller(), buyer(), secondFinancier()]) {
      await expectRevert(
        wallet.writeContract({ ...reg(), functionName: 'release', args: [invoice] }),
        'NotFinancier',
        [invoice, wallet.account.address],
      );
    }
    await mined(chain, financier().writeContract({ ...reg(), functionName: 'release', args: [invoice] }));
    expect(await pledgeOf()).toEqual([zeroAddress, b32(0), 0n]);
  });

  it('reverts NotPledged when releasing what is not pledged', async () => {
    await expectRevert(
      financier().writeContract({ ...reg(), functionName: 'release', args: [invoice] }),
      'NotPledged',
      [invoice],
    );
  });

  it('can be pledged again after release, to another financier', async () => {
    await mined(
      chain,
      seller().writeContract({
        ...reg(),
        functionName: 'pledge',
        args: [invoice, main.id, secondFinancier().account.address],
      }),
    );
    expect((await pledgeOf())[0]).toBe(secondFinancier().account.address);
    const events = await chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => [e.eventName, e.args])).toEqual([
      ['Pledged', { invoiceHash: invoice, bilateralId: main.id, financier: financier().account.address }],
      ['Released', { invoiceHash: invoice, bilateralId: main.id, financier: financier().account.address }],
      [
        'Pledged',
        { invoiceHash: invoice, bilateralId: main.id, financier: secondFinancier().account.address },
      ],
    ]);
  });
});
