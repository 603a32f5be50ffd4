import { zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../ledger/index.ts';
import { invoicePledgesAbi } from './abi.ts';
import { b32, expectRevert, mined, useRegisteredChain } from './fixtures.ts';
import { bytes32FromHash } from './ids.ts';

const fixture = useRegisteredChain();

const invoice = bytes32FromHash(sha256Hex('invoice INV-2024-001'));

describe('InvoicePledges', () => {
  const reg = () => ({ address: fixture.chain.addresses.invoicePledges, abi: invoicePledgesAbi }) as const;
  const seller = () => fixture.chain.wallets[1]!;
  const buyer = () => fixture.chain.wallets[2]!;
  const financier = () => fixture.chain.wallets[6]!;
  const secondFinancier = () => fixture.chain.wallets[7]!;
  const pledgeOf = () =>
    fixture.chain.publicClient.readContract({ ...reg(), functionName: 'pledgeOf', args: [invoice] });

  it('reports no pledge at first', async () => {
    expect(await pledgeOf()).toEqual([zeroAddress, b32(0), 0n]);
  });

  it('lets only the seller pledge: the buyer and a financier are refused', async () => {
    for (const wallet of [buyer(), financier()]) {
      await expectRevert(
        wallet.writeContract({
          ...reg(),
          functionName: 'pledge',
          args: [invoice, fixture.main.id, financier().account.address],
        }),
        'NotSeller',
        [fixture.main.id, wallet.account.address],
      );
    }
  });

  it('refuses a zero financier and an unknown bilateral', async () => {
    await expectRevert(
      seller().writeContract({
        ...reg(),
        functionName: 'pledge',
        args: [invoice, fixture.main.id, zeroAddress],
      }),
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
      fixture.chain,
      seller().writeContract({
        ...reg(),
        functionName: 'pledge',
        args: [invoice, fixture.main.id, financier().account.address],
      }),
    );
    const block = await fixture.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await pledgeOf()).toEqual([financier().account.address, fixture.main.id, block.timestamp]);
    for (const to of [secondFinancier(), financier()]) {
      await expectRevert(
        seller().writeContract({
          ...reg(),
          functionName: 'pledge',
          args: [invoice, fixture.main.id, to.account.address],
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
    await mined(
      fixture.chain,
      financier().writeContract({ ...reg(), functionName: 'release', args: [invoice] }),
    );
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
      fixture.chain,
      seller().writeContract({
        ...reg(),
        functionName: 'pledge',
        args: [invoice, fixture.main.id, secondFinancier().account.address],
      }),
    );
    expect((await pledgeOf())[0]).toBe(secondFinancier().account.address);
    const events = await fixture.chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => [e.eventName, e.args])).toEqual([
      [
        'Pledged',
        { invoiceHash: invoice, bilateralId: fixture.main.id, financier: financier().account.address },
      ],
      [
        'Released',
        { invoiceHash: invoice, bilateralId: fixture.main.id, financier: financier().account.address },
      ],
      [
        'Pledged',
        { invoiceHash: invoice, bilateralId: fixture.main.id, financier: secondFinancier().account.address },
      ],
    ]);
  });
});
