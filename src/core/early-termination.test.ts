import { describe, expect, it } from 'vitest';
import { remainingMonths, termEnd } from './early-termination.ts';
import { formatInstant, parseInstant } from './instant.ts';

const t = (text: string) => parseInstant(text)!;

describe('early termination', () => {
  it('matches the worked example: 35 months remain', () => {
    expect(remainingMonths(t('2026-01-15T09:30:00Z'), 36, t('2026-03-10T08:00:00Z'), 'UTC')).toBe(35);
  });

  it('clamps the term end to the last day of a shorter month', () => {
    const activation = t('2026-01-31T10:00:00Z');
    expect(formatInstant(termEnd(activation, 1, 'UTC'))).toBe('2026-02-28T10:00:00Z');
    expect(remainingMonths(activation, 1, t('2026-02-28T10:00:00Z'), 'UTC')).toBe(0);
    expect(remainingMonths(activation, 1, t('2026-02-28T09:59:59Z'), 'UTC')).toBe(1);
    expect(remainingMonths(activation, 1, t('2026-01-31T12:00:00Z'), 'UTC')).toBe(1);
  });

  it('counts a started month whole and clamps the termination side too', () => {
    // Jan 31 + 1 → Feb 28, + 2 → Mar 31, + 3 → Apr 30 ≥ Apr 15.
    expect(remainingMonths(t('2026-01-15T00:00:00Z'), 3, t('2026-01-31T00:00:00Z'), 'UTC')).toBe(3);
    expect(remainingMonths(t('2026-01-15T00:00:00Z'), 3, t('2026-03-15T00:00:00Z'), 'UTC')).toBe(1);
    expect(remainingMonths(t('2026-01-15T00:00:00Z'), 3, t('2026-03-14T23:59:59Z'), 'UTC')).toBe(2);
    expect(remainingMonths(t('2026-01-15T00:00:00Z'), 3, t('2026-05-01T00:00:00Z'), 'UTC')).toBe(0);
  });
});
