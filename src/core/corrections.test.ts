import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FactRef } from './facts.ts';
import { parseFact } from './facts.ts';
import { parseJsonl } from './fixtures/example.ts';
import { rate } from './rate.ts';
import { parseTerms } from './terms.ts';

const dir = join(import.meta.dirname, 'fixtures', 'dia-acme-globex');
const terms = parseTerms(JSON.parse(readFileSync(join(dir, 'terms.json'), 'utf8')));
const facts = parseJsonl(readFileSync(join(dir, 'facts.jsonl'), 'utf8'), 'facts.jsonl', terms);
const fact = (ref: string, json: unknown): FactRef => ({ ref, fact: parseFact(json, terms) });
const earlier = (at: string) =>
  fact('fix:1', { type: 'service.terminated', service: 'S1', at, corrects: 'facts.jsonl:5' });

describe('corrections', () => {
  it('rates the correction in place of the fact it corrects', () => {
    // Terminated 2026-03-10 08:00 as recorded; found to be 2026-03-09 08:00: a day less of March.
    const as = rate(terms, facts, '2026-03');
    const corrected = rate(terms, [...facts, earlier('2026-03-09T08:00:00Z')], '2026-03');
    expect(corrected.total).not.toBe(as.total);
    const direct = facts.map((f) =>
      f.ref === 'facts.jsonl:5'
        ? { ...f, fact: { ...f.fact, at: '2026-03-09T08:00:00Z' } as FactRef['fact'] }
        : f,
    );
    expect(corrected.lines.map((l) => l.amount)).toEqual(
      rate(terms, direct, '2026-03').lines.map((l) => l.amount),
    );
    // The correcting fact's ref is what its lines cite now.
    expect(corrected.lines.flatMap((l) => l.refs)).toContain('fix:1');
  });

  it('a correction may itself be corrected', () => {
    const second = fact('fix:2', {
      type: 'service.terminated',
      service: 'S1',
      at: '2026-03-08T08:00:00Z',
      corrects: 'fix:1',
    });
    const direct = facts.map((f) =>
      f.ref === 'facts.jsonl:5'
        ? { ...f, fact: { ...f.fact, at: '2026-03-08T08:00:00Z' } as FactRef['fact'] }
        : f,
    );
    expect(rate(terms, [...facts, earlier('2026-03-09T08:00:00Z'), second], '2026-03').total).toBe(
      rate(terms, direct, '2026-03').total,
    );
  });

  it('refuses a correction of a payment, which would count beside it (a wrong payment is marked missing)', () => {
    expect(() =>
      parseFact(
        { type: 'payment', id: 'P9', amount: '1.00', at: '2026-02-20T10:00:00Z', corrects: 'x:1' },
        terms,
      ),
    ).toThrow(/corrects: a payment is not corrected: the Seller marks it missing/);
  });

  it('refuses a correction of nothing, of another type or service, and a second correction of one fact', () => {
    const inconsistent = (list: FactRef[]) => {
      try {
        rate(terms, list, '2026-03');
      } catch (error) {
        return (error as Error).message;
      }
      return 'rated';
    };
    expect(
      inconsistent([
        ...facts,
        fact('x:1', {
          type: 'service.terminated',
          service: 'S1',
          at: '2026-03-09T00:00:00Z',
          corrects: 'nope:9',
        }),
      ]),
    ).toMatch(/corrects nope:9: no such earlier fact/);
    expect(
      inconsistent([
        ...facts,
        fact('x:1', {
          type: 'service.activated',
          service: 'S1',
          at: '2026-01-14T00:00:00Z',
          corrects: 'facts.jsonl:5',
        }),
      ]),
    ).toMatch(/a correction is a service.terminated fact about the same service/);
    expect(
      inconsistent([
        ...facts,
        earlier('2026-03-09T08:00:00Z'),
        fact('fix:3', {
          type: 'service.terminated',
          service: 'S1',
          at: '2026-03-07T00:00:00Z',
          corrects: 'facts.jsonl:5',
        }),
      ]),
    ).toMatch(/fix:1: corrects facts.jsonl:5: already corrected by fix:3/);
    expect(() =>
      parseFact(
        {
          type: 'outage',
          service: 'S1',
          from: '2026-02-03T10:00:00Z',
          to: '2026-02-03T11:00:00Z',
          corrects: 7,
        },
        terms,
      ),
    ).toThrow(/corrects: expected the ref of an earlier fact/);
  });
});
