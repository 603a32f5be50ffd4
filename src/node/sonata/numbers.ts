/**
 * Sonata and TM Forum bodies carry money as `Money {unit, value}` with
 * `value` a JSON number. Our amounts are exact decimal strings, and a
 * JavaScript number would round them: `SonataNumber` holds the decimal text
 * and `sonataJson` writes it into the body as a bare JSON number, digit for
 * digit. Incoming numbers are taken only where their text is exact
 * (`decimalOf`).
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../core/index.ts';

/** A decimal written as a JSON number, exactly as its text says. */
export class SonataNumber {
  constructor(readonly text: string) {
    if (!/^-?\d{1,30}(\.\d{1,30})?$/.test(text)) throw new Error(`not a decimal: ${text}`);
  }
  /** `JSON.stringify` without `sonataJson` writes it as a string, never as a rounded number. */
  toJSON(): string {
    return this.text;
  }
}

export interface SonataMoney {
  readonly unit: string;
  readonly value: SonataNumber;
}

export function money(currency: string, amount: string): SonataMoney {
  return { unit: currency, value: new SonataNumber(amount) };
}

// A marker no input can forge: it is new in each process and never shown.
const MARK = `sb-number-${randomBytes(12).toString('hex')}:`;
const MARKED = new RegExp(`"${MARK}(-?\\d+(?:\\.\\d+)?)"`, 'g');

/** `value` as JSON text, each `SonataNumber` a bare number with its exact digits. */
export function sonataJson(value: unknown): string {
  const text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    return raw instanceof SonataNumber ? `${MARK}${raw.text}` : v;
  });
  return text.replace(MARKED, '$1');
}

/**
 * The decimal text of an incoming amount: a string of digits, or a JSON
 * number whose shortest text has at most 15 significant digits (so it is
 * exactly what the sender wrote). Anything else is refused, naming `path`.
 */
export function decimalOf(value: unknown, path: string): string {
  if (typeof value === 'string' && /^\d{1,18}(\.\d{1,12})?$/.test(value)) return value;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    const text = String(value);
    const digits = text.replace('.', '').replace(/^0+/, '');
    if (/^\d+(\.\d+)?$/.test(text) && digits.length <= 15) return text;
  }
  throw new ValidationError('SONATA_INVALID', [
    {
      path,
      rule: 'expected a non-negative decimal (a string, or a number of at most 15 significant digits)',
    },
  ]);
}
