/** Public surface of the access module: credentials, roles, authorization and the audit log. */
export { type AuditAction, audited } from './audit.ts';
export { authorize, canSeePledge, type Grant, inScope } from './authorize.ts';
export {
  authenticate,
  createToken,
  hashToken,
  type IssueCredential,
  issueCredential,
  MAX_NAME_LENGTH,
  tokenId,
} from './credentials.ts';
export {
  AccessError,
  type AccessErrorCode,
  accessErrorCodes,
  accessErrorStatus,
  hiddenBilateral,
  isAccessErrorCode,
} from './errors.ts';
export {
  can,
  isPermission,
  isRole,
  nodePermissions,
  type Permission,
  permissions,
  permissionsOf,
  type Role,
  roles,
} from './roles.ts';
