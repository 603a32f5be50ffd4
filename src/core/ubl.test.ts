import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adjustment } from './adjustment.ts';
import { parseDecimal } from './decimal.ts';
import { parseJsonl } from './fixtures/example.ts';
import type { Invoice } from './invoice.ts';
import { rate } from './rate.ts';
import { add, compare, mul, type Rational, ZERO } from './rational.ts';
import { parseTerms } from './terms.ts';
import {
  creditNoteUbl,
  debitNoteUbl,
  invoiceUbl,
  PEPPOL_CUSTOMIZATION_ID,
  PEPPOL_PROFILE_ID,
  type UblOptions,
} from './ubl.ts';

const dir = join(import.meta.dirname, 'fixtures', 'dia-acme-globex');
const raw = JSON.parse(readFileSync(join(dir, 'terms.json'), 'utf8'));
const factsText = readFileSync(join(dir, 'facts.jsonl'), 'utf8');
const terms = parseTerms(raw);
const facts = parseJsonl(factsText, 'facts.jsonl', terms);

/** What the terms do not say and Dutch Peppol rules want (NL-R-002, -004, -007). */
const details: UblOptions = {
  seller: {
    street: 'Fiberweg 1',
    city: 'Amsterdam',
    postalZone: '1011 AA',
    legalId: { id: '12345678', scheme: '0106' },
  },
  buyer: { street: 'Globexstraat 2', city: 'Rotterdam', postalZone: '3011 BB' },
  payment: { meansCode: '58', accountId: 'NL91ABNA0417164300', accountName: 'Acme Fiber B.V.' },
};

/** Every text of a leaf element, in document order. */
function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
}

function lines(xml: string, root: 'Invoice' | 'CreditNote' = 'Invoice'): string[] {
  return xml.split(`<cac:${root}Line>`).slice(1);
}

const total = (amounts: readonly string[]): Rational =>
  amounts.reduce((s, a) => add(s, parseDecimal(a)), ZERO);
const equal = (a: Rational, b: string) => compare(a, parseDecimal(b)) === 0;

describe('invoiceUbl', () => {
  it('writes a Peppol BIS 3 Invoice of the February example: header, parties, totals', () => {
    const invoice = rate(terms, facts, '2026-02');
    const { xml, peppol, reasons } = invoiceUbl(terms, invoice, details);
    expect(reasons).toEqual([]);
    expect(peppol).toBe(true);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Invoice xmlns="urn:oasis:names/);
    expect(texts(xml, 'cbc:CustomizationID')).toEqual([PEPPOL_CUSTOMIZATION_ID]);
    expect(texts(xml, 'cbc:ProfileID')).toEqual([PEPPOL_PROFILE_ID]);
    expect(texts(xml, 'cbc:ID')[0]).toBe('msa-acme-globex-2026-2026-02');
    expect(texts(xml, 'cbc:InvoiceTypeCode')).toEqual(['380']);
    expect(texts(xml, 'cbc:DueDate')).toEqual([invoice.dueDate]);
    expect(xml).toContain('<cbc:EndpointID schemeID="9944">NL123456789B01</cbc:EndpointID>');
    expect(xml).toContain('<cbc:EndpointID schemeID="9944">NL987654321B01</cbc:EndpointID>');
    expect(texts(xml, 'cbc:StartDate')[0]).toBe('2026-02-01');
    expect(texts(xml, 'cbc:EndDate')[0]).toBe('2026-02-28');
    expect(texts(xml, 'cbc:PayableAmount')).toEqual([invoice.total]);
    expect(texts(xml, 'cbc:TaxInclusiveAmount')).toEqual([invoice.total]);
    expect(texts(xml, 'cbc:TaxExclusiveAmount')).toEqual([invoice.subtotal]);
  });

  it.each(['2026-01', '2026-02', '2026-03'])(
    '%s: every line is quantity × price and the lines sum to the total',
    (p) => {
      const invoice = rate(terms, facts, p);
      const { xml } = invoiceUbl(terms, invoice, details);
      const blocks = lines(xml);
      expect(blocks).toHaveLength(invoice.lines.length);
      for (const block of blocks) {
        const [quantity] = texts(block, 'cbc:InvoicedQuantity');
        const [amount] = texts(block, 'cbc:LineExtensionAmount');
        const [price] = texts(block, 'cbc:PriceAmount');
        expect(equal(mul(parseDecimal(quantity!), parseDecimal(price!)), amount!)).toBe(true);
        expect(compare(parseDecimal(price!), ZERO)).toBeGreaterThanOrEqual(0); // BR-27
      }
      const lineAmounts = blocks.map((b) => texts(b, 'cbc:LineExtensionAmount')[0]!);
      expect(equal(total(lineAmounts), texts(xml, 'cbc:LineExtensionAmount')[0]!)).toBe(true);
      expect(texts(xml, 'cbc:LineExtensionAmount')[0]).toBe(invoice.subtotal);
    },
  );

  it('keeps a natural quantity when it is exact, else 1 (or -1 for a credit) at the amount', () => {
    const { xml } = invoiceUbl(terms, rate(terms, facts, '2026-03'), details);
    const [recurring, discount, termination] = lines(xml);
    expect(texts(termination!, 'cbc:InvoicedQuantity')).toEqual(['35']);
    expect(termination).toContain('unitCode="MON"');
    expect(texts(termination!, 'cbc:PriceAmount')).toEqual(['2000.00']);
    expect(texts(recurring!, 'cbc:InvoicedQuantity')).toEqual(['1']);
    expect(texts(recurring!, 'cbc:PriceAmount')).toEqual(['1290.32']);
    expect(texts(discount!, 'cbc:InvoicedQuantity')).toEqual(['-1']);
    expect(texts(discount!, 'cbc:LineExtensionAmount')).toEqual(['-129.03']);
    expect(texts(discount!, 'cbc:PriceAmount')).toEqual(['129.03']);
    // Line periods are local dates, the exclusive end made inclusive.
    expect(texts(recurring!, 'cbc:EndDate')).toEqual(['2026-03-10']);
  });

  it('reverse charge: category AE at 0 with VATEX-EU-AE and a note, the buyer under its own VAT scheme', () => {
    const ae = parseTerms({
      ...raw,
      buyer: { id: 'globex', name: 'Globex Telecom GmbH', country: 'DE', vatId: 'DE123456789' },
      tax: { category: 'AE', ratePercent: '0' },
    });
    const { xml, peppol } = invoiceUbl(
      ae,
      rate(ae, parseJsonl(factsText, 'facts.jsonl', ae), '2026-02'),
      details,
    );
    expect(peppol).toBe(true);
    expect(texts(xml, 'cbc:TaxExemptionReasonCode')).toEqual(['VATEX-EU-AE']);
    expect(texts(xml, 'cbc:Note')[0]).toBe('Reverse charge');
    expect(texts(xml, 'cbc:TaxAmount')).toEqual(['0.00', '0.00']);
    expect(xml).toContain('<cbc:EndpointID schemeID="9930">DE123456789</cbc:EndpointID>');
  });

  it('BHD (3 decimals) is plain UBL 2.1, without the Peppol identifiers, and says why', () => {
    const bhd = parseTerms({ ...raw, currency: 'BHD' });
    const doc = invoiceUbl(bhd, rate(bhd, parseJsonl(factsText, 'facts.jsonl', bhd), '2026-02'), details);
    expect(doc.peppol).toBe(false);
    expect(doc.reasons).toEqual([expect.stringContaining('BHD amounts have 3 decimals')]);
    expect(doc.xml).not.toContain('CustomizationID');
    expect(doc.xml).not.toContain('ProfileID');
    expect(texts(doc.xml, 'cbc:PayableAmount')[0]).toMatch(/^\d+\.\d{3}$/);
  });

  it('without addresses and payment means a Dutch seller cannot claim Peppol: the reasons name the rules', () => {
    const doc = invoiceUbl(terms, rate(terms, facts, '2026-02'));
    expect(doc.peppol).toBe(false);
    expect(doc.reasons.join('\n')).toMatch(/NL-R-002[\s\S]*NL-R-007[\s\S]*NL-R-004/);
  });

  it('writes local dates in the contract zone and escapes names', () => {
    const zoned = parseTerms({
      ...raw,
      seller: { ...raw.seller, name: 'Acme & <Fiber>' },
      billing: { ...raw.billing, timeZone: 'Europe/Amsterdam' },
    });
    const invoice = rate(zoned, parseJsonl(factsText, 'facts.jsonl', zoned), '2026-02');
    expect(invoice.period.start).toBe('2026-01-31T23:00:00Z');
    const { xml } = invoiceUbl(zoned, invoice, details);
    expect(texts(xml, 'cbc:StartDate')[0]).toBe('2026-02-01');
    expect(texts(xml, 'cbc:EndDate')[0]).toBe('2026-02-28');
    expect(xml).toContain('<cbc:Name>Acme &amp; &lt;Fiber&gt;</cbc:Name>');
  });

  it('refuses an invoice whose figures do not add up', () => {
    const invoice = rate(terms, facts, '2026-02');
    const broken: Invoice = { ...invoice, total: '2041.21' };
    expect(() => invoiceUbl(terms, broken, details)).toThrow(/subtotal \+ tax is not the total/);
  });
});

describe('creditNoteUbl', () => {
  const withoutOutage = facts.filter((f) => f.fact.type !== 'outage');
  const issued = rate(terms, withoutOutage, '2026-02');
  const note = adjustment([issued], rate(terms, facts, '2026-02'))!;
  const options = { ...details, id: 'CN-2026-02-1', issueDate: '2026-04-15' };

  it('a late outage: a CreditNote 381 of positive amounts, referencing the invoice it corrects', () => {
    const { xml, peppol } = creditNoteUbl(terms, note, issued, options);
    expect(peppol).toBe(true);
    expect(xml).toContain('<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"');
    expect(texts(xml, 'cbc:CreditNoteTypeCode')).toEqual(['381']);
    expect(xml).toMatch(
      /<cac:BillingReference>\s*<cac:InvoiceDocumentReference>\s*<cbc:ID>msa-acme-globex-2026-2026-02<\/cbc:ID>\s*<cbc:IssueDate>2026-03-01<\/cbc:IssueDate>/,
    );
    expect(texts(xml, 'cbc:PayableAmount')).toEqual(['226.80']);
    expect(texts(xml, 'cbc:TaxAmount')).toEqual(['37.80', '37.80']);
    const [line] = lines(xml, 'CreditNote');
    expect(texts(line!, 'cbc:CreditedQuantity')).toEqual(['1']);
    expect(texts(line!, 'cbc:LineExtensionAmount')).toEqual(['189.00']);
    expect(texts(line!, 'cbc:Note')).toEqual(['Facts: facts.jsonl:3']);
    // Each line names its service and kind, so a receiving system matches lines to its own.
    expect(line).toMatch(/<cac:SellersItemIdentification>\s*<cbc:ID>S1<\/cbc:ID>/);
    expect(line).toMatch(
      /<cac:AdditionalItemProperty>\s*<cbc:Name>charge-type<\/cbc:Name>\s*<cbc:Value>sla-credit<\/cbc:Value>/,
    );
  });

  it('refuses a debit note and a note of another period', () => {
    const debit = adjustment([rate(terms, facts, '2026-02')], issued)!;
    expect(debit.type).toBe('debit');
    expect(() => creditNoteUbl(terms, debit, issued, options)).toThrow(/debit note/);
    expect(() => creditNoteUbl(terms, note, rate(terms, facts, '2026-01'), options)).toThrow(
      /another invoice/,
    );
  });
});

describe('debitNoteUbl', () => {
  const withoutOutage = facts.filter((f) => f.fact.type !== 'outage');
  // Invoiced with the outage's credit; the outage then withdrawn: the Buyer owes the credit back.
  const issued = rate(terms, facts, '2026-02');
  const note = adjustment([issued], rate(terms, withoutOutage, '2026-02'))!;
  const options = { ...details, id: 'DN-2026-02-1', issueDate: '2026-04-15' };

  it('an Invoice of type 383 with the note’s own positive figures, referencing the invoice it corrects', () => {
    expect(note.type).toBe('debit');
    const { xml, peppol } = debitNoteUbl(terms, note, issued, options);
    expect(peppol).toBe(true);
    expect(xml).toContain('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"');
    expect(texts(xml, 'cbc:InvoiceTypeCode')).toEqual(['383']);
    expect(texts(xml, 'cbc:DueDate')).toEqual(['2026-05-15']);
    expect(xml).toMatch(
      /<cac:BillingReference>\s*<cac:InvoiceDocumentReference>\s*<cbc:ID>msa-acme-globex-2026-2026-02<\/cbc:ID>/,
    );
    expect(texts(xml, 'cbc:PayableAmount')).toEqual([note.total]);
    expect(note.total).toBe('226.80');
  });

  it('refuses a credit note and a note of another period', () => {
    const credit = adjustment([rate(terms, withoutOutage, '2026-02')], issued)!;
    expect(() => debitNoteUbl(terms, credit, issued, options)).toThrow(/credit note/);
    expect(() => debitNoteUbl(terms, note, rate(terms, facts, '2026-01'), options)).toThrow(
      /another invoice/,
    );
  });
});
