/**
 * Access to the owner API, as a capability of the node: who a token stands
 * for, what its role and scope let it do, credentials issued, listed,
 * expired and revoked, and the audit log of every change (who, when, what,
 * what resulted). Routes reach credentials and the log only through here.
 */
import type { AuditInput, AuditQuery, AuditRecord, CredentialRecord, Store } from '../../store/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { authorize, type Grant, inScope } from './authorize.ts';
import { authenticate, type IssueCredential, issueCredential } from './credentials.ts';
import { AccessError } from './errors.ts';
import type { Permission } from './roles.ts';

/** A credential as listed: everything but the token's hash. */
export type CredentialView = Omit<CredentialRecord, 'tokenHash'>;

export function credentialView(credential: CredentialRecord): CredentialView {
  const { tokenHash: _, ...view } = credential;
  return view;
}

export class Access {
  readonly #core: NodeCore;

  constructor(core: NodeCore) {
    this.#core = core;
  }

  get #store(): Store {
    return this.#core.store;
  }

  /** The credential `token` stands for now, or a 401 refusal naming why. */
  authenticate(token: unknown): Promise<CredentialRecord> {
    return authenticate(this.#store, token, this.#core.now());
  }

  /** Throws unless `credential` may use `permission` (on `bilateral`). */
  authorize(credential: Grant, permission: Permission, bilateral?: string): void {
    authorize(credential, permission, bilateral);
  }

  inScope(credential: Grant, bilateral: string): boolean {
    return inScope(credential, bilateral);
  }

  /** Issues a credential; its token is in the answer and nowhere else, ever. */
  async issue(request: Omit<IssueCredential, 'now'>): Promise<{ credential: CredentialView; token: string }> {
    const { credential, token } = await issueCredential(this.#store, { ...request, now: this.#core.now() });
    return { credential: credentialView(credential), token };
  }

  async list(): Promise<CredentialView[]> {
    return (await this.#store.listCredentials()).map(credentialView);
  }

  async revoke(id: string): Promise<CredentialView> {
    return credentialView(
      (await this.#store.revokeCredential(id, this.#core.now().toISOString())) ?? unknown(id),
    );
  }

  /** Ends a credential's validity at `at` (default now). */
  async expire(id: string, at?: Date): Promise<CredentialView> {
    const when = (at ?? this.#core.now()).toISOString();
    return credentialView((await this.#store.expireCredential(id, when)) ?? unknown(id));
  }

  /** Whether any credential exists (a node with none issues its first admin credential on start). */
  async any(): Promise<boolean> {
    return (await this.#store.listCredentials()).length > 0;
  }

  audit(record: Omit<AuditInput, 'at'>): Promise<number> {
    return this.#store.appendAudit({ ...record, at: this.#core.now().toISOString() });
  }

  log(query: AuditQuery): Promise<AuditRecord[]> {
    return this.#store.listAudit(query);
  }
}

function unknown(id: string): never {
  throw new AccessError('NOT_FOUND', `no credential ${id}`);
}
