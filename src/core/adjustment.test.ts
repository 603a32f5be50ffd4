import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adjustment } from './adjustment.ts';
import { parseDecimal } from './decimal.ts';
import { parseJsonl } from './fixtures/example.ts';
import { rate } from './rate.ts';
import { add, compare, ZERO } from './rational.ts';
import { parseTerms } from './terms.ts';

const dir = join(import.meta.dirname, 'fixtures', 'dia-acme-globex');
const terms = parseTerms(JSON.parse(readFileSync(join(dir, 'terms.json'), 'utf8')));
const facts = parseJsonl(readFileSync(join(dir, 'facts.jsonl'), 'utf8'), 'facts.jsonl', terms);
const withoutOutage = facts.filter((f) => f.fact.type !== 'outage');
const sum = (amounts: readonly string[]) => amounts.reduce((s, a) => add(s, parseDecimal(a)), ZERO);

describe('credit and debit notes', () => {
  it('a late outage: a credit note of the SLA credit, and invoice + note = the period rated now', () => {
    const issued = rate(terms, withoutOutage, '2026-02');
    const now = rate(terms, facts, '2026-02');
    const note = adjustment([issued], now)!;
    expect(note.type).toBe('credit');
    expect(note.lines.map((l) => [l.kind, l.service])).toEqual([['sla-credit', 'S1']]);
    expect(note.lines[0]!.refs).toContain('facts.jsonl:3');
    expect(compare(add(parseDecimal(issued.total), parseDecimal(note.total)), parseDecimal(now.total))).toBe(
      0,
    );
    expect(compare(sum(note.lines.map((l) => l.amount)), parseDecimal(note.subtotal))).toBe(0);
    expect(compare(add(parseDecimal(note.subtotal), parseDecimal(note.tax)), parseDecimal(note.total))).toBe(
      0,
    );
    expect(note.taxes).toEqual([
      expect.objectContaining({ category: 'S', ratePercent: '20', taxable: note.subtotal, amount: note.tax }),
    ]);
  });

  it('nothing when nothing changed; a debit note when the period now costs more', () => {
    const now = rate(terms, facts, '2026-02');
    expect(adjustment([now], now)).toBeUndefined();
    // Billed with the outage, then the outage is found to be maintenance: the credit goes away.
    const maintenance = facts.map((f) =>
      f.fact.type === 'outage' ? { ...f, fact: { ...f.fact, maintenance: true } } : f,
    );
    const note = adjustment([now], rate(terms, maintenance, '2026-02'))!;
    expect(note.type).toBe('debit');
    expect(note.lines).toEqual([
      expect.objectContaining({ kind: 'sla-credit', description: 'No longer billed: sla-credit S1' }),
    ]);
    expect(compare(parseDecimal(note.total), ZERO)).toBe(1);
  });

  it('a note for a line the invoice did not have (a boost) is matched by the next rating: no empty note after it', () => {
    const boost = parseJsonl(
      '{"type":"bandwidth.boost","service":"S1","plan":"10G","from":"2026-02-10T10:00:00Z","to":"2026-02-10T12:00:00Z"}',
      'late.jsonl',
      terms,
    );
    const issued = rate(terms, facts, '2026-02');
    const now = rate(terms, [...facts, ...boost], '2026-02');
    const note = adjustment([issued], now)!;
    expect(note.lines.map((l) => [l.kind, l.periodCoverage !== undefined])).toEqual([['on-demand', true]]);
    expect(adjustment([issued, note], now)).toBeUndefined();
  });

  it('a second note counts the first: invoice + notes = the period rated now', () => {
    const issued = rate(terms, withoutOutage, '2026-02');
    const now = rate(terms, facts, '2026-02');
    const first = adjustment([issued], now)!;
    expect(adjustment([issued, first], now)).toBeUndefined();
  });
});
