/**
 * MEF LSO Sonata Product Ordering v10 and Product Inventory v7 (docs/sonata.md),
 * on the owner API, one serverBase per bilateral: `/bilaterals/:id` + the
 * spec's base path. Errors answer in the spec's Error shapes, never a 500.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type PartyNode, ValidationError } from '../../../node/index.ts';
import { guard } from '../../access.ts';
import { PROBLEM_CONTENT_TYPE, problem, toHttpError } from '../../errors.ts';

const ORDERING = '/bilaterals/:id/mefApi/sonata/productOrderingManagement/v10';
const INVENTORY = '/bilaterals/:id/mefApi/sonata/productInventory/v7';
const TROUBLE = '/bilaterals/:id/mefApi/sonata/troubleTicket/v4';
const SONATA_JSON = 'application/json;charset=utf-8';

/** The Sonata codes of the statuses the spec documents; any other status keeps the owner API's problem shape. */
const SONATA_CODES: Readonly<Record<number, string>> = {
  400: 'invalidBody',
  403: 'accessDenied',
  404: 'notFound',
  409: 'conflict',
  422: 'invalidValue',
  500: 'internalError',
};

/**
 * The Sonata `Error` body of `error` (its code where the spec has one, our
 * code and rule in `reason`), or undefined where the spec has no shape for
 * it. A body that breaks a rule (any validation but the record's history) is
 * a 400 `invalidBody`; a refusal by the record's history is a 422 array.
 */
export function sonataError(error: unknown): { status: number; body: unknown } | undefined {
  const http = toHttpError(error);
  const badBody = error instanceof ValidationError && error.code !== 'FACTS_INCONSISTENT';
  const status = badBody ? 400 : Math.min(http.status, 500);
  const code = SONATA_CODES[status];
  if (code === undefined) return undefined;
  const own = http.body as { code?: string; message?: string };
  const reason = `${own.code ?? 'ERROR'}: ${own.message ?? ''}`.slice(0, 255);
  const out: Record<string, unknown> = { code, reason, message: own.message ?? reason };
  const issues = error instanceof ValidationError ? error.issues : [];
  if (issues[0] !== undefined) out.propertyPath = issues[0].path;
  return { status, body: status === 422 ? [out] : out };
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).type(SONATA_JSON).send(body);
}

type Params = { id: string; order?: string; item?: string; product?: string };

export function sonataOrderingRoutes(app: FastifyInstance, node: PartyNode): void {
  void app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => {
      // Refusals of the owner API's access control, and an unknown bilateral (no such serverBase), keep
      // the owner API's one shape on every route (docs/sonata.md).
      const own = toHttpError(error);
      const answer = sonataError(error);
      if (answer === undefined || /^(ACCESS_|CREDENTIAL_|NOT_FOUND$)/.test(own.body.code)) {
        return void reply
          .status(own.status)
          .type(PROBLEM_CONTENT_TYPE)
          .send(problem(own.status, own.body, request.url));
      }
      if (own.status >= 500) {
        node.core.log(
          `internal error on ${request.method} ${request.url}: ${error instanceof Error ? error.stack : String(error)}`,
        );
      }
      void send(reply, answer.status, answer.body);
    });
    scope.post<{ Params: Params }>(
      `${ORDERING}/productOrder`,
      guard('facts.record'),
      async (request, reply) =>
        send(reply, 201, await node.sonata.createOrder(request.params.id, request.body)),
    );
    scope.get<{ Params: Params }>(
      `${ORDERING}/productOrder`,
      guard('bilaterals.read'),
      async (request, reply) => {
        const orders = await node.sonata.orders(request.params.id);
        return send(
          reply,
          200,
          orders.map((o) => ({
            id: o.id,
            ...(o.externalId === undefined ? {} : { externalId: o.externalId }),
            orderDate: o.orderDate,
            state: o.state,
            ...(o.completionDate === undefined ? {} : { completionDate: o.completionDate }),
          })),
        );
      },
    );
    scope.get<{ Params: Params }>(
      `${ORDERING}/productOrder/:order`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, await node.sonata.order(request.params.id, request.params.order!)),
    );
    // Not in the spec (fulfilment is the Seller's own business): the Seller's systems complete an item here.
    scope.post<{ Params: Params }>(
      `${ORDERING}/productOrder/:order/productOrderItem/:item/complete`,
      guard('facts.record'),
      async (request, reply) =>
        send(
          reply,
          200,
          await node.sonata.completeItem(
            request.params.id,
            request.params.order!,
            request.params.item!,
            request.body,
          ),
        ),
    );
    scope.get<{ Params: Params }>(`${TROUBLE}/incident`, guard('bilaterals.read'), async (request, reply) => {
      const incidents = await node.sonata.incidents(request.params.id);
      const keep = [
        'id',
        'href',
        'description',
        'creationDate',
        'status',
        'incidentType',
        'impact',
        'priority',
      ];
      const find = [...keep, 'severity', 'relatedEntity'];
      return send(
        reply,
        200,
        incidents.map((i) => Object.fromEntries(Object.entries(i).filter(([k]) => find.includes(k)))),
      );
    });
    scope.get<{ Params: Params }>(`${INVENTORY}/product`, guard('bilaterals.read'), async (request, reply) =>
      send(reply, 200, await node.sonata.products(request.params.id)),
    );
    scope.get<{ Params: Params }>(
      `${INVENTORY}/product/:product`,
      guard('bilaterals.read'),
      async (request, reply) =>
        send(reply, 200, await node.sonata.product(request.params.id, request.params.product!)),
    );
  });
}
