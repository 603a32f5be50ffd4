import { describe, expect, it } from 'vitest';
import { createEntry, signEntry } from './entry.ts';
import { buyerKeys, ctx, malloryKeys, seed, sellerKeys, thrown, writer } from './fixtures.ts';
import { signKeyRotation } from './key-rotation.ts';
import { checkKeyRotationBody, KEY_ROTATION_KIND, KeySchedule } from './key-schedule.ts';
import { type KeyPair, keyPairFromSeed } from './keys.ts';
import { verifyStream } from './stream.ts';
import type { JsonValue, SignedEntry } from './types.ts';
import { checkSignedEntry } from './verify.ts';

const second = keyPairFromSeed(seed(21));
const third = keyPairFromSeed(seed(22));

/** The body of a rotation of `party` from `from` to `to`, signed by `from`. */
function rotationBody(party: string, from: KeyPair, to: KeyPair): JsonValue {
  const statement = { party, oldKey: from.publicKey, newKey: to.publicKey };
  return { ...statement, sig: signKeyRotation(statement, from) };
}

/**
 * The seller writes #1, rotates to `second` at #2 (signed by the genesis key),
 * writes #3 with `second`, rotates to `third` at #4 (signed by `second`) and
 * writes #5 with `third`; the buyer writes #1.
 */
function rotatingStreams(): SignedEntry[] {
  const seller = writer('seller-co', sellerKeys);
  const buyer = writer('buyer-co', buyerKeys);
  const s1 = seller.next();
  const s2 = seller.next(rotationBody('seller-co', sellerKeys, second), null, KEY_ROTATION_KIND);
  const s3 = resign(seller.next(), second);
  const s4 = resign(seller.next(rotationBody('seller-co', second, third), null, KEY_ROTATION_KIND), second);
  const s5 = resign(seller.next(), third);
  const b1 = buyer.next();
  return [s1, s2, s3, s4, s5, b1];
}

/** `signed`'s entry signed again with `keys` (the writer fixture signs with the genesis key). */
function resign(signed: SignedEntry, keys: KeyPair): SignedEntry {
  return signEntry(signed.entry, keys);
}

describe('KeySchedule', () => {
  it('follows two rotations: the old key signs the rotation, the new one from the next seq', () => {
    const entries = rotatingStreams();
    const schedule = KeySchedule.fromEntries(ctx, entries);
    const keyAt = (seq: number) => schedule.keyFor('seller-co', seq);
    expect([1, 2, 3, 4, 5, 6].map(keyAt)).toEqual([
      sellerKeys.publicKey,
      sellerKeys.publicKey,
      second.publicKey,
      second.publicKey,
      third.publicKey,
      third.publicKey,
    ]);
    expect(schedule.current('seller-co')).toBe(third.publicKey);
    expect(schedule.current('buyer-co')).toBe(buyerKeys.publicKey);
    expect(schedule.keyFor('mallory', 1)).toBeUndefined();
    expect(schedule.current('mallory')).toBeUndefined();
    // A checkpoint is co-signed with the key current after each head.
    expect(schedule.keysAt({ 'seller-co': { seq: 3 } })).toEqual([
      { id: 'seller-co', key: second.publicKey },
      { id: 'buyer-co', key: buyerKeys.publicKey },
    ]);
    expect(schedule.keysAt({ 'seller-co': { seq: 4 }, 'buyer-co': { seq: 1 } })[0]!.key).toBe(
      third.publicKey,
    );
    expect(schedule.keysAt({ 'seller-co': { seq: 1 } })[0]!.key).toBe(sellerKeys.publicKey);
    // Any order in: applied per author in seq order.
    expect(KeySchedule.fromEntries(ctx, [...entries].reverse()).current('seller-co')).toBe(third.publicKey);
  });

  it('ignores other kinds and starts from the genesis keys', () => {
    const schedule = new KeySchedule(ctx.parties);
    schedule.apply(rotatingStreams()[0]!.entry);
    expect(schedule.keysAt({})).toEqual([...ctx.parties]);
  });

  it('refuses a rotation that does not retire the current key, comes out of order, or reuses a key', () => {
    const [, s2, , s4] = rotatingStreams() as [SignedEntry, SignedEntry, SignedEntry, SignedEntry];
    const skipping = new KeySchedule(ctx.parties);
    const notCurrent = thrown(() => skipping.apply(s4.entry));
    expect(notCurrent.code).toBe('ENTRY_MALFORMED_BODY');
    expect(notCurrent.details.field).toBe('oldKey');
    expect(notCurrent.message).toMatch(/^oldKey: is not seller-co's key at seq 4/);

    const twice = new KeySchedule(ctx.parties);
    twice.apply(s2.entry);
    expect(thrown(() => twice.apply(s2.entry)).details.field).toBe('seq');

    // Back to the genesis key, and onto the counterparty's key.
    const back = signEntry(
      { ...s4.entry, body: rotationBody('seller-co', second, sellerKeys) },
      second,
    ).entry;
    expect(thrown(() => twice.apply(back)).message).toMatch(/^newKey: was already a key of seller-co/);
    const foreign = { ...s4.entry, body: rotationBody('seller-co', second, buyerKeys) };
    expect(thrown(() => twice.apply(foreign)).message).toMatch(/^newKey: was already a key of buyer-co/);
    expect(twice.current('seller-co')).toBe(second.publicKey);

    const stranger = { ...s2.entry, author: 'mallory' };
    expect(thrown(() => new KeySchedule(ctx.parties).apply(stranger)).code).toBe('ENTRY_UNKNOWN_AUTHOR');
  });
});

describe('checkKeyRotationBody', () => {
  const body = rotationBody('seller-co', sellerKeys, second) as Record<string, JsonValue>;

  it('returns the rotation of a valid body', () => {
    expect(checkKeyRotationBody(body, 'seller-co')).toEqual(body);
  });

  it.each([
    ['party', { ...body, party: 'buyer-co' }, 'seller-co', /^party: is buyer-co, but the entry's author/],
    ['party', { ...body, party: 7 }, 'seller-co', /^party: expected a string/],
    ['the author', body, 'buyer-co', /^party: is seller-co, but the entry's author is buyer-co/],
    ['oldKey', { ...body, oldKey: 'x' }, 'seller-co', /^oldKey: expected base64url/],
    ['newKey', { ...body, newKey: 'x' }, 'seller-co', /^newKey: expected base64url/],
    ['newKey', { ...body, newKey: body.oldKey! }, 'seller-co', /^newKey: must differ from oldKey/],
    ['sig', { ...body, sig: 1 }, 'seller-co', /^sig: expected a string/],
    ['sig', { ...body, newKey: malloryKeys.publicKey }, 'seller-co', /^sig: is not oldKey's/],
    ['an extra field', { ...body, note: 'hi' }, 'seller-co', /^note: unexpected field/],
    ['the body', [body], 'seller-co', /^body: expected \{ party, oldKey, newKey, sig \}/],
  ] as const)('names %s', (_, value, author, message) => {
    const error = thrown(() => checkKeyRotationBody(value as JsonValue, author));
    expect(error.code).toBe('ENTRY_MALFORMED_BODY');
    expect(error.message).toMatch(message);
    expect(error).toBeInstanceOf(Error);
  });

  it('refuses a statement signed by the new key instead of the old one', () => {
    const statement = { party: 'seller-co', oldKey: sellerKeys.publicKey, newKey: second.publicKey };
    const byNew = signKeyRotation(
      { ...statement, oldKey: second.publicKey, newKey: third.publicKey },
      second,
    );
    expect(thrown(() => checkKeyRotationBody({ ...statement, sig: byNew }, 'seller-co')).message).toMatch(
      /^sig: /,
    );
  });
});

describe('verifyStream with key rotations', () => {
  it('verifies a stream with two rotations, and entries before a rotation keep verifying', () => {
    const entries = rotatingStreams();
    const heads = verifyStream(ctx, entries, { skipSeen: true });
    expect(heads['seller-co']?.seq).toBe(5);
    expect(verifyStream(ctx, entries.slice(0, 2))['seller-co']?.seq).toBe(2);
    // Without a schedule, an entry before the rotation still checks with the genesis key.
    expect(checkSignedEntry(ctx, entries[0]).entry.seq).toBe(1);
    const keys = KeySchedule.fromEntries(ctx, entries);
    for (const signed of entries) expect(checkSignedEntry({ ...ctx, keys }, signed)).toEqual(signed);
  });

  it('ENTRY_WRONG_KEY for the old key after its rotation, or the new key before it', () => {
    const entries = rotatingStreams();
    const oldAfter = resign(entries[2]!, sellerKeys);
    const error = thrown(() => verifyStream(ctx, [entries[0]!, entries[1]!, oldAfter]));
    expect(error.code).toBe('ENTRY_WRONG_KEY');
    expect(error.details.index).toBe(2);
    expect(error.details.expected).toBe(second.publicKey);
    expect(error.message).toMatch(/key is not seller-co's key for seq 3 \(it rotated its key\)/);
    // The rotation entry itself signed with the key it introduces.
    const selfSigned = resign(entries[1]!, second);
    expect(thrown(() => verifyStream(ctx, [entries[0]!, selfSigned])).code).toBe('ENTRY_WRONG_KEY');
    // Entry by entry: with the schedule the old key is refused after the rotation; without one, the new key is.
    const keys = KeySchedule.fromEntries(ctx, entries);
    expect(thrown(() => checkSignedEntry({ ...ctx, keys }, oldAfter)).code).toBe('ENTRY_WRONG_KEY');
    expect(thrown(() => checkSignedEntry(ctx, entries[2])).code).toBe('ENTRY_WRONG_KEY');
  });

  it('refuses a rotation whose oldKey is not the current key', () => {
    const seller = writer('seller-co', sellerKeys);
    const s1 = seller.next();
    // Claims to retire `second`, which the seller never had; the entry is signed by the genesis key.
    const statement = { party: 'seller-co', oldKey: second.publicKey, newKey: third.publicKey };
    const body = { ...statement, sig: signKeyRotation(statement, second) };
    const s2 = seller.next(body, null, KEY_ROTATION_KIND);
    const error = thrown(() => verifyStream(ctx, [s1, s2]));
    expect(error.code).toBe('ENTRY_MALFORMED_BODY');
    expect(error.details.index).toBe(1);
    expect(error.details.field).toBe('oldKey');
  });

  it('refuses a rotation naming the counterparty as its party', () => {
    const entry = createEntry({
      bilateral: ctx.bilateral,
      author: 'seller-co',
      head: undefined,
      seen: null,
      kind: KEY_ROTATION_KIND,
      body: rotationBody('buyer-co', buyerKeys, second),
      recordedAt: '2024-01-01T00:00:00.000Z',
    });
    const error = thrown(() => verifyStream(ctx, [signEntry(entry, sellerKeys)]));
    expect(error.code).toBe('ENTRY_MALFORMED_BODY');
    expect(error.details.field).toBe('party');
  });
});
