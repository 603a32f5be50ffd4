/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/** A tiny DOM helper: elements from a tag, attributes and children; text is always text, never HTML. */
export type Child = Node | string | number | null | undefined | false;

export function h(
  tag: string,
  attributes: Record<string, string | number | boolean | ((event: Event) => void) | undefined> = {},
  ...children: (Child | Child[])[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

export function s(
  tag: string,
  attributes: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/** A table: its caption, a header cell per column, and its body rows (`tr` elements). */
export function table(caption: Child, headers: readonly string[], rows: Child | Child[]): HTMLElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

/** A table of labelled figures: each row a label (its header) and a number. */
export function figures(caption: Child, rows: readonly (readonly [string, string])[]): HTMLElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'tbody',
      {},
      rows.map(([label, value]) =>
        h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'num' }, value)),
      ),
    ),
  );
}
