/**
 * The parallel-run report as one self-contained HTML page: inline CSS and
 * inline SVG charts, no script and nothing fetched, so it opens from a file,
 * prints, and can be mailed. Accessible: landmarks, headings, table
 * captions and headers, each chart a labelled `role="img"` with a text
 * equivalent beside it; readable on a phone (tables scroll sideways).
 *
 * Bar lengths are whole pixels computed exactly from the decimal amounts
 * (no floating point touches money).
 */
import { formatFixed, parseDecimal, round } from '../decimal.ts';
import { abs, compare, div, floor, fromInt, HUNDRED, mul, type Rational, ZERO } from '../rational.ts';
import { CAUSE_LABELS, CAUSES, type ParallelRunReport } from './compare.ts';

const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** `value / max × width`, in whole pixels (at least 1 for a value above zero). */
function pixels(value: Rational, max: Rational, width: number): number {
  if (compare(max, ZERO) <= 0 || compare(value, ZERO) <= 0) return 0;
  const px = Number(floor(mul(div(value, max), fromInt(width))));
  return Math.max(1, px);
}

const percent = (share: string) =>
  `${formatFixed(round(mul(parseDecimal(share), HUNDRED), 1, 'half-up'), 1)} %`;

export function parallelRunHtml(report: ParallelRunReport): string {
  const { kpis } = report;
  const currencies = Object.keys(kpis.amountInDifference);
  const cards = [
    card(
      'Invoices that agree',
      percent(kpis.invoices.share),
      `${kpis.invoices.agreeing} of ${kpis.invoices.compared}`,
    ),
    card('Lines that agree', percent(kpis.lines.share), `${kpis.lines.agreeing} of ${kpis.lines.compared}`),
    ...currencies.map((c) =>
      card(
        `Amount in difference (${c})`,
        kpis.amountInDifference[c]!.absolute,
        `net ${kpis.amountInDifference[c]!.net} (legacy − Smart Bilateral)`,
      ),
    ),
    card(
      'Disputes that would have been raised',
      String(kpis.disputesWouldBeRaised),
      'invoices beyond the terms’ tolerance',
    ),
    card(
      'Days from period close to an agreed invoice',
      `${kpis.timeToAgreedInvoice.smartBilateral.meanDays ?? '–'} vs ${kpis.timeToAgreedInvoice.legacy.meanDays ?? '–'}`,
      `Smart Bilateral vs legacy (mean); legacy not agreed: ${kpis.timeToAgreedInvoice.legacy.notAgreed}`,
    ),
    ...Object.entries(kpis.dso).map(([c, d]) =>
      card(
        `Days sales outstanding (${c})`,
        `${d.smartBilateral} vs ${d.legacy}`,
        `Smart Bilateral vs legacy, over ${d.days} days`,
      ),
    ),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parallel run as of ${html(report.asOf)}</title>
<style>
:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --sb: #1f5fa8; --legacy: #b3541e; --bad: #a4161a; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0; background: #fff; }
header, main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 0.75rem; padding: 0; list-style: none; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; }
.card .label { color: var(--muted); font-size: 0.9rem; } .card .value { font-size: 1.5rem; font-weight: 600; } .card .sub { color: var(--muted); font-size: 0.85rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding: 0.4rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cause { font-weight: 600; color: var(--bad); white-space: nowrap; }
.ok { color: #1b6e20; font-weight: 600; } .no { color: var(--bad); font-weight: 600; }
svg text { font: 13px system-ui, sans-serif; fill: var(--ink); }
.legend span { display: inline-block; margin-right: 1rem; } .sw { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: -0.1rem; }
@media print { h2 { break-after: avoid; } .scroll { overflow: visible; } }
</style>
</head>
<body>
<header>
<h1>Parallel run: legacy billing beside the Smart Bilateral</h1>
<p>As of ${html(report.asOf)} · ${report.contracts.length} contracts · ${kpis.invoices.compared} invoices · ${kpis.lines.compared} lines compared. Causes are probable: each is what the terms and facts make likely.</p>
</header>
<main>
<section aria-labelledby="kpis"><h2 id="kpis">Key figures</h2><ul class="cards">${cards.join('')}</ul></section>
<section aria-labelledby="by-cause"><h2 id="by-cause">Differences by probable cause</h2>${causeChart(report)}</section>
<section aria-labelledby="by-invoice"><h2 id="by-invoice">Net amount per invoice</h2>${invoiceChart(report)}</section>
<section aria-labelledby="differences"><h2 id="differences">Every difference</h2>${differencesTable(report)}</section>
<section aria-labelledby="invoices"><h2 id="invoices">Invoices</h2>${invoicesTable(report)}</section>
<section aria-labelledby="contracts"><h2 id="contracts">Contracts</h2><ul>${report.contracts
    .map(
      (c) =>
        `<li><strong>${html(c.id)}</strong>: ${html(c.seller)} → ${html(c.buyer)}, ${html(c.currency)}, periods ${html(c.periods.join(', '))}</li>`,
    )
    .join('')}</ul></section>
</main>
</body>
</html>
`;
}

function card(label: string, value: string, sub: string): string {
  return `<li class="card"><div class="label">${html(label)}</div><div class="value">${html(value)}</div><div class="sub">${html(sub)}</div></li>`;
}

function causeChart(report: ParallelRunReport): string {
  const rows = CAUSES.filter((c) => report.kpis.causes[c] !== undefined).map((c) => {
    const entry = report.kpis.causes[c]!;
    const amounts = Object.entries(entry.amount);
    const total = amounts.reduce((s, [, a]) => (compare(parseDecimal(a), s) > 0 ? parseDecimal(a) : s), ZERO);
    return { cause: c, count: entry.count, amounts, total };
  });
  if (rows.length === 0) return '<p>No differences: every line agrees.</p>';
  const max = rows.reduce((m, r) => (compare(r.total, m) > 0 ? r.total : m), ZERO);
  const width = 420;
  const rowHeight = 30;
  const bars = rows
    .map((r, i) => {
      const y = i * rowHeight;
      const w = pixels(r.total, max, width);
      const label = `${CAUSE_LABELS[r.cause]}: ${r.count} line${r.count === 1 ? '' : 's'}, ${r.amounts.map(([c, a]) => `${a} ${c}`).join(', ')}`;
      return `<g data-cause="${r.cause}"><text x="0" y="${y + 19}">${html(CAUSE_LABELS[r.cause])}</text><rect x="180" y="${y + 6}" width="${w}" height="18" fill="var(--bad)"><title>${html(label)}</title></rect><text x="${186 + w}" y="${y + 19}">${html(`${r.count} · ${r.amounts.map(([c, a]) => `${a} ${c}`).join(', ')}`)}</text></g>`;
    })
    .join('');
  const height = rows.length * rowHeight + 6;
  return `<figure><div class="scroll"><svg role="img" aria-labelledby="cause-chart-title" width="${180 + width + 220}" height="${height}" viewBox="0 0 ${180 + width + 220} ${height}"><title id="cause-chart-title">Amount in difference by probable cause</title>${bars}</svg></div><figcaption>Bar length: the amount in difference (absolute); the figure after it: lines · amount.</figcaption></figure>`;
}

function invoiceChart(report: ParallelRunReport): string {
  const rows = report.invoices;
  if (rows.length === 0) return '<p>No invoices.</p>';
  const value = (s: string | undefined) => (s === undefined ? ZERO : abs(parseDecimal(s)));
  const max = rows.reduce((m, r) => {
    for (const v of [value(r.smartBilateral?.subtotal), value(r.legacy?.subtotal)])
      if (compare(v, m) > 0) m = v;
    return m;
  }, ZERO);
  const width = 360;
  const rowHeight = 40;
  const bars = rows
    .map((r, i) => {
      const y = i * rowHeight;
      const sb = pixels(value(r.smartBilateral?.subtotal), max, width);
      const old = pixels(value(r.legacy?.subtotal), max, width);
      const name = `${r.contract} ${r.period}`;
      return `<g data-invoice="${html(name)}"><text x="0" y="${y + 16}">${html(name)}</text><rect x="260" y="${y + 4}" width="${sb}" height="14" fill="var(--sb)"><title>${html(`Smart Bilateral ${r.smartBilateral?.subtotal ?? 'none'}`)}</title></rect><rect x="260" y="${y + 20}" width="${old}" height="14" fill="var(--legacy)"><title>${html(`Legacy ${r.legacy?.subtotal ?? 'none'}`)}</title></rect><text x="${266 + Math.max(sb, old)}" y="${y + 24}" class="${r.agrees ? 'ok' : 'no'}">${html(r.agrees ? 'agrees' : `Δ ${r.difference} ${r.currency}`)}</text></g>`;
    })
    .join('');
  const height = rows.length * rowHeight + 4;
  return `<figure><p class="legend"><span><span class="sw" style="background:var(--sb)"></span>Smart Bilateral</span><span><span class="sw" style="background:var(--legacy)"></span>Legacy</span></p><div class="scroll"><svg role="img" aria-labelledby="invoice-chart-title" width="${260 + width + 200}" height="${height}" viewBox="0 0 ${260 + width + 200} ${height}"><title id="invoice-chart-title">Net amount of each invoice, Smart Bilateral and legacy</title>${bars}</svg></div><figcaption>Net of tax; the table below gives the figures.</figcaption></figure>`;
}

function differencesTable(report: ParallelRunReport): string {
  if (report.differences.length === 0) return '<p>None.</p>';
  const rows = report.differences
    .map(
      (d) =>
        `<tr data-cause="${d.cause}"><td>${html(d.contract)}</td><td>${html(d.period)}</td><td>${html(d.service)}</td><td>${html(d.kind)}${d.detail === undefined ? '' : ` (${html(d.detail)})`}</td><td class="num">${html(d.smartBilateral ?? '–')}</td><td class="num">${html(d.legacy ?? '–')}</td><td class="num">${html(d.difference)}</td><td class="cause">${html(CAUSE_LABELS[d.cause])}</td><td>${html(d.explanation)}${d.legacySource === undefined ? '' : `<br><small>${html(d.legacySource)}</small>`}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table><caption>${report.differences.length} differences, each with its probable cause</caption><thead><tr><th scope="col">Contract</th><th scope="col">Period</th><th scope="col">Service</th><th scope="col">Line</th><th scope="col" class="num">Smart Bilateral</th><th scope="col" class="num">Legacy</th><th scope="col" class="num">Difference</th><th scope="col">Probable cause</th><th scope="col">Why</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function invoicesTable(report: ParallelRunReport): string {
  const rows = report.invoices
    .map(
      (i) =>
        `<tr><td>${html(i.contract)}</td><td>${html(i.period)}</td><td class="num">${html(i.smartBilateral?.subtotal ?? '–')}</td><td>${html(i.legacy?.id ?? '–')}</td><td class="num">${html(i.legacy?.subtotal ?? '–')}</td><td class="num">${html(i.difference)}</td><td class="num">${i.linesAgreeing}/${i.lines}</td><td class="${i.agrees ? 'ok' : 'no'}">${i.agrees ? 'agrees' : 'differs'}</td><td>${i.disputeWouldBeRaised ? 'yes' : 'no'}</td></tr>`,
    )
    .join('');
  return `<div class="scroll"><table><caption>Each invoice, net of tax</caption><thead><tr><th scope="col">Contract</th><th scope="col">Period</th><th scope="col" class="num">Smart Bilateral</th><th scope="col">Legacy invoice</th><th scope="col" class="num">Legacy</th><th scope="col" class="num">Difference</th><th scope="col" class="num">Lines agreeing</th><th scope="col">Result</th><th scope="col">Dispute</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
