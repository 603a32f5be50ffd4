/** Public surface of the store layer. */
export type * from './types.ts';
