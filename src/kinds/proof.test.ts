import { describe, expect, it } from 'vitest';
import { checkpointHash, cosign, signCheckpoint } from '../ledger/checkpoint.ts';
import { createEntry, hashEntry, positionOf, signEntry } from '../ledger/entry.ts';
import { createAgreement, createGenesis, signAgreement } from '../ledger/genesis.ts';
import { hashJson, sha256Hex } from '../ledger/hash.ts';
import { signKeyRotation } from '../ledger/key-rotation.ts';
import { KEY_ROTATION_KIND } from '../ledger/key-schedule.ts';
import { type KeyPair, keyPairFromSeed } from '../ledger/keys.ts';
import { merkleRoot } from '../ledger/merkle.ts';
import { anchorSeq, anchorValue, buildProof, type ProofAnchor, type ProofReport } from '../ledger/proof.ts';
import { type RecordLeaf, recordRoot } from '../ledger/record-root.ts';
import type { Checkpoint, JsonValue, SignedEntry, StreamPosition } from '../ledger/types.ts';
import { verifyProof } from './registry.ts';
import { usageSubject } from './usage-proof.ts';

const seller = keyPairFromSeed(new Uint8Array(32).fill(11));
const buyer = keyPairFromSeed(new Uint8Array(32).fill(12));
const terms = { msa: 'MSA-2026-ACME-GLOBEX', currency: 'EUR', offerings: { dia: { mrc: '1200.00' } } };
const genesis = createGenesis(
  terms,
  { id: 'acme-fiber', key: seller.publicKey },
  { id: 'globex', key: buyer.publicKey },
);
const agreement = createAgreement(genesis, {
  seller: signAgreement(hashJson(genesis), seller),
  buyer: signAgreement(hashJson(genesis), buyer),
});
const bilateral = agreement.id;

const invoice = {
  period: '2026-02',
  currency: 'EUR',
  lines: [
    { id: 'mrc', description: 'DIA 1G AMS1 monthly charge', amount: '1200.00' },
    { id: 'sla-credit', description: 'SLA credit 10%', amount: '-120.00' },
  ],
  total: '1080.00',
};
const invoiceHash = hashJson(invoice);

function stream(author: string, keys: KeyPair) {
  let head: StreamPosition | undefined;
  const written: SignedEntry[] = [];
  return {
    written,
    /** Writes a `party.key` rotation to `next` (signed with the current key), then signs with `next`. */
    rotate(next: KeyPair, seen: StreamPosition | null = null): SignedEntry {
      const statement = { party: author, oldKey: keys.publicKey, newKey: next.publicKey };
      const rotation = this.write(
        KEY_ROTATION_KIND,
        { ...statement, sig: signKeyRotation(statement, keys) },
        seen,
      );
      keys = next;
      return rotation;
    },
    write(kind: string, body: JsonValue, seen: StreamPosition | null): SignedEntry {
      const entry = createEntry({
        bilateral,
        author,
        head,
        seen,
        kind,
        body,
        recordedAt: new Date(Date.UTC(2026, 2, 1, 0, 0, written.length)).toISOString(),
      });
      head = positionOf(entry);
      const signed = signEntry(entry, keys);
      written.push(signed);
      return signed;
    },
  };
}

/**
 * The checkpoint over `inside` at the seller's and buyer's `heads`, with its
 * record root, co-signed with `keys` (seller's, buyer's).
 */
function checkpointOver(
  inside: readonly SignedEntry[],
  [sellerHead, buyerHead]: readonly [SignedEntry, SignedEntry],
  stateHash: string,
  [sellerSigns, buyerSigns]: readonly [KeyPair, KeyPair],
) {
  const leaves: RecordLeaf[] = inside.map((s) => ({
    author: s.entry.author,
    seq: s.entry.seq,
    hash: hashEntry(s.entry),
  }));
  const checkpoint: Checkpoint = {
    bilateral,
    heads: { 'acme-fiber': positionOf(sellerHead.entry), globex: positionOf(buyerHead.entry) },
    stateHash,
    root: recordRoot(leaves),
  };
  const once = cosign({ checkpoint, sigs: {} }, 'acme-fiber', signCheckpoint(checkpoint, sellerSigns));
  const signedCheckpoint = cosign(once, 'globex', signCheckpoint(checkpoint, buyerSigns));
  return { leaves, checkpoint, signedCheckpoint };
}

/** Two streams, an issued and an accepted invoice, and a later entry outside the checkpoint. */
function world() {
  const acme = stream('acme-fiber', seller);
  const globex = stream('globex', buyer);
  const f1 = acme.write('fact', { type: 'service.activated', service: 'S1', at: '2026-01-10' }, null);
  const g1 = globex.write('fact', { type: 'order.placed', order: 'PO-77' }, positionOf(f1.entry));
  const f2 = acme.write('fact', { type: 'outage', service: 'S1', minutes: 340 }, positionOf(g1.entry));
  const basis = { 'acme-fiber': { ...positionOf(f2.entry) }, globex: { ...positionOf(g1.entry) } };
  const issued = acme.write('invoice.issued', { period: '2026-02', basis, invoice, invoiceHash }, null);
  const ref = { author: 'acme-fiber', seq: issued.entry.seq, hash: hashEntry(issued.entry) };
  const accepted = globex.write(
    'invoice.accepted',
    { period: '2026-02', invoice: ref, invoiceHash },
    positionOf(issued.entry),
  );
  const batchRecords = [1, 2, 3, 4, 5].map((n) => ({
    service: 'S1',
    at: `2026-02-0${n}`,
    gb: String(n * 10),
  }));
  const batch = acme.write(
    'usage.batch',
    { root: merkleRoot(batchRecords.map(hashJson)), count: batchRecords.length, totals: { gb: '150' } },
    positionOf(accepted.entry),
  );
  const later = acme.write('fact', { type: 'note', text: 'after the checkpoint' }, null);
  const inside = [...acme.written, ...globex.written].filter((s) => s !== later);
  const { leaves, checkpoint, signedCheckpoint } = checkpointOver(
    inside,
    [batch, accepted],
    hashJson({ invoices: [invoiceHash] }),
    [seller, buyer],
  );
  const anchor: ProofAnchor = {
    chainId: 31337,
    contract: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
    bilateral: `0x${bilateral}`,
    seq: anchorSeq(checkpoint),
    value: anchorValue(checkpoint),
    txHash: `0x${sha256Hex('tx')}`,
    blockNumber: 7,
    blockHash: `0x${sha256Hex('block')}`,
  };
  return { f1, g1, f2, issued, accepted, batch, batchRecords, later, leaves, signedCheckpoint, anchor };
}

const w = world();

/** The invoice proof as a third party receives it: parsed JSON, mutable. */
function invoiceProof(): unknown {
  const proof = buildProof({
    subject: { kind: 'invoice', period: '2026-02', invoiceHash },
    agreement,
    checkpoint: w.signedCheckpoint,
    leaves: w.leaves,
    entries: [w.issued, w.accepted],
    anchor: w.anchor,
  });
  return JSON.parse(JSON.stringify(proof));
}

/** Changes the value at a dotted path (`entries.0.path.leaf`); `undefined` deletes it. */
function edit(doc: unknown, path: string, change: (old: unknown) => unknown): unknown {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce((v, k) => (v as Record<string, unknown>)[k], doc) as Record<string, unknown>;
  const next = change(parent[last]);
  if (next === undefined) delete parent[last];
  else parent[last] = next;
  return doc;
}

/** The dotted path of every leaf value in `doc` (`entries.0.path.entry.leaf`, …). */
function leafPaths(doc: unknown): string[] {
  const paths: string[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    } else {
      paths.push(path.join('.'));
    }
  };
  walk(doc, []);
  return paths;
}

/** Changes the first signature character after the `sb2.` version, keeping the form. */
const tweakSig = (sig: unknown) => {
  const text = String(sig);
  const at = text.startsWith('sb2.') ? 4 : 0;
  return text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
};

const failed = (report: ProofReport) => report.checks.filter((c) => !c.ok);
const failedNames = (report: ProofReport) => failed(report).map((c) => c.name);

describe('buildProof and verifyProof', () => {
  it('verifies a realistic invoice proof, one check per fact', () => {
    const report = verifyProof(invoiceProof());
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
    const names = report.checks.map((c) => c.name);
    expect(names[0]).toBe('proof: schema');
    expect(names).toEqual(
      expect.arrayContaining([
        'agreement: id',
        'agreement: terms hash',
        'agreement: seller signature',
        'agreement: buyer signature',
        'entry acme-fiber/3: signature',
        'entry acme-fiber/3: merkle path',
        'entry globex/2: within checkpoint',
        'checkpoint: co-signatures',
        'checkpoint: root',
        'invoice: hash',
        'invoice: acceptance',
        'anchor: value',
        'anchor: seq',
      ]),
    );
    expect(names.indexOf('agreement: id')).toBeLessThan(names.indexOf('entry acme-fiber/3: signature'));
    expect(names.indexOf('entry globex/2: signature')).toBeLessThan(
      names.indexOf('checkpoint: co-signatures'),
    );
    expect(names.indexOf('invoice: hash')).toBeLessThan(names.indexOf('anchor: value'));
  });

  it('verifies entry and usage proofs', () => {
    const base = { agreement, checkpoint: w.signedCheckpoint, leaves: w.leaves, anchor: w.anchor };
    for (const signed of [w.f1, w.g1, w.f2, w.batch]) {
      const proof = buildProof({ ...base, subject: { kind: 'entry' }, entries: [signed] });
      expect(failed(verifyProof(JSON.parse(JSON.stringify(proof))))).toEqual([]);
    }
    const subject = usageSubject(w.batchRecords, 3, { author: 'acme-fiber', seq: w.batch.entry.seq });
    const usage = JSON.parse(JSON.stringify(buildProof({ ...base, subject, entries: [w.batch] })));
    expect(failed(verifyProof(usage))).toEqual([]);
    expect(verifyProof(usage).checks.map((c) => c.name)).toContain('usage: record path');

    usage.subject.record.gb = '4000';
    expect(failedNames(verifyProof(usage))).toEqual(['usage: record path']);
    usage.subject.record.gb = '40';
    usage.subject.path.count = 6;
    expect(failedNames(verifyProof(usage))).toContain('usage: count');
  });

  it('reports an unanchored proof, and accepts it only when allowed', () => {
    const proof = edit(invoiceProof(), 'anchor', () => null);
    expect(failedNames(verifyProof(proof))).toEqual(['anchor: present']);
    expect(failed(verifyProof(proof)).at(0)?.detail).toMatch(/not anchored yet/);
    expect(verifyProof(proof, { allowUnanchored: true }).ok).toBe(true);
  });

  it('refuses to build a proof for an entry outside the checkpoint, or with the wrong leaves', () => {
    const base = {
      agreement,
      checkpoint: w.signedCheckpoint,
      anchor: null,
      subject: { kind: 'entry' } as const,
    };
    expect(() => buildProof({ ...base, leaves: w.leaves, entries: [w.later] })).toThrow(
      /not inside these heads/,
    );
    const changed = w.leaves.map((l, i) => (i === 0 ? { ...l, hash: sha256Hex('changed') } : l));
    expect(() => buildProof({ ...base, leaves: changed, entries: [w.f2] })).toThrow(
      /not the checkpoint's root/,
    );
    expect(() => buildProof({ ...base, leaves: w.leaves.slice(1), entries: [w.f2] })).toThrow(
      /where 1 belongs/,
    );
  });
});

describe('verifyProof names what a tampered proof broke', () => {
  const forged = sha256Hex('forged');
  const cases: [string, string, (old: unknown) => unknown, string, RegExp][] = [
    [
      'an amount inside the issued invoice',
      'entries.0.signed.entry.body.invoice.lines.0.amount',
      () => '1300.00',
      'entry acme-fiber/3: signature',
      /changed after signing/,
    ],
    [
      'an amount inside the issued invoice (its hash check)',
      'entries.0.signed.entry.body.invoice.lines.0.amount',
      () => '1300.00',
      'invoice: hash',
      /invoice's content/,
    ],
    [
      "the issued entry's invoiceHash",
      'entries.0.signed.entry.body.invoiceHash',
      () => forged,
      'invoice: hash',
      /the issued entry says/,
    ],
    [
      "the subject's invoiceHash",
      'subject.invoiceHash',
      () => forged,
      'invoice: subject',
      /the proof is about invoice/,
    ],
    [
      'a signature byte',
      'entries.1.signed.sig',
      tweakSig,
      'entry globex/2: signature',
      /does not verify with globex's key/,
    ],
    [
      "an entry's leaf hash",
      'entries.0.path.entry.leaf',
      () => forged,
      'entry acme-fiber/3: merkle path',
      /the entry hashes to/,
    ],
    [
      'a Merkle sibling in the stream',
      'entries.0.path.entry.siblings.0.hash',
      () => forged,
      'entry acme-fiber/3: merkle path',
      /does not lead to the checkpoint's root/,
    ],
    [
      'the sibling stream root',
      'entries.1.path.stream.siblings.0.hash',
      () => forged,
      'entry globex/2: merkle path',
      /does not lead to the checkpoint's root/,
    ],
    [
      "an entry's position in its stream",
      'entries.0.path.entry.index',
      (index) => Number(index) - 1,
      'entry acme-fiber/3: merkle path',
      /seq 3 is at index 2/,
    ],
    [
      "a stream's length",
      'entries.0.path.entry.count',
      (count) => Number(count) + 1,
      'entry acme-fiber/3: merkle path',
      /head in the checkpoint is seq/,
    ],
    [
      "a stream's position among the streams",
      'entries.1.path.stream.index',
      () => 0,
      'entry globex/2: merkle path',
      /stream at index 0 \(0-based\), but it is at index 1/,
    ],
    [
      'the checkpoint root',
      'checkpoint.checkpoint.root',
      () => forged,
      'checkpoint: co-signatures',
      /checkpoint was changed after signing/,
    ],
    [
      'a co-signature removed',
      'checkpoint.sigs.globex',
      () => undefined,
      'checkpoint: co-signatures',
      /globex has not signed/,
    ],
    [
      'the anchor value',
      'anchor.value',
      () => `0x${forged}`,
      'anchor: value',
      /is not the checkpoint's hash/,
    ],
    [
      'the anchor seq',
      'anchor.seq',
      (seq) => Number(seq) + 1,
      'anchor: seq',
      /sum of the checkpoint's head seqs/,
    ],
    [
      'the genesis terms',
      'agreement.genesis.terms.offerings.dia.mrc',
      () => '900.00',
      'agreement: terms hash',
      /terms were changed/,
    ],
    [
      'the acceptance pointing elsewhere',
      'entries.1.signed.entry.body.invoice.seq',
      () => 1,
      'invoice: acceptance',
      /refers to acme-fiber\/1/,
    ],
  ];

  it.each(cases)('%s', (_, path, change, name, detail) => {
    const report = verifyProof(edit(invoiceProof(), path, change));
    expect(report.ok).toBe(false);
    const check = report.checks.find((c) => c.name === name);
    expect(check, `${name} in ${JSON.stringify(failedNames(report))}`).toBeDefined();
    expect(check!.ok).toBe(false);
    expect(check!.detail).toMatch(detail);
  });

  it('keeps a changed signature to the check it breaks', () => {
    const proof = edit(invoiceProof(), 'entries.0.signed.sig', tweakSig);
    expect(failedNames(verifyProof(proof))).toEqual(['entry acme-fiber/3: signature']);
  });

  it('fails a changed genesis once, at the agreement', () => {
    const proof = edit(invoiceProof(), 'agreement.genesis.terms.currency', () => 'USD');
    expect(failedNames(verifyProof(proof))).toEqual(['agreement: id', 'agreement: terms hash']);
  });

  it('fails every change anywhere except the chain-only anchor fields, and never throws', () => {
    const paths = leafPaths(invoiceProof());
    expect(paths.length).toBeGreaterThan(50);
    const chainOnly = /^anchor\.(chainId|contract|txHash|blockNumber|blockHash)$/;
    for (const path of paths) {
      for (const replacement of ['tampered', 12345, null, undefined]) {
        let same = false;
        const proof = edit(invoiceProof(), path, (old) => {
          same = old === replacement;
          return replacement;
        });
        if (same) continue;
        const report = verifyProof(proof);
        if (chainOnly.test(path)) {
          if (!report.ok) expect(failedNames(report), path).toEqual(['proof: schema']);
        } else {
          expect(report.ok, `${path} = ${String(replacement)}`).toBe(false);
        }
      }
    }
  });

  it.each([null, 42, 'proof', [], {}, { schema: 'smart-bilateral/proof@1' }])(
    'reports a non-proof %j as a schema failure',
    (value) => {
      const report = verifyProof(value);
      expect(report.ok).toBe(false);
      expect(report.checks).toHaveLength(1);
      expect(report.checks[0]!.name).toBe('proof: schema');
    },
  );

  it('tells a proof@1 document to be exported again', () => {
    const old = { ...JSON.parse(JSON.stringify(invoiceProof())), schema: 'smart-bilateral/proof@1' };
    const report = verifyProof(old);
    expect(report.ok).toBe(false);
    expect(report.checks[0]!.detail).toMatch(/proof@1 document.*export the proof again with sb proof/);
  });

  it('matches the anchor helpers to the checkpoint', () => {
    const { checkpoint } = w.signedCheckpoint;
    expect(anchorSeq(checkpoint)).toBe(w.batch.entry.seq + w.accepted.entry.seq);
    expect(anchorValue(checkpoint)).toBe(`0x${checkpointHash(checkpoint)}`);
  });
});

/**
 * A bilateral where both parties rotate: the seller at its #2 (to sellerNext)
 * and #4 (to sellerLast), the buyer at its #2 (to buyerNext). The checkpoint
 * at seller #5 and buyer #2 is co-signed with the keys current after those
 * heads: sellerLast and buyerNext.
 */
function rotatedWorld() {
  const sellerNext = keyPairFromSeed(new Uint8Array(32).fill(13));
  const sellerLast = keyPairFromSeed(new Uint8Array(32).fill(14));
  const buyerNext = keyPairFromSeed(new Uint8Array(32).fill(15));
  const acme = stream('acme-fiber', seller);
  const globex = stream('globex', buyer);
  const f1 = acme.write('fact', { type: 'service.activated', service: 'S1', at: '2026-01-10' }, null);
  const r2 = acme.rotate(sellerNext);
  const f3 = acme.write('fact', { type: 'outage', service: 'S1', minutes: 12 }, null);
  const r4 = acme.rotate(sellerLast);
  const f5 = acme.write('fact', { type: 'outage', service: 'S1', minutes: 30 }, null);
  const g1 = globex.write('fact', { type: 'order.placed', order: 'PO-78' }, positionOf(f1.entry));
  const q2 = globex.rotate(buyerNext, positionOf(f5.entry));
  const { leaves, signedCheckpoint } = checkpointOver(
    [...acme.written, ...globex.written],
    [f5, q2],
    hashJson({ invoices: [] }),
    [sellerLast, buyerNext],
  );
  return { sellerNext, sellerLast, buyerNext, f1, r2, f3, r4, f5, g1, q2, leaves, signedCheckpoint };
}

const r = rotatedWorld();

/** An entry proof of `signed` in the rotated bilateral, carrying `keyEntries` (default: every rotation). */
function rotatedProof(
  signed: SignedEntry,
  keyEntries: readonly SignedEntry[] = [r.q2, r.r4, r.r2],
): Record<string, unknown> {
  const proof = buildProof({
    subject: { kind: 'entry' },
    agreement,
    checkpoint: r.signedCheckpoint,
    leaves: r.leaves,
    entries: [signed],
    keyEntries,
    anchor: null,
  });
  return JSON.parse(JSON.stringify(proof));
}

const check = (report: ProofReport, name: string) => {
  const found = report.checks.find((c) => c.name === name);
  expect(found, `${name} in ${JSON.stringify(report.checks.map((c) => c.name))}`).toBeDefined();
  return found!;
};

describe('proofs across key rotations', () => {
  it('verifies an entry signed after two rotations, with the rotations in (author, seq) order', () => {
    const proof = rotatedProof(r.f5);
    const keys = proof.keys as { signed: SignedEntry }[];
    expect(keys.map((k) => `${k.signed.entry.author}/${k.signed.entry.seq}`)).toEqual([
      'acme-fiber/2',
      'acme-fiber/4',
      'globex/2',
    ]);
    expect(JSON.stringify(proof).match(/"sig":"(?!sb2\.)/g)).toBeNull();
    const report = verifyProof(proof, { allowUnanchored: true });
    expect(failed(report)).toEqual([]);
    const names = report.checks.map((c) => c.name);
    expect(names.indexOf('keys: globex/2')).toBeLessThan(names.indexOf('entry acme-fiber/5: signature'));
    expect(check(report, 'keys: acme-fiber/2').detail).toMatch(
      new RegExp(
        `^key rotated from ${seller.publicKey.slice(0, 12)}… to ${r.sellerNext.publicKey.slice(0, 12)}…`,
      ),
    );
    expect(check(report, 'keys: acme-fiber/4').detail).toMatch(/signs with the new key from seq 5/);
    expect(check(report, 'entry acme-fiber/5: signature').detail).toMatch(/for seq 5, after its rotation/);
    expect(check(report, 'checkpoint: co-signatures').detail).toMatch(
      /keys at the checkpoint's heads \(acme-fiber rotated to .*, globex rotated to/,
    );
  });

  it('keeps verifying entries signed before and between the rotations, and the rotations themselves', () => {
    for (const signed of [r.f1, r.r2, r.f3, r.g1, r.q2]) {
      expect(failedNames(verifyProof(rotatedProof(signed), { allowUnanchored: true }))).toEqual([]);
    }
    // Before any rotation the entry checks with the genesis key, whatever the checkpoint needs.
    const report = verifyProof(rotatedProof(r.f1, []), { allowUnanchored: true });
    expect(failedNames(report)).toEqual(['checkpoint: co-signatures']);
    expect(check(report, 'entry acme-fiber/1: key').detail).toMatch(/from the genesis/);
  });

  it('without its rotation entries, fails the entry signature naming the missing rotations', () => {
    const report = verifyProof(rotatedProof(r.f3, []), { allowUnanchored: true });
    expect(failedNames(report)).toEqual([
      'entry acme-fiber/3: key',
      'entry acme-fiber/3: signature',
      'checkpoint: co-signatures',
    ]);
    const signature = check(report, 'entry acme-fiber/3: signature').detail;
    expect(signature).toMatch(/which is not acme-fiber's genesis key/);
    expect(signature).toMatch(/the rotation entries are missing/);
    expect(check(report, 'checkpoint: co-signatures').detail).toMatch(
      /does not verify with its genesis key.*a key from a rotation this proof does not carry/,
    );
  });

  it('names a rotation missing in the middle, and rotations out of order', () => {
    const later = verifyProof(rotatedProof(r.f5, [r.r2, r.q2]), { allowUnanchored: true });
    expect(failedNames(later)).toEqual([
      'entry acme-fiber/5: key',
      'entry acme-fiber/5: signature',
      'checkpoint: co-signatures',
    ]);
    expect(check(later, 'entry acme-fiber/5: signature').detail).toMatch(
      /a rotation entry of acme-fiber after those this proof carries is missing/,
    );
    const earlier = verifyProof(rotatedProof(r.f5, [r.r4, r.q2]), { allowUnanchored: true });
    expect(check(earlier, 'keys: acme-fiber/4').detail).toMatch(
      /must be signed with the key it retires; an earlier rotation is missing or out of order/,
    );
    const shuffled = rotatedProof(r.f5);
    shuffled.keys = (shuffled.keys as unknown[]).reverse();
    expect(failedNames(verifyProof(shuffled, { allowUnanchored: true }))).toContain('keys: acme-fiber/4');
  });

  it('refuses the old key after its rotation, even though the signature is genuine', () => {
    const oldKey = signEntry(r.f3.entry, seller);
    const report = verifyProof(rotatedProof(oldKey), { allowUnanchored: true });
    expect(failedNames(report)).toEqual(['entry acme-fiber/3: key', 'entry acme-fiber/3: signature']);
    expect(check(report, 'entry acme-fiber/3: signature').detail).toMatch(
      /not acme-fiber's key .* for seq 3, after its rotation/,
    );
  });

  it.each([
    [
      'its new key',
      'keys.0.signed.entry.body.newKey',
      () => keyPairFromSeed(new Uint8Array(32).fill(66)).publicKey,
      /changed after signing/,
    ],
    ['its signature', 'keys.0.signed.sig', tweakSig, /does not verify/],
    ['its key', 'keys.1.signed.key', () => seller.publicKey, /must be signed with the key it retires/],
    ['its kind', 'keys.2.signed.entry.kind', () => 'fact', /not a party\.key rotation/],
    [
      'its path',
      'keys.1.path.entry.siblings.0.hash',
      () => sha256Hex('forged'),
      /merkle path: .*does not lead/,
    ],
    ['its position', 'keys.2.path.entry.index', () => 0, /merkle path: .*seq 2 is at index 1/],
  ] as const)('fails a rotation entry with a tampered %s', (_, path, change, detail) => {
    const report = verifyProof(edit(rotatedProof(r.f5), path, change), { allowUnanchored: true });
    const name = ['keys: acme-fiber/2', 'keys: acme-fiber/4', 'keys: globex/2'][Number(path.split('.')[1])]!;
    expect(check(report, name).ok).toBe(false);
    expect(check(report, name).detail).toMatch(detail);
    // A rejected rotation changes no key: what it would have brought in fails too.
    expect(failedNames(report)).toContain('checkpoint: co-signatures');
  });

  it('a rotation entry outside the checkpoint cannot be built into a proof', () => {
    const acme = stream('acme-fiber', seller);
    const outside = acme.rotate(r.sellerNext);
    expect(() => rotatedProof(r.f1, [{ ...outside, entry: { ...outside.entry, seq: 9 } }])).toThrow(
      /not inside these heads/,
    );
  });

  it('fails every change anywhere in a proof with rotations, and never throws', () => {
    const keyPaths = leafPaths(rotatedProof(r.f5)).filter((path) => path.startsWith('keys.'));
    expect(keyPaths.length).toBeGreaterThan(40);
    for (const path of keyPaths) {
      for (const replacement of ['tampered', 12345, null, undefined]) {
        let same = false;
        const proof = edit(rotatedProof(r.f5), path, (old) => {
          same = old === replacement;
          return replacement;
        });
        if (same) continue;
        expect(verifyProof(proof, { allowUnanchored: true }).ok, `${path} = ${String(replacement)}`).toBe(
          false,
        );
      }
    }
    const twins = rotatedProof(r.f5) as { agreement: { genesis: { buyer: { id: string } } } };
    twins.agreement.genesis.buyer.id = 'acme-fiber';
    expect(verifyProof(twins).checks[0]!.detail).toMatch(/the seller and the buyer have the same id/);
    expect(verifyProof({ ...rotatedProof(r.f5), keys: {} }).checks[0]!.detail).toMatch(
      /^keys: expected an array/,
    );
  });

  it('leaves proofs without rotations byte for byte as before', () => {
    const base = { agreement, checkpoint: w.signedCheckpoint, leaves: w.leaves, anchor: w.anchor };
    const without = buildProof({ ...base, subject: { kind: 'entry' }, entries: [w.f2] });
    const empty = buildProof({ ...base, subject: { kind: 'entry' }, entries: [w.f2], keyEntries: [] });
    expect(JSON.stringify(empty)).toBe(JSON.stringify(without));
    expect('keys' in without).toBe(false);
    expect(Object.keys(without)).toEqual([
      'schema',
      'subject',
      'agreement',
      'entries',
      'checkpoint',
      'anchor',
    ]);
  });
});
