/**
 * What each of the node's own routes is, for its OpenAPI document: a
 * summary, a tag, its query parameters, and the schemas of its body and
 * answers where they are documented. Path parameters come from the path
 * itself, errors are the problem shape everywhere. The node's own checks
 * decide what a request may hold (docs/api.md); these schemas describe it.
 */
import { sonataRouteDocs } from '../routes/sonata/docs.ts';
import {
  AnyObject,
  Day,
  Decimal,
  Fact,
  FactAnswer,
  FactsAnswer,
  Health,
  Invoice,
  PeriodId,
  type Schema,
  Statement,
} from './schemas.ts';

export interface QueryDoc {
  readonly description: string;
  readonly schema?: Schema;
}

export interface RouteDoc {
  readonly summary: string;
  readonly tag: string;
  readonly query?: Readonly<Record<string, QueryDoc>>;
  readonly body?: Schema;
  /** Answers by status; the default is 200 with a JSON object. */
  readonly responses?: Readonly<Record<number, { readonly description: string; readonly schema?: Schema }>>;
  /** The permission it needs (`public`: none). */
  readonly permission?: string;
}

const paging = {
  from: { description: 'First sequence number or position', schema: { type: 'string', pattern: '^\\d+$' } },
  limit: { description: 'At most this many', schema: { type: 'string', pattern: '^\\d+$' } },
};
const created = (description: string, schema: Schema = AnyObject) => ({ 201: { description, schema } });

export const routeDocs: Readonly<Record<string, RouteDoc>> = {
  // The node itself.
  'GET /health': {
    summary: 'Liveness: the node answers and names its party',
    tag: 'node',
    responses: { 200: { description: 'Up', schema: Health } },
  },
  'GET /party': { summary: "This node's party: id, signing key, endpoints", tag: 'node' },
  'POST /party/rotate-key': {
    summary: "Rotate the party's signing key (announced to every counterparty)",
    tag: 'node',
  },
  // Bilaterals and the record.
  'POST /bilaterals': {
    summary: 'Propose a bilateral: terms to a counterparty',
    tag: 'bilaterals',
    body: AnyObject,
    responses: created('Proposed'),
  },
  'GET /bilaterals': { summary: 'The bilaterals this credential may see', tag: 'bilaterals' },
  'GET /bilaterals/:id': { summary: 'One bilateral: terms, parties, stream heads', tag: 'bilaterals' },
  'GET /bilaterals/:id/entries': {
    summary: 'Signed entries of both streams',
    tag: 'bilaterals',
    query: { author: { description: "Only this party's stream" }, ...paging },
  },
  'GET /bilaterals/:id/evidence': {
    summary: 'Entries refused from the counterparty, with the reason',
    tag: 'bilaterals',
  },
  'POST /bilaterals/:id/sync': { summary: "Pull the counterparty's entries now", tag: 'bilaterals' },
  'POST /bilaterals/:id/facts': {
    summary: 'Record a fact, or an array of facts (all or none), and replicate them',
    tag: 'facts',
    query: {
      wait: {
        description:
          'Answer once `stored` (default for one fact) or once `replicated` (default for an array)',
        schema: { type: 'string', enum: ['stored', 'replicated'] },
      },
    },
    body: { oneOf: [Fact, { type: 'array', items: Fact, minItems: 1 }] },
    responses: {
      201: {
        description: 'Recorded: one fact (an object) or many (an array)',
        schema: { oneOf: [FactAnswer, FactsAnswer] },
      },
    },
  },
  'POST /bilaterals/:id/usage': {
    summary: 'Import usage records (CSV, JSON lines, TMF635 JSON; gzip accepted) as signed batches',
    tag: 'usage',
    query: {
      source: { description: 'A name for the import in the report' },
      batchSize: { description: 'Records per signed batch', schema: { type: 'string', pattern: '^\\d+$' } },
    },
    responses: created('Imported: counts, batches and refused records'),
  },
  'GET /bilaterals/:id/usage': { summary: 'Usage records and batches', tag: 'usage' },
  'GET /bilaterals/:id/reconciliation': {
    summary: "Usage reconciliation: the Seller's and the Buyer's records side by side",
    tag: 'usage',
    query: {
      period: { description: 'The period', schema: PeriodId },
      service: { description: 'One service' },
      limit: paging.limit,
    },
  },
  'GET /bilaterals/:id/checkpoints': { summary: 'Co-signed checkpoints of the record', tag: 'anchoring' },
  'POST /bilaterals/:id/checkpoints': { summary: 'Make and co-sign a checkpoint now', tag: 'anchoring' },
  'GET /bilaterals/:id/anchors': {
    summary: 'Anchors of checkpoints on the chain, with their confirmations',
    tag: 'anchoring',
  },
  'POST /proofs/verify': {
    summary: 'Checks a proof as sb verify does, and its anchor on the chain when the node has that chain',
    tag: 'proofs',
  },
  'GET /bilaterals/:id/invoices/:period/explain': {
    summary: "The issued invoice with each line explained from the terms and facts, and both parties' hashes",
    tag: 'invoices',
  },
  'GET /bilaterals/:id/proof': {
    summary: 'A proof of an entry, an invoice or a usage record, for a third party (sb verify)',
    tag: 'proofs',
    query: {
      entry: { description: 'AUTHOR/SEQ' },
      invoice: { description: 'The period', schema: PeriodId },
      usage: { description: 'A usage record id' },
      author: { description: "The usage record's author" },
    },
  },
  // Invoices and settlement.
  'GET /bilaterals/:id/invoices/:period/preview': {
    summary: 'The invoice of a period as the record rates it now (not issued)',
    tag: 'invoices',
    responses: { 200: { description: 'The invoice', schema: Invoice } },
  },
  'GET /bilaterals/:id/invoices': {
    summary: 'Issued invoices, with both parties’ hashes and acceptance',
    tag: 'invoices',
  },
  'POST /bilaterals/:id/invoices': {
    summary: "Issue a period's invoice (the Seller); the Buyer's node recomputes and accepts it",
    tag: 'invoices',
    body: { type: 'object', required: ['period'], properties: { period: PeriodId } },
    responses: created('Issued', Invoice),
  },
  'GET /bilaterals/:id/notes': { summary: 'Credit and debit notes issued', tag: 'invoices' },
  'POST /bilaterals/:id/notes': {
    summary: 'Issue every credit or debit note the record now implies',
    tag: 'invoices',
  },
  // Documents from the record (routes/documents.ts, docs/documents.md).
  'GET /bilaterals/:id/invoices/:period/ubl': {
    summary: 'The issued invoice as UBL 2.1 (application/xml); X-Peppol: bis-3 or none, X-Peppol-Reasons',
    tag: 'documents',
    responses: { 200: { description: 'The e-invoice (application/xml)', schema: { type: 'string' } } },
  },
  'GET /bilaterals/:id/invoices/:period/html': {
    summary: 'The issued invoice as a printable page (text/html)',
    tag: 'documents',
    responses: { 200: { description: 'The page (text/html)', schema: { type: 'string' } } },
  },
  'GET /bilaterals/:id/notes/:period/:n/ubl': {
    summary: "The period's n-th note as UBL 2.1: a CreditNote, or an Invoice of type 383",
    tag: 'documents',
    responses: { 200: { description: 'The e-invoice (application/xml)', schema: { type: 'string' } } },
  },
  'GET /bilaterals/:id/notes/:period/:n/html': {
    summary: "The period's n-th note as a printable page (text/html)",
    tag: 'documents',
    responses: { 200: { description: 'The page (text/html)', schema: { type: 'string' } } },
  },
  'GET /bilaterals/:id/erp/:file': {
    summary: "One file of the ERP export (text/csv), booked for this node's side",
    tag: 'documents',
    query: {
      asOf: { description: 'The day, YYYY-MM-DD in the billing zone (default: today)', schema: Day },
      mapping: { description: 'The account mapping as JSON text (default: the built-in one)' },
    },
    responses: { 200: { description: 'The CSV file (text/csv)', schema: { type: 'string' } } },
  },
  'GET /bilaterals/:id/statement': {
    summary: 'The account statement as of a day (TERMS §6)',
    tag: 'settlement',
    query: { asOf: { description: 'The day, YYYY-MM-DD in the billing zone (default: today)', schema: Day } },
    responses: { 200: { description: 'The statement', schema: Statement } },
  },
  'GET /bilaterals/:id/payments': { summary: 'Payments and their applications', tag: 'settlement' },
  'POST /bilaterals/:id/payments/:payment/received': {
    summary: 'The Seller confirms a payment arrived',
    tag: 'settlement',
  },
  'POST /bilaterals/:id/payments/:payment/missing': {
    summary: 'The Seller reports a payment did not arrive',
    tag: 'settlement',
  },
  'GET /netting/:party': {
    summary: 'The settlement statement with a counterparty: open amounts of every bilateral, per currency',
    tag: 'netting',
    query: { asOf: { description: 'The day', schema: Day } },
  },
  'POST /netting/:party/settlements': {
    summary: 'Agree a netting settlement with a counterparty (both sign)',
    tag: 'netting',
  },
  'POST /netting-rounds': { summary: 'Run a multilateral netting round as coordinator', tag: 'netting' },
  'GET /netting-agreements': {
    summary: 'Netting agreements and rounds',
    tag: 'netting',
    query: { type: { description: 'bilateral or round' }, round: { description: 'One round' } },
  },
  'GET /netting-agreements/:hash': { summary: 'One netting agreement', tag: 'netting' },
  'POST /netting-agreements/:hash/pay': {
    summary: "The net payer's payment",
    tag: 'netting',
    body: { type: 'object', properties: { amount: Decimal } },
  },
  'POST /netting-agreements/:hash/payments/:index': {
    summary: 'Record one payment of a round',
    tag: 'netting',
  },
  // Disputes.
  'POST /bilaterals/:id/observations': {
    summary: "What the party's own systems saw: disputes follow where the record differs",
    tag: 'disputes',
  },
  'GET /bilaterals/:id/disputes': { summary: 'Disputes, open and resolved', tag: 'disputes' },
  'POST /bilaterals/:id/disputes/:author/:seq/accept': {
    summary: 'Accept a dispute: its proposed fact is recorded',
    tag: 'disputes',
  },
  'POST /bilaterals/:id/disputes/:author/:seq/reject': {
    summary: 'Reject a dispute, with evidence',
    tag: 'disputes',
  },
  // Financing.
  'POST /bilaterals/:id/financing/packages': {
    summary: 'A financing package of an accepted invoice (the Seller)',
    tag: 'financing',
  },
  'POST /bilaterals/:id/assignments': {
    summary: 'Assign an invoice to a financier (pledged on the chain)',
    tag: 'financing',
  },
  'GET /bilaterals/:id/assignments': { summary: 'Assignments of invoices', tag: 'financing' },
  'GET /financing/pledges': { summary: 'Pledges of this party’s invoices on the chain', tag: 'financing' },
  'GET /financing/exposure': { summary: 'Amounts assigned, per financier and currency', tag: 'financing' },
  // Resources.
  'GET /resource-pools': { summary: 'Capacity pools', tag: 'resources' },
  'GET /resource-pools/:pool': { summary: 'One pool', tag: 'resources' },
  'PUT /resource-pools/:pool': { summary: 'Declare or change a pool', tag: 'resources' },
  'GET /resource-pools/:pool/holdings': { summary: 'What holds capacity in a pool', tag: 'resources' },
  'GET /resource-pools/:pool/availability': {
    summary: 'The busiest instant of a window: what is free',
    tag: 'resources',
    query: { from: { description: 'Window start (RFC 3339)' }, to: { description: 'Window end (RFC 3339)' } },
  },
  // Notifications.
  'GET /events': {
    summary: 'The event feed',
    tag: 'events',
    query: {
      after: { description: 'After this event id' },
      limit: paging.limit,
      types: { description: 'Comma-separated event types' },
    },
  },
  'GET /hub': { summary: 'Webhook subscriptions', tag: 'events' },
  'POST /hub': { summary: 'Subscribe a webhook to events', tag: 'events', responses: created('Subscribed') },
  'DELETE /hub/:id': { summary: 'Remove a subscription', tag: 'events' },
  // Access and directory.
  'GET /credentials': { summary: 'Owner API credentials (never their tokens)', tag: 'access' },
  'POST /credentials': {
    summary: 'Create a credential (its token is shown once)',
    tag: 'access',
    responses: created('Created'),
  },
  'POST /credentials/:credential/revoke': { summary: 'Revoke a credential', tag: 'access' },
  'POST /credentials/:credential/expire': { summary: 'Set when a credential expires', tag: 'access' },
  'GET /audit': {
    summary: 'The audit log: who did what, when, and what resulted',
    tag: 'access',
    query: {
      bilateral: { description: 'One bilateral' },
      actor: { description: 'One credential' },
      ...paging,
    },
  },
  'GET /peers': { summary: 'Trusted counterparties (the pinned directory)', tag: 'directory' },
  'PUT /peers/:party': { summary: 'Pin a counterparty: key, endpoint, policy', tag: 'directory' },
  'DELETE /peers/:party': { summary: 'Remove a counterparty', tag: 'directory' },
  'GET /proposals': {
    summary: 'Proposals of bilaterals received',
    tag: 'directory',
    query: { status: { description: 'pending, accepted or declined' } },
  },
  'POST /proposals/:proposal/accept': {
    summary: 'Accept a proposed bilateral: the node countersigns it',
    tag: 'directory',
  },
  'POST /proposals/:proposal/decline': { summary: 'Decline a proposed bilateral', tag: 'directory' },
  // The peer protocol (the public face; every request signed by the calling node).
  'GET /peer/identity': { summary: "This node's party and signing key", tag: 'peer' },
  'POST /peer/proposals': { summary: 'A counterparty proposes a bilateral', tag: 'peer' },
  'POST /peer/agreements': { summary: 'A counterparty agrees a bilateral', tag: 'peer' },
  'GET /peer/bilaterals/:id/heads': { summary: "This node's stream heads", tag: 'peer' },
  'GET /peer/bilaterals/:id/entries': {
    summary: 'Entries, for a counterparty catching up',
    tag: 'peer',
    query: { author: { description: 'One stream' }, ...paging },
  },
  'POST /peer/bilaterals/:id/entries': { summary: 'A counterparty pushes its signed entries', tag: 'peer' },
  'POST /peer/bilaterals/:id/checkpoints': {
    summary: 'A counterparty proposes or co-signs a checkpoint',
    tag: 'peer',
  },
  'GET /peer/bilaterals/:id/usage-batches/:seq/records': {
    summary: 'The records of a usage batch',
    tag: 'peer',
  },
  'POST /peer/bilaterals/:id/admissions': {
    summary: "A counterparty's facts admitted against this party's resource pools",
    tag: 'peer',
  },
  'POST /peer/netting/statements': {
    summary: 'A counterparty asks to co-sign a settlement statement',
    tag: 'peer',
  },
  'POST /peer/netting/round-statements': {
    summary: "A round's coordinator asks for a pair statement",
    tag: 'peer',
  },
  'POST /peer/netting/rounds/sign': { summary: 'A netting round to check and sign', tag: 'peer' },
  'POST /peer/netting/rounds/agreed': { summary: 'A netting round signed by every member', tag: 'peer' },
  'POST /peer/netting/rounds/payments': { summary: "A member reports a round's payments", tag: 'peer' },
  'POST /peer/netting/agreement': {
    summary: "A counterparty asks for this party's signature of an agreement",
    tag: 'peer',
  },
  // The web console (docs/console.md).
  'GET /console': { summary: 'The web console (a page for people)', tag: 'console' },
  'GET /console/app.js': {
    summary: "The console's script (bundled from src/console by the node)",
    tag: 'console',
  },
  'GET /console/console.css': { summary: "The console's styles", tag: 'console' },
  'GET /whoami': { summary: 'The calling credential: its name, role, scope and permissions', tag: 'access' },
  'GET /events/stream': {
    summary: 'The event feed as server-sent events (live updates)',
    tag: 'events',
    query: {
      after: { description: 'After this event seq, or `latest`' },
      types: { description: 'Comma-separated event types' },
      follow: {
        description: '`false`: end once the backlog is sent',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
    },
  },
  // MEF LSO Sonata (docs/sonata.md), documented beside its routes.
  ...sonataRouteDocs,
  // This documentation.
  'GET /docs': { summary: 'This API, as an interactive page', tag: 'docs' },
  'GET /docs/openapi.json': { summary: 'This API as an OpenAPI 3 document', tag: 'docs' },
  'GET /docs/problems': { summary: 'Every error code and its status', tag: 'docs' },
  'GET /docs/assets/:file': { summary: "The interactive page's files", tag: 'docs' },
};
