/** Public surface of the store layer. */

export { isStoreErrorCode, type StoreErrorCode, storeErrorCodes, storeErrorStatus } from './errors.ts';
export { headsId, KyselyStore, type StoreEngine } from './kysely-store.ts';
export { migrateToLatest, migrations } from './migrations.ts';
export { openStore } from './open.ts';
export { createPostgresStore } from './postgres.ts';
export type { Database, Engine } from './schema.ts';
export { engines } from './schema.ts';
export { createSqliteStore, SQLITE_MEMORY, type SqliteStoreOptions } from './sqlite.ts';
export type * from './types.ts';
export {
  auditOutcomes,
  credentialRoles,
  peerPolicies,
  peerSources,
  proposalStatuses,
  resourcePoolKinds,
} from './types.ts';
export { MAX_SEQ } from './validate.ts';
