/**
 * Bilateral netting: where two providers sell to each other (bilaterals in
 * both directions), what each owes the other, undisputed, across all of
 * them, per currency, and the one payment of the net that would settle both
 * sides (core/netting.ts). Both nodes hold every bilateral between them, so
 * both compute the same position; every invoice stays a gross tax document —
 * this is a settlement view, not an invoice.
 *
 * The undisputed open amount of a bilateral is its statement's open amount
 * minus what is disputed, as of the end of the day asked for.
 */
import {
  dayOf,
  formatMinor,
  nettingPositions,
  parseDay,
  settleNetting,
  type Transfer,
  ValidationError,
} from '../../core/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { Statements } from '../statements/statements.ts';
import { bilateralsWith } from './with.ts';

export interface NettingBilateral {
  readonly id: string;
  /** This party's role in it. */
  readonly role: 'seller' | 'buyer';
  readonly open: string;
  readonly disputed: string;
  readonly undisputed: string;
}

export interface NettingPosition {
  readonly asOf: string;
  readonly parties: readonly [string, string];
  readonly currencies: readonly {
    readonly currency: string;
    readonly bilaterals: readonly NettingBilateral[];
    /** Owed to this party, and by it, undisputed. */
    readonly owedToMe: string;
    readonly owedByMe: string;
    /** The one payment that settles both sides; null when they are even. */
    readonly net: { readonly from: string; readonly to: string; readonly amount: string } | null;
  }[];
}

export class Netting {
  readonly #core: NodeCore;
  readonly #statements: Statements;

  constructor(core: NodeCore, statements: Statements) {
    this.#core = core;
    this.#statements = statements;
  }

  /** The position with `counterparty` as of `day` (default today, UTC) over the bilaterals `visible` lets through. */
  async position(
    counterparty: string,
    day: string | undefined,
    visible: (bilateral: string) => boolean = () => true,
  ): Promise<NettingPosition> {
    const asOf = day ?? dayOf(this.#core.now().getTime(), 'UTC');
    if (parseDay(asOf) === undefined) {
      throw new ValidationError('STATEMENT_INVALID', [
        { path: 'asOf', rule: 'expected a date YYYY-MM-DD', value: asOf },
      ]);
    }
    const me = this.#core.party;
    const mine = (await bilateralsWith(this.#core, counterparty)).filter((record) => visible(record.id));
    if (mine.length === 0) throw new NodeError('NOT_FOUND', `no bilateral with ${counterparty}`);
    const byCurrency = new Map<
      string,
      { bilaterals: NettingBilateral[]; decimals: number; toMe: bigint; byMe: bigint }
    >();
    for (const record of mine) {
      const statement = await this.#statements.statement(record.id, asOf);
      const minor = (text: string) => BigInt(text.replace('.', ''));
      const open = minor(statement.totals.open);
      const disputed = minor(statement.totals.disputed);
      const undisputed = open - disputed;
      const entry = byCurrency.get(statement.currency) ?? {
        bilaterals: [],
        decimals: statement.totals.open.includes('.') ? statement.totals.open.split('.')[1]!.length : 0,
        toMe: 0n,
        byMe: 0n,
      };
      entry.bilaterals.push({
        id: record.id,
        role: record.role,
        open: statement.totals.open,
        disputed: statement.totals.disputed,
        undisputed: formatMinor(undisputed, entry.decimals),
      });
      if (record.role === 'seller') entry.toMe += undisputed;
      else entry.byMe += undisputed;
      byCurrency.set(statement.currency, entry);
    }
    return {
      asOf,
      parties: [me, counterparty],
      currencies: [...byCurrency]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([currency, e]) => {
          const transfers: Transfer[] = settleNetting(
            nettingPositions([
              { from: counterparty, to: me, amount: e.toMe },
              { from: me, to: counterparty, amount: e.byMe },
            ]),
          );
          const net = transfers[0];
          return {
            currency,
            bilaterals: e.bilaterals,
            owedToMe: formatMinor(e.toMe, e.decimals),
            owedByMe: formatMinor(e.byMe, e.decimals),
            net:
              net === undefined
                ? null
                : { from: net.from, to: net.to, amount: formatMinor(net.amount, e.decimals) },
          };
        }),
    };
  }
}
