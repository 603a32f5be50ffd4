/**
 * Pending proposals' queries (migration 0006): a counterparty's proposal of a
 * new bilateral waits here for the operator (DESIGN.md decision 8). Keyed by
 * the id of the bilateral it would create, so the same proposal received
 * twice is held once. A decision is one conditional UPDATE from `pending`,
 * so two operators deciding at once cannot both win, and a decided proposal
 * stays decided.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Issue } from '../core/index.ts';
import type { Database, ProposalsTable } from './schema.ts';
import { type ProposalRecord, type ProposalStatus, proposalStatuses } from './types.ts';
import { fail, instant, oneOf, text } from './validate.ts';

type NewProposal = Omit<ProposalRecord, 'status' | 'decidedAt'>;

export function checkProposal(proposal: NewProposal): void {
  const issues: Issue[] = [];
  text(issues, 'id', proposal.id);
  text(issues, 'party', proposal.party);
  instant(issues, 'receivedAt', proposal.receivedAt);
  if (JSON.stringify(proposal.proposal) === undefined) {
    issues.push({ path: 'proposal', rule: 'expected a JSON value', value: proposal.proposal });
  }
  fail('STORE_BAD_PROPOSAL', issues);
}

export async function putProposal(db: Kysely<Database>, proposal: NewProposal): Promise<boolean> {
  checkProposal(proposal);
  const result = await db
    .insertInto('proposals')
    .values({
      id: proposal.id,
      party: proposal.party,
      received_at: proposal.receivedAt,
      proposal: JSON.stringify(proposal.proposal),
      status: 'pending',
      decided_at: null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function getProposal(db: Kysely<Database>, id: string): Promise<ProposalRecord | undefined> {
  if (typeof id !== 'string') return undefined;
  const row = await db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function listProposals(
  db: Kysely<Database>,
  query: { readonly status?: ProposalStatus } = {},
): Promise<ProposalRecord[]> {
  if (query.status !== undefined) {
    const issues: Issue[] = [];
    oneOf(issues, 'status', query.status, proposalStatuses);
    fail('STORE_BAD_PROPOSAL', issues);
  }
  let select = db.selectFrom('proposals').selectAll();
  if (query.status !== undefined) select = select.where('status', '=', query.status);
  const rows = await select.orderBy('received_at').orderBy('id').execute();
  return rows.map(toRecord);
}

export async function countPendingProposals(db: Kysely<Database>, party: string): Promise<number> {
  const row = await db
    .selectFrom('proposals')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('party', '=', party)
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  // PostgreSQL's count is a bigint, which `pg` hands back as a string.
  return Number(row.n);
}

export async function setProposalStatus(
  db: Kysely<Database>,
  id: string,
  status: Exclude<ProposalStatus, 'pending'>,
  at: string,
): Promise<boolean> {
  const issues: Issue[] = [];
  text(issues, 'id', id);
  oneOf(issues, 'status', status, ['accepted', 'declined']);
  instant(issues, 'at', at);
  fail('STORE_BAD_PROPOSAL', issues);
  const result = await db
    .updateTable('proposals')
    .set({ status, decided_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

function toRecord(row: Selectable<ProposalsTable>): ProposalRecord {
  return {
    id: row.id,
    party: row.party,
    receivedAt: row.received_at,
    proposal: JSON.parse(row.proposal) as unknown,
    status: row.status,
    decidedAt: row.decided_at,
  };
}
