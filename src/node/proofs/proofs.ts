/**
 * Proofs: a self-contained proof (src/ledger/proof.ts) of one entry, of a
 * period's invoice, or of one usage record: the entries, their Merkle paths
 * to the first co-signed checkpoint that covers them — the first anchored
 * one when there is one — and where that checkpoint is anchored.
 */
import { entriesWithin, usageSubject, verifyProof } from '../../kinds/index.ts';
import {
  buildProof,
  type Check,
  type JsonValue,
  KEY_ROTATION_KIND,
  type Proof,
  type ProofAnchor,
  type ProofSubject,
} from '../../ledger/index.ts';
import type { StoredEntry } from '../../store/index.ts';
import type { Checkpoints } from '../checkpoints/checkpoints.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { Invoices } from '../invoices/invoices.ts';

export type ProofRequest =
  | { readonly entry: { readonly author: string; readonly seq: number } }
  | { readonly invoice: string }
  | { readonly usage: { readonly author: string; readonly id: string } };

export class Proofs {
  readonly #core: NodeCore;
  readonly #invoices: Invoices;
  readonly #checkpoints: Checkpoints;

  constructor(core: NodeCore, invoices: Invoices, checkpoints: Checkpoints) {
    this.#core = core;
    this.#invoices = invoices;
    this.#checkpoints = checkpoints;
  }

  /**
   * Checks a proof as `sb verify` does (the same function: the file alone),
   * and, when this node runs with the chain the proof's anchor names, that the
   * anchor is on that chain. Any JSON is taken: a broken proof is a failed
   * check, never an error.
   */
  async verify(proof: unknown): Promise<{ ok: boolean; checks: Check[]; chainChecked: boolean }> {
    const report = verifyProof(proof);
    const checks: Check[] = [...report.checks];
    const anchor = (proof as { anchor?: ProofAnchor | null } | null)?.anchor;
    let chainChecked = false;
    if (report.checks[0]?.ok === true && anchor !== undefined && anchor !== null) {
      const onChain = await this.#checkpoints.checkAnchor(anchor);
      if (onChain !== undefined) {
        checks.push(...onChain);
        chainChecked = true;
      }
    }
    return { ok: checks.length > 0 && checks.every((c) => c.ok), checks, chainChecked };
  }

  async proof(id: string, subject: ProofRequest): Promise<Proof> {
    const store = this.#core.store;
    const context = await this.#core.context(id);
    const all = await store.listEntries(id);
    let entries: StoredEntry[];
    let proofSubject: ProofSubject;
    if ('usage' in subject) {
      // A usage record: its Merkle path to its batch entry's root, then the entry's path onwards.
      const { author, id: recordId } = subject.usage;
      const batchSeq = (await store.hasUsageIds(id, author, [recordId])).get(recordId);
      if (batchSeq === undefined)
        throw new NodeError('NOT_FOUND', `no usage record ${recordId} of ${author}`);
      const records = await store.usageBatchRecords(id, author, batchSeq);
      const index = records.findIndex((r) => r.id === recordId);
      const batch = all.find((e) => e.signed.entry.author === author && e.signed.entry.seq === batchSeq);
      if (batch === undefined || index < 0)
        throw new NodeError('NOT_FOUND', `no usage batch ${author}/${batchSeq}`);
      entries = [batch];
      proofSubject = usageSubject(records as unknown as JsonValue[], index, { author, seq: batchSeq });
    } else if ('entry' in subject) {
      const found = all.find(
        (e) => e.signed.entry.author === subject.entry.author && e.signed.entry.seq === subject.entry.seq,
      );
      if (found === undefined)
        throw new NodeError('NOT_FOUND', `no entry ${subject.entry.author}/${subject.entry.seq}`);
      entries = [found];
      proofSubject = { kind: 'entry' };
    } else {
      const issued = (await this.#invoices.list(id))
        .filter((i) => i.period === subject.invoice && i.status !== 'rejected')
        .at(-1);
      if (issued === undefined) throw new NodeError('NOT_FOUND', `no invoice issued for ${subject.invoice}`);
      const byHash = (hash: string) => all.find((e) => e.hash === hash)!;
      entries = [
        byHash(issued.entry.hash),
        ...(issued.answer === undefined ? [] : [byHash(issued.answer.entry.hash)]),
      ];
      proofSubject = { kind: 'invoice', period: issued.period, invoiceHash: issued.body.invoiceHash };
    }
    const covering = (await store.listCheckpoints(id)).filter(
      (cp) =>
        cp.checkpoint.root !== undefined &&
        Object.keys(cp.sigs).length === 2 &&
        entries.every((e) => (cp.checkpoint.heads[e.signed.entry.author]?.seq ?? 0) >= e.signed.entry.seq),
    );
    if (covering.length === 0) {
      throw new NodeError('NOT_FOUND', 'no co-signed checkpoint covers this item yet; create one first');
    }
    let chosen = covering[0]!;
    let anchor: ProofAnchor | null = null;
    for (const candidate of covering) {
      anchor = await this.#checkpoints.anchorOf(context, candidate);
      if (anchor !== null) {
        chosen = candidate;
        break;
      }
    }
    const inside = entriesWithin(all, chosen.checkpoint.heads);
    // Key rotations inside the checkpoint: a verifier follows them from the genesis keys.
    const keyEntries = inside.filter((e) => e.signed.entry.kind === KEY_ROTATION_KIND).map((e) => e.signed);
    return buildProof({
      keyEntries,
      subject: proofSubject,
      agreement: context.record.agreement,
      checkpoint: chosen,
      leaves: inside.map((e) => ({ author: e.signed.entry.author, seq: e.signed.entry.seq, hash: e.hash })),
      entries: entries.map((e) => e.signed),
      anchor,
    });
  }
}
