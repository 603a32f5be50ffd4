/**
 * Netting over real `sb node` processes: five providers (one on
 * PostgreSQL), each pinned to the others. Two of them sell to each other in
 * three bilaterals and settle with a co-signed statement and one net
 * payment; then the five trade in eight bilaterals and run a multilateral
 * round that every member signs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from '../src/store/pg.fixtures.ts';
import {
  consortiumOfFive,
  issueAccepted,
  roundOfFive,
  settleBetweenTwo,
  type Trader,
  trade,
} from './netting.fixtures.ts';
import { freePort, partyArgs, startNode } from './processes.fixtures.ts';
import { call, callOk } from './support.ts';

describe('netting between five node processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-netting-'));
  const names = ['acme-fiber', 'globex', 'initech', 'umbrella', 'hooli'];
  const children: ChildProcess[] = [];
  const traders: Trader[] = [];
  let database: PgDatabase;

  beforeAll(async () => {
    database = await createPgDatabase('sb_netting_test');
    const parties = await Promise.all(
      names.map(async (name) => ({
        name,
        dir: join(root, name),
        port: await freePort(),
        peerPort: await freePort(),
      })),
    );
    children.push(
      ...(await Promise.all(
        parties.map((p, i) => startNode([...partyArgs(p), ...(i === 1 ? ['--store', database.url] : [])])),
      )),
    );
    for (const p of parties) {
      const target = {
        url: `http://127.0.0.1:${p.port}`,
        adminToken: readFileSync(join(p.dir, 'admin.token'), 'utf8').trim(),
      };
      const me = await callOk<{ party: string; key: string; endpoint: string }>(target, 'GET', '/party');
      traders.push({
        party: me.party,
        endpoint: me.endpoint,
        call: (method, path, body) => call(target, method, path, body),
        ...{ target, key: me.key },
      } as Trader);
    }
    // Everyone pins everyone, taking each other's proposals at once.
    for (const a of traders) {
      for (const b of traders) {
        if (a === b) continue;
        const { key } = b as unknown as { key: string };
        await callOk((a as unknown as { target: { url: string } }).target, 'PUT', `/peers/${b.party}`, {
          key,
          endpoint: b.endpoint,
          policy: 'accept',
        });
      }
    }
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) => new Promise((resolve) => (c.exitCode === null ? c.once('exit', resolve) : resolve(null))),
      ),
    );
    await dropPgDatabases([database]);
    rmSync(root, { recursive: true, force: true });
  });

  it('two providers with three bilaterals settle by one co-signed statement and one net payment', async () => {
    const [acme, globex] = [traders[0]!, traders[1]!];
    const ids = [
      await trade(acme, globex, 'pair-a-g-1', '1G', '2026-02-01'),
      await trade(acme, globex, 'pair-a-g-2', '100M', '2026-02-01'),
      await trade(globex, acme, 'pair-g-a-1', '1G', '2026-03-01'),
    ];
    const periods = ['2026-02', '2026-03', '2026-04'];
    await issueAccepted(acme, ids[0]!, periods);
    await issueAccepted(acme, ids[1]!, periods);
    await issueAccepted(globex, ids[2]!, periods.slice(1));
    await settleBetweenTwo(acme, globex, ids);
  }, 120_000);

  it('five providers net every agreed invoice in one round every member signs', async () => {
    const traded = await consortiumOfFive(traders);
    const round = await roundOfFive(traders, traded);
    expect(round.document.members).toEqual([...names].sort());
  }, 180_000);
});
