import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { parseFact } from './facts.ts';
import { terms } from './fixtures/build.ts';

const withExtras = terms({
  offerings: [
    {
      id: 'dia',
      plans: { A: { mrc: '1000.00' }, B: { mrc: '2000.00' } },
      onDemand: { unit: 'hour', minimumUnits: 1, prices: { B: '9.00' } },
      usage: [{ metric: 'gb', pricing: { model: 'per-unit', price: '0.01' } }],
    },
  ],
});

function issuesOf(json: unknown, t = withExtras): { path: string; rule: string }[] {
  try {
    parseFact(json, t);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('FACT_INVALID');
    return (error as ValidationError).issues.map(({ path, rule }) => ({ path, rule }));
  }
  throw new Error('expected FACT_INVALID');
}

describe('parseFact', () => {
  it('accepts each fact type and freezes it', () => {
    const list = [
      {
        type: 'service.ordered',
        service: 'S1',
        offering: 'dia',
        plan: 'A',
        termMonths: 36,
        at: '2026-01-05T10:00:00Z',
      },
      { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' },
      { type: 'service.modified', service: 'S1', plan: 'B', at: '2026-02-20T13:00:00Z' },
      { type: 'service.terminated', service: 'S1', at: '2026-03-10T08:00:00Z' },
      {
        type: 'outage',
        service: 'S1',
        from: '2026-02-03T10:00:00Z',
        to: '2026-02-03T14:30:00Z',
        maintenance: false,
      },
      {
        type: 'bandwidth.boost',
        service: 'S1',
        plan: 'B',
        from: '2026-02-03T10:00:00Z',
        to: '2026-02-03T11:00:00Z',
      },
      { type: 'usage', service: 'S1', metric: 'gb', quantity: '12.5', at: '2026-02-03T10:00:00Z', id: 'u-1' },
    ];
    for (const json of list) {
      const fact = parseFact(json, withExtras);
      expect(fact).toEqual(json);
      expect(Object.isFrozen(fact)).toBe(true);
    }
  });

  it('names each bad field', () => {
    expect(issuesOf({ type: 'service.activated', service: 'S1', at: '2026-01-15 09:30' })).toEqual([
      { path: 'at', rule: 'expected an RFC 3339 UTC time' },
    ]);
    expect(
      issuesOf({ type: 'service.ordered', service: '', offering: 'dia', plan: 'A', termMonths: '36' }),
    ).toEqual([
      { path: 'service', rule: 'expected a non-empty string' },
      { path: 'termMonths', rule: 'expected a non-negative integer' },
      { path: 'at', rule: 'expected an RFC 3339 UTC time' },
    ]);
    expect(
      issuesOf({
        type: 'outage',
        service: 'S1',
        from: '2026-02-03T10:00:00Z',
        to: '2026-02-03T10:00:00Z',
        maintenance: 'no',
      }),
    ).toEqual([
      { path: 'to', rule: 'expected a time after from' },
      { path: 'maintenance', rule: 'expected a boolean' },
    ]);
    expect(
      issuesOf({ type: 'usage', service: 'S1', metric: 'gb', quantity: 12.5, at: '2026-02-03T10:00:00Z' }),
    ).toEqual([
      { path: 'quantity', rule: 'expected a decimal string' },
      { path: 'id', rule: 'expected a non-empty string' },
    ]);
    expect(issuesOf({ type: 'service.paused', service: 'S1' })[0]?.path).toBe('type');
    expect(issuesOf('{}')).toEqual([{ path: '', rule: 'expected an object' }]);
  });

  it('reads an outage without a maintenance flag as unplanned', () => {
    const fact = parseFact({
      type: 'outage',
      service: 'S1',
      from: '2026-02-03T10:00:00Z',
      to: '2026-02-03T11:00:00Z',
    });
    expect(fact).not.toHaveProperty('maintenance');
  });

  it('checks names against the terms when given', () => {
    const order = {
      type: 'service.ordered',
      service: 'S1',
      offering: 'dia',
      plan: 'C',
      termMonths: 1,
      at: '2026-01-05T10:00:00Z',
    };
    expect(issuesOf(order)).toEqual([{ path: 'plan', rule: 'expected a plan of offering dia' }]);
    expect(issuesOf({ ...order, offering: 'voice' })).toEqual([
      { path: 'offering', rule: 'expected an offering of the terms' },
    ]);
    expect(() => parseFact(order)).not.toThrow();
    const boost = {
      type: 'bandwidth.boost',
      service: 'S1',
      plan: 'A',
      from: '2026-02-03T10:00:00Z',
      to: '2026-02-03T11:00:00Z',
    };
    expect(issuesOf(boost)).toEqual([
      { path: 'plan', rule: 'expected a bandwidth level with an on-demand price' },
    ]);
    const use = {
      type: 'usage',
      service: 'S1',
      metric: 'minutes',
      quantity: '1',
      at: '2026-02-03T10:00:00Z',
      id: 'u',
    };
    expect(issuesOf(use)).toEqual([{ path: 'metric', rule: 'expected a metric of the terms' }]);
    expect(
      issuesOf({ type: 'service.modified', service: 'S1', plan: 'Z', at: '2026-02-03T10:00:00Z' }),
    ).toEqual([{ path: 'plan', rule: 'expected a plan of the terms' }]);
  });
});

describe('usage quantity', () => {
  const usage = { type: 'usage', service: 'S1', metric: 'gb', at: '2026-04-01T00:00:00Z', id: 'u1' };

  it('takes a JSON integer as its exact decimal string', () => {
    expect(parseFact({ ...usage, quantity: 1500 })).toMatchObject({ quantity: '1500' });
  });

  it('refuses a JSON fraction, which may have lost digits', () => {
    expect(() => parseFact({ ...usage, quantity: 1.5 })).toThrow(/quantity: expected a decimal string/);
  });
});
