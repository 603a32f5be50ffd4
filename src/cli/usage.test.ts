/**
 * `sb usage import` against two running nodes: the file is streamed to the
 * seller's node, the report printed with the file's own line numbers, and the
 * exit codes say what happened.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introduce, type RunningNode, startServer } from '../api/index.ts';
import type { UsageImportReport } from '../node/index.ts';
import { usageCommand } from './usage.ts';

const example = join(import.meta.dirname, '..', '..', 'examples', 'dia-acme-globex');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('sb usage import', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-usage-cli-'));
  let seller: RunningNode;
  let buyer: RunningNode;
  let id: string;
  const csv = [
    'id,service,metric,quantity,at',
    'a1,S1,gb,10,2026-02-01T00:00:00Z',
    'a2,S1,gb,0.5,2026-02-01T01:00:00Z',
    'a3,S1,gb,abc,2026-02-01T02:00:00Z',
    '',
    'a4,S2,gb,1,2026-02-01T03:00:00Z',
  ].join('\r\n');

  beforeAll(async () => {
    const options = { syncIntervalMs: 0, checkpointIntervalMs: 0, chain: false as const };
    seller = await startServer({ dataDir: join(root, 'seller'), party: 'acme-fiber', ...options });
    buyer = await startServer({ dataDir: join(root, 'buyer'), party: 'globex', ...options });
    await introduce(seller, buyer);
    const terms = JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8'));
    const proposed = await seller.node.bilaterals.propose(terms, buyer.node.endpoint);
    if (proposed.status !== 'agreed') throw new Error('the buyer did not countersign at once');
    id = proposed.record.id;
    for (const line of readFileSync(join(example, 'facts.jsonl'), 'utf8').split('\n')) {
      if (line.trim() !== '') await seller.node.facts.record(id, JSON.parse(line));
    }
    writeFileSync(join(root, 'usage.csv'), csv);
    writeFileSync(join(root, 'usage.csv.gz'), gzipSync(csv));
  });

  afterAll(async () => {
    await seller?.close();
    await buyer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('streams the file, prints the report with file lines, exits 0 despite rejections', async () => {
    const { io, out } = capture();
    const code = await usageCommand(
      [
        'import',
        join(root, 'usage.csv'),
        '--node',
        seller.url,
        '--token',
        seller.adminToken!,
        '--bilateral',
        id,
      ],
      io,
      { progress: true },
    );
    expect(code).toBe(0);
    const text = out.join('');
    expect(text).toContain('records/s');
    expect(text).toContain('accepted   2 in 1 batch(es)');
    expect(text).toContain('usage.csv:4: bad-quantity: quantity: expected a non-negative decimal string');
    expect(text).toContain('usage.csv:6: unknown-service');
  });

  it('imports the gzip of the file as nothing new, and prints JSON with --json', async () => {
    const { io, out } = capture();
    const code = await usageCommand(
      [
        'import',
        join(root, 'usage.csv.gz'),
        '--node',
        seller.url,
        '--token',
        seller.adminToken!,
        '--bilateral',
        id,
        '--json',
      ],
      io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(out.join('')) as UsageImportReport;
    expect(report).toMatchObject({ source: 'usage.csv.gz', accepted: 0, duplicates: 2, rejectedTotal: 2 });
  });

  it('exits 2 for an unreadable file, an unknown bilateral or missing flags', async () => {
    const missing = capture();
    expect(
      await usageCommand(
        [
          'import',
          join(root, 'nope.csv'),
          '--node',
          seller.url,
          '--token',
          seller.adminToken!,
          '--bilateral',
          id,
        ],
        missing.io,
      ),
    ).toBe(2);
    expect(missing.err.join('')).toContain('cannot read');
    const unknown = capture();
    const code = await usageCommand(
      [
        'import',
        join(root, 'usage.csv'),
        '--node',
        seller.url,
        '--token',
        seller.adminToken!,
        '--bilateral',
        '0'.repeat(64),
      ],
      unknown.io,
    );
    expect(code).toBe(2);
    expect(unknown.err.join('')).toContain('NOT_FOUND');
    await expect(usageCommand(['import', join(root, 'usage.csv')], capture().io)).rejects.toMatchObject({
      code: 'USAGE',
    });
  });
});
