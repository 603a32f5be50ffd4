/**
 * Netting agreements. `POST /netting/:party/settlements` has a settlement
 * statement with `party` computed, signed and co-signed (it settles by
 * set-off at once); the net payer pays its net with
 * `POST /netting-agreements/:hash/pay {id, at}`. `POST /netting-rounds
 * {members, currency, period?, asOf?, id?}` runs a multilateral round with
 * this node as coordinator; each of its payments is confirmed by its payer
 * (paid) and its payee (received) with `POST …/payments/:index`. The peer side (`/peer/netting/…`) is where the
 * other nodes ask this one to co-sign, produce and sign.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NodeError, type PartyNode } from '../../node/index.ts';
import { guard } from '../access.ts';
import { integer, object } from './params.ts';
import { call } from './peer.ts';

type HashParams = { hash: string };

/**
 * An agreement spans every bilateral with a counterparty (a round, every
 * member's): a credential scoped to some bilaterals may not see or make one.
 */
function unscoped(request: FastifyRequest): void {
  if (request.credential?.bilaterals != null) {
    throw new NodeError(
      'NOT_PERMITTED',
      'netting agreements span bilaterals: this credential is scoped to some',
    );
  }
}

export function nettingRoutes(app: FastifyInstance, node: PartyNode): void {
  app.post<{ Params: { party: string } }>(
    '/netting/:party/settlements',
    guard('settlement.manage', 'netting.settle'),
    async (request, reply) => {
      unscoped(request);
      const body = object(request.body ?? {}, 'body');
      return reply.status(201).send(await node.nettingAgreements.settle(request.params.party, body));
    },
  );

  app.post('/netting-rounds', guard('settlement.manage', 'netting.round'), async (request, reply) => {
    unscoped(request);
    const body = object(request.body, 'body');
    return reply.status(201).send(await node.nettingAgreements.round(body));
  });

  app.get<{ Querystring: { type?: string; round?: string } }>(
    '/netting-agreements',
    guard('invoices.read'),
    async (request) => {
      unscoped(request);
      return node.nettingAgreements.list(request.query);
    },
  );

  app.get<{ Params: HashParams }>('/netting-agreements/:hash', guard('invoices.read'), async (request) => {
    unscoped(request);
    return node.nettingAgreements.get(request.params.hash);
  });

  app.post<{ Params: HashParams }>(
    '/netting-agreements/:hash/pay',
    guard('settlement.manage', 'netting.pay'),
    async (request) => {
      unscoped(request);
      return node.nettingAgreements.payNet(request.params.hash, object(request.body, 'body'));
    },
  );

  app.post<{ Params: HashParams & { index: string } }>(
    '/netting-agreements/:hash/payments/:index',
    guard('settlement.manage', 'netting.confirm'),
    async (request) => {
      unscoped(request);
      return node.nettingAgreements.confirmRoundPayment(
        request.params.hash,
        integer(request.params.index, 'index', 10_000) ?? -1,
        object(request.body ?? {}, 'body'),
      );
    },
  );
}

/** The peer side: every request signed by a party in this node's directory. */
export function nettingPeerRoutes(app: FastifyInstance, node: PartyNode): void {
  const routes: [string, (from: string, body: Record<string, unknown>) => Promise<unknown>][] = [
    ['/peer/netting/statements', (from, body) => node.nettingAgreements.cosign(from, body)],
    ['/peer/netting/round-statements', (from, body) => node.nettingAgreements.roundStatement(from, body)],
    ['/peer/netting/rounds/sign', (from, body) => node.nettingAgreements.signRound(from, body)],
    ['/peer/netting/rounds/agreed', (from, body) => node.nettingAgreements.roundAgreed(from, body)],
    ['/peer/netting/rounds/payments', (from, body) => node.nettingAgreements.roundPaymentReport(from, body)],
    ['/peer/netting/agreement', (from, body) => node.nettingAgreements.signatureOf(from, body)],
  ];
  for (const [path, handle] of routes) {
    app.post(path, async (request) => {
      const from = await node.peering.known(call(request));
      return handle(from.party, object(request.body, 'body'));
    });
  }
}
