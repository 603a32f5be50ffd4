/**
 * The store interface every engine implements (DESIGN.md decision 7). The node
 * talks only to this; SQLite and PostgreSQL are two engines behind one Kysely
 * schema. An entry is durable when `appendEntry` resolves.
 */
import type { EncodedUsage, UsageRecord } from '../core/index.ts';
import type {
  Agreement,
  Hash,
  JsonValue,
  SignedCheckpoint,
  SignedEntry,
  StreamPosition,
} from '../ledger/index.ts';

export interface BilateralRecord {
  readonly id: Hash;
  readonly agreement: Agreement;
  /** Which side this node is in the bilateral. */
  readonly role: 'seller' | 'buyer';
  /** The counterparty's node base URL, e.g. `http://127.0.0.1:7002`. */
  readonly peerEndpoint: string;
  readonly createdAt: string;
}

export interface StoredEntry {
  readonly signed: SignedEntry;
  readonly hash: Hash;
  readonly receivedAt: string;
}

export type AppendResult =
  /** Stored now. */
  | { readonly status: 'appended' }
  /** The very same entry (same hash) was already stored: nothing changed. */
  | { readonly status: 'duplicate' }
  /** A different entry with this author and seq is stored: equivocation. Nothing changed. */
  | { readonly status: 'conflict'; readonly existing: StoredEntry };

export interface Evidence {
  readonly id?: number;
  readonly bilateral: string;
  readonly author: string;
  readonly seq: number | null;
  /** The error code the entry was rejected with, e.g. `ENTRY_EQUIVOCATION`. */
  readonly code: string;
  readonly message: string;
  /** The rejected material exactly as received (JSON). */
  readonly payload: unknown;
  readonly receivedAt: string;
}

/** A checkpoint on its way to the shared ledger, or already there. */
export type AnchorStatus = 'queued' | 'sent' | 'mined';

export interface AnchorRecord {
  readonly bilateral: Hash;
  /** The anchor sequence: the checkpoint's height (sum of its heads' seqs). */
  readonly seq: number;
  /** `checkpointHash` of the co-signed checkpoint. */
  readonly value: Hash;
  readonly status: AnchorStatus;
  readonly attempts: number;
  /** Not before this time (RFC 3339) is a queued anchor sent again. */
  readonly nextAttemptAt: string;
  readonly lastError: string | null;
  readonly txHash: string | null;
  readonly blockNumber: number | null;
  readonly blockHash: string | null;
  readonly chainId: number | null;
  readonly contract: string | null;
  readonly queuedAt: string;
  /**
   * A later anchor sequence of the same bilateral that reached the chain
   * first: its checkpoint extends this one, so this one is covered and never
   * sent; the transaction and block fields are that anchor's.
   */
  readonly coveredBy: number | null;
  /** When the anchor had the confirmations the node asks for (null: not yet, or re-checked since). */
  readonly finalAt: string | null;
}

export interface AnchorMined {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly chainId: number;
  readonly contract: string;
}

export interface EntryLeaf {
  readonly author: string;
  readonly seq: number;
  readonly hash: Hash;
  readonly kind: string;
}

export interface AnchorKey {
  readonly bilateral: Hash;
  readonly seq: number;
}

export interface EntryRange {
  readonly author?: string;
  /** Only entries of these kinds. */
  readonly kinds?: readonly string[];
  readonly fromSeq?: number;
  readonly toSeq?: number;
  readonly limit?: number;
}

/** Which entries' leaves to read: one author's stream, between seqs (inclusive). */
export type LeafRange = Pick<EntryRange, 'author' | 'fromSeq' | 'toSeq'>;

/** A usage record as stored: the record, and the batch entry and position it belongs to. */
export interface StoredUsage {
  readonly record: UsageRecord;
  readonly batchSeq: number;
  readonly position: number;
}

/**
 * Which of an author's usage records to list, in (at, id) order. Page with
 * `after`: the `at` and `id` of the last record of the previous page.
 */
export interface UsageQuery {
  readonly service?: string;
  /** Inclusive, RFC 3339 UTC. */
  readonly from?: string;
  /** Exclusive, RFC 3339 UTC. */
  readonly to?: string;
  readonly batchSeq?: number;
  readonly after?: { readonly at: string; readonly id: string };
  /** At most this many (1 to 10,000). */
  readonly limit: number;
}

/**
 * The roles a credential may hold on the owner API (DESIGN.md decision 8).
 * What each may do is the node's business (src/node/access/roles.ts); the
 * store only keeps the name, and migration 0006 holds the same list.
 */
export const credentialRoles = ['admin', 'operator', 'finance', 'auditor', 'financier'] as const;
export type CredentialRole = (typeof credentialRoles)[number];

/**
 * A credential of the owner API. The secret itself is never stored, only its
 * SHA-256. Timestamps here and in the other access tables are in the form
 * `Date.prototype.toISOString()` writes (`2026-01-02T03:04:05.000Z`), so
 * they compare correctly as text on both engines.
 */
export interface CredentialRecord {
  /** Short public id (also inside the token), e.g. `3f9a0c1b2d4e`. */
  readonly id: string;
  readonly name: string;
  readonly role: CredentialRole;
  /** null: every bilateral; else only these bilateral ids. */
  readonly bilaterals: readonly string[] | null;
  /** For role `financier`: the financier party whose pledges it may see; null for the other roles. */
  readonly party: string | null;
  /** SHA-256 (hex) of the whole token. */
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  /** Who created it: a credential id, `cli:<user>`, or null. */
  readonly createdBy: string | null;
}

export const auditOutcomes = ['ok', 'refused'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

/** One change (or refused attempt) on the owner API or through `sb`, as the audit log keeps it. */
export interface AuditInput {
  readonly at: string;
  /** A credential id, `cli:<user>`, or `system`. */
  readonly actor: string;
  /** What was asked, e.g. `facts.record`, `credentials.create`. */
  readonly action: string;
  readonly bilateral: string | null;
  /** A summary of the request (JSON; never a secret). */
  readonly request: unknown;
  /** What resulted, e.g. the references of the entries written (JSON). */
  readonly result: unknown;
  readonly outcome: AuditOutcome;
  /** The error code of a refusal; null when `ok`. */
  readonly code: string | null;
}

export interface AuditRecord extends AuditInput {
  /** Position in the log, from 1, increasing. */
  readonly seq: number;
}

/** An event to record: what an entry this node now holds means to its owner (notifications). */
export interface EventInput {
  readonly at: string;
  readonly bilateral: string;
  readonly author: string;
  /** The entry's seq in its author's stream. */
  readonly entrySeq: number;
  readonly hash: string;
  /** `fact.recorded`, `payment.recorded`, `invoice.issued`, … */
  readonly type: string;
  /** A JSON summary of the entry. */
  readonly data: unknown;
}

export interface EventRecord extends EventInput {
  /** Position in this node's feed, from 1, increasing. */
  readonly seq: number;
}

/** Which events to read, in seq order. */
export interface EventQuery {
  /** Events after this seq (exclusive; default 0). */
  readonly after?: number;
  /** 1 to 1,000. */
  readonly limit: number;
  /** Only these bilaterals (a scoped credential's); all when absent. */
  readonly bilaterals?: readonly string[];
  /** Only these types; all when absent. */
  readonly types?: readonly string[];
}

/** A webhook of the hub: where to deliver which events, signed with `secret`. */
export interface SubscriptionRecord {
  readonly id: string;
  readonly callback: string;
  readonly query: {
    readonly types?: readonly string[];
    readonly bilaterals?: readonly string[];
    /**
     * How events are delivered: absent, each event as it is (`x-sb-*` headers);
     * else the name of a format the node registered (a Sonata hub's), which
     * turns each event into zero or more listener calls, of `events` only.
     */
    readonly format?: string;
    readonly events?: readonly string[];
  };
  readonly secret: string;
  readonly createdAt: string;
  /** The credential that made it. */
  readonly createdBy: string;
  /** The last event delivered (0: none yet). */
  readonly cursor: number;
  /** Failed deliveries in a row. */
  readonly failures: number;
  /** When to try next. */
  readonly nextAt: string;
  readonly lastError: string | null;
}

/** The kinds of resource pool (migration 0010). */
export const resourcePoolKinds = ['capacity', 'vlan', 'prefix'] as const;

/**
 * A resource pool a Seller's node declared (migration 0010): its kind and the
 * kind's fields (`spec`, checked by the resources capability), when it was
 * declared and last changed.
 */
/** A unique resource being committed on the chain for an order not yet signed. */
export interface ResourceClaimRecord {
  /** `0x` + 64 hex: the fingerprint committed on the chain. */
  readonly fingerprint: string;
  readonly bilateral: string;
  readonly name: string;
  readonly claimedAt: string;
}

export interface ResourcePoolRecord {
  readonly id: string;
  readonly kind: (typeof resourcePoolKinds)[number];
  readonly spec: JsonValue;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A netting agreement this node took part in (migration 0009): a settlement
 * statement between two parties, or a round over a group's statements, with
 * the signatures gathered so far and its own progress (a round's payments).
 */
export interface NettingAgreementRecord {
  /** SHA-256 of the document's canonical JSON. */
  readonly hash: string;
  readonly type: 'settlement' | 'round';
  /** The round a statement is an input to, or a round's own id; null for a statement standing alone. */
  readonly round: string | null;
  readonly document: JsonValue;
  /** Party → signature of the document. */
  readonly signatures: Readonly<Record<string, string>>;
  /** JSON the capability owns (e.g. a round's payments as paid and received). */
  readonly progress: JsonValue;
  readonly createdAt: string;
  /** When the last signature came; null while signatures are missing. */
  readonly agreedAt: string | null;
}

/** Which audit records to read, in seq order. */
export interface AuditQuery {
  readonly bilateral?: string;
  readonly actor?: string;
  /** Inclusive. */
  readonly fromSeq?: number;
  /** 1 to 1,000. */
  readonly limit: number;
}

export const peerSources = ['pinned', 'chain'] as const;
export type PeerSource = (typeof peerSources)[number];
export const peerPolicies = ['approve', 'accept'] as const;
export type PeerPolicy = (typeof peerPolicies)[number];

/** A counterparty the node trusts: its Ed25519 key and endpoint, and what to do with its proposals. */
export interface PeerRecord {
  readonly party: string;
  /** base64url of the raw 32-byte Ed25519 public key. */
  readonly key: string;
  readonly endpoint: string;
  /** Pinned by the operator (`sb peers add`) or read from the chain's party registry. */
  readonly source: PeerSource;
  /** `approve`: its proposals wait for the operator; `accept`: they are taken at once. */
  readonly policy: PeerPolicy;
  readonly addedAt: string;
}

export const proposalStatuses = ['pending', 'accepted', 'declined'] as const;
export type ProposalStatus = (typeof proposalStatuses)[number];

/** A counterparty's proposal of a new bilateral, held until the operator decides. */
export interface ProposalRecord {
  /** The id of the bilateral it would create. */
  readonly id: string;
  /** The proposing party. */
  readonly party: string;
  readonly receivedAt: string;
  /** The proposal as received (JSON). */
  readonly proposal: unknown;
  readonly status: ProposalStatus;
  /** When it was accepted or declined; null while pending. */
  readonly decidedAt: string | null;
}

export interface Store {
  /** Brings the schema to the latest migration. Safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Resolves once every entry committed so far is on disk. On SQLite a
   * commit is visible to reads a moment before the fsync that makes it
   * durable (wal-sync.ts); whatever sends entries off the node (a push, a
   * page for the counterparty) reads them, then awaits this, so no other
   * party ever holds an entry a power loss could take back here (its author
   * would sign another entry at the same seq: a fork).
   */
  durable(): Promise<void>;

  putBilateral(record: BilateralRecord): Promise<void>;
  getBilateral(id: Hash): Promise<BilateralRecord | undefined>;
  listBilaterals(): Promise<BilateralRecord[]>;

  /**
   * Appends the author's next entry. Atomic and idempotent by (bilateral, author, seq).
   * Throws `BilateralError` code `STORE_NOT_NEXT` when `seq` is not head + 1 or `prev`
   * is not the head's hash (the store never holds a broken stream).
   */
  appendEntry(entry: StoredEntry): Promise<AppendResult>;
  /**
   * Appends a run of entries in one transaction, each checked as by
   * `appendEntry`; `STORE_NOT_NEXT` anywhere rolls back the whole run.
   */
  appendEntries(entries: readonly StoredEntry[]): Promise<AppendResult[]>;
  /** (author, seq, hash, kind) of the entries in `range`, in (author, seq) order, without the envelopes. */
  entryLeaves(bilateral: Hash, range?: LeafRange): Promise<EntryLeaf[]>;
  getEntry(bilateral: Hash, author: string, seq: number): Promise<StoredEntry | undefined>;
  /** Entries in (author, seq) order; with `author`, that stream only. */
  listEntries(bilateral: Hash, range?: EntryRange): Promise<StoredEntry[]>;
  head(bilateral: Hash, author: string): Promise<StreamPosition | undefined>;
  /** The heads of two streams, read together in one statement (one snapshot): [first's, second's]. */
  heads(
    bilateral: Hash,
    authors: readonly [string, string],
  ): Promise<[StreamPosition | undefined, StreamPosition | undefined]>;

  putEvidence(evidence: Evidence): Promise<void>;
  listEvidence(bilateral: Hash): Promise<Evidence[]>;

  putCheckpoint(checkpoint: SignedCheckpoint): Promise<void>;
  listCheckpoints(bilateral: Hash): Promise<SignedCheckpoint[]>;

  /** Queues a checkpoint for anchoring; a no-op when (bilateral, seq) is already queued or anchored. */
  enqueueAnchor(anchor: { bilateral: Hash; seq: number; value: Hash; queuedAt: string }): Promise<void>;
  /** Queued anchors whose next attempt is due at `now`, oldest first. */
  dueAnchors(now: string, limit: number): Promise<AnchorRecord[]>;
  /** Anchors in state `sent` (a transaction is out, its receipt not yet recorded). */
  sentAnchors(): Promise<AnchorRecord[]>;
  markAnchorsSent(keys: readonly AnchorKey[], txHash: string): Promise<void>;
  markAnchorsMined(keys: readonly AnchorKey[], mined: AnchorMined): Promise<void>;
  /** Back to `queued` with one more attempt counted and the next attempt at `nextAttemptAt`. */
  markAnchorsFailed(keys: readonly AnchorKey[], error: string, nextAttemptAt: string): Promise<void>;
  /** Marks mined anchors final at `at` (they had their confirmations). */
  markAnchorsFinal(keys: readonly AnchorKey[], at: string): Promise<void>;
  /** Marks an anchor covered by the later anchor `by`, mined as `mined` (not final yet). */
  markAnchorCovered(key: AnchorKey, by: number, mined: AnchorMined): Promise<void>;
  /** Puts anchors the chain no longer holds back in the queue, due at `at`, saying why. */
  requeueAnchors(keys: readonly AnchorKey[], reason: string, at: string): Promise<void>;
  /** Anchors in state `mined` (covered or not), by bilateral and seq; only those not final yet with `notFinal`. */
  minedAnchors(options?: { readonly notFinal?: boolean }): Promise<AnchorRecord[]>;
  getAnchor(bilateral: Hash, seq: number): Promise<AnchorRecord | undefined>;
  listAnchors(bilateral: Hash): Promise<AnchorRecord[]>;

  /**
   * Appends the author's next entry, as `appendEntry`, and stores `records`
   * as its usage batch (positions 0…n-1) in the same transaction: after a
   * crash either both are there or neither. When the entry is already stored
   * (`duplicate`), nothing is written; a record id the author already has
   * fails the whole append with `STORE_USAGE_CONFLICT`. `records` may come
   * already encoded (`EncodedUsage`: ids, UTF-8 texts and time range), as
   * the importer builds them; they are then written as they are.
   */
  appendEntryWithUsage(
    entry: StoredEntry,
    records: readonly UsageRecord[] | EncodedUsage,
  ): Promise<AppendResult>;
  /**
   * Stores the records of the author's batch entry `batchSeq` (e.g. received
   * from the counterparty), all or nothing. The same batch again is a no-op;
   * a record id stored under another batch fails with `STORE_USAGE_CONFLICT`.
   */
  putUsageBatch(
    bilateral: Hash,
    author: string,
    batchSeq: number,
    records: readonly UsageRecord[],
  ): Promise<void>;
  /** Which of `ids` the author has stored, each with the seq of its batch entry. */
  hasUsageIds(bilateral: Hash, author: string, ids: readonly string[]): Promise<Map<string, number>>;
  /** The author's records matching `query`, in (at, id) order. */
  usageRecords(bilateral: Hash, author: string, query: UsageQuery): Promise<StoredUsage[]>;
  /** The records of one batch in position order (what its Merkle root is over); empty when not stored. */
  usageBatchRecords(bilateral: Hash, author: string, batchSeq: number): Promise<UsageRecord[]>;
  /** How many records of one batch are stored (0: not held), without reading them. */
  usageBatchCount(bilateral: Hash, author: string, batchSeq: number): Promise<number>;

  /** Stores a new credential. The same record again is a no-op; another one with its id or token hash fails with `STORE_CREDENTIAL_CONFLICT`. */
  putCredential(credential: CredentialRecord): Promise<void>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;
  getCredentialByHash(tokenHash: string): Promise<CredentialRecord | undefined>;
  /** Every credential, oldest first. */
  listCredentials(): Promise<CredentialRecord[]>;
  /** Revokes it at `at` (a revoked credential stays revoked at its first time); undefined when there is no such credential. */
  revokeCredential(id: string, at: string): Promise<CredentialRecord | undefined>;
  /** Makes it expire at `at`, unless it already expires earlier (an expiry is never pushed back); undefined when unknown. */
  expireCredential(id: string, at: string): Promise<CredentialRecord | undefined>;

  /** Appends to the audit log; returns the record's seq. */
  appendAudit(record: AuditInput): Promise<number>;
  /** Appends many records at once (all checked first: one bad record appends none); returns their seqs in order. */
  appendAudits(records: readonly AuditInput[]): Promise<number[]>;
  /** Audit records matching `query`, in seq order. */
  listAudit(query: AuditQuery): Promise<AuditRecord[]>;

  /** Records events; one for an entry already recorded is left out. Returns how many were new. */
  appendEvents(events: readonly EventInput[]): Promise<number>;
  /** Per stream (`bilateral` + '\n' + `author`): the last entry seq with an event. */
  eventHeads(): Promise<Map<string, number>>;
  /** Events matching `query`, in seq order. */
  listEvents(query: EventQuery): Promise<EventRecord[]>;
  /** The last event's seq (0 when there is none). */
  lastEventSeq(): Promise<number>;
  /** Adds a webhook subscription. */
  putSubscription(subscription: SubscriptionRecord): Promise<void>;
  listSubscriptions(): Promise<SubscriptionRecord[]>;
  /** Removes a subscription; false when there is none with that id. */
  deleteSubscription(id: string): Promise<boolean>;
  /** Records a delivery's outcome: the new cursor, failures in a row, when to try next and why it failed. */
  updateSubscription(
    id: string,
    state: Pick<SubscriptionRecord, 'cursor' | 'failures' | 'nextAt' | 'lastError'>,
  ): Promise<void>;

  /** Adds a resource pool, or replaces its spec and update time (its kind and creation time stay). */
  putResourcePool(record: ResourcePoolRecord): Promise<void>;
  getResourcePool(id: string): Promise<ResourcePoolRecord | undefined>;
  /** Every pool, by id. */
  listResourcePools(): Promise<ResourcePoolRecord[]>;

  /** Records unique resources about to be committed on the chain for an order not yet signed (durably). */
  putResourceClaims(claims: readonly ResourceClaimRecord[]): Promise<void>;
  /** Forgets claims (the order stored, or the commitment given back); unknown ones are ignored. */
  deleteResourceClaims(
    claims: readonly Pick<ResourceClaimRecord, 'fingerprint' | 'bilateral'>[],
  ): Promise<void>;
  /** Every claim still recorded, oldest first. */
  listResourceClaims(): Promise<ResourceClaimRecord[]>;

  /** Adds a netting agreement, or replaces its signatures, progress and agreement time (the document never changes). */
  putNettingAgreement(record: NettingAgreementRecord): Promise<void>;
  getNettingAgreement(hash: string): Promise<NettingAgreementRecord | undefined>;
  /** Agreements, oldest first; with `type` or `round`, only those. */
  listNettingAgreements(query?: {
    readonly type?: NettingAgreementRecord['type'];
    readonly round?: string;
  }): Promise<NettingAgreementRecord[]>;

  /** Adds or replaces the directory entry of `peer.party`. */
  putPeer(peer: PeerRecord): Promise<void>;
  getPeer(party: string): Promise<PeerRecord | undefined>;
  /** Every peer, by party. */
  listPeers(): Promise<PeerRecord[]>;
  /** True when an entry was removed. */
  removePeer(party: string): Promise<boolean>;

  /** Stores a pending proposal; true when new, false when one with its id is held already (kept as it is). */
  putProposal(proposal: Omit<ProposalRecord, 'status' | 'decidedAt'>): Promise<boolean>;
  getProposal(id: string): Promise<ProposalRecord | undefined>;
  /** Proposals, oldest first; with `status`, only those. */
  listProposals(query?: { readonly status?: ProposalStatus }): Promise<ProposalRecord[]>;
  /** How many of `party`'s proposals are pending. */
  countPendingProposals(party: string): Promise<number>;
  /**
   * Decides a pending proposal, atomically: true when it was pending and now
   * has `status`; false when unknown or already decided (a decision is final).
   */
  setProposalStatus(id: string, status: Exclude<ProposalStatus, 'pending'>, at: string): Promise<boolean>;

  /**
   * Remembers a peer request's nonce until `expiresAt`: true when new, false
   * when `party` already used it (a replay). Atomic on both engines: of two
   * concurrent calls with the same nonce exactly one gets true.
   */
  rememberNonce(party: string, nonce: string, expiresAt: string): Promise<boolean>;
  /** Forgets nonces that expired at or before `now`; returns how many. */
  pruneNonces(now: string): Promise<number>;

  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}
