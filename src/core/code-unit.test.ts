import { describe, expect, it } from 'vitest';
import { byCodeUnit } from './code-unit.ts';

describe('byCodeUnit', () => {
  it('orders by UTF-16 code units, not by locale: capitals first, a surrogate pair before U+FFFF', () => {
    expect(['b', 'é', 'a', 'Z', 'B', '\uffff', '😀'].sort(byCodeUnit)).toEqual([
      'B',
      'Z',
      'a',
      'b',
      'é',
      '😀',
      '\uffff',
    ]);
    expect(byCodeUnit('acme', 'acme')).toBe(0);
  });
});
