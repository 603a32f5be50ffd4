import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partyRegistryAbi } from './abi.ts';
import { ensureParty } from './ensure-party.ts';
import { expectRevert, startTestChain, type TestChain, testKeyPair, testRotationSig } from './fixtures.ts';
import { entryKeyBytes32, partyIdOf } from './ids.ts';
import { readParty } from './read-party.ts';
import { rotatePartyKey } from './rotate-party-key.ts';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(async () => {
  await chain?.stop();
});

const pair = testKeyPair;
const rotationSig = testRotationSig;

describe('readParty and rotatePartyKey', () => {
  const wallet = () => chain.wallets[1]!;
  const read = () => readParty(chain.publicClient, chain.addresses, 'Initech');
  const rotate = (to: number, sig: string) =>
    rotatePartyKey(wallet(), chain.publicClient, chain.addresses, {
      party: 'Initech',
      newKey: pair(to).publicKey,
      sig,
    });

  it('reads undefined for a name nobody registered', async () => {
    expect(await read()).toBeUndefined();
  });

  it('reads a registration with its first key, unsigned', async () => {
    await ensureParty(wallet(), chain.publicClient, chain.addresses, {
      party: 'Initech',
      entryKey: pair(1).publicKey,
      endpoint: 'https://initech.example',
    });
    const party = await read();
    expect(party).toEqual({
      party: 'Initech',
      account: wallet().account.address,
      approved: true,
      endpoint: 'https://initech.example',
      keys: [{ key: pair(1).publicKey, sig: null, block: expect.any(BigInt) }],
    });
    expect(Object.isFrozen(party)).toBe(true);
  });

  it('reads every rotation back in order, with the signature and the block it took effect', async () => {
    const first = rotationSig(1, 2);
    const second = rotationSig(2, 3);
    const a = await rotate(2, first);
    const b = await rotate(3, second);
    expect(b.block).toBeGreaterThan(a.block);
    const party = await read();
    expect(party?.keys.slice(1)).toEqual([
      { key: pair(2).publicKey, sig: first, block: a.block },
      { key: pair(3).publicKey, sig: second, block: b.block },
    ]);
    expect(party?.keys[0]?.block).toBeLessThan(a.block);
  });

  it('checks the signature and key form before sending, and leaves the rest to the contract', async () => {
    await expect(rotate(4, 'c2ln')).rejects.toMatchObject({
      code: 'CHAIN_INPUT_INVALID',
      details: { field: 'sig' },
    });
    await expect(
      rotatePartyKey(wallet(), chain.publicClient, chain.addresses, {
        party: 'Initech',
        newKey: 'short',
        sig: rotationSig(3, 4),
      }),
    ).rejects.toMatchObject({ code: 'CHAIN_INPUT_INVALID', details: { field: 'entryKey' } });
    await expectRevert(
      rotatePartyKey(chain.wallets[2]!, chain.publicClient, chain.addresses, {
        party: 'Initech',
        newKey: pair(4).publicKey,
        sig: rotationSig(3, 4),
      }),
      'NotPartyAccount',
    );
    await expectRevert(rotate(1, rotationSig(3, 1)), 'KeyAlreadyUsed', [
      partyIdOf('Initech'),
      entryKeyBytes32(pair(1).publicKey),
    ]);
    expect((await read())?.keys).toHaveLength(3);
  });

  it('reads the current key partyOf reports as the last of the history', async () => {
    const [, current] = await chain.publicClient.readContract({
      address: chain.addresses.partyRegistry,
      abi: partyRegistryAbi,
      functionName: 'partyOf',
      args: [partyIdOf('Initech')],
    });
    expect(entryKeyBytes32((await read())!.keys.at(-1)!.key)).toBe(current);
  });
});
