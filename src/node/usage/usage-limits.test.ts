/**
 * Hostile input (issue "Hostile input"): the usage readers do work linear in
 * the bytes they are given, stop at the first record over `MAX_LINE_BYTES`
 * with the line where it started and the limit, name gzip that does not
 * decompress, and throw nothing but the node's own codes, each a 4xx. No
 * timed assertions: the work bound is asserted as bytes pulled from the
 * source (timing is in bench/).
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BilateralError } from '../../core/index.ts';
import { nodeErrorStatus } from '../errors.ts';
import { gunzipIfNeeded } from './sources.ts';
import { lineChunks, MAX_JSON_DEPTH, MAX_LINE_BYTES, type UsageItem, usageItems } from './usage.ts';

const CHUNK = 1 << 16;

async function lines(input: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of lineChunks(input)) out.push(...chunk);
  return out;
}
const HEADER = 'id,service,metric,quantity,at,char_note\n';
const ROW = 'u1,S1,gb,1.5,2026-02-01T00:00:00Z,x\n';

/** A source of `chunks()` that counts the bytes taken from it. */
function counted(chunks: () => Iterable<Buffer>) {
  const seen = { bytes: 0 };
  async function* source() {
    for (const chunk of chunks()) {
      seen.bytes += chunk.length;
      yield chunk;
    }
  }
  return { seen, stream: () => Readable.from(source(), { objectMode: false }) };
}

/** `repeat` times `piece`, in stream chunks of about 64 KiB, made as they are taken. */
function* repeated(prefix: string, piece: string, repeat: number): Generator<Buffer> {
  yield Buffer.from(prefix);
  const per = Math.max(1, Math.floor(CHUNK / Buffer.byteLength(piece)));
  for (let done = 0; done < repeat; done += per) {
    yield Buffer.from(piece.repeat(Math.min(per, repeat - done)));
  }
}

async function read(input: Readable, format?: 'csv' | 'jsonl'): Promise<UsageItem[]> {
  const out: UsageItem[] = [];
  for await (const item of usageItems(await gunzipIfNeeded(input), format)) out.push(item);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<BilateralError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BilateralError);
  return error as BilateralError;
}

/** What a hostile input may end in: nothing, or one of the node's codes whose status is a 4xx. */
function expectRefusal(error: unknown): void {
  expect(error).toBeInstanceOf(BilateralError);
  const status = (nodeErrorStatus as Record<string, number>)[(error as BilateralError).code];
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
}

describe('record length', () => {
  it('refuses a 16 MB single line at its line, having read little more than the limit', async () => {
    const { seen, stream } = counted(() => repeated(HEADER + ROW, 'a', 16 << 20));
    const error = await failure(read(stream()));
    expect(error.code).toBe('USAGE_LINE_TOO_LONG');
    expect(error.message).toBe(`line 3: longer than the limit (limit: ${MAX_LINE_BYTES} bytes per record)`);
    expect(error.details).toMatchObject({ line: 3, limit: MAX_LINE_BYTES });
    // Bounded by the limit, not the input: the line, and what the stream had read ahead.
    expect(seen.bytes).toBeLessThan(MAX_LINE_BYTES + 4 * CHUNK);
  });

  it('counts bytes, not characters: a line of 2-byte characters over the limit is refused', async () => {
    const fits = 'é'.repeat(MAX_LINE_BYTES / 2);
    expect(await lines(Readable.from([Buffer.from(`${fits}\n`)]))).toEqual([fits]);
    const over = `ok\n${fits}é\nok\n`;
    const error = await failure(lines(Readable.from([Buffer.from(over)])));
    expect([error.code, error.details.line]).toEqual(['USAGE_LINE_TOO_LONG', 2]);
  });

  it('refuses a JSONL line over the limit, and a last line without its break', async () => {
    const long = JSON.stringify({ id: 'x', note: 'n'.repeat(MAX_LINE_BYTES) });
    const jsonl = `${JSON.stringify({ id: 'a' })}\n${long}`;
    const error = await failure(read(Readable.from([Buffer.from(jsonl)])));
    expect([error.code, error.details.line]).toEqual(['USAGE_LINE_TOO_LONG', 2]);
  });

  it('stops at an unclosed quote followed by 200,000 lines, naming the line of the quote', async () => {
    const { seen, stream } = counted(() => repeated(`${HEADER}${ROW}u2,S1,gb,1,x,"open\n`, ROW, 200_000));
    const error = await failure(read(stream()));
    expect(error.code).toBe('USAGE_LINE_TOO_LONG');
    expect(error.message).toBe(
      `line 3: a quoted field that starts on this line is not closed within the limit (limit: ${MAX_LINE_BYTES} bytes per record)`,
    );
    expect(error.details).toMatchObject({ line: 3, limit: MAX_LINE_BYTES });
    // The file is 7.4 MB: the reader stopped a chunk or two past the limit.
    // Bounded by the limit, not the input: the line, and what the stream had read ahead.
    expect(seen.bytes).toBeLessThan(MAX_LINE_BYTES + 4 * CHUNK);
  });

  it('reads a quoted field over many lines within the limit as one record, numbered by its first line', async () => {
    const note = Array.from({ length: 5000 }, (_, i) => `l${i}`).join('\n');
    const csv = `${HEADER}u1,S1,gb,1.5,2026-02-01T00:00:00Z,"${note}"\n${ROW}`;
    const items = await read(Readable.from([Buffer.from(csv)]));
    expect(items.map((i) => i.line)).toEqual([2, 5002]);
    expect(items[0]?.raw).toMatchObject({ characteristics: { note } });
  });
});

describe('JSON depth', () => {
  const nest = (depth: number): unknown => (depth <= 1 ? {} : { a: nest(depth - 1) });

  it(`reads an item nested ${MAX_JSON_DEPTH} levels, and rejects one nested deeper as malformed`, async () => {
    const jsonl = `${JSON.stringify(nest(MAX_JSON_DEPTH))}\n${JSON.stringify(nest(MAX_JSON_DEPTH + 1))}\n`;
    const items = await read(Readable.from([Buffer.from(jsonl)]));
    expect(items[0]?.malformed).toBeUndefined();
    expect(items[1]).toEqual({ line: 2, malformed: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
  });

  it('rejects an array nested 30,000 deep (inside the line limit) as one malformed line', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const items = await read(Readable.from([Buffer.from(`{"id":"a"}\n${deep}\n`)]), 'jsonl');
    expect(items[1]).toEqual({ line: 2, malformed: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
  });
});

describe('gzip', () => {
  const csv = HEADER + Array.from({ length: 2000 }, (_, i) => ROW.replace('u1', `u${i}`)).join('');
  const gz = gzipSync(csv);

  it('names a truncated gzip: USAGE_GZIP_INVALID with zlib reason', async () => {
    const error = await failure(read(Readable.from([gz.subarray(0, gz.length - 10)])));
    expect(error.code).toBe('USAGE_GZIP_INVALID');
    expect(error.message).toMatch(/^gzip: unexpected end of file \(Z_BUF_ERROR\)/);
    expect(error.details).toMatchObject({ zlib: 'Z_BUF_ERROR', reason: 'unexpected end of file' });
  });

  it('names a corrupt gzip', async () => {
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xff, 20, 40);
    const error = await failure(read(Readable.from([corrupt])));
    expect(error.code).toBe('USAGE_GZIP_INVALID');
    expect(error.details.zlib).toBe('Z_DATA_ERROR');
  });

  it('passes the source own error through as it is', async () => {
    async function* broken() {
      yield gz.subarray(0, 100);
      throw new Error('the source broke');
    }
    await expect(read(Readable.from(broken()))).rejects.toThrow('the source broke');
  });

  it('property: a truncated gzip is USAGE_GZIP_INVALID; an altered one reads as the file or is refused 4xx', async () => {
    const whole = await read(Readable.from([gz]));
    await fc.assert(
      fc.asyncProperty(
        fc.nat(gz.length - 1),
        fc.array(fc.tuple(fc.nat(gz.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        async (cut, changes) => {
          const truncated = Buffer.from(gz.subarray(0, Math.max(2, cut)));
          expect((await failure(read(Readable.from([truncated])))).code).toBe('USAGE_GZIP_INVALID');
          const altered = Buffer.from(gz);
          for (const [at, value] of changes) if (at >= 2) altered[at] = value;
          try {
            expect(await read(Readable.from([altered]))).toEqual(whole);
          } catch (error) {
            // Usually USAGE_GZIP_INVALID; a header line garbled before zlib finds out is BAD_REQUEST.
            expectRefusal(error);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('property: any input ends in items or a 4xx code, with work bounded by its size', () => {
  const piece = fc.oneof(
    fc.constantFrom(
      'a',
      'é',
      ',',
      '"',
      '""',
      '\n',
      '\r',
      '\r\n',
      ' ',
      '{',
      '}',
      '[',
      ':',
      '\uFEFF',
      '\u0000',
    ),
    fc.constantFrom(HEADER, ROW, '{"id":"u1","service":"S1"}\n', 'u2,S1,gb,1,x,"op'),
    fc.constantFrom('x'.repeat(MAX_LINE_BYTES - 10), 'é'.repeat(MAX_LINE_BYTES / 4)),
  );
  const text = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));
  const bytes = fc.oneof(
    text.map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    text.map((t) => gzipSync(t)),
    text.map((t) => {
      const z = gzipSync(t);
      return z.subarray(0, Math.max(2, z.length >> 1));
    }),
  );

  it('never throws other than a node error with a 4xx status; every line number within the input', async () => {
    await fc.assert(
      fc.asyncProperty(
        bytes,
        fc.constantFrom(undefined, 'csv' as const, 'jsonl' as const),
        async (input, format) => {
          const lines = input.length + 1;
          try {
            const items = await read(Readable.from([input]), format);
            for (const item of items) {
              expect(item.line).toBeGreaterThanOrEqual(1);
              expect(item.line).toBeLessThanOrEqual(lines);
            }
          } catch (error) {
            expectRefusal(error);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('property: records do not depend on where the stream is cut', () => {
  it('gives the same items (or the same refusal) for one chunk and for any chunking', async () => {
    const piece = fc.constantFrom(',', '"', '""', '\n', '\r\n', '\r', 'é', 'x', ROW, 'u9,S1,gb,1,x,"a\nb"\n');
    const long = fc.constantFrom('', 'y'.repeat(MAX_LINE_BYTES - 40), 'z'.repeat(MAX_LINE_BYTES + 1));
    const body = fc
      .tuple(fc.array(piece, { maxLength: 30 }), long, fc.array(piece, { maxLength: 10 }))
      .map(([a, l, b]) => Buffer.from(HEADER + a.join('') + l + b.join('')));
    const outcome = (input: Readable) =>
      read(input).then(
        (items) => ({ items }),
        (error: BilateralError) => ({ code: error.code, details: error.details }),
      );
    await fc.assert(
      fc.asyncProperty(body, fc.array(fc.nat(), { maxLength: 8 }), async (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [...points, bytes.length].map((end, i, all) =>
          bytes.subarray(i === 0 ? 0 : all[i - 1]!, end),
        );
        expect(await outcome(Readable.from(chunks))).toEqual(await outcome(Readable.from([bytes])));
      }),
      { numRuns: 300 },
    );
  });
});
