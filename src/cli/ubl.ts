/**
 * `sb ubl`: one period's invoice as a UBL 2.1 / Peppol BIS Billing 3.0
 * document on stdout, offline like `sb rate` (same inputs, same `file:line:
 * field: rule` errors, exit 2 on bad input). The terms name each party's VAT
 * id and country but no address, legal id or bank account, which Peppol's
 * national rules want (a Dutch seller: NL-R-002, NL-R-007); `--details`
 * gives them. When the document cannot claim Peppol BIS 3 (a 3-decimal
 * currency, a missing address) it is still printed, as plain UBL 2.1, and
 * stderr says why, one reason a line.
 */
import { readFileSync } from 'node:fs';
import {
  Checker,
  child,
  formatIssue,
  invoiceUbl,
  locateJsonPath,
  type UblOptions,
  type UblPartyDetails,
} from '../core/index.ts';
import type { Command, Io } from './main.ts';
import {
  InputError,
  offlineFlags,
  offlineInvoice,
  periodFlag,
  readJson,
  runOffline,
} from './offline-inputs.ts';

const USAGE =
  'usage: sb ubl --terms TERMS.json --events FACTS.jsonl --period YYYY-MM [--details DETAILS.json] [--id INVOICE-ID]\n' +
  '  DETAILS.json: {"seller"|"buyer": {"endpoint": {"id", "scheme"}, "street", "city", "postalZone",\n' +
  '                 "legalId": {"id", "scheme"}}, "payment": {"meansCode", "accountId", "accountName"},\n' +
  '                 "buyerReference", "exemptionReason"}\n';

interface Options {
  readonly terms: string;
  readonly events: string;
  readonly period: string;
  readonly details?: string;
  readonly id?: string;
}

function parseArgs(args: readonly string[]): Options | 'help' {
  const values = offlineFlags('ubl', args, {
    values: ['terms', 'events', 'period', 'details', 'id'],
    required: ['terms', 'events', 'period'],
  });
  if (values === 'help') return 'help';
  return {
    terms: values.terms as string,
    events: values.events as string,
    period: periodFlag('ubl', values.period),
    ...(values.details === undefined ? {} : { details: values.details as string }),
    ...(values.id === undefined ? {} : { id: values.id as string }),
  };
}

export const ubl: Command = async (args: readonly string[], io: Io): Promise<number> =>
  runOffline('ubl', USAGE, io, () => {
    const options = parseArgs(args);
    if (options === 'help') return undefined;
    const { terms, invoice } = offlineInvoice(options);
    const details = options.details === undefined ? {} : loadDetails(options.details);
    const document = invoiceUbl(
      terms,
      invoice,
      options.id === undefined ? details : { ...details, id: options.id },
    );
    // Printed all the same: plain UBL 2.1 is still a valid document; the reasons say what Peppol lacks.
    for (const reason of document.reasons) io.stderr(`sb ubl: plain UBL 2.1, not Peppol BIS 3: ${reason}\n`);
    return document.xml;
  });

/** The details file, or every problem with it as `file:line: path: rule`. */
export function loadDetails(file: string): UblOptions {
  const json = readJson(file);
  const c = new Checker();
  const doc = c.object(json, '');
  if (doc !== undefined) {
    for (const key of Object.keys(doc)) {
      if (!['seller', 'buyer', 'payment', 'buyerReference', 'exemptionReason'].includes(key))
        c.fail(key, 'expected one of "seller", "buyer", "payment", "buyerReference", "exemptionReason"');
    }
    for (const role of ['seller', 'buyer'] as const)
      if (doc[role] !== undefined) checkParty(c, doc[role], role);
    if (doc.payment !== undefined) checkPayment(c, doc.payment);
    for (const key of ['buyerReference', 'exemptionReason'] as const)
      if (doc[key] !== undefined) c.string(doc[key], key);
  }
  if (c.issues.length === 0) return json as UblOptions;
  const text = readFileSync(file, 'utf8');
  throw new InputError(
    c.issues.map((issue) => `${file}:${locateJsonPath(text, issue.path)?.line ?? 1}: ${formatIssue(issue)}`),
  );
}

function checkParty(c: Checker, value: unknown, path: string): void {
  const party = c.object(value, path);
  if (party === undefined) return;
  const known: readonly (keyof UblPartyDetails)[] = ['endpoint', 'street', 'city', 'postalZone', 'legalId'];
  for (const key of Object.keys(party))
    if (!(known as readonly string[]).includes(key))
      c.fail(child(path, key), `expected one of ${known.map((k) => `"${k}"`).join(', ')}`);
  for (const key of ['street', 'city', 'postalZone'] as const)
    if (party[key] !== undefined) c.string(party[key], child(path, key));
  if (party.endpoint !== undefined) {
    const endpoint = c.object(party.endpoint, child(path, 'endpoint'));
    if (endpoint !== undefined) {
      c.string(endpoint.id, child(path, 'endpoint.id'));
      c.string(endpoint.scheme, child(path, 'endpoint.scheme'));
    }
  }
  if (party.legalId !== undefined) {
    const legal = c.object(party.legalId, child(path, 'legalId'));
    if (legal !== undefined) {
      c.string(legal.id, child(path, 'legalId.id'));
      if (legal.scheme !== undefined) c.string(legal.scheme, child(path, 'legalId.scheme'));
    }
  }
}

function checkPayment(c: Checker, value: unknown): void {
  const payment = c.object(value, 'payment');
  if (payment === undefined) return;
  c.string(payment.meansCode, 'payment.meansCode');
  for (const key of ['accountId', 'accountName'] as const)
    if (payment[key] !== undefined) c.string(payment[key], child('payment', key));
}
