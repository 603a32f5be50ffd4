import { describe, expect, it } from 'vitest';
import { BilateralError } from './errors.ts';
import { activated, facts, modified, ordered, outage, terminated, terms } from './fixtures/build.ts';
import { buildHistories } from './history.ts';
import { rate } from './rate.ts';

const t = terms();

function inconsistency(list: ReturnType<typeof facts>): { ref: unknown; message: string } {
  try {
    rate(t, list, '2026-01');
  } catch (error) {
    expect(error).toBeInstanceOf(BilateralError);
    expect((error as BilateralError).code).toBe('FACTS_INCONSISTENT');
    return { ref: (error as BilateralError).details.ref, message: (error as BilateralError).message };
  }
  throw new Error('expected FACTS_INCONSISTENT');
}

describe('fact consistency', () => {
  const order = ordered('2026-01-01T00:00:00Z');
  const active = activated('2026-01-02T00:00:00Z');

  it('rejects a service activated twice, naming the later ref', () => {
    const r = inconsistency(facts(order, activated('2026-01-05T00:00:00Z'), active));
    expect(r.ref).toBe('f2');
    expect(r.message).toMatch(/^f2: .*activated twice.*f3/);
  });

  it('rejects termination before activation and termination without activation', () => {
    expect(inconsistency(facts(order, terminated('2026-01-01T12:00:00Z'), active)).ref).toBe('f2');
    expect(inconsistency(facts(order, terminated('2026-01-03T00:00:00Z'))).ref).toBe('f2');
  });

  it('rejects facts for a service never ordered', () => {
    expect(inconsistency(facts(order, active, modified('2026-01-05T00:00:00Z', 'B', 'S9'))).ref).toBe('f3');
    expect(
      inconsistency(facts(order, outage('2026-01-05T00:00:00Z', '2026-01-05T01:00:00Z', false, 'S9'))).ref,
    ).toBe('f2');
  });

  it('rejects double orders, changes after termination, changes at the same time and unknown plans', () => {
    expect(inconsistency(facts(order, active, ordered('2026-01-03T00:00:00Z'))).ref).toBe('f3');
    const end = terminated('2026-01-10T00:00:00Z');
    expect(inconsistency(facts(order, active, end, modified('2026-01-10T00:00:00Z', 'B'))).ref).toBe('f4');
    const twice = facts(
      order,
      active,
      modified('2026-01-05T00:00:00Z', 'B'),
      modified('2026-01-05T00:00:00Z', 'A'),
    );
    expect(inconsistency(twice)).toEqual({
      ref: 'f4',
      message: 'f4: two plan changes at the same time (also f3)',
    });
    expect(inconsistency(facts(order, active, modified('2026-01-05T00:00:00Z', 'Z'))).ref).toBe('f3');
    expect(inconsistency(facts(ordered('2026-01-01T00:00:00Z', { offering: 'voice' }))).ref).toBe('f1');
  });

  it('rejects activation before the order and repeated refs', () => {
    expect(inconsistency(facts(order, activated('2025-12-31T00:00:00Z'))).ref).toBe('f2');
    const list = facts(order, active);
    expect(inconsistency([list[0]!, { ...list[1]!, ref: 'f1' }]).ref).toBe('f1');
  });

  it('rejects a usage id used twice', () => {
    const u = (id: string) => ({
      type: 'usage',
      service: 'S1',
      metric: 'gb',
      quantity: '1',
      at: '2026-01-05T00:00:00Z',
      id,
    });
    const withUsage = terms({
      offerings: [
        {
          id: 'dia',
          plans: { A: { mrc: '1.00' } },
          usage: [{ metric: 'gb', pricing: { model: 'per-unit', price: '1' } }],
        },
      ],
    });
    const list = facts(order, active, u('x'), u('x'));
    expect(() => rate(withUsage, list, '2026-01')).toThrow(/f4: usage id x was already recorded at f3/);
  });

  it('re-checks the shape of facts that did not come through parseFact', () => {
    const list = facts(order, active);
    const bad = { ref: 'x1', fact: { type: 'service.activated', service: 'S1', at: 'yesterday' } } as never;
    expect(() => rate(t, [...list, bad], '2026-01')).toThrow(
      expect.objectContaining({ code: 'FACT_INVALID', details: expect.objectContaining({ ref: 'x1' }) }),
    );
  });

  it('builds spans and sorts services whatever the input order', () => {
    const list = facts(
      ordered('2026-01-01T00:00:00Z', { service: 'S2' }),
      activated('2026-01-02T00:00:00Z', 'S2'),
      order,
    );
    const histories = buildHistories(t, [...list].reverse());
    expect(histories.map((h) => [h.service, h.spans.length])).toEqual([
      ['S1', 0],
      ['S2', 1],
    ]);
  });
});
