/**
 * Netting agreements between nodes (core/netting-agreement.ts): settlement
 * statements two parties co-sign, and multilateral rounds every member of a
 * group signs.
 *
 * - A settlement statement: one party's node computes it from its record
 *   (the undisputed open amounts of the agreed invoices of every bilateral
 *   with the other party, in one currency, up to a period, as of a day —
 *   an invoice assigned to a financier left out: it is not the Seller's to
 *   set off), signs it and sends it to the other; that node computes its
 *   own from its own record and co-signs only if the bytes are the same. Standing alone,
 *   it settles by set-off at once and the net payer's one payment settles
 *   the rest (`payNet`).
 * - A round: a member (the coordinator) gathers a co-signed statement for
 *   every pair of members that trade in the currency — its own, and those
 *   of other pairs, which it asks one member of the pair to produce — builds
 *   the round (each member's position, and at most n − 1 payments), and
 *   asks every member to sign. A member signs only after checking every
 *   statement's signatures and recomputing its own statements from its own
 *   record. Once all have signed, every member records the round in the
 *   bilaterals it sells in (`netting.settled`): that clears every invoice of
 *   the round, and the entries carry the round's hash into the checkpoints
 *   both parties sign and anchor on the chain. The round's payments are
 *   then tracked between payer and payee (paid, received).
 *
 * Design rationale:
 * - Nothing is trusted: every figure is recomputed, every signature checked
 *   against the key the directory holds, before a node signs or records.
 * - Recording is by the Seller of each bilateral, so each bilateral gets one
 *   `netting.settled` per agreement, and both nodes' statements apply it at
 *   the same instant (the agreement's).
 * - A round that does not gather every signature has no effect anywhere.
 */
import { randomBytes } from 'node:crypto';
import {
  byCodeUnit,
  dayOf,
  formatMinor,
  isPeriodId,
  type NettingLeg,
  type NettingRound,
  netPaymentParts,
  nettingRound,
  parseDay,
  parseInstant,
  ROUND_ID,
  roundApplications,
  type SettlementStatement,
  settlementApplications,
  settlementStatement,
  ValidationError,
} from '../../core/index.ts';
import {
  HASH_TEXT,
  NETTING_KINDS,
  type NettingSettledBody,
  nettingSettlementsOf,
  type SignedDocument,
} from '../../kinds/index.ts';
import { canonicalBytes, canonicalize, hashJson, type JsonValue, verifyIn } from '../../ledger/index.ts';
import type { NettingAgreementRecord } from '../../store/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import type { Replication } from '../core/replication.ts';
import { NodeError } from '../errors.ts';
import type { Facts } from '../facts/facts.ts';
import type { Peering } from '../peering/peering.ts';
import type { Statements } from '../statements/statements.ts';
import { bilateralsWith } from './with.ts';

/** What a statement or round is about; each defaults (see `#header`). */
export interface NettingHeader {
  readonly currency: string;
  readonly period: string;
  readonly asOf: string;
}

type Signed<D> = SignedDocument<D>;

/** A round payment's progress, as payer and payee record it. */
export interface RoundPaymentProgress {
  readonly paidAt?: string;
  readonly reference?: string;
  readonly receivedAt?: string;
}

export interface RoundProgress {
  readonly statements: readonly Signed<SettlementStatement>[];
  readonly payments: readonly RoundPaymentProgress[];
  /** On the coordinator's node: the members told the round is agreed. */
  readonly told?: readonly string[];
  /** Set once this node recorded the agreement where it sells (and, coordinating, told every member). */
  readonly settledHere?: true;
}

/** A statement standing alone, as this node keeps track of it. */
export interface SettlementProgress {
  readonly paid?: { readonly id: string; readonly at: string };
  readonly settledHere?: true;
}

const MAX_MEMBERS = 64;

function invalid(path: string, rule: string, value?: unknown): ValidationError {
  return new ValidationError('NETTING_INVALID', [{ path, rule, ...(value === undefined ? {} : { value }) }]);
}

function same(a: unknown, b: unknown): boolean {
  return canonicalize(a as JsonValue) === canonicalize(b as JsonValue);
}

export class NettingAgreements {
  readonly #core: NodeCore;
  readonly #replication: Replication;
  readonly #peering: Peering;
  readonly #statements: Statements;
  readonly #facts: Facts;

  constructor(
    core: NodeCore,
    replication: Replication,
    peering: Peering,
    statements: Statements,
    facts: Facts,
  ) {
    this.#core = core;
    this.#replication = replication;
    this.#peering = peering;
    this.#statements = statements;
    this.#facts = facts;
  }

  // ── reading ──────────────────────────────────────────────────────────────

  list(query: { type?: unknown; round?: unknown } = {}): Promise<NettingAgreementRecord[]> {
    const type = query.type;
    if (type !== undefined && type !== 'settlement' && type !== 'round') {
      throw invalid('type', 'expected settlement or round', type);
    }
    if (query.round !== undefined && (typeof query.round !== 'string' || !ROUND_ID.test(query.round))) {
      throw invalid('round', `expected ${ROUND_ID}`, query.round);
    }
    return this.#core.store.listNettingAgreements({
      ...(type === undefined ? {} : { type }),
      ...(query.round === undefined ? {} : { round: query.round as string }),
    });
  }

  async get(hash: string): Promise<NettingAgreementRecord> {
    const record = HASH_TEXT.test(hash) ? await this.#core.store.getNettingAgreement(hash) : undefined;
    if (record === undefined) throw new NodeError('NOT_FOUND', `no netting agreement ${hash}`);
    return record;
  }

  /**
   * The settlement statement between this party and `counterparty` as this
   * node computes it: per bilateral in `currency`, each agreed invoice of a
   * period up to `period` with what is open and undisputed at the end of
   * `asOf`. Debit notes stay out (they settle on their own), and so does
   * what an earlier statement left to its net payment.
   */
  async compute(
    counterparty: string,
    header: NettingHeader,
    round: string | null,
  ): Promise<SettlementStatement> {
    const me = this.#core.party;
    const legs: NettingLeg[] = [];
    const records = await bilateralsWith(this.#core, counterparty);
    // What an earlier statement left to its net payment stays with that payment.
    const reserved = new Set<string>();
    for (const record of records) {
      const entries = await this.#core.store.listEntries(record.id, { kinds: NETTING_KINDS });
      for (const { body } of nettingSettlementsOf(entries)) {
        if (body.agreement !== 'settlement') continue;
        for (const part of netPaymentParts(body.statement.document)) {
          for (const a of part.allocations) reserved.add(`${part.bilateral}/${a.period}`);
        }
      }
    }
    for (const record of records) {
      const context = await this.#core.context(record.id);
      if (context.terms.currency !== header.currency) continue;
      const statement = await this.#statements.statement(record.id, header.asOf);
      const items = statement.invoices
        .filter(
          (i) =>
            i.document === 'invoice' &&
            i.period <= header.period &&
            i.state !== 'generated' &&
            // An invoice assigned to a financier is the financier's to collect: never set off.
            i.assignedTo === undefined &&
            !reserved.has(`${record.id}/${i.period}`),
        )
        .map((i) => ({
          period: i.period,
          minor: BigInt(i.open.replace('.', '')) - BigInt(i.disputed.replace('.', '')),
          decimals: i.open.includes('.') ? i.open.length - i.open.indexOf('.') - 1 : 0,
        }))
        .filter((i) => i.minor > 0n)
        .sort((a, b) => byCodeUnit(a.period, b.period))
        .map((i) => ({ period: i.period, amount: formatMinor(i.minor, i.decimals) }));
      legs.push({ bilateral: record.id, seller: context.seller, buyer: context.buyer, items });
    }
    return settlementStatement({ parties: [me, counterparty], ...header, round, legs });
  }

  // ── a settlement statement standing alone ────────────────────────────────

  /**
   * Proposes the settlement statement with `counterparty` and has it
   * co-signed; once signed it settles by set-off (each node records it in
   * the bilaterals it sells in). `NETTING_INVALID` when there is nothing to
   * net; `NETTING_MISMATCH` when the counterparty's record says otherwise.
   */
  async settle(counterparty: string, request: Record<string, unknown>): Promise<NettingAgreementRecord> {
    const header = await this.#header(request, counterparty);
    const signed = await this.#cosigned(counterparty, header, null);
    if (signed === undefined)
      throw invalid('counterparty', `nothing open and undisputed to net with ${counterparty}`);
    const hash = hashJson(signed.document as unknown as JsonValue);
    await this.#complete(hash);
    return this.get(hash);
  }

  /**
   * The net payer pays the net of statement `hash`: one payment (`id`, at
   * `at`, not before the agreement), recorded in each bilateral it buys in
   * with that bilateral's part, allocated to the invoices the set-off left
   * open.
   */
  async payNet(hash: string, request: Record<string, unknown>): Promise<NettingAgreementRecord> {
    const record = await this.get(hash);
    const statement = record.document as unknown as SettlementStatement;
    if (record.type !== 'settlement' || statement.round !== null || record.agreedAt === null) {
      throw new NodeError('NOT_FOUND', `no agreed settlement statement ${hash}`);
    }
    if (statement.net === null || statement.net.from !== this.#core.party) {
      throw new NodeError('NOT_PERMITTED', 'the net payer pays the net');
    }
    const { id, at } = request;
    if (typeof id !== 'string' || id === '' || id.length > 128 || id.startsWith('netting-')) {
      throw invalid('id', 'expected a payment id (1 to 128 characters, not starting netting-)', id);
    }
    const when = typeof at === 'string' ? parseInstant(at) : undefined;
    if (when === undefined || when < Date.parse(record.agreedAt)) {
      throw invalid('at', `expected an instant not before the agreement (${record.agreedAt})`, at);
    }
    return this.#core.serially(`netting/${hash}`, async () => {
      const progress = ((await this.get(hash)).progress ?? {}) as SettlementProgress;
      if (progress.paid !== undefined) {
        throw new NodeError('NETTING_EXISTS', `the net of ${hash} was paid as ${progress.paid.id}`);
      }
      for (const part of netPaymentParts(statement)) {
        await this.#facts.recordMany(
          part.bilateral,
          [{ type: 'payment', id, amount: part.amount, at, allocations: part.allocations }],
          'replicated',
        );
      }
      return this.#write(hash, (p) => ({ ...(p as SettlementProgress | null), paid: { id, at } }));
    });
  }

  /** Peer: the other party's statement to co-sign — signed only if this node computes the same bytes. */
  async cosign(from: string, body: Record<string, unknown>): Promise<{ signature: string; at: string }> {
    const given = body.statement as SettlementStatement | undefined;
    if (given === null || typeof given !== 'object' || !Array.isArray(given.parties)) {
      throw invalid('statement', 'expected a settlement statement');
    }
    const me = this.#core.party;
    if (!given.parties.includes(from) || !given.parties.includes(me)) {
      throw invalid('statement.parties', `expected ${from} and ${me}`, given.parties);
    }
    await this.#syncWith(from);
    const mine = await this.compute(from, given, given.round ?? null);
    if (!same(mine, given)) {
      throw new NodeError(
        'NETTING_MISMATCH',
        `the statement differs from what ${me} computes from its record`,
        {
          details: {
            given: hashJson(given as unknown as JsonValue),
            computed: hashJson(mine as unknown as JsonValue),
          },
        },
      );
    }
    await this.#requireSignature(from, mine, body.signature, 'signature');
    const signature = this.#core.signNetting(mine as unknown as JsonValue);
    const now = this.#core.now().toISOString();
    const hash = hashJson(mine as unknown as JsonValue);
    await this.#core.store.putNettingAgreement({
      hash,
      type: 'settlement',
      round: mine.round,
      document: mine as unknown as JsonValue,
      signatures: { [from]: body.signature as string, [me]: signature },
      progress: null,
      createdAt: now,
      agreedAt: now,
    });
    // Recorded before answering, so the proposer's record has it when it computes anything next.
    if (mine.round === null) await this.#complete(hash);
    return { signature, at: now };
  }

  // ── multilateral rounds ──────────────────────────────────────────────────

  /**
   * Runs a round among `members` (this party one of them) as its
   * coordinator: gathers every pair's co-signed statement, builds the round,
   * has every member sign it, then has every member record it.
   */
  async round(request: Record<string, unknown>): Promise<NettingAgreementRecord> {
    const me = this.#core.party;
    const { members } = request;
    if (
      !Array.isArray(members) ||
      members.length < 2 ||
      members.length > MAX_MEMBERS ||
      !members.every((m) => typeof m === 'string' && m !== '') ||
      new Set(members).size !== members.length
    ) {
      throw invalid('members', `expected 2 to ${MAX_MEMBERS} different party ids`, members);
    }
    if (!members.includes(me)) throw invalid('members', `expected ${me} among them`, members);
    const header = await this.#header(request);
    const id =
      request.id === undefined
        ? `round-${header.asOf}-${randomBytes(4).toString('hex')}`
        : String(request.id);
    if (!ROUND_ID.test(id)) throw invalid('id', `expected ${ROUND_ID}`, request.id);
    if ((await this.#core.store.listNettingAgreements({ type: 'round', round: id })).length > 0) {
      throw new NodeError('NETTING_EXISTS', `round ${id} is held already`);
    }
    const group = [...(members as string[])].sort(byCodeUnit);
    const statements: Signed<SettlementStatement>[] = [];
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const [a, b] = [group[i]!, group[j]!];
        let signed: Signed<SettlementStatement> | undefined;
        if (a === me || b === me) {
          signed = await this.#cosigned(a === me ? b : a, header, id);
        } else {
          const answer = await this.#call<{ statement: Signed<SettlementStatement> | null }>(
            a,
            '/peer/netting/round-statements',
            { round: id, counterparty: b, ...header },
          );
          if (answer?.statement != null) {
            signed = answer.statement;
            await this.#checkStatement(signed, { ...header, round: id }, [a, b]);
          }
        }
        if (signed !== undefined) statements.push(signed);
      }
    }
    if (statements.length === 0) throw invalid('members', 'nothing open and undisputed to net among them');
    const round = this.#build(id, header, group, statements);
    const hash = hashJson(round as unknown as JsonValue);
    const signatures: Record<string, string> = {
      [me]: this.#core.signNetting(round as unknown as JsonValue),
    };
    const progress: RoundProgress = { statements, payments: round.payments.map(() => ({})) };
    const record: NettingAgreementRecord = {
      hash,
      type: 'round',
      round: id,
      document: round as unknown as JsonValue,
      signatures,
      progress: progress as unknown as JsonValue,
      createdAt: this.#core.now().toISOString(),
      agreedAt: null,
    };
    await this.#core.store.putNettingAgreement(record);
    for (const member of group) {
      if (member === me) continue;
      const answer = await this.#call<{ signature: string }>(member, '/peer/netting/rounds/sign', {
        round,
        statements,
      });
      await this.#requireSignature(member, round, answer?.signature, `signatures.${member}`);
      signatures[member] = answer.signature;
    }
    const agreed = {
      ...record,
      signatures,
      progress: { ...progress, told: [] } as unknown as JsonValue,
      agreedAt: this.#core.now().toISOString(),
    };
    await this.#core.store.putNettingAgreement(agreed);
    await this.#complete(hash);
    return this.get(hash);
  }

  /** Peer: the coordinator of round `round` asks for this party's co-signed statement with `counterparty`. */
  async roundStatement(
    from: string,
    body: Record<string, unknown>,
  ): Promise<{ statement: Signed<SettlementStatement> | null }> {
    const { round, counterparty } = body;
    if (typeof round !== 'string' || !ROUND_ID.test(round))
      throw invalid('round', `expected ${ROUND_ID}`, round);
    if (typeof counterparty !== 'string' || counterparty === from || counterparty === this.#core.party) {
      throw invalid('counterparty', 'expected another member', counterparty);
    }
    const header = await this.#header(body);
    return { statement: (await this.#cosigned(counterparty, header, round)) ?? null };
  }

  /** Peer: the coordinator asks this member to sign `round`, built from `statements`. */
  async signRound(from: string, body: Record<string, unknown>): Promise<{ signature: string }> {
    const { round, statements } = this.#roundBody(body);
    const me = this.#core.party;
    if (!round.members.includes(me) || !round.members.includes(from)) {
      throw invalid('round.members', `expected ${me} and ${from} among them`);
    }
    const header = { currency: round.currency, period: round.period, asOf: round.asOf };
    for (const signed of statements) {
      await this.#checkStatement(signed, { ...header, round: round.id }, signed.document.parties);
      // This member's own lines: what it computes from its own record.
      if (signed.document.parties.includes(me)) {
        const other = signed.document.parties.find((p) => p !== me)!;
        if (!same(await this.compute(other, header, round.id), signed.document)) {
          throw new NodeError('NETTING_MISMATCH', `the statement with ${other} differs from ${me}'s record`);
        }
      }
    }
    if (!same(this.#build(round.id, header, round.members, statements), round)) {
      throw new NodeError('NETTING_MISMATCH', 'the round is not what its statements net to');
    }
    const signature = this.#core.signNetting(round as unknown as JsonValue);
    await this.#core.store.putNettingAgreement({
      hash: hashJson(round as unknown as JsonValue),
      type: 'round',
      round: round.id,
      document: round as unknown as JsonValue,
      signatures: { [me]: signature },
      progress: { statements, payments: round.payments.map(() => ({})) } as unknown as JsonValue,
      createdAt: this.#core.now().toISOString(),
      agreedAt: null,
    });
    return { signature };
  }

  /** Peer: every member signed `round`; this member checks each signature and records it. */
  async roundAgreed(from: string, body: Record<string, unknown>): Promise<{ recorded: true }> {
    const { round } = this.#roundBody(body);
    const hash = hashJson(round as unknown as JsonValue);
    const held = await this.#core.store.getNettingAgreement(hash);
    if (held === undefined || !round.members.includes(from)) {
      throw new NodeError('NOT_FOUND', `no round ${hash} signed by ${this.#core.party}`);
    }
    const signatures = (body.signatures ?? {}) as Record<string, unknown>;
    for (const member of round.members) {
      await this.#requireSignature(member, round, signatures[member], `signatures.${member}`);
    }
    const at = typeof body.at === 'string' && parseInstant(body.at) !== undefined ? body.at : undefined;
    if (at === undefined) throw invalid('at', 'expected the instant the round was agreed', body.at);
    if (held.agreedAt === null) {
      // The statements are those this member checked when it signed the round.
      const agreed: NettingAgreementRecord = {
        ...held,
        signatures: signatures as Record<string, string>,
        agreedAt: at,
      };
      await this.#core.store.putNettingAgreement(agreed);
      this.#core.schedule(() => this.#complete(hash));
    }
    return { recorded: true };
  }

  /**
   * This party's word on round payment `index`: as its payer, that it is
   * paid (with the bank `reference`); as its payee, that it is received.
   * The other side's node is told.
   */
  async confirmRoundPayment(
    hash: string,
    index: number,
    request: Record<string, unknown>,
  ): Promise<NettingAgreementRecord> {
    const record = await this.get(hash);
    const round = record.document as unknown as NettingRound;
    const payment = record.type === 'round' && record.agreedAt !== null ? round.payments[index] : undefined;
    if (payment === undefined)
      throw new NodeError('NOT_FOUND', `no payment ${index} of an agreed round ${hash}`);
    const me = this.#core.party;
    if (me !== payment.from && me !== payment.to) {
      throw new NodeError('NOT_PERMITTED', `payment ${index} is between ${payment.from} and ${payment.to}`);
    }
    const reference = request.reference;
    if (reference !== undefined && (typeof reference !== 'string' || reference.length > 256)) {
      throw invalid('reference', 'expected up to 256 characters', reference);
    }
    const at = request.at === undefined ? this.#core.now().toISOString() : request.at;
    if (typeof at !== 'string' || parseInstant(at) === undefined)
      throw invalid('at', 'expected an instant', at);
    const paid = me === payment.from;
    const update: RoundPaymentProgress = paid
      ? { paidAt: at, ...(reference === undefined ? {} : { reference: reference as string }) }
      : { receivedAt: at };
    const updated = await this.#progress(record, index, update);
    await this.#call(paid ? payment.to : payment.from, '/peer/netting/rounds/payments', {
      round: hash,
      index,
      ...update,
    });
    return updated;
  }

  /** Peer: the other side of round payment `index` reports it paid or received. */
  async roundPaymentReport(from: string, body: Record<string, unknown>): Promise<{ recorded: true }> {
    const hash = typeof body.round === 'string' ? body.round : '';
    const record = await this.get(hash);
    const round = record.document as unknown as NettingRound;
    const index = typeof body.index === 'number' ? body.index : -1;
    const payment = round.payments?.[index];
    if (record.type !== 'round' || payment === undefined || ![payment.from, payment.to].includes(from)) {
      throw new NodeError('NOT_FOUND', `no payment ${index} of round ${hash} between ${from} and this party`);
    }
    const paidAt = from === payment.from ? body.paidAt : undefined;
    const receivedAt = from === payment.to ? body.receivedAt : undefined;
    const at = paidAt ?? receivedAt;
    if (typeof at !== 'string' || parseInstant(at) === undefined)
      throw invalid('at', 'expected an instant', at);
    await this.#progress(
      record,
      index,
      paidAt !== undefined
        ? {
            paidAt: at,
            ...(typeof body.reference === 'string' ? { reference: body.reference.slice(0, 256) } : {}),
          }
        : { receivedAt: at },
    );
    return { recorded: true };
  }

  // ── internals ────────────────────────────────────────────────────────────

  /**
   * A statement this node signed and sent, with no answer kept (it stopped
   * before): if the other party co-signed it, take its signature and time
   * from its node, and complete it here too.
   */
  async #askCosignature(record: NettingAgreementRecord): Promise<void> {
    const statement = record.document as unknown as SettlementStatement;
    const other = statement.parties.find((p) => p !== this.#core.party);
    if (other === undefined || record.signatures[other] !== undefined) return;
    const answer = await this.#call<{ signature: string; at: string } | null>(
      other,
      '/peer/netting/agreement',
      {
        hash: record.hash,
      },
    );
    if (answer === null || answer === undefined) return;
    await this.#requireSignature(other, statement, answer.signature, 'signature');
    const at = typeof answer.at === 'string' && parseInstant(answer.at) !== undefined ? answer.at : undefined;
    if (at === undefined) throw invalid('at', 'expected the instant it was co-signed', answer.at);
    await this.#core.store.putNettingAgreement({
      ...record,
      signatures: { ...record.signatures, [other]: answer.signature },
      agreedAt: at,
    });
    if (statement.round === null) await this.#complete(record.hash);
  }

  /** Peer: a party of agreement `hash` asks for this party's signature of it, and when it was agreed (null: not agreed here). */
  async signatureOf(
    from: string,
    body: Record<string, unknown>,
  ): Promise<{ signature: string; at: string } | null> {
    const hash = typeof body.hash === 'string' ? body.hash : '';
    const record = HASH_TEXT.test(hash) ? await this.#core.store.getNettingAgreement(hash) : undefined;
    if (record === undefined || record.agreedAt === null) return null;
    const parties =
      record.type === 'settlement'
        ? (record.document as unknown as SettlementStatement).parties
        : (record.document as unknown as NettingRound).members;
    if (!parties.includes(from)) return null;
    return { signature: record.signatures[this.#core.party]!, at: record.agreedAt };
  }

  /** The counterparty's time of its signature, if it is an instant within a minute of ours; else ours. */
  #agreedAt(theirs: unknown): string {
    const now = this.#core.now();
    const at = typeof theirs === 'string' ? parseInstant(theirs) : undefined;
    return at !== undefined && Math.abs(at - now.getTime()) <= 60_000
      ? new Date(at).toISOString()
      : now.toISOString();
  }

  async #progress(
    record: NettingAgreementRecord,
    index: number,
    update: RoundPaymentProgress,
  ): Promise<NettingAgreementRecord> {
    return this.#core.serially(`netting/${record.hash}`, () =>
      this.#write(record.hash, (p) => {
        const progress = p as unknown as RoundProgress;
        return {
          ...progress,
          payments: progress.payments.map((x, i) => (i === index ? { ...x, ...update } : x)),
        };
      }),
    );
  }

  /** Rewrites the progress of agreement `hash` from what is stored now. Call inside its `netting/` serial. */
  async #write(hash: string, change: (progress: unknown) => object): Promise<NettingAgreementRecord> {
    const record = await this.get(hash);
    const updated = { ...record, progress: change(record.progress) as JsonValue };
    await this.#core.store.putNettingAgreement(updated);
    return updated;
  }

  /**
   * Brings agreed agreement `hash` to completion on this node: records it in
   * the bilaterals this party sells in; as a round's coordinator, tells each
   * member not yet told that it is agreed. Marks it settled here once both
   * are done; a member that could not be reached is tried again by `resume`.
   */
  async #complete(hash: string): Promise<void> {
    const record = await this.get(hash);
    if (record.agreedAt === null) return;
    if (record.type === 'settlement') {
      if (record.round !== null) return;
      await this.#settleStatement(hash);
      await this.#core.serially(`netting/${hash}`, () =>
        this.#write(hash, (p) => ({ ...(p as SettlementProgress | null), settledHere: true })),
      );
      return;
    }
    await this.#settleRound(record);
    const progress = record.progress as unknown as RoundProgress;
    let all = true;
    if (progress.told !== undefined) {
      const round = record.document as unknown as NettingRound;
      for (const member of round.members) {
        if (member === this.#core.party || progress.told.includes(member)) continue;
        try {
          await this.#call(member, '/peer/netting/rounds/agreed', {
            round,
            signatures: record.signatures,
            statements: progress.statements,
            at: record.agreedAt,
          });
          await this.#core.serially(`netting/${hash}`, () =>
            this.#write(hash, (p) => {
              const now = p as unknown as RoundProgress;
              return { ...now, told: [...(now.told ?? []), member] };
            }),
          );
        } catch (error) {
          all = false;
          this.#core.log(`netting round ${hash.slice(0, 12)}: ${member} not told yet: ${String(error)}`);
        }
      }
    }
    if (all) {
      await this.#core.serially(`netting/${hash}`, () =>
        this.#write(hash, (p) => ({ ...(p as RoundProgress), settledHere: true })),
      );
    }
  }

  /**
   * Completes every agreed agreement not yet settled here: after a crash
   * between agreeing and recording, or a member that was away. The server
   * runs it at start and then every minute.
   */
  async resume(): Promise<void> {
    for (const record of await this.#core.store.listNettingAgreements()) {
      const progress = record.progress as { settledHere?: true } | null;
      if (record.agreedAt === null && record.type === 'settlement') {
        await this.#askCosignature(record).catch((error: unknown) =>
          this.#core.log(`netting statement ${record.hash.slice(0, 12)}: ${String(error)}`),
        );
        continue;
      }
      if (record.agreedAt === null || progress?.settledHere === true) continue;
      if (record.type === 'settlement' && record.round !== null) continue;
      await this.#complete(record.hash);
    }
  }

  /** The request's currency, period and day, with their defaults: today (UTC), the month before, the one currency traded with `counterparty`. */
  async #header(request: Record<string, unknown>, counterparty?: string): Promise<NettingHeader> {
    const today = dayOf(this.#core.now().getTime(), 'UTC');
    const asOf = request.asOf ?? today;
    if (typeof asOf !== 'string' || parseDay(asOf) === undefined)
      throw invalid('asOf', 'expected YYYY-MM-DD', asOf);
    // An agreement applies when it is signed: its amounts are those open now (a day's end of
    // difference is allowed for a peer's clock around midnight).
    if (Math.abs(parseDay(asOf)! - parseDay(today)!) > 1) {
      throw invalid(
        'asOf',
        `expected today (${today}): an agreement settles what is open when it is signed`,
        asOf,
      );
    }
    const [year, month] = asOf.split('-').map(Number) as [number, number];
    const previous = month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
    const period = request.period ?? previous;
    if (typeof period !== 'string' || !isPeriodId(period) || period > asOf.slice(0, 7)) {
      throw invalid('period', `expected YYYY-MM, not after ${asOf.slice(0, 7)}`, period);
    }
    let currency = request.currency;
    if (currency === undefined && counterparty !== undefined) {
      const currencies = new Set<string>();
      for (const record of await bilateralsWith(this.#core, counterparty)) {
        currencies.add((await this.#core.context(record.id)).terms.currency);
      }
      if (currencies.size === 1) currency = [...currencies][0];
    }
    if (typeof currency !== 'string') throw invalid('currency', 'expected an ISO 4217 code', currency);
    return { currency, period, asOf };
  }

  /** Pulls what `counterparty` has that we lack, and pushes ours, in every bilateral with it: both compute from one record. */
  async #syncWith(counterparty: string): Promise<void> {
    for (const record of await bilateralsWith(this.#core, counterparty))
      await this.#replication.sync(record.id);
  }

  /** Computes, signs and has `counterparty` co-sign our statement; undefined when there is nothing to net. */
  async #cosigned(
    counterparty: string,
    header: NettingHeader,
    round: string | null,
  ): Promise<Signed<SettlementStatement> | undefined> {
    const me = this.#core.party;
    if (counterparty === me) throw invalid('counterparty', 'expected another party', counterparty);
    // One statement with a party at a time: two at once would compute the same bytes, and the
    // second, sent after the first settled, would only be refused.
    return this.#core.serially(`netting-with/${counterparty}`, () =>
      this.#cosignedNow(counterparty, header, round),
    );
  }

  async #cosignedNow(
    counterparty: string,
    header: NettingHeader,
    round: string | null,
  ): Promise<Signed<SettlementStatement> | undefined> {
    const me = this.#core.party;
    await this.#syncWith(counterparty);
    const statement = await this.compute(counterparty, header, round);
    if (statement.bilaterals.length === 0) return undefined;
    const hash = hashJson(statement as unknown as JsonValue);
    const held = await this.#core.store.getNettingAgreement(hash);
    if (held?.agreedAt != null) return { document: statement, signatures: held.signatures };
    const mine = this.#core.signNetting(statement as unknown as JsonValue);
    // Kept before it is sent: if this node stops before the answer, `resume` asks for the co-signature.
    const pending: NettingAgreementRecord = {
      hash,
      type: 'settlement',
      round,
      document: statement as unknown as JsonValue,
      signatures: { [me]: mine },
      progress: null,
      createdAt: this.#core.now().toISOString(),
      agreedAt: null,
    };
    await this.#core.store.putNettingAgreement(pending);
    const answer = await this.#call<{ signature: string; at: string }>(
      counterparty,
      '/peer/netting/statements',
      {
        statement,
        signature: mine,
      },
    ).catch((error: unknown) => {
      // The other node computes it differently: a conflict with the record, said as such.
      const details = (error as NodeError).details as
        | { peerCode?: unknown; peerMessage?: unknown }
        | undefined;
      if (error instanceof NodeError && details?.peerCode === 'NETTING_MISMATCH') {
        throw new NodeError('NETTING_MISMATCH', `${counterparty}: ${String(details.peerMessage)}`, {
          details: error.details,
        });
      }
      throw error;
    });
    await this.#requireSignature(counterparty, statement, answer?.signature, 'signature');
    // Agreed when the second signature was made: the co-signer's time, so both nodes record one instant.
    const now = this.#agreedAt(answer.at);
    const signatures = { [me]: mine, [counterparty]: answer.signature };
    await this.#core.store.putNettingAgreement({ ...pending, signatures, agreedAt: now });
    return { document: statement, signatures };
  }

  #build(
    id: string,
    header: NettingHeader,
    members: readonly string[],
    statements: readonly Signed<SettlementStatement>[],
  ): NettingRound {
    return nettingRound(
      { id, ...header, members },
      statements.map((s) => ({ hash: hashJson(s.document as unknown as JsonValue), statement: s.document })),
    );
  }

  /** A signed statement from elsewhere: well-formed, of this round and header, between `parties`, signed by both. */
  async #checkStatement(
    signed: Signed<SettlementStatement>,
    header: NettingHeader & { round: string },
    parties: readonly string[],
  ): Promise<void> {
    const s = signed?.document;
    if (s === undefined || s === null || typeof s !== 'object')
      throw invalid('statements', 'expected signed statements');
    const rebuilt = settlementStatement({
      parties: s.parties,
      currency: s.currency,
      period: s.period,
      asOf: s.asOf,
      round: s.round,
      legs: s.bilaterals,
    });
    if (!same(rebuilt, s)) throw invalid('statements', 'a statement is not one as computed');
    for (const field of ['currency', 'period', 'asOf', 'round'] as const) {
      if (s[field] !== header[field])
        throw invalid(`statements.${field}`, `expected ${header[field]}`, s[field]);
    }
    if (!same([...parties].sort(byCodeUnit), s.parties))
      throw invalid('statements.parties', `expected ${parties.join(' and ')}`);
    for (const party of s.parties) {
      await this.#requireSignature(party, s, signed.signatures?.[party], `statements.signatures.${party}`);
    }
  }

  #roundBody(body: Record<string, unknown>): {
    round: NettingRound;
    statements: Signed<SettlementStatement>[];
  } {
    const round = body.round as NettingRound | undefined;
    if (
      round === null ||
      typeof round !== 'object' ||
      round.type !== 'netting.round' ||
      !Array.isArray(round.members)
    ) {
      throw invalid('round', 'expected a netting round');
    }
    if (!Array.isArray(body.statements))
      throw invalid('statements', 'expected the round’s signed statements');
    return { round, statements: body.statements as Signed<SettlementStatement>[] };
  }

  /** Throws unless `sig` is `party`'s signature of `document` with the key the directory holds (ours: our own). */
  async #requireSignature(party: string, document: unknown, sig: unknown, path: string): Promise<void> {
    const key =
      party === this.#core.party ? this.#core.publicKey : (await this.#peering.directory.lookup(party))?.key;
    if (key === undefined) throw new NodeError('PEER_UNKNOWN', `${party} is not in this node's directory`);
    const bytes = canonicalBytes(document as JsonValue);
    if (typeof sig !== 'string' || !verifyIn('netting', key, bytes, sig, { legacy: false })) {
      throw new NodeError('NETTING_MISMATCH', `${path}: not ${party}'s signature of the document`);
    }
  }

  async #call<T>(party: string, path: string, payload: unknown): Promise<T> {
    const known = await this.#peering.directory.lookup(party);
    if (known === undefined) throw new NodeError('PEER_UNKNOWN', `${party} is not in this node's directory`);
    return this.#core.peer.request<T>(known.endpoint, 'POST', path, payload);
  }

  /** Records a statement standing alone in the bilaterals this party sells in. */
  async #settleStatement(hash: string): Promise<void> {
    const record = await this.get(hash);
    const statement = record.document as unknown as SettlementStatement;
    const signed = { document: statement, signatures: record.signatures };
    for (const [bilateral, items] of settlementApplications(statement)) {
      await this.#record(bilateral, {
        agreement: 'settlement',
        hash,
        at: record.agreedAt!,
        items,
        statement: signed,
      });
    }
  }

  /** Records an agreed round in the bilaterals this party sells in. */
  async #settleRound(record: NettingAgreementRecord): Promise<void> {
    const round = record.document as unknown as NettingRound;
    const { statements } = record.progress as unknown as RoundProgress;
    for (const signed of statements) {
      for (const [bilateral, items] of roundApplications([signed.document])) {
        await this.#record(bilateral, {
          agreement: 'round',
          hash: record.hash,
          at: record.agreedAt!,
          items,
          statement: signed,
          round: { document: round, signatures: record.signatures },
        });
      }
    }
  }

  async #record(bilateral: string, body: NettingSettledBody): Promise<void> {
    const context = await this.#core.tryContext(bilateral);
    if (context === undefined || context.seller !== this.#core.party) return;
    const recorded = await this.#core.serially(bilateral, async () => {
      const held = nettingSettlementsOf(
        await this.#core.store.listEntries(bilateral, { kinds: NETTING_KINDS }),
      );
      if (held.some((h) => h.body.hash === body.hash)) return false;
      await this.#core.appendOwn(context, 'netting.settled', body as unknown as JsonValue);
      return true;
    });
    if (recorded) await this.#replication.push(bilateral);
  }
}
