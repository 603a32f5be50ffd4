/**
 * Proofs: one self-contained JSON document that lets a third party (an
 * auditor, a financier) check that an entry, an invoice or a usage record is
 * part of a bilateral's agreed and anchored record, with nothing else at hand.
 *
 * Shape (`smart-bilateral/proof@2`):
 *
 *   {
 *     schema:     'smart-bilateral/proof@2',
 *     subject:    { kind: 'entry' } | { kind, ...fields }  (other kinds: src/kinds),
 *     agreement:  Agreement,                       // genesis + both parties' signatures
 *     entries:    [{ signed: SignedEntry, path: RecordPath }],    // path to checkpoint.checkpoint.root
 *     keys?:      [{ signed: SignedEntry, path: RecordPath }],    // party.key rotations, (author, seq) order
 *     checkpoint: SignedCheckpoint,                // co-signed by both parties, with `root`
 *     anchor:     { chainId, contract, bilateral: '0x'+id, seq: Σ head seqs,
 *                   value: '0x'+checkpointHash, txHash, blockNumber, blockHash } | null
 *   }
 *
 * - `entry`: entries = [the entry].
 * - Other subjects (an invoice, a usage record) are described by the layer
 *   that knows those entry kinds (src/kinds), as a `SubjectSpec` the caller
 *   passes to `checkProof`: this layer names no kind of entry body.
 *
 * Design rationale:
 * - `checkProof` never throws on content: a proof comes from outside, and
 *   the answer an auditor needs is a list of facts, each checked or not, with
 *   the reason in words. Every check runs guarded; one that cannot be
 *   evaluated fails, naming why. Only a proof whose outer shape is wrong stops
 *   early, since nothing after it would mean anything.
 * - An entry's path (`record-root.ts`) has two parts, and each must sit at
 *   the exact position the record gives it: the entry at index seq − 1 of a
 *   stream of exactly its author's head seq leaves, and that stream's root
 *   at its author's position among the authors with a head (code-unit order
 *   of party id). So the path binds the entry's place in the record, not
 *   only its membership. (@1 proofs had one path over a flat list of both
 *   streams; that root could not be kept incrementally.)
 * - Entries and the checkpoint are compared with `agreement.id`, which a
 *   separate check ties to the genesis: a changed genesis fails once, there.
 * - Signatures are domain-separated (`signing.ts`). Whether legacy (bare)
 *   signatures count is read from the proof's own genesis (`legacySigningOf`):
 *   the bilateral id covers the genesis's `signing` field, so a proof cannot
 *   claim to be legacy without failing the agreement id check. Proofs
 *   exported before domain separation keep verifying.
 * - Key rotations (`key-schedule.ts`) travel as `keys`: the `party.key`
 *   entries inside the checkpoint, each with its path, so a third party holding
 *   only the genesis keys can follow each party's keys to the ones its entries
 *   and co-signature were made with. The field is omitted when there is none,
 *   so proofs of bilaterals without rotations (and older proofs) are byte for
 *   byte as before. The agreement is checked with the genesis keys: it was
 *   signed before any rotation.
 * - The anchor fields only the chain can confirm (chain id, contract,
 *   transaction, block) are checked by `chain/verify-anchor.ts`; offline we
 *   check that the anchor names this checkpoint, bilateral and seq.
 */
import { byCodeUnit } from '../core/index.ts';
import { canonicalBytes } from './canonical.ts';
import { checkpointHash, verifyCheckpoint } from './checkpoint.ts';
import { hashEntry } from './entry.ts';
import { LedgerError } from './errors.ts';
import { deepFreeze } from './freeze.ts';
import { bilateralId, legacySigningOf, verifyAgreementSignature } from './genesis.ts';
import { hashJson, isHash } from './hash.ts';
import { KEY_ROTATION_KIND, type KeyRotationBody, KeySchedule } from './key-schedule.ts';
import { SIGNATURE_PREFIX } from './keys.ts';
import { type RecordLeaf, type RecordPath, recordPathRoot, recordProof, recordRoot } from './record-root.ts';
import { signedEntryIssue } from './shape.ts';
import { verifyIn } from './signing.ts';
import type { Agreement, Checkpoint, Hash, PartyKey, SignedCheckpoint, SignedEntry } from './types.ts';

export const PROOF_SCHEMA = 'smart-bilateral/proof@2';

/** `0x`-prefixed hex, as the chain writes it (the same type as viem's `Hex`). */
export type HexString = `0x${string}`;

/**
 * What a proof is about: `{ kind: 'entry' }` (the entries themselves), or a
 * subject kind described by the layer above (an invoice, a usage record —
 * src/kinds), with its own fields.
 */
export type ProofSubject =
  | { readonly kind: 'entry' }
  | { readonly kind: string; readonly [field: string]: unknown };

/** One named check's result. */
export type Outcome = { readonly ok: boolean; readonly detail: string };
/** Runs one named check, guarded: a check that throws fails, saying why. */
export type Run = (name: string, fn: () => Outcome) => void;

/**
 * How to check a proof about one kind of subject, beyond the entries,
 * checkpoint and anchor every proof has: how many entries it carries, the
 * shape of its subject fields, its own named checks, and a description.
 */
export interface SubjectSpec {
  /** Least and most entries a proof of this subject carries. */
  readonly entries: readonly [number, number];
  /** The first shape problem of the subject's fields, in words; undefined when well formed. */
  shape(subject: Readonly<Record<string, unknown>>): string | undefined;
  /** The subject's checks, run after the entries' and the checkpoint's. */
  checks(proof: Proof, run: Run): void;
  /** What the proof is about, e.g. `the 2026-01 invoice 3f2a…`. */
  describe(proof: Proof): string;
}

export interface ProofEntry {
  readonly signed: SignedEntry;
  /** The entry's path to `checkpoint.checkpoint.root`. */
  readonly path: RecordPath;
}

/** Where the checkpoint was anchored: what `chain/verify-anchor.ts` confirms on a chain. */
export interface ProofAnchor {
  readonly chainId: number;
  /** The AnchorRegistry address. */
  readonly contract: HexString;
  /** `'0x'` + the bilateral id. */
  readonly bilateral: HexString;
  /** The anchor sequence: the sum of the checkpoint heads' seqs (`anchorSeq`). */
  readonly seq: number;
  /** `'0x'` + `checkpointHash(checkpoint)` (`anchorValue`). */
  readonly value: HexString;
  readonly txHash: HexString;
  readonly blockNumber: number;
  readonly blockHash: HexString;
}

export interface Proof {
  readonly schema: typeof PROOF_SCHEMA;
  readonly subject: ProofSubject;
  readonly agreement: Agreement;
  readonly entries: readonly ProofEntry[];
  /**
   * The `party.key` entries of either stream inside the checkpoint, in
   * (author, seq) order; absent when there are none.
   */
  readonly keys?: readonly ProofEntry[];
  readonly checkpoint: SignedCheckpoint;
  /** Null while the checkpoint is not anchored yet. */
  readonly anchor: ProofAnchor | null;
}

/** One fact verified: `detail` says what was found, or why it failed, in words. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ProofReport {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

export interface VerifyProofOptions {
  /** Accept `anchor: null` (the check passes, saying so); default false. */
  readonly allowUnanchored?: boolean;
  /** Subject kinds besides `entry` this verifier knows (src/kinds gives the product's). */
  readonly subjects?: Readonly<Record<string, SubjectSpec>>;
}

/** The anchor sequence of a checkpoint: the sum of its heads' seqs (the number of entries it covers). */
export function anchorSeq(checkpoint: Checkpoint): number {
  return Object.values(checkpoint.heads).reduce((sum, head) => sum + head.seq, 0);
}

/** The value anchored for a checkpoint: `'0x'` + `checkpointHash(checkpoint)`. */
export function anchorValue(checkpoint: Checkpoint): HexString {
  return `0x${checkpointHash(checkpoint)}`;
}

export interface BuildProofInput {
  readonly subject: ProofSubject;
  readonly agreement: Agreement;
  /** Co-signed, with `root`. */
  readonly checkpoint: SignedCheckpoint;
  /** Every entry inside the checkpoint's heads as (author, seq, hash): the leaves of its root. */
  readonly leaves: readonly RecordLeaf[];
  /** The subject's entries, in the order the subject kind requires (see the file header). */
  readonly entries: readonly SignedEntry[];
  /**
   * Every `party.key` rotation entry inside the checkpoint's heads (any order:
   * the proof lists them in (author, seq) order). Needed as soon as a party
   * rotated its key; omit or leave empty otherwise.
   */
  readonly keyEntries?: readonly SignedEntry[];
  readonly anchor: ProofAnchor | null;
}

/**
 * A proof with each entry's Merkle path computed from `leaves`. Throws
 * `CHECKPOINT_MALFORMED` when the checkpoint has no root, and `MERKLE_INVALID`
 * when `leaves` do not produce that root or an entry is not among them with
 * its hash. It does not verify signatures: `checkProof` does.
 *
 * @example
 * const proof = buildProof({ subject: { kind: 'entry' }, agreement, checkpoint, leaves,
 *   entries: [signed], anchor: null });
 * checkProof(JSON.parse(JSON.stringify(proof)), { allowUnanchored: true }).ok // true
 */
export function buildProof(input: BuildProofInput): Proof {
  const { subject, agreement, checkpoint, leaves, entries, anchor } = input;
  const root = checkpoint.checkpoint.root;
  if (root === undefined) {
    throw new LedgerError(
      'CHECKPOINT_MALFORMED',
      'checkpoint.root: missing, so nothing can be proven against it',
      {
        details: { field: 'checkpoint.root', rule: 'missing' },
      },
    );
  }
  const computed = recordRoot(leaves);
  if (computed !== root) {
    throw new LedgerError(
      'MERKLE_INVALID',
      `leaves: their root ${computed} is not the checkpoint's root ${root}`,
      {
        details: { field: 'leaves', expected: root, actual: computed },
      },
    );
  }
  const withPath = (signed: SignedEntry): ProofEntry => {
    const { author, seq } = signed.entry;
    const path = recordProof(leaves, author, seq);
    if (path.entry.leaf !== hashEntry(signed.entry)) {
      throw new LedgerError('MERKLE_INVALID', `entry ${author}/${seq}: its hash is not the record's leaf`, {
        details: { author, seq, expected: path.entry.leaf, actual: hashEntry(signed.entry) },
      });
    }
    return { signed, path };
  };
  const keys = [...(input.keyEntries ?? [])]
    .sort((a, b) => byCodeUnit(a.entry.author, b.entry.author) || a.entry.seq - b.entry.seq)
    .map(withPath);
  return deepFreeze({
    schema: PROOF_SCHEMA,
    subject,
    agreement,
    entries: entries.map(withPath),
    ...(keys.length > 0 ? { keys } : {}),
    checkpoint,
    anchor,
  });
}

/**
 * Checks every fact a proof claims, in order: shape; agreement; each key
 * rotation; each entry; checkpoint; the subject; the anchor. Entries are
 * checked with their author's key at their seq, the checkpoint's
 * co-signatures with the keys current at its heads — the genesis keys
 * followed through the proof's `keys`. Never throws for bad content.
 *
 * @example
 * const report = checkProof(JSON.parse(text));
 * for (const c of report.checks) console.log(`${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}`);
 */
export function checkProof(proof: unknown, options: VerifyProofOptions = {}): ProofReport {
  const subjects = options.subjects ?? {};
  const problem = shapeProblem(proof, subjects);
  if (problem !== undefined) {
    return report([{ name: 'proof: schema', ok: false, detail: problem }]);
  }
  const p = proof as Proof;
  const checks: Check[] = [
    {
      name: 'proof: schema',
      ok: true,
      detail: `a ${PROOF_SCHEMA} document about ${describeSubject(p, subjects)}`,
    },
  ];
  const run = (name: string, fn: () => Outcome): void => {
    checks.push({ name, ...guarded(fn) });
  };
  const genesis = p.agreement.genesis;
  const parties: readonly PartyKey[] = [genesis.seller, genesis.buyer];
  const id = p.agreement.id;
  const signedCheckpoint = p.checkpoint;
  const checkpoint = signedCheckpoint.checkpoint;
  const legacy = legacySigningOf(genesis);
  const refusedLegacy = (sig: unknown) =>
    !legacy && isLegacyForm(sig) ? ' (a legacy signature, which this bilateral does not accept)' : '';

  // Agreement.
  run('agreement: id', () => {
    const expected = bilateralId(genesis);
    return expected === id
      ? pass(`bilateral ${short(id)} is the hash of the genesis`)
      : fail(
          `the agreement names bilateral ${short(id)} but its genesis hashes to ${short(expected)} — the genesis was changed`,
        );
  });
  run('agreement: terms hash', () => {
    const actual = hashJson(genesis.terms);
    return actual === genesis.termsHash
      ? pass(`the terms hash to ${short(actual)}, as the genesis says`)
      : fail(
          `the terms hash to ${short(actual)} but the genesis says ${short(String(genesis.termsHash))} — the terms were changed after the parties agreed`,
        );
  });
  for (const role of ['seller', 'buyer'] as const) {
    const party = genesis[role];
    run(`agreement: ${role} signature`, () => {
      const sig = (p.agreement.sigs as Record<string, unknown> | null)?.[role];
      if (typeof sig !== 'string') return fail(`${party.id} (${role}) has not signed the agreement`);
      return verifyAgreementSignature(id, party.key, sig, { legacy })
        ? pass(`${party.id} (${role}) agreed to bilateral ${short(id)} with its key ${short(party.key)}`)
        : fail(
            `${party.id}'s (${role}) signature does not verify with its key${refusedLegacy(sig)} — the signature or the bilateral id was changed`,
          );
    });
  }

  // Key rotations: each must be signed with the key current before it, so the schedule grows in order.
  const heads = checkpoint.heads as Readonly<Record<string, { seq: number; hash: Hash } | undefined>>;
  const total = sumSeqs(heads);
  const schedule = new KeySchedule(parties);
  const rotated = new Set<string>();
  (p.keys ?? []).forEach((item, i) => {
    run(`keys: ${entryLabel(item.signed, i)}`, () => {
      const outcome = rotationOutcome(item, { id, legacy, schedule, heads, root: checkpoint.root });
      if (outcome.ok) rotated.add(item.signed.entry.author);
      return outcome;
    });
  });
  const missingRotations = (who: string) =>
    rotated.has(who)
      ? `a rotation entry of ${who} after those this proof carries is missing`
      : `this proof carries no rotation entries (keys) of ${who}: the rotation entries are missing`;

  // Entries.
  p.entries.forEach((item, i) => {
    const entry = item.signed.entry;
    const label = `entry ${entryLabel(item.signed, i)}`;
    const party = parties.find((q) => q.id === entry.author);
    // The key this entry must be signed with: the genesis key, or the one the author's last rotation before it brought.
    const expected = party === undefined ? undefined : schedule.keyFor(party.id, entry.seq);
    const keyName = (key: string) =>
      key === party?.key
        ? `${party.id}'s key ${short(key)} from the genesis`
        : `${String(party?.id)}'s key ${short(key)} for seq ${entry.seq}, after its rotation`;
    run(`${label}: well-formed`, () => {
      const issue = signedEntryIssue(item.signed);
      return issue === undefined
        ? pass(`kind ${String(entry.kind)}, with the fields and encodings the ledger requires`)
        : fail(`${issue.field}: ${issue.rule}`);
    });
    run(`${label}: bilateral`, () =>
      entry.bilateral === id
        ? pass(`belongs to bilateral ${short(id)}`)
        : fail(
            `belongs to bilateral ${short(String(entry.bilateral))}, not to this agreement's ${short(id)}`,
          ),
    );
    run(`${label}: author`, () =>
      party !== undefined
        ? pass(`${party.id} is the ${party === genesis.seller ? 'seller' : 'buyer'}`)
        : fail(
            `${String(entry.author)} is not a party to this bilateral (${genesis.seller.id}, ${genesis.buyer.id})`,
          ),
    );
    run(`${label}: key`, () => {
      if (party === undefined || expected === undefined) {
        return fail(`no key to compare: ${String(entry.author)} is not a party`);
      }
      if (item.signed.key === expected) {
        return pass(
          expected === party.key
            ? `signed with ${party.id}'s key from the genesis`
            : `signed with ${keyName(expected)}`,
        );
      }
      return fail(
        `signed with key ${short(String(item.signed.key))}, not ${keyName(expected)} — ${party.id} never held that key for this seq, or ${missingRotations(party.id)}`,
      );
    });
    run(`${label}: signature`, () => {
      const key = expected ?? item.signed.key;
      const who = party?.id ?? String(entry.author);
      const bytes = canonicalBytes(entry);
      if (verifyIn('entry', key, bytes, item.signed.sig, { legacy })) {
        return pass(
          party !== undefined && key !== party.key
            ? `verifies with ${keyName(key)}`
            : `verifies with ${who}'s key`,
        );
      }
      // Validly signed, but by a key the proof does not show to be the author's at this seq.
      if (key !== item.signed.key && verifyIn('entry', item.signed.key, bytes, item.signed.sig, { legacy })) {
        const notThat =
          key === party?.key ? `which is not ${who}'s genesis key ${short(key)}` : `not ${keyName(key)}`;
        return fail(
          `verifies only with the key it names, ${short(item.signed.key)}, ${notThat} — ${missingRotations(who)}, or the entry was signed with a key that was never ${who}'s`,
        );
      }
      return fail(
        `does not verify with ${who}'s key${refusedLegacy(item.signed.sig)} — the entry was changed after signing, or the signature was damaged`,
      );
    });
    run(`${label}: merkle path`, () => pathOutcome(item, checkpoint.root, heads));
    run(`${label}: within checkpoint`, () => withinOutcome(item, heads));
  });

  // Checkpoint.
  run('checkpoint: bilateral', () =>
    checkpoint.bilateral === id
      ? pass(`names bilateral ${short(id)}`)
      : fail(`names bilateral ${short(String(checkpoint.bilateral))}, not this agreement's ${short(id)}`),
  );
  run('checkpoint: co-signatures', () => {
    // Co-signed with each party's key current after its head: a rotation inside the checkpoint applies to it.
    const keys = schedule.keysAt(heads);
    const changed = keys.filter((k) => !parties.some((q) => q.id === k.id && q.key === k.key));
    try {
      verifyCheckpoint(signedCheckpoint, keys, { legacy });
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      const sigs = signedCheckpoint.sigs as Record<string, unknown> | null;
      const party = String(error.details.party ?? '');
      const sig = sigs !== null && Object.hasOwn(sigs, party) ? sigs[party] : undefined;
      const withKey = changed.some((k) => k.id === party)
        ? "its key at the checkpoint's heads, after its rotation"
        : 'its genesis key';
      return fail(cosignFailure(error, refusedLegacy(sig), withKey));
    }
    return pass(
      changed.length === 0
        ? `signed by ${genesis.seller.id} and ${genesis.buyer.id} with their genesis keys`
        : `signed by ${genesis.seller.id} and ${genesis.buyer.id} with their keys at the checkpoint's heads (${changed.map((k) => `${k.id} rotated to ${short(k.key)}`).join(', ')})`,
    );
  });
  run('checkpoint: root', () =>
    isHash(checkpoint.root)
      ? pass(`record root ${short(checkpoint.root)} over ${total} entries`)
      : fail('the checkpoint carries no Merkle root of the record, so no entry can be proven against it'),
  );

  // Subject.
  if (p.subject.kind !== 'entry') subjects[p.subject.kind]?.checks(p, run);

  // Anchor.
  const anchor = p.anchor;
  if (anchor === null) {
    run('anchor: present', () =>
      options.allowUnanchored === true
        ? pass('not anchored yet — accepted because unanchored proofs were allowed')
        : fail('the checkpoint is not anchored yet: no chain attests when it was agreed'),
    );
  } else {
    run('anchor: value', () => {
      const expected = anchorValue(checkpoint);
      return anchor.value.toLowerCase() === expected
        ? pass(`${short(expected)} is the hash of the checkpoint`)
        : fail(
            `the anchored value ${short(anchor.value)} is not the checkpoint's hash ${short(expected)} — the anchor is for another checkpoint, or one of them was changed`,
          );
    });
    run('anchor: bilateral', () =>
      anchor.bilateral.toLowerCase() === `0x${id}`
        ? pass(`anchored for bilateral ${short(id)}`)
        : fail(`anchored for ${short(anchor.bilateral)}, not for bilateral ${short(id)}`),
    );
    run('anchor: seq', () =>
      anchor.seq === total
        ? pass(`seq ${total} = the sum of the checkpoint's head seqs`)
        : fail(`seq ${anchor.seq} is not ${total}, the sum of the checkpoint's head seqs`),
    );
  }
  return report(checks);
}

export const pass = (detail: string): Outcome => ({ ok: true, detail });
export const fail = (detail: string): Outcome => ({ ok: false, detail });

function guarded(fn: () => Outcome): Outcome {
  try {
    return fn();
  } catch (error) {
    return fail(`could not be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function report(checks: readonly Check[]): ProofReport {
  return deepFreeze({ ok: checks.length > 0 && checks.every((c) => c.ok), checks: [...checks] });
}

function pathOutcome(
  item: ProofEntry,
  root: Hash | undefined,
  heads: Readonly<Record<string, { seq: number } | undefined>>,
): Outcome {
  const { entry } = item.signed;
  const { entry: inStream, stream } = item.path;
  if (!isHash(root)) return fail('the checkpoint carries no record root to prove against');
  const leaf = hashEntry(entry);
  if (inStream.leaf !== leaf) {
    return fail(
      `the path starts from leaf ${short(String(inStream.leaf))} but the entry hashes to ${short(leaf)} — the entry or the path's leaf was changed`,
    );
  }
  const head = headOf(heads, entry.author);
  if (head !== undefined && inStream.count !== head.seq) {
    return fail(
      `the path is for a stream of ${String(inStream.count)} entries, but ${entry.author}'s head in the checkpoint is seq ${head.seq}`,
    );
  }
  if (inStream.index !== entry.seq - 1) {
    return fail(
      `the path puts the entry at index ${String(inStream.index)} (0-based) of its stream, but seq ${entry.seq} is at index ${entry.seq - 1}`,
    );
  }
  const authors = Object.keys(heads)
    .filter((party) => headOf(heads, party) !== undefined)
    .sort(byCodeUnit);
  if (stream.count !== authors.length) {
    return fail(
      `the path joins ${String(stream.count)} streams, but the checkpoint has heads for ${authors.length}`,
    );
  }
  if (head !== undefined && stream.index !== authors.indexOf(entry.author)) {
    return fail(
      `the path puts ${entry.author}'s stream at index ${String(stream.index)} (0-based), but it is at index ${authors.indexOf(entry.author)} of ${authors.join(', ')}`,
    );
  }
  return recordPathRoot(item.path) === root
    ? pass(
        `leaf ${short(leaf)}, entry ${inStream.index + 1} of ${inStream.count} in ${entry.author}'s stream, and that stream, ${stream.index + 1} of ${stream.count}, lead to the checkpoint's root ${short(root)}`,
      )
    : fail(
        `the path does not lead to the checkpoint's root ${short(root)} — a sibling hash or the root was changed`,
      );
}

/** Whether a proof entry lies inside the checkpoint's heads (the head itself: the same entry). */
function withinOutcome(
  item: ProofEntry,
  heads: Readonly<Record<string, { seq: number; hash: Hash } | undefined>>,
): Outcome {
  const { entry } = item.signed;
  const head = headOf(heads, entry.author);
  if (head === undefined) return fail(`the checkpoint holds no entry of ${String(entry.author)}`);
  if (entry.seq > head.seq) {
    return fail(`seq ${entry.seq} is after ${String(entry.author)}'s head ${head.seq} in the checkpoint`);
  }
  if (entry.seq === head.seq && head.hash !== hashEntry(entry)) {
    return fail(
      `the checkpoint's head ${String(entry.author)}/${head.seq} is a different entry (hash ${short(head.hash)})`,
    );
  }
  return pass(`seq ${entry.seq} ≤ ${String(entry.author)}'s head ${head.seq} in the checkpoint`);
}

/**
 * One `party.key` entry of a proof, checked as a node checks it on arrival
 * and placed in the record, then applied to `schedule` — only when it passes,
 * so a rejected rotation changes no key after it.
 */
function rotationOutcome(
  item: ProofEntry,
  at: {
    readonly id: Hash;
    readonly legacy: boolean;
    readonly schedule: KeySchedule;
    readonly heads: Readonly<Record<string, { seq: number; hash: Hash } | undefined>>;
    readonly root: Hash | undefined;
  },
): Outcome {
  const issue = signedEntryIssue(item.signed);
  if (issue !== undefined) return fail(`${issue.field}: ${issue.rule}`);
  const { entry, key, sig } = item.signed;
  const who = entry.author;
  if (entry.bilateral !== at.id) {
    return fail(`belongs to bilateral ${short(entry.bilateral)}, not to this agreement's ${short(at.id)}`);
  }
  if (entry.kind !== KEY_ROTATION_KIND)
    return fail(`a ${entry.kind} entry, not a ${KEY_ROTATION_KIND} rotation`);
  const expected = at.schedule.keyFor(who, entry.seq);
  if (expected === undefined) return fail(`${who} is not a party to this bilateral`);
  if (key !== expected) {
    return fail(
      `signed with key ${short(key)}, but ${who}'s key at seq ${entry.seq} is ${short(expected)} — a rotation must be signed with the key it retires; an earlier rotation is missing or out of order`,
    );
  }
  if (!verifyIn('entry', key, canonicalBytes(entry), sig, { legacy: at.legacy })) {
    return fail(
      `the entry's signature does not verify with ${who}'s key ${short(key)} — the entry was changed after signing, or the signature was damaged`,
    );
  }
  const path = pathOutcome(item, at.root, at.heads);
  if (!path.ok) return fail(`merkle path: ${path.detail}`);
  const within = withinOutcome(item, at.heads);
  if (!within.ok) return within;
  try {
    at.schedule.apply(entry);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return fail(`not a valid rotation: ${error.message}`);
  }
  const { oldKey, newKey } = entry.body as unknown as KeyRotationBody;
  return pass(
    `key rotated from ${short(oldKey)} to ${short(newKey)}: signed by the old key, inside the checkpoint; ${who} signs with the new key from seq ${entry.seq + 1}`,
  );
}

function cosignFailure(error: LedgerError, why: string, withKey: string): string {
  const party = String(error.details.party ?? '');
  switch (error.code) {
    case 'CHECKPOINT_MISSING_SIGNATURE':
      return `${party} has not signed the checkpoint — it is not an agreement point`;
    case 'CHECKPOINT_BAD_SIGNATURE':
      return `${party}'s signature does not verify with ${withKey}${why} — the checkpoint was changed after signing, the signature was damaged, or ${party} signed with a key from a rotation this proof does not carry`;
    default:
      return `the checkpoint is malformed: ${error.message}`;
  }
}

/** The first problem with the outer shape of a would-be proof, or undefined. */
function shapeProblem(value: unknown, subjects: Readonly<Record<string, SubjectSpec>>): string | undefined {
  const proof = asRecord(value);
  if (proof === undefined) return 'expected a JSON object';
  if (proof.schema === 'smart-bilateral/proof@1') {
    return `a smart-bilateral/proof@1 document: its one-list record paths were replaced in ${PROOF_SCHEMA} by a path per stream; export the proof again with sb proof`;
  }
  if (proof.schema !== PROOF_SCHEMA)
    return `not a ${PROOF_SCHEMA} document (schema: ${JSON.stringify(proof.schema)})`;
  const extra = Object.keys(proof).find(
    (k) => !['schema', 'subject', 'agreement', 'entries', 'keys', 'checkpoint', 'anchor'].includes(k),
  );
  if (extra !== undefined) return `${extra}: unexpected field`;
  const subject = asRecord(proof.subject);
  if (subject === undefined) return 'subject: expected an object';
  const kinds = ['entry', ...Object.keys(subjects)];
  const kind = typeof subject.kind === 'string' && kinds.includes(subject.kind) ? subject.kind : undefined;
  if (kind === undefined)
    return `subject.kind: expected ${kinds.join(', ')}, got ${JSON.stringify(subject.kind)}`;
  const spec = kind === 'entry' ? undefined : subjects[kind];
  const range = spec?.entries ?? ([1, 1] as const);
  const subjectProblem = spec?.shape(subject);
  if (subjectProblem !== undefined) return subjectProblem;
  const agreement = asRecord(proof.agreement);
  const genesis = asRecord(agreement?.genesis);
  if (agreement === undefined || genesis === undefined) return 'agreement: expected { genesis, id, sigs }';
  if (typeof agreement.id !== 'string') return 'agreement.id: expected a string';
  for (const role of ['seller', 'buyer']) {
    const party = asRecord(genesis[role]);
    if (party === undefined || typeof party.id !== 'string' || typeof party.key !== 'string') {
      return `agreement.genesis.${role}: expected { id, key }`;
    }
  }
  // Keys are followed per party id (`KeySchedule`), so two parties cannot share one.
  if (asRecord(genesis.seller)?.id === asRecord(genesis.buyer)?.id) {
    return 'agreement.genesis: the seller and the buyer have the same id';
  }
  if (!Array.isArray(proof.entries)) return 'entries: expected an array';
  const [min, max] = range;
  if (proof.entries.length < min || proof.entries.length > max) {
    return `entries: a ${subject.kind} proof carries ${min === max ? min : `${min} or ${max}`} entr${max === 1 ? 'y' : 'ies'}, this one ${proof.entries.length}`;
  }
  for (const [i, item] of proof.entries.entries()) {
    const problem = proofEntryProblem(item, `entries[${i}]`);
    if (problem !== undefined) return problem;
  }
  if ('keys' in proof) {
    if (!Array.isArray(proof.keys)) return 'keys: expected an array of { signed, path }';
    for (const [i, item] of proof.keys.entries()) {
      const problem = proofEntryProblem(item, `keys[${i}]`);
      if (problem !== undefined) return problem;
    }
  }
  const signedCheckpoint = asRecord(proof.checkpoint);
  const checkpoint = asRecord(signedCheckpoint?.checkpoint);
  if (checkpoint === undefined) return 'checkpoint: expected { checkpoint, sigs }';
  const heads = asRecord(checkpoint.heads);
  if (heads === undefined) return 'checkpoint.checkpoint.heads: expected an object';
  for (const [party, head] of Object.entries(heads)) {
    const h = asRecord(head);
    if (h === undefined || !Number.isSafeInteger(h.seq) || (h.seq as number) < 1) {
      return `checkpoint.checkpoint.heads.${party}: expected { seq, hash }`;
    }
  }
  if (proof.anchor !== null) return anchorProblem(proof.anchor);
  return undefined;
}

/** The first shape problem of one `{ signed, path }` item at `at` (`entries[0]`), or undefined. */
function proofEntryProblem(item: unknown, at: string): string | undefined {
  const signed = asRecord(asRecord(item)?.signed);
  const entry = asRecord(signed?.entry);
  if (signed === undefined || entry === undefined) return `${at}.signed: expected { entry, key, sig }`;
  if (typeof entry.author !== 'string' || !Number.isSafeInteger(entry.seq)) {
    return `${at}.signed.entry: expected an author and a seq`;
  }
  const path = asRecord(asRecord(item)?.path);
  if (path === undefined || !isPathShape(path.entry) || !isPathShape(path.stream)) {
    return `${at}.path: expected { entry, stream }, each a Merkle path { count, index, leaf, siblings }`;
  }
  return undefined;
}

function anchorProblem(value: unknown): string | undefined {
  const anchor = asRecord(value);
  if (anchor === undefined) return 'anchor: expected an object or null';
  const hex = (n: number) => new RegExp(`^0x[0-9a-fA-F]{${n}}$`);
  const fields: readonly [string, (v: unknown) => boolean, string][] = [
    ['chainId', (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive integer'],
    ['contract', (v) => typeof v === 'string' && hex(40).test(v), 'an address (0x and 40 hex)'],
    ['bilateral', (v) => typeof v === 'string' && hex(64).test(v), '0x and 64 hex'],
    ['seq', (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
    ['value', (v) => typeof v === 'string' && hex(64).test(v), '0x and 64 hex'],
    ['txHash', (v) => typeof v === 'string' && hex(64).test(v), '0x and 64 hex'],
    ['blockNumber', (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
    ['blockHash', (v) => typeof v === 'string' && hex(64).test(v), '0x and 64 hex'],
  ];
  for (const [field, ok, rule] of fields) {
    if (!ok(anchor[field])) return `anchor.${field}: expected ${rule}`;
  }
  const extra = Object.keys(anchor).find((k) => !fields.some(([field]) => field === k));
  return extra === undefined ? undefined : `anchor.${extra}: unexpected field`;
}

/** True when `value` has the shape of a Merkle path `{ count, index, leaf, siblings }`. */
export function isPathShape(value: unknown): boolean {
  const path = asRecord(value);
  return (
    path !== undefined &&
    Number.isSafeInteger(path.count) &&
    Number.isSafeInteger(path.index) &&
    typeof path.leaf === 'string' &&
    Array.isArray(path.siblings)
  );
}

function describeSubject(p: Proof, subjects: Readonly<Record<string, SubjectSpec>>): string {
  const first = p.entries[0]!.signed.entry;
  const spec = p.subject.kind === 'entry' ? undefined : subjects[p.subject.kind];
  return spec?.describe(p) ?? `entry ${first.author}/${first.seq}`;
}

function entryLabel(signed: SignedEntry, i: number): string {
  const { author, seq } = signed.entry;
  return typeof author === 'string' && Number.isSafeInteger(seq) ? `${author}/${seq}` : `#${i + 1}`;
}

/** The head of `party`, own properties only (a party id may be `constructor`). */
function headOf<H>(heads: Readonly<Record<string, H | undefined>>, party: string): H | undefined {
  return Object.hasOwn(heads, party) ? heads[party] : undefined;
}

function sumSeqs(heads: Readonly<Record<string, { seq: number } | undefined>>): number {
  return Object.values(heads).reduce((sum, head) => sum + (head?.seq ?? 0), 0);
}

/** A bare signature (no `sb2.` version): acceptable only on a legacy bilateral. */
function isLegacyForm(sig: unknown): boolean {
  return typeof sig === 'string' && !sig.startsWith(SIGNATURE_PREFIX);
}

/** `value` as an object, or undefined when it is not one. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `1a2b3c4d5e6f…` — enough of a hash or key to tell it apart in a sentence. */
/** The first characters of a hash, as the checks' messages print it. */
export function short(text: string): string {
  return text.length > 16 ? `${text.slice(0, 12)}…` : text;
}
