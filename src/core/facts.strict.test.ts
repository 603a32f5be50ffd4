import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { EXT_LIMITS, FACT_TYPES, parseFact } from './facts.ts';
import { parseTerms } from './terms.ts';

const example = join(import.meta.dirname, '..', '..', 'examples', 'dia-acme-globex');
const activated = { type: 'service.activated', service: 'S1', at: '2026-01-15T09:30:00Z' };

function issuesOf(json: unknown): { path: string; rule: string }[] {
  try {
    parseFact(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('FACT_INVALID');
    return (error as ValidationError).issues.map(({ path, rule }) => ({ path, rule }));
  }
  throw new Error('expected FACT_INVALID');
}

describe('parseFact refuses what a fact does not declare', () => {
  it('still parses the example facts', () => {
    const terms = parseTerms(JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8')));
    const lines = readFileSync(join(example, 'facts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    for (const line of lines) expect(() => parseFact(JSON.parse(line), terms)).not.toThrow();
  });

  it('names an unknown field, however large', () => {
    expect(issuesOf({ ...activated, note: 'x' })).toEqual([{ path: 'note', rule: 'unexpected field' }]);
    expect(issuesOf({ ...activated, blob: 'x'.repeat(1024 * 1024) })).toEqual([
      { path: 'blob', rule: 'unexpected field' },
    ]);
    // A field of another type is unknown here.
    expect(issuesOf({ ...activated, plan: '1G' })).toEqual([{ path: 'plan', rule: 'unexpected field' }]);
  });

  it('refuses __proto__ and constructor keys, as own keys of parsed JSON', () => {
    expect(
      issuesOf(
        JSON.parse(
          '{"type":"service.activated","service":"S1","at":"2026-01-15T09:30:00Z","__proto__":{"x":1}}',
        ),
      ),
    ).toEqual([{ path: '__proto__', rule: 'unexpected field' }]);
    expect(issuesOf({ ...activated, constructor: 'x' })).toEqual([
      { path: 'constructor', rule: 'unexpected field' },
    ]);
    expect(issuesOf({ ...activated, ext: JSON.parse('{"__proto__":"x"}') })[0]?.path).toBe('ext.__proto__');
  });

  it('carries a bounded ext object', () => {
    const ext = { ticket: 'OSS-42', line: 3, billable: true, oss: { order: 'O-1' } };
    expect(parseFact({ ...activated, ext })).toEqual({ ...activated, ext });
    expect(issuesOf({ ...activated, ext: 'x' })).toEqual([{ path: 'ext', rule: 'expected an object' }]);
    expect(issuesOf({ ...activated, ext: { a: null } })).toEqual([
      { path: 'ext.a', rule: 'expected a string, number, boolean or object' },
    ]);
    expect(issuesOf({ ...activated, ext: { a: [1] } })).toEqual([
      { path: 'ext.a', rule: 'expected a string, number, boolean or object' },
    ]);
    expect(issuesOf({ ...activated, ext: { a: { b: { c: { d: 1 } } } } })).toEqual([
      { path: 'ext.a.b.c', rule: `expected objects nested at most ${EXT_LIMITS.depth} deep` },
    ]);
    const many = Object.fromEntries(Array.from({ length: EXT_LIMITS.keys + 1 }, (_, i) => [`k${i}`, i]));
    expect(issuesOf({ ...activated, ext: many })).toEqual([
      { path: `ext.k${EXT_LIMITS.keys}`, rule: `expected at most ${EXT_LIMITS.keys} keys in ext` },
    ]);
    expect(issuesOf({ ...activated, ext: { big: 'x'.repeat(1024 * 1024) } })[0]).toMatchObject({
      path: 'ext',
      rule: expect.stringMatching(/^expected at most 4096 bytes of JSON/),
    });
  });

  it('bounds names and ids', () => {
    expect(issuesOf({ ...activated, service: 'S'.repeat(129) })).toEqual([
      { path: 'service', rule: 'expected at most 128 characters' },
    ]);
    const usage = { type: 'usage', service: 'S1', metric: 'gb', quantity: '1', at: activated.at };
    expect(() => parseFact({ ...usage, id: 'u'.repeat(256) })).not.toThrow();
    expect(issuesOf({ ...usage, id: 'u'.repeat(257) })).toEqual([
      { path: 'id', rule: 'expected at most 256 characters' },
    ]);
    expect(issuesOf({ ...usage, id: 'u\uD800' })).toEqual([
      { path: 'id', rule: 'expected valid Unicode (no lone surrogate)' },
    ]);
  });

  it('throws nothing but FACT_INVALID for any JSON value', () => {
    const type = fc.constantFrom(...FACT_TYPES);
    const input = fc.oneof(
      fc.jsonValue(),
      fc.record({ type, ext: fc.jsonValue() }, { requiredKeys: ['type'] }),
      fc.tuple(type, fc.dictionary(fc.string(), fc.jsonValue())).map(([t, d]) => ({ ...d, type: t })),
    );
    fc.assert(
      fc.property(input, (json) => {
        try {
          parseFact(json);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).code).toBe('FACT_INVALID');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
