import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTerms } from '../core/index.ts';
import { generateKeyPair, type JsonValue, signAndHashEntry } from '../ledger/index.ts';
import { FACTS_PER_ENTRY, factsOf } from './facts.ts';
import { bodyValidators, entryKindSpecs, entryKinds } from './registry.ts';

const example = join(import.meta.dirname, '..', '..', 'examples', 'dia-acme-globex');
const terms = parseTerms(JSON.parse(readFileSync(join(example, 'terms.json'), 'utf8')));
const facts = readFileSync(join(example, 'facts.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as JsonValue);

describe('the facts entry body', () => {
  const check = bodyValidators(terms, terms.seller.id).facts!;

  it('takes 1 to FACTS_PER_ENTRY valid facts and nothing else', () => {
    expect(() => check({ facts })).not.toThrow();
    expect(() => check({ facts: [] })).toThrow(/an array of 1 to 1000 facts/);
    expect(() => check({ facts: Array(FACTS_PER_ENTRY + 1).fill(facts[0]!) })).toThrow(/1 to 1000/);
    expect(() => check({ facts: facts.slice(0, 1), note: 'x' })).toThrow(/holds only `facts`/);
    expect(() => check([facts[0]!])).toThrow(/expected an object/);
  });

  it('names the fact that is wrong by its index', () => {
    const bad = [facts[0]!, { type: 'outage', service: 'S1', from: 'nope' }];
    expect(() => check({ facts: bad })).toThrow(/^facts\[1\]: .*from/);
  });
});

const keys = generateKeyPair();

/** A signed entry of `author` at `seq` (no stream checks: factsOf reads kinds and bodies only). */
function held(bilateral: string, author: string, seq: number, prev: string, body: JsonValue, kind = 'fact') {
  const entry = {
    bilateral,
    author,
    seq,
    prev,
    seen: null,
    kind,
    body,
    recordedAt: '2026-01-01T00:00:00.000Z',
  };
  return signAndHashEntry(entry, keys);
}

describe('the registry', () => {
  it('lists each kind once, and every kind it names has a description', () => {
    expect(entryKindSpecs.map((s) => s.kind)).toEqual([...entryKinds]);
  });

  it('refuses a kind from the party its description does not allow', () => {
    const invoice = { period: '2026-01', invoice: {}, invoiceHash: 'x', basis: {} };
    expect(() => bodyValidators(terms, terms.buyer.id)['invoice.issued']?.(invoice)).toThrow(
      /invoice.issued may be written only by the seller acme-fiber/,
    );
    const answer = {
      period: '2026-01',
      invoiceHash: 'a'.repeat(64),
      invoice: { author: 'a', seq: 1, hash: 'h' },
    };
    expect(() => bodyValidators(terms, terms.seller.id)['invoice.accepted']?.(answer)).toThrow(
      /only by the buyer/,
    );
    expect(() => bodyValidators(terms, terms.buyer.id)['invoice.accepted']?.(answer)).not.toThrow();
  });
});

describe('factsOf', () => {
  const id = 'b'.repeat(64);
  const one = held(id, 'acme-fiber', 1, id, facts[0]!);
  const manyEntry = held(id, 'acme-fiber', 2, one.hash, { facts: facts.slice(1, 4) }, 'facts');

  it('lists a fact entry as author/seq and each fact of a facts entry as author/seq#i, in order', () => {
    expect(factsOf([one, manyEntry]).map((f) => [f.ref, f.fact])).toEqual([
      ['acme-fiber/1', facts[0]],
      ['acme-fiber/2#0', facts[1]],
      ['acme-fiber/2#1', facts[2]],
      ['acme-fiber/2#2', facts[3]],
    ]);
  });

  it('stops at the basis head', () => {
    const basis = { 'acme-fiber': { seq: 1, hash: one.hash } };
    expect(factsOf([one, manyEntry], basis).map((f) => f.ref)).toEqual(['acme-fiber/1']);
  });
});
