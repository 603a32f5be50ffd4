/**
 * Every error code the source can throw has its HTTP status declared in a
 * layer's catalogue (so the API never guesses one and never answers 500 for
 * a refusal), and the statuses follow the rule: invalid input 422, a
 * conflict 409.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, toHttpError } from '../src/api/errors.ts';
import { BilateralError, NodeError, ValidationError } from '../src/node/index.ts';

const srcRoot = resolve(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.includes('fixtures') ? [path] : [];
  });
}

/** Codes given literally to an error constructor anywhere in src (the CLI's own USAGE aside). */
function thrownCodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sources(srcRoot)) {
    if (file.includes(`${join('src', 'cli')}`)) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /(?:Error|AccessError|NodeError|LedgerError|ChainError)\(\s*'([A-Z][A-Z0-9_]+)'/g,
    )) {
      found.set(match[1]!, file);
    }
  }
  return found;
}

describe('the error catalogue', () => {
  it('finds the codes it checks', () => {
    const codes = thrownCodes();
    expect(codes.has('FACTS_INCONSISTENT')).toBe(true);
    expect(codes.has('PEER_REPLAYED')).toBe(true);
  });

  it('declares a status for every code the source throws', () => {
    const missing = [...thrownCodes()].filter(([code]) => errorCatalogue[code] === undefined);
    expect(missing).toEqual([]);
  });

  it('answers conflicts 409 and invalid input 422, with the details', () => {
    expect(errorCatalogue.ENTRY_EQUIVOCATION).toBe(409);
    expect(errorCatalogue.INVOICE_EXISTS).toBe(409);
    expect(errorCatalogue.PEER_REPLAYED).toBe(409);
    expect(errorCatalogue.FACT_INVALID).toBe(422);
    expect(errorCatalogue.ENTRY_BAD_SIGNATURE).toBe(422);
    const invalid = toHttpError(
      new ValidationError('FACT_INVALID', [{ path: 'at', rule: 'expected a time' }]),
    );
    expect(invalid).toEqual({
      status: 422,
      body: {
        code: 'FACT_INVALID',
        message: 'at: expected a time',
        details: [{ path: 'at', rule: 'expected a time' }],
      },
    });
    const refused = toHttpError(
      new NodeError('PEER_KEY_MISMATCH', 'not the key', { details: { party: 'x' } }),
    );
    expect(refused).toEqual({
      status: 422,
      body: { code: 'PEER_KEY_MISMATCH', message: 'not the key', details: { party: 'x' } },
    });
  });

  it('never answers 500 for a refusal, even with a code nobody catalogued', () => {
    expect(toHttpError(new BilateralError('SOMETHING_NEW', 'x')).status).toBeLessThan(500);
    expect(toHttpError(new Error('boom')).status).toBe(500);
  });
});
