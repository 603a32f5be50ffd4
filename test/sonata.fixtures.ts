/**
 * The published MEF LSO Sonata OpenAPI files as a validator: every request
 * and response of the Sonata tests is checked against the operation's own
 * schema. The files are read from the shared folder (SB_SHARED_DIR,
 * ../shared, /work/shared), never copied into the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { parse } from 'yaml';

const candidates = [
  process.env.SB_SHARED_DIR,
  join(import.meta.dirname, '..', '..', 'shared'),
  '/work/shared',
].filter((d): d is string => d !== undefined);

export const sonataDir = (() => {
  for (const dir of candidates) {
    const folder = join(dir, 'standards', 'mef-lso-sonata');
    if (existsSync(join(folder, 'productOrderManagement.api.yaml'))) return folder;
  }
  throw new Error(`the Sonata OpenAPI files are in none of ${candidates.join(', ')}`);
})();

type Doc = {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
};
type Operation = {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

/** One API's file: validates bodies of its operations by spec path (`/productOrder/{id}`), method and status. */
export class SonataSpec {
  readonly base: string;
  readonly #doc: Doc;
  readonly #ajv: Ajv;
  readonly #id: string;
  readonly #cache = new Map<string, ValidateFunction>();

  constructor(file: string) {
    this.#doc = parse(readFileSync(join(sonataDir, file), 'utf8')) as Doc;
    this.#id = `sonata:${file}`;
    this.base = new URL(this.#doc.servers[0]!.url.replace('{serverBase}', 'x')).pathname.replace(/\/$/, '');
    this.#ajv = new Ajv({ strict: false, allErrors: true });
    (formats as unknown as { default: (ajv: Ajv) => void }).default(this.#ajv);
    this.#ajv.addSchema({ ...(this.#doc as object), $id: this.#id });
  }

  #validator(pointer: string): ValidateFunction {
    const cached = this.#cache.get(pointer);
    if (cached !== undefined) return cached;
    const compiled = this.#ajv.compile({ $ref: `${this.#id}#${pointer}` });
    this.#cache.set(pointer, compiled);
    return compiled;
  }

  #operation(path: string, method: string): Operation {
    const op = this.#doc.paths[path]?.[method.toLowerCase()];
    if (op === undefined) throw new Error(`${method} ${path} is no operation of ${this.#id}`);
    return op;
  }

  /** Throws unless `body` is a valid request body of `method path`. */
  request(path: string, method: string, body: unknown): void {
    const content = this.#operation(path, method).requestBody?.content;
    const type = Object.keys(content ?? {})[0];
    if (type === undefined) throw new Error(`${method} ${path} takes no body`);
    const pointer = `/paths/${pointerSegment(path)}/${method.toLowerCase()}/requestBody/content/${pointerSegment(type)}/schema`;
    check(this.#validator(pointer), body, `request of ${method} ${path}`);
  }

  /** Throws unless `body` is a valid `status` response of `method path`. */
  response(path: string, method: string, status: number, body: unknown): void {
    const responses = this.#operation(path, method).responses;
    const answer = responses[String(status)];
    if (answer === undefined) throw new Error(`${method} ${path} documents no ${status} response`);
    const type = Object.keys(answer.content ?? {})[0];
    if (type === undefined) return;
    const pointer = `/paths/${pointerSegment(path)}/${method.toLowerCase()}/responses/${status}/content/${pointerSegment(type)}/schema`;
    check(this.#validator(pointer), body, `${status} response of ${method} ${path}`);
  }
}

function pointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function check(validate: ValidateFunction, body: unknown, what: string): void {
  if (!validate(body)) {
    throw new Error(`${what} breaks the Sonata schema: ${JSON.stringify(validate.errors?.slice(0, 5))}`);
  }
}
