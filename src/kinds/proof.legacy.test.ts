/**
 * Proofs across the change to domain-separated signatures. `proof.legacy.json`
 * is an invoice proof exported by the code before that change (legacy genesis,
 * bare signatures), kept byte for byte: an auditor holding such a file must
 * still get a clean report. A bilateral created since (`signing: 2`) must not
 * accept the legacy form, and a proof cannot switch between the two rules
 * without breaking the agreement id.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosign } from '../ledger/checkpoint.ts';
import { createEntry, hashEntry, positionOf } from '../ledger/entry.ts';
import { legacyOf, legacySign } from '../ledger/fixtures.ts';
import { bilateralId, createAgreement, createGenesis, legacySigningOf } from '../ledger/genesis.ts';
import { sha256Hex } from '../ledger/hash.ts';
import { type KeyPair, keyPairFromSeed } from '../ledger/keys.ts';
import { buildProof, type ProofReport } from '../ledger/proof.ts';
import { recordRoot } from '../ledger/record-root.ts';
import { signIn } from '../ledger/signing.ts';
import type { Genesis, SignedEntry } from '../ledger/types.ts';
import { verifyProof } from './registry.ts';

const legacyFile = readFileSync(new URL('./proof.legacy.json', import.meta.url), 'utf8');
/** The parts of a proof document these tests change. */
type ProofDocument = { agreement: { genesis: Genesis & { signing?: unknown } } };
const parsed = () => JSON.parse(legacyFile) as ProofDocument;
const failedNames = (report: ProofReport) => report.checks.filter((c) => !c.ok).map((c) => c.name);

const seller = keyPairFromSeed(new Uint8Array(32).fill(41));
const buyer = keyPairFromSeed(new Uint8Array(32).fill(42));
const current = createGenesis(
  { msa: 'MSA-2026-LEGACY', currency: 'EUR' },
  { id: 'acme-fiber', key: seller.publicKey },
  { id: 'globex', key: buyer.publicKey },
);

type Signer = (domain: 'entry' | 'checkpoint' | 'agreement', payload: unknown, keys: KeyPair) => string;
const sb2: Signer = (domain, payload, keys) => signIn(domain, payload, keys);
const legacy: Signer = (_domain, payload, keys) => legacySign(payload, keys);

/** An entry proof of the buyer's acknowledgement of the seller's fact, every signature made by `signer`. */
function entryProof(genesis: Genesis, signer: Signer): unknown {
  const id = bilateralId(genesis);
  const agreement = createAgreement(genesis, {
    seller: signer('agreement', { agree: id }, seller),
    buyer: signer('agreement', { agree: id }, buyer),
  });
  const at = '2026-03-01T00:00:00.000Z';
  const fact = createEntry({
    bilateral: id,
    author: 'acme-fiber',
    head: undefined,
    seen: null,
    kind: 'fact',
    body: { type: 'service.activated', service: 'S1' },
    recordedAt: at,
  });
  const ack = createEntry({
    bilateral: id,
    author: 'globex',
    head: undefined,
    seen: positionOf(fact),
    kind: 'fact',
    body: { type: 'order.placed', order: 'PO-1' },
    recordedAt: at,
  });
  const signed: SignedEntry[] = [
    { entry: fact, key: seller.publicKey, sig: signer('entry', fact, seller) },
    { entry: ack, key: buyer.publicKey, sig: signer('entry', ack, buyer) },
  ];
  const leaves = signed.map((s) => ({ author: s.entry.author, seq: s.entry.seq, hash: hashEntry(s.entry) }));
  const checkpoint = {
    bilateral: id,
    heads: { 'acme-fiber': positionOf(fact), globex: positionOf(ack) },
    stateHash: sha256Hex('state'),
    root: recordRoot(leaves),
  };
  const once = cosign({ checkpoint, sigs: {} }, 'acme-fiber', signer('checkpoint', checkpoint, seller));
  const both = cosign(once, 'globex', signer('checkpoint', checkpoint, buyer));
  const proof = buildProof({
    subject: { kind: 'entry' },
    agreement,
    checkpoint: both,
    leaves,
    entries: [signed[1]!],
    anchor: null,
  });
  return JSON.parse(JSON.stringify(proof));
}

const signatureChecks = [
  'agreement: seller signature',
  'agreement: buyer signature',
  'entry globex/1: signature',
  'checkpoint: co-signatures',
];

describe('proofs from before domain-separated signatures', () => {
  it('an exported proof@2 file with a legacy genesis and bare signatures still verifies', () => {
    const proof = parsed();
    expect(legacySigningOf(proof.agreement.genesis)).toBe(true);
    expect(legacyFile).not.toContain('sb2.');
    const report = verifyProof(proof);
    expect(failedNames(report)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('the same file with its genesis switched to signing: 2 fails', () => {
    const proof = parsed();
    proof.agreement.genesis.signing = 2;
    const failed = failedNames(verifyProof(proof));
    expect(failed).toContain('agreement: id');
    expect(failed).toEqual(
      expect.arrayContaining([
        'agreement: seller signature',
        'agreement: buyer signature',
        'checkpoint: co-signatures',
      ]),
    );
    expect(failed.filter((name) => name.endsWith(': signature') && name.startsWith('entry '))).toHaveLength(
      2,
    );
  });

  it('on a signing: 2 bilateral, legacy signatures fail every signature check, and only those', () => {
    const report = verifyProof(entryProof(current, legacy), { allowUnanchored: true });
    expect(failedNames(report)).toEqual(signatureChecks);
    for (const check of report.checks.filter((c) => !c.ok)) {
      expect(check.detail).toMatch(/a legacy signature, which this bilateral does not accept/);
    }
  });

  it('a legacy bilateral accepts legacy and sb2 signatures; a signing: 2 one accepts sb2', () => {
    for (const [genesis, signer] of [
      [legacyOf(current), legacy],
      [legacyOf(current), sb2],
      [current, sb2],
    ] as const) {
      expect(failedNames(verifyProof(entryProof(genesis, signer), { allowUnanchored: true }))).toEqual([]);
    }
  });

  it('dropping signing: 2 from a new proof breaks the agreement id, so it cannot pass as legacy', () => {
    const proof = entryProof(current, sb2) as ProofDocument;
    delete proof.agreement.genesis.signing;
    expect(failedNames(verifyProof(proof, { allowUnanchored: true }))).toEqual(['agreement: id']);
  });
});
