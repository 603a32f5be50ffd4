export * from './assignments.ts';
/** Public surface of the kinds layer: what each entry kind means, above the ledger and below the node. */

export * from './account.ts';
export * from './disputes.ts';
export * from './facts.ts';
export * from './invoice-proof.ts';
export * from './invoices.ts';
export * from './kind.ts';
export * from './netting.ts';
export * from './notes.ts';
export * from './party-key.ts';
export * from './payments.ts';
export * from './receivable-proof.ts';
export * from './registry.ts';
export * from './state.ts';
export * from './usage-batch.ts';
export * from './usage-proof.ts';
