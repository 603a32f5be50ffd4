/**
 * A party rotates its signing key between two nodes (in memory): the
 * rotation is recorded in the stream, signed by the old key; the counterparty
 * verifies every later entry, checkpoint and peer request with the new key —
 * also when it was away during the rotation — and its pin follows the key;
 * entries signed before keep verifying with the key they name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce } from '../src/api/index.ts';
import { verifyProof } from '../src/kinds/index.ts';
import { type Proof, type SignedEntry, signEntry, verifyKeyRotation } from '../src/ledger/index.ts';
import type { IssuedInvoice } from '../src/node/index.ts';
import { MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleFacts, exampleTerms } from './support.ts';

describe('key rotation', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let id: string;
  let oldKey: string;

  beforeAll(async () => {
    seller = await network.add('acme-fiber');
    buyer = await network.add('globex');
    await introduce(seller, buyer);
    id = (await seller.call<{ id: string }>('POST', '/bilaterals', { terms: exampleTerms() })).body.id;
    const [ordered, activated] = exampleFacts();
    for (const fact of [ordered, activated])
      await seller.call('POST', `/bilaterals/${id}/facts?wait=replicated`, fact);
    oldKey = seller.node.publicKey;
  });
  afterAll(() => network.close());

  it('records the rotation in the stream, signed by the old key, and the counterparty takes it', async () => {
    const rotated = await seller.call<{ oldKey: string; newKey: string; sig: string; bilaterals: string[] }>(
      'POST',
      '/party/rotate-key',
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.oldKey).toBe(oldKey);
    expect(rotated.body.newKey).toBe(seller.node.publicKey);
    expect(rotated.body.bilaterals).toEqual([id]);
    expect(verifyKeyRotation({ party: 'acme-fiber', ...rotated.body }, rotated.body.sig)).toBe(true);
    await seller.node.idle();
    const entries = await buyer.call<(SignedEntry & { hash: string })[]>(
      'GET',
      `/bilaterals/${id}/entries?author=acme-fiber`,
    );
    const last = entries.body.at(-1)!;
    expect(last.entry.kind).toBe('party.key');
    expect(last.key).toBe(oldKey);
    // Earlier entries still name, and verify with, the key they were signed with.
    expect(entries.body.slice(0, -1).every((e) => e.key === oldKey)).toBe(true);
    await buyer.node.idle();
    const pinned = (await buyer.call<{ party: string; key: string }[]>('GET', '/peers')).body;
    expect(pinned.find((p) => p.party === 'acme-fiber')?.key).toBe(rotated.body.newKey);
  });

  it('signs later entries and checkpoints with the new key, and both nodes still agree', async () => {
    const [, , ...rest] = exampleFacts();
    for (const fact of rest) {
      const by = fact.type === 'outage' ? buyer : seller;
      const recorded = await by.call<{ replicated: boolean; key: string }>(
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        fact,
      );
      expect(recorded.body.replicated).toBe(true);
      if (by === seller) expect(recorded.body.key).toBe(seller.node.publicKey);
    }
    const issued = await seller.call<IssuedInvoice>('POST', `/bilaterals/${id}/invoices`, {
      period: '2026-02',
    });
    expect(issued.status).toBe(201);
    await buyer.node.idle();
    const invoices = await seller.call<IssuedInvoice[]>('GET', `/bilaterals/${id}/invoices`);
    expect(invoices.body.map((i) => i.status)).toEqual(['accepted']);
    const checkpoints = await seller.call<{ sigs: Record<string, string> }[]>(
      'GET',
      `/bilaterals/${id}/checkpoints`,
    );
    expect(Object.keys(checkpoints.body.at(-1)?.sigs ?? {}).sort()).toEqual(['acme-fiber', 'globex']);
    // A third party checks the invoice from the genesis keys, following the rotation the proof carries.
    const proof = await buyer.call<Proof>('GET', `/bilaterals/${id}/proof?invoice=2026-02`);
    expect(proof.body.keys?.map((k) => k.signed.entry.kind)).toEqual(['party.key']);
    const report = verifyProof(proof.body, { allowUnanchored: true });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const without = verifyProof({ ...proof.body, keys: undefined }, { allowUnanchored: true });
    expect(without.ok).toBe(false);
  });

  it('reaches a counterparty that was away during the rotation: its requests carry the rotation chain', async () => {
    const away = network.unplug('globex')!;
    const before = seller.node.publicKey;
    await seller.call('POST', '/party/rotate-key');
    expect(seller.node.publicKey).not.toBe(before);
    const fact = { type: 'outage', service: 'S1', from: '2026-03-21T00:00:00Z', to: '2026-03-21T01:00:00Z' };
    expect(
      (await seller.call<{ replicated: boolean }>('POST', `/bilaterals/${id}/facts?wait=replicated`, fact))
        .body.replicated,
    ).toBe(false);
    network.plug('globex', away);
    // The seller pushes, signed with a key the buyer has not seen yet.
    const synced = await seller.call<Record<string, { seq: number }>>('POST', `/bilaterals/${id}/sync`);
    expect(synced.status).toBe(200);
    const heads = (m: MemoryNode) => m.call<{ heads: unknown }>('GET', `/bilaterals/${id}`);
    expect((await heads(buyer)).body.heads).toEqual((await heads(seller)).body.heads);
  });

  it('refuses an entry signed with the old key after the rotation, and keeps it as evidence', async () => {
    const head = (
      await seller.call<{ heads: Record<string, { seq: number; hash: string }> }>('GET', `/bilaterals/${id}`)
    ).body.heads['acme-fiber']!;
    const fact = { type: 'outage', service: 'S1', from: '2026-03-22T00:00:00Z', to: '2026-03-22T01:00:00Z' };
    const forged = signEntry(
      {
        bilateral: id,
        author: 'acme-fiber',
        seq: head.seq + 1,
        prev: head.hash,
        seen: null,
        kind: 'fact',
        body: fact,
        recordedAt: '2026-03-22T02:00:00.000Z',
      },
      seller.keys,
    );
    const [result] = await buyer.node.replication.receive(id, 'acme-fiber', [forged]);
    expect(result).toMatchObject({ status: 'rejected', code: 'ENTRY_WRONG_KEY' });
    const evidence = await buyer.call<{ code: string }[]>('GET', `/bilaterals/${id}/evidence`);
    expect(evidence.body.map((e) => e.code)).toEqual(['ENTRY_WRONG_KEY']);
  });
});
