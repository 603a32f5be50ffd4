/**
 * What a proof of one usage record checks, beyond the entries, checkpoint
 * and anchor every proof has: the entry is the `usage.batch` the subject
 * names; the record's Merkle path leads to the batch's signed root; the
 * path's count is the batch's.
 *
 *   subject: { kind: 'usage', record, batch: { author, seq }, path: MerkleProof }
 */
import {
  asRecord,
  fail,
  hashJson,
  isHash,
  isPathShape,
  type JsonValue,
  LedgerError,
  type MerkleProof,
  merkleProof,
  type Proof,
  pass,
  type Run,
  type SubjectSpec,
  short,
  verifyMerkleProof,
} from '../ledger/index.ts';

/** A type, not an interface: it is assignable to the ledger's open `ProofSubject`. */
export type UsageSubject = {
  readonly kind: 'usage';
  readonly record: JsonValue;
  readonly batch: { readonly author: string; readonly seq: number };
  readonly path: MerkleProof;
};

/**
 * The `usage` subject for `records[index]` of a batch whose Merkle root is
 * over `records.map(hashJson)` in that order.
 */
export function usageSubject(
  records: readonly JsonValue[],
  index: number,
  batch: { readonly author: string; readonly seq: number },
): UsageSubject {
  const record = records[index];
  if (record === undefined) {
    throw new LedgerError('MERKLE_INVALID', `index: ${index} is outside 0..${records.length - 1}`, {
      details: { field: 'index', value: index, count: records.length },
    });
  }
  const path = merkleProof(records.map(hashJson), index);
  return { kind: 'usage', record, batch: { author: batch.author, seq: batch.seq }, path };
}

export const usageProof: SubjectSpec = {
  entries: [1, 1],
  shape: (subject) => {
    const batch = asRecord(subject.batch);
    if (!('record' in subject)) return 'subject.record: missing';
    if (batch === undefined || typeof batch.author !== 'string' || typeof batch.seq !== 'number') {
      return 'subject.batch: expected { author, seq }';
    }
    if (!isPathShape(subject.path))
      return 'subject.path: expected a Merkle path { count, index, leaf, siblings }';
    return undefined;
  },
  describe: (p) => {
    const { batch } = p.subject as unknown as UsageSubject;
    return `a usage record of batch ${batch.author}/${batch.seq}`;
  },
  checks: usageChecks,
};

function usageChecks(p: Proof, run: Run): void {
  const subject = p.subject as unknown as UsageSubject;
  const batch = p.entries[0]!.signed.entry;
  const body = asRecord(batch.body);
  run('usage: batch', () => {
    if (batch.kind !== 'usage.batch') return fail(`the entry is ${String(batch.kind)}, not usage.batch`);
    if (batch.author !== subject.batch.author || batch.seq !== subject.batch.seq) {
      return fail(
        `the proof names batch ${String(subject.batch.author)}/${String(subject.batch.seq)} but the entry is ${String(batch.author)}/${batch.seq}`,
      );
    }
    if (!isHash(body?.root)) return fail('the batch entry carries no Merkle root');
    return pass(`batch ${batch.author}/${batch.seq} with root ${short(body.root)}`);
  });
  run('usage: record path', () => {
    const root = body?.root;
    if (!isHash(root)) return fail('the batch entry carries no Merkle root');
    const leaf = hashJson(subject.record);
    if (subject.path.leaf !== leaf) {
      return fail(
        `the path starts from leaf ${short(String(subject.path.leaf))} but the record hashes to ${short(leaf)} — the record or the path's leaf was changed`,
      );
    }
    return verifyMerkleProof(subject.path, root)
      ? pass(
          `record ${short(leaf)}, ${subject.path.index + 1} of ${subject.path.count} in the batch, leads to the batch root ${short(root)}`,
        )
      : fail(
          `the record's path does not lead to the batch root ${short(root)} — a sibling hash or the index was changed`,
        );
  });
  run('usage: count', () =>
    subject.path.count === body?.count
      ? pass(`the batch holds ${String(body.count)} records, as the path says`)
      : fail(
          `the path is for a batch of ${String(subject.path.count)} records but the batch entry says ${String(body?.count)}`,
        ),
  );
}
