/**
 * UBL 2.1 e-invoices from what `rate` and `adjustment` compute: an `Invoice`
 * (type 380), a `CreditNote` (type 381) and a debit note (an `Invoice` of
 * type 383: UBL has no debit-note document in Peppol BIS 3), both notes with
 * a BillingReference to the invoice they correct, shaped for Peppol BIS Billing 3.0 (EN 16931), the
 * format the parties' finance systems and access points take.
 *
 * Design rationale:
 * - Amounts are copied as the decimal strings the invoice carries; the only
 *   arithmetic is exact (Rationals) and only checks or negates. No Number.
 * - EN 16931 wants every line amount = quantity × price (PEPPOL-EN16931-R120)
 *   and no negative price (BR-27). A line keeps its natural quantity (35
 *   months at 2000.00) only when quantity × unit price is its amount exactly;
 *   otherwise (a prorated month, graduated usage) it is quantity 1 at price =
 *   amount, and the line's description keeps the detail ("17/31 days").
 *   Negative lines (discounts, SLA credits) are quantity -1 at price |amount|:
 *   lines, not document allowances, so each keeps its own fact refs and the
 *   LineExtensionAmount is still the invoice's subtotal.
 * - Endpoints: a party's VAT id under its country's EAS VAT scheme (NL 9944,
 *   DE 9930, …) unless the caller names one: the example data has VAT ids and
 *   nothing else, and 9944 is what Dutch Peppol participants register with
 *   (PEPPOL-COMMON-R056 checks its format). Terms carry no address, legal id
 *   or bank account; `UblOptions` supplies them.
 * - The Peppol CustomizationID is claimed only when nothing known stands in
 *   the way; otherwise the result is plain UBL 2.1 and `reasons` says why
 *   (a 3-decimal currency such as BHD: BR-DEC allows 2; a Dutch seller
 *   without street, city and post code: NL-R-002; …). The validator stays
 *   the authority: `reasons` names the gaps this module can see.
 */
import type { Adjustment } from './adjustment.ts';
import { toLocal } from './calendar.ts';
import { minorUnit } from './currency.ts';
import { formatFixed, parseDecimal } from './decimal.ts';
import { formatDate, parseInstant } from './instant.ts';
import type { Invoice, InvoiceLine } from './invoice.ts';
import { add, compare, mul, neg, ZERO } from './rational.ts';
import type { Party, TaxCategory, Terms } from './terms.ts';

export const PEPPOL_CUSTOMIZATION_ID =
  'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
export const PEPPOL_PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';

/** What the terms do not say about a party and an e-invoice needs. */
export interface UblPartyDetails {
  /** cbc:EndpointID; by default the VAT id under the country's EAS VAT scheme (NL: 9944). */
  readonly endpoint?: { readonly id: string; readonly scheme: string };
  readonly street?: string;
  readonly city?: string;
  readonly postalZone?: string;
  /** PartyLegalEntity/CompanyID, e.g. a Dutch KVK number with scheme 0106. */
  readonly legalId?: { readonly id: string; readonly scheme?: string };
}

/** PaymentMeans: UNCL 4461 code (30 credit transfer, 58 SEPA credit transfer) and the payee account. */
export interface UblPayment {
  readonly meansCode: string;
  readonly accountId?: string;
  readonly accountName?: string;
}

export interface UblOptions {
  /** The document number; an invoice's defaults to `<terms id>-<period>`. */
  readonly id?: string;
  /** BT-10; defaults to the terms id (the contract the Buyer knows the invoice by). */
  readonly buyerReference?: string;
  readonly seller?: UblPartyDetails;
  readonly buyer?: UblPartyDetails;
  readonly payment?: UblPayment;
  /** The exemption reason text of tax category E (BR-E-10); "Exempt from VAT" by default. */
  readonly exemptionReason?: string;
}

export interface CreditNoteUblOptions extends UblOptions {
  readonly id: string;
  /** The note's issue date, YYYY-MM-DD (an adjustment carries none). */
  readonly issueDate: string;
  /** The corrected invoice's number; defaults as `invoiceUbl` names it. */
  readonly invoiceId?: string;
}

export interface UblDocument {
  readonly xml: string;
  /** True when the document claims Peppol BIS Billing 3.0 (its CustomizationID and ProfileID). */
  readonly peppol: boolean;
  /** Why it does not (empty when it does). */
  readonly reasons: readonly string[];
}

/** The invoice number `invoiceUbl` gives when none is passed: `msa-acme-globex-2026-2026-02`. */
export function ublInvoiceId(invoice: Pick<Invoice, 'terms' | 'period'>): string {
  return `${invoice.terms}-${invoice.period.id}`;
}

/**
 * The invoice as a UBL 2.1 Invoice.
 * @example invoiceUbl(terms, rate(terms, facts, '2026-02'), { seller, buyer, payment }).xml
 * @throws RangeError when the invoice's own figures do not add up (lines to subtotal, taxes to tax, …).
 */
export function invoiceUbl(terms: Terms, invoice: Invoice, options: UblOptions = {}): UblDocument {
  checkSums(invoice);
  const id = options.id ?? ublInvoiceId(invoice);
  const ctx = context('Invoice', terms, invoice, options);
  const body: Children = [
    ...ctx.header(id, invoice.issueDate),
    leaf('cbc:DueDate', invoice.dueDate),
    leaf('cbc:InvoiceTypeCode', '380'),
    ...ctx.references(),
    ...ctx.parties(),
    ...ctx.payment(id, `Net ${terms.billing.paymentTermsDays} days, due ${invoice.dueDate}`),
    ctx.taxTotal(invoice),
    ctx.monetaryTotal(invoice),
    ...invoice.lines.map((line, i) => ctx.line(i, line)),
  ];
  return ctx.document(body);
}

/**
 * A credit note (`adjustment` of type credit) as a UBL 2.1 CreditNote. UBL
 * credits in positive amounts, so each figure is the note's, negated: a
 * credit of 189.00 is a CreditNote of 189.00.
 * @throws RangeError for a debit note, a note of another period or terms, or figures that do not add up.
 */
export function creditNoteUbl(
  terms: Terms,
  note: Adjustment,
  correctedInvoice: Invoice,
  options: CreditNoteUblOptions,
): UblDocument {
  if (note.type !== 'credit') throw new RangeError('creditNoteUbl: the note is a debit note');
  if (note.terms !== correctedInvoice.terms || note.period.id !== correctedInvoice.period.id)
    throw new RangeError('creditNoteUbl: the note corrects another invoice');
  checkSums(note);
  const credit = negated(note);
  const ctx = context('CreditNote', terms, credit, options);
  const invoiceId = options.invoiceId ?? ublInvoiceId(correctedInvoice);
  const body: Children = [
    ...ctx.header(options.id, options.issueDate),
    leaf('cbc:CreditNoteTypeCode', '381'),
    ...ctx.references({ id: invoiceId, issueDate: correctedInvoice.issueDate }),
    ...ctx.parties(),
    ...ctx.payment(options.id, `Credit for invoice ${invoiceId}`),
    ctx.taxTotal(credit),
    ctx.monetaryTotal(credit),
    ...credit.lines.map((line, i) => ctx.line(i, line)),
  ];
  return ctx.document(body);
}

/**
 * A debit note (`adjustment` of type debit: the Buyer owes more) as a UBL
 * 2.1 Invoice of type 383 (UNCL 1001 "debit note", which Peppol BIS 3
 * accepts) with a BillingReference to the invoice it corrects; its figures
 * are the note's own, positive. Due like an invoice: the payment terms from
 * the note's issue date.
 * @throws RangeError for a credit note, a note of another period or terms, or figures that do not add up.
 */
export function debitNoteUbl(
  terms: Terms,
  note: Adjustment,
  correctedInvoice: Invoice,
  options: CreditNoteUblOptions,
): UblDocument {
  if (note.type !== 'debit') throw new RangeError('debitNoteUbl: the note is a credit note');
  if (note.terms !== correctedInvoice.terms || note.period.id !== correctedInvoice.period.id)
    throw new RangeError('debitNoteUbl: the note corrects another invoice');
  checkSums(note);
  const ctx = context('Invoice', terms, note, options);
  const invoiceId = options.invoiceId ?? ublInvoiceId(correctedInvoice);
  const due = addDays(options.issueDate, terms.billing.paymentTermsDays);
  const body: Children = [
    ...ctx.header(options.id, options.issueDate),
    leaf('cbc:DueDate', due),
    leaf('cbc:InvoiceTypeCode', '383'),
    ...ctx.references({ id: invoiceId, issueDate: correctedInvoice.issueDate }),
    ...ctx.parties(),
    ...ctx.payment(
      options.id,
      `Debit for invoice ${invoiceId}; net ${terms.billing.paymentTermsDays} days, due ${due}`,
    ),
    ctx.taxTotal(note),
    ctx.monetaryTotal(note),
    ...note.lines.map((line, i) => ctx.line(i, line)),
  ];
  return ctx.document(body);
}

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
function addDays(date: string, days: number): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new RangeError(`UBL export: issue date '${date}' is not YYYY-MM-DD`);
  const [y, m, d] = date.split('-').map((part) => Number.parseInt(part, 10)) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------
// The figures: checked exactly, negated for a credit note.

/** The part of an invoice or note the UBL figures come from. */
interface Figures {
  readonly currency: string;
  readonly period: Invoice['period'];
  readonly lines: readonly Pick<
    InvoiceLine,
    | 'kind'
    | 'service'
    | 'plan'
    | 'metric'
    | 'description'
    | 'amount'
    | 'quantity'
    | 'unit'
    | 'unitPrice'
    | 'periodCoverage'
    | 'refs'
  >[];
  readonly subtotal: string;
  readonly taxes: readonly {
    readonly category: TaxCategory;
    readonly ratePercent: string;
    readonly taxable: string;
    readonly amount: string;
    readonly note?: string;
  }[];
  readonly tax: string;
  readonly total: string;
}

const sum = (amounts: readonly string[]) => amounts.reduce((s, a) => add(s, parseDecimal(a)), ZERO);
const same = (a: ReturnType<typeof sum>, b: string) => compare(a, parseDecimal(b)) === 0;

/** BR-CO-10, -13, -14, -15 hold only if the document's own figures add up: refuse one that does not. */
function checkSums(doc: Figures): void {
  const broken = [
    same(sum(doc.lines.map((l) => l.amount)), doc.subtotal) ? undefined : 'lines do not sum to the subtotal',
    same(sum(doc.taxes.map((t) => t.taxable)), doc.subtotal) || doc.taxes.length === 0
      ? undefined
      : 'taxable amounts do not sum to the subtotal',
    same(sum(doc.taxes.map((t) => t.amount)), doc.tax) ? undefined : 'taxes do not sum to the tax',
    same(sum([doc.subtotal, doc.tax]), doc.total) ? undefined : 'subtotal + tax is not the total',
  ].filter((m) => m !== undefined);
  if (broken.length > 0) throw new RangeError(`UBL export: ${broken.join('; ')}`);
}

/** A decimal string negated, with its own number of decimals ("-189.00" → "189.00"). */
function negate(amount: string): string {
  const decimals = amount.includes('.') ? amount.length - amount.indexOf('.') - 1 : 0;
  return formatFixed(neg(parseDecimal(amount)), decimals);
}

function negated(note: Adjustment): Figures {
  return {
    currency: note.currency,
    period: note.period,
    lines: note.lines.map((l) => ({ ...l, amount: negate(l.amount) })),
    subtotal: negate(note.subtotal),
    taxes: note.taxes.map((t) => ({ ...t, taxable: negate(t.taxable), amount: negate(t.amount) })),
    tax: negate(note.tax),
    total: negate(note.total),
  };
}

// ---------------------------------------------------------------------------
// The document: one context per export, holding terms, options and figures.

function context(root: Root, terms: Terms, doc: Figures, options: UblOptions) {
  const zone = terms.billing.timeZone;
  const currency = doc.currency;
  const money = (name: string, value: string) => leaf(name, value, { currencyID: currency });
  const category = lineCategory(terms, doc);
  const reasons = peppolGaps(root, terms, doc, options);
  return {
    header: (id: string, issueDate: string): Children => [
      reasons.length === 0 ? leaf('cbc:CustomizationID', PEPPOL_CUSTOMIZATION_ID) : undefined,
      reasons.length === 0 ? leaf('cbc:ProfileID', PEPPOL_PROFILE_ID) : undefined,
      leaf('cbc:ID', id),
      leaf('cbc:IssueDate', issueDate),
    ],
    references: (billed?: { id: string; issueDate: string }): Children => [
      // Peppol allows one document note (PEPPOL-EN16931-R002): the tax notes ("Reverse charge"), joined.
      optionalLeaf('cbc:Note', doc.taxes.flatMap((t) => (t.note === undefined ? [] : [t.note])).join('; ')),
      leaf('cbc:DocumentCurrencyCode', currency),
      leaf('cbc:BuyerReference', options.buyerReference ?? terms.id),
      period(doc.period.start, doc.period.end, zone),
      billed === undefined
        ? undefined
        : node('cac:BillingReference', [
            node('cac:InvoiceDocumentReference', [
              leaf('cbc:ID', billed.id),
              leaf('cbc:IssueDate', billed.issueDate),
            ]),
          ]),
      node('cac:ContractDocumentReference', [leaf('cbc:ID', terms.id)]),
    ],
    parties: (): Children => [
      node('cac:AccountingSupplierParty', [party(terms.seller, options.seller)]),
      node('cac:AccountingCustomerParty', [party(terms.buyer, options.buyer)]),
    ],
    payment: (id: string, termsNote: string): Children => [
      options.payment === undefined ? undefined : paymentMeans(options.payment, id),
      node('cac:PaymentTerms', [leaf('cbc:Note', termsNote)]),
    ],
    taxTotal: (figures: Figures): Xml =>
      node('cac:TaxTotal', [
        money('cbc:TaxAmount', figures.tax),
        // EN 16931 wants a breakdown even when nothing is taxed (BR-CO-18): one of zero then.
        ...(figures.taxes.length > 0
          ? figures.taxes
          : [{ ...category, taxable: figures.subtotal, amount: figures.tax }]
        ).map((t) =>
          node('cac:TaxSubtotal', [
            money('cbc:TaxableAmount', t.taxable),
            money('cbc:TaxAmount', t.amount),
            taxCategory('cac:TaxCategory', t, options.exemptionReason),
          ]),
        ),
      ]),
    monetaryTotal: (figures: Figures): Xml =>
      node('cac:LegalMonetaryTotal', [
        money('cbc:LineExtensionAmount', figures.subtotal),
        money('cbc:TaxExclusiveAmount', figures.subtotal),
        money('cbc:TaxInclusiveAmount', figures.total),
        money('cbc:PayableAmount', figures.total),
      ]),
    line: (index: number, line: Figures['lines'][number]): Xml => {
      const { quantity, unitCode, price } = quantityAndPrice(line);
      return node(`cac:${root}Line`, [
        leaf('cbc:ID', String(index + 1)),
        optionalLeaf('cbc:Note', line.refs.length === 0 ? '' : `Facts: ${line.refs.join(', ')}`),
        leaf(root === 'Invoice' ? 'cbc:InvoicedQuantity' : 'cbc:CreditedQuantity', quantity, { unitCode }),
        money('cbc:LineExtensionAmount', line.amount),
        line.periodCoverage === undefined
          ? undefined
          : period(line.periodCoverage.start, line.periodCoverage.end, zone),
        node('cac:Item', [
          leaf('cbc:Name', line.description),
          // The service and the charge type, so a receiving system (or a parallel run) matches lines.
          node('cac:SellersItemIdentification', [leaf('cbc:ID', line.service)]),
          taxCategory('cac:ClassifiedTaxCategory', category),
          itemProperty(LINE_KIND_PROPERTY, line.kind),
          line.plan === undefined ? undefined : itemProperty('plan', line.plan),
          line.metric === undefined ? undefined : itemProperty('metric', line.metric),
        ]),
        node('cac:Price', [money('cbc:PriceAmount', price)]),
      ]);
    },
    document: (body: Children): UblDocument => ({
      xml: serialize(root, body),
      peppol: reasons.length === 0,
      reasons,
    }),
  };
}

type Root = 'Invoice' | 'CreditNote';

/** The AdditionalItemProperty naming a line's kind (TERMS.md §5: recurring, usage, sla-credit, …). */
export const LINE_KIND_PROPERTY = 'charge-type';

function itemProperty(name: string, value: string): Xml {
  return node('cac:AdditionalItemProperty', [leaf('cbc:Name', name), leaf('cbc:Value', value)]);
}

/** Every line of one invoice is in the contract's one tax category (terms.tax; TERMS.md §3). */
function lineCategory(terms: Terms, doc: Figures): { category: TaxCategory; ratePercent: string } {
  if (doc.taxes.length > 1) throw new RangeError('UBL export: lines in more than one tax category');
  const tax = doc.taxes[0] ?? terms.tax;
  return { category: tax.category, ratePercent: tax.ratePercent };
}

function taxCategory(
  name: string,
  tax: { readonly category: TaxCategory; readonly ratePercent: string; readonly note?: string },
  exemptionReason?: string,
): Xml {
  const inBreakdown = name === 'cac:TaxCategory';
  return node(name, [
    leaf('cbc:ID', tax.category),
    leaf('cbc:Percent', tax.ratePercent),
    // The reason sits in the breakdown only (BR-AE-10, BR-E-10); Z and S carry none (BR-Z-10, BR-S-10).
    inBreakdown && tax.category === 'AE' ? leaf('cbc:TaxExemptionReasonCode', 'VATEX-EU-AE') : undefined,
    inBreakdown && tax.category === 'AE'
      ? leaf('cbc:TaxExemptionReason', tax.note ?? 'Reverse charge')
      : undefined,
    inBreakdown && tax.category === 'E'
      ? leaf('cbc:TaxExemptionReason', exemptionReason ?? 'Exempt from VAT')
      : undefined,
    node('cac:TaxScheme', [leaf('cbc:ID', 'VAT')]),
  ]);
}

/** UN/ECE Rec 20 codes of the units lines carry (on-demand units, months, common usage metrics). */
const UNIT_CODES: Readonly<Record<string, string>> = {
  second: 'SEC',
  minute: 'MIN',
  hour: 'HUR',
  day: 'DAY',
  month: 'MON',
  kb: '2P',
  mb: '4L',
  gb: 'E34',
  tb: 'E35',
};

/** The natural quantity when quantity × unit price is the amount exactly; else ±1 at |amount| (see header). */
function quantityAndPrice(line: Figures['lines'][number]): {
  quantity: string;
  unitCode: string;
  price: string;
} {
  const unitCode = line.unit === undefined ? undefined : UNIT_CODES[line.unit.toLowerCase()];
  if (line.quantity !== undefined && line.unitPrice !== undefined && unitCode !== undefined) {
    const exact = compare(
      mul(parseDecimal(line.quantity), parseDecimal(line.unitPrice)),
      parseDecimal(line.amount),
    );
    if (exact === 0 && compare(parseDecimal(line.unitPrice), ZERO) >= 0)
      return { quantity: line.quantity, unitCode, price: line.unitPrice };
  }
  const negative = compare(parseDecimal(line.amount), ZERO) < 0;
  return {
    quantity: negative ? '-1' : '1',
    unitCode: 'C62',
    price: negative ? negate(line.amount) : line.amount,
  };
}

/** An invoice period: the local dates of `[start, end)` in the contract's zone, the end inclusive. */
function period(start: string, end: string, zone: string): Xml {
  return node('cac:InvoicePeriod', [
    leaf('cbc:StartDate', localDate(start, zone, 0)),
    leaf('cbc:EndDate', localDate(end, zone, -1)),
  ]);
}

function localDate(instant: string, zone: string, offsetMs: number): string {
  const at = parseInstant(instant);
  if (at === undefined) throw new RangeError(`UBL export: bad instant ${JSON.stringify(instant)}`);
  const local = toLocal(at + offsetMs, zone);
  return formatDate(local.year, local.month, local.day);
}

// ---------------------------------------------------------------------------
// Parties, endpoints and payment.

/** EAS VAT schemes by country (CEF EAS code list): a VAT id is a Peppol endpoint under these. */
const VAT_ENDPOINT_SCHEMES: Readonly<Record<string, string>> = {
  AT: '9914',
  BE: '9925',
  BG: '9926',
  CY: '9928',
  CZ: '9929',
  DE: '9930',
  EE: '9931',
  ES: '9920',
  FR: '9957',
  GB: '9932',
  GR: '9933',
  HR: '9934',
  HU: '9910',
  IE: '9935',
  LT: '9937',
  LU: '9938',
  LV: '9939',
  MT: '9943',
  NL: '9944',
  PL: '9945',
  PT: '9946',
  RO: '9947',
  SI: '9949',
  SK: '9950',
};

/** The party's country: its own, else its VAT id's prefix (Greek VAT ids start "EL"). */
function countryOf(party: Party): string | undefined {
  const prefix = party.vatId?.slice(0, 2).toUpperCase();
  const country = party.country ?? (prefix === 'EL' ? 'GR' : prefix);
  return country !== undefined && /^[A-Z]{2}$/.test(country) ? country : undefined;
}

function endpointOf(party: Party, details?: UblPartyDetails): { id: string; scheme: string } | undefined {
  if (details?.endpoint !== undefined) return details.endpoint;
  const vatCountry = party.vatId?.slice(0, 2).toUpperCase();
  const scheme =
    vatCountry === undefined ? undefined : VAT_ENDPOINT_SCHEMES[vatCountry === 'EL' ? 'GR' : vatCountry];
  return scheme === undefined || party.vatId === undefined ? undefined : { id: party.vatId, scheme };
}

function party(p: Party, details?: UblPartyDetails): Xml {
  const endpoint = endpointOf(p, details);
  const name = p.name ?? p.id;
  return node('cac:Party', [
    endpoint === undefined ? undefined : leaf('cbc:EndpointID', endpoint.id, { schemeID: endpoint.scheme }),
    node('cac:PartyIdentification', [leaf('cbc:ID', p.id)]),
    node('cac:PartyName', [leaf('cbc:Name', name)]),
    node('cac:PostalAddress', [
      optionalLeaf('cbc:StreetName', details?.street),
      optionalLeaf('cbc:CityName', details?.city),
      optionalLeaf('cbc:PostalZone', details?.postalZone),
      node('cac:Country', [optionalLeaf('cbc:IdentificationCode', countryOf(p))]),
    ]),
    p.vatId === undefined
      ? undefined
      : node('cac:PartyTaxScheme', [
          leaf('cbc:CompanyID', p.vatId),
          node('cac:TaxScheme', [leaf('cbc:ID', 'VAT')]),
        ]),
    node('cac:PartyLegalEntity', [
      leaf('cbc:RegistrationName', name),
      details?.legalId === undefined
        ? undefined
        : leaf(
            'cbc:CompanyID',
            details.legalId.id,
            details.legalId.scheme === undefined ? {} : { schemeID: details.legalId.scheme },
          ),
    ]),
  ]);
}

function paymentMeans(payment: UblPayment, documentId: string): Xml {
  return node('cac:PaymentMeans', [
    leaf('cbc:PaymentMeansCode', payment.meansCode),
    // The remittance reference the Buyer quotes when paying: the document number.
    leaf('cbc:PaymentID', documentId),
    payment.accountId === undefined
      ? undefined
      : node('cac:PayeeFinancialAccount', [
          leaf('cbc:ID', payment.accountId),
          optionalLeaf('cbc:Name', payment.accountName),
        ]),
  ]);
}

// ---------------------------------------------------------------------------
// What keeps a document from Peppol BIS 3, as far as this module can see.

function peppolGaps(root: Root, terms: Terms, doc: Figures, options: UblOptions): string[] {
  const gaps: string[] = [];
  const decimals = minorUnit(doc.currency);
  if (decimals > 2)
    gaps.push(
      `${doc.currency} amounts have ${decimals} decimals; EN 16931 allows at most 2 (BR-DEC rules), so this is plain UBL 2.1`,
    );
  if (doc.lines.length === 0) gaps.push('no lines: EN 16931 needs at least one (BR-16)');
  for (const role of ['seller', 'buyer'] as const) gaps.push(...partyGaps(role, terms[role], options[role]));
  const category = lineCategory(terms, doc).category;
  if (terms.seller.vatId === undefined)
    gaps.push(`seller: tax category ${category} needs the seller's VAT id`);
  if (category === 'AE' && terms.buyer.vatId === undefined)
    gaps.push("buyer: reverse charge (AE) needs the buyer's VAT id (BR-AE-02)");
  gaps.push(...paymentGaps(options.payment));
  gaps.push(...dutchGaps(root, terms, doc, options));
  return gaps;
}

function partyGaps(role: 'seller' | 'buyer', p: Party, details?: UblPartyDetails): string[] {
  const gaps: string[] = [];
  if (endpointOf(p, details) === undefined)
    gaps.push(
      `${role}: no Peppol endpoint (a VAT id of a country with an EAS VAT scheme, or ${role}.endpoint)`,
    );
  if (countryOf(p) === undefined) gaps.push(`${role}: no country (BR-09, BR-11)`);
  return gaps;
}

function paymentGaps(payment?: UblPayment): string[] {
  if (payment === undefined) return [];
  if ((payment.meansCode === '30' || payment.meansCode === '58') && payment.accountId === undefined)
    return [`payment: means code ${payment.meansCode} needs the payee account (BR-61)`];
  return [];
}

/** The Dutch national rules (NL-R-*), fatal in Peppol BIS 3 for a seller in the Netherlands. */
function dutchGaps(root: Root, terms: Terms, doc: Figures, options: UblOptions): string[] {
  if (countryOf(terms.seller) !== 'NL') return [];
  const gaps: string[] = [];
  const addressed = (d?: UblPartyDetails) =>
    d?.street !== undefined && d.city !== undefined && d.postalZone !== undefined;
  const legalOk = (d?: UblPartyDetails) =>
    d?.legalId === undefined || d.legalId.scheme === '0106' || d.legalId.scheme === '0190';
  if (!addressed(options.seller)) gaps.push('seller in NL: street, city and post code needed (NL-R-002)');
  if (!legalOk(options.seller))
    gaps.push('seller in NL: legal id must be KVK (0106) or OIN (0190) (NL-R-003)');
  // Payment means when the Buyer pays: an invoice above zero, a credit note below.
  const buyerPays = compare(parseDecimal(doc.total), ZERO) * (root === 'Invoice' ? 1 : -1) > 0;
  if (options.payment === undefined && buyerPays) gaps.push('seller in NL: payment means needed (NL-R-007)');
  if (countryOf(terms.buyer) !== 'NL') return gaps;
  if (!addressed(options.buyer)) gaps.push('buyer in NL: street, city and post code needed (NL-R-004)');
  if (!legalOk(options.buyer)) gaps.push('buyer in NL: legal id must be KVK (0106) or OIN (0190) (NL-R-005)');
  const code = options.payment?.meansCode;
  if (code !== undefined && !['30', '48', '49', '57', '58', '59'].includes(code))
    gaps.push(`payment: means code ${code} is not allowed between Dutch parties (NL-R-008)`);
  return gaps;
}

// ---------------------------------------------------------------------------
// XML: a small tree and its serializer. Empty elements are never written
// (PEPPOL-EN16931-R008), so optional parts are `undefined` and skipped.

interface Xml {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly children?: Children;
}
type Children = readonly (Xml | undefined)[];

function leaf(name: string, text: string, attrs?: Readonly<Record<string, string>>): Xml {
  return attrs === undefined ? { name, text } : { name, text, attrs };
}

function optionalLeaf(name: string, text: string | undefined): Xml | undefined {
  return text === undefined || text === '' ? undefined : leaf(name, text);
}

function node(name: string, children: Children): Xml {
  return { name, children };
}

const NAMESPACES = {
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};

function serialize(root: Root, body: Children): string {
  const attrs = {
    xmlns: `urn:oasis:names:specification:ubl:schema:xsd:${root}-2`,
    'xmlns:cac': NAMESPACES.cac,
    'xmlns:cbc': NAMESPACES.cbc,
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${write({ name: root, attrs, children: body }, '')}`;
}

function write(x: Xml, indent: string): string {
  const attrs = Object.entries(x.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (x.text !== undefined) return `${indent}<${x.name}${attrs}>${escapeXml(x.text)}</${x.name}>\n`;
  const inner = (x.children ?? []).filter((c) => c !== undefined);
  if (inner.length === 0) return '';
  return `${indent}<${x.name}${attrs}>\n${inner.map((c) => write(c, `${indent}  `)).join('')}${indent}</${x.name}>\n`;
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
