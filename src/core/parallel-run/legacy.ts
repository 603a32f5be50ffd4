/**
 * A legacy billing system's invoices, as the parallel run reads them: a CSV
 * of invoice lines, UBL 2.1 Invoice documents, and a CSV of when each
 * invoice was agreed and paid. Everything is checked; a problem is named as
 * `file:line: field: rule` and nothing of a file with a problem is used.
 *
 * Lines CSV (header required, columns in any order, extra columns refused):
 *   invoice, contract, period, issue_date, service, kind, amount, currency
 *   and optionally detail (the plan or metric), description, quantity, unit_price.
 * Every row of one invoice must name the same contract, period, issue date
 * and currency.
 *
 * UBL: an `Invoice` (type 380) whose lines name their service in
 * `Item/SellersItemIdentification/ID` and their kind in the
 * `Item/AdditionalItemProperty` named `charge-type` (plan or metric in one
 * named `plan` or `metric`) — what this project's own export writes; the
 * contract is `ContractDocumentReference/ID`, the period the month of
 * `InvoicePeriod/StartDate`.
 *
 * Status CSV: invoice, agreed_date, paid_date (either may be empty).
 */

import { parseDay } from '../days.ts';
import { isDecimalString } from '../decimal.ts';
import { isPeriodId } from '../period.ts';
import { parseXml, type XmlElement } from './xml.ts';

export interface LegacyLine {
  readonly service: string;
  readonly kind: string;
  /** The plan or metric the line is for, when the legacy system says. */
  readonly detail?: string;
  readonly description: string;
  readonly amount: string;
  readonly quantity?: string;
  readonly unitPrice?: string;
  /** `file:line` of the line. */
  readonly source: string;
}

export interface LegacyInvoice {
  readonly id: string;
  readonly contract: string;
  readonly period: string;
  readonly issueDate: string;
  readonly currency: string;
  readonly lines: readonly LegacyLine[];
  readonly source: string;
}

export interface LegacyStatus {
  readonly agreedDate?: string;
  readonly paidDate?: string;
}

/** What reading a file found: its invoices, or the problems that stop it being used. */
export type Read<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: string[] };

/** Largest legacy file read (a few years of a few bilaterals fit many times over). */
export const MAX_LEGACY_BYTES = 16 * 1024 * 1024;
/** Longest field accepted in a CSV. */
const MAX_FIELD = 4096;

const LINE_COLUMNS = ['invoice', 'contract', 'period', 'issue_date', 'service', 'kind', 'amount', 'currency'];
const LINE_OPTIONAL = ['detail', 'description', 'quantity', 'unit_price'];
const STATUS_COLUMNS = ['invoice', 'agreed_date', 'paid_date'];

/** The invoices of a lines CSV. */
export function readLegacyCsv(text: string, file: string): Read<LegacyInvoice[]> {
  const table = readCsv(text, file, LINE_COLUMNS, LINE_OPTIONAL);
  if (!table.ok) return table;
  const problems: string[] = [];
  const invoices = new Map<string, { head: Omit<LegacyInvoice, 'lines'>; lines: LegacyLine[] }>();
  for (const row of table.value) {
    const at = `${file}:${row.line}`;
    const bad = (field: string, rule: string) => problems.push(`${at}: ${field}: ${rule}`);
    const get = (name: string) => row.fields[name] ?? '';
    for (const name of ['invoice', 'contract', 'service', 'kind'])
      if (get(name) === '') bad(name, 'expected a value');
    if (!isPeriodId(get('period'))) bad('period', `expected YYYY-MM, got '${get('period')}'`);
    if (parseDay(get('issue_date')) === undefined)
      bad('issue_date', `expected YYYY-MM-DD, got '${get('issue_date')}'`);
    if (!/^[A-Z]{3}$/.test(get('currency')))
      bad('currency', `expected an ISO 4217 code, got '${get('currency')}'`);
    if (!isDecimalString(get('amount'))) bad('amount', `expected a decimal string, got '${get('amount')}'`);
    for (const name of ['quantity', 'unit_price'])
      if (get(name) !== '' && !isDecimalString(get(name)))
        bad(name, `expected a decimal string, got '${get(name)}'`);
    const head = {
      id: get('invoice'),
      contract: get('contract'),
      period: get('period'),
      issueDate: get('issue_date'),
      currency: get('currency'),
      source: at,
    };
    const seen = invoices.get(head.id);
    if (seen === undefined) invoices.set(head.id, { head, lines: [] });
    else
      for (const key of ['contract', 'period', 'issueDate', 'currency'] as const)
        if (seen.head[key] !== head[key])
          bad(key, `invoice ${head.id} says '${seen.head[key]}' at ${seen.head.source}, here '${head[key]}'`);
    invoices.get(head.id)!.lines.push({
      service: get('service'),
      kind: get('kind'),
      ...(get('detail') === '' ? {} : { detail: get('detail') }),
      description: get('description'),
      amount: get('amount'),
      ...(get('quantity') === '' ? {} : { quantity: get('quantity') }),
      ...(get('unit_price') === '' ? {} : { unitPrice: get('unit_price') }),
      source: at,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: [...invoices.values()].map(({ head, lines }) => ({ ...head, lines })) };
}

/** When each invoice was agreed and paid, by invoice id. */
export function readLegacyStatus(text: string, file: string): Read<Map<string, LegacyStatus>> {
  const table = readCsv(text, file, ['invoice'], STATUS_COLUMNS.slice(1));
  if (!table.ok) return table;
  const problems: string[] = [];
  const out = new Map<string, LegacyStatus>();
  for (const row of table.value) {
    const at = `${file}:${row.line}`;
    const id = row.fields.invoice ?? '';
    if (id === '') problems.push(`${at}: invoice: expected a value`);
    if (out.has(id)) problems.push(`${at}: invoice: ${id} is listed twice`);
    const status: { agreedDate?: string; paidDate?: string } = {};
    for (const [column, key] of [
      ['agreed_date', 'agreedDate'],
      ['paid_date', 'paidDate'],
    ] as const) {
      const value = row.fields[column] ?? '';
      if (value === '') continue;
      if (parseDay(value) === undefined)
        problems.push(`${at}: ${column}: expected YYYY-MM-DD, got '${value}'`);
      else status[key] = value;
    }
    out.set(id, status);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: out };
}

/** One UBL 2.1 Invoice. */
export function readLegacyUbl(text: string, file: string): Read<LegacyInvoice> {
  const parsed = parseXml(text);
  if (!parsed.ok) return { ok: false, problems: [`${file}:${parsed.line}: ${parsed.rule}`] };
  const root = parsed.value;
  const problems: string[] = [];
  const at = (e: XmlElement | undefined) => `${file}:${e?.line ?? root.line}`;
  if (root.name !== 'Invoice')
    return { ok: false, problems: [`${at(root)}: ${root.name}: expected a UBL Invoice`] };
  const need = (e: XmlElement, path: string): string => {
    const value = textAt(e, path);
    if (value === undefined || value === '') problems.push(`${at(e)}: ${path}: expected a value`);
    return value ?? '';
  };
  const id = need(root, 'ID');
  const issueDate = need(root, 'IssueDate');
  const start = need(root, 'InvoicePeriod/StartDate');
  const contract = need(root, 'ContractDocumentReference/ID');
  const currency = need(root, 'DocumentCurrencyCode');
  if (issueDate !== '' && parseDay(issueDate) === undefined)
    problems.push(`${at(root)}: IssueDate: expected YYYY-MM-DD`);
  if (start !== '' && parseDay(start) === undefined)
    problems.push(`${at(root)}: InvoicePeriod/StartDate: expected YYYY-MM-DD`);
  const type = textAt(root, 'InvoiceTypeCode');
  if (type !== '380')
    problems.push(`${at(root)}: InvoiceTypeCode: expected 380 (an invoice), got '${type ?? ''}'`);
  const lines: LegacyLine[] = [];
  for (const line of root.children.filter((c) => c.name === 'InvoiceLine')) {
    const item = child(line, 'Item');
    const property = (name: string) =>
      item?.children
        .filter((c) => c.name === 'AdditionalItemProperty' && textAt(c, 'Name') === name)
        .map((c) => textAt(c, 'Value'))[0];
    const amount = need(line, 'LineExtensionAmount');
    if (amount !== '' && !isDecimalString(amount))
      problems.push(`${at(line)}: LineExtensionAmount: expected a decimal`);
    const service = item === undefined ? undefined : textAt(item, 'SellersItemIdentification/ID');
    const kind = property('charge-type');
    if (service === undefined || service === '')
      problems.push(`${at(line)}: Item/SellersItemIdentification/ID: expected the service`);
    if (kind === undefined || kind === '')
      problems.push(`${at(line)}: Item/AdditionalItemProperty charge-type: expected the line's kind`);
    const detail = property('plan') ?? property('metric');
    const quantity = textAt(line, 'InvoicedQuantity');
    const price = textAt(line, 'Price/PriceAmount');
    lines.push({
      service: service ?? '',
      kind: kind ?? '',
      ...(detail === undefined ? {} : { detail }),
      description: (item === undefined ? undefined : textAt(item, 'Name')) ?? '',
      amount,
      ...(quantity !== undefined && isDecimalString(quantity) ? { quantity } : {}),
      ...(price !== undefined && isDecimalString(price) ? { unitPrice: price } : {}),
      source: at(line),
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { id, contract, period: start.slice(0, 7), issueDate, currency, lines, source: at(root) },
  };
}

function child(e: XmlElement, name: string): XmlElement | undefined {
  return e.children.find((c) => c.name === name);
}

/** The text of the element at `path` (local names joined by `/`) under `e`. */
function textAt(e: XmlElement, path: string): string | undefined {
  let at: XmlElement | undefined = e;
  for (const name of path.split('/')) {
    at = at === undefined ? undefined : child(at, name);
  }
  return at?.text.trim();
}

interface Row {
  readonly line: number;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * RFC 4180 records (quoted fields may hold commas, quotes as `""` and line
 * breaks), in one linear pass; the first is the header. `required` columns
 * must all be there; `optional` ones may; any other is refused.
 */
function readCsv(
  text: string,
  file: string,
  required: readonly string[],
  optional: readonly string[],
): Read<Row[]> {
  const records = csvRecords(text);
  if (!records.ok) return { ok: false, problems: [`${file}:${records.line}: ${records.rule}`] };
  const [header, ...body] = records.value;
  if (header === undefined) return { ok: false, problems: [`${file}:1: expected a header line`] };
  const names = header.fields.map((f) => f.trim());
  const problems: string[] = [];
  for (const name of required)
    if (!names.includes(name)) problems.push(`${file}:1: ${name}: expected this column in the header`);
  for (const name of names)
    if (!required.includes(name) && !optional.includes(name))
      problems.push(`${file}:1: ${name}: expected one of ${[...required, ...optional].join(', ')}`);
  if (new Set(names).size !== names.length) problems.push(`${file}:1: a column is named twice`);
  const rows: Row[] = [];
  for (const record of body) {
    if (record.fields.length === 1 && record.fields[0] === '') continue;
    if (record.fields.length !== names.length) {
      problems.push(`${file}:${record.line}: expected ${names.length} fields, got ${record.fields.length}`);
      continue;
    }
    const fields: Record<string, string> = Object.create(null);
    names.forEach((name, i) => {
      fields[name] = record.fields[i]!;
    });
    rows.push({ line: record.line, fields });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: rows };
}

type Records =
  | { ok: true; value: { line: number; fields: string[] }[] }
  | { ok: false; line: number; rule: string };

function csvRecords(text: string): Records {
  const out: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field: string[] = [];
  let quoted = false;
  let line = 1;
  let start = 1;
  let quoteLine = 1;
  const endField = () => {
    fields.push(field.join(''));
    field = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field.push('"');
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field.push(c);
      }
    } else if (c === '"') {
      quoted = true;
      quoteLine = line;
    } else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endField();
      out.push({ line: start, fields });
      fields = [];
      line++;
      start = line;
    } else field.push(c);
    if (field.length > MAX_FIELD)
      return quoted
        ? {
            ok: false,
            line: quoteLine,
            rule: `a quoted field is longer than ${MAX_FIELD} characters (is its closing quote missing?)`,
          }
        : { ok: false, line, rule: `a field is longer than ${MAX_FIELD} characters` };
  }
  if (quoted) return { ok: false, line: quoteLine, rule: 'a quoted field is never closed' };
  if (field.length > 0 || fields.length > 0) {
    endField();
    out.push({ line: start, fields });
  }
  return { ok: true, value: out };
}
