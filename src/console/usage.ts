/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The usage reconciliation page (docs/console.md): for one service, a month
 * or a whole year of both parties' usage records classified day by day —
 * matched, mismatched, only the Seller's, only the Buyer's, duplicates — as
 * a stacked bar chart (inline SVG, one bar a day), the counts, and the first
 * records that did not match. Each month is one `GET /reconciliation`; a
 * year is twelve, drawn as they arrive.
 */
import { api } from './api.ts';
import { figures, h, s } from './dom.ts';
import { tabs } from './money.ts';
import { page, problem } from './shell.ts';

const CLASSES = ['matched', 'mismatch', 'onlySeller', 'onlyBuyer', 'duplicate'] as const;
type Class = (typeof CLASSES)[number];
type Day = { day: string } & Record<Class, number>;
interface Report {
  counts: Record<Class | 'seller' | 'buyer', number>;
  byDay: Day[];
  items: { status: string; id: string }[];
  complete: boolean;
}

const LABELS: Record<Class, string> = {
  matched: 'matched',
  mismatch: 'mismatched',
  onlySeller: "only the Seller's",
  onlyBuyer: "only the Buyer's",
  duplicate: 'duplicates',
};
// Colours told apart without hue alone: the legend names each, and the table gives the figures.
const COLOURS: Record<Class, string> = {
  matched: '#116329',
  mismatch: '#a40e26',
  onlySeller: '#0550ae',
  onlyBuyer: '#8250df',
  duplicate: '#9a6700',
};

function months(from: string, count: number): string[] {
  const [y, m] = from.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const n = y * 12 + (m - 1) + i;
    return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
  });
}

/** The days as stacked bars: one column a day, the classes stacked, scaled to the busiest day. */
export function dailyChart(days: readonly Day[], title: string): Element {
  const width = Math.max(360, days.length * 3);
  const height = 160;
  const busiest = Math.max(1, ...days.map((d) => CLASSES.reduce((t, c) => t + d[c], 0)));
  const bar = width / Math.max(days.length, 1);
  const svg = s('svg', {
    class: 'chart daily',
    viewBox: `0 0 ${width} ${height + 20}`,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': `${title}: ${days.length} days; ${CLASSES.map((c) => `${LABELS[c]} ${days.reduce((t, d) => t + d[c], 0)}`).join(', ')}`,
  });
  svg.append(s('title', {}, title));
  days.forEach((d, i) => {
    let y = height;
    for (const c of CLASSES) {
      if (d[c] === 0) continue;
      const h = (d[c] / busiest) * height;
      y -= h;
      svg.append(
        s(
          'rect',
          { x: i * bar, y, width: Math.max(bar - 0.5, 0.5), height: h, fill: COLOURS[c] },
          s('title', {}, `${d.day}: ${d[c]} ${LABELS[c]}`),
        ),
      );
    }
  });
  const legend = h(
    'ul',
    { class: 'legend' },
    CLASSES.map((c) =>
      h('li', {}, h('span', { class: `swatch sw-${c}`, 'aria-hidden': 'true' }), ` ${LABELS[c]}`),
    ),
  );
  return h('figure', {}, svg, legend, h('figcaption', {}, title));
}

/** `#/usage/<id>`: pick a service and a month or a year. */
export async function usagePage(id: string): Promise<void> {
  // The services ordered on the record, as the node's inventory lists them (not the whole record).
  const products = await api<{ id: string }[]>(
    `/bilaterals/${encodeURIComponent(id)}/mefApi/sonata/productInventory/v7/product`,
  );
  const services = products.map((p) => p.id).sort();
  const service = h(
    'select',
    { id: 'u-service' },
    services.map((sv) => h('option', { value: sv }, sv)),
  ) as HTMLSelectElement;
  const month = h('input', {
    id: 'u-from',
    type: 'month',
    value: new Date().toISOString().slice(0, 7),
  }) as HTMLInputElement;
  const span = h(
    'select',
    { id: 'u-span' },
    h('option', { value: '1' }, 'that month'),
    h('option', { value: '12' }, 'twelve months from it'),
  ) as HTMLSelectElement;
  const out = h('div', { id: 'usage-result', 'aria-live': 'polite' });
  const show = async () => {
    const periods = months(month.value, Number(span.value));
    out.replaceChildren(h('p', {}, `Reconciling ${periods.length} month(s)…`));
    const started = performance.now();
    try {
      const reports: Report[] = [];
      for (const p of periods) {
        reports.push(
          await api<Report>(
            `/bilaterals/${encodeURIComponent(id)}/reconciliation?period=${p}&service=${encodeURIComponent(service.value)}&limit=100`,
          ),
        );
      }
      const days = reports.flatMap((r) => r.byDay);
      const total = (c: Class) => reports.reduce((t, r) => t + r.counts[c], 0);
      const title = `${service.value}, ${periods[0]}${periods.length > 1 ? ` to ${periods[periods.length - 1]}` : ''}: records by day`;
      const unmatched = reports.flatMap((r) => r.items.filter((i) => i.status !== 'matched')).slice(0, 100);
      out.replaceChildren(
        dailyChart(days, title),
        figures('Records by class', [
          ["Seller's records", String(reports.reduce((t, r) => t + r.counts.seller, 0))],
          ["Buyer's records", String(reports.reduce((t, r) => t + r.counts.buyer, 0))],
          ...CLASSES.map((c) => [LABELS[c], String(total(c))] as const),
        ]),
        reports.every((r) => r.complete)
          ? ''
          : h(
              'p',
              { class: 'warn' },
              "Some of the counterparty's batches could not be fetched: counts are partial.",
            ),
        unmatched.length === 0
          ? h('p', {}, 'Every record matched.')
          : h(
              'details',
              {},
              h('summary', {}, `The first ${unmatched.length} records that did not match`),
              h(
                'ul',
                {},
                unmatched.map((i) => h('li', {}, `${i.id}: ${i.status}`)),
              ),
            ),
        h(
          'p',
          { class: 'muted', id: 'usage-timing' },
          `Drawn in ${Math.round(performance.now() - started)} ms.`,
        ),
      );
    } catch (error) {
      out.replaceChildren(problem(error));
    }
  };
  page(
    'Usage reconciliation',
    tabs(id, `#/usage/${id}`),
    services.length === 0
      ? h('p', {}, 'No service ordered yet.')
      : h(
          'form',
          {
            class: 'filters',
            onsubmit: (event: Event) => {
              event.preventDefault();
              void show();
            },
          },
          h('div', {}, h('label', { for: 'u-service' }, 'Service'), service),
          h('div', {}, h('label', { for: 'u-from' }, 'Month'), month),
          h('div', {}, h('label', { for: 'u-span' }, 'Span'), span),
          h('div', {}, h('button', { type: 'submit' }, 'Reconcile')),
        ),
    out,
  );
}
