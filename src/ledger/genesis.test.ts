import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical.ts';
import {
  buyerKeys,
  genesis,
  legacyOf,
  legacySign,
  malloryKeys,
  sellerKeys,
  terms,
  thrown,
} from './fixtures.ts';
import {
  agreementMessage,
  bilateralId,
  createAgreement,
  createGenesis,
  legacySigningOf,
  signAgreement,
  streamContext,
  verifyAgreement,
  verifyAgreementSignature,
} from './genesis.ts';
import { hashJson } from './hash.ts';
import type { Agreement } from './types.ts';

const agreement = (): Agreement => {
  const id = bilateralId(genesis);
  return createAgreement(genesis, {
    seller: signAgreement(id, sellerKeys),
    buyer: signAgreement(id, buyerKeys),
  });
};

describe('genesis', () => {
  it('hashes the terms, copies and freezes them; the id is hashJson(genesis)', () => {
    expect(genesis.termsHash).toBe(hashJson(terms));
    expect(genesis.terms).not.toBe(terms);
    expect(Object.isFrozen(genesis.seller)).toBe(true);
    expect(bilateralId(genesis)).toBe(hashJson(genesis));
    expect(streamContext(genesis)).toEqual({
      bilateral: bilateralId(genesis),
      parties: [genesis.seller, genesis.buyer],
      legacySignatures: false,
    });
  });

  it('a new genesis carries signing: 2, which the id covers; one without it is legacy', () => {
    expect(genesis.signing).toBe(2);
    expect(legacySigningOf(genesis)).toBe(false);
    const legacy = legacyOf(genesis);
    expect(legacySigningOf(legacy)).toBe(true);
    expect(bilateralId(legacy)).not.toBe(bilateralId(genesis));
    expect(streamContext(legacy).legacySignatures).toBe(true);
  });

  it('GENESIS_INVALID: malformed party, same id, same key', () => {
    const seller = { id: 's', key: sellerKeys.publicKey };
    expect(
      thrown(() => createGenesis(terms, { id: '', key: sellerKeys.publicKey }, seller)).details.field,
    ).toBe('seller.id');
    expect(thrown(() => createGenesis(terms, seller, { id: 'b', key: 'nope' })).details.field).toBe(
      'buyer.key',
    );
    expect(thrown(() => createGenesis(terms, seller, { id: 's', key: buyerKeys.publicKey })).code).toBe(
      'GENESIS_INVALID',
    );
    expect(thrown(() => createGenesis(terms, seller, { id: 'b', key: sellerKeys.publicKey })).code).toBe(
      'GENESIS_INVALID',
    );
  });

  it('signs the canonical bytes of { agree: id }', () => {
    const id = bilateralId(genesis);
    expect(new TextDecoder().decode(agreementMessage(id))).toBe(canonicalize({ agree: id }));
  });
});

describe('verifyAgreement', () => {
  it('accepts an agreement signed by both parties, also after a JSON round trip', () => {
    expect(() => verifyAgreement(agreement())).not.toThrow();
    expect(() => verifyAgreement(JSON.parse(JSON.stringify(agreement())))).not.toThrow();
  });

  it('AGREEMENT_BAD_ID: id is not the genesis hash (terms changed after signing)', () => {
    const a = agreement();
    const changedTerms = { ...(a.genesis.terms as object), rate: '0.0100' };
    const forged = {
      ...a,
      genesis: { ...a.genesis, terms: changedTerms, termsHash: hashJson(changedTerms) },
    };
    expect(thrown(() => verifyAgreement(forged)).code).toBe('AGREEMENT_BAD_ID');
    expect(thrown(() => verifyAgreement({ ...a, id: hashJson('x') })).code).toBe('AGREEMENT_BAD_ID');
  });

  it('AGREEMENT_BAD_SIGNATURE: a missing, foreign or swapped signature', () => {
    const a = agreement();
    const id = a.id;
    const bad = (sigs: { seller: string; buyer: string }) => thrown(() => verifyAgreement({ ...a, sigs }));
    expect(bad({ ...a.sigs, buyer: signAgreement(id, malloryKeys) }).details).toMatchObject({
      role: 'buyer',
    });
    expect(bad({ seller: a.sigs.buyer, buyer: a.sigs.seller }).code).toBe('AGREEMENT_BAD_SIGNATURE');
    expect(bad({ ...a.sigs, seller: '' }).code).toBe('AGREEMENT_BAD_SIGNATURE');
  });

  it('legacy agreement signatures verify on a legacy genesis only', () => {
    const legacy = legacyOf(genesis);
    const oldId = bilateralId(legacy);
    const oldSigs = {
      seller: legacySign({ agree: oldId }, sellerKeys),
      buyer: legacySign({ agree: oldId }, buyerKeys),
    };
    expect(() => verifyAgreement(createAgreement(legacy, oldSigs))).not.toThrow();
    // Both forms on a legacy bilateral: one party signed before the change, one after.
    const mixed = { ...oldSigs, buyer: signAgreement(oldId, buyerKeys) };
    expect(() => verifyAgreement(createAgreement(legacy, mixed))).not.toThrow();
    // The same legacy signatures over a signing: 2 genesis (same id) are refused.
    const id = bilateralId(genesis);
    const refused = {
      seller: legacySign({ agree: id }, sellerKeys),
      buyer: legacySign({ agree: id }, buyerKeys),
    };
    expect(thrown(() => verifyAgreement(createAgreement(genesis, refused))).code).toBe(
      'AGREEMENT_BAD_SIGNATURE',
    );
    expect(verifyAgreementSignature(id, sellerKeys.publicKey, refused.seller, { legacy: false })).toBe(false);
    expect(verifyAgreementSignature(id, sellerKeys.publicKey, refused.seller, { legacy: true })).toBe(true);
  });

  it('AGREEMENT_MALFORMED: wrong termsHash, schema, extra field, bad party', () => {
    const a = agreement();
    const g = a.genesis;
    const malformed = (genesis: unknown) =>
      thrown(() => verifyAgreement({ ...a, genesis } as unknown as Agreement)).details.field;
    expect(malformed({ ...g, termsHash: hashJson('other') })).toBe('genesis.termsHash');
    expect(malformed({ ...g, schema: 'v2' })).toBe('genesis.schema');
    expect(malformed({ ...g, note: 'x' })).toBe('genesis.note');
    expect(malformed({ ...g, signing: 3 })).toBe('genesis.signing');
    expect(malformed({ ...g, buyer: { id: 'b' } })).toBe('genesis.buyer');
    expect(malformed(null)).toBe('genesis');
  });
});
