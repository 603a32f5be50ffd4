import { describe, expect, it } from 'vitest';
import { createEntry, hashEntry, signEntry } from './entry.ts';
import { LedgerError } from './errors.ts';
import {
  buyerKeys,
  ctx,
  genesis,
  legacyOf,
  legacySign,
  malloryKeys,
  sellerKeys,
  writer,
} from './fixtures.ts';
import { streamContext } from './genesis.ts';
import { sha256Hex } from './hash.ts';
import { signIn } from './signing.ts';
import type { SignedEntry } from './types.ts';
import { checkBody, checkSignedEntry, checkSignedEntryHashed } from './verify.ts';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return (error as LedgerError).code;
  }
};
const detailsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as LedgerError).details;
  }
  throw new Error('did not throw');
};

const good = (): SignedEntry => writer('seller-co', sellerKeys).next({ usage: '12.5' });
interface Wire {
  entry: Record<string, unknown>;
  key: string;
  sig: string;
  [field: string]: unknown;
}
const wire = (signed: SignedEntry): Wire => JSON.parse(JSON.stringify(signed));

describe('checkSignedEntry', () => {
  it('accepts a good entry and returns a deeply frozen copy', () => {
    const input = wire(good());
    const checked = checkSignedEntry(ctx, input);
    expect(checked).toEqual(input);
    expect(checked).not.toBe(input);
    expect(Object.isFrozen(checked.entry.body)).toBe(true);
    expect(Object.isFrozen(checked.entry)).toBe(true);
  });

  const malformed: [string, (s: Wire) => unknown, string][] = [
    ['not an object', () => 'x', '(input)'],
    ['missing sig', ({ sig: _, ...rest }) => rest, 'sig'],
    ['extra field', (s) => ({ ...s, note: 1 }), 'note'],
    ['extra entry field', (s) => ({ ...s, entry: { ...s.entry, x: 1 } }), 'entry.x'],
    ['missing entry field', (s) => ({ ...s, entry: { ...s.entry, kind: undefined } }), 'entry.kind'],
    ['seq 0', (s) => ({ ...s, entry: { ...s.entry, seq: 0 } }), 'entry.seq'],
    ['seq 1.5', (s) => ({ ...s, entry: { ...s.entry, seq: 1.5 } }), 'entry.seq'],
    ['seq as string', (s) => ({ ...s, entry: { ...s.entry, seq: '1' } }), 'entry.seq'],
    ['seq unsafe', (s) => ({ ...s, entry: { ...s.entry, seq: 2 ** 53 } }), 'entry.seq'],
    [
      'uppercase prev',
      (s) => ({ ...s, entry: { ...s.entry, prev: String(s.entry.prev).toUpperCase() } }),
      'entry.prev',
    ],
    ['bad bilateral', (s) => ({ ...s, entry: { ...s.entry, bilateral: 'abc' } }), 'entry.bilateral'],
    ['empty author', (s) => ({ ...s, entry: { ...s.entry, author: '' } }), 'entry.author'],
    [
      'seen seq 0',
      (s) => ({ ...s, entry: { ...s.entry, seen: { seq: 0, hash: s.entry.prev } } }),
      'entry.seen.seq',
    ],
    [
      'seen bad hash',
      (s) => ({ ...s, entry: { ...s.entry, seen: { seq: 1, hash: 'x' } } }),
      'entry.seen.hash',
    ],
    [
      'seen extra',
      (s) => ({ ...s, entry: { ...s.entry, seen: { seq: 1, hash: s.entry.prev, at: 1 } } }),
      'entry.seen.at',
    ],
    [
      'local time',
      (s) => ({ ...s, entry: { ...s.entry, recordedAt: '2024-01-01T00:00:00.000+01:00' } }),
      'entry.recordedAt',
    ],
    [
      'no millis',
      (s) => ({ ...s, entry: { ...s.entry, recordedAt: '2024-01-01T00:00:00Z' } }),
      'entry.recordedAt',
    ],
    [
      'Feb 30',
      (s) => ({ ...s, entry: { ...s.entry, recordedAt: '2024-02-30T00:00:00.000Z' } }),
      'entry.recordedAt',
    ],
    [
      'body NaN',
      (s) => ({ ...s, entry: { ...s.entry, body: { usage: [Number.NaN] } } }),
      'entry.body.usage[0]',
    ],
    ['short key', (s) => ({ ...s, key: s.key.slice(1) }), 'key'],
    ['padded sig', (s) => ({ ...s, sig: `${s.sig}==` }), 'sig'],
  ];
  it.each(malformed)('ENTRY_MALFORMED: %s names the field', (_, mutate, field) => {
    const run = () => checkSignedEntry(ctx, mutate(wire(good())));
    expect(codeOf(run)).toBe('ENTRY_MALFORMED');
    expect(detailsOf(run).field).toBe(field);
  });

  it('ENTRY_WRONG_BILATERAL', () => {
    expect(codeOf(() => checkSignedEntry({ ...ctx, bilateral: sha256Hex('other') }, good()))).toBe(
      'ENTRY_WRONG_BILATERAL',
    );
  });

  it('ENTRY_UNKNOWN_AUTHOR', () => {
    const signed = writer('mallory', malloryKeys).next();
    expect(codeOf(() => checkSignedEntry(ctx, signed))).toBe('ENTRY_UNKNOWN_AUTHOR');
  });

  it('ENTRY_WRONG_KEY: a party entry signed by another key', () => {
    const byMallory = signEntry(good().entry, malloryKeys);
    expect(codeOf(() => checkSignedEntry(ctx, byMallory))).toBe('ENTRY_WRONG_KEY');
    const byBuyer = signEntry(good().entry, buyerKeys);
    expect(codeOf(() => checkSignedEntry(ctx, byBuyer))).toBe('ENTRY_WRONG_KEY');
  });

  it('ENTRY_BAD_SIGNATURE: tampered body, tampered field, or a signature from the right key over other bytes', () => {
    const signed = wire(good());
    expect(
      codeOf(() => checkSignedEntry(ctx, { ...signed, entry: { ...signed.entry, body: { usage: '13' } } })),
    ).toBe('ENTRY_BAD_SIGNATURE');
    expect(
      codeOf(() => checkSignedEntry(ctx, { ...signed, entry: { ...signed.entry, kind: 'invoice' } })),
    ).toBe('ENTRY_BAD_SIGNATURE');
    const other = writer('seller-co', sellerKeys).next({ usage: '99' });
    expect(codeOf(() => checkSignedEntry(ctx, { ...signed, sig: other.sig }))).toBe('ENTRY_BAD_SIGNATURE');
  });

  it('legacy signatures: accepted on a legacy bilateral only; other domains never', () => {
    const old = streamContext(legacyOf(genesis));
    const entry = createEntry({
      bilateral: old.bilateral,
      author: 'seller-co',
      head: undefined,
      seen: null,
      kind: 'fact',
      body: { n: 1 },
      recordedAt: '2024-01-01T00:00:00.000Z',
    });
    const bare = { entry, key: sellerKeys.publicKey, sig: legacySign(entry, sellerKeys) };
    expect(checkSignedEntry(old, bare)).toEqual(bare);
    expect(checkSignedEntry(old, signEntry(entry, sellerKeys)).sig).toMatch(/^sb2\./);
    // The same bare signature where the context refuses legacy: a new bilateral, or a hand-built context.
    const strict = { bilateral: old.bilateral, parties: old.parties };
    expect(codeOf(() => checkSignedEntry(strict, bare))).toBe('ENTRY_BAD_SIGNATURE');
    expect(codeOf(() => checkSignedEntry({ ...old, legacySignatures: false }, bare))).toBe(
      'ENTRY_BAD_SIGNATURE',
    );
    const fresh = good();
    expect(codeOf(() => checkSignedEntry(ctx, { ...fresh, sig: legacySign(fresh.entry, sellerKeys) }))).toBe(
      'ENTRY_BAD_SIGNATURE',
    );
    // A signature of the same bytes in another domain is no entry signature, even on a legacy bilateral.
    expect(
      codeOf(() => checkSignedEntry(old, { ...bare, sig: signIn('checkpoint', entry, sellerKeys) })),
    ).toBe('ENTRY_BAD_SIGNATURE');
  });

  it('checks in order: a wrong bilateral is reported before a bad signature', () => {
    const signed = wire(good());
    const tampered = { ...signed, entry: { ...signed.entry, bilateral: sha256Hex('x') } };
    expect(codeOf(() => checkSignedEntry(ctx, tampered))).toBe('ENTRY_WRONG_BILATERAL');
  });
});

describe('checkBody', () => {
  const validators = {
    fact: (body: unknown) => {
      if (typeof body !== 'object' || body === null || !('usage' in body)) throw new Error('usage: required');
    },
  };

  it('passes a valid body', () => {
    expect(() => checkBody(good().entry, validators)).not.toThrow();
  });

  it('ENTRY_MALFORMED_BODY: validator throws, with its message and cause', () => {
    const entry = writer('seller-co', sellerKeys).next({ other: 1 }).entry;
    try {
      checkBody(entry, validators);
      expect.unreachable();
    } catch (error) {
      expect((error as LedgerError).code).toBe('ENTRY_MALFORMED_BODY');
      expect((error as LedgerError).message).toContain('usage: required');
      expect((error as LedgerError).cause).toBeInstanceOf(Error);
    }
  });

  it('ENTRY_MALFORMED_BODY: unknown kind, including Object.prototype names', () => {
    const base = good().entry;
    expect(codeOf(() => checkBody({ ...base, kind: 'invoice.issued' }, validators))).toBe(
      'ENTRY_MALFORMED_BODY',
    );
    expect(codeOf(() => checkBody({ ...base, kind: 'constructor' }, validators))).toBe(
      'ENTRY_MALFORMED_BODY',
    );
  });

  it('createEntry output is accepted end to end', () => {
    const entry = createEntry({
      bilateral: ctx.bilateral,
      author: 'buyer-co',
      head: undefined,
      seen: null,
      kind: 'fact',
      body: { usage: '1' },
      recordedAt: '2024-03-01T10:00:00.123Z',
    });
    const checked = checkSignedEntry(ctx, signEntry(entry, buyerKeys));
    expect(() => checkBody(checked.entry, validators)).not.toThrow();
  });
});

describe('checkSignedEntryHashed', () => {
  it('gives the hash of the entry it checked', () => {
    const signed = good();
    const { signed: checked, hash } = checkSignedEntryHashed(ctx, signed);
    expect(checked).toEqual(signed);
    expect(hash).toBe(hashEntry(signed.entry));
  });
});
