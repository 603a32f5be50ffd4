/**
 * The node documents its own API: an OpenAPI 3 document generated from the
 * route schemas of both apps, served with an interactive page that needs
 * nothing from outside, every refusal an RFC 9457 problem, and real answers
 * matching the documented response schemas.
 */

import { join } from 'node:path';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeDocs } from '../src/api/docs/route-docs.ts';
import { introduce } from '../src/api/index.ts';
import { launchChromium, screenshotDir } from './browser.fixtures.ts';
import { MemoryNetwork, type MemoryNode } from './in-memory.ts';
import { exampleFacts, exampleTerms } from './support.ts';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        summary: string;
        responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
        parameters?: { name: string; in: string }[];
      }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

async function documentOf(app: FastifyInstance): Promise<Doc> {
  const answer = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  return answer.json() as Doc;
}

const toOpenApi = (url: string) => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

describe('the OpenAPI document, /docs and problems', () => {
  const network = new MemoryNetwork();
  let seller: MemoryNode;
  let buyer: MemoryNode;
  let bilateral: string;
  const ajv = new Ajv({ strict: false, allErrors: true });
  (formats as unknown as { default: (ajv: Ajv) => void }).default(ajv);
  ajv.addKeyword('example');

  beforeAll(async () => {
    seller = await network.add('acme-fiber');
    buyer = await network.add('globex');
    await introduce(seller, buyer);
    const created = await seller.call<{ id: string }>('POST', '/bilaterals', {
      terms: exampleTerms(),
      peer: buyer.node.endpoint,
    });
    expect(created.status).toBe(201);
    bilateral = created.body.id;
  }, 60_000);
  afterAll(() => network.close());

  it('documents every route of both apps, each with a summary, its path parameters and a problem answer', async () => {
    for (const [name, app] of [
      ['owner', seller.owner],
      ['peer', seller.peer],
    ] as const) {
      const doc = await documentOf(app);
      expect(doc.openapi).toBe('3.0.3');
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const registered: string[] = [];
      // fastify's own route table, through its public API: every method a URL answers.
      for (const key of Object.keys(routeDocs)) {
        const [method, url] = key.split(' ') as [string, string];
        if (app.hasRoute({ method: method as 'GET', url })) registered.push(`${method} ${toOpenApi(url)}`);
      }
      expect(registered.length, name).toBeGreaterThan(name === 'owner' ? 60 : 10);
      for (const route of registered) expect(documented, `${name}: ${route}`).toContain(route);
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const where = `${name} ${method.toUpperCase()} ${path}`;
          expect(op.summary, where).not.toBe('Undocumented');
          const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
          expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? [], where).toEqual(
            params,
          );
          expect(op.responses['4XX']?.content?.['application/problem+json'], where).toBeDefined();
          for (const answer of Object.values(op.responses))
            for (const media of Object.values(answer.content ?? {}))
              if (!('$ref' in (media.schema as object)))
                expect(() => ajv.compile(media.schema as object), where).not.toThrow();
        }
      }
    }
  });

  it('no route is served without documentation', async () => {
    const doc = await documentOf(seller.owner);
    const undocumented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.summary === 'Undocumented')
        .map(([method]) => `${method} ${path}`),
    );
    expect(undocumented).toEqual([]);
    const peer = await documentOf(seller.peer);
    expect(
      Object.values(peer.paths)
        .flatMap((ops) => Object.values(ops))
        .filter((op) => op.summary === 'Undocumented'),
    ).toEqual([]);
  });

  it('serves an interactive page whose every asset is the node’s own', async () => {
    const page = await seller.owner.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toContain('/docs/assets/swagger-ui-bundle.js');
    for (const ref of refs) {
      expect(ref.startsWith('/'), ref).toBe(true);
      const asset = await seller.owner.inject({ method: 'GET', url: ref });
      expect(asset.statusCode, ref).toBe(200);
    }
    expect(
      (await seller.owner.inject({ method: 'GET', url: '/docs/assets/..%2Fpackage.json' })).statusCode,
    ).toBe(404);
    expect((await seller.owner.inject({ method: 'GET', url: '/docs/assets/index.html' })).statusCode).toBe(
      404,
    );
  });

  it('the interactive page renders every operation in Chromium, fetching nothing from elsewhere', async () => {
    const address = await seller.owner.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const outside: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(address)) outside.push(r.url());
      });
      await page.goto(`${address}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      const doc = await documentOf(seller.owner);
      const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
      expect(await page.locator('.opblock').count()).toBe(operations);
      expect(outside).toEqual([]);
      await page.screenshot({ path: join(screenshotDir('docs'), 'owner-api.png') });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('answers every refusal as an RFC 9457 problem whose type names its code on /docs/problems', async () => {
    const problems = await seller.owner.inject({ method: 'GET', url: '/docs/problems' });
    const { token } = await seller.node.access.issue({ name: 'problems', role: 'admin' });
    const cases: {
      method: 'GET' | 'POST';
      url: string;
      body?: string;
      auth?: boolean;
      status: number;
      code: string;
    }[] = [
      { method: 'GET', url: '/nowhere', status: 404, code: 'NOT_FOUND' },
      { method: 'GET', url: '/bilaterals', auth: false, status: 401, code: 'CREDENTIAL_MISSING' },
      {
        method: 'POST',
        url: `/bilaterals/${bilateral}/facts`,
        body: '{"type":',
        status: 400,
        code: 'BAD_REQUEST',
      },
      {
        method: 'POST',
        url: `/bilaterals/${bilateral}/facts`,
        body: '{"type":"outage"}',
        status: 422,
        code: 'FACT_INVALID',
      },
      {
        method: 'GET',
        url: `/bilaterals/${bilateral}/invoices/2026-13/preview`,
        status: 422,
        code: 'PERIOD_INVALID',
      },
    ];
    for (const c of cases) {
      const answer = await seller.owner.inject({
        method: c.method,
        url: c.url,
        headers: {
          ...(c.auth === false ? {} : { authorization: `Bearer ${token}` }),
          ...(c.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(c.body === undefined ? {} : { payload: c.body }),
      });
      const what = `${c.method} ${c.url}`;
      expect(answer.statusCode, what).toBe(c.status);
      expect(answer.headers['content-type'], what).toMatch(/^application\/problem\+json/);
      const body = answer.json();
      expect(body, what).toMatchObject({
        type: `/docs/problems#${c.code}`,
        status: c.status,
        instance: c.url,
        code: c.code,
      });
      expect(body.detail, what).toBe(body.message);
      expect(typeof body.title, what).toBe('string');
      expect(
        ajv.validate((await documentOf(seller.owner)).components.schemas.Problem as object, body),
        what,
      ).toBe(true);
      expect(problems.body, what).toContain(`id="${c.code}"`);
    }
    const invalid = await seller.call('POST', `/bilaterals/${bilateral}/facts`, { type: 'outage' });
    expect((invalid.body as { details: { path: string; rule: string }[] }).details[0]).toMatchObject({
      path: expect.any(String),
      rule: expect.any(String),
    });
  });

  it('real answers match the documented response schemas: money as decimal strings', async () => {
    const doc = await documentOf(seller.owner);
    const schemaOf = (path: string, method: string, status: string) =>
      doc.paths[path]![method]!.responses[status]!.content!['application/json']!.schema as object;
    const check = (schema: object, body: unknown, what: string) => {
      const validate = ajv.compile(schema);
      expect(validate(body) ? [] : validate.errors, what).toEqual([]);
    };
    const facts = exampleFacts();
    const one = await seller.call('POST', `/bilaterals/${bilateral}/facts?wait=replicated`, facts[0]);
    check(schemaOf('/bilaterals/{id}/facts', 'post', '201'), one.body, 'one fact');
    const many = await seller.call('POST', `/bilaterals/${bilateral}/facts`, facts.slice(1));
    expect(many.status).toBe(201);
    check(schemaOf('/bilaterals/{id}/facts', 'post', '201'), many.body, 'facts');
    for (const period of ['2026-01', '2026-02', '2026-03']) {
      const invoice = await seller.call('GET', `/bilaterals/${bilateral}/invoices/${period}/preview`);
      expect(invoice.status).toBe(200);
      check(schemaOf('/bilaterals/{id}/invoices/{period}/preview', 'get', '200'), invoice.body, period);
    }
    const statement = await seller.call('GET', `/bilaterals/${bilateral}/statement?asOf=2026-07-15`);
    expect(statement.status).toBe(200);
    check(schemaOf('/bilaterals/{id}/statement', 'get', '200'), statement.body, 'statement');
    const health = await seller.owner.inject({ method: 'GET', url: '/health' });
    check(schemaOf('/health', 'get', '200'), health.json(), 'health');
    // A number where money belongs is what the schemas exist to catch.
    expect(
      ajv.validate(schemaOf('/bilaterals/{id}/statement', 'get', '200'), {
        ...(statement.body as object),
        asOf: 5,
      }),
    ).toBe(false);
  });
});
