/**
 * REST for the party's own systems: create bilaterals, record facts, read the
 * record, compute and issue invoices. Paths are resources; bodies are the
 * documents of TERMS.md.
 */
import type { FastifyInstance } from 'fastify';
import { NodeError, type PartyNode } from '../../node/index.ts';

interface IdParams {
  id: string;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

function period(value: unknown): string {
  if (typeof value !== 'string' || !PERIOD.test(value)) {
    throw new NodeError('BAD_REQUEST', 'period: expected YYYY-MM');
  }
  return value;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NodeError('BAD_REQUEST', `${what}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new NodeError('BAD_REQUEST', `${name}: expected a non-negative integer`);
  }
  return n;
}

export function bilateralRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get('/party', async () => node.identity());

  app.post('/bilaterals', async (request, reply) => {
    const body = object(request.body, 'body');
    if (typeof body.peer !== 'string')
      throw new NodeError('BAD_REQUEST', 'peer: expected the buyer node URL');
    const record = await node.proposeBilateral(body.terms, body.peer);
    return reply.status(201).send(record);
  });

  app.get('/bilaterals', async () => node.listBilaterals());

  app.get<{ Params: IdParams }>('/bilaterals/:id', async (request) => {
    const record = await node.bilateral(request.params.id);
    return { ...record, heads: await node.heads(request.params.id) };
  });

  /**
   * One fact (an object: one `fact` entry), or many at once (an array: all
   * valid or none recorded, in `facts` entries of up to 1,000; `refs` names
   * each fact as `author/seq#i`, in request order).
   */
  app.post<{ Params: IdParams }>('/bilaterals/:id/facts', async (request, reply) => {
    if (Array.isArray(request.body)) {
      const { entries, refs, push } = await node.recordFacts(request.params.id, request.body);
      return reply.status(201).send({
        entries: entries.map((e) => ({
          hash: e.hash,
          author: e.signed.entry.author,
          seq: e.signed.entry.seq,
        })),
        refs,
        replicated: push.replicated,
      });
    }
    const { entry, push } = await node.recordFact(request.params.id, request.body);
    return reply.status(201).send({ hash: entry.hash, entry: entry.signed, replicated: push.replicated });
  });

  app.get<{ Params: IdParams; Querystring: { author?: string; from?: string; limit?: string } }>(
    '/bilaterals/:id/entries',
    async (request) => {
      const { author, from, limit } = request.query;
      const fromSeq = integer(from, 'from');
      const max = integer(limit, 'limit');
      const entries = await node.entries(request.params.id, {
        ...(author === undefined ? {} : { author }),
        ...(fromSeq === undefined ? {} : { fromSeq }),
        ...(max === undefined ? {} : { limit: max }),
      });
      return entries.map((e) => ({ hash: e.hash, ...e.signed }));
    },
  );

  app.get<{ Params: IdParams & { period: string } }>(
    '/bilaterals/:id/invoices/:period/preview',
    async (request) => node.computeInvoice(request.params.id, period(request.params.period)),
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/invoices', async (request) =>
    node.invoices(request.params.id),
  );

  app.post<{ Params: IdParams }>('/bilaterals/:id/invoices', async (request, reply) => {
    const body = object(request.body, 'body');
    const { invoice, push } = await node.issueInvoice(request.params.id, period(body.period));
    return reply.status(201).send({ ...invoice, replicated: push.replicated });
  });

  app.get<{ Params: IdParams }>('/bilaterals/:id/checkpoints', async (request) =>
    node.checkpoints(request.params.id),
  );

  /** On demand: checkpoint the record now (co-signed by the counterparty) and anchor what is queued. */
  app.post<{ Params: IdParams }>('/bilaterals/:id/checkpoints', async (request, reply) => {
    const checkpoint = await node.checkpointNow(request.params.id);
    if (checkpoint === undefined) {
      throw new NodeError(
        'PEER_UNREACHABLE',
        'no checkpoint: the record is empty or the counterparty did not co-sign (try again later)',
      );
    }
    await node.anchorer?.flush();
    return reply.status(201).send({ checkpoint, anchors: await node.anchors(request.params.id) });
  });

  /**
   * A self-contained proof of one entry (`?entry=author/seq`), a period's invoice (`?invoice=YYYY-MM`)
   * or one usage record (`?usage=ID[&author=PARTY]`, default the Seller's).
   */
  app.get<{
    Params: IdParams;
    Querystring: { entry?: string; invoice?: string; usage?: string; author?: string };
  }>('/bilaterals/:id/proof', async (request) => {
    const { entry, invoice, usage, author } = request.query;
    if (invoice !== undefined) return node.proof(request.params.id, { invoice: period(invoice) });
    if (usage !== undefined) {
      const by = author ?? (await node.bilateral(request.params.id)).agreement.genesis.seller.id;
      return node.proof(request.params.id, { usage: { author: by, id: usage } });
    }
    const match = /^(.+)\/(\d+)$/.exec(entry ?? '');
    if (match === null) throw new NodeError('BAD_REQUEST', 'expected ?entry=AUTHOR/SEQ or ?invoice=YYYY-MM');
    return node.proof(request.params.id, { entry: { author: match[1]!, seq: Number(match[2]) } });
  });

  app.get<{ Params: IdParams }>('/bilaterals/:id/anchors', async (request) =>
    node.anchors(request.params.id),
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/evidence', async (request) =>
    node.evidence(request.params.id),
  );

  app.post<{ Params: IdParams }>('/bilaterals/:id/sync', async (request) => {
    await node.sync(request.params.id);
    return node.heads(request.params.id);
  });
}
