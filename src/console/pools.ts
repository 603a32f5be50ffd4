/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The Seller's resource pools (docs/console.md): `#/pools` lists them;
 * `#/pool/<id>` draws a capacity pool's occupancy over a month — the sum of
 * what every service draws, bandwidth-on-demand boosts included, as a step
 * line under the pool's capacity — with each service's draws listed (a boost
 * is a draw for its window), or lists what a VLAN or prefix pool has given
 * out. Figures are the API's decimal strings; only the drawing scales them.
 */
import { api } from './api.ts';
import { h, s, table } from './dom.ts';
import { page } from './shell.ts';

interface Pool {
  id: string;
  kind: 'capacity' | 'vlan' | 'prefix';
  spec: { unit?: string; capacity?: string; [key: string]: unknown };
}
interface Draw {
  from: string;
  to: string | null;
  amount: string;
  unit: string;
}
type Holdings =
  | { pool: string; kind: 'capacity'; services: { bilateral: string; service: string; draws: Draw[] }[] }
  | {
      pool: string;
      kind: 'vlan' | 'prefix';
      resources: { resource: string; bilateral: string; service: string }[];
    };

export async function poolsPage(): Promise<void> {
  const { pools } = await api<{ pools: Pool[] }>('/resource-pools');
  page(
    'Resource pools',
    pools.length === 0
      ? h('p', {}, 'No resource pool declared on this node.')
      : table(
          `${pools.length} pool(s)`,
          ['Pool', 'Kind', 'Capacity'],
          pools.map((p) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/pool/${encodeURIComponent(p.id)}` }, p.id)),
              h('td', {}, p.kind),
              h('td', { class: 'num' }, p.kind === 'capacity' ? `${p.spec.capacity} ${p.spec.unit}` : '—'),
            ),
          ),
        ),
  );
}

/** The total drawn over `[start, end)` as steps: each instant the level changes, and the level from it on. */
export function occupancy(
  draws: readonly Draw[],
  start: number,
  end: number,
): { at: number; level: number }[] {
  const changes = new Map<number, number>();
  const bump = (at: number, by: number) => changes.set(at, (changes.get(at) ?? 0) + by);
  for (const d of draws) {
    const from = Math.max(Date.parse(d.from), start);
    const to = Math.min(d.to === null ? end : Date.parse(d.to), end);
    if (to <= from) continue;
    bump(from, Number(d.amount));
    // What still draws at the window's end keeps the line up to the edge.
    if (to < end) bump(to, -Number(d.amount));
  }
  bump(start, 0);
  let level = 0;
  return [...changes]
    .sort(([a], [b]) => a - b)
    .map(([at, by]) => {
      level += by;
      return { at, level };
    });
}

function chart(
  steps: { at: number; level: number }[],
  start: number,
  end: number,
  capacity: number,
  unit: string,
  title: string,
): Element {
  const width = 640;
  const height = 200;
  const top = Math.max(capacity, ...steps.map((p) => p.level), 1) * 1.1;
  const x = (at: number) => 40 + ((at - start) / (end - start)) * (width - 50);
  const y = (v: number) => 10 + height - (v / top) * height;
  let path = '';
  steps.forEach((p, i) => {
    const next = steps[i + 1]?.at ?? end;
    path += `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.level).toFixed(1)} L${x(next).toFixed(1)},${y(p.level).toFixed(1)} `;
  });
  const peak = Math.max(0, ...steps.map((p) => p.level));
  const svg = s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height + 40}`,
      role: 'img',
      'aria-label': `${title}: peak ${peak} of ${capacity} ${unit}`,
    },
    s('title', {}, title),
    s('line', {
      x1: 40,
      x2: width - 10,
      y1: y(capacity),
      y2: y(capacity),
      stroke: '#a40e26',
      'stroke-dasharray': '6 4',
    }),
    s(
      'text',
      { x: 44, y: y(capacity) - 4, 'font-size': 12, fill: '#a40e26' },
      `capacity ${capacity} ${unit}`,
    ),
    s('path', { d: path, fill: 'none', stroke: '#0550ae', 'stroke-width': 2 }),
    s('text', { x: 40, y: height + 32, 'font-size': 12 }, new Date(start).toISOString().slice(0, 10)),
    s(
      'text',
      { x: width - 10, y: height + 32, 'font-size': 12, 'text-anchor': 'end' },
      new Date(end).toISOString().slice(0, 10),
    ),
  );
  return h('figure', {}, svg, h('figcaption', {}, `${title}: peak ${peak} of ${capacity} ${unit}`));
}

export async function poolPage(id: string): Promise<void> {
  const [pool, holdings] = await Promise.all([
    api<Pool>(`/resource-pools/${encodeURIComponent(id)}`),
    api<Holdings>(`/resource-pools/${encodeURIComponent(id)}/holdings`),
  ]);
  if (holdings.kind !== 'capacity') {
    page(
      `Pool ${id}`,
      h('p', {}, `A ${pool.kind} pool: what it has given out to live services.`),
      table(
        `${holdings.resources.length} held`,
        ['Resource', 'Service', 'Bilateral'],
        holdings.resources.map((r) =>
          h('tr', {}, h('td', {}, r.resource), h('td', {}, r.service), h('td', {}, r.bilateral.slice(0, 12))),
        ),
      ),
    );
    return;
  }
  const draws = holdings.services.flatMap((sv) => sv.draws);
  const first = draws.map((d) => d.from).sort()[0] ?? new Date().toISOString();
  const month = h('input', { id: 'p-month', type: 'month', value: first.slice(0, 7) }) as HTMLInputElement;
  const out = h('div', { id: 'pool-chart' });
  const draw = () => {
    const [y, m] = month.value.split('-').map(Number) as [number, number];
    const start = Date.UTC(y, m - 1, 1);
    const end = Date.UTC(y, m, 1);
    out.replaceChildren(
      chart(
        occupancy(draws, start, end),
        start,
        end,
        Number(pool.spec.capacity ?? 0),
        pool.spec.unit ?? '',
        `Pool ${id} in ${month.value}`,
      ),
    );
  };
  month.addEventListener('change', draw);
  page(
    `Pool ${id}`,
    h(
      'p',
      {},
      `Capacity ${pool.spec.capacity} ${pool.spec.unit}; what each service draws, bandwidth-on-demand boosts included.`,
    ),
    h('div', { class: 'filters' }, h('div', {}, h('label', { for: 'p-month' }, 'Month (UTC)'), month)),
    out,
    table(
      'Draws by service (a boost is a draw for its window)',
      ['Service', 'From', 'To', 'Draws'],
      holdings.services.flatMap((sv) =>
        sv.draws.map((d) =>
          h(
            'tr',
            {},
            h('td', {}, sv.service),
            h('td', {}, d.from),
            h('td', {}, d.to ?? 'on'),
            h('td', { class: 'num' }, `${d.amount} ${d.unit}`),
          ),
        ),
      ),
    ),
  );
  draw();
}
