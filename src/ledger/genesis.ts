/**
 * The genesis of a bilateral: the accepted terms and both parties' keys. Its
 * hash is the bilateral id, which every entry names and every stream starts
 * from (`prev` of seq 1), so a stream cannot be replayed into another
 * bilateral or detached from the terms it was written under.
 *
 * Design rationale — what an agreement signature covers: each party signs
 * `canonicalBytes({ "agree": id })`, not the bare id. The one-key object
 * `{agree}` can never be mistaken for an entry or a checkpoint (whose
 * canonical forms have other keys), so a signature made for one purpose
 * cannot be replayed as another. Since signing version 2 the signature is
 * also domain-separated (`signing.ts`, domain `agreement`).
 *
 * Design rationale — legacy signatures are a property of the bilateral. A
 * genesis written by `createGenesis` now carries `signing: 2`; the bilateral
 * id covers it, so it cannot be removed without changing the id that both
 * parties signed. A genesis without it predates domain separation: its
 * agreement, entries and checkpoints may carry legacy (bare) signatures.
 * With it, only `sb2.` signatures verify. `legacySigningOf` is the one place
 * that decides.
 */
import { canonicalBytes, canonicalize } from './canonical.ts';
import { LedgerError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import { hashJson, isHash } from './hash.ts';
import { isPublicKey, type KeyPair } from './keys.ts';
import { signIn, verifyIn } from './signing.ts';
import type { Agreement, Genesis, Hash, JsonValue, PartyKey, StreamContext } from './types.ts';

export const GENESIS_SCHEMA = 'smart-bilateral/genesis@1';
/** The `signing` version a new genesis carries: only domain-separated (`sb2.`) signatures. */
export const SIGNING_VERSION = 2;
const GENESIS_FIELDS: readonly string[] = ['schema', 'terms', 'termsHash', 'seller', 'buyer', 'signing'];

/**
 * The genesis of a bilateral between `seller` and `buyer` under `terms`
 * (deeply frozen copy; `termsHash = hashJson(terms)`), with `signing: 2`.
 * Throws `GENESIS_INVALID` on a malformed party, or equal ids or keys.
 */
export function createGenesis(terms: JsonValue, seller: PartyKey, buyer: PartyKey): Genesis {
  for (const [role, party] of [
    ['seller', seller],
    ['buyer', buyer],
  ] as const) {
    const issue = partyIssue(party);
    if (issue !== undefined) {
      const field = issue.field === '' ? role : `${role}.${issue.field}`;
      throw new LedgerError('GENESIS_INVALID', `${field}: ${issue.rule}`, {
        details: { field, rule: issue.rule },
      });
    }
  }
  if (seller.id === buyer.id || seller.key === buyer.key) {
    throw new LedgerError('GENESIS_INVALID', 'seller and buyer must have different ids and keys', {
      details: { seller: seller.id, buyer: buyer.id },
    });
  }
  const copy = JSON.parse(canonicalize(terms)) as JsonValue;
  return deepFreeze({
    schema: GENESIS_SCHEMA,
    terms: copy,
    termsHash: hashJson(copy),
    seller: { id: seller.id, key: seller.key },
    buyer: { id: buyer.id, key: buyer.key },
    signing: SIGNING_VERSION,
  });
}

/**
 * True when `genesis` predates domain-separated signatures (it has no
 * `signing` field), so its bilateral's records may carry legacy signatures.
 */
export function legacySigningOf(genesis: Genesis): boolean {
  return !Object.hasOwn(genesis, 'signing');
}

/** The bilateral id: `hashJson(genesis)`. */
export function bilateralId(genesis: Genesis): Hash {
  return hashJson(genesis);
}

/** The stream context of a bilateral: its id, both parties (seller first) and its signing rule. */
export function streamContext(genesis: Genesis): StreamContext {
  return Object.freeze({
    bilateral: bilateralId(genesis),
    parties: Object.freeze([genesis.seller, genesis.buyer]),
    legacySignatures: legacySigningOf(genesis),
  });
}

/** The payload a party signs (domain `agreement`) to agree to bilateral `id`: `canonicalBytes({ agree: id })`. */
export function agreementMessage(id: Hash): Uint8Array {
  return canonicalBytes({ agree: id });
}

/** A party's signature agreeing to bilateral `id` (`sb2.`, domain `agreement`). */
export function signAgreement(id: Hash, keys: KeyPair): string {
  return signIn('agreement', agreementMessage(id), keys);
}

/**
 * True when `sig` is `key`'s agreement to bilateral `id`; a legacy signature
 * only with `legacy` (see `legacySigningOf`).
 */
export function verifyAgreementSignature(
  id: Hash,
  key: string,
  sig: unknown,
  options: { readonly legacy: boolean },
): boolean {
  return typeof sig === 'string' && verifyIn('agreement', key, agreementMessage(id), sig, options);
}

/** The agreement of `genesis` from both parties' signatures. */
export function createAgreement(genesis: Genesis, sigs: { seller: string; buyer: string }): Agreement {
  return deepFreeze({ genesis, id: bilateralId(genesis), sigs: { seller: sigs.seller, buyer: sigs.buyer } });
}

/**
 * Throws unless `agreement` is a well-formed genesis (`AGREEMENT_MALFORMED`,
 * including a wrong `termsHash`), `id` is its hash (`AGREEMENT_BAD_ID`) and
 * both parties signed that id with their genesis keys (`AGREEMENT_BAD_SIGNATURE`;
 * legacy signatures only for a genesis without `signing`).
 */
export function verifyAgreement(agreement: Agreement): void {
  if (!isRecord(agreement)) malformed('agreement', 'expected an object');
  const { genesis, id, sigs } = agreement;
  if (!isRecord(genesis)) malformed('genesis', 'expected an object');
  const extra = Object.keys(genesis).find((k) => !GENESIS_FIELDS.includes(k));
  if (extra !== undefined) malformed(`genesis.${extra}`, 'unexpected field');
  if (genesis.schema !== GENESIS_SCHEMA) malformed('genesis.schema', `expected ${GENESIS_SCHEMA}`);
  if (Object.hasOwn(genesis, 'signing') && genesis.signing !== SIGNING_VERSION) {
    malformed('genesis.signing', `expected ${SIGNING_VERSION} or no field (legacy)`);
  }
  for (const role of ['seller', 'buyer'] as const) {
    const issue = partyIssue(genesis[role]);
    if (issue !== undefined)
      malformed(`genesis.${role}${issue.field === '' ? '' : '.'}${issue.field}`, issue.rule);
  }
  let termsHash: Hash;
  try {
    termsHash = hashJson(genesis.terms);
  } catch (cause) {
    malformed('genesis.terms', cause instanceof Error ? cause.message : 'not JSON');
  }
  if (genesis.termsHash !== termsHash) malformed('genesis.termsHash', 'is not the hash of the terms');
  if (!isHash(id)) malformed('id', 'expected a lowercase hex SHA-256');
  const expected = bilateralId(genesis);
  if (id !== expected) {
    throw new LedgerError('AGREEMENT_BAD_ID', 'id is not the hash of the genesis', {
      details: { expected, actual: id },
    });
  }
  if (!isRecord(sigs)) malformed('sigs', 'expected an object');
  const legacy = legacySigningOf(genesis);
  for (const role of ['seller', 'buyer'] as const) {
    if (!verifyAgreementSignature(id, genesis[role].key, sigs[role], { legacy })) {
      throw new LedgerError('AGREEMENT_BAD_SIGNATURE', `${role} signature does not verify`, {
        details: { role, party: genesis[role].id },
      });
    }
  }
}

function partyIssue(party: unknown): { field: '' | 'id' | 'key'; rule: string } | undefined {
  if (!isRecord(party)) return { field: '', rule: 'expected an object' };
  const keys = Object.keys(party);
  if (keys.length !== 2 || !keys.includes('id') || !keys.includes('key')) {
    return { field: '', rule: 'expected exactly id and key' };
  }
  if (typeof party.id !== 'string' || party.id.length === 0)
    return { field: 'id', rule: 'expected a non-empty string' };
  if (!isPublicKey(party.key)) return { field: 'key', rule: 'expected base64url of 32 bytes' };
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> & object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(field: string, rule: string): never {
  throw new LedgerError('AGREEMENT_MALFORMED', `${field}: ${rule}`, { details: { field, rule } });
}
