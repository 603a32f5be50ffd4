/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The record page's two pictures: a virtualised list (only the rows in
 * view exist in the DOM, so 10,000 entries scroll without freezing) and
 * each service's life as an inline SVG timeline.
 */
import { h, s } from './dom.ts';

export const ROW_HEIGHT = 28;
const OVERSCAN = 10;

export class VirtualList {
  readonly element: HTMLElement;
  readonly #spacer: HTMLElement;
  #rows: string[][] = [];
  #drawn = '';

  constructor(_size: number) {
    this.#spacer = h('div', { role: 'presentation' });
    this.element = h(
      'div',
      { class: 'viewport', tabindex: 0, role: 'list', 'aria-label': 'Entries, oldest first' },
      this.#spacer,
    );
    this.element.addEventListener('scroll', () => this.#draw(), { passive: true });
    this.element.addEventListener('keydown', (event) => {
      const step = { ArrowDown: ROW_HEIGHT, ArrowUp: -ROW_HEIGHT, PageDown: 600, PageUp: -600 }[event.key];
      if (step !== undefined) {
        this.element.scrollTop += step;
        event.preventDefault();
      } else if (event.key === 'End') this.element.scrollTop = this.element.scrollHeight;
      else if (event.key === 'Home') this.element.scrollTop = 0;
    });
    new ResizeObserver(() => this.#draw()).observe(this.element);
  }

  show(rows: string[][]): void {
    this.#rows = rows;
    this.#spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.element.setAttribute('aria-rowcount', String(rows.length));
    this.#drawn = '';
    this.#draw();
  }

  #draw(): void {
    const top = this.element.scrollTop;
    const height = this.element.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.#rows.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const key = `${first}:${last}:${this.#rows.length}`;
    if (key === this.#drawn) return;
    this.#drawn = key;
    const items: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const [seq, kind, author, at, check, anchor] = this.#rows[i]!;
      const row = h(
        'div',
        {
          class: 'row',
          role: 'listitem',
          'aria-posinset': i + 1,
          'aria-setsize': this.#rows.length,
          'data-index': i,
        },
        h('span', {}, `#${seq}`),
        h('span', {}, kind),
        h('span', { class: 'wide' }, author),
        h('span', { class: 'wide' }, at),
        h('span', { class: check === 'unsigned' ? 'bad' : 'ok' }, check),
        h('span', { class: 'wide' }, anchor ?? ''),
      );
      row.style.top = `${i * ROW_HEIGHT}px`;
      row.style.height = `${ROW_HEIGHT}px`;
      items.push(row);
    }
    this.#spacer.replaceChildren(...items);
  }
}

interface LifeEntry {
  readonly kind: string;
  readonly recordedAt: string;
  readonly body: unknown;
}

/** What a fact says about a service's life, by its type. */
const marks: Record<string, { label: string; color: string }> = {
  'service.ordered': { label: 'ordered', color: '#0550ae' },
  'service.activated': { label: 'active', color: '#116329' },
  outage: { label: 'outage', color: '#a40e26' },
  'service.modified': { label: 'plan changed', color: '#8250df' },
  'bandwidth.boost': { label: 'boost', color: '#9a6700' },
  'service.terminated': { label: 'terminated', color: '#1b1f24' },
};

function factsOf(entry: LifeEntry): { type: string; service: string; at: string }[] {
  const body = entry.body as { facts?: unknown } | null;
  const list = Array.isArray(body?.facts) ? body.facts : [body];
  return list.flatMap((f) => {
    const fact = f as { type?: unknown; service?: unknown; at?: unknown; from?: unknown } | null;
    if (typeof fact?.type !== 'string' || typeof fact.service !== 'string') return [];
    const at =
      typeof fact.at === 'string' ? fact.at : typeof fact.from === 'string' ? fact.from : entry.recordedAt;
    return [{ type: fact.type, service: fact.service, at }];
  });
}

/** One SVG per service: its facts placed on a line from the first to the last, labelled for screen readers. */
export function serviceLives(entries: readonly LifeEntry[]): HTMLElement {
  const byService = new Map<string, { type: string; at: string }[]>();
  for (const entry of entries) {
    for (const fact of factsOf(entry)) {
      const list = byService.get(fact.service) ?? [];
      list.push(fact);
      byService.set(fact.service, list);
    }
  }
  if (byService.size === 0) return h('p', {}, 'No service facts recorded yet.');
  const figures: HTMLElement[] = [];
  for (const [service, facts] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    facts.sort((a, b) => a.at.localeCompare(b.at));
    const times = facts.map((f) => Date.parse(f.at)).filter((t) => Number.isFinite(t));
    const start = Math.min(...times);
    const span = Math.max(1, Math.max(...times) - start);
    const width = 600;
    const x = (at: string) => 50 + ((Date.parse(at) - start) / span) * (width - 100);
    const description = facts.map((f) => `${f.type} ${f.at.slice(0, 10)}`).join(', ');
    const svg = s(
      'svg',
      {
        class: 'life',
        viewBox: `0 0 ${width} 60`,
        role: 'img',
        'aria-label': `Life of ${service}: ${description}`,
      },
      s('title', {}, `Life of ${service}`),
      s('line', { x1: 20, y1: 30, x2: width - 20, y2: 30, stroke: '#d0d7de', 'stroke-width': 2 }),
    );
    facts.forEach((fact, i) => {
      const mark = marks[fact.type] ?? { label: fact.type, color: '#57606a' };
      const cx = x(fact.at);
      svg.append(
        s('circle', { cx, cy: 30, r: 6, fill: mark.color }, s('title', {}, `${fact.type} at ${fact.at}`)),
        s(
          'text',
          { x: cx, y: i % 2 === 0 ? 16 : 52, 'text-anchor': 'middle', 'font-size': 11, fill: mark.color },
          mark.label,
        ),
      );
    });
    figures.push(h('figure', {}, svg, h('figcaption', {}, service)));
  }
  return h('div', {}, figures);
}
