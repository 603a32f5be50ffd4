import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize } from './canonical.ts';
import { LedgerError } from './errors.ts';

const bits = (hex: string): number => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
};

describe('canonicalize — RFC 8785 examples', () => {
  it('§3.2.2 sample: literals, numbers and string escapes', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('§3.2.3 sample: keys sorted by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
        '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  // Appendix B: IEEE 754 bit patterns and their ES serialization.
  const numbers: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(numbers)('Appendix B: %s → %s', (hex, text) => {
    expect(canonicalize(bits(hex))).toBe(text);
  });

  it.each(['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000'])(
    'Appendix B: %s is rejected',
    (hex) => {
      expect(() => canonicalize(bits(hex))).toThrow(LedgerError);
    },
  );
});

describe('canonicalize — edge cases', () => {
  it('escapes control characters with lowercase hex, leaves other characters raw', () => {
    expect(canonicalize('\u0000\u0001\b\t\n\u000b\f\r\u001f "\\/\u007f\u2028')).toBe(
      '"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u2028"',
    );
  });

  it('encodes canonical text as UTF-8', () => {
    expect(Buffer.from(canonicalBytes('\u0080ö€😀\ufb33')).toString('hex')).toBe(
      '22' + 'c280' + 'c3b6' + 'e282ac' + 'f09f9880' + 'efacb3' + '22',
    );
  });

  it('sorts nested keys and keeps array order', () => {
    expect(canonicalize({ b: [3, { z: 1, a: [] }, [2, 1]], a: {}, A: null, aa: -0 })).toBe(
      '{"A":null,"a":{},"aa":0,"b":[3,{"a":[],"z":1},[2,1]]}',
    );
  });

  it('sorts by code units, not code points: U+FFFF after a surrogate pair', () => {
    expect(canonicalize({ '\uffff': 1, '\ud800\udc00': 2 })).toBe('{"\ud800\udc00":2,"\uffff":1}');
  });

  it('accepts null-prototype objects and frozen data', () => {
    const o = Object.assign(Object.create(null) as object, { b: 1, a: 2 });
    expect(canonicalize(Object.freeze({ o }))).toBe('{"o":{"a":2,"b":1}}');
  });

  const invalid: [string, unknown, string][] = [
    ['undefined', undefined, '$'],
    ['undefined member', { a: { b: undefined } }, '$.a.b'],
    ['function', { f: () => 1 }, '$.f'],
    ['bigint', [1n], '$[0]'],
    ['symbol', { s: Symbol('x') }, '$.s'],
    ['NaN', { n: Number.NaN }, '$.n'],
    ['-Infinity', [[Number.NEGATIVE_INFINITY]], '$[0][0]'],
    ['Date', { d: new Date(0) }, '$.d'],
    ['Map', new Map(), '$'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    ['array hole', [1, , 3], '$[1]'],
    ['lone surrogate value', { 'a b': '\ud800' }, '$["a b"]'],
    ['lone surrogate key', { '\udc00': 1 }, '$["\\udc00"]'],
    ['symbol key', { [Symbol('k')]: 1 }, '$'],
  ];
  it.each(invalid)('rejects %s with CANONICAL_INVALID at its path', (_, value, path) => {
    try {
      canonicalize(value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LedgerError);
      expect((error as LedgerError).code).toBe('CANONICAL_INVALID');
      expect((error as LedgerError).details.path).toBe(path);
    }
  });

  it('rejects cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = [a];
    expect(() => canonicalize(a)).toThrow(/\$\.self\[0\]: cycle/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalize([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });

  it('property: parse∘canonicalize is a fixed point, and key order does not matter', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalize(value);
        expect(canonicalize(JSON.parse(text))).toBe(text);
        const reversed = JSON.parse(text, (_, v) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        );
        expect(canonicalize(reversed)).toBe(text);
      }),
    );
  });
});
