/**
 * From invoice to cash over two real `sb node` processes, the Seller on
 * SQLite and the Buyer on PostgreSQL: the Seller's node issues each closed
 * month by itself; the Seller recorded a termination a day later than the
 * Buyer's inventory says and the Buyer's NOC saw an outage the Seller did
 * not record; the Buyer's node disputes both by itself; the Seller accepts
 * one (the correction, then a credit note issued by its schedule) and
 * rejects the other; the Buyer pays in two parts, one late; both nodes end
 * with byte-identical statements and invoice states, and the Buyer's
 * webhook has heard of each step.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from '../src/store/pg.fixtures.ts';
import { freePort, partyArgs, repo, startNode } from './processes.fixtures.ts';
import { callOk, pinEachOther } from './support.ts';

interface Party {
  readonly name: string;
  readonly dir: string;
  port: number;
  peerPort: number;
  child?: ChildProcess;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('invoice to cash between two node processes (SQLite Seller, PostgreSQL Buyer)', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-settlement-'));
  const seller: Party = { name: 'acme-fiber', dir: join(root, 'seller'), port: 0, peerPort: 0 };
  const buyer: Party = { name: 'globex', dir: join(root, 'buyer'), port: 0, peerPort: 0 };
  const example = join(repo, 'examples', 'dia-acme-globex');
  let database: PgDatabase;
  let hooks: Server;
  const heard: string[] = [];
  let id: string;

  const api = (p: Party) => ({
    url: `http://127.0.0.1:${p.port}`,
    adminToken: readFileSync(join(p.dir, 'admin.token'), 'utf8').trim(),
  });
  /** Polls `probe` until it returns something, for at most 20 s. */
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const got = await probe();
      if (got !== undefined) return got;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    hooks = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        heard.push((JSON.parse(body) as { type: string }).type);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    database = await createPgDatabase('sb_settlement_test');
    for (const p of [seller, buyer]) {
      p.port = await freePort();
      p.peerPort = await freePort();
    }
    [seller.child, buyer.child] = await Promise.all([
      // Issuing by schedule starts once the facts are in (below): a schedule running while they are
      // recorded would invoice a month half-recorded, and notes would follow (as they should).
      startNode(partyArgs(seller)),
      startNode([...partyArgs(buyer), '--store', database.url, '--notify-interval', '100']),
    ]);
    await pinEachOther(api(seller), api(buyer));
    await callOk(api(buyer), 'POST', '/hub', {
      callback: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/`,
    });
  }, 60_000);

  afterAll(async () => {
    for (const p of [seller, buyer]) {
      const child = p.child;
      if (child === undefined || child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => hooks.close(resolve));
    if (database !== undefined) await dropPgDatabases([database]);
    rmSync(root, { recursive: true, force: true });
  });

  it('invoices by schedule, disputes by itself, corrects, credits, takes payments, and both agree the statement', async () => {
    const terms = {
      ...JSON.parse(readFileSync(join(example, 'terms-with-interest.json'), 'utf8')),
      // The example's 60 days after each 2026 invoice have passed; these terms keep disputes open.
      disputes: { windowDays: 1000, responseDays: 15 },
    };
    id = (await callOk<{ id: string }>(api(seller), 'POST', '/bilaterals', { terms })).id;
    for (const line of readFileSync(join(example, 'facts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')) {
      const fact = JSON.parse(line) as { type: string };
      await callOk(
        api(fact.type === 'outage' ? buyer : seller),
        'POST',
        `/bilaterals/${id}/facts?wait=replicated`,
        fact,
      );
    }

    // The Seller's node, restarted with its schedule on, issues January to March by itself; the Buyer's node accepts each.
    const stopped = new Promise((resolve) => seller.child!.once('exit', resolve));
    seller.child!.kill('SIGTERM');
    await stopped;
    seller.child = await startNode([
      ...partyArgs(seller),
      '--invoice-delay',
      '0',
      '--invoice-interval',
      '300',
    ]);
    type Listed = { number: number; period: string; status: string };
    const invoices = await until('three accepted invoices', async () => {
      const list = await callOk<Listed[]>(api(buyer), 'GET', `/bilaterals/${id}/invoices`);
      return list.length === 3 && list.every((i) => i.status === 'accepted') ? list : undefined;
    });
    expect(invoices.map((i) => [i.number, i.period])).toEqual([
      [1, '2026-01'],
      [2, '2026-02'],
      [3, '2026-03'],
    ]);

    // The Buyer's inventory has the termination a day earlier; its NOC an outage nobody recorded.
    type Dispute = { id: string; state: string; body: { fact: string | null; atStake: { total: string } } };
    const raised = [
      ...(
        await callOk<{ raised: Dispute[] }>(api(buyer), 'POST', `/bilaterals/${id}/observations`, {
          source: 'inventory',
          facts: [{ type: 'service.terminated', service: 'S1', at: '2026-03-09T08:00:00Z' }],
        })
      ).raised,
      ...(
        await callOk<{ raised: Dispute[] }>(api(buyer), 'POST', `/bilaterals/${id}/observations`, {
          source: 'noc',
          facts: [
            {
              type: 'outage',
              service: 'S1',
              from: '2026-03-02T04:00:00Z',
              to: '2026-03-02T10:00:00Z',
              maintenance: false,
            },
          ],
        })
      ).raised,
    ];
    expect(raised.map((d) => d.body.fact === null)).toEqual([false, true]);
    const [termination, outage] = raised as [Dispute, Dispute];
    await until('the disputes at the Seller', async () => {
      const list = await callOk<Dispute[]>(api(seller), 'GET', `/bilaterals/${id}/disputes`);
      return list.length === 2 ? list : undefined;
    });
    expect(
      (await callOk<Dispute>(api(seller), 'POST', `/bilaterals/${id}/disputes/${termination.id}/accept`))
        .state,
    ).toBe('accepted');
    expect(
      (
        await callOk<Dispute>(api(seller), 'POST', `/bilaterals/${id}/disputes/${outage.id}/reject`, {
          reason: 'the port was up: the outage was on the Buyer’s side',
        })
      ).state,
    ).toBe('rejected');

    // The correction makes March cheaper: the Seller's schedule issues a credit note; the Buyer accepts it.
    type Note = { period: string; status: string; body: { note: { type: string; total: string } } };
    const notes = await until('an accepted credit note', async () => {
      const list = await callOk<Note[]>(api(buyer), 'GET', `/bilaterals/${id}/notes`);
      return list.length === 1 && list[0]!.status === 'accepted' ? list : undefined;
    });
    expect(notes.map((n) => [n.period, n.body.note.type, n.body.note.total])).toEqual([
      ['2026-03', 'credit', termination.body.atStake.total],
    ]);

    // The Buyer pays January on time and February late, in two parts.
    for (const payment of [
      { type: 'payment', id: 'P1', amount: '1310.70', at: '2026-02-20T10:00:00Z' },
      { type: 'payment', id: 'P2', amount: '1000.00', at: '2026-04-10T09:00:00Z' },
      { type: 'payment', id: 'P3', amount: '1041.20', at: '2026-04-20T09:00:00Z' },
    ]) {
      await callOk(api(buyer), 'POST', `/bilaterals/${id}/facts?wait=replicated`, payment);
    }
    await until('the Seller holding the payments', async () => {
      const heads = await Promise.all(
        [seller, buyer].map(async (p) =>
          JSON.stringify((await callOk<{ heads: unknown }>(api(p), 'GET', `/bilaterals/${id}`)).heads),
        ),
      );
      return heads[0] === heads[1] ? heads : undefined;
    });
    const texts = await Promise.all(
      [seller, buyer].map(async (p) => {
        const response = await fetch(new URL(`/bilaterals/${id}/statement?asOf=2026-07-15`, api(p).url), {
          headers: { authorization: `Bearer ${api(p).adminToken}` },
        });
        return response.text();
      }),
    );
    expect(texts[1]).toBe(texts[0]);
    const statement = JSON.parse(texts[0]!) as {
      invoices: { period: string; state: string; open: string; interest: string }[];
    };
    expect(statement.invoices.map((i) => [i.period, i.state])).toEqual([
      ['2026-01', 'settled'],
      ['2026-02', 'settled'],
      ['2026-03', 'paymentDue'],
    ]);
    // February was paid after its due date (03-31): interest is owed on it.
    expect(Number(statement.invoices[1]!.interest)).toBeGreaterThan(0);
    expect(statement.invoices[0]!.interest).toBe('0.00');

    // The Buyer's webhook heard of each step.
    await until('the webhook deliveries', async () =>
      heard.includes('payment.recorded') && heard.includes('note.issued') ? heard : undefined,
    );
    for (const type of [
      'fact.recorded',
      'invoice.issued',
      'dispute.raised',
      'dispute.accepted',
      'dispute.rejected',
      'note.issued',
      'payment.recorded',
    ]) {
      expect(heard).toContain(type);
    }
  }, 90_000);
});
