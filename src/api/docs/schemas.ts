/**
 * JSON Schemas of the shapes the node's API documents (OpenAPI 3.0 dialect):
 * money and quantities are decimal strings, never JSON numbers.
 */
import { FACT_TYPES } from '../../node/index.ts';

export type Schema = Readonly<Record<string, unknown>>;

export const Decimal: Schema = {
  type: 'string',
  pattern: '^-?[0-9]+(\\.[0-9]+)?$',
  description: 'A decimal string (money, rates and quantities are never JSON numbers)',
  example: '1310.70',
};

const Instant: Schema = { type: 'string', format: 'date-time', example: '2026-01-15T09:30:00Z' };
const Day: Schema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', example: '2026-02-01' };
const PeriodId: Schema = { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-02' };
const Hash: Schema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const AnyObject: Schema = { type: 'object', additionalProperties: true };

/** RFC 9457 problem details, with the node's `code`, `message` and `details` members. */
export const Problem: Schema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code', 'message'],
  properties: {
    type: { type: 'string', description: 'A URI reference naming the code (its entry on /docs/problems)' },
    title: { type: 'string', description: "The status's reason phrase" },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: "The request's path" },
    code: { type: 'string', description: 'The error code, e.g. FACT_INVALID (see /docs/problems)' },
    message: { type: 'string', description: 'The same text as detail' },
    details: {
      description:
        'For invalid input, the issues: each field (path) and the rule it breaks; otherwise facts about the refusal',
      oneOf: [
        {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'rule'],
            properties: { path: { type: 'string' }, rule: { type: 'string' }, value: {} },
          },
        },
        { type: 'object', additionalProperties: true },
      ],
    },
  },
};

const InvoiceLine: Schema = {
  type: 'object',
  required: ['kind', 'service', 'description', 'amount', 'refs'],
  properties: {
    kind: { type: 'string', example: 'recurring' },
    service: { type: 'string' },
    description: { type: 'string' },
    amount: Decimal,
    plan: { type: 'string' },
    metric: { type: 'string' },
    quantity: Decimal,
    unit: { type: 'string' },
    unitPrice: Decimal,
    periodCoverage: {
      type: 'object',
      required: ['start', 'end'],
      properties: { start: Instant, end: Instant },
    },
    refs: { type: 'array', items: { type: 'string' }, description: 'The facts behind the line' },
  },
};

export const Invoice: Schema = {
  type: 'object',
  required: [
    'schema',
    'terms',
    'seller',
    'buyer',
    'period',
    'issueDate',
    'dueDate',
    'currency',
    'lines',
    'subtotal',
    'taxes',
    'tax',
    'total',
  ],
  properties: {
    schema: { type: 'string' },
    terms: { type: 'string' },
    seller: { type: 'string' },
    buyer: { type: 'string' },
    period: {
      type: 'object',
      required: ['id', 'start', 'end'],
      properties: { id: PeriodId, start: Instant, end: Instant },
    },
    issueDate: Day,
    dueDate: Day,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    lines: { type: 'array', items: InvoiceLine },
    subtotal: Decimal,
    taxes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['category', 'ratePercent', 'taxable', 'amount'],
        properties: {
          category: { type: 'string' },
          ratePercent: Decimal,
          taxable: Decimal,
          amount: Decimal,
          note: { type: 'string' },
        },
      },
    },
    tax: Decimal,
    total: Decimal,
  },
};

const Totals = ['invoiced', 'applied', 'open', 'unapplied', 'interest', 'disputed'];

export const Statement: Schema = {
  type: 'object',
  required: ['asOf', 'currency', 'invoices', 'payments', 'totals', 'aging'],
  properties: {
    asOf: Day,
    currency: { type: 'string' },
    invoices: {
      type: 'array',
      items: {
        type: 'object',
        required: ['period', 'issueDate', 'dueDate', 'total', 'applied', 'open', 'daysPastDue', 'interest'],
        properties: {
          period: PeriodId,
          issueDate: Day,
          dueDate: Day,
          total: Decimal,
          applied: Decimal,
          open: Decimal,
          daysPastDue: { type: 'integer' },
          interest: Decimal,
        },
      },
    },
    payments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'at', 'amount', 'applied', 'unapplied'],
        properties: {
          id: { type: 'string' },
          at: Instant,
          amount: Decimal,
          applied: {
            type: 'array',
            items: {
              type: 'object',
              required: ['period', 'amount'],
              properties: { period: PeriodId, amount: Decimal },
            },
          },
          unapplied: Decimal,
        },
      },
    },
    totals: {
      type: 'object',
      required: Totals,
      properties: Object.fromEntries(Totals.map((t) => [t, Decimal])),
    },
    aging: {
      type: 'object',
      required: ['current', '1-30', '31-60', '61-90', '90+'],
      additionalProperties: Decimal,
    },
  },
};

/** A fact as TERMS §2 defines it: a `type` and that type's fields (validated by the node, docs/facts.md). */
export const Fact: Schema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: [...FACT_TYPES] },
  },
  additionalProperties: true,
};

export const FactAnswer: Schema = {
  type: 'object',
  required: ['ref', 'hash', 'author', 'seq', 'kind', 'key', 'replicated'],
  properties: {
    ref: { type: 'string', example: 'acme-fiber/12#3' },
    hash: Hash,
    author: { type: 'string' },
    seq: { type: 'integer' },
    kind: { type: 'string', enum: ['fact', 'facts'] },
    key: { type: 'string' },
    replicated: { type: 'boolean', nullable: true },
  },
};

export const FactsAnswer: Schema = {
  type: 'object',
  required: ['entries', 'refs', 'replicated'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['hash', 'author', 'seq'],
        properties: { hash: Hash, author: { type: 'string' }, seq: { type: 'integer' } },
      },
    },
    refs: { type: 'array', items: { type: 'string' } },
    replicated: { type: 'boolean', nullable: true },
  },
};

export const Health: Schema = {
  type: 'object',
  required: ['status', 'party'],
  properties: { status: { type: 'string', enum: ['ok'] }, party: { type: 'string' } },
};

export { AnyObject, Day, Hash, Instant, PeriodId };
