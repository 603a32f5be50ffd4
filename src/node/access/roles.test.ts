/** The role table: least privilege, stated role by role. */
import { describe, expect, it } from 'vitest';
import { can, isPermission, isRole, nodePermissions, permissions, permissionsOf, roles } from './roles.ts';

const writes = permissions.filter((p) => !p.endsWith('.read'));

describe('roles', () => {
  it('gives admin every permission', () => {
    expect(permissionsOf('admin')).toEqual([...permissions]);
  });

  it('gives an operator facts, usage, checkpoints, sync and the resource pools, and the operational record to read', () => {
    expect(permissionsOf('operator')).toEqual([
      'bilaterals.read',
      'facts.record',
      'usage.import',
      'checkpoints.create',
      'sync',
      'resources.read',
      'resources.manage',
    ]);
  });

  it('gives finance invoices, settlement, proofs, pledges and events, no facts or usage', () => {
    expect(permissionsOf('finance')).toEqual([
      'bilaterals.read',
      'checkpoints.create',
      'invoices.read',
      'invoices.issue',
      'settlement.manage',
      'proofs.read',
      'pledges.manage',
      'pledges.read',
      'events.read',
      'events.manage',
    ]);
    expect(can('finance', 'facts.record')).toBe(false);
    expect(can('finance', 'usage.import')).toBe(false);
  });

  it('lets an auditor read and export proofs, and change nothing', () => {
    expect(permissionsOf('auditor').every((p) => p.endsWith('.read'))).toBe(true);
    expect(can('auditor', 'proofs.read')).toBe(true);
    expect(can('auditor', 'audit.read')).toBe(true);
    for (const permission of writes) expect(can('auditor', permission)).toBe(false);
  });

  it('lets a financier read pledges only', () => {
    expect(permissionsOf('financier')).toEqual(['pledges.read']);
  });

  it('keeps node-wide management to admin (auditors may read peers and proposals), but resource pools to the operator too', () => {
    for (const role of roles.filter((r) => r !== 'admin')) {
      for (const permission of nodePermissions) {
        if (permission.endsWith('.read')) continue;
        expect(can(role, permission)).toBe(role === 'operator' && permission === 'resources.manage');
      }
    }
  });

  it('validates names', () => {
    expect(isRole('auditor')).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isRole('toString')).toBe(false);
    expect(isPermission('facts.record')).toBe(true);
    expect(isPermission('facts.delete')).toBe(false);
    expect(can('nobody' as 'admin', 'facts.record')).toBe(false);
  });
});
