import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadExample } from './fixtures/example.ts';
import { locateJsonError, locateJsonPath } from './json-locate.ts';

const example = loadExample((name) =>
  readFileSync(new URL(`./fixtures/dia-acme-globex/${name}`, import.meta.url), 'utf8'),
);

describe('locateJsonPath', () => {
  it('finds the line of a member or element in the example terms', () => {
    const lines = example.termsText.split('\n');
    const lineOf = (needle: string, from = 0) =>
      lines.findIndex((l, i) => i >= from && l.includes(needle)) + 1;
    expect(locateJsonPath(example.termsText, 'offerings[0].plans.1G.mrc')?.line).toBe(
      lineOf('"mrc": "1200.00"'),
    );
    expect(locateJsonPath(example.termsText, 'billing.rounding')?.line).toBe(lineOf('"rounding"'));
    expect(locateJsonPath(example.termsText, 'sla.tiers[1].below')?.line).toBe(lineOf('"below": "99.5"'));
    expect(locateJsonPath(example.termsText, 'offerings[0].usage[0].pricing.tiers[1]')?.line).toBe(
      lineOf('"upTo": null') - 1,
    );
  });

  it('falls back to the nearest enclosing value for a missing member', () => {
    const text = '{\n  "billing": {\n    "cycle": "monthly"\n  }\n}';
    expect(locateJsonPath(text, 'billing.rounding')).toEqual({ line: 2, column: 3 });
    expect(locateJsonPath(text, 'nothing.here')).toEqual({ line: 1, column: 1 });
  });

  it('handles keys with escapes and nested arrays', () => {
    const text = '{"a\\"b": [\n[1,\n {"c": true}]]}';
    expect(locateJsonPath(text, 'a"b[0][1].c')?.line).toBe(3);
  });
});

describe('locateJsonError', () => {
  it('is undefined for valid JSON and gives the line of a syntax error', () => {
    expect(locateJsonError(example.termsText)).toBeUndefined();
    expect(locateJsonError('{\n "a": 1,\n "b": ,\n}')).toMatchObject({ line: 3, column: 7 });
    expect(locateJsonError('{\n "a": 1\n "b": 2}')).toMatchObject({ line: 3, reason: "expected ',' or '}'" });
    expect(locateJsonError('{"a": "x')).toMatchObject({ line: 1, reason: 'unexpected end of input' });
    expect(locateJsonError('{} x')).toMatchObject({ line: 1, column: 4 });
  });
});
