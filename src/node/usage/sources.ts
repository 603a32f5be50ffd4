/**
 * Where a usage file's bytes come from: its format by name, and gzip
 * recognised by its magic bytes and undone, zlib's errors named. Kept apart
 * from the importer so `sb usage import` loads this and not the node.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { NodeError } from '../errors.ts';

/** The formats of a usage file. */
export type UsageFormat = 'csv' | 'jsonl';

/** The format a file name says (`.csv`, `.jsonl`, `.ndjson`, `.json`, each maybe `.gz`); undefined: look at the content. */
export function formatOf(name: string): UsageFormat | undefined {
  const bare = name.toLowerCase().replace(/\.gz$/, '');
  if (bare.endsWith('.csv')) return 'csv';
  if (bare.endsWith('.jsonl') || bare.endsWith('.ndjson') || bare.endsWith('.json')) return 'jsonl';
  return undefined;
}

/** `input` decompressed when its first bytes are the gzip magic (1f 8b), as is otherwise. */
export async function gunzipIfNeeded(input: AsyncIterable<Buffer | string>): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* all() {
    if (head.length > 0) yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      yield Buffer.from(next.value);
  }
  const stream = Readable.from(all(), { objectMode: false });
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    stream.on('error', (error) => gunzip.destroy(error));
    return Readable.from(gzipErrorsNamed(stream.pipe(gunzip)), { objectMode: false });
  }
  return stream;
}

/** `gunzip`'s output, its zlib errors (truncated, corrupt) as `USAGE_GZIP_INVALID`; the source's own errors as they are. */
async function* gzipErrorsNamed(gunzip: Readable): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) throw error;
    const reason = (error as Error).message;
    throw new NodeError(
      'USAGE_GZIP_INVALID',
      `gzip: ${reason} (${code}): the input is truncated or corrupt`,
      {
        details: { zlib: code, reason },
        cause: error,
      },
    );
  }
}
