/**
 * Access control of the owner API, through the API itself (two nodes in
 * memory, fastify inject), against the issue's rules: every request needs a
 * credential; each role is refused what it may not do and the refusal
 * changes nothing; a credential scoped to one bilateral learns nothing of
 * another; credentials are created, listed (never their token), expired and
 * revoked; every change is in the audit log, never a token. No request may
 * answer a 5xx (`send` checks every one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/node/index.ts';
import {
  type Answer,
  allowed,
  type Ids,
  makeWorld,
  outage,
  type Route,
  roleNames,
  routes,
  send,
  unknownId,
  type World,
} from './owner-access.fixtures.ts';

/** Makes every request body new, so a repeated call is not refused as a duplicate. */
let counter = 0;
const next = () => ++counter;

function idsOf(world: World, bilateral: string, credentials: { revoke: string; expire: string }): Ids {
  return {
    bilateral,
    acceptProposal: world.proposals[0],
    declineProposal: world.proposals[1],
    revokeCredential: credentials.revoke,
    expireCredential: credentials.expire,
    subscription: world.subscription,
    incident: world.incident,
    sonataHubs: world.sonataHubs,
    cancellation: world.cancellation,
    acceptDispute: world.disputes[0],
    rejectDispute: world.disputes[1],
    payment: world.payment,
    agreement: world.agreement,
    round: world.round,
  };
}

function call(world: World, token: string | undefined, route: Route, ids: Ids): Promise<Answer> {
  return send(world.seller.owner, token, route.method, route.path(ids), route.body?.(next(), world));
}

/** The answer an unknown bilateral gets, and so the one a hidden bilateral must get. */
function expectUnknownBilateral(answer: Answer, id: string) {
  expect(answer.status).toBe(404);
  const message = `no bilateral ${id}`;
  expect(answer.body).toEqual({
    type: '/docs/problems#NOT_FOUND',
    title: 'Not Found',
    status: 404,
    detail: message,
    instance: expect.any(String),
    code: 'NOT_FOUND',
    message,
  });
}

describe('every request needs a credential', () => {
  let world: World;
  let ids: Ids;
  beforeAll(async () => {
    world = await makeWorld();
    const victim = await world.issue('operator');
    ids = idsOf(world, world.a, { revoke: victim.id, expire: victim.id });
  });
  afterAll(() => world.network.close());

  for (const route of routes) {
    it(`${route.method} ${route.pattern}: 401 without a credential or with a token of no credential`, async () => {
      const before = await world.state();
      const none = await call(world, undefined, route, ids);
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('CREDENTIAL_MISSING');
      const forged = `sbk_${'0'.repeat(12)}_${'A'.repeat(43)}`;
      const invalid = await call(world, forged, route, ids);
      expect(invalid.status).toBe(401);
      expect(invalid.body.code).toBe('CREDENTIAL_INVALID');
      expect(invalid.raw).not.toContain(forged);
      expect(await world.state()).toBe(before);
    });
  }

  it('HEAD (which fastify adds to every GET route) is guarded like GET', async () => {
    const owner = world.seller.owner;
    const head = async (url: string, token?: string) => {
      const response = await owner.inject({
        method: 'HEAD',
        url,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode, `HEAD ${url}`).toBeLessThan(500);
      return response.statusCode;
    };
    expect(await head(`/bilaterals/${world.a}`)).toBe(401);
    expect(await head('/credentials')).toBe(401);
    const scoped = await world.issue('auditor', { bilaterals: [world.a] });
    expect(await head(`/bilaterals/${world.b}`, scoped.token)).toBe(404);
    expect(await head(`/bilaterals/${unknownId()}`, scoped.token)).toBe(404);
    expect(await head('/credentials', scoped.token)).toBe(403);
  });

  it('/health alone is public', async () => {
    expect((await send(world.seller.owner, undefined, 'GET', '/health')).status).toBe(200);
  });
});

/** `METHOD /path` of every route an app serves (HEAD aside), from fastify's own route tree. */
function registered(app: World['seller']['owner']): string[] {
  const served: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (match === null) continue;
    stack.length = match[1]!.length / 4;
    stack.push(match[2]!);
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD') served.push(`${method} ${stack.join('')}`);
    }
  }
  return served.sort();
}

describe('the route table covers the owner API', () => {
  it('every route the owner app serves is in the table, and no other', async () => {
    // A new route needs a row (and a decision about who may call it) before this passes.
    const world = await makeWorld();
    try {
      const listed = new Set(routes.map((r) => `${r.method} ${r.pattern.split('?')[0]}`));
      // The public routes (/health, the API's own documentation: test/openapi.test.ts, the
      // console's static files: test/console.test.ts) aside.
      const owner = registered(world.seller.owner).filter(
        (r) => r !== 'GET /health' && !r.startsWith('GET /docs') && !r.startsWith('GET /console'),
      );
      expect(owner).toEqual([...listed].sort());
    } finally {
      await world.network.close();
    }
  });
});

describe('each role is refused what it may not do, and the refusal changes nothing', () => {
  let world: World;
  let ids: Ids;
  const tokens = new Map<string, string>();
  beforeAll(async () => {
    world = await makeWorld();
    for (const role of roleNames) tokens.set(role, (await world.issue(role)).token);
    const revoke = await world.issue('operator');
    const expire = await world.issue('operator');
    ids = idsOf(world, world.a, { revoke: revoke.id, expire: expire.id });
  });
  afterAll(() => world.network.close());

  for (const route of routes) {
    it(`${route.method} ${route.pattern}`, async () => {
      for (const role of roleNames) {
        const before = await world.state();
        const answer = await call(world, tokens.get(role), route, ids);
        const what = `${role} ${route.method} ${route.path(ids)} → ${answer.status} ${answer.raw}`;
        if (allowed[role].has(route.need)) {
          // Allowed: a repeated body may be refused (4xx: already issued, decided), never for access.
          expect([401, 403], what).not.toContain(answer.status);
          // The admin calls first, with bodies that are valid: it succeeds, so an allowed call is real.
          if (role === 'admin' && route.without !== undefined) {
            // A Sonata 422 is an array of errors (the spec's Error422): its first error's code.
            const code = Array.isArray(answer.body) ? answer.body[0]?.code : answer.body.code;
            expect([answer.status, code], what).toEqual([route.without.status, route.without.code]);
          } else if (role === 'admin') expect(answer.status, what).toBeLessThan(300);
        } else {
          expect(answer.status, what).toBe(403);
          expect(answer.body.code, what).toBe('ACCESS_DENIED');
          expect(answer.body.details, what).toMatchObject({ role, permission: route.permission });
          expect(await world.state(), `${what}: the refusal changed something`).toBe(before);
        }
      }
    });
  }

  it('a streamed usage upload (CSV) is refused before a line of it is read', async () => {
    const csv = 'id,service,metric,quantity,at\nstream-1,S1,gb,1,2026-01-02T00:00:00Z\n';
    for (const role of roleNames.filter((r) => !allowed[r].has('usage'))) {
      const before = await world.state();
      const response = await world.seller.owner.inject({
        method: 'POST',
        url: `/bilaterals/${world.a}/usage`,
        headers: { authorization: `Bearer ${tokens.get(role)}`, 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(response.statusCode, `${role}: ${response.body}`).toBe(403);
      expect(response.json().code).toBe('ACCESS_DENIED');
      expect(await world.state()).toBe(before);
    }
  });

  it('the roles the issue names are the roles there are', async () => {
    // A sixth role would be a role nobody decided the rights of.
    const { roles } = await import('../src/node/index.ts');
    expect([...roles].sort()).toEqual([...roleNames].sort());
  });
});

describe('a credential scoped to bilateral A learns nothing of bilateral B', () => {
  let world: World;
  let ids: (bilateral: string) => Ids;
  const scoped = new Map<string, { id: string; token: string }>();
  const bilateralRoutes = routes.filter((r) => r.bilateral);
  const nodeWide = routes.filter((r) =>
    ['propose', 'credentials', 'peers.read', 'peers.manage', 'proposals.read', 'proposals.decide'].includes(
      r.need,
    ),
  );

  beforeAll(async () => {
    world = await makeWorld();
    for (const role of roleNames) scoped.set(role, await world.issue(role, { bilaterals: [world.a] }));
    const revoke = await world.issue('operator');
    const expire = await world.issue('operator');
    ids = (bilateral) => idsOf(world, bilateral, { revoke: revoke.id, expire: expire.id });
    // Something about B in the audit log, done by the unscoped admin.
    const recorded = await send(
      world.seller.owner,
      world.admin,
      'POST',
      `/bilaterals/${world.b}/facts`,
      outage(1),
    );
    expect(recorded.status).toBe(201);
  });
  afterAll(() => world.network.close());

  for (const route of bilateralRoutes) {
    it(`${route.method} ${route.pattern}: B answers exactly as an unknown id, for every role`, async () => {
      for (const role of roleNames) {
        const { token } = scoped.get(role)!;
        const before = await world.state();
        const hidden = await call(world, token, route, ids(world.b));
        const stranger = unknownId();
        const unknown = await call(world, token, route, ids(stranger));
        const what = `${role} ${route.method} ${route.path(ids(world.b))} → ${hidden.raw}`;
        if (route.pattern.includes('?') && !allowed[role].has(route.need)) {
          // The id is in the query: a role without the route's permission is refused the
          // route itself, before any bilateral is looked at — the same for every id.
          expect(hidden.status, what).toBe(403);
          expect(hidden.body.code, what).toBe('ACCESS_DENIED');
        } else {
          expectUnknownBilateral(hidden, world.b);
          expectUnknownBilateral(unknown, stranger);
        }
        expect(hidden.raw.replaceAll(world.b, '<id>'), what).toBe(unknown.raw.replaceAll(stranger, '<id>'));
        expect(await world.state(), `${role} ${route.pattern} about B changed something`).toBe(before);
      }
    });
  }

  it('the scope lets A through (the refusals above are about B, not about every id)', async () => {
    const { token } = scoped.get('admin')!;
    for (const route of bilateralRoutes) {
      const answer = await call(world, token, route, ids(world.a));
      expect([401, 403, 404], `${route.pattern} → ${answer.raw}`).not.toContain(answer.status);
    }
  });

  it('an unknown bilateral gets, from an unscoped admin, the very answer a hidden one gets', async () => {
    // Otherwise "hidden" would be an answer of its own, telling B exists. The audit
    // log's `?bilateral=` is a filter, not a bilateral's resource: an unscoped
    // admin gets the (empty) records of any id, so it is left out here.
    for (const route of bilateralRoutes.filter((r) => !r.pattern.includes('?'))) {
      const stranger = unknownId();
      expectUnknownBilateral(await call(world, world.admin, route, ids(stranger)), stranger);
    }
  });

  it('GET /bilaterals lists only A', async () => {
    for (const role of roleNames.filter((r) => allowed[r].has('read'))) {
      const listed = await send(world.seller.owner, scoped.get(role)!.token, 'GET', '/bilaterals');
      expect(listed.status).toBe(200);
      expect(listed.body.map((b: { id: string }) => b.id)).toEqual([world.a]);
    }
  });

  it("GET /audit shows only A's records", async () => {
    // Activity about A, and attempts on B by the scoped operator itself.
    const operator = scoped.get('operator')!.token;
    expect(
      (await send(world.seller.owner, operator, 'POST', `/bilaterals/${world.a}/facts`, outage(2))).status,
    ).toBe(201);
    await send(world.seller.owner, operator, 'POST', `/bilaterals/${world.b}/facts`, outage(3));
    const all = await send(world.seller.owner, world.admin, 'GET', '/audit?limit=1000');
    expect(all.body.some((r: { bilateral: string | null }) => r.bilateral === world.b)).toBe(true);
    expect(all.body.some((r: { bilateral: string | null }) => r.bilateral === null)).toBe(true);
    for (const role of roleNames.filter((r) => allowed[r].has('audit'))) {
      const { token } = scoped.get(role)!;
      const log = await send(world.seller.owner, token, 'GET', '/audit?limit=1000');
      expect(log.status).toBe(200);
      expect(log.body.length).toBeGreaterThan(0);
      for (const record of log.body) expect(record.bilateral).toBe(world.a);
      expect(log.raw).not.toContain(world.b);
      const filtered = await send(world.seller.owner, token, 'GET', `/audit?bilateral=${world.a}`);
      expect(filtered.body.length).toBe(log.body.length);
    }
  });

  for (const route of nodeWide) {
    it(`${route.method} ${route.pattern}: refused to every scoped credential, a scoped admin too`, async () => {
      // A node-wide route would show (or change) what concerns every bilateral.
      for (const role of roleNames) {
        const before = await world.state();
        const answer = await call(world, scoped.get(role)!.token, route, ids(world.a));
        const what = `scoped ${role} ${route.method} ${route.path(ids(world.a))} → ${answer.raw}`;
        expect(answer.status, what).toBe(403);
        expect(answer.body.code, what).toBe('ACCESS_DENIED');
        expect(await world.state(), what).toBe(before);
      }
    });
  }

  it('a scoped admin cannot issue itself (or anyone) an unscoped credential', async () => {
    const { token } = scoped.get('admin')!;
    for (const body of [
      { name: 'escape', role: 'admin' },
      { name: 'escape', role: 'admin', bilaterals: [world.a] },
    ]) {
      const before = await world.state();
      const answer = await send(world.seller.owner, token, 'POST', '/credentials', body);
      expect(answer.status).toBe(403);
      expect(answer.raw).not.toContain('sbk_');
      expect(await world.state()).toBe(before);
    }
  });
});

describe('credentials over the API: created, listed, expired, revoked', () => {
  let world: World;
  beforeAll(async () => {
    world = await makeWorld();
  });
  afterAll(() => world.network.close());

  const owner = () => world.seller.owner;

  it('an admin creates an operator: the token is shown once and works; the list never shows it', async () => {
    const created = await send(owner(), world.admin, 'POST', '/credentials', {
      name: 'ops',
      role: 'operator',
    });
    expect(created.status).toBe(201);
    const { credential, token } = created.body;
    expect(token).toMatch(/^sbk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(credential).toMatchObject({ name: 'ops', role: 'operator', bilaterals: null, party: null });
    expect(credential).not.toHaveProperty('tokenHash');

    const listed = await send(owner(), world.admin, 'GET', '/credentials');
    expect(listed.status).toBe(200);
    expect(listed.body.map((c: { id: string }) => c.id)).toContain(credential.id);
    for (const c of listed.body) expect(c).not.toHaveProperty('tokenHash');
    expect(listed.raw).not.toContain(token);
    expect(listed.raw).not.toContain(token.slice(18));
    expect(listed.raw).not.toContain(hashToken(token));

    const used = await send(owner(), token, 'POST', `/bilaterals/${world.a}/facts`, outage(next()));
    expect(used.status).toBe(201);
  });

  it('an expired credential is refused as expired, a revoked one as revoked', async () => {
    const make = async (name: string) =>
      (await send(owner(), world.admin, 'POST', '/credentials', { name, role: 'operator' })).body as {
        credential: { id: string };
        token: string;
      };
    const doomed = await make('expires');
    const gone = await make('revoked');
    for (const { token } of [doomed, gone]) {
      expect((await send(owner(), token, 'GET', `/bilaterals/${world.a}`)).status).toBe(200);
    }

    const expired = await send(owner(), world.admin, 'POST', `/credentials/${doomed.credential.id}/expire`);
    expect(expired.status).toBe(200);
    expect(expired.body.expiresAt).not.toBeNull();
    const afterExpiry = await send(owner(), doomed.token, 'GET', `/bilaterals/${world.a}`);
    expect(afterExpiry.status).toBe(401);
    expect(afterExpiry.body.code).toBe('CREDENTIAL_EXPIRED');
    // "Expire" only ends validity: a later time does not bring an expired credential back.
    const later = { at: '2100-01-01T00:00:00Z' };
    await send(owner(), world.admin, 'POST', `/credentials/${doomed.credential.id}/expire`, later);
    expect((await send(owner(), doomed.token, 'GET', `/bilaterals/${world.a}`)).status).toBe(401);

    const revoked = await send(owner(), world.admin, 'POST', `/credentials/${gone.credential.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const afterRevoke = await send(owner(), gone.token, 'GET', `/bilaterals/${world.a}`);
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.code).toBe('CREDENTIAL_REVOKED');
    // A refused credential changes nothing either.
    const before = await world.state();
    const write = await send(owner(), gone.token, 'POST', `/bilaterals/${world.a}/facts`, outage(next()));
    expect(write.status).toBe(401);
    expect(await world.state()).toBe(before);

    const listed = await send(owner(), world.admin, 'GET', '/credentials');
    const byId = new Map(listed.body.map((c: { id: string }) => [c.id, c]));
    expect(byId.get(doomed.credential.id)).toMatchObject({ expiresAt: expired.body.expiresAt });
    expect(byId.get(gone.credential.id)).toMatchObject({ revokedAt: revoked.body.revokedAt });
  });

  it('an unknown credential id cannot be revoked or expired', async () => {
    for (const action of ['revoke', 'expire']) {
      const answer = await send(owner(), world.admin, 'POST', `/credentials/${'f'.repeat(12)}/${action}`);
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('NOT_FOUND');
    }
  });

  it('no role but admin creates, revokes or expires credentials', async () => {
    const victim = await world.issue('auditor');
    for (const role of roleNames.filter((r) => r !== 'admin')) {
      const { token } = await world.issue(role);
      const before = await world.state();
      for (const [url, body] of [
        ['/credentials', { name: `by ${role}`, role: 'admin' }],
        [`/credentials/${victim.id}/revoke`, undefined],
        [`/credentials/${victim.id}/expire`, undefined],
      ] as const) {
        const answer = await send(owner(), token, 'POST', url, body);
        expect(answer.status, `${role} POST ${url}`).toBe(403);
        expect(answer.body.code).toBe('ACCESS_DENIED');
      }
      expect(await world.state()).toBe(before);
    }
  });

  it('invalid input is refused with 422 naming the field, and creates nothing', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x', role: 'root' }, 'role'],
      [{ name: '', role: 'operator' }, 'name'],
      [{ name: '   ', role: 'operator' }, 'name'],
      [{ role: 'operator' }, 'name'],
      [{ name: 'x', role: 'operator', bilaterals: [unknownId()] }, 'bilaterals[0]'],
      [{ name: 'x', role: 'operator', bilaterals: [world.a, world.a] }, 'bilaterals[1]'],
      [{ name: 'x', role: 'operator', bilaterals: [] }, 'bilaterals'],
      [{ name: 'x', role: 'financier' }, 'party'],
      [{ name: 'x', role: 'operator', party: 'bank-a' }, 'party'],
      [{ name: 'x', role: 'operator', expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt'],
    ];
    for (const [body, field] of cases) {
      const before = await world.state();
      const answer = await send(owner(), world.admin, 'POST', '/credentials', body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.code).toBe('ACCESS_BAD_INPUT');
      expect(answer.body.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(answer.raw).not.toContain('sbk_');
      expect(await world.state()).toBe(before);
    }
  });

  it('a financier credential names its party; a scoped one its bilaterals', async () => {
    const financier = await send(owner(), world.admin, 'POST', '/credentials', {
      name: 'bank',
      role: 'financier',
      party: 'bank-a',
    });
    expect(financier.status).toBe(201);
    expect(financier.body.credential).toMatchObject({ role: 'financier', party: 'bank-a' });
    const scoped = await send(owner(), world.admin, 'POST', '/credentials', {
      name: 'a only',
      role: 'auditor',
      bilaterals: [world.a],
    });
    expect(scoped.status).toBe(201);
    expect(scoped.body.credential.bilaterals).toEqual([world.a]);
  });

  it('malformed inputs are refused as bad requests, not crashes', async () => {
    for (const body of [
      { name: 'x', role: 'operator', bilaterals: 'all' },
      { name: 'x', role: 'operator', expiresAt: 'tomorrow' },
      { name: 'x', role: 'operator', expiresAt: 1_900_000_000_000 },
      { name: 'x', role: 'operator', bilaterals: [null, 5, {}] },
      { name: { first: 'x' }, role: ['admin'] },
      [],
      'admin',
      null,
    ]) {
      const before = await world.state();
      const answer = await send(owner(), world.admin, 'POST', '/credentials', body);
      expect([400, 422], `${JSON.stringify(body)} → ${answer.raw}`).toContain(answer.status);
      expect(await world.state()).toBe(before);
    }
    const badAt = await send(owner(), world.admin, 'POST', `/credentials/${'f'.repeat(12)}/expire`, {
      at: 'soon',
    });
    expect(badAt.status).toBe(400);
  });
});

describe('the audit log: who, when, what, what resulted; never a token', () => {
  let world: World;
  let operator: { id: string; token: string };
  let auditor: { id: string; token: string };
  beforeAll(async () => {
    world = await makeWorld();
    operator = await world.issue('operator');
    auditor = await world.issue('auditor');
  });
  afterAll(() => world.network.close());

  const log = async (token: string, query = '') => {
    const answer = await send(world.seller.owner, token, 'GET', `/audit?limit=1000${query}`);
    expect(answer.status).toBe(200);
    return answer.body as {
      seq: number;
      at: string;
      actor: string;
      action: string;
      bilateral: string | null;
      request: { method: string; path: string };
      result: {
        hash?: string;
        entry?: { author?: string; seq?: number };
        credential?: Record<string, unknown>;
      } | null;
      outcome: string;
      code: string | null;
    }[];
  };

  it('a fact recorded by an operator: actor, action, bilateral, request, the entry, ok', async () => {
    const started = Date.now();
    const path = `/bilaterals/${world.a}/facts`;
    const recorded = await send(world.seller.owner, operator.token, 'POST', path, outage(next()));
    expect(recorded.status).toBe(201);
    for (const reader of [world.admin, auditor.token]) {
      const records = (await log(reader)).filter(
        (r) => r.actor === operator.id && r.action === 'facts.record',
      );
      expect(records).toHaveLength(1);
      const [record] = records;
      expect(record).toMatchObject({
        actor: operator.id,
        action: 'facts.record',
        bilateral: world.a,
        request: { method: 'POST', path },
        outcome: 'ok',
        code: null,
      });
      expect(Date.parse(record!.at)).toBeGreaterThanOrEqual(started - 1000);
      expect(record?.result?.hash).toBe(recorded.body.hash);
      expect(record?.result).toMatchObject({
        author: 'acme-fiber',
        seq: recorded.body.seq,
        ref: `acme-fiber/${recorded.body.seq}`,
      });
    }
  });

  it('a refused attempt by an authenticated credential is recorded as refused, with its code', async () => {
    const path = `/bilaterals/${world.a}/invoices`;
    const refused = await send(world.seller.owner, operator.token, 'POST', path, { period: '2026-01' });
    expect(refused.status).toBe(403);
    const records = (await log(world.admin)).filter(
      (r) => r.actor === operator.id && r.action === 'invoices.issue',
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      bilateral: world.a,
      request: { method: 'POST', path },
      result: null,
      outcome: 'refused',
      code: 'ACCESS_DENIED',
    });
  });

  it('reading the log is admin and auditor work only', async () => {
    for (const role of ['operator', 'finance', 'financier'] as const) {
      const { token } = await world.issue(role);
      const answer = await send(world.seller.owner, token, 'GET', '/audit');
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('ACCESS_DENIED');
    }
  });

  it('creating, expiring and revoking a credential are recorded, the token nowhere', async () => {
    const created = await send(world.seller.owner, world.admin, 'POST', '/credentials', {
      name: 'audited',
      role: 'finance',
    });
    expect(created.status).toBe(201);
    const { credential, token } = created.body as { credential: { id: string }; token: string };
    await send(world.seller.owner, world.admin, 'POST', `/credentials/${credential.id}/expire`);
    await send(world.seller.owner, world.admin, 'POST', `/credentials/${credential.id}/revoke`);
    for (const reader of [world.admin, auditor.token]) {
      const records = await log(reader);
      const raw = JSON.stringify(records);
      expect(raw).not.toContain(token);
      expect(raw).not.toContain(token.slice(18));
      expect(raw).not.toContain(hashToken(token));
      const create = records.find((r) => r.action === 'credentials.create' && r.outcome === 'ok');
      expect(create?.result?.credential).toMatchObject({ id: credential.id, role: 'finance' });
      for (const action of ['credentials.create', 'credentials.expire', 'credentials.revoke']) {
        const record = records.find((r) => r.action === action);
        expect(record, action).toBeDefined();
        // Node-wide changes concern no bilateral (the credential's id is not one).
        expect.soft(record, action).toMatchObject({ outcome: 'ok', bilateral: null });
      }
    }
  });
});

describe('odd requests are refused as such, never answered with a 5xx', () => {
  let world: World;
  beforeAll(async () => {
    world = await makeWorld();
  });
  afterAll(() => world.network.close());

  it('odd bodies, queries and headers', async () => {
    const owner = world.seller.owner;
    const a = `/bilaterals/${world.a}`;
    const probes: [string, string, unknown][] = [
      ['POST', `${a}/facts`, null],
      ['POST', `${a}/facts`, 42],
      ['POST', `${a}/facts`, []],
      ['POST', `${a}/facts`, [null]],
      ['POST', `${a}/facts`, { type: 'outage' }],
      ['POST', `${a}/usage`, null],
      ['POST', `${a}/usage`, [{ id: 'u' }]],
      ['POST', `${a}/invoices`, { period: '2026-13' }],
      ['POST', `${a}/invoices`, null],
      ['GET', `${a}/invoices/nope/preview`, undefined],
      ['GET', `${a}/entries?from=x`, undefined],
      ['GET', `${a}/entries?author=nobody`, undefined],
      ['GET', `${a}/usage?afterAt=x`, undefined],
      ['GET', `${a}/usage?afterAt=x&afterId=y`, undefined],
      ['GET', `${a}/reconciliation`, undefined],
      ['GET', `${a}/reconciliation?period=2026-01`, undefined],
      ['GET', `${a}/proof`, undefined],
      ['GET', `${a}/proof?entry=nobody/1`, undefined],
      ['GET', `${a}/proof?entry=acme-fiber/99999`, undefined],
      ['GET', `${a}/proof?usage=nope`, undefined],
      ['GET', `${a}/proof?invoice=2026-01`, undefined],
      ['GET', '/bilaterals/not-an-id', undefined],
      ['GET', '/bilaterals/%00', undefined],
      ['POST', '/bilaterals', { terms: {} }],
      ['POST', '/bilaterals', null],
      ['PUT', '/peers/initech', {}],
      ['PUT', '/peers/acme-fiber', { key: 'x', endpoint: 'http://x' }],
      ['DELETE', '/peers/nobody', undefined],
      ['GET', '/proposals?status=odd', undefined],
      ['POST', `/proposals/${unknownId()}/accept`, undefined],
      ['GET', '/audit?limit=100000', undefined],
      ['GET', '/audit?from=-1', undefined],
      ['GET', '/audit?bilateral=', undefined],
      ['GET', '/nowhere', undefined],
      // A repeated query parameter arrives as an array, not a string.
      ['GET', `${a}/usage?author=acme-fiber&author=globex`, undefined],
      ['GET', `${a}/usage?service=S1&service=S2`, undefined],
      ['GET', `${a}/proof?usage=u1&author=acme-fiber&author=globex`, undefined],
      ['GET', `${a}/proof?entry=acme-fiber/1&entry=globex/1`, undefined],
      ['GET', `${a}/entries?author=acme-fiber&author=globex`, undefined],
      ['GET', `${a}/reconciliation?period=2026-01&service=S1&service=S2`, undefined],
      ['GET', `/audit?bilateral=${world.a}&bilateral=${world.b}`, undefined],
      ['GET', '/audit?actor=a&actor=b', undefined],
      ['GET', '/proposals?status=pending&status=accepted', undefined],
    ];
    for (const [method, url, body] of probes) {
      // `send` fails the test on any 5xx; a 2xx or 4xx is each probe's own business.
      await send(owner, world.admin, method as 'GET', url, body);
    }
    for (const authorization of ['Bearer', 'Basic abc', 'Bearer  ', `Bearer ${world.admin} extra`, 'sbk_x']) {
      const response = await owner.inject({ method: 'GET', url: '/bilaterals', headers: { authorization } });
      expect(response.statusCode, authorization).toBe(401);
    }
  });
});
