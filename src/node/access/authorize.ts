/**
 * Whether an authenticated credential may do something, to which bilateral.
 *
 * Order of the checks, and why: a bilateral outside a scoped credential's
 * scope is refused first, as `NOT_FOUND`, the very answer an unknown
 * bilateral gets; checking the role first would answer `ACCESS_DENIED` for
 * some permissions and `NOT_FOUND` for others, and the difference would
 * tell a scoped credential which ids exist. Then the role's permission
 * (`ACCESS_DENIED`, naming role and permission), then node-wide permissions,
 * which no scoped credential holds.
 */
import type { CredentialRecord } from '../../store/index.ts';
import { AccessError, hiddenBilateral } from './errors.ts';
import { can, nodePermissions, type Permission } from './roles.ts';

/** The part of a credential `authorize` looks at. */
export type Grant = Pick<CredentialRecord, 'id' | 'role' | 'bilaterals' | 'party'>;

/**
 * Throws unless `credential` may use `permission` (on `bilateral`, when the
 * request is about one). Without `bilateral` (a list), the caller keeps only
 * what `inScope` allows.
 *
 * @example
 * authorize(credential, 'facts.record', bilateralId);
 * const visible = (await store.listBilaterals()).filter((b) => inScope(credential, b.id));
 */
export function authorize(credential: Grant, permission: Permission, bilateral?: string): void {
  if (bilateral !== undefined && !inScope(credential, bilateral)) throw hiddenBilateral(bilateral);
  if (!can(credential.role, permission)) {
    throw new AccessError('ACCESS_DENIED', `role ${credential.role} may not ${permission}`, {
      details: { credential: credential.id, role: credential.role, permission },
    });
  }
  if (credential.bilaterals !== null && nodePermissions.has(permission)) {
    throw new AccessError('ACCESS_DENIED', `a credential scoped to some bilaterals may not ${permission}`, {
      details: { credential: credential.id, role: credential.role, permission },
    });
  }
}

/** Whether `bilateral` is within the credential's scope (every bilateral when it is unscoped). */
export function inScope(credential: Pick<Grant, 'bilaterals'>, bilateral: string): boolean {
  return credential.bilaterals === null || credential.bilaterals.includes(bilateral);
}

/**
 * Whether the credential may see a pledge: it needs `pledges.read` and the
 * pledge's bilateral in scope, and a financier only the pledges made to the
 * party it names.
 */
export function canSeePledge(credential: Grant, pledge: { bilateral: string; financier: string }): boolean {
  if (!can(credential.role, 'pledges.read') || !inScope(credential, pledge.bilateral)) return false;
  return credential.role !== 'financier' || pledge.financier === credential.party;
}
