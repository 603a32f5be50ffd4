/**
 * The two TM Forum APIs a Buyer's or Seller's BSS uses beside Sonata
 * (docs/sonata.md): TMF635 Usage Management (`POST usage`: one usage record,
 * stored and replicated in a signed usage batch) and TMF676 Payment
 * Management (`POST payment`: the Buyer's payment, a `payment` fact
 * allocated to the bills it names). No published OpenAPI file of these is
 * among the project's inputs; the shapes follow the TM Forum resources
 * (`Usage`, `Payment`) and keep the node's rules: amounts exact
 * (numbers.ts), every refusal a 4xx naming field and rule.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../core/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { NodeError } from '../errors.ts';
import type { Facts } from '../facts/facts.ts';
import type { Payments, PaymentView } from '../payments/payments.ts';
import { usageItemRecord } from '../usage/usage.ts';
import type { Usage } from '../usage/usage-capability.ts';
import { bad, isObject, text } from './input.ts';
import { decimalOf, money } from './numbers.ts';

type Json = Record<string, unknown>;

export const USAGE_BASE = 'tmf-api/usageManagement/v4';
export const PAYMENT_BASE = 'tmf-api/paymentManagement/v4';

export class TmfFinance {
  readonly #core: NodeCore;
  readonly #facts: Facts;
  readonly #payments: Payments;
  readonly #usage: Usage;

  constructor(core: NodeCore, facts: Facts, payments: Payments, usage: Usage) {
    this.#core = core;
    this.#facts = facts;
    this.#payments = payments;
    this.#usage = usage;
  }

  /**
   * TMF635: one usage record (`{id, usageDate, usageType, usageCharacteristic:
   * [{name: 'service'|'quantity'|…, value}]}`), checked and stored in a signed
   * batch as any import. A record already stored (the same id) answers as
   * stored (`created: false`), not twice.
   */
  async createUsage(id: string, body: unknown): Promise<{ created: boolean; usage: Json }> {
    if (!isObject(body)) bad('', 'expected a TMF635 Usage object');
    text(body.id, 'id');
    text(body.usageDate, 'usageDate', 40);
    text(body.usageType, 'usageType', 64);
    if (!Array.isArray(body.usageCharacteristic)) bad('usageCharacteristic', 'expected an array');
    async function* one() {
      yield { line: 1, raw: usageItemRecord(exactQuantity(body as Json)) };
    }
    const report = await this.#usage.import(id, one(), { source: 'tmf635' });
    const rejection = report.rejections[0];
    if (rejection !== undefined) {
      throw new ValidationError('SONATA_INVALID', [
        { path: rejection.field, rule: `${rejection.rule}: ${rejection.message}` },
      ]);
    }
    const batch = report.batchSeqs === null ? undefined : `${this.#core.party}/${report.batchSeqs.first}`;
    return {
      created: report.accepted === 1,
      usage: {
        ...(body as Json),
        href: `/bilaterals/${id}/${USAGE_BASE}/usage/${encodeURIComponent(String(body.id))}`,
        status: 'received',
        ...(batch === undefined
          ? {}
          : {
              ledgerRef: {
                batch,
                proof: `/bilaterals/${id}/proof?usage=${encodeURIComponent(String(body.id))}`,
              },
            }),
      },
    };
  }

  /**
   * TMF676: the Buyer's payment — `{amount: {unit, value}, paymentDate,
   * correlatorId?, paymentItem?: [{item: {id: <bill>}, amount}]}` — recorded
   * as a `payment` fact whose allocations are the items (a bill's id is its
   * period). The payment's id is `correlatorId`, or minted from the request.
   */
  async createPayment(id: string, body: unknown): Promise<Json> {
    const context = await this.#core.context(id);
    if (context.buyer !== this.#core.party) {
      throw new NodeError('SONATA_BUYER_ONLY', 'only the Buyer records its payments');
    }
    if (!isObject(body)) bad('', 'expected a TMF676 Payment object');
    const currency = context.terms.currency;
    const amountOf = (value: unknown, path: string): string => {
      if (!isObject(value)) bad(path, 'expected Money {unit, value}');
      if (value.unit !== currency) bad(`${path}.unit`, `expected the bilateral's currency ${currency}`);
      return decimalOf(value.value, `${path}.value`);
    };
    const amount = amountOf(body.amount, 'amount');
    const at = text(body.paymentDate, 'paymentDate', 40);
    const items = body.paymentItem;
    if (items !== undefined && (!Array.isArray(items) || items.length > 100)) {
      bad('paymentItem', 'expected at most 100 items');
    }
    const allocations = ((items ?? []) as unknown[]).map((raw, i) => {
      const path = `paymentItem[${i}]`;
      if (!isObject(raw) || !isObject(raw.item)) bad(`${path}.item`, 'expected {id: <bill id>}');
      const period = text(raw.item.id, `${path}.item.id`, 7);
      if (!/^\d{4}-\d{2}$/.test(period)) bad(`${path}.item.id`, 'expected a bill id (YYYY-MM)');
      return { period, amount: amountOf(raw.amount, `${path}.amount`) };
    });
    const paymentId =
      body.correlatorId === undefined
        ? `PAY-${createHash('sha256')
            .update(JSON.stringify([id, at, amount, allocations]))
            .digest('hex')
            .slice(0, 20)}`
        : text(body.correlatorId, 'correlatorId');
    await this.#facts.recordMany(
      id,
      [
        {
          type: 'payment',
          id: paymentId,
          amount,
          at,
          ...(allocations.length === 0 ? {} : { allocations }),
        },
      ],
      'replicated',
    );
    return this.payment(id, paymentId);
  }

  async payments(id: string): Promise<Json[]> {
    const context = await this.#core.context(id);
    return (await this.#payments.list(id)).map((p) => paymentView(id, context.terms.currency, p));
  }

  async payment(id: string, payment: string): Promise<Json> {
    const context = await this.#core.context(id);
    const found = (await this.#payments.list(id)).find((p) => p.id === payment);
    if (found === undefined) throw new NodeError('SONATA_NOT_FOUND', `no payment ${payment}`);
    return paymentView(id, context.terms.currency, found);
  }
}

/**
 * The body with a numeric `quantity` characteristic as its exact decimal text
 * (refused when not exact); the record is then read as any TMF635 item is.
 */
function exactQuantity(body: Json): Json {
  return {
    ...body,
    usageCharacteristic: (body.usageCharacteristic as unknown[]).map((c) =>
      isObject(c) && c.name === 'quantity' && typeof c.value === 'number'
        ? { ...c, value: decimalOf(c.value, 'usageCharacteristic.quantity') }
        : c,
    ),
  };
}

function paymentView(id: string, currency: string, p: PaymentView): Json {
  return {
    id: p.id,
    href: `/bilaterals/${id}/${PAYMENT_BASE}/payment/${encodeURIComponent(p.id)}`,
    correlatorId: p.id,
    paymentDate: p.at,
    amount: money(currency, p.amount),
    totalAmount: money(currency, p.amount),
    status: p.receipt,
    ...(p.markedAt === undefined ? {} : { statusDate: p.markedAt }),
    ...(p.reason === undefined ? {} : { statusReason: p.reason }),
    account: { id, '@referredType': 'BillingAccount' },
    paymentItem: (p.allocations ?? []).map((a) => ({
      item: {
        id: a.period,
        href: `/bilaterals/${id}/mefApi/sonata/customerBillManagement/v2/customerBill/${a.period}`,
        '@referredType': 'CustomerBill',
      },
      amount: money(currency, a.amount),
    })),
    ledgerRef: { fact: p.ref },
  };
}
