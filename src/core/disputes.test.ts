import { describe, expect, it } from 'vitest';
import { findings } from './disputes.ts';
import { type Fact, type FactRef, parseFact } from './facts.ts';

const f = (ref: string, json: unknown): FactRef => ({ ref, fact: parseFact(json) });
const theirs = [
  f('s/1', {
    type: 'service.ordered',
    service: 'S1',
    offering: 'dia',
    plan: '1G',
    termMonths: 36,
    at: '2026-01-05T10:00:00Z',
  }),
  f('s/2', { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' }),
  f('s/3', { type: 'service.terminated', service: 'S1', at: '2026-03-10T08:00:00Z' }),
  f('s/4', {
    type: 'outage',
    service: 'S1',
    from: '2026-02-03T10:00:00Z',
    to: '2026-02-03T14:30:00Z',
    maintenance: false,
  }),
];
const seen = (json: unknown) => parseFact(json) as Fact;

describe('findings', () => {
  it('a termination a day later than the inventory says: a correction of it', () => {
    const [finding, ...rest] = findings(theirs, theirs, [
      seen({ type: 'service.terminated', service: 'S1', at: '2026-03-09T08:00:00Z' }),
    ]);
    expect(rest).toEqual([]);
    expect(finding!.fact?.ref).toBe('s/3');
    expect(finding!.proposed).toEqual({
      type: 'service.terminated',
      service: 'S1',
      at: '2026-03-09T08:00:00Z',
      corrects: 's/3',
    });
    expect(finding!.reason).toMatch(/1440 minutes apart/);
  });

  it('within tolerance: nothing; an activation 59 minutes off is not disputed, 61 minutes is', () => {
    expect(
      findings(theirs, theirs, [
        seen({ type: 'service.activated', service: 'S1', at: '2026-01-15T10:29:00Z' }),
      ]),
    ).toEqual([]);
    expect(
      findings(theirs, theirs, [
        seen({ type: 'service.activated', service: 'S1', at: '2026-01-15T10:31:00Z' }),
      ]),
    ).toHaveLength(1);
  });

  it('an outage nobody recorded is missing; one recorded with a length off by more than 5 % is corrected', () => {
    const missing = seen({
      type: 'outage',
      service: 'S1',
      from: '2026-02-20T01:00:00Z',
      to: '2026-02-20T03:00:00Z',
      maintenance: false,
    });
    const [m] = findings(theirs, theirs, [missing]);
    expect(m).toMatchObject({ fact: undefined, proposed: missing });
    // 4 h 30 recorded; the NOC saw 4 h 45 (5.3 % more than it saw... of 285 min: 15/285 = 5.26 %): disputed.
    const longer = seen({
      type: 'outage',
      service: 'S1',
      from: '2026-02-03T10:00:00Z',
      to: '2026-02-03T14:45:00Z',
      maintenance: false,
    });
    expect(findings(theirs, theirs, [longer])[0]).toMatchObject({
      fact: { ref: 's/4' },
      proposed: { to: '2026-02-03T14:45:00Z', corrects: 's/4' },
    });
    // 4 h 40: 10/280 = 3.6 %: within tolerance.
    const close = seen({
      type: 'outage',
      service: 'S1',
      from: '2026-02-03T10:00:00Z',
      to: '2026-02-03T14:40:00Z',
      maintenance: false,
    });
    expect(findings(theirs, theirs, [close])).toEqual([]);
    // An outage the party recorded itself is not missing.
    const own = f('b/1', missing);
    expect(findings(theirs, [...theirs, own], [missing])).toEqual([]);
  });

  it('only the types the rules name', () => {
    const rules = { types: ['outage'] as const, timeToleranceMs: 0, outagePercent: '0' };
    expect(
      findings(
        theirs,
        theirs,
        [seen({ type: 'service.terminated', service: 'S1', at: '2026-03-09T08:00:00Z' })],
        rules,
      ),
    ).toEqual([]);
  });
});
