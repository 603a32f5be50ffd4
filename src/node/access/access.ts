/**
 * Access to the owner API, as a capability of the node: who a token stands
 * for, what its role and scope let it do, credentials issued, listed,
 * expired and revoked, and the audit log of every change (who, when, what,
 * what resulted). Routes reach credentials and the log only through here.
 */
import type { AuditInput, AuditQuery, AuditRecord, CredentialRecord, Store } from '../../store/index.ts';
import type { NodeCore } from '../core/node-core.ts';
import { authorize, canSeePledge, type Grant, inScope } from './authorize.ts';
import { authenticate, type IssueCredential, issueCredential } from './credentials.ts';
import { AccessError } from './errors.ts';
import type { Permission } from './roles.ts';

/** A credential as listed: everything but the token's hash. */
export type CredentialView = Omit<CredentialRecord, 'tokenHash'>;

export function credentialView(credential: CredentialRecord): CredentialView {
  const { tokenHash: _, ...view } = credential;
  return view;
}

interface PendingAudit {
  readonly record: AuditInput;
  resolve(seq: number): void;
  reject(error: unknown): void;
}

/**
 * How long a credential read from the store answers for its token without
 * reading it again. Changes made through this node (revoke, expire) take
 * effect at once; one made to the store by another process (`sb
 * credentials revoke` beside a running node) within this time.
 */
export const CREDENTIAL_CACHE_MS = 1000;
/** How long audit records wait for others to share their write; a read of the log does not wait for it. */
const AUDIT_PACE_MS = 50;
/** Records that are written at once, however young. */
const AUDIT_BATCH = 500;

export class Access {
  readonly #core: NodeCore;
  /** Credentials by token hash, as last read, and until when that reading serves. */
  readonly #credentials = new Map<string, { credential: CredentialRecord | undefined; until: number }>();
  #generation = 0;
  /** Audit records waiting for the next write (one statement for what arrives together). */
  #audits: PendingAudit[] | undefined;
  /** Starts the write of the waiting records before their time (a read of the log, a full batch, closing). */
  #writeNow: (() => void) | undefined;
  /** Audit writes under way, which a read of the log waits for. */
  readonly #writing = new Set<Promise<void>>();

  constructor(core: NodeCore) {
    this.#core = core;
  }

  get #store(): Store {
    return this.#core.store;
  }

  /** The credential `token` stands for now, or a 401 refusal naming why. */
  authenticate(token: unknown): Promise<CredentialRecord> {
    return authenticate({ getCredentialByHash: (hash) => this.#credential(hash) }, token, this.#core.now());
  }

  /** The credential whose token hashes to `hash`, read from the store at most every CREDENTIAL_CACHE_MS. */
  async #credential(hash: string): Promise<CredentialRecord | undefined> {
    const at = Date.now();
    const known = this.#credentials.get(hash);
    if (known !== undefined && known.until > at) return known.credential;
    const generation = this.#generation;
    const credential = await this.#store.getCredentialByHash(hash);
    // A reading that raced a change made here is used once, not kept.
    if (generation !== this.#generation) return credential;
    // Bounded: an attacker sending random tokens must not grow it without end.
    if (this.#credentials.size >= 1024) this.#credentials.clear();
    this.#credentials.set(hash, { credential, until: at + CREDENTIAL_CACHE_MS });
    return credential;
  }

  /** Drops every cached reading after a change to credentials made through this node. */
  #forget(): void {
    this.#generation++;
    this.#credentials.clear();
  }

  /** Throws unless `credential` may use `permission` (on `bilateral`). */
  authorize(credential: Grant, permission: Permission, bilateral?: string): void {
    authorize(credential, permission, bilateral);
  }

  inScope(credential: Grant, bilateral: string): boolean {
    return inScope(credential, bilateral);
  }

  /** Whether the credential may see a pledge made to `financier` in `bilateral` (a financier: only its own). */
  canSeePledge(credential: Grant, pledge: { bilateral: string; financier: string }): boolean {
    return canSeePledge(credential, pledge);
  }

  /** Issues a credential; its token is in the answer and nowhere else, ever. */
  async issue(request: Omit<IssueCredential, 'now'>): Promise<{ credential: CredentialView; token: string }> {
    const { credential, token } = await issueCredential(this.#store, { ...request, now: this.#core.now() });
    this.#forget();
    return { credential: credentialView(credential), token };
  }

  async list(): Promise<CredentialView[]> {
    return (await this.#store.listCredentials()).map(credentialView);
  }

  async revoke(id: string): Promise<CredentialView> {
    const revoked = await this.#store.revokeCredential(id, this.#core.now().toISOString());
    this.#forget();
    return credentialView(revoked ?? unknown(id));
  }

  /** Ends a credential's validity at `at` (default now). */
  async expire(id: string, at?: Date): Promise<CredentialView> {
    const when = (at ?? this.#core.now()).toISOString();
    const expired = await this.#store.expireCredential(id, when);
    this.#forget();
    return credentialView(expired ?? unknown(id));
  }

  /** Whether any credential exists (a node with none issues its first admin credential on start). */
  async any(): Promise<boolean> {
    return (await this.#store.listCredentials()).length > 0;
  }

  /**
   * Appends an audit record and resolves with its seq once it is written.
   * Records are written together, AUDIT_PACE_MS after the first of them (or
   * at once when AUDIT_BATCH wait): one statement and one commit for a burst
   * of requests, not one each — a commit a request cost a node a tenth of
   * its time when facts arrive one per request (BENCHMARKS.md). Should that
   * write fail, each is written on its own, so one record's fault is its own.
   */
  audit(record: Omit<AuditInput, 'at'>): Promise<number> {
    const full = { ...record, at: this.#core.now().toISOString() };
    return new Promise<number>((resolve, reject) => {
      if (this.#audits === undefined) {
        this.#audits = [];
        let due!: () => void;
        const start = new Promise<void>((go) => {
          due = go;
        });
        const timer = setTimeout(due, AUDIT_PACE_MS);
        this.#writeNow = () => {
          clearTimeout(timer);
          due();
        };
        const writing: Promise<void> = start
          .then(() => this.#writeAudits())
          .finally(() => this.#writing.delete(writing));
        this.#writing.add(writing);
      }
      this.#audits.push({ record: full, resolve, reject });
      if (this.#audits.length >= AUDIT_BATCH) this.#writeNow?.();
    });
  }

  /** Writes the audit records waiting now, and resolves when every record appended so far is written. */
  async flush(): Promise<void> {
    this.#writeNow?.();
    while (this.#writing.size > 0) await Promise.all([...this.#writing]);
  }

  async #writeAudits(): Promise<void> {
    const pending = this.#audits ?? [];
    this.#audits = undefined;
    this.#writeNow = undefined;
    try {
      const seqs = await this.#store.appendAudits(pending.map((p) => p.record));
      for (const [i, p] of pending.entries()) p.resolve(seqs[i]!);
    } catch {
      await Promise.all(pending.map((p) => this.#store.appendAudit(p.record).then(p.resolve, p.reject)));
    }
  }

  /** Audit records matching `query`, including every record appended before this call. */
  async log(query: AuditQuery): Promise<AuditRecord[]> {
    await this.flush();
    return this.#store.listAudit(query);
  }
}

function unknown(id: string): never {
  throw new AccessError('NOT_FOUND', `no credential ${id}`);
}
