import { keccak256, toHex, zeroAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../ledger/index.ts';
import { invoicePledgesAbi } from './abi.ts';
import { b32, expectRevert, mined, useRegisteredChain } from './fixtures.ts';

const fixture = useRegisteredChain();

/** The pledge key of an invoice: what a financier holding the invoice computes, and nobody else can. */
const key = keccak256(toHex(`sb-pledge:${sha256Hex('invoice INV-2024-001')}`));

describe('InvoicePledges', () => {
  const reg = () => ({ address: fixture.chain.addresses.invoicePledges, abi: invoicePledgesAbi }) as const;
  const seller = () => fixture.chain.wallets[1]!;
  const financier = () => fixture.chain.wallets[6]!;
  const secondFinancier = () => fixture.chain.wallets[7]!;
  const pledgeOf = () =>
    fixture.chain.publicClient.readContract({ ...reg(), functionName: 'pledgeOf', args: [key] });

  it('reports no pledge at first, and refuses the zero key', async () => {
    expect(await pledgeOf()).toEqual([zeroAddress, 0n, 0n]);
    await expectRevert(
      financier().writeContract({ ...reg(), functionName: 'pledge', args: [b32(0)] }),
      'ZeroKey',
      [],
    );
  });

  it('pledges to the financier that asks; a second pledge, by it or anyone, reverts AlreadyPledged', async () => {
    const receipt = await mined(
      fixture.chain,
      financier().writeContract({ ...reg(), functionName: 'pledge', args: [key] }),
    );
    const block = await fixture.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(await pledgeOf()).toEqual([financier().account.address, block.timestamp, 0n]);
    for (const wallet of [secondFinancier(), financier(), seller()]) {
      await expectRevert(
        wallet.writeContract({ ...reg(), functionName: 'pledge', args: [key] }),
        'AlreadyPledged',
        [key, financier().account.address],
      );
    }
  });

  it('lets only the financier release; released, the invoice may be pledged again', async () => {
    for (const wallet of [seller(), secondFinancier()]) {
      await expectRevert(
        wallet.writeContract({ ...reg(), functionName: 'release', args: [key] }),
        'NotFinancier',
        [key, wallet.account.address],
      );
    }
    await mined(fixture.chain, financier().writeContract({ ...reg(), functionName: 'release', args: [key] }));
    expect(await pledgeOf()).toEqual([zeroAddress, 0n, 0n]);
    await expectRevert(
      financier().writeContract({ ...reg(), functionName: 'release', args: [key] }),
      'NotPledged',
      [key],
    );
    await mined(
      fixture.chain,
      secondFinancier().writeContract({ ...reg(), functionName: 'pledge', args: [key] }),
    );
    expect((await pledgeOf())[0]).toBe(secondFinancier().account.address);
  });

  it('settles once, by the financier only; a settled pledge is never released nor pledged again', async () => {
    await expectRevert(
      financier().writeContract({ ...reg(), functionName: 'settle', args: [key] }),
      'NotFinancier',
      [key, financier().account.address],
    );
    const receipt = await mined(
      fixture.chain,
      secondFinancier().writeContract({ ...reg(), functionName: 'settle', args: [key] }),
    );
    const block = await fixture.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect((await pledgeOf())[2]).toBe(block.timestamp);
    for (const functionName of ['settle', 'release'] as const) {
      await expectRevert(
        secondFinancier().writeContract({ ...reg(), functionName, args: [key] }),
        'AlreadySettled',
        [key],
      );
    }
    await expectRevert(
      financier().writeContract({ ...reg(), functionName: 'pledge', args: [key] }),
      'AlreadyPledged',
      [key, secondFinancier().account.address],
    );
    // The chain shows keys and accounts only: no invoice, party or bilateral.
    const events = await fixture.chain.publicClient.getContractEvents({ ...reg(), fromBlock: 0n });
    expect(events.map((e) => e.eventName)).toEqual(['Pledged', 'Released', 'Pledged', 'Settled']);
    for (const event of events) expect(Object.keys(event.args)).toEqual(['pledgeKey', 'financier']);
  });
});
