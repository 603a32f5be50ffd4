/** `sb peers` on a node folder's store: pin, list, change policy, remove; audited; bad input exits 2. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../ledger/index.ts';
import { openStore } from '../store/index.ts';
import { peers } from './peers.ts';
import { runCommand } from './store-commands.fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'sb-peers-cli-'));
let folders = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sb = (...args: string[]) => runCommand('peers', peers, args);
const fresh = () => join(root, `node-${++folders}`);
const key = generateKeyPair().publicKey;
const other = generateKeyPair().publicKey;

describe('sb peers', () => {
  it('pins a peer, changes its policy, lists and removes it, each change audited', async () => {
    const data = fresh();
    const pinned = await sb(
      'add',
      '--data',
      data,
      '--party',
      'globex',
      '--key',
      key,
      '--endpoint',
      'https://globex.example/',
    );
    expect(pinned.code).toBe(0);
    expect(pinned.out).toContain('pinned globex  https://globex.example/');
    expect(pinned.out).toContain('proposals wait for approval');

    const policy = await sb('policy', 'globex', 'accept', '--data', data);
    expect(policy.code).toBe(0);
    expect(policy.out).toContain('accepts proposals');

    const listed = JSON.parse((await sb('list', '--data', data, '--json')).out);
    expect(listed).toEqual([
      expect.objectContaining({ party: 'globex', key, source: 'pinned', policy: 'accept' }),
    ]);

    expect((await sb('remove', 'globex', '--data', data)).out).toBe('removed globex\n');
    expect((await sb('list', '--data', data)).out).toContain('no peers');

    const store = await openStore(`sqlite:${join(data, 'node.db')}`);
    try {
      const records = await store.listAudit({ limit: 10 });
      expect(records.map((r) => `${r.action} ${r.outcome}`)).toEqual([
        'peers.add ok',
        'peers.policy ok',
        'peers.remove ok',
      ]);
      expect(records[1]?.result).toMatchObject({ party: 'globex', policy: 'accept' });
      expect(records[0]?.actor).toMatch(/^cli:/);
    } finally {
      await store.close();
    }
  });

  it('changes a pinned key or endpoint only with --replace', async () => {
    const data = fresh();
    const add = (...more: string[]) =>
      sb('add', '--data', data, '--party', 'globex', '--endpoint', 'https://globex.example', ...more);
    expect((await add('--key', key)).code).toBe(0);
    expect((await add('--key', key, '--policy', 'accept')).code).toBe(0);
    const refused = await add('--key', other);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--party globex: already in the directory');
    expect((await add('--key', other, '--replace', '--json')).out).toContain(other);
  });

  it('exits 2 naming the flag for bad input', async () => {
    const data = fresh();
    const base = ['add', '--data', data, '--party', 'p'];
    const cases: [string[], string][] = [
      [[...base, '--key', 'short', '--endpoint', 'https://p'], '--key short'],
      [[...base, '--endpoint', 'https://p'], '--key'],
      [[...base, '--key', key, '--endpoint', 'ftp://p'], '--endpoint ftp://p'],
      [[...base, '--key', key], '--endpoint'],
      [[...base, '--key', key, '--endpoint', 'https://p', '--policy', 'always'], '--policy always'],
      [['add', '--data', data, '--key', key, '--endpoint', 'https://p'], '--party is required'],
      [['add', '--party', 'p', '--key', key, '--endpoint', 'https://p'], '--data DIR'],
      [['policy', 'p', 'accept', '--data', data], 'no peer p'],
      [['policy', 'p', 'sometimes', '--data', data], 'policy sometimes'],
      [['policy', 'p', '--data', data], 'sb peers policy P accept|approve'],
      [['remove', 'p', '--data', data], 'no peer p'],
      [['remove', '--data', data], 'sb peers remove P'],
      [['trust'], 'expected: sb peers'],
    ];
    for (const [args, message] of cases) {
      const run = await sb(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err).toContain(message);
    }
    expect((await sb('list', '--data', data, '--json')).out).toBe('[]\n');
  });
});
