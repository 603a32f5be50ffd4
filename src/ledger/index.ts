/** Public surface of the ledger layer. */
export type * from './types.ts';
