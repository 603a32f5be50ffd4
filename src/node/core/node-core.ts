/**
 * The node's core: who this party is, its store, and the one writer of its
 * own entries. Capabilities (facts, usage, invoices, checkpoints, proofs, …)
 * are modules over this core; none of them signs with the party's key or
 * appends to its stream except through it.
 *
 * Design rationale:
 * - Writes to one bilateral run one at a time (`serially`): an own entry's
 *   seq and prev are read and the entry stored inside the same turn, so two
 *   writers never race for a seq.
 * - The key never leaves the core: capabilities ask it to sign entries,
 *   checkpoints and agreements, by type.
 * - Reactions to the counterparty's entries (answering an invoice) are
 *   registered by the capability that owns the kind (`onReceived`), so the
 *   replication code knows no kind by name.
 */
import { BilateralError } from '../../core/index.ts';
import { bodyValidators, type EntryKind } from '../../kinds/index.ts';
import {
  type Checkpoint,
  checkBody,
  type Entry,
  type Hash,
  type JsonValue,
  type KeyPair,
  type KeyRotation,
  type StreamPosition,
  signAgreement,
  signAndHashEntry,
  signCheckpoint,
  signIn,
  signKeyRotation,
} from '../../ledger/index.ts';
import type { Store, StoredEntry } from '../../store/index.ts';
import { NodeError } from '../errors.ts';
import { type FetchLike, PeerClient } from '../peer-client.ts';
import { type BilateralContext, contextOf, KEY_ROTATION_KIND } from './context.ts';
import { SerialQueue } from './serial.ts';

export interface NodeCoreOptions {
  readonly party: string;
  readonly keys: KeyPair;
  readonly store: Store;
  /** This node's base URL as its counterparts reach it. */
  readonly endpoint: string;
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** How peer requests travel; default `fetch` (tests pass an in-memory transport). */
  readonly fetch?: FetchLike;
}

/** The heads an own entry is signed after: our stream's, and the counterparty's that it has seen. */
export interface OwnHeads {
  readonly own: StreamPosition | undefined;
  readonly seen: StreamPosition | null;
}

/** Records already usage-encoded or as objects, stored with their batch entry in one transaction. */
export type EntryRecords = Parameters<Store['appendEntryWithUsage']>[1];

export class NodeCore {
  readonly party: string;
  readonly store: Store;
  endpoint: string;
  readonly now: () => Date;
  readonly log: (line: string) => void;
  readonly peer: PeerClient;
  #keys: KeyPair;
  /** The key pair being rotated away from, while some streams have no `party.key` entry yet. */
  #previous: KeyPair | undefined;
  readonly #serial = new SerialQueue();
  readonly #contexts = new Map<string, BilateralContext>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #received = new Map<string, ((id: string) => void)[]>();
  readonly #synced: ((id: string) => void)[] = [];
  #endpointOf: (party: string) => Promise<string | undefined> = async () => undefined;
  #peerHeaders: () => Readonly<Record<string, string>> = () => ({});

  constructor(options: NodeCoreOptions) {
    this.party = options.party;
    this.store = options.store;
    this.endpoint = options.endpoint;
    this.#keys = options.keys;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => {});
    const core = this;
    this.peer = new PeerClient({
      party: this.party,
      // Read at each request: a key rotation takes effect for the next one.
      get keys() {
        return core.#keys;
      },
      now: this.now,
      headers: () => this.#peerHeaders(),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  get publicKey(): string {
    return this.#keys.publicKey;
  }

  /** The key pair new entries are signed with (for the key file; never sent anywhere). */
  currentKeys(): KeyPair {
    return this.#keys;
  }

  // ── bilaterals ────────────────────────────────────────────────────────────

  async tryContext(id: string): Promise<BilateralContext | undefined> {
    const cached = this.#contexts.get(id);
    if (cached !== undefined) return cached;
    const record = await this.store.getBilateral(id);
    if (record === undefined) return undefined;
    const rotations = await this.store.listEntries(id, { kinds: [KEY_ROTATION_KIND] });
    const context = contextOf(record, this.party, rotations);
    this.#contexts.set(id, context);
    return context;
  }

  async context(id: string): Promise<BilateralContext> {
    const context = await this.tryContext(id);
    if (context === undefined) throw new NodeError('NOT_FOUND', `no bilateral ${id}`);
    return context;
  }

  /** Headers every peer request of this node carries (set by the key capability: its rotation chain). */
  peerHeaders(headers: () => Readonly<Record<string, string>>): void {
    this.#peerHeaders = headers;
  }

  /** Where the directory says a party's node is (set by the peering capability). */
  resolveEndpoint(endpointOf: (party: string) => Promise<string | undefined>): void {
    this.#endpointOf = endpointOf;
  }

  /**
   * A signed peer request to the counterparty's node of `context`, at the
   * endpoint the directory names for it now; a party no longer in the
   * directory is not called at all.
   */
  async toCounterparty<T>(
    context: BilateralContext,
    method: 'GET' | 'POST',
    path: string,
    payload?: unknown,
  ) {
    const endpoint = await this.#endpointOf(context.counterparty.id);
    if (endpoint === undefined) {
      throw new NodeError('PEER_UNKNOWN', `${context.counterparty.id} is not in this node's directory`);
    }
    return this.peer.request<T>(endpoint, method, path, payload);
  }

  // ── the one writer of own entries ─────────────────────────────────────────

  /** Runs `task` with no other write to bilateral `id` in between. */
  serially<T>(id: string, task: () => Promise<T>): Promise<T> {
    return this.#serial.run(id, task);
  }

  /** Both heads of `context`'s streams as stored now: ours, and the counterparty's (the `seen` of our next entry). */
  async heads(context: BilateralContext): Promise<OwnHeads> {
    const [own, seen] = await this.store.heads(context.id, [this.party, context.counterparty.id]);
    return { own, seen: seen ?? null };
  }

  /**
   * Signs and stores our next entry (with its usage records in the same
   * transaction when given). Call inside `serially`; `heads`, when the
   * caller read them in the same turn, saves reading them again.
   */
  async appendOwn(
    context: BilateralContext,
    kind: EntryKind,
    body: JsonValue,
    records?: EntryRecords,
    heads?: OwnHeads,
  ): Promise<StoredEntry> {
    const { own: head, seen } = heads ?? (await this.heads(context));
    const stored = this.#signOwn(context, head, seen, kind, body, false);
    const result =
      records === undefined
        ? await this.store.appendEntry(stored)
        : await this.store.appendEntryWithUsage(stored, records);
    requireAppended([result], [stored]);
    return stored;
  }

  /**
   * Signs bodies already checked by the caller as a chain from our head and
   * stores them in one transaction. Call inside `serially`.
   */
  async appendOwnChecked(
    context: BilateralContext,
    kind: EntryKind,
    bodies: readonly JsonValue[],
    heads?: OwnHeads,
  ): Promise<StoredEntry[]> {
    let { own: head, seen } = heads ?? (await this.heads(context));
    const out: StoredEntry[] = [];
    for (const body of bodies) {
      const stored = this.#signOwn(context, head, seen, kind, body, true);
      out.push(stored);
      head = { seq: stored.signed.entry.seq, hash: stored.hash };
    }
    requireAppended(await this.store.appendEntries(out), out);
    return out;
  }

  #signOwn(
    context: BilateralContext,
    head: StreamPosition | undefined,
    seen: StreamPosition | null,
    kind: EntryKind,
    body: JsonValue,
    prechecked: boolean,
  ): StoredEntry {
    const entry: Entry = {
      bilateral: context.id,
      author: this.party,
      seq: (head?.seq ?? 0) + 1,
      prev: head?.hash ?? context.id,
      seen,
      kind,
      body,
      recordedAt: this.now().toISOString(),
    };
    if (!prechecked) checkBody(entry, bodyValidators(context.terms, this.party, context.id));
    const { signed, hash } = signAndHashEntry(entry, this.#keysFor(context, kind));
    return { signed, hash, receivedAt: entry.recordedAt };
  }

  /**
   * The key pair our next entry in `context` is signed with: the key our
   * stream there currently names. While a rotation is under way, a stream
   * without its `party.key` entry yet still names the previous key — and the
   * `party.key` entry itself is that key's last signature.
   */
  #keysFor(context: BilateralContext, kind: string): KeyPair {
    const named = context.keys.get(this.party);
    if (this.#previous !== undefined && (named === this.#previous.publicKey || kind === KEY_ROTATION_KIND)) {
      return this.#previous;
    }
    return this.#keys;
  }

  /**
   * Signs the rotation statement from the current key to `next` with the
   * current key (the `key-rotation` domain); answers it with the key pair
   * being retired, which the caller keeps until every stream has rotated.
   */
  rotationTo(next: KeyPair): { statement: KeyRotation; sig: string; previous: KeyPair } {
    const statement = { party: this.party, oldKey: this.#keys.publicKey, newKey: next.publicKey };
    return { statement, sig: signKeyRotation(statement, this.#keys), previous: this.#keys };
  }

  /**
   * Signs with `next` from now on, except in streams still naming
   * `previous` (until their `party.key` entry, which `previous` signs).
   * Without `previous`, the rotation is complete.
   */
  useKeys(next: KeyPair, previous?: KeyPair): void {
    this.#previous = previous;
    this.#keys = next;
  }

  // ── other signatures, by type ─────────────────────────────────────────────

  /** Our co-signature of a checkpoint of `context`, with the key our stream there names. */
  signCheckpoint(context: BilateralContext, checkpoint: Checkpoint): string {
    return signCheckpoint(checkpoint, this.#keysFor(context, 'checkpoint'));
  }

  signAgreement(id: Hash): string {
    return signAgreement(id, this.#keys);
  }

  /** Our signature of a netting agreement (a settlement statement or a round) with our current key. */
  signNetting(document: JsonValue): string {
    return signIn('netting', document, this.#keys);
  }

  // ── reactions and background work ─────────────────────────────────────────

  /** Calls `handler(bilateral)` after entries of `kind` from the counterparty were stored. */
  onReceived(kind: string, handler: (id: string) => void): void {
    this.#received.set(kind, [...(this.#received.get(kind) ?? []), handler]);
  }

  /** Calls `handler(bilateral)` after each sync round with the counterparty. */
  onSynced(handler: (id: string) => void): void {
    this.#synced.push(handler);
  }

  /** Runs the handlers of the kinds just received. */
  received(id: string, kinds: ReadonlySet<string>): void {
    for (const kind of kinds) for (const handler of this.#received.get(kind) ?? []) handler(id);
  }

  synced(id: string): void {
    for (const handler of this.#synced) handler(id);
  }

  /** Runs `task` after the current turn; `idle()` waits for it. Failures are logged, never thrown. */
  schedule(task: () => Promise<void>): void {
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((error: unknown) =>
        this.log(
          `background task failed: ${error instanceof BilateralError ? error.code : ''} ${String(error)}`,
        ),
      )
      .finally(() => this.#background.delete(running));
    this.#background.add(running);
  }

  /** Resolves when background work (answering invoices, their pushes) has finished. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }
}

export function short(hash: string): string {
  return hash.slice(0, 12);
}

/**
 * Throws when an entry was not stored because another is at its seq. Another writer on the store
 * (which only this node should write) may have taken the seq between the
 * head read and the append: the store then answers "conflict" and keeps
 * its entry, and the caller must not be told its entry is recorded.
 */
function requireAppended(
  results: readonly { readonly status: string }[],
  entries: readonly StoredEntry[],
): void {
  results.forEach((result, i) => {
    if (result.status === 'conflict') {
      const { author, seq } = entries[i]!.signed.entry;
      throw new NodeError(
        'STATE_DIFFERS',
        `${author} #${seq} is taken in the store by another writer: nothing recorded`,
      );
    }
  });
}
