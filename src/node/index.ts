/** Public surface of the node layer. */

// What the API and CLI layers need from below, named here so they import only the node.
export { chainErrorStatus } from '../chain/index.ts';
export {
  BilateralError,
  coreErrorStatus,
  type ErrorDetails,
  FACT_TYPES,
  type HttpStatus,
  type Issue,
  ValidationError,
} from '../core/index.ts';
export * from '../kinds/index.ts';
export { ledgerErrorStatus } from '../ledger/index.ts';
export type {
  AuditRecord,
  CredentialRecord,
  PeerPolicy,
  PeerRecord,
  ProposalRecord,
  StoredUsage,
} from '../store/index.ts';
export { openStore, storeErrorStatus } from '../store/index.ts';
export * from './access/index.ts';
export * from './anchoring.ts';
export * from './bilaterals/bilaterals.ts';
export * from './chain-link.ts';
export * from './checkpoints/checkpoints.ts';
export * from './core/context.ts';
export * from './core/node-core.ts';
export * from './core/replication.ts';
export * from './disputes/disputes.ts';
export * from './documents/documents.ts';
export * from './errors.ts';
export * from './facts/facts.ts';
export * from './financing/financing.ts';
export * from './invoices/invoices.ts';
export * from './keyfile.ts';
export * from './keys/party-keys.ts';
export * from './netting/agreements.ts';
export * from './netting/netting.ts';
export * from './notes/notes.ts';
export * from './notifications/notifications.ts';
export * from './party-node.ts';
export * from './payments/payments.ts';
export * from './peer-auth.ts';
export * from './peer-client.ts';
export * from './peering/directory.ts';
export * from './peering/peering.ts';
export * from './proofs/proofs.ts';
export * from './resources/resources.ts';
export * from './sonata/billing.ts';
export * from './sonata/hub.ts';
export * from './sonata/numbers.ts';
export * from './sonata/sonata.ts';
export * from './sonata/tmf.ts';
export * from './statements/statements.ts';
export * from './usage/reconciliation.ts';
export * from './usage/sources.ts';
export * from './usage/usage.ts';
export * from './usage/usage-capability.ts';
