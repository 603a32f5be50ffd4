import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activated, facts, ordered, terminated, terms } from './fixtures/build.ts';
import { formatInstant, parseInstant } from './instant.ts';
import {
  checkUsageRecord,
  type PlainUsageOut,
  plainUsageBound,
  plainUsageContext,
  plainUsageOut,
  plainUsageWrite,
  serviceLives,
  type UsageCheck,
  usageContext,
  usageEncoding,
  usageInstant,
  usageRecordJson,
  usageTimeKey,
  usageTotals,
} from './usage-record.ts';

const usageTerms = terms({
  offerings: [
    {
      id: 'dia',
      plans: { A: { mrc: '1000.00' } },
      usage: [
        { metric: 'gb', pricing: { model: 'per-unit', price: '0.01' } },
        { metric: 'min', pricing: { model: 'per-unit', price: '0.02' } },
      ],
    },
    { id: 'dark', plans: { A: { mrc: '10.00' } } },
  ],
});
const lifeFacts = facts(
  ordered('2026-01-01T00:00:00Z'),
  activated('2026-01-10T00:00:00Z'),
  terminated('2026-03-01T00:00:00Z'),
  ordered('2026-01-01T00:00:00Z', { service: 'S2', offering: 'dark' }),
  activated('2026-01-02T00:00:00Z', 'S2'),
  ordered('2026-01-01T00:00:00Z', { service: 'S3' }),
).map((f) => f.fact);
const context = usageContext(usageTerms, lifeFacts);
const good = { id: 'u1', service: 'S1', metric: 'gb', quantity: '1.50', at: '2026-02-01T00:00:00Z' };

function rules(check: UsageCheck): string[] {
  return check.ok ? [] : check.issues.map((i) => `${i.field}:${i.rule}`);
}

describe('serviceLives', () => {
  it('gives each ordered service its offering and [activation, termination)', () => {
    const lives = serviceLives(lifeFacts);
    expect(lives.get('S1')).toEqual({
      offering: 'dia',
      from: Date.parse('2026-01-10T00:00:00Z'),
      to: Date.parse('2026-03-01T00:00:00Z'),
    });
    expect(lives.get('S2')).toEqual({ offering: 'dark', from: Date.parse('2026-01-02T00:00:00Z') });
    expect(lives.get('S3')).toEqual({ offering: 'dia' });
    expect(lives.has('S4')).toBe(false);
  });
});

describe('checkUsageRecord', () => {
  it('accepts a good record, keeps the quantity as written, normalises the time', () => {
    expect(checkUsageRecord(good, context)).toEqual({ ok: true, record: good });
    const check = checkUsageRecord(
      { ...good, quantity: 1500, at: '2026-02-01T00:00:00.000+00:00', characteristics: { zone: 'eu' } },
      context,
    );
    expect(check).toEqual({
      ok: true,
      record: { ...good, quantity: '1500', at: '2026-02-01T00:00:00Z', characteristics: { zone: 'eu' } },
    });
  });

  it('names the field and the rule of every problem', () => {
    expect(rules(checkUsageRecord({ ...good, service: 'S9' }, context))).toEqual(['service:unknown-service']);
    expect(rules(checkUsageRecord({ ...good, metric: 'sms' }, context))).toEqual(['metric:unknown-metric']);
    expect(rules(checkUsageRecord({ ...good, service: 'S2' }, context))).toEqual(['metric:unknown-metric']);
    for (const quantity of ['-1', '1e3', '1.', ' 1', 1.5, -2, 'x']) {
      expect(rules(checkUsageRecord({ ...good, quantity }, context))).toEqual(['quantity:bad-quantity']);
    }
    expect(rules(checkUsageRecord({ ...good, at: '2026-02-01 00:00' }, context))).toEqual(['at:bad-time']);
    expect(rules(checkUsageRecord({ ...good, at: '2026-02-01T01:00:00+01:00' }, context))).toEqual([
      'at:bad-time',
    ]);
    expect(rules(checkUsageRecord({ ...good, id: undefined, quantity: '' }, context))).toEqual([
      'id:required',
      'quantity:required',
    ]);
    expect(rules(checkUsageRecord({ ...good, id: 7 }, context))).toEqual(['id:bad-field']);
    expect(rules(checkUsageRecord({ ...good, id: 'a b' }, context))).toEqual(['id:bad-field']);
    expect(rules(checkUsageRecord({ ...good, characteristics: { zone: 1 } }, context))).toEqual([
      'characteristics.zone:bad-field',
    ]);
    expect(rules(checkUsageRecord('{}', context))).toEqual([':malformed']);
  });

  it('refuses times outside the active life: before activation, at or after termination, never activated', () => {
    const at = (time: string, service = 'S1') =>
      rules(checkUsageRecord({ ...good, service, at: time }, context));
    expect(at('2026-01-10T00:00:00Z')).toEqual([]);
    expect(at('2026-02-28T23:59:59.999Z')).toEqual([]);
    expect(at('2026-01-09T23:59:59Z')).toEqual(['at:outside-active-life']);
    expect(at('2026-03-01T00:00:00Z')).toEqual(['at:outside-active-life']);
    expect(at('2026-02-01T00:00:00Z', 'S3')).toEqual(['at:outside-active-life']);
    const check = checkUsageRecord({ ...good, at: '2026-03-05T00:00:00Z' }, context);
    expect(check.ok ? '' : check.issues[0]?.message).toBe(
      'at: outside the active life of S1 (from 2026-01-10T00:00:00Z until 2026-03-01T00:00:00Z)',
    );
  });
});

describe('times', () => {
  it('reads times exactly as parseInstant does, and keys them in time order', () => {
    const always = usageContext(
      usageTerms,
      facts(ordered('2000-01-01T00:00:00Z'), activated('0001-01-01T00:00:00Z')).map((f) => f.fact),
    );
    const samples = [
      '2026-02-01T00:00:00Z',
      '2026-02-01t00:00:00z',
      '2026-02-01T00:00:00.5Z',
      '2026-02-01T00:00:00.000Z',
      '2026-02-01T00:00:00.123000Z',
      '2026-02-01T00:00:00+00:00',
      '2024-02-29T12:00:00Z',
      '2026-02-29T12:00:00Z',
      '2100-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '0099-06-30T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:59:60Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T00:00:00.1234Z',
    ];
    for (const at of samples) {
      const instant = parseInstant(at);
      const check = checkUsageRecord({ ...good, at }, always);
      expect(check.ok ? check.record.at : undefined, at).toBe(
        instant === undefined ? undefined : formatInstant(instant),
      );
      expect(usageTimeKey(at), at).toBe(instant === undefined ? undefined : new Date(instant).toISOString());
    }
    expect(usageTimeKey('2026-02-01T00:00:00.5Z')! > usageTimeKey('2026-02-01T00:00:00Z')!).toBe(true);
  });
});

describe('usageInstant', () => {
  it('agrees with parseInstant on times of the two plain shapes, valid or not', () => {
    const digit = fc.constantFrom(...'0123456789');
    const any = fc.tuple(digit, digit).map((d) => d.join(''));
    // Mostly in range (so most times are valid), sometimes any two digits.
    const two = (max: number, min = 0) =>
      fc.oneof(
        fc.integer({ min, max }).map((n) => String(n).padStart(2, '0')),
        any,
      );
    const plain = fc
      .record({
        y: fc.oneof(
          fc.integer({ min: 1, max: 9999 }).map((n) => String(n).padStart(4, '0')),
          any.map((d) => `20${d}`),
        ),
        mo: two(12, 1),
        d: two(31, 1),
        h: two(23),
        mi: two(59),
        s: two(59),
        ms: fc.option(fc.tuple(digit, any).map((d) => `.${d.join('')}`)),
        odd: fc.option(fc.tuple(fc.nat(23), fc.constantFrom('x', '-', ' ', 't', '/'))),
      })
      .map(({ y, mo, d, h, mi, s, ms, odd }) => {
        let at = `${y}-${mo}-${d}T${h}:${mi}:${s}${ms ?? ''}Z`;
        if (odd !== null) at = at.slice(0, odd[0]) + odd[1] + at.slice(odd[0] + 1);
        return at;
      });
    fc.assert(
      fc.property(plain, (at) => {
        expect(usageInstant(at)).toBe(parseInstant(at));
      }),
      { numRuns: 20_000 },
    );
    expect(usageInstant('2024-02-29T23:59:59.999Z')).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
  });

  it('encodes a batch once: the same texts and instants for the same array', () => {
    const records = [{ ...good, at: '2026-02-01T00:00:00.250Z' }, good];
    const encoding = usageEncoding(records);
    expect(encoding.texts).toEqual(records.map(usageRecordJson));
    expect(encoding.instants).toEqual(records.map((r) => Date.parse(r.at)));
    expect(usageEncoding(records)).toBe(encoding);
    expect(usageEncoding([{ ...good, at: 'soon' }]).instants).toEqual([Number.NaN]);
  });
});

describe('usageRecordJson and usageTotals', () => {
  it('writes keys in code-unit order, characteristics sorted', () => {
    const text = usageRecordJson({ ...good, characteristics: { z: '"1"', a: 'é', B: '\n' } });
    expect(text).toBe(
      '{"at":"2026-02-01T00:00:00Z","characteristics":{"B":"\\n","a":"é","z":"\\"1\\""},"id":"u1","metric":"gb","quantity":"1.50","service":"S1"}',
    );
    expect(JSON.parse(text)).toEqual({ ...good, characteristics: { z: '"1"', a: 'é', B: '\n' } });
  });

  it('is JSON.stringify of the record with its keys sorted, whatever the characters', () => {
    // Keys in code-unit order, written out (an object would put integer-like keys first).
    const canonical = (value: unknown): string =>
      typeof value === 'string'
        ? JSON.stringify(value)
        : `{${Object.keys(value as object)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
            .join(',')}}`;
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('"', '\\', '\u0000', '\ud800', '😀'),
    );
    const record = fc.record(
      {
        id: text,
        service: text,
        metric: text,
        quantity: text,
        at: text,
        characteristics: fc.dictionary(text, text, { maxKeys: 4 }),
      },
      { requiredKeys: ['id', 'service', 'metric', 'quantity', 'at'] },
    );
    fc.assert(
      fc.property(record, (r) => {
        expect(usageRecordJson(r)).toBe(canonical(r));
      }),
      { numRuns: 5000 },
    );
  });

  it('sums exactly per service and metric, sorted', () => {
    const records = [
      { ...good, service: 'S2', quantity: '0.1' },
      { ...good, quantity: '0.1' },
      { ...good, quantity: '0.2' },
      { ...good, metric: 'min', quantity: '7' },
      { ...good, quantity: '99999999999999999999.000000000000000001' },
      { ...good, service: 'S2', quantity: '0.20' },
    ];
    expect(usageTotals(records)).toEqual([
      { service: 'S1', metric: 'gb', quantity: '99999999999999999999.300000000000000001' },
      { service: 'S1', metric: 'min', quantity: '7' },
      { service: 'S2', metric: 'gb', quantity: '0.3' },
    ]);
  });
});

describe('plainUsageWrite (the fast path for plain CSV rows)', () => {
  const plain = plainUsageContext(context);
  /** What plainUsageWrite writes after some bytes already there, as text; undefined when it declines. */
  function plainText(fields: string[], names: string[], values: string[], out: PlainUsageOut) {
    // The row `id,service,metric,quantity,at,…values` (no generated field holds a comma).
    const all = [...fields, ...values];
    const row = all.join(',');
    const starts: number[] = [];
    const ends: number[] = [];
    all.reduce((start, field) => {
      starts.push(start);
      ends.push(start + field.length);
      return start + field.length + 1;
    }, 0);
    const columns = { id: 0, service: 1, metric: 2, quantity: 3, at: 4, names };
    const target = new Uint8Array(5 + plainUsageBound(row.length, names));
    if (
      !plainUsageWrite(
        plain,
        row,
        starts,
        ends,
        { ...columns, characteristics: values.map((_, i) => 5 + i) },
        target,
        5,
        out,
      )
    )
      return undefined;
    expect([out.id, out.service, out.metric, out.quantity]).toEqual(fields.slice(0, 4));
    return new TextDecoder().decode(target.subarray(5, out.end));
  }
  /** Mostly one of `good`, sometimes one of `bad`: most rows are plain, every rule is hit. */
  const field = (good: string[], bad: string[]) =>
    fc.oneof(
      { arbitrary: fc.constantFrom(...good), weight: 5 },
      { arbitrary: fc.constantFrom(...bad), weight: 1 },
    );
  const fields = fc.record({
    id: field(['u1', 'u-2/x', 'a'.repeat(256)], ['a'.repeat(257), '', ' u3', 'u"4', 'u\\5', 'ü6', 'u 7']),
    service: field(['S1'], ['S2', 'S3', 'S4', ' S1', '']),
    metric: field(['gb', 'min'], ['sms', '', 'gb ']),
    quantity: field(
      ['12', '1.50', '0', '0.000', '9'.repeat(64)],
      ['-1', '1.', '.5', '1e3', '', ' 1', '9'.repeat(65)],
    ),
    at: field(
      [
        '2026-02-01T00:00:00Z',
        '2026-02-01T00:00:00.000Z',
        '2026-02-01T00:00:00.250Z',
        '2026-01-10T00:00:00Z',
      ],
      [
        '2026-01-09T23:59:59.999Z',
        '2026-03-01T00:00:00Z',
        '2026-02-30T00:00:00Z',
        '2026-02-01T00:00:00z',
        '2026-02-01T00:00:00+00:00',
        '2026-02-01T00:00:00.5Z',
        '2026-02-01',
        '',
      ],
    ),
    zone: field(['', 'eu', 'Zürich'], ['a"b', 'a\\b', 'tab\there', '\ud800']),
    band: field(['', '5G'], ['\u0001']),
  });

  it('gives exactly what checkUsageRecord and usageRecordJson give, whenever it gives anything', () => {
    let taken = 0;
    const shared = plainUsageOut();
    fc.assert(
      fc.property(fields, (f) => {
        // One for all rows, as for an import: the service and metric it keeps are reused or replaced.
        const out = shared;
        out.instant = Number.NaN;
        const text = plainText(
          [f.id, f.service, f.metric, f.quantity, f.at],
          ['band', 'zone'],
          [f.band, f.zone],
          out,
        );
        const characteristics = Object.fromEntries(
          Object.entries({ zone: f.zone, band: f.band }).filter(([, v]) => v !== ''),
        );
        const raw = {
          id: f.id,
          service: f.service,
          metric: f.metric,
          quantity: f.quantity,
          at: f.at,
          ...(Object.keys(characteristics).length > 0 ? { characteristics } : {}),
        };
        if (text === undefined) return;
        taken++;
        const check = checkUsageRecord(raw, context);
        expect(check.ok).toBe(true);
        if (!check.ok) return;
        expect(text).toBe(usageRecordJson(check.record));
        expect(out.instant).toBe(usageInstant(check.record.at));
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: a good share of the generated rows is plain.
    expect(taken).toBeGreaterThan(300);
  });

  it('takes the usual row, and leaves every rejection to the general check', () => {
    const out = plainUsageOut();
    const text = plainText(['u1', 'S1', 'gb', '1.50', '2026-02-01T00:00:00.000Z'], ['zone'], ['Zürich'], out);
    expect(text).toBe(
      '{"at":"2026-02-01T00:00:00Z","characteristics":{"zone":"Zürich"},"id":"u1","metric":"gb","quantity":"1.50","service":"S1"}',
    );
    expect(out.instant).toBe(Date.parse('2026-02-01T00:00:00Z'));
    // Outside the life, a metric of no offering, a never-activated service: not taken.
    expect(plainText(['u1', 'S1', 'gb', '1', '2026-03-01T00:00:00Z'], [], [], out)).toBeUndefined();
    expect(plainText(['u1', 'S2', 'gb', '1', '2026-02-01T00:00:00Z'], [], [], out)).toBeUndefined();
    expect(plainText(['u1', 'S3', 'gb', '1', '2026-02-01T00:00:00Z'], [], [], out)).toBeUndefined();
  });
});
