import { describe, expect, it } from 'vitest';
import { type UsageRecord, usageInstant, usageRecordJson, usageTotals } from '../../core/index.ts';
import { UsageBatcher } from './usage-batcher.ts';
import { usageBytesRoot, usageRoot } from './usage-hasher.ts';

const record = (i: number): UsageRecord => ({
  id: `u${i}`,
  service: i % 2 === 0 ? 'S1' : 'S2',
  metric: 'gb',
  quantity: `${i}.${i % 10}`,
  // Out of time order on purpose: the range is the earliest and the latest, not the first and last.
  at: `2026-02-${String(10 + ((i * 7) % 15)).padStart(2, '0')}T00:00:0${i % 10}Z`,
  ...(i % 3 === 0 ? { characteristics: { zone: 'Zürich' } } : {}),
});

function fill(batcher: UsageBatcher, records: readonly UsageRecord[]) {
  records.forEach((r, i) => {
    batcher.add(r.id, 100 + i, usageInstant(r.at)!, usageRecordJson(r), r.service, r.metric, r.quantity);
  });
}

/** What a sealed batch must be for `records`: bytes, ends, root and body summary. */
function expectBatch(batcher: UsageBatcher, records: readonly UsageRecord[]) {
  const texts = records.map(usageRecordJson);
  const sealed = batcher.take();
  expect(sealed.ids).toEqual(records.map((r) => r.id));
  expect(sealed.bytes.subarray(0, sealed.ends.at(-1)! + 1).toString()).toBe(`${texts.join('\n')}\n`);
  expect(usageBytesRoot(sealed)).toBe(usageRoot(texts));
  const instants = records.map((r) => usageInstant(r.at)!);
  expect(sealed.summary).toEqual({
    count: records.length,
    totals: usageTotals(records),
    from: new Date(Math.min(...instants)).toISOString().replace('.000Z', 'Z'),
    to: new Date(Math.max(...instants)).toISOString().replace('.000Z', 'Z'),
  });
  expect([sealed.from, sealed.to]).toEqual([Math.min(...instants), Math.max(...instants)]);
}

describe('UsageBatcher', () => {
  const records = Array.from({ length: 40 }, (_, i) => record(i));

  it('seals the records as bytes with their ends, exact totals and time range, then starts empty', () => {
    const batcher = new UsageBatcher();
    fill(batcher, records);
    expect(batcher.length).toBe(40);
    expectBatch(batcher, records);
    expect(batcher.length).toBe(0);
    fill(batcher, records.slice(0, 3));
    expectBatch(batcher, records.slice(0, 3));
  });

  it('grows its buffer for batches larger than it', () => {
    const batcher = new UsageBatcher();
    const many = Array.from({ length: 12_000 }, (_, i) => record(i));
    fill(batcher, many);
    expectBatch(batcher, many);
  });

  it('drops records by position: the rest keep their order, lines and sums; the checked mark moves with them', () => {
    const batcher = new UsageBatcher();
    fill(batcher, records);
    batcher.checked = 30;
    batcher.drop(new Set([0, 5, 29, 31, 39]));
    expect(batcher.checked).toBe(27);
    expect(batcher.unchecked()).toEqual(['u30', 'u32', 'u33', 'u34', 'u35', 'u36', 'u37', 'u38']);
    expect(batcher.line(0)).toBe(101);
    const kept = records.filter((_, i) => ![0, 5, 29, 31, 39].includes(i));
    expectBatch(batcher, kept);
  });
});
