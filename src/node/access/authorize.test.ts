/**
 * Authorization: each role is refused every permission it does not hold; a
 * scoped credential learns nothing of bilaterals outside its scope.
 */
import { describe, expect, it } from 'vitest';
import { authorize, canSeePledge, type Grant, inScope } from './authorize.ts';
import { can, nodePermissions, permissions, roles } from './roles.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function grant(role: Grant['role'], bilaterals: string[] | null = null, party: string | null = null): Grant {
  return { id: `${role}000000`.slice(0, 12), role, bilaterals, party };
}

function refusal(run: () => void): { code?: string; status?: number; message: string; details?: unknown } {
  try {
    run();
  } catch (error) {
    return error as { code: string; status: number; message: string };
  }
  throw new Error('expected a refusal');
}

describe('authorize', () => {
  it('refuses each role every permission it lacks, with 403 naming role and permission', () => {
    for (const role of roles) {
      for (const permission of permissions) {
        if (can(role, permission)) {
          expect(() => authorize(grant(role), permission, A)).not.toThrow();
          continue;
        }
        const error = refusal(() => authorize(grant(role), permission, A));
        expect(error).toMatchObject({ code: 'ACCESS_DENIED', status: 403 });
        expect(error.message).toBe(`role ${role} may not ${permission}`);
      }
    }
  });

  it('answers a bilateral outside the scope exactly as an unknown one, whatever the permission', () => {
    for (const role of roles) {
      for (const permission of permissions) {
        const error = refusal(() => authorize(grant(role, [A]), permission, B));
        expect(error).toMatchObject({ code: 'NOT_FOUND', status: 404, message: `no bilateral ${B}` });
        expect(error.details).toEqual({});
      }
    }
    expect(() => authorize(grant('operator', [A]), 'facts.record', A)).not.toThrow();
  });

  it('never grants a node-wide permission to a scoped credential, not even an admin', () => {
    for (const permission of nodePermissions) {
      expect(refusal(() => authorize(grant('admin', [A]), permission))).toMatchObject({
        code: 'ACCESS_DENIED',
      });
      expect(() => authorize(grant('admin'), permission)).not.toThrow();
    }
  });

  it('leaves lists to the caller, with inScope', () => {
    expect(() => authorize(grant('auditor', [A]), 'bilaterals.read')).not.toThrow();
    expect([A, B].filter((id) => inScope(grant('auditor', [A]), id))).toEqual([A]);
    expect([A, B].filter((id) => inScope(grant('auditor'), id))).toEqual([A, B]);
  });

  it('shows a financier only the pledges made to it', () => {
    const bank = grant('financier', null, 'bank.example');
    expect(canSeePledge(bank, { bilateral: A, financier: 'bank.example' })).toBe(true);
    expect(canSeePledge(bank, { bilateral: A, financier: 'rival.example' })).toBe(false);
    expect(
      canSeePledge(grant('financier', [B], 'bank.example'), { bilateral: A, financier: 'bank.example' }),
    ).toBe(false);
    expect(canSeePledge(grant('finance'), { bilateral: A, financier: 'rival.example' })).toBe(true);
    expect(canSeePledge(grant('operator'), { bilateral: A, financier: 'bank.example' })).toBe(false);
  });
});
