import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../ledger/index.ts';
import { anchorRegistryAbi, bilateralRegistryAbi } from './abi.ts';
import { b32, expectRevert, mined, useRegisteredChain } from './fixtures.ts';
import { bytes32FromHash } from './ids.ts';

const fixture = useRegisteredChain();

const root = (text: string) => bytes32FromHash(sha256Hex(text));

describe('AnchorRegistry', () => {
  const reg = () => ({ address: fixture.chain.addresses.anchorRegistry, abi: anchorRegistryAbi }) as const;
  const seller = () => fixture.chain.wallets[1]!;
  const buyer = () => fixture.chain.wallets[2]!;
  const outsider = () => fixture.chain.wallets[3]!; // party Other: not a party of `main`
  const latest = (id: `0x${string}`) =>
    fixture.chain.publicClient.readContract({ ...reg(), functionName: 'latest', args: [id] });

  it('has nothing anchored at first', async () => {
    expect(await latest(fixture.main.id)).toEqual([0n, b32(0)]);
    expect(
      await fixture.chain.publicClient.readContract({
        ...reg(),
        functionName: 'anchorOf',
        args: [fixture.main.id, 1n],
      }),
    ).toEqual([b32(0), 0n, 0n]);
  });

  it('anchors a root with its block number and timestamp, by either party', async () => {
    const receipt = await mined(
      fixture.chain,
      seller().writeContract({ ...reg(), functionName: 'anchor', args: [fixture.main.id, 1n, root('cp1')] }),
    );
    const block = await fixture.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(
      await fixture.chain.publicClient.readContract({
        ...reg(),
        functionName: 'anchorOf',
        args: [fixture.main.id, 1n],
      }),
    ).toEqual([root('cp1'), receipt.blockNumber, block.timestamp]);
    await mined(
      fixture.chain,
      buyer().writeContract({ ...reg(), functionName: 'anchor', args: [fixture.main.id, 2n, root('cp2')] }),
    );
    expect(await latest(fixture.main.id)).toEqual([2n, root('cp2')]);
    const events = await fixture.chain.publicClient.getContractEvents({
      ...reg(),
      eventName: 'Anchored',
      args: { bilateralId: fixture.main.id },
      fromBlock: 0n,
    });
    expect(events.map((e) => e.args)).toEqual([
      { bilateralId: fixture.main.id, seq: 1n, root: root('cp1'), by: seller().account.address },
      { bilateralId: fixture.main.id, seq: 2n, root: root('cp2'), by: buyer().account.address },
    ]);
  });

  it('requires a strictly increasing sequence; gaps are allowed', async () => {
    await expectRevert(
      seller().writeContract({
        ...reg(),
        functionName: 'anchor',
        args: [fixture.main.id, 2n, root('again')],
      }),
      'SequenceNotIncreasing',
      [fixture.main.id, 2n, 2n],
    );
    await expectRevert(
      seller().writeContract({
        ...reg(),
        functionName: 'anchor',
        args: [fixture.main.id, 1n, root('older')],
      }),
      'SequenceNotIncreasing',
      [fixture.main.id, 2n, 1n],
    );
    await mined(
      fixture.chain,
      seller().writeContract({ ...reg(), functionName: 'anchor', args: [fixture.main.id, 5n, root('cp5')] }),
    );
    expect(await latest(fixture.main.id)).toEqual([5n, root('cp5')]);
  });

  it('refuses an account that is not a party of the bilateral, an unknown bilateral, and a zero root', async () => {
    await expectRevert(
      outsider().writeContract({ ...reg(), functionName: 'anchor', args: [fixture.main.id, 6n, root('x')] }),
      'NotABilateralParty',
      [fixture.main.id, outsider().account.address],
    );
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'anchor', args: [b32(0xee), 1n, root('x')] }),
      'UnknownBilateral',
      [b32(0xee)],
    );
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'anchor', args: [fixture.main.id, 6n, b32(0)] }),
      'ZeroValue',
      ['root'],
    );
  });

  it('anchors three bilaterals in one transaction', async () => {
    // The buyer is a party of both `main` and `other`; a third is `other` again at a later seq.
    const receipt = await mined(
      fixture.chain,
      buyer().writeContract({
        ...reg(),
        functionName: 'anchorBatch',
        args: [
          [fixture.main.id, fixture.other.id, fixture.other.id],
          [6n, 1n, 2n],
          [root('m6'), root('o1'), root('o2')],
        ],
      }),
    );
    expect(receipt.logs).toHaveLength(3);
    expect(await latest(fixture.main.id)).toEqual([6n, root('m6')]);
    expect(await latest(fixture.other.id)).toEqual([2n, root('o2')]);
    const o1 = await fixture.chain.publicClient.readContract({
      ...reg(),
      functionName: 'anchorOf',
      args: [fixture.other.id, 1n],
    });
    expect(o1[0]).toBe(root('o1'));
    expect(o1[1]).toBe(receipt.blockNumber);
  });

  it('reverts a whole batch when one item has a bad sequence', async () => {
    const batch = [
      [fixture.main.id, fixture.other.id],
      [7n, 2n],
      [root('m7'), root('o2 again')],
    ] as const;
    await expectRevert(
      buyer().writeContract({
        ...reg(),
        functionName: 'anchorBatch',
        args: [[...batch[0]], [...batch[1]], [...batch[2]]],
      }),
      'SequenceNotIncreasing',
      [fixture.other.id, 2n, 2n],
    );
    // Mined anyway (gas given, so no estimate): the receipt says reverted and nothing landed.
    const hash = await buyer().writeContract({
      ...reg(),
      functionName: 'anchorBatch',
      args: [[...batch[0]], [...batch[1]], [...batch[2]]],
      gas: 500_000n,
    });
    const receipt = await fixture.chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('reverted');
    expect(await latest(fixture.main.id)).toEqual([6n, root('m6')]);
    expect(
      await fixture.chain.publicClient.readContract({
        ...reg(),
        functionName: 'anchorOf',
        args: [fixture.main.id, 7n],
      }),
    ).toEqual([b32(0), 0n, 0n]);
  });

  it('checks every item of a batch for access, and repeats within a batch', async () => {
    // The seller of `main` is no party of `other`.
    await expectRevert(
      seller().writeContract({
        ...reg(),
        functionName: 'anchorBatch',
        args: [
          [fixture.main.id, fixture.other.id],
          [7n, 3n],
          [root('m7'), root('o3')],
        ],
      }),
      'NotABilateralParty',
      [fixture.other.id, seller().account.address],
    );
    await expectRevert(
      buyer().writeContract({
        ...reg(),
        functionName: 'anchorBatch',
        args: [
          [fixture.main.id, fixture.main.id],
          [8n, 8n],
          [root('m8'), root('m8')],
        ],
      }),
      'SequenceNotIncreasing',
      [fixture.main.id, 8n, 8n],
    );
  });

  it('refuses batches of unequal lengths and empty batches', async () => {
    await expectRevert(
      buyer().writeContract({
        ...reg(),
        functionName: 'anchorBatch',
        args: [[fixture.main.id], [7n, 8n], [root('a')]],
      }),
      'LengthMismatch',
      [],
    );
    await expectRevert(
      buyer().writeContract({ ...reg(), functionName: 'anchorBatch', args: [[fixture.main.id], [7n], []] }),
      'LengthMismatch',
    );
    await expectRevert(
      buyer().writeContract({ ...reg(), functionName: 'anchorBatch', args: [[], [], []] }),
      'EmptyBatch',
      [],
    );
  });

  it('accepts seq 0 as the first anchor of a bilateral, and not again', async () => {
    const third = bytes32FromHash(sha256Hex('Seller→Other'));
    await mined(
      fixture.chain,
      seller().writeContract({
        address: fixture.chain.addresses.bilateralRegistry,
        abi: bilateralRegistryAbi,
        functionName: 'register',
        args: [third, fixture.main.seller, fixture.other.seller, b32(0x7e)],
      }),
    );
    await mined(
      fixture.chain,
      seller().writeContract({ ...reg(), functionName: 'anchor', args: [third, 0n, root('t0')] }),
    );
    expect(await latest(third)).toEqual([0n, root('t0')]);
    await expectRevert(
      seller().writeContract({ ...reg(), functionName: 'anchor', args: [third, 0n, root('t0 again')] }),
      'SequenceNotIncreasing',
      [third, 0n, 0n],
    );
  });
});
