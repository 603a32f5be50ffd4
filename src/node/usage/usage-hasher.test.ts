import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { merkleRoot } from '../../ledger/index.ts';
import {
  type UsageBytes,
  usageBytesRoot,
  usageRoot,
  usageRootAsync,
  WORKER_MIN_RECORDS,
} from './usage-hasher.ts';

const texts = (n: number, salt = '') =>
  Array.from({ length: n }, (_, i) => `{"id":"u${i}${salt}","zone":"Zürich \\n ${i % 7}"}`);
/** The batcher's form of `texts`: UTF-8, each followed by '\n', in a buffer of its own, and where each ends. */
function usageBytes(texts: readonly string[]): UsageBytes {
  const bytes = Buffer.allocUnsafeSlow(texts.reduce((size, text) => size + Buffer.byteLength(text) + 1, 0));
  const ends = new Uint32Array(texts.length);
  let offset = 0;
  texts.forEach((text, i) => {
    offset += bytes.write(text, offset);
    ends[i] = offset;
    bytes[offset++] = 10;
  });
  return { bytes, ends };
}
const expected = (list: string[]) => merkleRoot(list.map((t) => hash('sha256', t, 'hex')));

describe('usage batch roots', () => {
  it('in place: the Merkle root of the SHA-256 of each canonical text', () => {
    for (const n of [0, 1, 2, 3, 5, 100]) {
      expect(usageRoot(texts(n))).toBe(expected(texts(n)));
      expect(usageBytesRoot(usageBytes(texts(n)))).toBe(expected(texts(n)));
    }
  });

  it('the bytes are the texts joined by line breaks, each end marked', () => {
    const list = texts(3);
    const { bytes, ends } = usageBytes(list);
    expect(bytes.toString()).toBe(`${list.join('\n')}\n`);
    expect([...ends]).toEqual(list.map((_, i) => Buffer.byteLength(list.slice(0, i + 1).join('\n'))));
  });

  it('on the worker: the same roots, for batches in flight together', async () => {
    // Every shape of the last levels (odd nodes promoted at different heights), and powers of two.
    const shapes = Array.from({ length: 17 }, (_, i) => WORKER_MIN_RECORDS + i);
    const sizes = [1, WORKER_MIN_RECORDS - 1, ...shapes, 4095, 4096, 4097, 6143, 10_000];
    const batches = sizes.map((n, i) => texts(n, `/${i}`));
    const results = await Promise.all(batches.map((b) => usageRootAsync(usageBytes(b))));
    expect(results.map((r) => r.root)).toEqual(batches.map(expected));
    // The bytes come back whole, for the store to write.
    expect(results.map((r) => r.bytes.toString())).toEqual(batches.map((b) => `${b.join('\n')}\n`));
    // And again once the worker is warm.
    expect((await usageRootAsync(usageBytes(batches.at(-1)!))).root).toBe(expected(batches.at(-1)!));
  });

  it("on the worker: its own SHA-256 agrees with node:crypto's for texts of every length up to four blocks", async () => {
    // Every padding case: the tail of the last block from 0 to 63 bytes, before and past 56 (where
    // the length spills into one more block), multi-byte characters across word boundaries.
    const list = Array.from({ length: WORKER_MIN_RECORDS }, (_, i) => {
      const length = i % 257;
      return i % 2 === 0 ? 'x'.repeat(length) : 'é€'.repeat(length >> 2).padEnd(length, 'q');
    });
    // A text the store would never hold, but the tree must still hash it: the empty one.
    list[0] = '';
    expect((await usageRootAsync(usageBytes(list))).root).toBe(expected(list));
  });
});
