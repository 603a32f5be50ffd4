/**
 * Financing: a Seller offers an accepted invoice to a financier as
 * collateral. The package is one proof (`smart-bilateral/proof@2`, subject
 * `receivable`, src/kinds/receivable-proof.ts) a financier checks with
 * nothing but the file and the chain: the invoice, its acceptance, every
 * entry the Buyer's account is computed from, the agreed state the two
 * parties co-signed over them, the account that gives, and the pledge key.
 *
 * Design rationale:
 * - The package is made against a fresh checkpoint: the node checkpoints the
 *   record now (the Buyer co-signs), anchors it and waits, so the account is
 *   as of today and nothing recorded before the offer is left out. Without
 *   a chain (or if anchoring fails) the package says `anchor: null` and a
 *   financier's verification fails on it.
 * - Only the Seller offers its invoices; only an accepted invoice is a
 *   receivable. The Buyer learns nothing of the offer until a notice of
 *   assignment.
 * - What the chain says of the invoice's pledge key is read, not trusted:
 *   the package shows "already pledged" to a Seller who would offer it twice.
 */
import {
  type ChainPublicClient,
  type ContractAddresses,
  type PledgeState,
  pledgeKeyOf,
  readPledge,
} from '../../chain/index.ts';
import { dayOf, parseDay, ValidationError } from '../../core/index.ts';
import {
  accountOf,
  DISPUTE_KINDS,
  entriesWithin,
  FACT_KINDS,
  INVOICE_KINDS,
  NETTING_KINDS,
  NOTE_KINDS,
  PAYMENT_RECEIPT_KINDS,
  type ReceivableSubject,
} from '../../kinds/index.ts';
import { buildProof, KEY_ROTATION_KIND, type Proof, type ProofAnchor } from '../../ledger/index.ts';
import type { StoredEntry } from '../../store/index.ts';
import type { Checkpoints } from '../checkpoints/checkpoints.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { Invoices } from '../invoices/invoices.ts';

/** The kinds an account is computed from: every one a package carries. */
export const ACCOUNT_KINDS: readonly string[] = [
  ...FACT_KINDS,
  ...INVOICE_KINDS,
  ...NOTE_KINDS,
  ...DISPUTE_KINDS,
  ...PAYMENT_RECEIPT_KINDS,
  ...NETTING_KINDS,
];

export interface FinancingPackage {
  /** The proof a financier checks (`sb financing verify`). */
  readonly package: Proof;
  /** What the chain holds for its pledge key now; absent without a chain. */
  readonly pledge?: PledgeState;
}

export class Financing {
  readonly #core: NodeCore;
  readonly #invoices: Invoices;
  readonly #checkpoints: Checkpoints;
  #chain: { readonly publicClient: ChainPublicClient; readonly addresses: ContractAddresses } | undefined;

  constructor(core: NodeCore, invoices: Invoices, checkpoints: Checkpoints) {
    this.#core = core;
    this.#invoices = invoices;
    this.#checkpoints = checkpoints;
  }

  attachChain(chain: {
    readonly publicClient: ChainPublicClient;
    readonly addresses: ContractAddresses;
  }): void {
    this.#chain = chain;
  }

  /** `value` as a day `YYYY-MM-DD`, or `PACKAGE_INVALID` naming `asOf`. */
  day(value: unknown): string {
    if (typeof value !== 'string' || parseDay(value) === undefined) {
      throw new ValidationError('PACKAGE_INVALID', [
        { path: 'asOf', rule: 'expected a date YYYY-MM-DD', value },
      ]);
    }
    return value;
  }

  /** What the chain holds for the pledge key of `invoiceHash`; undefined without a chain. */
  async pledgeOf(invoiceHash: string): Promise<PledgeState | undefined> {
    if (this.#chain === undefined) return undefined;
    return readPledge(this.#chain.publicClient, this.#chain.addresses, pledgeKeyOf(invoiceHash));
  }

  /**
   * The financing package of the accepted invoice of `period` in bilateral
   * `id`, with the Buyer's account as of `asOf` (default: today in the
   * billing zone).
   * @throws NodeError `NOT_PERMITTED` on the Buyer's node; `NOT_FOUND` when
   *   no invoice of `period` is issued; `INVOICE_NOT_ACCEPTED` while the Buyer
   *   has not accepted it; `PEER_UNREACHABLE` when the Buyer does not co-sign
   *   a checkpoint.
   */
  async package(id: string, period: string, asOf?: string): Promise<FinancingPackage> {
    const core = this.#core;
    const context = await core.context(id);
    if (context.me.id !== context.seller) {
      throw new NodeError('NOT_PERMITTED', 'only the Seller offers its invoices as collateral');
    }
    const issued = (await this.#invoices.list(id))
      .filter((i) => i.period === period && i.status !== 'rejected')
      .at(-1);
    if (issued === undefined) throw new NodeError('NOT_FOUND', `no invoice issued for ${period}`);
    if (issued.status !== 'accepted' || issued.answer === undefined) {
      throw new NodeError(
        'INVOICE_NOT_ACCEPTED',
        `the ${period} invoice is not accepted by the Buyer: it is no receivable yet`,
        {
          details: { period, status: issued.status },
        },
      );
    }
    const day =
      asOf === undefined ? dayOf(core.now().getTime(), context.terms.billing.timeZone) : this.day(asOf);
    const checkpoint = await this.#checkpoints.now(id);
    if (checkpoint === undefined) {
      throw new NodeError(
        'PEER_UNREACHABLE',
        'no checkpoint: the Buyer did not co-sign one now (try again later)',
      );
    }
    await this.#checkpoints.anchorer?.flush();
    const anchor: ProofAnchor | null = await this.#checkpoints.anchorOf(context, checkpoint);
    const inside = entriesWithin(await core.store.listEntries(id), checkpoint.checkpoint.heads);
    const first = [issued.entry.hash, issued.answer.entry.hash];
    const byHash = (hash: string) => inside.find((e) => e.hash === hash)!;
    const rest = inside.filter((e) => ACCOUNT_KINDS.includes(e.signed.entry.kind) && !first.includes(e.hash));
    const entries: StoredEntry[] = [...first.map(byHash), ...rest];
    const subject: ReceivableSubject = {
      kind: 'receivable',
      period,
      invoiceHash: issued.body.invoiceHash,
      pledgeKey: pledgeKeyOf(issued.body.invoiceHash),
      asOf: day,
      state: await this.#checkpoints.state(id, checkpoint.checkpoint.heads),
      account: accountOf(context.terms, entries, day, period),
    };
    const proof = buildProof({
      subject,
      agreement: context.record.agreement,
      checkpoint,
      leaves: inside.map((e) => ({ author: e.signed.entry.author, seq: e.signed.entry.seq, hash: e.hash })),
      entries: entries.map((e) => e.signed),
      keyEntries: inside.filter((e) => e.signed.entry.kind === KEY_ROTATION_KIND).map((e) => e.signed),
      anchor,
    });
    const pledge = await this.pledgeOf(issued.body.invoiceHash);
    return { package: proof, ...(pledge === undefined ? {} : { pledge }) };
  }
}
