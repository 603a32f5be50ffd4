/**
 * Documents from the record (docs/documents.md): an issued invoice or note
 * as a UBL 2.1 e-invoice (`application/xml`, with `X-Peppol` saying whether
 * it claims Peppol BIS 3 and `X-Peppol-Reasons` why not) or as a printable
 * page (`text/html`), and the ERP export's files (`text/csv`) booked for this
 * node's side. Nothing is re-rated: each figure is the signed document's.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ERP_FILES, type ErpFile, type ExportedUbl, NodeError, type PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, period } from './params.ts';

type PeriodParams = IdParams & { period: string };
type NoteParams = PeriodParams & { n: string };

/** A note's number within its period: 1, 2, … */
function noteNumber(value: unknown): number {
  if (typeof value !== 'string' || !/^[1-9]\d{0,5}$/.test(value))
    throw new NodeError('BAD_REQUEST', 'n: expected the note number within its period, 1 or more');
  return Number(value);
}

/** Header-safe text: printable ASCII, anything else as a \u escape (header values are Latin-1 at best). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The page may style itself and nothing else: no script, no request anywhere. */
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function sendUbl(reply: FastifyReply, document: ExportedUbl): FastifyReply {
  return reply
    .header('x-document-id', document.id)
    .header('x-peppol', document.peppol ? 'bis-3' : 'none')
    .header('x-peppol-reasons', asciiJson(document.reasons))
    .type('application/xml; charset=utf-8')
    .send(document.xml);
}

function sendHtml(reply: FastifyReply, page: { id: string; html: string }): FastifyReply {
  return reply
    .header('x-document-id', page.id)
    .header('content-security-policy', PAGE_POLICY)
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8')
    .send(page.html);
}

function erpFile(value: unknown): ErpFile {
  if (typeof value !== 'string' || !(ERP_FILES as readonly string[]).includes(value))
    throw new NodeError('BAD_REQUEST', `file: expected one of ${ERP_FILES.join(', ')}`);
  return value as ErpFile;
}

/** The `mapping` query parameter: a JSON account mapping (`sb erp --mapping`'s shape). */
function mappingOf(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new NodeError('BAD_REQUEST', 'mapping: expected JSON text');
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new NodeError('BAD_REQUEST', 'mapping: expected JSON text (the account mapping)');
  }
}

export function documentRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get<{ Params: PeriodParams }>(
    '/bilaterals/:id/invoices/:period/ubl',
    guard('invoices.read'),
    async (request, reply) =>
      sendUbl(reply, await node.documents.invoiceUbl(request.params.id, period(request.params.period))),
  );

  app.get<{ Params: PeriodParams }>(
    '/bilaterals/:id/invoices/:period/html',
    guard('invoices.read'),
    async (request, reply) =>
      sendHtml(reply, await node.documents.invoiceHtml(request.params.id, period(request.params.period))),
  );

  app.get<{ Params: PeriodParams }>(
    '/bilaterals/:id/invoices/:period/explain',
    guard('invoices.read'),
    async (request) => node.documents.explain(request.params.id, period(request.params.period)),
  );

  app.get<{ Params: NoteParams }>(
    '/bilaterals/:id/notes/:period/:n/ubl',
    guard('invoices.read'),
    async (request, reply) => {
      const { id, period: p, n } = request.params;
      return sendUbl(reply, await node.documents.noteUbl(id, period(p), noteNumber(n)));
    },
  );

  app.get<{ Params: NoteParams }>(
    '/bilaterals/:id/notes/:period/:n/html',
    guard('invoices.read'),
    async (request, reply) => {
      const { id, period: p, n } = request.params;
      return sendHtml(reply, await node.documents.noteHtml(id, period(p), noteNumber(n)));
    },
  );

  app.get<{ Params: IdParams & { file: string }; Querystring: { asOf?: string; mapping?: string } }>(
    '/bilaterals/:id/erp/:file',
    guard('invoices.read'),
    async (request, reply) => {
      const file = erpFile(request.params.file);
      const mapping = mappingOf(request.query.mapping);
      const { text, side, debit, credit } = await node.documents.erp(request.params.id, file, {
        ...(request.query.asOf === undefined ? {} : { asOf: request.query.asOf }),
        ...(mapping === undefined ? {} : { mapping }),
      });
      return reply
        .header('x-erp-side', side)
        .header('x-journal-debit', debit)
        .header('x-journal-credit', credit)
        .header('content-disposition', `attachment; filename="${file}"`)
        .type('text/csv; charset=utf-8')
        .send(text);
    },
  );
}
