import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usageRecordJson } from '../../core/index.ts';
import { checkUsageBatchBody } from '../../kinds/index.ts';
import { canonicalize, hashJson, merkleRoot } from '../../ledger/index.ts';
import { formatOf, gunzipIfNeeded } from './sources.ts';
import { batchBody, lineChunks, splitCsv, type UsageItem, usageItemRecord, usageItems } from './usage.ts';

async function items(text: string | Buffer, format?: 'csv' | 'jsonl'): Promise<UsageItem[]> {
  const input = await gunzipIfNeeded(Readable.from([Buffer.from(text)]));
  const out: UsageItem[] = [];
  for await (const item of usageItems(input, format)) out.push(item);
  return out;
}

const record = { id: 'u1', service: 'S1', metric: 'gb', quantity: '1.5', at: '2026-02-01T00:00:00Z' };

describe('reading usage files', () => {
  it('splits lines as readline does (LF, CRLF, lone CR), however the stream is chunked', async () => {
    const piece = fc.constantFrom('a', 'é', ',', '"', '\n', '\r', '\r\n', '\n\r', ' ');
    const text = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(60), { maxLength: 6 }), async (body, cuts) => {
        const bytes = Buffer.from(body);
        const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
        const chunks = [0, ...points, bytes.length]
          .slice(1)
          .map((end, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1]!, end));
        const expected: string[] = [];
        const lines = createInterface({ input: Readable.from([bytes]), crlfDelay: Number.POSITIVE_INFINITY });
        for await (const line of lines) expected.push(line);
        const got: string[] = [];
        for await (const chunk of lineChunks(Readable.from(chunks))) got.push(...chunk);
        expect(got).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('reads CSV by header names, with quoted fields, CRLF, a BOM and characteristics', async () => {
    const csv =
      '\uFEFFat,id,service,metric,quantity,char_zone,char_note\r\n' +
      '2026-02-01T00:00:00Z,u1,S1,gb,1.5,"eu,west","say ""hi"""\r\n' +
      '\r\n' +
      '2026-02-01T00:00:00Z,u2,S1,gb,2,,\r\n' +
      '2026-02-01T00:00:00Z,u3,S1,gb\r\n';
    expect(await items(csv)).toEqual([
      { line: 2, raw: { ...record, characteristics: { zone: 'eu,west', note: 'say "hi"' } } },
      { line: 4, raw: { ...record, id: 'u2', quantity: '2' } },
      { line: 5, malformed: 'expected 7 fields, found 4' },
    ]);
  });

  it('numbers a record with a field over two lines by its first line', async () => {
    const csv =
      'id,service,metric,quantity,at,char_note\nu1,S1,gb,1.5,2026-02-01T00:00:00Z,"two\nlines"\nu2,S1,gb,1,x,\nu3,S1,gb,1,x,"open';
    expect(await items(csv)).toEqual([
      { line: 2, raw: { ...record, characteristics: { note: 'two\nlines' } } },
      { line: 4, raw: { ...record, id: 'u2', quantity: '1', at: 'x' } },
      { line: 5, malformed: 'a quoted field is not closed' },
    ]);
  });

  it('refuses a CSV header with an unknown or missing column', async () => {
    await expect(items('id,service,metric,quantity,at,colour\n')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(items('id,service,metric,quantity\n')).rejects.toThrow(/missing column\(s\) at/);
  });

  it('reads JSONL, plain and TMF635 items, and gzip by its magic bytes', async () => {
    const tmf = {
      id: 'u2',
      usageDate: '2026-02-01T00:00:00Z',
      usageType: 'gb',
      usageCharacteristic: [
        { name: 'service', value: 'S1' },
        { name: 'quantity', value: '3' },
        { name: 'zone', value: 'eu' },
      ],
    };
    const jsonl = `${JSON.stringify(record)}\n\n${JSON.stringify(tmf)}\nnot json\n`;
    const expected = [
      { line: 1, raw: record },
      {
        line: 3,
        raw: {
          id: 'u2',
          service: 'S1',
          metric: 'gb',
          quantity: '3',
          at: tmf.usageDate,
          characteristics: { zone: 'eu' },
        },
      },
      { line: 4, malformed: 'not a JSON object' },
    ];
    expect(await items(jsonl)).toEqual(expected);
    expect(await items(gzipSync(jsonl))).toEqual(expected);
    expect(
      await items(gzipSync('id,service,metric,quantity,at\nu1,S1,gb,1.5,2026-02-01T00:00:00Z\n'), 'csv'),
    ).toEqual([{ line: 2, raw: record }]);
    expect(usageItemRecord(record)).toBe(record);
  });

  it('tells formats by name', () => {
    expect(formatOf('a/b/usage.CSV.gz')).toBe('csv');
    expect(formatOf('usage.ndjson')).toBe('jsonl');
    expect(formatOf('usage.jsonl.gz')).toBe('jsonl');
    expect(formatOf('usage.txt')).toBeUndefined();
    expect(splitCsv('a,"b,c",,"d""e"')).toEqual(['a', 'b,c', '', 'd"e']);
  });
});

describe('batch body', () => {
  it('is root over hashJson of the records in order, count, exact totals and time range', () => {
    const records = [
      { ...record, characteristics: { b: '2', a: 'ü' } },
      { ...record, id: 'u2', quantity: '0.25', at: '2026-01-31T23:00:00.5Z' },
      { ...record, id: 'u3', metric: 'min', quantity: '4', at: '2026-02-02T00:00:00Z' },
    ];
    for (const r of records) expect(usageRecordJson(r)).toBe(canonicalize(r));
    const body = batchBody(records);
    expect(body).toEqual({
      root: merkleRoot(records.map(hashJson)),
      count: 3,
      totals: [
        { service: 'S1', metric: 'gb', quantity: '1.75' },
        { service: 'S1', metric: 'min', quantity: '4' },
      ],
      from: '2026-01-31T23:00:00.5Z',
      to: '2026-02-02T00:00:00Z',
    });
    expect(() => checkUsageBatchBody(body as never)).not.toThrow();
    expect(() => checkUsageBatchBody({ ...body, count: 0 } as never)).toThrow('count');
    expect(() => checkUsageBatchBody({ ...body, totals: [...body.totals].reverse() } as never)).toThrow(
      'sorted',
    );
    expect(() => checkUsageBatchBody({ ...body, extra: 1 } as never)).toThrow('extra: unexpected field');
  });
});
