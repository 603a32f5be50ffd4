/**
 * Credentials of the owner API and its audit log (admin):
 * `GET /credentials`, `POST /credentials {name, role, bilaterals?, party?, expiresAt?}`
 * (the token is in this answer only), `POST /credentials/:id/revoke`,
 * `POST /credentials/:id/expire {at?}`, `GET /audit?bilateral=&actor=&from=&limit=`.
 */
import type { FastifyInstance } from 'fastify';
import { NodeError, type PartyNode, type Role } from '../../node/index.ts';
import { guard } from '../access.ts';
import { integer, object } from './params.ts';

function time(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const at = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new NodeError('BAD_REQUEST', `${name}: expected an RFC 3339 time`);
  return at;
}

export function credentialRoutes(app: FastifyInstance, node: PartyNode): void {
  app.get('/credentials', guard('credentials.manage'), async () => node.access.list());

  app.post('/credentials', guard('credentials.manage', 'credentials.create'), async (request, reply) => {
    const body = object(request.body, 'body');
    if (body.bilaterals !== undefined && body.bilaterals !== null && !Array.isArray(body.bilaterals))
      throw new NodeError('BAD_REQUEST', 'bilaterals: expected an array of bilateral ids');
    const expiresAt = time(body.expiresAt, 'expiresAt');
    const issued = await node.access.issue({
      name: body.name as string,
      role: body.role as Role,
      createdBy: request.credential!.id,
      ...(Array.isArray(body.bilaterals) ? { bilaterals: body.bilaterals as string[] } : {}),
      ...(typeof body.party === 'string' ? { party: body.party } : {}),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    return reply.status(201).send(issued);
  });

  // `:credential`, not `:id`: an `id` parameter names a bilateral (access.ts scopes and audits by it).
  app.post<{ Params: { credential: string } }>(
    '/credentials/:credential/revoke',
    guard('credentials.manage', 'credentials.revoke'),
    async (request) => node.access.revoke(request.params.credential),
  );

  app.post<{ Params: { credential: string } }>(
    '/credentials/:credential/expire',
    guard('credentials.manage', 'credentials.expire'),
    async (request) => {
      const body = request.body === undefined ? {} : object(request.body, 'body');
      return node.access.expire(request.params.credential, time(body.at, 'at'));
    },
  );

  app.get<{ Querystring: { bilateral?: string; actor?: string; from?: string; limit?: string } }>(
    '/audit',
    guard('audit.read'),
    async (request) => {
      const { bilateral, actor, from, limit } = request.query;
      const credential = request.credential!;
      if (bilateral !== undefined) node.access.authorize(credential, 'audit.read', bilateral);
      const fromSeq = integer(from, 'from');
      const records = await node.access.log({
        ...(bilateral === undefined ? {} : { bilateral }),
        ...(actor === undefined ? {} : { actor }),
        ...(fromSeq === undefined ? {} : { fromSeq }),
        limit: integer(limit, 'limit', 1000) ?? 100,
      });
      // A credential scoped to some bilaterals sees only their records.
      return records.filter((r) =>
        r.bilateral === null ? credential.bilaterals === null : node.access.inScope(credential, r.bilateral),
      );
    },
  );
}
