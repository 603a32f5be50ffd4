/**
 * Who may record which fact, however it arrives: a payment is the Buyer's and
 * its finance team's to record (`settlement.manage`), every other fact
 * operations' (`facts.record`); only a fact's author corrects it. A fact a
 * node may not sign is refused before it is signed — alone, in an array, or
 * grouped with other single facts — so no entry the counterparty would refuse
 * is ever made (it would stall replication).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { send } from './owner-access.fixtures.ts';

const payment = (id: string) => ({ type: 'payment', id, amount: '10.00', at: '2026-02-20T10:00:00Z' });

async function token(node: MemoryNode, role: 'finance' | 'operator'): Promise<string> {
  return (await node.node.access.issue({ name: role, role })).token;
}

describe('who may record which fact', () => {
  let network: MemoryNetwork;
  afterEach(() => network?.close());

  it("lets the Buyer's finance team record a payment and its operators the other facts, not the reverse", async () => {
    network = new MemoryNetwork();
    const { buyer, id } = await exampleBilateral(network);
    const finance = await token(buyer, 'finance');
    const operator = await token(buyer, 'operator');
    const path = `/bilaterals/${id}/facts`;
    const outage = {
      type: 'outage',
      service: 'S1',
      from: '2026-02-10T00:00:00Z',
      to: '2026-02-10T01:00:00Z',
      maintenance: false,
    };

    expect((await send(buyer.owner, finance, 'POST', path, payment('F1'))).status).toBe(201);
    const byOperator = await send(buyer.owner, operator, 'POST', path, payment('F2'));
    expect([byOperator.status, byOperator.body.details]).toMatchObject([
      403,
      { permission: 'settlement.manage' },
    ]);
    const outageByFinance = await send(buyer.owner, finance, 'POST', path, outage);
    expect([outageByFinance.status, outageByFinance.body.details]).toMatchObject([
      403,
      { permission: 'facts.record' },
    ]);
    expect((await send(buyer.owner, operator, 'POST', path, outage)).status).toBe(201);
    // An array of both needs both permissions; an empty array is operations' (and refused as empty).
    const mixed = await send(buyer.owner, finance, 'POST', path, [payment('F3'), outage]);
    expect(mixed.status).toBe(403);
    expect((await send(buyer.owner, finance, 'POST', path, [])).status).toBe(403);
  });

  it("refuses the Seller's payment and a correction of the other party's fact, in an array and grouped, signing nothing", async () => {
    network = new MemoryNetwork();
    const { seller, buyer, id } = await exampleBilateral(network);
    const path = `/bilaterals/${id}/facts`;
    const before = (
      await seller.call<{ seq: number }[]>('GET', `${path.replace('/facts', '/entries')}?limit=1000`)
    ).body.length;

    const array = await seller.call<{ code: string; details: { path: string; rule: string }[] }>(
      'POST',
      path,
      [{ type: 'service.activated', service: 'S9', at: '2026-01-01T00:00:00Z' }, payment('S1')],
    );
    expect(array.status, JSON.stringify(array.body)).toBe(422);
    expect(array.body.code).toBe('FACT_INVALID');
    expect(array.body.details[0]).toMatchObject({
      path: 'facts[1].type',
      rule: 'a payment is recorded by the Buyer only',
    });

    // Single facts arriving together share one entry: the refused one is refused alone.
    const outage = {
      type: 'outage',
      service: 'S1',
      from: '2026-02-11T00:00:00Z',
      to: '2026-02-11T01:00:00Z',
      maintenance: false,
    };
    const correction = { ...outage, corrects: 'globex/1' };
    const answers = await Promise.all([
      seller.call<{ code?: string }>('POST', path, payment('S2')),
      seller.call<{ code?: string }>('POST', path, outage),
      seller.call<{ code?: string }>('POST', path, correction),
    ]);
    expect(answers.map((a) => a.status)).toEqual([422, 201, 422]);
    expect(answers[2]!.body.code).toBe('FACT_INVALID');
    const after = (
      await seller.call<{ seq: number }[]>('GET', `${path.replace('/facts', '/entries')}?limit=1000`)
    ).body.length;
    expect(after).toBe(before + 1);
    // The Buyer's node took every entry the Seller signed: no evidence of a refused one.
    await seller.node.idle();
    await buyer.node.idle();
    expect((await buyer.call<unknown[]>('GET', `/bilaterals/${id}/evidence`)).body).toEqual([]);
  });
});
