/**
 * The one Kysely schema both engines share (DESIGN.md decision 7). Every JSON
 * document is kept as text, exactly as `JSON.stringify` wrote it, so SQLite and
 * PostgreSQL hand back the same bytes; timestamps are RFC 3339 text for the same
 * reason. `seq` is an integer (a stream tops out at 2^31 - 1 entries, the
 * PostgreSQL `integer` range, which keeps it a JS number on both engines).
 */
import type { Generated } from 'kysely';

export interface BilateralsTable {
  readonly id: string;
  /** `Agreement` as JSON text. */
  readonly agreement: string;
  readonly role: 'seller' | 'buyer';
  readonly peer_endpoint: string;
  readonly created_at: string;
}

export interface EntriesTable {
  readonly bilateral: string;
  readonly author: string;
  readonly seq: number;
  readonly hash: string;
  readonly prev: string;
  readonly kind: string;
  /** The whole `SignedEntry` as JSON text. */
  readonly envelope: string;
  readonly recorded_at: string;
  readonly received_at: string;
}

export interface EvidenceTable {
  readonly id: Generated<number>;
  readonly bilateral: string;
  readonly author: string;
  readonly seq: number | null;
  readonly code: string;
  readonly message: string;
  /** The rejected material as JSON text. */
  readonly payload: string;
  readonly received_at: string;
}

export interface CheckpointsTable {
  readonly bilateral: string;
  /** SHA-256 (hex) of the checkpoint's heads, see `headsId`: one checkpoint per set of heads. */
  readonly heads_id: string;
  /** Sum of the heads' seqs; a later checkpoint always has a greater height. */
  readonly height: number;
  readonly state_hash: string;
  /** The whole `SignedCheckpoint` as JSON text. */
  readonly signed: string;
}

export interface MetaTable {
  readonly key: string;
  readonly value: string;
}

export interface AnchorsTable {
  readonly bilateral: string;
  readonly seq: number;
  readonly value: string;
  readonly status: 'queued' | 'sent' | 'mined';
  readonly attempts: number;
  readonly next_attempt_at: string;
  readonly last_error: string | null;
  readonly tx_hash: string | null;
  readonly block_number: number | null;
  readonly block_hash: string | null;
  readonly chain_id: number | null;
  readonly contract: string | null;
  readonly queued_at: string;
  /** Migration 0007: the later anchor sequence whose anchor covers this checkpoint (its own was not sent). */
  readonly covered_by: number | null;
  /** Migration 0007: when the anchor (or the one covering it) had its confirmations. */
  readonly final_at: string | null;
}

/** One (bilateral, author) whose usage records are stored (migration 0004): the usage tables' small integer key. */
export interface UsageStreamsTable {
  readonly id: Generated<number>;
  readonly bilateral: string;
  /** The party whose stream holds the batch entries. */
  readonly author: string;
}

/**
 * The usage records of one `usage.batch` entry (migration 0005, which replaced
 * 0004's row per record); the entry carries the batch's Merkle root.
 */
export interface UsageBatchesTable {
  /** `usage_streams.id` of (bilateral, author). */
  readonly stream: number;
  /** The seq of the author's `usage.batch` entry. */
  readonly batch_seq: number;
  /** How many records; at least 1 (an empty batch has no row). */
  readonly count: number;
  /** The least and the greatest record `at`, as ms since the epoch (`usageInstant`). Strings when PostgreSQL reads them back (bigint). */
  readonly from_at: number | string;
  readonly to_at: number | string;
  /**
   * The records' canonical JSON (`usageRecordJson`, what each leaf hashes) in
   * position order, joined by '\n' (which canonical JSON always escapes).
   * SQLite holds it as a blob of its UTF-8 when the store wrote it, as text
   * when migration 0005 moved it (`recordsText` reads either).
   */
  readonly records: string | Uint8Array;
}

/** Where each usage record id of a stream is (migration 0005): deduplication and lookup by id. */
export interface UsageIdsTable {
  readonly stream: number;
  readonly id: string;
  readonly batch_seq: number;
  /** Index of the record in its batch (its Merkle leaf index). */
  readonly position: number;
}

/** Owner API credentials (migration 0006). */
export interface CredentialsTable {
  readonly id: string;
  readonly name: string;
  readonly role: 'admin' | 'operator' | 'finance' | 'auditor' | 'financier';
  /** JSON text of the bilateral ids it is scoped to; null: all. */
  readonly bilaterals: string | null;
  readonly party: string | null;
  readonly token_hash: string;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly revoked_at: string | null;
  readonly created_by: string | null;
}

/** The audit log (migration 0006): append-only, `seq` gives the order. */
export interface AuditTable {
  readonly seq: Generated<number>;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly bilateral: string | null;
  /** JSON text. */
  readonly request: string;
  /** JSON text. */
  readonly result: string;
  readonly outcome: 'ok' | 'refused';
  readonly code: string | null;
}

/** Notifications (migration 0008): one event per entry this node holds, in the order it came to hold them. */
export interface EventsTable {
  readonly seq: Generated<number>;
  readonly at: string;
  readonly bilateral: string;
  readonly author: string;
  readonly entry_seq: number;
  readonly hash: string;
  readonly type: string;
  /** JSON text. */
  readonly data: string;
}

/** The webhooks of the hub (migration 0008). */
export interface SubscriptionsTable {
  readonly id: string;
  readonly callback: string;
  /** JSON text: `{ types?, bilaterals? }`. */
  readonly query: string;
  readonly secret: string;
  readonly created_at: string;
  readonly created_by: string;
  /** The last event delivered (0: none yet). */
  readonly cursor: number;
  readonly failures: number;
  readonly next_at: string;
  readonly last_error: string | null;
}

/** Netting agreements a node took part in (migration 0009). */
export interface ResourcePoolsTable {
  readonly id: string;
  readonly kind: 'capacity' | 'vlan' | 'prefix';
  /** JSON text: the kind's fields. */
  readonly spec: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** Unique resources being committed on the chain for an order not yet signed (migration 0011). */
export interface ResourceClaimsTable {
  /** `0x` + the fingerprint committed on the chain. */
  readonly fingerprint: string;
  readonly bilateral: string;
  /** The resource's name (`vlan:<pool>:<id>`, …), for the operator's log. */
  readonly name: string;
  readonly claimed_at: string;
}

export interface NettingAgreementsTable {
  readonly hash: string;
  readonly type: 'settlement' | 'round';
  readonly round: string | null;
  /** JSON text. */
  readonly document: string;
  /** JSON text: party → signature. */
  readonly signatures: string;
  /** JSON text. */
  readonly progress: string;
  readonly created_at: string;
  readonly agreed_at: string | null;
}

/** The peer directory (migration 0006). */
export interface PeersTable {
  readonly party: string;
  readonly key: string;
  readonly endpoint: string;
  readonly source: 'pinned' | 'chain';
  readonly policy: 'approve' | 'accept';
  readonly added_at: string;
}

/** Counterparties' proposals of new bilaterals (migration 0006). */
export interface ProposalsTable {
  readonly id: string;
  readonly party: string;
  readonly received_at: string;
  /** JSON text. */
  readonly proposal: string;
  readonly status: 'pending' | 'accepted' | 'declined';
  readonly decided_at: string | null;
}

/** Nonces of peer requests, held until they expire (migration 0006). */
export interface PeerNoncesTable {
  readonly party: string;
  readonly nonce: string;
  readonly expires_at: string;
}

export interface Database {
  readonly bilaterals: BilateralsTable;
  readonly entries: EntriesTable;
  readonly events: EventsTable;
  readonly subscriptions: SubscriptionsTable;
  readonly netting_agreements: NettingAgreementsTable;
  readonly resource_pools: ResourcePoolsTable;
  readonly resource_claims: ResourceClaimsTable;
  readonly evidence: EvidenceTable;
  readonly checkpoints: CheckpointsTable;
  readonly meta: MetaTable;
  readonly anchors: AnchorsTable;
  readonly usage_streams: UsageStreamsTable;
  readonly usage_batches: UsageBatchesTable;
  readonly usage_ids: UsageIdsTable;
  readonly credentials: CredentialsTable;
  readonly audit: AuditTable;
  readonly peers: PeersTable;
  readonly proposals: ProposalsTable;
  readonly peer_nonces: PeerNoncesTable;
}

/** The engines behind the one schema; where their SQL differs, code branches on this. */
export const engines = ['sqlite', 'postgres'] as const;
export type Engine = (typeof engines)[number];
