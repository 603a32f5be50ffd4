/**
 * A small, strict XML reader for the documents the parallel run takes (UBL
 * invoices from another system): elements by local name (the namespace
 * prefix dropped), their text, and the line each starts on. Attributes are
 * read past and not kept.
 *
 * Hostile by default: a DOCTYPE is refused (so no entity of any kind, no
 * external anything), only the five predefined entities and character
 * references are decoded, nesting is limited, and the whole is one linear
 * pass over the text.
 */

export interface XmlElement {
  /** The local name (`cbc:ID` → `ID`). */
  readonly name: string;
  readonly line: number;
  readonly children: XmlElement[];
  /** The element's own text (its children's not included). */
  text: string;
}

export type XmlRead = { ok: true; value: XmlElement } | { ok: false; line: number; rule: string };

/** Deepest nesting accepted (a UBL invoice uses about eight). */
export const MAX_XML_DEPTH = 64;

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(text: string): XmlRead {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let line = 1;
  let i = 0;
  const fail = (rule: string): XmlRead => ({ ok: false, line, rule });
  /** Advances to `end` (exclusive), counting lines. */
  const advance = (end: number) => {
    for (let k = text.indexOf('\n', i); k >= 0 && k < end; k = text.indexOf('\n', k + 1)) line++;
    i = end;
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    if (chunk.length > 0) {
      const decoded = decode(chunk);
      if (decoded === undefined)
        return fail(
          'an unknown entity or a bad character reference (only &lt; &gt; &amp; &quot; &apos; and &#…; are read)',
        );
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (decoded.trim() !== '') return fail('text outside the root element');
      } else top.text += decoded;
      advance(lt < 0 ? text.length : lt);
      if (lt < 0) break;
    }
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return fail('a comment is never closed');
      advance(end + 3);
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) return fail('a CDATA section is never closed');
      const top = stack[stack.length - 1];
      if (top === undefined) return fail('CDATA outside the root element');
      top.text += text.slice(i + 9, end);
      advance(end + 3);
    } else if (text.startsWith('<!', i)) {
      return fail('a DOCTYPE or other declaration: refused (no entities, no external references)');
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return fail('a processing instruction is never closed');
      advance(end + 2);
    } else if (text.startsWith('</', i)) {
      const m = NAME.exec(text.slice(i + 2, i + 2 + 256));
      const close = text.indexOf('>', i);
      if (m === null || close < 0 || text.slice(i + 2 + m[0].length, close).trim() !== '')
        return fail('a malformed end tag');
      const top = stack.pop();
      if (top === undefined || top.name !== localName(m[0]))
        return fail(`end tag </${m[0]}> does not close ${top === undefined ? 'anything' : `<${top.name}>`}`);
      advance(close + 1);
    } else {
      const m = NAME.exec(text.slice(i + 1, i + 1 + 256));
      if (m === null) return fail('a malformed start tag');
      const close = tagEnd(text, i + 1 + m[0].length);
      if (close < 0) return fail(`start tag <${m[0]}> is never closed`);
      const element: XmlElement = { name: localName(m[0]), line, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent === undefined) {
        if (root !== undefined) return fail('a second root element');
        root = element;
      } else parent.children.push(element);
      const selfClosing = text[close - 1] === '/';
      if (!selfClosing) {
        if (stack.length >= MAX_XML_DEPTH) return fail(`elements nested deeper than ${MAX_XML_DEPTH}`);
        stack.push(element);
      }
      advance(close + 1);
    }
  }
  if (stack.length > 0) return fail(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (root === undefined) return fail('no root element');
  return { ok: true, value: root };
}

/** The `>` ending a start tag whose attributes begin at `from` (quoted values may hold `>`); -1 if none. */
function tagEnd(text: string, from: number): number {
  let quote = '';
  for (let k = from; k < text.length; k++) {
    const c = text[k]!;
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return k;
    else if (c === '<') return -1;
  }
  return -1;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Text with its references decoded; undefined for an unknown entity or a bad character reference. */
function decode(text: string): string | undefined {
  if (!text.includes('&')) return text;
  let bad = false;
  const out = text.replace(/&([^;&\s]{0,12});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) {
      bad = true;
      return '';
    }
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        bad = true;
        return '';
      }
      return String.fromCodePoint(code);
    }
    const named = ENTITIES[ref];
    if (named === undefined) bad = true;
    return named ?? '';
  });
  return bad ? undefined : out;
}
