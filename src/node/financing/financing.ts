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
import { byCodeUnit, dayOf, formatMinor, minorUnit, parseDay, ValidationError } from '../../core/index.ts';
import {
  ACCOUNT_TEXT,
  ASSIGNMENT_KINDS,
  type AssignmentAcknowledgedBody,
  accountOf,
  assignmentsOf,
  DISPUTE_KINDS,
  disputesOf,
  entriesWithin,
  FACT_KINDS,
  FINANCIER_ID,
  type HeldAssignment,
  INVOICE_KINDS,
  type InvoiceAssignedBody,
  minorOf,
  NETTING_KINDS,
  NOTE_KINDS,
  PAYMENT_RECEIPT_KINDS,
  type ReceivableSubject,
} from '../../kinds/index.ts';
import {
  buildProof,
  type JsonValue,
  KEY_ROTATION_KIND,
  type Proof,
  type ProofAnchor,
  type SignedCheckpoint,
} from '../../ledger/index.ts';
import type { StoredEntry } from '../../store/index.ts';
import type { Checkpoints } from '../checkpoints/checkpoints.ts';
import type { BilateralContext } from '../core/context.ts';
import { type NodeCore, short } from '../core/node-core.ts';
import type { Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';
import type { Invoices } from '../invoices/invoices.ts';
import type { Statements } from '../statements/statements.ts';

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
  readonly #replication: Replication;
  readonly #statements: Statements;
  #chain: { readonly publicClient: ChainPublicClient; readonly addresses: ContractAddresses } | undefined;

  constructor(
    core: NodeCore,
    replication: Replication,
    invoices: Invoices,
    checkpoints: Checkpoints,
    statements: Statements,
  ) {
    this.#core = core;
    this.#replication = replication;
    this.#invoices = invoices;
    this.#checkpoints = checkpoints;
    this.#statements = statements;
    const acknowledge = (id: string) => core.schedule(() => this.#acknowledgePending(id));
    core.onReceived('invoice.assigned', acknowledge);
    core.onSynced(acknowledge);
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
    const fresh = await this.#checkpoints.now(id);
    if (fresh === undefined) {
      throw new NodeError(
        'PEER_UNREACHABLE',
        'no checkpoint: the Buyer did not co-sign one now (try again later)',
      );
    }
    await this.#checkpoints.anchorer?.flush();
    const { checkpoint, anchor } = await this.#anchored(context, fresh, issued.answer.entry);
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

  /**
   * The checkpoint a package is made against: the fresh one when its anchor
   * is final already; otherwise (a chain that wants more confirmations than
   * one round gives) the newest co-signed checkpoint with a final anchor that
   * holds the acceptance — older, but one a financier can check on the
   * chain; failing that, the fresh one, unanchored.
   */
  async #anchored(
    context: BilateralContext,
    fresh: SignedCheckpoint,
    acceptance: { readonly author: string; readonly seq: number },
  ): Promise<{ checkpoint: SignedCheckpoint; anchor: ProofAnchor | null }> {
    const anchor = await this.#checkpoints.anchorOf(context, fresh);
    if (anchor !== null) return { checkpoint: fresh, anchor };
    const stored = await this.#core.store.listCheckpoints(context.id);
    for (const candidate of [...stored].reverse()) {
      const covers = (candidate.checkpoint.heads[acceptance.author]?.seq ?? 0) >= acceptance.seq;
      if (candidate.checkpoint.root === undefined || Object.keys(candidate.sigs).length !== 2 || !covers)
        continue;
      const final = await this.#checkpoints.anchorOf(context, candidate);
      if (final !== null) return { checkpoint: candidate, anchor: final };
    }
    return { checkpoint: fresh, anchor: null };
  }

  /** The notices of assignment of bilateral `id`, each with the Buyer's acknowledgement once made. */
  async assignments(id: string): Promise<HeldAssignment[]> {
    await this.#core.context(id);
    return assignmentsOf(await this.#core.store.listEntries(id, { kinds: ASSIGNMENT_KINDS }));
  }

  /**
   * Seller: records the notice that the accepted invoice of `period` is
   * assigned to the financier that pledged it on the chain, for the Buyer's
   * node to acknowledge.
   * @throws ValidationError `ASSIGNMENT_INVALID` naming the field;
   *   NodeError `INVOICE_NOT_ACCEPTED`, `INVOICE_ASSIGNED` (a notice is
   *   recorded already), `PLEDGE_MISSING` (the chain holds no open pledge of
   *   the invoice by that account), `PLEDGE_UNVERIFIED` without a chain.
   */
  async assign(id: string, request: unknown): Promise<HeldAssignment> {
    const core = this.#core;
    const context = await core.context(id);
    if (context.me.id !== context.seller) {
      throw new NodeError('NOT_PERMITTED', 'only the Seller assigns its invoices');
    }
    const { period, financier, payTo } = assignmentRequest(request);
    const issued = (await this.#invoices.list(id))
      .filter((i) => i.period === period && i.status !== 'rejected')
      .at(-1);
    if (issued === undefined) throw new NodeError('NOT_FOUND', `no invoice issued for ${period}`);
    if (issued.status !== 'accepted') {
      throw new NodeError('INVOICE_NOT_ACCEPTED', `the ${period} invoice is not accepted by the Buyer`, {
        details: { period, status: issued.status },
      });
    }
    const pledge = await this.pledgeOf(issued.body.invoiceHash);
    if (pledge === undefined) {
      throw new NodeError(
        'PLEDGE_UNVERIFIED',
        'this node runs without a chain: it cannot check the pledge, so it assigns nothing',
      );
    }
    if (pledge.status !== 'pledged' || pledge.financier.toLowerCase() !== financier.account) {
      throw new NodeError(
        'PLEDGE_MISSING',
        `the chain holds no open pledge of the ${period} invoice by ${financier.account} (${pledge.status}${pledge.status === 'free' ? '' : ` by ${pledge.financier}`})`,
        { details: { period, account: financier.account, pledge: pledge.status } },
      );
    }
    await core.serially(id, async () => {
      const known = (await this.assignments(id)).find((a) => a.body.invoice.hash === issued.entry.hash);
      if (known !== undefined) {
        throw new NodeError(
          'INVOICE_ASSIGNED',
          `the ${period} invoice is assigned to ${known.body.financier.id} already (entry ${known.entry.author}/${known.entry.seq})`,
          { details: { period, financier: known.body.financier.id } },
        );
      }
      const body: InvoiceAssignedBody = {
        period,
        invoice: issued.entry,
        invoiceHash: issued.body.invoiceHash,
        pledgeKey: pledgeKeyOf(issued.body.invoiceHash),
        financier,
        payTo,
      };
      await core.appendOwn(context, 'invoice.assigned', body as unknown as JsonValue);
    });
    await this.#replication.push(id);
    return (await this.assignments(id)).find((a) => a.body.invoice.hash === issued.entry.hash)!;
  }

  /**
   * Buyer: acknowledges each notice of an invoice it accepted, once per
   * invoice, when the chain holds the financier's open pledge of it (a node
   * without a chain acknowledges nothing: it could not check).
   */
  async #acknowledgePending(id: string): Promise<void> {
    const core = this.#core;
    const context = await core.context(id);
    if (context.record.role !== 'buyer') return;
    const count = await core.serially(id, async () => {
      let made = 0;
      const invoices = await this.#invoices.list(id);
      for (const assignment of await this.assignments(id)) {
        if (assignment.acknowledged !== undefined) continue;
        const invoice = invoices.find((i) => i.entry.hash === assignment.body.invoice.hash);
        if (invoice?.status !== 'accepted' || invoice.body.invoiceHash !== assignment.body.invoiceHash) {
          core.log(
            `notice of assignment ${assignment.entry.author}/${assignment.entry.seq} of ${short(id)} names no invoice this node accepted`,
          );
          continue;
        }
        // The Buyer pays someone else from now on: only for a pledge the chain holds, by that account.
        const pledge = await this.pledgeOf(assignment.body.invoiceHash);
        if (
          pledge?.status !== 'pledged' ||
          pledge.financier.toLowerCase() !== assignment.body.financier.account
        ) {
          core.log(
            `notice of assignment ${assignment.entry.author}/${assignment.entry.seq} of ${short(id)} not acknowledged: the chain holds no open pledge by ${assignment.body.financier.account} (${pledge?.status ?? 'no chain'})`,
          );
          continue;
        }
        const body: AssignmentAcknowledgedBody = {
          period: assignment.body.period,
          invoiceHash: assignment.body.invoiceHash,
          assignment: assignment.entry,
        };
        await core.appendOwn(context, 'invoice.assignment.acknowledged', body as unknown as JsonValue);
        made++;
      }
      return made;
    });
    if (count > 0) await this.#replication.push(id);
  }

  /**
   * The financier's view: every assigned invoice `visible` lets the caller
   * see (by bilateral and financier), with its state today —
   * `paid` (nothing open), `disputed` (a dispute on its period is open),
   * `overdue` (past its due date), `open` — and what the chain holds for it.
   */
  async pledges(
    visible: (pledge: { bilateral: string; financier: string }) => boolean,
  ): Promise<PledgedInvoice[]> {
    const out: PledgedInvoice[] = [];
    for (const record of await this.#core.store.listBilaterals()) {
      if (record.role !== 'seller') continue;
      const assigned = (await this.assignments(record.id)).filter((a) =>
        visible({ bilateral: record.id, financier: a.body.financier.id }),
      );
      if (assigned.length === 0) continue;
      const statement = await this.#statements.statement(record.id);
      const disputes = await this.#core.store.listEntries(record.id, { kinds: DISPUTE_KINDS });
      const open = disputesOf(disputes).filter((d) => d.status === 'raised');
      for (const a of assigned) {
        const line = statement.invoices.find((i) => i.document === 'invoice' && i.period === a.body.period);
        if (line === undefined) continue;
        const disputed = open.some((d) => d.body.period === a.body.period);
        const state: PledgedInvoice['state'] =
          minorOf(line.open) <= 0n
            ? 'paid'
            : disputed
              ? 'disputed'
              : line.daysPastDue > 0
                ? 'overdue'
                : 'open';
        const chain = await this.pledgeOf(a.body.invoiceHash);
        out.push({
          bilateral: record.id,
          buyer: record.agreement.genesis.buyer.id,
          period: a.body.period,
          invoiceHash: a.body.invoiceHash,
          pledgeKey: a.body.pledgeKey,
          financier: a.body.financier,
          assignedAt: a.assignedAt,
          ...(a.acknowledged === undefined ? {} : { acknowledgedAt: a.acknowledged.at }),
          currency: statement.currency,
          total: line.total,
          open: line.open,
          dueDate: line.dueDate,
          daysPastDue: line.daysPastDue,
          state,
          ...(chain === undefined ? {} : { chain }),
        });
      }
    }
    return out;
  }

  /** Per Buyer and currency: how much of the financier's pledged invoices is open, overdue and disputed. */
  async exposure(
    visible: (pledge: { bilateral: string; financier: string }) => boolean,
  ): Promise<Exposure[]> {
    const byBuyer = new Map<
      string,
      { buyer: string; currency: string; invoices: number; open: bigint; overdue: bigint; disputed: bigint }
    >();
    for (const p of await this.pledges(visible)) {
      const key = `${p.buyer}\n${p.currency}`;
      const row = byBuyer.get(key) ?? {
        buyer: p.buyer,
        currency: p.currency,
        invoices: 0,
        open: 0n,
        overdue: 0n,
        disputed: 0n,
      };
      row.invoices++;
      const open = minorOf(p.open);
      row.open += open;
      if (p.state === 'overdue') row.overdue += open;
      if (p.state === 'disputed') row.disputed += open;
      byBuyer.set(key, row);
    }
    return [...byBuyer.values()]
      .sort((a, b) => byCodeUnit(a.buyer, b.buyer) || byCodeUnit(a.currency, b.currency))
      .map((r) => {
        const decimals = minorUnit(r.currency);
        return {
          buyer: r.buyer,
          currency: r.currency,
          invoices: r.invoices,
          open: formatMinor(r.open, decimals),
          overdue: formatMinor(r.overdue, decimals),
          disputed: formatMinor(r.disputed, decimals),
        };
      });
  }
}

/** An invoice assigned to a financier, as the financier sees it. */
export interface PledgedInvoice {
  readonly bilateral: string;
  readonly buyer: string;
  readonly period: string;
  readonly invoiceHash: string;
  readonly pledgeKey: string;
  readonly financier: { readonly id: string; readonly account: string };
  readonly assignedAt: string;
  readonly acknowledgedAt?: string;
  readonly currency: string;
  readonly total: string;
  readonly open: string;
  readonly dueDate: string;
  readonly daysPastDue: number;
  readonly state: 'open' | 'paid' | 'overdue' | 'disputed';
  /** What the chain holds for its pledge key; absent without a chain. */
  readonly chain?: PledgeState;
}

export interface Exposure {
  readonly buyer: string;
  readonly currency: string;
  readonly invoices: number;
  readonly open: string;
  readonly overdue: string;
  readonly disputed: string;
}

/** A notice of assignment request, checked field by field (`ASSIGNMENT_INVALID`). */
function assignmentRequest(request: unknown): {
  period: string;
  financier: { id: string; account: string };
  payTo: string;
} {
  const o = (
    request !== null && typeof request === 'object' && !Array.isArray(request) ? request : {}
  ) as Record<string, unknown>;
  const f = (o.financier !== null && typeof o.financier === 'object' ? o.financier : {}) as Record<
    string,
    unknown
  >;
  const issues: { path: string; rule: string; value: unknown }[] = [];
  if (typeof o.period !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(o.period)) {
    issues.push({ path: 'period', rule: 'expected YYYY-MM', value: o.period });
  }
  if (typeof f.id !== 'string' || !FINANCIER_ID.test(f.id)) {
    issues.push({ path: 'financier.id', rule: `expected a name matching ${FINANCIER_ID}`, value: f.id });
  }
  const account = typeof f.account === 'string' ? f.account.toLowerCase() : f.account;
  if (typeof account !== 'string' || !ACCOUNT_TEXT.test(account)) {
    issues.push({
      path: 'financier.account',
      rule: 'expected a 0x-prefixed 20-byte address',
      value: f.account,
    });
  }
  if (typeof o.payTo !== 'string' || o.payTo.length < 1 || o.payTo.length > 500) {
    issues.push({ path: 'payTo', rule: 'expected where to pay, 1 to 500 characters', value: o.payTo });
  }
  if (issues.length > 0) throw new ValidationError('ASSIGNMENT_INVALID', issues);
  return {
    period: o.period as string,
    financier: { id: f.id as string, account: account as string },
    payTo: o.payTo as string,
  };
}
