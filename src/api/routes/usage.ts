/**
 * TMF635-shaped usage: `POST /bilaterals/:id/usage` imports records and
 * answers with the import report; `GET /bilaterals/:id/usage` lists stored
 * records as TMF635 `Usage` items.
 *
 * Bodies accepted by POST (each item a TMF635 usage
 * `{ id, usageDate, usageType, usageCharacteristic: [{ name: 'service' | 'quantity' | …, value }] }`
 * or a plain record `{ id, service, metric, quantity, at, characteristics? }`):
 * - `application/json`: an array of items (small posts; the body is buffered);
 * - `application/x-ndjson`: one item per line, streamed — memory stays flat;
 * - `text/csv`: the CSV file format (`id,service,metric,quantity,at[,char_*]`), streamed.
 * A streamed body may be gzip (found by its magic bytes). `?source=NAME` names
 * the file in rejections, so their line numbers are the file's own.
 */
import type { FastifyInstance } from 'fastify';
import {
  NodeError,
  type PartyNode,
  type StoredUsage,
  type UsageFormat,
  type UsageItem,
  usageItemRecord,
} from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, integer } from './params.ts';

const STREAMED: Readonly<Record<string, UsageFormat | undefined>> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'text/csv': 'csv',
  'application/gzip': undefined,
  'application/octet-stream': undefined,
};

export type UsageStatus = 'received' | 'rated';

/** A stored record as a TMF635 `Usage`. */
export function toTmf635(usage: StoredUsage, author: string, status: UsageStatus) {
  const { record } = usage;
  return {
    id: record.id,
    usageDate: record.at,
    usageType: record.metric,
    status,
    usageCharacteristic: [
      { name: 'service', value: record.service },
      { name: 'quantity', value: record.quantity },
      ...Object.entries(record.characteristics ?? {}).map(([name, value]) => ({ name, value })),
    ],
    relatedParty: [{ id: author, role: 'reporter' }],
    batch: { author, seq: usage.batchSeq, position: usage.position },
  };
}

async function* arrayItems(items: readonly unknown[]): AsyncGenerator<UsageItem> {
  for (let i = 0; i < items.length; i++) yield { line: i + 1, raw: usageItemRecord(items[i]) };
}

export function usageRoutes(app: FastifyInstance, node: PartyNode): void {
  // Streamed bodies reach the handler unread: the importer consumes them line by line.
  app.addContentTypeParser(Object.keys(STREAMED), (_request, payload, done) => done(null, payload));

  app.post<{ Params: IdParams; Querystring: { source?: string; batchSize?: string } }>(
    '/bilaterals/:id/usage',
    guard('usage.import', 'usage.import'),
    async (request, reply) => {
      const id = request.params.id;
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      const streamed = Object.hasOwn(STREAMED, type);
      try {
        const options = {
          source: request.query.source ?? 'request',
          batchSize: integer(request.query.batchSize, 'batchSize', 100_000) ?? 10_000,
        };
        if (streamed) {
          const body = request.body as AsyncIterable<Buffer>;
          return await node.usage.importStream(id, body, STREAMED[type], options);
        }
        const body = request.body;
        if (body === undefined) throw new NodeError('BAD_REQUEST', 'body: expected usage items');
        return await node.usage.import(id, arrayItems(Array.isArray(body) ? body : [body]), options);
      } catch (error) {
        // The rest of a refused upload is not read: close the connection instead of draining it.
        if (streamed) void reply.header('connection', 'close');
        throw error;
      }
    },
  );

  app.get<{
    Params: IdParams;
    Querystring: {
      service?: string;
      from?: string;
      to?: string;
      limit?: string;
      author?: string;
      afterAt?: string;
      afterId?: string;
    };
  }>('/bilaterals/:id/usage', guard('bilaterals.read'), async (request) => {
    const id = request.params.id;
    const { service, from, to, author = node.party, afterAt, afterId } = request.query;
    if ((afterAt === undefined) !== (afterId === undefined)) {
      throw new NodeError(
        'BAD_REQUEST',
        'afterAt and afterId: give both (the last item of the previous page)',
      );
    }
    const list = await node.usage.records(id, author, {
      limit: integer(request.query.limit, 'limit', 10_000) ?? 100,
      ...(service === undefined ? {} : { service }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(afterAt === undefined ? {} : { after: { at: afterAt, id: afterId! } }),
    });
    const rated = await ratedRanges(node, id, author);
    return list.map((usage) => {
      const at = Date.parse(usage.record.at);
      const status = rated.some((r) => at >= r.start && at < r.end && usage.batchSeq <= r.seq)
        ? 'rated'
        : 'received';
      return toTmf635(usage, author, status);
    });
  });
}

/**
 * Where usage counts as rated: each invoice issued (and not rejected) covers
 * its period for the batches inside its basis.
 */
async function ratedRanges(node: PartyNode, id: string, author: string) {
  return (await node.invoices.list(id))
    .filter((issued) => issued.status !== 'rejected')
    .map((issued) => ({
      start: Date.parse(issued.body.invoice.period.start),
      end: Date.parse(issued.body.invoice.period.end),
      seq: issued.body.basis[author]?.seq ?? 0,
    }));
}
