/**
 * Finds where things are in JSON source text, for error messages people can
 * act on: the line of the value at an issue path (`offerings[0].plans.1G.mrc`
 * → `terms.json:12`) and the line of a syntax error. A small scanner tracks
 * positions only; values still come from `JSON.parse`.
 */
import { child } from './checker.ts';

export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

export interface JsonSyntaxError extends JsonPosition {
  readonly reason: string;
}

class Scanner {
  i = 0;
  readonly positions = new Map<string, number>();
  constructor(readonly text: string) {}

  failedAt = 0;
  fail(what: string, at = this.i): never {
    this.failedAt = at;
    throw new SyntaxError(what);
  }
  ws(): void {
    while (/[ \t\r\n]/.test(this.text[this.i] ?? '')) this.i++;
  }
  value(path: string, at: number): void {
    this.ws();
    if (!this.positions.has(path)) this.positions.set(path, at);
    const ch = this.text[this.i];
    if (ch === '{') this.object(path);
    else if (ch === '[') this.array(path);
    else if (ch === '"') this.string();
    else this.literal();
  }
  literal(): void {
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      this.text.slice(this.i, this.i + 400),
    );
    if (m === null) this.fail('unexpected token');
    this.i += m[0].length;
  }
  string(): string {
    const start = this.i++;
    for (;;) {
      const ch = this.text[this.i++];
      if (ch === undefined || ch < ' ') this.fail('bad string', this.i - 1);
      if (ch === '"') break;
      if (ch === '\\') {
        const esc = this.text[this.i++] ?? '';
        if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i, this.i + 4))) this.i += 4;
        else if (!'"\\/bfnrt'.includes(esc) || esc === '') this.fail('bad escape', this.i - 1);
      }
    }
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }
  object(path: string): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') this.fail('expected a key');
      const keyAt = this.i;
      const key = this.string();
      this.ws();
      if (this.text[this.i++] !== ':') this.fail("expected ':'", this.i - 1);
      this.value(child(path, key), keyAt);
      this.ws();
      const next = this.text[this.i++];
      if (next === '}') return;
      if (next !== ',') this.fail("expected ',' or '}'", this.i - 1);
    }
  }
  array(path: string): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.ws();
      this.value(child(path, n), this.i);
      this.ws();
      const next = this.text[this.i++];
      if (next === ']') return;
      if (next !== ',') this.fail("expected ',' or ']'", this.i - 1);
    }
  }
}

function position(text: string, offset: number): JsonPosition {
  const before = text.slice(0, Math.min(offset, text.length));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function scan(text: string): { scanner: Scanner; error: string | undefined } {
  const scanner = new Scanner(text);
  try {
    scanner.value('', 0);
    scanner.ws();
    if (scanner.i < text.length) scanner.fail('unexpected text after the value');
    return { scanner, error: undefined };
  } catch (error) {
    return { scanner, error: error instanceof SyntaxError ? error.message : String(error) };
  }
}

/**
 * Line and column of the member or element at `path`; for a path that is
 * absent (a missing field) the nearest enclosing value that is present.
 */
export function locateJsonPath(text: string, path: string): JsonPosition | undefined {
  const { positions } = scan(text).scanner;
  let p = path;
  for (;;) {
    const at = positions.get(p);
    if (at !== undefined) return position(text, at);
    if (p === '') return undefined;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut < 0 ? '' : p.slice(0, cut);
  }
}

/** Position and reason of the first syntax error in `text`, or undefined when it is valid JSON. */
export function locateJsonError(text: string): JsonSyntaxError | undefined {
  const { scanner, error } = scan(text);
  if (error === undefined) return undefined;
  const at = position(text, scanner.failedAt);
  return { ...at, reason: scanner.failedAt >= text.length ? 'unexpected end of input' : error };
}
