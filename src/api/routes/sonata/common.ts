/**
 * What every Sonata and TM Forum route shares (docs/sonata.md): the spec's
 * Error shapes, the JSON content type, exact numbers in bodies, and the
 * scope whose error handler answers in those shapes, never a 500.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type PartyNode, sonataJson, ValidationError } from '../../../node/index.ts';
import { PROBLEM_CONTENT_TYPE, problem, toHttpError } from '../../errors.ts';

export const SONATA_JSON = 'application/json;charset=utf-8';

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

/** Answers `body` as Sonata JSON, every exact number (`SonataNumber`) written as the number it is. */
export function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).type(SONATA_JSON).send(sonataJson(body));
}

/**
 * Registers `routes` in a scope whose errors answer in the Sonata shapes:
 * refusals of the owner API's access control, and an unknown bilateral (no
 * such serverBase), keep the owner API's one problem shape (docs/sonata.md).
 */
export function sonataScope(
  app: FastifyInstance,
  node: PartyNode,
  routes: (scope: FastifyInstance) => void,
): void {
  void app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => {
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
    routes(scope);
  });
}
