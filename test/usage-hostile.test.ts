/**
 * Hostile usage uploads over the owner API (issue "Hostile input"): an
 * unclosed quote before 200,000 lines, gzip truncated or corrupt, random
 * bodies. Each answers a 4xx with its code, never a 500; a refusal leaves
 * the node's state as it was, except for whole batches stored before it,
 * which its details name and which importing the repaired file completes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../src/api/errors.ts';
import { introduce, type RunningNode, startServer } from '../src/api/index.ts';
import { MAX_LINE_BYTES } from '../src/node/index.ts';
import { call, exampleFacts, exampleTerms } from './support.ts';

const HEADER = 'id,service,metric,quantity,at\n';
function at(i: number): string {
  return new Date(Date.parse('2026-01-16T00:00:00Z') + i * 60_000).toISOString().replace('.000Z', 'Z');
}
function rows(prefix: string, count: number): string {
  return Array.from({ length: count }, (_, i) => `${prefix}${i},S1,gb,1,${at(i)}\n`).join('');
}

describe('hostile usage uploads', () => {
  const root = mkdtempSync(join(tmpdir(), 'sb-hostile-'));
  let seller: RunningNode;
  let buyer: RunningNode;
  let id: string;

  beforeAll(async () => {
    const options = { syncIntervalMs: 0, checkpointIntervalMs: 0, chain: false as const };
    seller = await startServer({ dataDir: join(root, 'seller'), party: 'acme-fiber', ...options });
    buyer = await startServer({ dataDir: join(root, 'buyer'), party: 'globex', ...options });
    await introduce(seller, buyer);
    const created = await call<{ id: string }>(seller, 'POST', '/bilaterals', {
      terms: { ...exampleTerms(), id: 'msa-hostile' },
      peer: buyer.peerUrl,
    });
    expect(created.status).toBe(201);
    id = created.body.id;
    for (const fact of exampleFacts()) {
      expect((await call(seller, 'POST', `/bilaterals/${id}/facts?wait=replicated`, fact)).status).toBe(201);
    }
  });

  afterAll(async () => {
    await seller?.close();
    await buyer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function post(body: Buffer | string, type: string, batchSize = 10_000) {
    const response = await seller.ownerApp.inject({
      method: 'POST',
      url: `/bilaterals/${id}/usage?source=hostile&batchSize=${batchSize}`,
      headers: { 'content-type': type, authorization: `Bearer ${seller.adminToken}` },
      payload: Buffer.from(body),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  }
  const hashes = async () => (await seller.node.bilaterals.entries(id)).map((e) => e.hash);
  const stored = async (ids: string[]) => (await seller.node.store.hasUsageIds(id, 'acme-fiber', ids)).size;

  it('an unclosed quote before 200,000 lines: 413 USAGE_LINE_TOO_LONG at the quote, nothing stored', async () => {
    const before = await hashes();
    const body = `${HEADER}${rows('q', 3)}q3,S1,gb,"1,${at(3)}\n${rows('r', 200_000)}`;
    const answer = await post(body, 'text/csv');
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({
      code: 'USAGE_LINE_TOO_LONG',
      details: { line: 5, limit: MAX_LINE_BYTES, stored: { accepted: 0, batches: 0, batchSeqs: null } },
    });
    expect(answer.body.message).toContain(`line 5:`);
    expect(answer.body.message).toContain(`${MAX_LINE_BYTES} bytes`);
    expect(await hashes()).toEqual(before);
    expect(await stored(['q0', 'q1', 'q2', 'r0'])).toBe(0);
  });

  it('a JSON body sent with a content-encoding: 415 BODY_ENCODING_UNSUPPORTED naming it, nothing stored', async () => {
    const before = await hashes();
    const send = (url: string, encoding: string, payload: Buffer | string) =>
      seller.ownerApp.inject({
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/json',
          'content-encoding': encoding,
          authorization: `Bearer ${seller.adminToken}`,
        },
        payload,
      });
    const fact = { type: 'usage', service: 'S1', metric: 'gb', quantity: '1', at: at(1), id: 'enc-1' };
    for (const [url, body] of [
      [`/bilaterals/${id}/facts`, fact],
      [
        `/bilaterals/${id}/usage?source=hostile`,
        [{ id: 'enc-2', service: 'S1', metric: 'gb', quantity: '1', at: at(2) }],
      ],
    ] as const) {
      for (const encoding of ['gzip', 'br']) {
        const response = await send(url, encoding, gzipSync(JSON.stringify(body)));
        const answer = response.json() as { code: string; message: string };
        expect([response.statusCode, answer.code], url).toEqual([415, 'BODY_ENCODING_UNSUPPORTED']);
        expect(answer.message).toContain(`content-encoding: ${encoding}`);
      }
    }
    // Unencoded (or `identity`), the same fact is recorded.
    const plain = await send(`/bilaterals/${id}/facts`, 'identity', JSON.stringify(fact));
    expect(plain.statusCode, plain.body).toBe(201);
    expect((await hashes()).length).toBe(before.length + 1);
    expect(await stored(['enc-2'])).toBe(0);
  });

  it('a 16 MB single line: 413 USAGE_LINE_TOO_LONG, nothing stored', async () => {
    const before = await hashes();
    const answer = await post(`${HEADER}${rows('s', 2)}${'x'.repeat(16 << 20)}\n`, 'text/csv');
    expect([answer.status, answer.body.code, (answer.body.details as { line: number }).line]).toEqual([
      413,
      'USAGE_LINE_TOO_LONG',
      4,
    ]);
    expect(await hashes()).toEqual(before);
  });

  it('a truncated gzip: 422 USAGE_GZIP_INVALID naming zlib reason, nothing stored', async () => {
    const before = await hashes();
    const gz = gzipSync(HEADER + rows('t', 100));
    const answer = await post(gz.subarray(0, gz.length - 8), 'application/gzip');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'USAGE_GZIP_INVALID', details: { zlib: 'Z_BUF_ERROR' } });
    expect(answer.body.message).toContain('unexpected end of file');
    expect(await hashes()).toEqual(before);
    expect(await stored(['t0', 't99'])).toBe(0);
  });

  it('a gzip truncated after whole batches: those stay stored, named in the error; the whole file adds the rest', async () => {
    const csv = HEADER + rows('g', 5000);
    const gz = gzipSync(csv);
    const ids = Array.from({ length: 5000 }, (_, i) => `g${i}`);
    const before = (await hashes()).length;
    const answer = await post(gz.subarray(0, Math.floor(gz.length * 0.9)), 'text/csv', 1000);
    expect([answer.status, answer.body.code]).toEqual([422, 'USAGE_GZIP_INVALID']);
    const kept = (answer.body.details as { stored: { accepted: number; batches: number } }).stored;
    expect(kept.batches).toBeGreaterThan(0);
    expect(kept.accepted).toBe(kept.batches * 1000);
    expect(await stored(ids)).toBe(kept.accepted);
    expect((await hashes()).length).toBe(before + kept.batches);
    const again = await post(gz, 'text/csv', 1000);
    expect(again.status).toBe(200);
    expect([again.body.accepted, again.body.duplicates, again.body.rejectedTotal]).toEqual([
      5000 - kept.accepted,
      kept.accepted,
      0,
    ]);
    expect(await stored(ids)).toBe(5000);
  });

  it('property: any body of any streamed type answers below 500; a refusal has a catalogued 4xx code and changes nothing', async () => {
    const piece = fc.oneof(
      fc.constantFrom('a', 'é', ',', '"', '\n', '\r\n', '{', '}', '[', ']', ':', '\uFEFF'),
      fc.constantFrom(HEADER, 'f1,S1,gb,1,2026-01-20T00:00:00Z\n', '{"id":"f2","service":"S1"}\n'),
      fc.constantFrom('x'.repeat(MAX_LINE_BYTES + 1), '"'),
    );
    const text = fc.array(piece, { maxLength: 30 }).map((p) => Buffer.from(p.join('')));
    const body = fc.oneof(
      text,
      fc.uint8Array({ maxLength: 1000 }).map((b) => Buffer.from(b)),
      text.map((t) => gzipSync(t)),
      text.map((t) => gzipSync(t).subarray(0, 12)),
    );
    const type = fc.constantFrom(
      'text/csv',
      'application/x-ndjson',
      'application/gzip',
      'application/octet-stream',
    );
    await fc.assert(
      fc.asyncProperty(body, type, async (payload, contentType) => {
        const before = await hashes();
        const answer = await post(payload, contentType);
        expect(answer.status).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(errorCatalogue[answer.body.code as string]).toBe(answer.status);
          expect(await hashes()).toEqual(before);
        }
      }),
      { numRuns: 60 },
    );
  });
});
