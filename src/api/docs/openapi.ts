/**
 * The node documents its own API: every route registered on an app is
 * collected as it is registered (fastify's `onRoute`), given its schema
 * from route-docs.ts, and the OpenAPI 3 document is generated from those
 * route schemas. Served at `/docs/openapi.json`, with an interactive page at
 * `/docs` (swagger-ui-dist's files, from the node itself: no CDN) and the
 * error codes at `/docs/problems`.
 *
 * Design rationale — documentation, not a second validator: the node's own
 * checks decide what a request may hold and answer with codes naming field
 * and rule (docs/api.md); fastify's generic validation would answer
 * differently, and its schema-driven serializer would drop fields a schema
 * does not list. So the schemas are attached for the document only: the
 * apps validate with the node and serialize with JSON.stringify. A test
 * checks real answers against the documented response schemas.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { HttpStatus } from '../../node/index.ts';
import { guard } from '../access.ts';
import { type RouteDoc, routeDocs } from './route-docs.ts';
import { Problem, type Schema } from './schemas.ts';

export interface DocumentedRoute {
  readonly method: string;
  readonly url: string;
  readonly doc: RouteDoc | undefined;
  readonly need: string | undefined;
}

/** Collects the routes of `app` as they are registered; call before any route is added. */
export function collectRoutes(app: FastifyInstance): DocumentedRoute[] {
  const routes: DocumentedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      const doc = routeDocs[`${method} ${route.url}`];
      const need = (route.config as { need?: string } | undefined)?.need;
      routes.push({ method, url: route.url, doc, need });
    }
  });
  // Schemas describe; the node decides (see above).
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  return routes;
}

/** `/bilaterals/:id` → `/bilaterals/{id}`, and the parameter names. */
function openApiPath(url: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

const json = (schema: Schema) => ({ 'application/json': { schema } });

/** The OpenAPI 3.0 document of `routes`. */
export function openApiDocument(
  routes: readonly DocumentedRoute[],
  info: { title: string; description: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { path, params } = openApiPath(route.url);
    const doc = route.doc;
    const parameters = [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(doc?.query ?? {}).map(([name, q]) => ({
        name,
        in: 'query',
        required: false,
        description: q.description,
        schema: q.schema ?? { type: 'string' },
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(doc?.responses ?? { 200: { description: 'OK' } }))
      responses[status] = {
        description: answer.description,
        content: json(answer.schema ?? { type: 'object' }),
      };
    responses['4XX'] = {
      description:
        'Refused: an RFC 9457 problem naming the code (and, for invalid input, each field and rule)',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: doc?.summary ?? 'Undocumented',
      tags: [doc?.tag ?? 'undocumented'],
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(doc?.body === undefined ? {} : { requestBody: { required: true, content: json(doc.body) } }),
      responses,
      ...(route.need === 'public' || route.url.startsWith('/peer/') ? { security: [] } : {}),
      ...(route.need === undefined || route.need === 'public' || route.need === 'any'
        ? {}
        : { description: `Needs the permission \`${route.need}\` (docs/api.md: roles).` }),
    };
    paths[path] ??= {};
    paths[path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      schemas: { Problem },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An owner API credential (sb credentials)' },
      },
    },
    security: [{ bearer: [] }],
  };
}

const require = createRequire(import.meta.url);
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** swagger-ui-dist's folder in node_modules. */
function assetsDir(): string {
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

/**
 * `/docs`, `/docs/openapi.json`, `/docs/problems` and the page's assets, on
 * `app`: public, like any published API description (the owner API listens on
 * loopback by default; the peer protocol is public by nature).
 */
export function docsRoutes(
  app: FastifyInstance,
  routes: readonly DocumentedRoute[],
  info: { title: string; description: string; version: string },
  catalogue: Readonly<Record<string, HttpStatus>>,
): void {
  let document: string | undefined;
  app.get('/docs/openapi.json', guard('public'), async (_request, reply) => {
    document ??= JSON.stringify(openApiDocument(routes, info));
    return reply.type('application/json; charset=utf-8').send(document);
  });
  app.get('/docs', guard('public'), async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(page(info.title)),
  );
  app.get('/docs/problems', guard('public'), async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(problemsPage(catalogue)),
  );
  const cache = new Map<string, Buffer>();
  app.get<{ Params: { file: string } }>('/docs/assets/:file', guard('public'), async (request, reply) => {
    const type = ASSETS[request.params.file];
    if (type === undefined) {
      return reply.callNotFound();
    }
    let body = cache.get(request.params.file);
    if (body === undefined) {
      body = readFileSync(join(assetsDir(), request.params.file));
      cache.set(request.params.file, body);
    }
    return reply.type(type).header('cache-control', 'public, max-age=86400').send(body);
  });
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function page(title: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<main><h1 style="font:600 1.4rem system-ui,sans-serif;margin:1rem">${escapeHtml(title)}</h1>
<p style="font:1rem system-ui,sans-serif;margin:0 1rem">The OpenAPI document: <a href="/docs/openapi.json">/docs/openapi.json</a> · error codes: <a href="/docs/problems">/docs/problems</a></p>
<div id="api"></div></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#api', deepLinking: true });</script>
</body>
</html>
`;
}

function problemsPage(catalogue: Readonly<Record<string, HttpStatus>>): string {
  const rows = Object.entries(catalogue)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([code, status]) =>
        `<tr id="${escapeHtml(code)}"><th scope="row"><code>${escapeHtml(code)}</code></th><td>${status}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Error codes</title>
<style>body{font:16px/1.4 system-ui,sans-serif;margin:1rem;color:#1a1a1a}table{border-collapse:collapse}th,td{border-bottom:1px solid #ccc;padding:.3rem .6rem;text-align:left}</style></head>
<body><main><h1>Error codes</h1>
<p>Every refusal is an RFC 9457 problem (<code>application/problem+json</code>) whose <code>type</code> is this page's anchor of its <code>code</code>; invalid input lists each field (<code>path</code>) and the <code>rule</code> it breaks in <code>details</code>.</p>
<table><caption>Codes and their HTTP status</caption><thead><tr><th scope="col">code</th><th scope="col">status</th></tr></thead>
<tbody>
${rows}
</tbody></table></main></body></html>
`;
}
