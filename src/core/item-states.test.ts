import { describe, expect, it } from 'vitest';
import { itemStates } from './item-states.ts';

const items = [
  { kind: 'recurring', service: 'S1', plan: '1G', amount: '1200.00' },
  { kind: 'recurring', service: 'S2', plan: '100M', amount: '300.00' },
  { kind: 'one-time', service: 'S2', amount: '50.00' },
];

describe('invoice item states (MEF 141 CustomerBillItem)', () => {
  it('follow the invoice when nothing concerns them', () => {
    expect(itemStates(items, 'paymentDue', [], [])).toEqual(['paymentDue', 'paymentDue', 'paymentDue']);
    expect(itemStates(items, 'settled', [], [])).toEqual(['settled', 'settled', 'settled']);
  });

  it('an open dispute puts its service’s item under investigation; an SLA line concerns the service’s other items', () => {
    expect(
      itemStates(items, 'paymentDue', [{ kind: 'recurring', service: 'S2', amount: '-40.00' }], []),
    ).toEqual(['paymentDue', 'disputeBeingInvestigated', 'paymentDue']);
    expect(
      itemStates(items, 'paymentDue', [{ kind: 'sla-credit', service: 'S1', amount: '-60.00' }], []),
    ).toEqual(['disputeBeingInvestigated', 'paymentDue', 'paymentDue']);
  });

  it('a credit note takes part of an item (credit) or all of it (withdrawn); a debit leaves it as the invoice', () => {
    expect(
      itemStates(
        items,
        'paymentDue',
        [],
        [
          { kind: 'recurring', service: 'S1', plan: '1G', amount: '-200.00' },
          { kind: 'one-time', service: 'S2', amount: '-50.00' },
          { kind: 'recurring', service: 'S2', plan: '100M', amount: '10.00' },
        ],
      ),
    ).toEqual(['credit', 'paymentDue', 'withdrawn']);
    expect(
      itemStates(items, 'settled', [], [{ kind: 'sla-credit', service: 'S2', amount: '-5.00' }]),
    ).toEqual(['settled', 'credit', 'credit']);
    // A line for another plan of the same kind does not concern the item.
    expect(
      itemStates(
        items,
        'paymentDue',
        [],
        [{ kind: 'recurring', service: 'S1', plan: '10G', amount: '-1.00' }],
      ),
    ).toEqual(['paymentDue', 'paymentDue', 'paymentDue']);
  });
});
