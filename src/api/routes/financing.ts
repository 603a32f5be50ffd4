/**
 * Financing: an accepted invoice as collateral.
 *
 * - `POST /bilaterals/:id/financing/packages` `{ period, asOf? }` (finance):
 *   the package of an accepted invoice for a financier; it checkpoints and
 *   anchors the record first, hence a POST.
 * - `POST /bilaterals/:id/assignments` `{ period, financier: { id, account },
 *   payTo }` (finance): the notice of assignment to the financier that
 *   pledged the invoice on the chain; the Buyer's node acknowledges it.
 * - `GET /bilaterals/:id/assignments` (pledges.read): the notices.
 * - `GET /financing/pledges`, `GET /financing/exposure` (pledges.read): the
 *   financier's view — its assigned invoices with their state today (open,
 *   paid, overdue, disputed) and its exposure per Buyer. A financier's
 *   credential sees only what is assigned to the financier it names.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type IdParams, object, period } from './params.ts';

export function financingRoutes(app: FastifyInstance, node: PartyNode): void {
  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/financing/packages',
    guard('pledges.manage'),
    async (request, reply) => {
      const body = object(request.body, 'body');
      const asOf = body.asOf === undefined ? undefined : node.financing.day(body.asOf);
      const made = await node.financing.package(request.params.id, period(body.period), asOf);
      return reply.status(201).send(made);
    },
  );

  app.post<{ Params: IdParams }>(
    '/bilaterals/:id/assignments',
    guard('pledges.manage'),
    async (request, reply) => {
      const made = await node.financing.assign(request.params.id, object(request.body, 'body'));
      return reply.status(201).send(made);
    },
  );

  app.get<{ Params: IdParams }>('/bilaterals/:id/assignments', guard('pledges.read'), async (request) => {
    const id = request.params.id;
    const visible = (financier: string) =>
      node.access.canSeePledge(request.credential!, { bilateral: id, financier });
    return (await node.financing.assignments(id)).filter((a) => visible(a.body.financier.id));
  });

  const visible = (request: FastifyRequest) => (pledge: { bilateral: string; financier: string }) =>
    node.access.canSeePledge(request.credential!, pledge);

  app.get('/financing/pledges', guard('pledges.read'), async (request) =>
    node.financing.pledges(visible(request)),
  );

  app.get('/financing/exposure', guard('pledges.read'), async (request) =>
    node.financing.exposure(visible(request)),
  );
}
