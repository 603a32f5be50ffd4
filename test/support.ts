/**
 * What the cross-layer tests share: the worked example's files and a small JSON
 * client for a node's REST API. Not a test file itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const exampleDir = join(import.meta.dirname, '..', 'examples', 'dia-acme-globex');

/** The worked example's terms, parsed afresh for each caller (tests may change their copy). */
export function exampleTerms() {
  return JSON.parse(readFileSync(join(exampleDir, 'terms.json'), 'utf8'));
}

/** The worked example's terms the other way round (Globex sells Acme), under agreement id `id`. */
export function swappedTerms(id: string) {
  const terms = exampleTerms();
  return { ...terms, id, seller: terms.buyer, buyer: terms.seller };
}

/** The swapped bilateral's one service, a 10G port: ordered for 12 months and active from 1 January 2026. */
export function reverseServiceFacts() {
  return [
    {
      type: 'service.ordered',
      service: 'R1',
      offering: 'dia',
      plan: '10G',
      termMonths: 12,
      at: '2026-01-01T00:00:00Z',
    },
    { type: 'service.activated', service: 'R1', at: '2026-01-01T00:00:00Z' },
  ];
}

/** The worked example's facts, in file order. */
export function exampleFacts(): { type: string; [field: string]: unknown }[] {
  return readFileSync(join(exampleDir, 'facts.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** A node's owner API as a test reaches it: its URL and, when it has one, the admin token. */
export type Target = string | { readonly url: string; readonly adminToken?: string | undefined };

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A JSON request to a node (with its admin token when given one); the status and the parsed body. */
export async function call<T>(target: Target, method: Method, path: string, body?: unknown) {
  const { url, adminToken } = typeof target === 'string' ? { url: target, adminToken: undefined } : target;
  const response = await fetch(new URL(path, url), {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** A JSON request that must succeed: its parsed body, or an error naming the status and body. */
export async function callOk<T>(target: Target, method: Method, path: string, body?: unknown): Promise<T> {
  const answer = await call<T>(target, method, path, body);
  if (answer.status >= 400) {
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

/** Pins two nodes to each other over their owner APIs; the Buyer accepts the Seller's proposals. */
export async function pinEachOther(seller: Target, buyer: Target): Promise<void> {
  const identity = (t: Target) =>
    callOk<{ party: string; key: string; endpoint: string }>(t, 'GET', '/party');
  const [s, b] = [await identity(seller), await identity(buyer)];
  await callOk(seller, 'PUT', `/peers/${b.party}`, { key: b.key, endpoint: b.endpoint });
  await callOk(buyer, 'PUT', `/peers/${s.party}`, { key: s.key, endpoint: s.endpoint, policy: 'accept' });
}
