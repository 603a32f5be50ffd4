import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContracts } from './deploy.ts';
import { ensureParty } from './ensure-party.ts';
import { startTestChain, type TestChain, testKeyPair, testRotationSig } from './fixtures.ts';
import { readParty } from './read-party.ts';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(async () => {
  await chain?.stop();
});

const pair = testKeyPair;
const key = (byte: number) => pair(byte).publicKey;
const rotationSig = testRotationSig;

describe('ensureParty', () => {
  const record = { party: 'Acme', entryKey: key(1), endpoint: 'http://127.0.0.1:7001' };
  const wallet = () => chain.wallets[1]!;
  const ensure = (r = record, options = {}) =>
    ensureParty(wallet(), chain.publicClient, chain.addresses, r, options);

  it('registers, then leaves an unchanged record alone, then moves the endpoint', async () => {
    expect(await ensure()).toBe('registered');
    expect(await ensure()).toBe('unchanged');
    expect(await ensure({ ...record, endpoint: 'http://127.0.0.1:7002' })).toBe('updated');
    const acme = await readParty(chain.publicClient, chain.addresses, 'Acme');
    expect(acme).toMatchObject({ approved: true, endpoint: 'http://127.0.0.1:7002' });
    expect(acme?.keys.map((k) => k.key)).toEqual([key(1)]);
  });

  it('refuses to change the key without a rotation signature, and writes nothing', async () => {
    await expect(
      ensure({ ...record, entryKey: key(2), endpoint: 'http://127.0.0.1:7003' }),
    ).rejects.toMatchObject({
      code: 'CHAIN_KEY_MISMATCH',
      details: { configured: key(2), registered: key(1), retired: false },
    });
    const acme = await readParty(chain.publicClient, chain.addresses, 'Acme');
    expect(acme?.endpoint).toBe('http://127.0.0.1:7002');
    expect(acme?.keys).toHaveLength(1);
  });

  it('refuses a malformed rotation signature before sending anything', async () => {
    await expect(
      ensure({ ...record, entryKey: key(2) }, { rotationSig: 'not-a-signature' }),
    ).rejects.toMatchObject({ code: 'CHAIN_INPUT_INVALID', details: { field: 'rotationSig' } });
  });

  it('rotates the key when given the old key’s signature, keeping the history', async () => {
    const sig = rotationSig(1, 2);
    const rotated = { ...record, entryKey: key(2), endpoint: 'http://127.0.0.1:7002' };
    expect(await ensure(rotated, { rotationSig: sig })).toBe('updated');
    // Once rotated, the signature is no longer needed and is ignored.
    expect(await ensure(rotated, { rotationSig: sig })).toBe('unchanged');
    expect(await ensure(rotated)).toBe('unchanged');
    const acme = await readParty(chain.publicClient, chain.addresses, 'Acme');
    expect(acme?.keys.map((k) => [k.key, k.sig])).toEqual([
      [key(1), null],
      [key(2), sig],
    ]);
  });

  it('names a configured key that was rotated away', async () => {
    const acme = await readParty(chain.publicClient, chain.addresses, 'Acme');
    const error = await ensure().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'CHAIN_KEY_MISMATCH',
      details: { configured: key(1), registered: key(2), retired: true },
    });
    expect(String((error as Error).message)).toContain(`block ${acme?.keys[1]?.block}`);
  });

  it('refuses a party id held by another account', async () => {
    await expect(
      ensureParty(chain.wallets[2]!, chain.publicClient, chain.addresses, {
        party: 'Acme',
        entryKey: key(3),
        endpoint: 'x',
      }),
    ).rejects.toMatchObject({ code: 'CHAIN_PARTY_TAKEN' });
  });

  it('registers as pending on a registry with a registrar', async () => {
    const addresses = await deployContracts(chain.wallets[0]!, chain.publicClient, {
      registrar: chain.wallets[9]!.account.address,
    });
    expect(await ensureParty(wallet(), chain.publicClient, addresses, record)).toBe('registered');
    expect(await ensureParty(wallet(), chain.publicClient, addresses, record)).toBe('unchanged');
    expect((await readParty(chain.publicClient, addresses, 'Acme'))?.approved).toBe(false);
  });
});
