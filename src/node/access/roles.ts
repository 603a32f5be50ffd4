/**
 * Roles and what each may do on the owner API (DESIGN.md decision 8), least
 * privilege first: a role gets a permission only when its work needs it.
 *
 * Design rationale:
 * - Permissions name a capability and a verb (`facts.record`), not a route:
 *   a route asks for one permission, and a new capability adds its own.
 * - Reading is split where the data differs in sensitivity: the operational
 *   record (terms, entries, state, facts, usage) is `bilaterals.read`;
 *   invoices, proofs, the audit log and pledges are read separately, so an
 *   operator does not see the money and a financier sees only pledges.
 * - Some permissions concern the node, not one bilateral (credentials,
 *   peers, proposals, starting a bilateral). A credential scoped to some
 *   bilaterals never gets those, whatever its role: a scoped admin could
 *   otherwise issue itself an unscoped credential.
 * - A financier holds `pledges.read` only, and `authorize` narrows it to the
 *   pledges made to the financier the credential names (`canSeePledge`).
 */
import { type CredentialRole, credentialRoles } from '../../store/index.ts';

/** The roles, as the store keeps them (one list: migration 0006 checks the same names). */
export const roles = credentialRoles;
export type Role = CredentialRole;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export const permissions = [
  /** The operational record of a bilateral: terms, entries, state, facts, usage, reconciliation. */
  'bilaterals.read',
  /** Propose a new bilateral to a counterparty (node-wide). */
  'bilaterals.propose',
  'facts.record',
  'usage.import',
  /** Co-sign a checkpoint (and queue its anchor). */
  'checkpoints.create',
  /** Push to and pull from the counterparty now. */
  'sync',
  'invoices.read',
  /** Issue, accept or dispute an invoice; credit and debit notes. */
  'invoices.issue',
  /** The settlement work after an invoice: payments, netting statements, dispute resolutions. */
  'settlement.manage',
  /** Export proofs of entries, invoices and usage records, with their anchors. */
  'proofs.read',
  /** Pledge an invoice to a financier. */
  'pledges.manage',
  /** Pledges; for a financier, only those made to it. */
  'pledges.read',
  'audit.read',
  /** The event feed and the hub's subscriptions (in scope); events carry amounts, so not the operator's. */
  'events.read',
  /** Subscribe webhooks to events, and remove them. */
  'events.manage',
  /** Node-wide from here on. */
  'credentials.manage',
  'peers.read',
  'peers.manage',
  'proposals.read',
  'proposals.decide',
  /** Rotate the party's signing key (node-wide). */
  'keys.rotate',
  /** The Seller's resource pools and what is free in them (node-wide). */
  'resources.read',
  /** Declare resource pools, or change a pool's capacity (node-wide). */
  'resources.manage',
] as const;
export type Permission = (typeof permissions)[number];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (permissions as readonly string[]).includes(value);
}

/** Permissions about the node as a whole, which no credential scoped to some bilaterals holds. */
export const nodePermissions: ReadonlySet<Permission> = new Set<Permission>([
  'bilaterals.propose',
  'credentials.manage',
  'peers.read',
  'peers.manage',
  'proposals.read',
  'proposals.decide',
  'keys.rotate',
  'resources.read',
  'resources.manage',
]);

const grants: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(permissions),
  // Runs the service: records what happened and what was used, keeps the streams moving, and
  // keeps the pools the services draw on.
  operator: new Set([
    'bilaterals.read',
    'facts.record',
    'usage.import',
    'checkpoints.create',
    'sync',
    'resources.read',
    'resources.manage',
  ]),
  // Bills and settles; proofs back an invoice in a dispute; pledging an invoice is financing it.
  finance: new Set([
    'bilaterals.read',
    'invoices.read',
    'invoices.issue',
    'checkpoints.create',
    'settlement.manage',
    'proofs.read',
    'pledges.manage',
    'pledges.read',
    'events.read',
    'events.manage',
  ]),
  // Reads everything there is to read and exports proofs; changes nothing.
  auditor: new Set([
    'bilaterals.read',
    'invoices.read',
    'proofs.read',
    'pledges.read',
    'audit.read',
    'events.read',
    'peers.read',
    'proposals.read',
    'resources.read',
  ]),
  // Sees its own pledges (narrowed by `canSeePledge`), nothing else.
  financier: new Set(['pledges.read']),
};

/**
 * Whether `role` holds `permission` (before any scope is considered).
 *
 * @example
 * can('auditor', 'proofs.read'); // true
 * can('auditor', 'facts.record'); // false
 */
export function can(role: Role, permission: Permission): boolean {
  return grants[role]?.has(permission) ?? false;
}

/** The permissions `role` holds, in the order of `permissions`. */
export function permissionsOf(role: Role): Permission[] {
  return permissions.filter((permission) => can(role, permission));
}
