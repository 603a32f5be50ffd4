/** Public surface of the node layer. */
export * from './anchoring.ts';
export * from './bodies.ts';
export * from './chain-link.ts';
export * from './errors.ts';
export * from './keyfile.ts';
export * from './party-node.ts';
export * from './peer-auth.ts';
export * from './reconciliation.ts';
export * from './usage.ts';
export * from './usage-batch.ts';
export * from './view.ts';
