/**
 * Recomputes every golden vector in `vectors.json`. The file was generated
 * once by `vectors.generate.ts` and cross-checked independently: public keys
 * and signatures with the OpenSSL CLI (and RFC 8032 TEST 1), hashes, canonical
 * text and Merkle roots (the record root too) with a separate Python
 * implementation. The `sb2` section (domain-separated signatures) was checked
 * the same way: each PAE rebuilt in Python from its payload, signed with the
 * OpenSSL CLI (`pkeyutl -sign -rawin`) and compared.
 *
 * `genesis`, `entries` and `checkpoint` are a legacy bilateral: their bare
 * signatures must keep verifying as legacy, and only as legacy.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize } from './canonical.ts';
import { checkpointHash, signCheckpoint, verifyCheckpoint } from './checkpoint.ts';
import { hashEntry, signEntry } from './entry.ts';
import { legacyOf, thrown } from './fixtures.ts';
import {
  bilateralId,
  createAgreement,
  createGenesis,
  legacySigningOf,
  signAgreement,
  streamContext,
  verifyAgreement,
} from './genesis.ts';
import { hashJson, sha256Hex } from './hash.ts';
import { type KeyRotation, signKeyRotation, verifyKeyRotation } from './key-rotation.ts';
import { keyPairFromSeed, sign } from './keys.ts';
import { type MerkleProof, merkleProof, merkleRoot, verifyMerkleProof } from './merkle.ts';
import { type RecordLeaf, type RecordPath, recordPathRoot, recordProof, recordRoot } from './record-root.ts';
import { type SigningDomain, signIn, signingDomains, signingMessage, verifyIn } from './signing.ts';
import type { Checkpoint, Genesis, JsonValue, SignedEntry } from './types.ts';
import { checkSignedEntry } from './verify.ts';

interface Vectors {
  keys: { seed: string; publicKey: string }[];
  sha256: { text: string; hash: string }[];
  signatures: { seed: string; message: string; sig: string }[];
  canonical: { value: JsonValue; canonical: string; hash: string }[];
  genesis: { genesis: Genesis; id: string; sigs: { seller: string; buyer: string } };
  entries: { signed: SignedEntry; canonical: string; hash: string }[];
  checkpoint: { checkpoint: Checkpoint; canonical: string; hash: string; sigs: Record<string, string> };
  merkle: { leaves: string[]; root: string }[];
  merkleProofs: { root: string; proof: MerkleProof }[];
  recordRoot: {
    leaves: RecordLeaf[];
    root: string;
    paths: { author: string; seq: number; path: RecordPath }[];
  };
  sb2: {
    domains: { domain: SigningDomain; seed: string; payload: string; message: string; sig: string }[];
    genesis: { genesis: Genesis; id: string; sigs: { seller: string; buyer: string } };
    entries: { signed: SignedEntry; hash: string }[];
    checkpoint: { checkpoint: Checkpoint; hash: string; sigs: Record<string, string> };
    keyRotation: { statement: KeyRotation; sig: string };
  };
}

const vectors = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8')) as Vectors;
const keysOf = (seed: string) => keyPairFromSeed(Buffer.from(seed, 'hex'));
const seller = keysOf(vectors.keys[2]!.seed);
const buyer = keysOf(vectors.keys[3]!.seed);
const legacySign = (payload: unknown, keys: typeof seller) => sign(keys.privateKey, canonicalBytes(payload));

describe('golden vectors', () => {
  it('RFC 8032 TEST 1 is the first key and signature', () => {
    expect(Buffer.from(vectors.keys[0]!.publicKey, 'base64url').toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
    expect(Buffer.from(vectors.signatures[0]!.sig, 'base64url').toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });

  it('keys', () => {
    for (const { seed, publicKey } of vectors.keys) expect(keysOf(seed).publicKey).toBe(publicKey);
  });

  it('sha256', () => {
    for (const { text, hash } of vectors.sha256) expect(sha256Hex(text)).toBe(hash);
  });

  it('signatures', () => {
    for (const { seed, message, sig } of vectors.signatures) {
      expect(sign(keysOf(seed).privateKey, new TextEncoder().encode(message))).toBe(sig);
    }
  });

  it('canonical text and hashes', () => {
    for (const { value, canonical, hash } of vectors.canonical) {
      expect(canonicalize(value)).toBe(canonical);
      expect(hashJson(value)).toBe(hash);
    }
  });

  it('legacy genesis, bilateral id and agreement signatures', () => {
    const { genesis, id, sigs } = vectors.genesis;
    expect(legacySigningOf(genesis)).toBe(true);
    expect(legacyOf(createGenesis(genesis.terms, genesis.seller, genesis.buyer))).toEqual(genesis);
    expect(bilateralId(genesis)).toBe(id);
    expect(legacySign({ agree: id }, seller)).toBe(sigs.seller);
    expect(legacySign({ agree: id }, buyer)).toBe(sigs.buyer);
    expect(() => verifyAgreement({ genesis, id, sigs })).not.toThrow();
    // The same signatures on the genesis made signing: 2 (and its new id) are refused.
    const strict = { ...genesis, signing: 2 as const };
    const refused = createAgreement(strict, {
      seller: legacySign({ agree: bilateralId(strict) }, seller),
      buyer: legacySign({ agree: bilateralId(strict) }, buyer),
    });
    expect(thrown(() => verifyAgreement(refused)).code).toBe('AGREEMENT_BAD_SIGNATURE');
  });

  it('legacy entries: canonical text, hash, signature; they verify as legacy only', () => {
    const ctx = streamContext(vectors.genesis.genesis);
    expect(ctx.legacySignatures).toBe(true);
    for (const { signed, canonical, hash } of vectors.entries) {
      expect(canonicalize(signed.entry)).toBe(canonical);
      expect(hashEntry(signed.entry)).toBe(hash);
      expect(legacySign(signed.entry, seller)).toBe(signed.sig);
      expect(checkSignedEntry(ctx, signed)).toEqual(signed);
      expect(thrown(() => checkSignedEntry({ ...ctx, legacySignatures: false }, signed)).code).toBe(
        'ENTRY_BAD_SIGNATURE',
      );
    }
    expect(vectors.entries[1]!.signed.entry.prev).toBe(vectors.entries[0]!.hash);
  });

  it('legacy checkpoint: canonical text, hash, both signatures; verifies as legacy only', () => {
    const { checkpoint, canonical, hash, sigs } = vectors.checkpoint;
    const parties = streamContext(vectors.genesis.genesis).parties;
    expect(canonicalize(checkpoint)).toBe(canonical);
    expect(checkpointHash(checkpoint)).toBe(hash);
    expect(legacySign(checkpoint, seller)).toBe(sigs['seller-co']);
    expect(legacySign(checkpoint, buyer)).toBe(sigs['buyer-co']);
    expect(() => verifyCheckpoint({ checkpoint, sigs }, parties, { legacy: true })).not.toThrow();
    expect(thrown(() => verifyCheckpoint({ checkpoint, sigs }, parties)).code).toBe(
      'CHECKPOINT_BAD_SIGNATURE',
    );
  });

  it('sb2: one PAE message and signature per domain', () => {
    expect(vectors.sb2.domains.map((d) => d.domain)).toEqual([...signingDomains]);
    for (const { domain, seed, payload, message, sig } of vectors.sb2.domains) {
      const bytes = new TextEncoder().encode(payload);
      expect(new TextDecoder().decode(signingMessage(domain, bytes))).toBe(message);
      expect(signIn(domain, bytes, keysOf(seed))).toBe(sig);
      for (const other of signingDomains) {
        expect(verifyIn(other, keysOf(seed).publicKey, bytes, sig, { legacy: true })).toBe(other === domain);
      }
    }
  });

  it('sb2: genesis with signing 2, agreement, entries, checkpoint and key rotation', () => {
    const { genesis, id, sigs } = vectors.sb2.genesis;
    expect(createGenesis(genesis.terms, genesis.seller, genesis.buyer)).toEqual(genesis);
    expect(bilateralId(genesis)).toBe(id);
    expect(bilateralId(legacyOf(genesis))).toBe(vectors.genesis.id);
    expect(signAgreement(id, seller)).toBe(sigs.seller);
    expect(signAgreement(id, buyer)).toBe(sigs.buyer);
    expect(() => verifyAgreement({ genesis, id, sigs })).not.toThrow();
    const ctx = streamContext(genesis);
    expect(ctx.legacySignatures).toBe(false);
    for (const { signed, hash } of vectors.sb2.entries) {
      expect(hashEntry(signed.entry)).toBe(hash);
      expect(signEntry(signed.entry, seller)).toEqual(signed);
      expect(checkSignedEntry(ctx, signed)).toEqual(signed);
    }
    const { checkpoint, hash, sigs: cosigs } = vectors.sb2.checkpoint;
    expect(checkpointHash(checkpoint)).toBe(hash);
    expect(signCheckpoint(checkpoint, seller)).toBe(cosigs['seller-co']);
    expect(signCheckpoint(checkpoint, buyer)).toBe(cosigs['buyer-co']);
    expect(() => verifyCheckpoint({ checkpoint, sigs: cosigs }, ctx.parties)).not.toThrow();
    const { statement, sig } = vectors.sb2.keyRotation;
    expect(signKeyRotation(statement, seller)).toBe(sig);
    expect(verifyKeyRotation(statement, sig)).toBe(true);
  });

  it('merkle roots and proofs', () => {
    for (const { leaves, root } of vectors.merkle) expect(merkleRoot(leaves)).toBe(root);
    for (const { root, proof } of vectors.merkleProofs) {
      expect(verifyMerkleProof(proof, root)).toBe(true);
      const leaves = vectors.merkle.find((m) => m.root === root)!.leaves;
      expect(merkleProof(leaves, proof.index)).toEqual(proof);
    }
  });

  it('the record root: a root per stream, then a root over the streams in party-id order', () => {
    const { leaves, root, paths } = vectors.recordRoot;
    expect(recordRoot(leaves)).toBe(root);
    // Restated by hand: buyer-co sorts before seller-co.
    const stream = (author: string) =>
      merkleRoot(leaves.filter((l) => l.author === author).map((l) => l.hash));
    expect(merkleRoot([stream('buyer-co'), stream('seller-co')])).toBe(root);
    for (const { author, seq, path } of paths) {
      expect(recordProof(leaves, author, seq)).toEqual(path);
      expect(recordPathRoot(path)).toBe(root);
    }
  });
});
