import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../ledger/index.ts';
import { useRegisteredChain } from './fixtures.ts';
import { pledgeKeyOf, readPledge, writePledge } from './pledge-chain.ts';

const fixture = useRegisteredChain();

describe('pledges as a financier makes them', () => {
  const invoiceHash = sha256Hex('an accepted invoice');
  const key = pledgeKeyOf(invoiceHash);
  const first = () => fixture.chain.wallets[6]!;
  const second = () => fixture.chain.wallets[7]!;
  const write = (wallet: ReturnType<typeof first>, name: 'pledge' | 'settle' | 'release') =>
    writePledge(wallet, fixture.chain.publicClient, fixture.chain.addresses, name, key);

  it('derives the key from the invoice hash only, and refuses anything but one', () => {
    expect(pledgeKeyOf(invoiceHash)).toBe(key);
    expect(pledgeKeyOf(sha256Hex('another invoice'))).not.toBe(key);
    expect(() => pledgeKeyOf('not a hash')).toThrow(expect.objectContaining({ code: 'CHAIN_INPUT_INVALID' }));
  });

  it('pledges once: a second financier is told the invoice is pledged, and by whom', async () => {
    expect(await readPledge(fixture.chain.publicClient, fixture.chain.addresses, key)).toEqual({
      status: 'free',
    });
    const pledged = await write(first(), 'pledge');
    expect(pledged).toMatchObject({
      done: true,
      state: { status: 'pledged', financier: first().account.address },
    });
    const again = await write(second(), 'pledge');
    expect(again).toMatchObject({
      done: false,
      reason: 'AlreadyPledged',
      state: { status: 'pledged', financier: first().account.address },
    });
  });

  it('settles by its financier only, and a settled pledge stays', async () => {
    expect(await write(second(), 'settle')).toMatchObject({ done: false, reason: 'NotFinancier' });
    const settled = await write(first(), 'settle');
    expect(settled).toMatchObject({
      done: true,
      state: { status: 'settled', financier: first().account.address },
    });
    expect(await write(first(), 'release')).toMatchObject({ done: false, reason: 'AlreadySettled' });
  });
});
