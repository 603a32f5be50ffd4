/**
 * The one string order shared by everything both parties must compute alike
 * (canonical JSON keys, record streams, invoice lines, reconciliation): plain
 * UTF-16 code-unit order, which never depends on a locale or collation.
 */

/** Comparator for `sort`: code-unit order. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
