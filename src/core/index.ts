/** Public surface of the core layer. */
export * from './errors.ts';
