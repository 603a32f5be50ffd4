/**
 * An invoice, credit note or debit note as one HTML page people read and
 * print: the parties with their VAT ids, the document number and dates, the
 * period, every line (quantity, unit price, amount, and the explanation the
 * line carries: proration, SLA credit, early-termination charge), tax per
 * category with the reverse-charge wording, the totals, and the hashes that
 * tie the page to the signed record (the terms hash, the entry's hash).
 *
 * Design rationale:
 * - Pure: a string from data, no I/O. The PDF is the node/CLI layer's job
 *   (a browser prints this page), so the PDF and the HTML say the same.
 * - Every amount is the document's own decimal string, shown as written:
 *   nothing is recomputed, rounded or passed through a JS number.
 * - Everything from the terms or the record is escaped: the terms come from a
 *   counterparty, and a party's name may be hostile text.
 * - Self-contained: inline CSS (screen, narrow screens, print), no scripts, no
 *   fonts or images to fetch. Tables have captions and header scopes.
 */
import type { Adjustment } from './adjustment.ts';
import type { Invoice, InvoiceLine, InvoiceTax } from './invoice.ts';
import type { Party, TaxCategory, Terms } from './terms.ts';

export interface PrintOptions {
  /** The document number; an invoice's defaults to `<terms id>-<period>` (as the UBL export names it). */
  readonly id?: string;
  /** The terms hash the parties agreed (hex). */
  readonly termsHash?: string;
  /** The hash of the record entry that issued the document (hex), when known. */
  readonly recordHash?: string;
  /** Postal addresses the terms do not hold (as `sb ubl --details` gives them). */
  readonly seller?: PrintAddress;
  readonly buyer?: PrintAddress;
}

export interface PrintAddress {
  readonly street?: string;
  readonly city?: string;
  readonly postalZone?: string;
}

export interface NotePrintOptions extends PrintOptions {
  readonly id: string;
  /** The note's issue date, YYYY-MM-DD (an adjustment carries none). */
  readonly issueDate: string;
  /** The number of the invoice the note corrects; defaults as for the invoice. */
  readonly invoiceId?: string;
}

const KIND_LABELS: Record<InvoiceLine['kind'], string> = {
  nrc: 'One-time charge',
  recurring: 'Recurring charge',
  discount: 'Term discount',
  'sla-credit': 'SLA service credit',
  'early-termination': 'Early-termination charge',
  'on-demand': 'Bandwidth on demand',
  usage: 'Usage',
};

const CATEGORY_LABELS: Record<TaxCategory, string> = {
  S: 'Standard rate',
  AE: 'Reverse charge',
  Z: 'Zero rated',
  E: 'Exempt',
};

/** The wording a reverse-charge invoice carries (EU VAT Directive 2006/112/EC, art. 196). */
export const REVERSE_CHARGE_TEXT =
  'Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC).';

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const e = escapeHtml;

/** The invoice as a printable HTML page. */
export function invoiceHtml(terms: Terms, invoice: Invoice, options: PrintOptions = {}): string {
  const id = options.id ?? `${invoice.terms}-${invoice.period.id}`;
  return page({
    title: `Invoice ${id}`,
    kind: 'Invoice',
    terms,
    document: invoice,
    facts: [
      ['Invoice number', id],
      ['Issue date', invoice.issueDate],
      ['Due date', `${invoice.dueDate} (net ${terms.billing.paymentTermsDays} days)`],
      ['Period', periodText(invoice.period)],
      ['Agreement', invoice.terms],
    ],
    lines: invoice.lines,
    options,
  });
}

/** A credit or debit note (an `adjustment`) as a printable HTML page, citing the invoice it corrects. */
export function noteHtml(
  terms: Terms,
  note: Adjustment,
  corrected: Invoice,
  options: NotePrintOptions,
): string {
  const kind = note.type === 'credit' ? 'Credit note' : 'Debit note';
  const invoiceId = options.invoiceId ?? `${corrected.terms}-${corrected.period.id}`;
  return page({
    title: `${kind} ${options.id}`,
    kind,
    terms,
    document: note,
    facts: [
      [`${kind} number`, options.id],
      ['Issue date', options.issueDate],
      ['Corrects invoice', `${invoiceId} of ${corrected.issueDate}`],
      ['Period', periodText(note.period)],
      ['Agreement', note.terms],
    ],
    lines: note.lines,
    options,
    intro:
      note.type === 'credit'
        ? 'The period was rated again with facts that arrived after the invoice; it now costs less, and this note credits the difference.'
        : 'The period was rated again with facts that arrived after the invoice; it now costs more, and this note charges the difference.',
  });
}

interface PageInput {
  readonly title: string;
  readonly kind: string;
  readonly terms: Terms;
  readonly document: {
    readonly currency: string;
    readonly subtotal: string;
    readonly taxes: readonly Pick<InvoiceTax, 'category' | 'ratePercent' | 'taxable' | 'amount' | 'note'>[];
    readonly tax: string;
    readonly total: string;
  };
  readonly facts: readonly (readonly [string, string])[];
  readonly lines: readonly (Pick<InvoiceLine, 'kind' | 'service' | 'description' | 'amount' | 'refs'> &
    Partial<Pick<InvoiceLine, 'plan' | 'metric' | 'quantity' | 'unit' | 'unitPrice' | 'periodCoverage'>>)[];
  readonly options: PrintOptions;
  readonly intro?: string;
}

function periodText(period: { readonly id: string; readonly start: string; readonly end: string }): string {
  return `${period.id} (${period.start} to ${period.end})`;
}

function party(role: string, p: Party, address: PrintAddress = {}): string {
  const place = [address.postalZone, address.city].filter((x): x is string => x !== undefined).join(' ');
  const lines = [address.street, place === '' ? undefined : place].filter(
    (x): x is string => x !== undefined,
  );
  const rows = [
    `<h2>${e(role)}</h2>`,
    `<p class="name">${e(p.name ?? p.id)}</p>`,
    lines.length === 0 ? '' : `<p class="address">${lines.map(e).join('<br>')}</p>`,
    `<dl><dt>Party id</dt><dd>${e(p.id)}</dd>`,
    p.vatId === undefined ? '' : `<dt>VAT id</dt><dd>${e(p.vatId)}</dd>`,
    p.country === undefined ? '' : `<dt>Country</dt><dd>${e(p.country)}</dd>`,
    '</dl>',
  ];
  return `<section class="party" aria-label="${e(role)}">${rows.join('')}</section>`;
}

function money(amount: string, currency: string): string {
  return `<span class="amount">${e(amount)}</span> <span class="currency">${e(currency)}</span>`;
}

function lineRow(line: PageInput['lines'][number], currency: string, index: number): string {
  const what = [line.plan, line.metric].filter((x): x is string => x !== undefined).join(' · ');
  const coverage =
    line.periodCoverage === undefined ? '' : `${line.periodCoverage.start} to ${line.periodCoverage.end}`;
  const detail = [
    `<span class="kind">${e(KIND_LABELS[line.kind] ?? line.kind)}</span>`,
    `<span class="desc">${e(line.description)}</span>`,
    coverage === '' ? '' : `<span class="coverage">Covers ${e(coverage)}</span>`,
    line.refs.length === 0 ? '' : `<span class="refs">Facts: ${line.refs.map(e).join(', ')}</span>`,
  ]
    .filter((x) => x !== '')
    .join('');
  const quantity =
    line.quantity === undefined
      ? ''
      : `${e(line.quantity)}${line.unit === undefined ? '' : ` ${e(line.unit)}`}`;
  return [
    `<tr class="line line-${e(line.kind)}">`,
    `<td data-label="#">${index + 1}</td>`,
    `<th scope="row" data-label="Service">${e(line.service)}${what === '' ? '' : `<br><span class="plan">${e(what)}</span>`}</th>`,
    `<td data-label="Description">${detail}</td>`,
    `<td class="num" data-label="Quantity">${quantity}</td>`,
    `<td class="num" data-label="Unit price">${line.unitPrice === undefined ? '' : money(line.unitPrice, currency)}</td>`,
    `<td class="num" data-label="Amount">${money(line.amount, currency)}</td>`,
    '</tr>',
  ].join('');
}

function taxRow(tax: PageInput['document']['taxes'][number], currency: string): string {
  return [
    '<tr>',
    `<th scope="row">${e(tax.category)} — ${e(CATEGORY_LABELS[tax.category] ?? tax.category)}</th>`,
    `<td class="num" data-label="Rate">${e(tax.ratePercent)} %</td>`,
    `<td class="num" data-label="Taxable">${money(tax.taxable, currency)}</td>`,
    `<td class="num" data-label="Tax">${money(tax.amount, currency)}</td>`,
    '</tr>',
  ].join('');
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;background:#fff;margin:0;line-height:1.45}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1rem;margin:0 0 .25rem;text-transform:uppercase;letter-spacing:.04em;color:#444}
.parties{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.party{flex:1 1 16rem;border:1px solid #bbb;border-radius:.4rem;padding:.75rem}
.party .name{font-weight:600;margin:0 0 .25rem}.address{margin:0 0 .25rem}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.15rem .75rem;margin:0}
dt{color:#444}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}
thead th{background:#eee}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.kind{display:block;font-weight:600}.desc,.coverage,.refs{display:block}
.coverage,.refs,.plan{color:#444;font-size:.9em}
.totals{margin-left:auto;max-width:24rem}
.totals .grand th,.totals .grand td{font-weight:700;border-top:2px solid #1a1a1a}
.note{border-left:4px solid #555;padding:.4rem .75rem;background:#f4f4f4}
.hashes dd{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
@media (max-width:40rem){
 main{padding:.75rem}
 table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 table.stack tr{display:block;border-bottom:2px solid #999;padding:.4rem 0}
 table.stack th,table.stack td{display:block;border:0;padding:.15rem 0;text-align:left}
 table.stack td.num::before{content:attr(data-label) ": ";color:#444}
 table.stack td:empty{display:none}
}
@media print{
 @page{size:A4;margin:15mm}
 body{font-size:10pt}
 main{max-width:none;padding:0}
 tr{break-inside:avoid}
 thead{display:table-header-group}
}
`;

function page(input: PageInput): string {
  const { terms, document: doc, options } = input;
  const currency = doc.currency;
  const reverseCharge = doc.taxes.some((t) => t.category === 'AE');
  const notes = doc.taxes
    .map((t) => t.note)
    .filter((n): n is string => n !== undefined && n !== '')
    .map((n) => `<p class="note">${e(n)}</p>`);
  const hashes = [
    options.termsHash === undefined ? '' : `<dt>Terms hash</dt><dd>${e(options.termsHash)}</dd>`,
    options.recordHash === undefined ? '' : `<dt>Record entry hash</dt><dd>${e(options.recordHash)}</dd>`,
  ].join('');
  const body = [
    '<main>',
    '<header>',
    `<h1>${e(input.title)}</h1>`,
    terms.title === undefined ? '' : `<p>${e(terms.title)}</p>`,
    '</header>',
    input.intro === undefined ? '' : `<p class="note">${e(input.intro)}</p>`,
    `<div class="parties">${party('Seller', terms.seller, options.seller)}${party('Buyer', terms.buyer, options.buyer)}</div>`,
    `<section aria-label="Document details"><dl>${input.facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}<dt>Currency</dt><dd>${e(currency)}</dd></dl></section>`,
    '<table class="lines stack">',
    '<caption>Lines</caption>',
    '<thead><tr><th scope="col">#</th><th scope="col">Service</th><th scope="col">Description</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Unit price</th><th scope="col" class="num">Amount</th></tr></thead>',
    `<tbody>${input.lines.map((line, i) => lineRow(line, currency, i)).join('')}</tbody>`,
    '</table>',
    '<table class="taxes stack">',
    '<caption>Tax</caption>',
    '<thead><tr><th scope="col">Category</th><th scope="col" class="num">Rate</th><th scope="col" class="num">Taxable</th><th scope="col" class="num">Tax</th></tr></thead>',
    `<tbody>${doc.taxes.map((t) => taxRow(t, currency)).join('')}</tbody>`,
    '</table>',
    reverseCharge ? `<p class="note reverse-charge">${e(REVERSE_CHARGE_TEXT)}</p>` : '',
    ...notes,
    '<table class="totals">',
    '<caption>Totals</caption>',
    '<tbody>',
    `<tr><th scope="row">Subtotal</th><td class="num" id="subtotal">${money(doc.subtotal, currency)}</td></tr>`,
    `<tr><th scope="row">Tax</th><td class="num" id="tax">${money(doc.tax, currency)}</td></tr>`,
    `<tr class="grand"><th scope="row">Total</th><td class="num" id="total">${money(doc.total, currency)}</td></tr>`,
    '</tbody></table>',
    hashes === ''
      ? ''
      : `<section class="hashes" aria-label="Record"><h2>Record</h2><dl>${hashes}</dl></section>`,
    '</main>',
  ].join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body>\n${body}\n</body>`,
    '</html>',
    '',
  ].join('\n');
}
