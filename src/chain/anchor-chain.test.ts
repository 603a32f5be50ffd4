import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../ledger/index.ts';
import { type AnchorChain, type BilateralTerms, createAnchorChain } from './anchor-chain.ts';
import { ensureParty } from './ensure-party.ts';
import { startTestChain, type TestChain } from './fixtures.ts';
import { contractRevert } from './revert.ts';

let chain: TestChain;
let seller: AnchorChain;
let buyer: AnchorChain;
const bilateral = sha256Hex('genesis Seller→Buyer');
const second = sha256Hex('genesis Seller→Buyer #2');
const terms: BilateralTerms = { seller: 'Seller', buyer: 'Buyer', termsHash: sha256Hex('terms') };
let lookups = 0;

beforeAll(async () => {
  chain = await startTestChain();
  for (const [i, party] of ['Seller', 'Buyer'].entries()) {
    await ensureParty(chain.wallets[i + 1]!, chain.publicClient, chain.addresses, {
      party,
      entryKey: Buffer.alloc(32, i + 1).toString('base64url'),
      endpoint: `http://127.0.0.1:${7000 + i}`,
    });
  }
  const adapter = (i: number) =>
    createAnchorChain({
      publicClient: chain.publicClient,
      walletClient: chain.wallets[i]!,
      addresses: chain.addresses,
      bilateralTerms: async () => {
        lookups++;
        return terms;
      },
    });
  seller = adapter(1);
  buyer = adapter(2);
});
afterAll(async () => {
  await chain?.stop();
});

describe('createAnchorChain', () => {
  it('names the chain and the registry', () => {
    expect(seller.chainId).toBe(chain.anvil.chainId);
    expect(seller.contract).toBe(chain.addresses.anchorRegistry);
  });

  it('registers a bilateral once; the counterparty finds it registered', async () => {
    await seller.ensureBilateral(bilateral);
    await seller.ensureBilateral(bilateral);
    expect(lookups).toBe(1);
    await buyer.ensureBilateral(bilateral);
    expect(lookups).toBe(1);
  });

  it('treats losing the registration race as success', async () => {
    await Promise.all([seller.ensureBilateral(second), buyer.ensureBilateral(second)]);
    expect(await seller.latest(second)).toBe(0);
  });

  it('anchors a batch, reports it mined, and finds each anchor with its transaction', async () => {
    expect(await seller.latest(bilateral)).toBe(0);
    const items = [
      { bilateral, seq: 1, value: sha256Hex('cp1') },
      { bilateral: second, seq: 1, value: sha256Hex('cp1 #2') },
    ];
    const txHash = await seller.sendBatch(items);
    const mined = await seller.waitMined(txHash);
    expect(mined).toMatchObject({ txHash, status: 'success' });
    expect(await buyer.receipt(txHash)).toEqual(mined);
    expect(await buyer.latest(bilateral)).toBe(1);
    expect(await buyer.findAnchor(second, 1)).toEqual({ ...mined, value: sha256Hex('cp1 #2') });
    expect(await buyer.findAnchor(bilateral, 2)).toBeUndefined();
  });

  it('answers undefined for an unknown transaction', async () => {
    expect(await seller.receipt(`0x${'ab'.repeat(32)}`)).toBeUndefined();
  });

  it('surfaces a stale sequence as the named revert, before anything is sent', async () => {
    const error = await seller
      .sendBatch([{ bilateral, seq: 1, value: sha256Hex('again') }])
      .catch((e: unknown) => e);
    expect(contractRevert(error)?.name).toBe('SequenceNotIncreasing');
    await expect(seller.sendBatch([{ bilateral, seq: -1, value: sha256Hex('x') }])).rejects.toMatchObject({
      code: 'CHAIN_INPUT_INVALID',
    });
  });
});
