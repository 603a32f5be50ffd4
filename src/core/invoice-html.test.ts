import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adjustment } from './adjustment.ts';
import { parseJsonl } from './fixtures/example.ts';
import { escapeHtml, invoiceHtml, noteHtml, REVERSE_CHARGE_TEXT } from './invoice-html.ts';
import { rate } from './rate.ts';
import { parseTerms } from './terms.ts';

const dir = join(import.meta.dirname, 'fixtures', 'dia-acme-globex');
const raw = JSON.parse(readFileSync(join(dir, 'terms.json'), 'utf8'));
const factsText = readFileSync(join(dir, 'facts.jsonl'), 'utf8');
const terms = parseTerms(raw);
const facts = parseJsonl(factsText, 'facts.jsonl', terms);

/** The rows of the lines table, in order. */
function lineRows(html: string): string[] {
  return [...html.matchAll(/<tr class="line line-[^"]*">(.*?)<\/tr>/g)].map((m) => m[1] as string);
}

/** The text of the totals cell with the given id. */
function cell(html: string, id: string): string {
  const m = new RegExp(
    `<td class="num" id="${id}"><span class="amount">([^<]*)</span> <span class="currency">([^<]*)</span>`,
  ).exec(html);
  return m === null ? '' : `${m[1]} ${m[2]}`;
}

describe('invoiceHtml', () => {
  for (const period of ['2026-01', '2026-02', '2026-03']) {
    it(`${period}: every line with its own amount string, in order, and the invoice's totals`, () => {
      const invoice = rate(terms, facts, period);
      const html = invoiceHtml(terms, invoice, { termsHash: 'ab'.repeat(32), recordHash: 'cd'.repeat(32) });
      const rows = lineRows(html);
      expect(rows).toHaveLength(invoice.lines.length);
      invoice.lines.forEach((line, i) => {
        const row = rows[i] as string;
        expect(row).toContain(`<span class="amount">${line.amount}</span>`);
        expect(row).toContain(escapeHtml(line.description));
        expect(row).toContain(escapeHtml(line.service));
        if (line.quantity !== undefined) expect(row).toContain(escapeHtml(line.quantity));
        if (line.unitPrice !== undefined)
          expect(row).toContain(`<span class="amount">${line.unitPrice}</span>`);
        for (const ref of line.refs) expect(row).toContain(escapeHtml(ref));
      });
      expect(cell(html, 'subtotal')).toBe(`${invoice.subtotal} EUR`);
      expect(cell(html, 'tax')).toBe(`${invoice.tax} EUR`);
      expect(cell(html, 'total')).toBe(`${invoice.total} EUR`);
      for (const tax of invoice.taxes) expect(html).toContain(`<span class="amount">${tax.taxable}</span>`);
      expect(html).toContain(`${invoice.dueDate} (net 30 days)`);
      expect(html).toContain(`Invoice ${invoice.terms}-${period}`);
      expect(html).toContain('NL123456789B01');
      expect(html).toContain('NL987654321B01');
      expect(html).toContain('ab'.repeat(32));
      expect(html).toContain('cd'.repeat(32));
      expect(html).not.toContain(REVERSE_CHARGE_TEXT);
    });
  }

  it('explains SLA credits, proration and early termination with the lines that carry them', () => {
    const all = ['2026-01', '2026-02', '2026-03']
      .map((p) => invoiceHtml(terms, rate(terms, facts, p)))
      .join('');
    expect(all).toContain('SLA service credit');
    expect(all).toContain('Early-termination charge');
    expect(all).toContain('Term discount');
  });

  it('reverse charge: the AE wording and the category name', () => {
    const ae = parseTerms({
      ...raw,
      buyer: { id: 'globex', name: 'Globex Telecom GmbH', country: 'DE', vatId: 'DE123456789' },
      tax: { category: 'AE', ratePercent: '0' },
    });
    const html = invoiceHtml(ae, rate(ae, parseJsonl(factsText, 'facts.jsonl', ae), '2026-02'));
    expect(html).toContain(REVERSE_CHARGE_TEXT);
    expect(html).toContain('AE — Reverse charge');
    expect(html).toContain('DE123456789');
  });

  it('escapes hostile text from the terms: no markup of theirs reaches the page', () => {
    const hostile = parseTerms({
      ...raw,
      title: '<img src=x onerror=alert(1)>',
      seller: { ...raw.seller, name: '<script>alert("x")</script> & Co' },
      buyer: { ...raw.buyer, name: `"'><iframe src=//evil>` },
    });
    const html = invoiceHtml(
      hostile,
      rate(hostile, parseJsonl(factsText, 'facts.jsonl', hostile), '2026-02'),
      {
        id: '<b>INV</b>',
      },
    );
    expect(html).not.toMatch(/<script|<img|<iframe|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(html).toContain('&quot;&#39;&gt;&lt;iframe src=//evil&gt;');
    expect(html).toContain('&lt;b&gt;INV&lt;/b&gt;');
  });

  it('is self-contained: no external resource, no script, with print and narrow-screen styles', () => {
    const html = invoiceHtml(terms, rate(terms, facts, '2026-02'));
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    expect(html).toContain('@media print');
    expect(html).toContain('name="viewport"');
    expect(html).toContain('<html lang="en">');
  });
});

describe('noteHtml', () => {
  const withoutOutage = facts.filter((f) => f.fact.type !== 'outage');
  const issued = rate(terms, withoutOutage, '2026-02');
  const note = adjustment([issued], rate(terms, facts, '2026-02'));

  it('a credit note: its lines and figures as the note carries them, citing the corrected invoice', () => {
    expect(note?.type).toBe('credit');
    if (note === undefined) return;
    const html = noteHtml(terms, note, issued, { id: 'CN-2026-02-1', issueDate: '2026-04-15' });
    const rows = lineRows(html);
    expect(rows).toHaveLength(note.lines.length);
    note.lines.forEach((line, i) => {
      expect(rows[i]).toContain(`<span class="amount">${line.amount}</span>`);
    });
    expect(cell(html, 'total')).toBe(`${note.total} EUR`);
    expect(note.total.startsWith('-')).toBe(true);
    expect(html).toContain('Credit note CN-2026-02-1');
    expect(html).toContain(`msa-acme-globex-2026-2026-02 of ${issued.issueDate}`);
  });
});
