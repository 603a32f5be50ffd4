/**
 * Notifications between two nodes in one process, with a real HTTP
 * listener for the webhooks: the feed shows every entry concerning a
 * party in order; a subscription gets each event once it happens, signed
 * with its secret, in order, again after a failure (backing off), and from
 * where it stopped when the delivery state is read afresh from the store.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifications, webhookSignature } from '../src/node/notifications/notifications.ts';
import { exampleBilateral, MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleFacts, exampleTerms } from './support.ts';

interface Delivery {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

describe('notifications', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let id: string;
  let server: Server;
  let url: string;
  const received: Delivery[] = [];
  /** Answers to give, first to last; 200 when none is left. */
  const answers: number[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const status = answers.shift() ?? 200;
        if (status === 200) received.push({ headers: request.headers, body });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    ({ seller, buyer, id } = await exampleBilateral(network, { facts: [] }));
  });
  afterAll(async () => {
    await network.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a callback that is not an http(s) URL, and a query it does not know', async () => {
    for (const body of [
      { callback: 'file:///etc/passwd' },
      { callback: 'not a url' },
      { callback: 'http://user:pw@example.com/hook' },
      { callback: url, query: { types: ['invoice.paid'] } },
      { callback: url, query: { colour: 'red' } },
    ]) {
      const answer = await buyer.call<{ code: string }>('POST', '/hub', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code).toBe('BAD_REQUEST');
    }
    expect((await buyer.call<unknown[]>('GET', '/hub')).body).toEqual([]);
  });

  it('delivers each new event to the subscriber, signed, in order, once it happens', async () => {
    const subscribed = await buyer.call<{ id: string; secret: string; cursor: number }>('POST', '/hub', {
      callback: url,
      query: { types: ['fact.recorded', 'invoice.issued', 'payment.recorded'] },
    });
    expect(subscribed.status).toBe(201);
    const { secret } = subscribed.body;
    expect(secret.length).toBeGreaterThan(40);
    // The secret is shown once: the list never carries it.
    expect(JSON.stringify((await buyer.call('GET', '/hub')).body)).not.toContain(secret);

    for (const fact of exampleFacts()) {
      const by = fact.type === 'outage' ? buyer : seller;
      expect((await by.call('POST', `/bilaterals/${id}/facts?wait=replicated`, fact)).status).toBe(201);
    }
    expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period: '2026-01' })).status).toBe(201);
    await buyer.node.idle();
    const payment = { type: 'payment', id: 'P1', amount: '1310.70', at: '2026-02-20T10:00:00Z' };
    expect((await buyer.call('POST', `/bilaterals/${id}/facts?wait=replicated`, payment)).status).toBe(201);

    expect(await buyer.node.notifications.deliver()).toBe(7);
    const events = received.map((d) => JSON.parse(d.body) as { seq: number; type: string; author: string });
    expect(events.map((e) => [e.type, e.author])).toEqual([
      ['fact.recorded', 'acme-fiber'],
      ['fact.recorded', 'acme-fiber'],
      ['fact.recorded', 'globex'],
      ['fact.recorded', 'acme-fiber'],
      ['fact.recorded', 'acme-fiber'],
      ['invoice.issued', 'acme-fiber'],
      ['payment.recorded', 'globex'],
    ]);
    for (const delivery of received) {
      expect(delivery.headers['x-sb-signature']).toBe(webhookSignature(secret, delivery.body));
      expect(delivery.headers['x-sb-event']).toBe(JSON.parse(delivery.body).type);
    }
    expect(new Set(received.map((d) => d.headers['x-sb-delivery'])).size).toBe(7);
    // Nothing new: nothing sent.
    expect(await buyer.node.notifications.deliver()).toBe(0);
  });

  it('backs off when the callback fails and sends the same event again once it answers', async () => {
    received.length = 0;
    answers.push(500);
    expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period: '2026-02' })).status).toBe(201);
    await buyer.node.idle();
    expect(await buyer.node.notifications.deliver()).toBe(0);
    const [failing] = (
      await buyer.call<{ failures: number; lastError: string; nextAt: string }[]>('GET', '/hub')
    ).body;
    expect(failing).toMatchObject({ failures: 1, lastError: 'callback answered 500' });
    // Not due before its back-off ends.
    expect(await buyer.node.notifications.deliver()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(failing!.nextAt) - Date.now() + 20));
    expect(await buyer.node.notifications.deliver()).toBe(1);
    expect(received.map((d) => JSON.parse(d.body).type)).toEqual(['invoice.issued']);
    expect((await buyer.call<{ failures: number }[]>('GET', '/hub')).body[0]).toMatchObject({ failures: 0 });
  });

  it('resumes from the store: a fresh delivery loop sends what is new, nothing twice', async () => {
    received.length = 0;
    expect((await seller.call('POST', `/bilaterals/${id}/invoices`, { period: '2026-03' })).status).toBe(201);
    await buyer.node.idle();
    // As after a restart: nothing of the delivery state is held in memory.
    const afresh = new Notifications(buyer.node.core);
    expect(await afresh.deliver()).toBe(1);
    expect(await buyer.node.notifications.deliver()).toBe(0);
    expect(received.map((d) => JSON.parse(d.body).type)).toEqual(['invoice.issued']);
  });

  it('the feed pages in order, filters by type, and a scoped credential sees its bilaterals only', async () => {
    const all = (
      await buyer.call<{ seq: number; type: string; bilateral: string }[]>('GET', '/events?limit=1000')
    ).body;
    expect(all.length).toBeGreaterThan(8);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
    const page = (await buyer.call<{ seq: number }[]>('GET', `/events?after=${all[2]!.seq}&limit=2`)).body;
    expect(page.map((e) => e.seq)).toEqual([all[3]!.seq, all[4]!.seq]);
    const invoices = (
      await buyer.call<{ type: string }[]>('GET', '/events?types=invoice.issued,invoice.accepted')
    ).body;
    expect(new Set(invoices.map((e) => e.type))).toEqual(new Set(['invoice.issued', 'invoice.accepted']));
    expect((await buyer.call<{ code: string }>('GET', '/events?types=nope')).status).toBe(400);
    const second = await seller.call<{ id: string }>('POST', '/bilaterals', {
      terms: { ...exampleTerms(), id: 'msa-second' },
      peer: buyer.node.endpoint,
    });
    const [ordered] = exampleFacts();
    expect(
      (await seller.call('POST', `/bilaterals/${second.body.id}/facts?wait=replicated`, ordered)).status,
    ).toBe(201);
    const other = await buyer.node.access.issue({
      name: 'second only',
      role: 'finance',
      bilaterals: [second.body.id],
    });
    const scoped = await buyer.owner.inject({
      method: 'GET',
      url: '/events',
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(scoped.statusCode).toBe(200);
    const seen = scoped.json() as { bilateral: string; type: string }[];
    expect(seen.map((e) => [e.bilateral, e.type])).toEqual([[second.body.id, 'fact.recorded']]);
    // A scoped subscriber cannot name a bilateral outside its scope: as if there were none.
    const hook = await buyer.owner.inject({
      method: 'POST',
      url: '/hub',
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ callback: url, query: { bilaterals: [id] } }),
    });
    expect(hook.statusCode).toBe(404);
  });
});
