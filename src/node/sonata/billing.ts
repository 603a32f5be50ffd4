/**
 * MEF LSO Sonata Customer Bill Management v2 (MEF 141) from the shared
 * record (docs/sonata.md): a bill is an issued invoice (not rejected), its
 * bill items the invoice's lines; states, the open amount and the applied
 * payments come from the account statement (TERMS.md §6), so both nodes
 * answer the same and a bill never disagrees with the statement.
 *
 * Ids: a bill is its period (`2026-01`), an item `<period>.<line number>`
 * (1-based, in the invoice's order). Each bill and item carries `ledgerRef`:
 * the invoice's entry and hash, the facts a line was computed from, and the
 * link to the invoice's proof.
 */
import {
  dayStart,
  formatFixed,
  formatInstant,
  type InvoiceLine,
  type InvoiceTax,
  minorUnit,
  parseDay,
  parseDecimal,
  rational,
  ValidationError,
} from '../../core/index.ts';
import type { IssuedInvoice } from '../../kinds/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { Invoices } from '../invoices/invoices.ts';
import type { Notes } from '../notes/notes.ts';
import type { NodeStatement, Statements } from '../statements/statements.ts';
import { money, SonataNumber } from './numbers.ts';
import type { Sonata } from './sonata.ts';

type Json = Record<string, unknown>;

export const BILLING_BASE = 'mefApi/sonata/customerBillManagement/v2';

/** The bill states of MEF 141 a list may be filtered by. */
const BILL_STATES = ['generated', 'paymentDue', 'settled'];

export interface BillQuery {
  readonly state?: string;
  readonly category?: string;
  readonly billingAccountId?: string;
  readonly startGt?: string;
  readonly startLt?: string;
  readonly endGt?: string;
  readonly endLt?: string;
}

/** The MEF price type of an invoice line. */
function priceType(line: InvoiceLine): 'recurring' | 'nonRecurring' | 'usageBased' {
  switch (line.kind) {
    case 'nrc':
    case 'early-termination':
      return 'nonRecurring';
    case 'usage':
    case 'on-demand':
      return 'usageBased';
    default:
      return 'recurring';
  }
}

function feeCategory(line: InvoiceLine): 'recurring' | 'nonRecurring' | 'other' {
  const type = priceType(line);
  return type === 'usageBased' ? 'other' : type;
}

function instantOf(text: string, path: string): number | undefined {
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    throw new ValidationError('SONATA_INVALID', [{ path, rule: 'expected an RFC 3339 date-time' }]);
  }
  return at;
}

export class SonataBilling {
  readonly #core: NodeCore;
  readonly #invoices: Invoices;
  readonly #notes: Notes;
  readonly #statements: Statements;
  readonly #sonata: Sonata;

  constructor(core: NodeCore, invoices: Invoices, notes: Notes, statements: Statements, sonata: Sonata) {
    this.#core = core;
    this.#invoices = invoices;
    this.#notes = notes;
    this.#statements = statements;
    this.#sonata = sonata;
  }

  /** Every bill of bilateral `id` matching `query`, newest period last, as `CustomerBill_Find`. */
  async bills(id: string, query: BillQuery = {}): Promise<Json[]> {
    if (query.state !== undefined && !BILL_STATES.includes(query.state)) {
      throw new ValidationError('SONATA_INVALID', [
        { path: 'state', rule: `expected one of ${BILL_STATES.join(', ')}` },
      ]);
    }
    if (query.category !== undefined && !['normal', 'duplicate', 'trial'].includes(query.category)) {
      throw new ValidationError('SONATA_INVALID', [
        { path: 'category', rule: 'expected normal, duplicate or trial' },
      ]);
    }
    const bounds = {
      startGt:
        query.startGt === undefined ? undefined : instantOf(query.startGt, 'billingPeriod.startDateTime.gt'),
      startLt:
        query.startLt === undefined ? undefined : instantOf(query.startLt, 'billingPeriod.startDateTime.lt'),
      endGt: query.endGt === undefined ? undefined : instantOf(query.endGt, 'billingPeriod.endDateTime.gt'),
      endLt: query.endLt === undefined ? undefined : instantOf(query.endLt, 'billingPeriod.endDateTime.lt'),
    };
    const all = await this.#all(id);
    return all
      .filter((bill) => {
        const period = bill.billingPeriod as { startDateTime: string; endDateTime: string };
        const start = Date.parse(period.startDateTime);
        const end = Date.parse(period.endDateTime);
        return (
          (query.state === undefined || bill.state === query.state) &&
          (query.category === undefined || query.category === 'normal') &&
          (query.billingAccountId === undefined || query.billingAccountId === id) &&
          (bounds.startGt === undefined || start > bounds.startGt) &&
          (bounds.startLt === undefined || start < bounds.startLt) &&
          (bounds.endGt === undefined || end > bounds.endGt) &&
          (bounds.endLt === undefined || end < bounds.endLt)
        );
      })
      .map((bill) => ({
        id: bill.id,
        href: bill.href,
        billingAccount: bill.billingAccount,
        billNo: bill.billNo,
        billingPeriod: bill.billingPeriod,
        category: bill.category,
        state: bill.state,
      }));
  }

  /** One bill (the spec answers an array of one). */
  async bill(id: string, bill: string): Promise<Json> {
    const found = (await this.#all(id)).find((b) => b.id === bill);
    if (found === undefined) throw new NodeError('SONATA_NOT_FOUND', `no bill ${bill}`);
    return found;
  }

  /** One bill item, `<period>.<line number>`. */
  async billItem(id: string, item: string): Promise<Json> {
    const match = /^(\d{4}-\d{2})\.(\d{1,6})$/.exec(item);
    if (match === null) throw new NodeError('SONATA_NOT_FOUND', `no bill item ${item}`);
    const invoices = await this.#issued(id);
    const statement = await this.#statements.statement(id);
    const orders = await this.#sonata.orderItems(id);
    const issued = invoices.get(match[1]!);
    const index = Number(match[2]) - 1;
    const line = issued?.body.invoice.lines[index];
    if (issued === undefined || line === undefined) {
      throw new NodeError('SONATA_NOT_FOUND', `no bill item ${item}`);
    }
    return this.#item(id, issued, index, line, statement, orders);
  }

  /** The periods whose bill state may have changed with the payment, receipt or netting of `ids`. */
  async billsPaidBy(id: string, payments: readonly string[]): Promise<string[]> {
    const statement = await this.#statements.statement(id);
    const periods = new Set<string>();
    for (const p of statement.payments) {
      if (payments.includes(p.id)) for (const a of p.applied) periods.add(a.period);
    }
    const issued = await this.#issued(id);
    return [...periods].filter((p) => issued.has(p)).sort();
  }

  async #issued(id: string): Promise<Map<string, IssuedInvoice>> {
    const out = new Map<string, IssuedInvoice>();
    // The latest invoice of each period that the Buyer did not reject (a rejected one may be issued again).
    for (const invoice of await this.#invoices.list(id)) {
      if (invoice.status !== 'rejected') out.set(invoice.period, invoice);
    }
    return out;
  }

  async #all(id: string): Promise<Json[]> {
    const context = await this.#core.context(id);
    const invoices = await this.#issued(id);
    const statement = await this.#statements.statement(id);
    const notes = (await this.#notes.list(id)).filter((n) => n.status !== 'rejected');
    const zone = context.terms.billing.timeZone;
    const day = (text: string) => formatInstant(dayStart(parseDay(text)!, zone));
    const bills: Json[] = [];
    for (const [period, issued] of [...invoices].sort(([a], [b]) => a.localeCompare(b))) {
      const invoice = issued.body.invoice;
      const currency = invoice.currency;
      const decimals = minorUnit(currency);
      const standing = statement.invoices.find((i) => i.document === 'invoice' && i.period === period);
      const applied = statement.payments.flatMap((p) =>
        p.applied
          .filter((a) => a.period === period)
          .map((a) => ({
            appliedAmount: money(currency, a.amount),
            payment: {
              id: p.id,
              amount: money(currency, p.amount),
              paymentDate: p.at,
              paymentMethod: p.id.startsWith('netting-') ? 'other' : 'wireTransfer',
            },
          })),
      );
      const credits = notes
        .filter((n) => n.period === period && n.body.note.type === 'credit')
        .map((n) => parseDecimal(n.body.note.total));
      const discounts = invoice.lines.filter((l) => l.kind === 'discount').map((l) => parseDecimal(l.amount));
      const billDate = day(invoice.issueDate);
      const updates = [billDate, ...applied.map((a) => a.payment.paymentDate)].sort();
      bills.push({
        id: period,
        href: `/bilaterals/${id}/${BILLING_BASE}/customerBill/${period}`,
        billNo: String(issued.number),
        billDate,
        billCycle: 'monthly',
        billingAccount: { id },
        financialAccount: { id: `${id}:${context.buyer}` },
        billingPeriod: { startDateTime: invoice.period.start, endDateTime: invoice.period.end },
        billDocument: { url: `/bilaterals/${id}/invoices/${period}/html` },
        category: 'normal',
        runType: 'onCycle',
        state: standing?.state ?? 'generated',
        amountDue: money(currency, invoice.total),
        remainingAmount: money(currency, standing?.open ?? invoice.total),
        taxExcludedAmount: money(currency, invoice.subtotal),
        taxIncludedAmount: money(currency, invoice.total),
        credits: money(currency, formatFixed(rational.abs(rational.sum(credits)), decimals)),
        discounts: money(currency, formatFixed(rational.abs(rational.sum(discounts)), decimals)),
        fees: money(currency, formatFixed(rational.ZERO, decimals)),
        paymentDueDate: day(invoice.dueDate),
        lastUpdate: updates[updates.length - 1],
        relatedContactInformation: [
          { name: context.seller, emailAddress: '', number: '', role: 'sellerContact' },
        ],
        taxItem: invoice.taxes.map((t: InvoiceTax) => ({
          taxCategory: t.category,
          taxRate: new SonataNumber(t.ratePercent),
          taxAmount: money(currency, t.amount),
        })),
        customerBillItem: invoice.lines.map((_, i) => ({
          id: `${period}.${i + 1}`,
          href: `/bilaterals/${id}/${BILLING_BASE}/customerBillItem/${period}.${i + 1}`,
        })),
        appliedPayment: applied,
        ledgerRef: {
          entry: `${issued.entry.author}/${issued.entry.seq}`,
          hash: issued.entry.hash,
          invoiceHash: issued.body.invoiceHash,
          proof: `/bilaterals/${id}/proof?invoice=${period}`,
        },
      });
    }
    return bills;
  }

  #item(
    id: string,
    issued: IssuedInvoice,
    index: number,
    line: InvoiceLine,
    statement: NodeStatement,
    orders: ReadonlyMap<string, { order: string; item: string }>,
  ): Json {
    const invoice = issued.body.invoice;
    const currency = invoice.currency;
    const period = issued.period;
    const standing = statement.invoices.find((i) => i.document === 'invoice' && i.period === period);
    const state = standing?.items?.[index]?.state ?? standing?.state ?? 'generated';
    const order = orders.get(line.service) ?? { order: `PO-${line.service}`, item: '1' };
    const coverage = line.periodCoverage ?? { start: invoice.period.start, end: invoice.period.end };
    return {
      id: `${period}.${index + 1}`,
      href: `/bilaterals/${id}/${BILLING_BASE}/customerBillItem/${period}.${index + 1}`,
      description: line.description,
      customerBillItemType: priceType(line),
      periodCoverage: { startDateTime: coverage.start, endDateTime: coverage.end },
      product: {
        id: line.service,
        href: `/bilaterals/${id}/mefApi/sonata/productInventory/v7/product/${line.service}`,
      },
      productOrderItem: {
        productOrderId: order.order,
        productOrderItemId: order.item,
        productOrderHref: `/bilaterals/${id}/mefApi/sonata/productOrderingManagement/v10/productOrder/${order.order}`,
      },
      productName: line.plan === undefined ? line.service : `${line.service} ${line.plan}`,
      state: state === 'withdrawn' ? 'withDrawn' : state,
      taxExcludedAmount: money(currency, line.amount),
      unit: line.unit ?? 'each',
      unitQuantity: new SonataNumber(line.quantity ?? '1'),
      unitRate: money(currency, line.unitPrice ?? line.amount),
      appliedFee: [{ category: feeCategory(line), amount: money(currency, line.amount) }],
      appliedTax: [],
      ledgerRef: {
        entry: `${issued.entry.author}/${issued.entry.seq}`,
        hash: issued.entry.hash,
        line: index,
        facts: [...line.refs],
        proof: `/bilaterals/${id}/proof?invoice=${period}`,
      },
    };
  }
}
