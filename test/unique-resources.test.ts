/**
 * Unique resources: two nodes of the same Seller (two `sb node` processes
 * sharing its party.json, one embedded Anvil) race to give the same VLAN to
 * services of different Buyers. The chain's `ResourceCommitments` decides:
 * one commitment, one order signed, the other refused before it is signed;
 * a termination frees the VLAN on the chain. Also, on one node without a
 * chain: VLANs and prefixes must lie in their declared pools, and a live
 * service's resource is never given again.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createChainPublicClient,
  createChainWalletClient,
  createResourceChain,
  readContractAddresses,
  resourceCommitmentsAbi,
  resourceFingerprint,
} from '../src/chain/index.ts';
import { openStore } from '../src/store/index.ts';
import { exampleBilateral, MemoryNetwork } from './in-memory.ts';
import { termsBetween } from './netting.fixtures.ts';
import { freePort, partyArgs, startNode } from './processes.fixtures.ts';
import { call, callOk, type Target } from './support.ts';

const order = (service: string, resources: string[], at = '2026-01-05T00:00:00Z') => ({
  type: 'service.ordered',
  service,
  offering: 'dia',
  plan: '1G',
  termMonths: 12,
  at,
  resources,
});

describe('unique resources on one node', () => {
  let network: MemoryNetwork;
  afterEach(() => network?.close());

  it('gives a VLAN or prefix from a declared pool to one live service at a time', async () => {
    network = new MemoryNetwork();
    const { seller, id } = await exampleBilateral(network, { facts: [] });
    expect(
      (
        await seller.call('PUT', '/resource-pools/ams-1-vlans', {
          kind: 'vlan',
          port: 'ams-1',
          ranges: [[100, 199]],
        })
      ).status,
    ).toBe(200);
    expect(
      (await seller.call('PUT', '/resource-pools/ams-v4', { kind: 'prefix', prefix: '192.0.2.0/24' })).status,
    ).toBe(200);
    const record = (fact: unknown) => seller.call<{ code: string }>('POST', `/bilaterals/${id}/facts`, fact);
    expect((await record(order('S1', ['vlan:ams-1-vlans:101', 'prefix:ams-v4:192.0.2.0/28']))).status).toBe(
      201,
    );

    const again = await record(order('S2', ['vlan:ams-1-vlans:101']));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      code: 'RESOURCE_TAKEN',
      details: { resource: 'vlan:ams-1-vlans:101' },
    });
    expect((await record(order('S2', ['vlan:ams-1-vlans:300']))).body.code).toBe('RESOURCE_INVALID');
    expect((await record(order('S2', ['prefix:ams-v4:198.51.100.0/28']))).body.code).toBe('RESOURCE_INVALID');
    expect((await record(order('S2', ['vlan:nowhere:101']))).body.code).toBe('POOL_UNKNOWN');
    // A wavelength names itself: unique, no pool needed.
    expect((await record(order('S3', ['wavelength:ams-lon:c21']))).status).toBe(201);
    expect((await record(order('S4', ['wavelength:ams-lon:c21']))).body.code).toBe('RESOURCE_TAKEN');

    // S1 activated then terminated: its VLAN may go to another service.
    expect(
      (await record({ type: 'service.activated', service: 'S1', at: '2026-01-06T00:00:00Z' })).status,
    ).toBe(201);
    expect(
      (await record({ type: 'service.terminated', service: 'S1', at: '2026-02-01T00:00:00Z' })).status,
    ).toBe(201);
    expect((await record(order('S2', ['vlan:ams-1-vlans:101'], '2026-02-02T00:00:00Z'))).status).toBe(201);
    expect(seller.node.resources.holderOf('vlan:ams-1-vlans:101')).toEqual({ bilateral: id, service: 'S2' });
    // The pool's holdings: what it has given out, to whom.
    expect((await seller.call('GET', '/resource-pools/ams-1-vlans/holdings')).body).toEqual({
      pool: 'ams-1-vlans',
      kind: 'vlan',
      resources: [{ resource: 'vlan:ams-1-vlans:101', bilateral: id, service: 'S2' }],
    });
    expect((await seller.call('GET', '/resource-pools/ams-v4/holdings')).body).toMatchObject({
      resources: [],
    });
  });
});

describe('unique resources between two nodes of one Seller, on the chain', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-unique-'));
  const chainDir = join(root, 'chain');
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) =>
            c.exitCode === null && c.signalCode === null ? c.once('exit', resolve) : resolve(null),
          ),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  });

  /** Starts `name`'s node in `dir` on the shared embedded chain; its owner API and process. */
  async function start(name: string, dir: string): Promise<Target & { url: string; child: ChildProcess }> {
    const p = { name, dir, port: await freePort(), peerPort: await freePort() };
    const args = partyArgs(p).filter((a) => a !== '--no-chain');
    const child = await startNode([...args, '--chain-dir', chainDir]);
    children.push(child);
    return {
      url: `http://127.0.0.1:${p.port}`,
      adminToken: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
      child,
    };
  }

  /** The bilateral a resource of `salt` is committed to on the chain (zero when free). */
  async function committedTo(salt: `0x${string}`, name: string): Promise<string> {
    const endpoint = JSON.parse(readFileSync(join(chainDir, 'endpoint.json'), 'utf8')) as { rpcUrl: string };
    const addresses = readContractAddresses(join(chainDir, 'addresses.json'))!;
    const client = createChainPublicClient({ rpcUrl: endpoint.rpcUrl, chainId: addresses.chainId });
    const [bilateralId] = await client.readContract({
      address: addresses.resourceCommitments,
      abi: resourceCommitmentsAbi,
      functionName: 'commitmentOf',
      args: [resourceFingerprint(salt, name)],
    });
    return bilateralId;
  }

  /** `buyer` and `seller` pin each other; `seller` proposes `msa` and answers the bilateral's id. */
  async function bilateral(seller: Target, buyer: Target, msa: string): Promise<string> {
    const s = await callOk<{ party: string; key: string; endpoint: string }>(seller, 'GET', '/party');
    const b = await callOk<{ party: string; key: string; endpoint: string }>(buyer, 'GET', '/party');
    await callOk(seller, 'PUT', `/peers/${b.party}`, { key: b.key, endpoint: b.endpoint });
    await callOk(buyer, 'PUT', `/peers/${s.party}`, { key: s.key, endpoint: s.endpoint, policy: 'accept' });
    const { id } = await callOk<{ id: string }>(seller, 'POST', '/bilaterals', {
      terms: termsBetween(s.party, b.party, msa),
      peer: b.endpoint,
    });
    return id;
  }

  it('commits a VLAN once when two Seller nodes race for it, and frees it on termination', async () => {
    const sellerA = await start('acme-fiber', join(root, 'acme-a'));
    // The Seller's second node: the same party, keys and resource salt.
    mkdirSync(join(root, 'acme-b'), { recursive: true });
    copyFileSync(join(root, 'acme-a', 'party.json'), join(root, 'acme-b', 'party.json'));
    const sellerB = await start('acme-fiber', join(root, 'acme-b'));
    const globex = await start('globex', join(root, 'globex'));
    const initech = await start('initech', join(root, 'initech'));
    const toGlobex = await bilateral(sellerA, globex, 'msa-acme-globex');
    const toInitech = await bilateral(sellerB, initech, 'msa-acme-initech');
    for (const seller of [sellerA, sellerB]) {
      await callOk(seller, 'PUT', '/resource-pools/ams-1-vlans', {
        kind: 'vlan',
        port: 'ams-1',
        ranges: [[100, 199]],
      });
    }

    const vlan = 'vlan:ams-1-vlans:150';
    const [a, b] = await Promise.all([
      call<{ code?: string; message?: string }>(
        sellerA,
        'POST',
        `/bilaterals/${toGlobex}/facts`,
        order('G1', [vlan]),
      ),
      call<{ code?: string; message?: string }>(
        sellerB,
        'POST',
        `/bilaterals/${toInitech}/facts`,
        order('I1', [vlan]),
      ),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const [winner, loser] = a.status === 201 ? [sellerA, sellerB] : [sellerB, sellerA];
    const [won, lost] = a.status === 201 ? [toGlobex, toInitech] : [toInitech, toGlobex];
    const refusal = a.status === 201 ? b : a;
    expect(refusal.body.code).toBe('RESOURCE_TAKEN');
    expect(refusal.body.message).toMatch(/committed on the chain to another bilateral/);
    // The loser signed nothing.
    const loserFacts = await callOk<{ entries: unknown[] }>(loser, 'GET', `/bilaterals/${lost}/entries`);
    expect(JSON.stringify(loserFacts)).not.toContain(vlan);

    // On the chain: one commitment, to the winner's bilateral, under a fingerprint that is not the name's hash.
    const party = JSON.parse(readFileSync(join(root, 'acme-a', 'party.json'), 'utf8')) as {
      resourceSalt: `0x${string}`;
    };
    const holder = () => committedTo(party.resourceSalt, vlan);
    expect(await holder()).toBe(`0x${won}`);

    // The winner's service ends: the VLAN is released on the chain, and the other node may give it.
    const service = a.status === 201 ? 'G1' : 'I1';
    await callOk(winner, 'POST', `/bilaterals/${won}/facts`, {
      type: 'service.activated',
      service,
      at: '2026-01-06T00:00:00Z',
    });
    await callOk(winner, 'POST', `/bilaterals/${won}/facts`, {
      type: 'service.terminated',
      service,
      at: '2026-02-01T00:00:00Z',
    });
    for (let i = 0; i < 100 && (await holder()) !== `0x${'0'.repeat(64)}`; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await holder()).toBe(`0x${'0'.repeat(64)}`);
    const retried = await call(
      loser,
      'POST',
      `/bilaterals/${lost}/facts`,
      order('X1', [vlan], '2026-02-02T00:00:00Z'),
    );
    expect(retried.status).toBe(201);
    expect(await holder()).toBe(`0x${lost}`);
  }, 120_000);

  it('releases at the next start what a kill between a commitment and its order left on the chain', async () => {
    const dir = join(root, 'hooli');
    const seller = await start('hooli', dir);
    const buyer = await start('umbrella', join(root, 'umbrella'));
    const id = await bilateral(seller, buyer, 'msa-hooli-umbrella');
    await callOk(seller, 'PUT', '/resource-pools/ams-1-vlans', {
      kind: 'vlan',
      port: 'ams-1',
      ranges: [[100, 199]],
    });
    const held = 'vlan:ams-1-vlans:170';
    const orphan = 'vlan:ams-1-vlans:171';
    expect((await call(seller, 'POST', `/bilaterals/${id}/facts`, order('H1', [held]))).status).toBe(201);

    // Killed after claiming and committing a VLAN for an order it never signed (made here by hand,
    // with the Seller's own key and store); and with the claim of the order it did sign still there.
    seller.child.kill('SIGKILL');
    await new Promise((resolve) =>
      seller.child.exitCode === null ? seller.child.once('exit', resolve) : resolve(null),
    );
    const party = JSON.parse(readFileSync(join(dir, 'party.json'), 'utf8')) as {
      evmKey: `0x${string}`;
      resourceSalt: `0x${string}`;
    };
    const endpoint = JSON.parse(readFileSync(join(chainDir, 'endpoint.json'), 'utf8')) as { rpcUrl: string };
    const addresses = readContractAddresses(join(chainDir, 'addresses.json'))!;
    const chain = { rpcUrl: endpoint.rpcUrl, chainId: addresses.chainId };
    const resources = createResourceChain({
      publicClient: createChainPublicClient(chain),
      walletClient: createChainWalletClient({ ...chain, privateKey: party.evmKey }),
      addresses,
      ensureBilateral: async () => {},
    });
    const fingerprint = (name: string) => resourceFingerprint(party.resourceSalt, name);
    expect((await resources.commit(fingerprint(orphan), id)).status).not.toBe('taken');
    const store = await openStore(`sqlite:${join(dir, 'node.db')}`);
    const claimedAt = new Date().toISOString();
    await store.putResourceClaims([
      { fingerprint: fingerprint(orphan), bilateral: id, name: orphan, claimedAt },
      { fingerprint: fingerprint(held), bilateral: id, name: held, claimedAt },
    ]);
    await store.close();
    expect(await committedTo(party.resourceSalt, orphan)).toBe(`0x${id}`);

    // The next start releases the orphan, keeps what the signed order holds, and forgets both claims.
    const again = await start('hooli', dir);
    for (let i = 0; i < 100 && (await committedTo(party.resourceSalt, orphan)) !== `0x${'0'.repeat(64)}`; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await committedTo(party.resourceSalt, orphan)).toBe(`0x${'0'.repeat(64)}`);
    expect(await committedTo(party.resourceSalt, held)).toBe(`0x${id}`);
    // The claims are forgotten right after the release is mined, which the chain may show first.
    const reread = await openStore(`sqlite:${join(dir, 'node.db')}`);
    await expect.poll(() => reread.listResourceClaims(), { timeout: 10_000 }).toEqual([]);
    await reread.close();
    expect((await call(again, 'POST', `/bilaterals/${id}/facts`, order('H2', [orphan]))).status).toBe(201);
  }, 120_000);
});
