/**
 * The anchoring queue's queries. A checkpoint is queued once per (bilateral,
 * seq); the anchoring loop takes due rows, marks them `sent` with the
 * transaction hash before waiting for it (so a restart knows to look for that
 * receipt instead of sending again), then `mined` with the block — or back to
 * `queued` with a later attempt time when sending failed.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AnchorsTable, Database } from './schema.ts';
import type { AnchorKey, AnchorMined, AnchorRecord } from './types.ts';

function toRecord(row: Selectable<AnchorsTable>): AnchorRecord {
  const int = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    bilateral: row.bilateral,
    seq: Number(row.seq),
    value: row.value,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    txHash: row.tx_hash,
    blockNumber: int(row.block_number),
    blockHash: row.block_hash,
    chainId: int(row.chain_id),
    contract: row.contract,
    queuedAt: row.queued_at,
    coveredBy: int(row.covered_by),
    finalAt: row.final_at,
  };
}

export async function enqueueAnchor(
  db: Kysely<Database>,
  anchor: { bilateral: string; seq: number; value: string; queuedAt: string },
): Promise<void> {
  await db
    .insertInto('anchors')
    .values({
      bilateral: anchor.bilateral,
      seq: anchor.seq,
      value: anchor.value,
      status: 'queued',
      attempts: 0,
      next_attempt_at: anchor.queuedAt,
      last_error: null,
      tx_hash: null,
      block_number: null,
      block_hash: null,
      chain_id: null,
      contract: null,
      queued_at: anchor.queuedAt,
      covered_by: null,
      final_at: null,
    })
    .onConflict((oc) => oc.columns(['bilateral', 'seq']).doNothing())
    .execute();
}

export async function dueAnchors(db: Kysely<Database>, now: string, limit: number): Promise<AnchorRecord[]> {
  const rows = await db
    .selectFrom('anchors')
    .selectAll()
    .where('status', '=', 'queued')
    .where('next_attempt_at', '<=', now)
    .orderBy('queued_at')
    .orderBy('bilateral')
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toRecord);
}

export async function anchorsInState(
  db: Kysely<Database>,
  status: AnchorsTable['status'],
): Promise<AnchorRecord[]> {
  const rows = await db
    .selectFrom('anchors')
    .selectAll()
    .where('status', '=', status)
    .orderBy('queued_at')
    .execute();
  return rows.map(toRecord);
}

/** Applies `set` to every row named by `keys`, in one transaction. */
export async function updateAnchors(
  db: Kysely<Database>,
  keys: readonly AnchorKey[],
  set: (row: AnchorRecord) => Partial<AnchorsTable>,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    for (const key of keys) {
      const row = await tx
        .selectFrom('anchors')
        .selectAll()
        .where('bilateral', '=', key.bilateral)
        .where('seq', '=', key.seq)
        .executeTakeFirst();
      if (row === undefined) continue;
      const values = set(toRecord(row));
      if (Object.keys(values).length === 0) continue;
      await tx
        .updateTable('anchors')
        .set(values)
        .where('bilateral', '=', key.bilateral)
        .where('seq', '=', key.seq)
        .execute();
    }
  });
}

export function minedColumns(mined: AnchorMined): Partial<AnchorsTable> {
  return {
    status: 'mined',
    tx_hash: mined.txHash,
    block_number: mined.blockNumber,
    block_hash: mined.blockHash,
    chain_id: mined.chainId,
    contract: mined.contract,
    last_error: null,
    covered_by: null,
    final_at: null,
  };
}

/** Back to the queue with nothing of its last transaction: sent again as if new. */
export function requeuedColumns(reason: string, at: string): Partial<AnchorsTable> {
  return {
    status: 'queued',
    attempts: 0,
    next_attempt_at: at,
    last_error: reason,
    tx_hash: null,
    block_number: null,
    block_hash: null,
    covered_by: null,
    final_at: null,
  };
}

export async function minedAnchors(db: Kysely<Database>, notFinal: boolean): Promise<AnchorRecord[]> {
  let select = db.selectFrom('anchors').selectAll().where('status', '=', 'mined');
  if (notFinal) select = select.where('final_at', 'is', null);
  const rows = await select.orderBy('bilateral').orderBy('seq').execute();
  return rows.map(toRecord);
}

export async function getAnchor(
  db: Kysely<Database>,
  bilateral: string,
  seq: number,
): Promise<AnchorRecord | undefined> {
  const row = await db
    .selectFrom('anchors')
    .selectAll()
    .where('bilateral', '=', bilateral)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function listAnchors(db: Kysely<Database>, bilateral: string): Promise<AnchorRecord[]> {
  const rows = await db
    .selectFrom('anchors')
    .selectAll()
    .where('bilateral', '=', bilateral)
    .orderBy('seq')
    .execute();
  return rows.map(toRecord);
}
