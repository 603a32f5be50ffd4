/**
 * `sb credentials` on a node folder's store: the token shown once and
 * usable, listing, revoking, expiring, the audit records, and exit 2 naming
 * the flag for bad input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authenticate } from '../node/access/index.ts';
import { openStore } from '../store/index.ts';
import { createPgDatabase, dropPgDatabases, type PgDatabase } from '../store/pg.fixtures.ts';
import { bilateralRecord } from '../store/store.fixtures.ts';
import { credentials } from './credentials.ts';
import { runCommand } from './store-commands.fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'sb-credentials-cli-'));
let folders = 0;
const databases: PgDatabase[] = [];
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await dropPgDatabases(databases);
});

const sb = (...args: string[]) => runCommand('credentials', credentials, args);
const fresh = () => join(root, `node-${++folders}`);
const storeOf = (data: string) => openStore(`sqlite:${join(data, 'node.db')}`);

describe('sb credentials', () => {
  it('creates an admin credential before the node ever ran, prints its token once', async () => {
    const data = fresh();
    const run = await sb('create', '--data', data, '--name', 'first admin', '--role', 'admin');
    expect(run.code).toBe(0);
    const token = /^(sbk_\S+)$/m.exec(run.out)?.[1];
    expect(run.out).toContain('admin  "first admin"  all bilaterals  active');
    const store = await storeOf(data);
    try {
      const credential = await authenticate(store, token, new Date());
      expect(credential).toMatchObject({
        role: 'admin',
        name: 'first admin',
        createdBy: expect.stringMatching(/^cli:/),
      });
      const [record] = await store.listAudit({ limit: 10 });
      expect(record).toMatchObject({
        action: 'credentials.create',
        outcome: 'ok',
        actor: credential.createdBy,
      });
      expect(record?.result).toMatchObject({ id: credential.id, role: 'admin' });
      expect(JSON.stringify(record)).not.toContain(token!.slice(17));
      expect(JSON.stringify(record)).not.toContain(credential.tokenHash);
    } finally {
      await store.close();
    }
  });

  it('scopes to repeated --bilateral, names a financier party, and prints JSON with --json', async () => {
    const data = fresh();
    const store = await storeOf(data);
    const [one, two] = [bilateralRecord('one'), bilateralRecord('two')];
    await store.putBilateral(one);
    await store.putBilateral(two);
    await store.close();
    const run = await sb(
      'create',
      '--data',
      data,
      '--name',
      'bank',
      '--role',
      'financier',
      '--party',
      'bank.example',
      '--bilateral',
      one.id,
      `--bilateral=${two.id}`,
      '--expires',
      '2999-01-01T00:00:00+01:00',
      '--json',
    );
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.out) as { credential: Record<string, unknown>; token: string };
    expect(printed.credential).toMatchObject({
      role: 'financier',
      party: 'bank.example',
      bilaterals: [one.id, two.id],
      expiresAt: '2998-12-31T23:00:00.000Z',
    });
    expect(printed.credential).not.toHaveProperty('tokenHash');
    expect(printed.token).toMatch(/^sbk_/);
  });

  it('lists, revokes and expires, each change audited', async () => {
    const data = fresh();
    await sb('create', '--data', data, '--name', 'ops', '--role', 'operator');
    await sb('create', '--data', data, '--name', 'books', '--role', 'finance');
    const listed = JSON.parse((await sb('list', '--data', data, '--json')).out) as {
      id: string;
      name: string;
    }[];
    expect(listed.map((c) => c.name)).toEqual(['ops', 'books']);
    const [ops, books] = listed;

    const revoked = await sb('revoke', ops!.id, '--data', data);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toMatch(new RegExp(`^${ops!.id}  operator  "ops"  all bilaterals  revoked `));

    const expired = await sb('expire', books!.id, '--data', data, '--at', '2020-01-01T00:00:00Z');
    expect(expired.out).toContain('expired 2020-01-01T00:00:00.000Z');
    const list = await sb('list', '--data', data);
    expect(list.out.split('\n').filter(Boolean)).toHaveLength(2);

    const store = await storeOf(data);
    try {
      expect((await store.listAudit({ limit: 10 })).map((r) => `${r.action} ${r.outcome}`)).toEqual([
        'credentials.create ok',
        'credentials.create ok',
        'credentials.revoke ok',
        'credentials.expire ok',
      ]);
    } finally {
      await store.close();
    }
  });

  it('works on a PostgreSQL store given by --store', async () => {
    const database = await createPgDatabase('sb_cli_credentials');
    databases.push(database);
    const created = await sb(
      'create',
      '--store',
      database.url,
      '--name',
      'pg admin',
      '--role',
      'admin',
      '--json',
    );
    expect(created.code).toBe(0);
    const { credential } = JSON.parse(created.out) as { credential: { id: string } };
    const listed = JSON.parse((await sb('list', '--store', database.url, '--json')).out) as { id: string }[];
    expect(listed.map((c) => c.id)).toEqual([credential.id]);
  });

  it('says there are none', async () => {
    expect((await sb('list', '--data', fresh())).out).toContain('no credentials');
    expect((await sb('list', '--data', fresh(), '--json')).out).toBe('[]\n');
  });

  it('exits 2 naming the flag for bad input, and stores no credential', async () => {
    const data = fresh();
    const cases: [string[], string][] = [
      [['create', '--name', 'x', '--role', 'admin'], '--data DIR'],
      [['create', '--data', data, '--role', 'admin'], '--name is required'],
      [['create', '--data', data, '--name', 'x'], '--role is required'],
      [['create', '--data', data, '--name', 'x', '--role', 'root'], '--role root: not a role'],
      [
        ['create', '--data', data, '--name', 'x', '--role', 'admin', '--expires', 'tomorrow'],
        '--expires tomorrow',
      ],
      [
        ['create', '--data', data, '--name', 'x', '--role', 'admin', '--expires', '2001-01-01T00:00:00Z'],
        '--expires',
      ],
      [
        ['create', '--data', data, '--name', 'x', '--role', 'admin', '--bilateral', 'abc'],
        '--bilateral abc: no such',
      ],
      [['create', '--data', data, '--name', 'x', '--role', 'financier'], '--party'],
      [
        ['create', '--data', data, '--name', 'x', '--role', 'admin', '--bilateral'],
        '--bilateral needs a value',
      ],
      [
        ['create', '--data', data, '--name', 'x', '--role', 'admin', '--colour', 'red'],
        'unknown flag --colour',
      ],
      [['revoke', '--data', data], 'sb credentials revoke ID'],
      [['revoke', 'c0ffee', '--data', data], 'no credential c0ffee'],
      [['revoke', 'c0ffee', '--data', data, '--at', '2020-01-01T00:00:00Z'], 'unknown flag --at'],
      [['expire', 'c0ffee', '--data', data, '--at', 'noon'], '--at noon'],
      [['rotate'], 'expected: sb credentials'],
    ];
    for (const [args, message] of cases) {
      const run = await sb(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err).toContain(message);
    }
    expect((await sb('list', '--data', data, '--json')).out).toBe('[]\n');
  });
});
