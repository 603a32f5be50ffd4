/**
 * Writes the golden vectors (`vectors.json`) once: fixed seeds and documents
 * → keys, canonical text, hashes, signatures, Merkle roots. Ed25519 (RFC 8032)
 * is deterministic, so every value is stable; `vectors.test.ts` recomputes
 * them all and any change in canonicalization, hashing or signing fails it.
 * Run: `npx tsx src/ledger/vectors.generate.ts > src/ledger/vectors.json`.
 * Regenerating is a protocol change: every stored hash and signature moves.
 *
 * Two generations of signatures: `genesis`, `entries` and `checkpoint` are a
 * legacy bilateral (no `signing` in its genesis; bare signatures over bare
 * canonical bytes) and must never change — records like them are stored.
 * `sb2` is a bilateral created since domain separation, and `sb2.domains`
 * gives one PAE message and signature per signing domain.
 */
import { canonicalBytes, canonicalize } from './canonical.ts';
import { checkpointHash, signCheckpoint } from './checkpoint.ts';
import { createEntry, hashEntry, signEntry } from './entry.ts';
import { agreementMessage, bilateralId, createGenesis, signAgreement } from './genesis.ts';
import { hashJson, sha256Hex } from './hash.ts';
import { signKeyRotation } from './key-rotation.ts';
import { type KeyPair, keyPairFromSeed, sign } from './keys.ts';
import { merkleProof, merkleRoot } from './merkle.ts';
import { recordProof, recordRoot } from './record-root.ts';
import { signIn, signingDomains, signingMessage } from './signing.ts';
import type { Checkpoint, Entry, Genesis, JsonValue } from './types.ts';

export const SEEDS = [
  '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0101010101010101010101010101010101010101010101010101010101010101',
  '0202020202020202020202020202020202020202020202020202020202020202',
] as const;

const key = (i: number) => keyPairFromSeed(Buffer.from(SEEDS[i]!, 'hex'));
const utf8 = (text: string) => new TextEncoder().encode(text);

const documents: JsonValue[] = [
  null,
  { b: 2, a: 1, c: { z: [3, 2, 1], y: 'é€😀' } },
  { amount: '1234.5600', qty: 1e21, rate: 0.1, neg: -5e-7, esc: '"\\\n\t\u0001' },
  [[], {}, '', 0, true, false],
];

const seller = key(2);
const buyer = key(3);
const terms: JsonValue = { msa: 'MSA-2024-001', currency: 'EUR', rate: '0.0125', rounding: 'half-even' };
const current = createGenesis(
  terms,
  { id: 'seller-co', key: seller.publicKey },
  { id: 'buyer-co', key: buyer.publicKey },
);
/** The same genesis as written before domain separation. */
const { signing: _, ...genesis } = current;
/** A signature as written before domain separation: bare, over the bare canonical bytes. */
const legacySign = (payload: unknown, keys: KeyPair) => sign(keys.privateKey, canonicalBytes(payload));

const { bilateral, entry, second, checkpoint } = records(genesis);

/** Two seller entries and a checkpoint of the bilateral of `g`: the same documents in both generations. */
function records(g: Genesis): { bilateral: string; entry: Entry; second: Entry; checkpoint: Checkpoint } {
  const bilateral = bilateralId(g);
  const entry = createEntry({
    bilateral,
    author: 'seller-co',
    head: undefined,
    seen: null,
    kind: 'fact',
    body: {
      type: 'usage.batch',
      root: merkleRoot([sha256Hex('r1'), sha256Hex('r2')]),
      count: 2,
      total: '10.50',
    },
    recordedAt: '2024-05-01T12:00:00.000Z',
  });
  const second = createEntry({
    bilateral,
    author: 'seller-co',
    head: { seq: 1, hash: hashEntry(entry) },
    seen: { seq: 4, hash: sha256Hex('buyer #4') },
    kind: 'invoice.issued',
    body: { number: 'INV-1', lines: [{ amount: '10.50' }] },
    recordedAt: '2024-05-31T23:59:59.999Z',
  });
  const checkpoint: Checkpoint = {
    bilateral,
    heads: {
      'seller-co': { seq: 2, hash: hashEntry(second) },
      'buyer-co': { seq: 4, hash: sha256Hex('buyer #4') },
    },
    stateHash: sha256Hex('state'),
  };
  return { bilateral, entry, second, checkpoint };
}

const leaves = (n: number) => Array.from({ length: n }, (_, i) => sha256Hex(`leaf ${i}`));

/** Two streams, seller-co 1…3 and buyer-co 1…2, with stand-in entry hashes. */
const recordLeaves = [
  ...[1, 2, 3].map((seq) => ({ author: 'seller-co', seq, hash: sha256Hex(`seller-co/${seq}`) })),
  ...[1, 2].map((seq) => ({ author: 'buyer-co', seq, hash: sha256Hex(`buyer-co/${seq}`) })),
];

const now = records(current);
const rotation = { party: 'seller-co', oldKey: seller.publicKey, newKey: key(1).publicKey };
/** One payload per domain, as each is really signed. */
const payloads: Record<(typeof signingDomains)[number], Uint8Array> = {
  entry: canonicalBytes(now.entry),
  checkpoint: canonicalBytes(now.checkpoint),
  agreement: agreementMessage(now.bilateral),
  'peer-request': canonicalBytes({
    method: 'GET',
    path: `/peer/bilaterals/${now.bilateral}/entries?author=seller-co&after=0`,
    party: 'seller-co',
    time: '2024-05-01T12:00:00.000Z',
    nonce: 'AAECAwQFBgcICQoLDA0ODw',
    body: sha256Hex(''),
  }),
  'key-rotation': canonicalBytes(rotation),
  netting: canonicalBytes({
    type: 'netting.settlement',
    parties: ['buyer-co', 'seller-co'],
    currency: 'EUR',
    period: '2024-04',
    asOf: '2024-05-10',
    round: null,
    bilaterals: [],
    owed: [],
    net: null,
  }),
};
const sb2 = {
  domains: signingDomains.map((domain) => ({
    domain,
    seed: SEEDS[2],
    payload: new TextDecoder().decode(payloads[domain]),
    message: new TextDecoder().decode(signingMessage(domain, payloads[domain])),
    sig: signIn(domain, payloads[domain], seller),
  })),
  genesis: {
    genesis: current,
    id: now.bilateral,
    sigs: { seller: signAgreement(now.bilateral, seller), buyer: signAgreement(now.bilateral, buyer) },
  },
  entries: [now.entry, now.second].map((e) => ({ signed: signEntry(e, seller), hash: hashEntry(e) })),
  checkpoint: {
    checkpoint: now.checkpoint,
    hash: checkpointHash(now.checkpoint),
    sigs: {
      'seller-co': signCheckpoint(now.checkpoint, seller),
      'buyer-co': signCheckpoint(now.checkpoint, buyer),
    },
  },
  keyRotation: { statement: rotation, sig: signKeyRotation(rotation, seller) },
};

const vectors = {
  description: 'Golden vectors of the Smart Bilaterals ledger; see vectors.generate.ts',
  keys: SEEDS.map((seed, i) => ({ seed, publicKey: key(i).publicKey })),
  sha256: ['', 'abc', '€'].map((text) => ({ text, hash: sha256Hex(text) })),
  signatures: ['', 'abc', '{"agree":"x"}'].map((message, i) => ({
    seed: SEEDS[i % SEEDS.length]!,
    message,
    sig: sign(key(i % SEEDS.length).privateKey, utf8(message)),
  })),
  canonical: documents.map((value) => ({ value, canonical: canonicalize(value), hash: hashJson(value) })),
  genesis: {
    genesis,
    id: bilateral,
    sigs: {
      seller: legacySign({ agree: bilateral }, seller),
      buyer: legacySign({ agree: bilateral }, buyer),
    },
  },
  entries: [entry, second].map((e) => ({
    signed: { entry: e, key: seller.publicKey, sig: legacySign(e, seller) },
    canonical: canonicalize(e),
    hash: hashEntry(e),
  })),
  checkpoint: {
    checkpoint,
    canonical: canonicalize(checkpoint),
    hash: checkpointHash(checkpoint),
    sigs: { 'seller-co': legacySign(checkpoint, seller), 'buyer-co': legacySign(checkpoint, buyer) },
  },
  merkle: [0, 1, 2, 3, 4, 5, 7, 8, 9].map((n) => ({ leaves: leaves(n), root: merkleRoot(leaves(n)) })),
  merkleProofs: [
    { n: 5, index: 4 },
    { n: 9, index: 6 },
  ].map(({ n, index }) => ({ root: merkleRoot(leaves(n)), proof: merkleProof(leaves(n), index) })),
  recordRoot: {
    leaves: recordLeaves,
    root: recordRoot(recordLeaves),
    paths: [
      { author: 'seller-co', seq: 3, path: recordProof(recordLeaves, 'seller-co', 3) },
      { author: 'buyer-co', seq: 1, path: recordProof(recordLeaves, 'buyer-co', 1) },
    ],
  },
  sb2,
};

process.stdout.write(`${JSON.stringify(vectors, null, 2)}\n`);
