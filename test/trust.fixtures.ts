/**
 * What the trust-boundary tests share: live nodes in temporary folders, a
 * client that notes every answer a node should never give (a 500), peer
 * requests signed by hand as any party with any key (and replayable byte for
 * byte), proposals built as a malicious or honest Seller would, and an HTTP
 * server that only counts who calls it. Not a test file itself.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningNode, startServer } from '../src/api/index.ts';
import {
  bilateralId,
  createGenesis,
  type Genesis,
  type JsonValue,
  type KeyPair,
  signAgreement,
} from '../src/ledger/index.ts';
import { signPeerRequest } from '../src/node/index.ts';
import { call, exampleTerms, type Target } from './support.ts';

/** An answer as a test reads it. */
export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: probes read refusals and records of every shape; each assertion checks it
  readonly body: any;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Every answer no input may cause: a 500, or any other 5xx that is not the
 * documented "the peer refused / is unreachable" (PEER_REJECTED,
 * PEER_UNREACHABLE). The last test of the file asserts this list is empty, so
 * one run names every request that crashed a node.
 */
export const crashes: string[] = [];

function note(what: string, answer: Answer): Answer {
  const code = answer.body?.code;
  const relayed = answer.status === 502 && (code === 'PEER_REJECTED' || code === 'PEER_UNREACHABLE');
  if (answer.status >= 500 && !relayed)
    crashes.push(`${what} → ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

/** An owner API request (with the node's admin token when `target` is a node) through test/support's `call`. */
export async function ask(target: Target, method: Method, path: string, body?: unknown): Promise<Answer> {
  const answer = await call<Answer['body']>(target, method, path, body);
  const base = typeof target === 'string' ? target : target.url;
  return note(`${method} ${base}${path}`, answer);
}

/** A request with an arbitrary Authorization header (none when undefined). */
export async function withAuthorization(
  base: string,
  authorization: string | undefined,
  method: Method,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return note(`${method} ${base}${path} (authorization ${authorization ?? 'none'})`, await read(response));
}

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** A peer request exactly as it goes on the wire, so a test can send it again unchanged (a replay). */
export interface SignedRequest {
  readonly url: string;
  readonly method: Method;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export interface SignOptions {
  /** The signing clock (default now): a skewed clock makes a stale or future request. */
  readonly now?: Date;
  /** Text sent instead of the signed body (a body altered after signing). */
  readonly sentBody?: string;
  /** Headers replaced or, with undefined, removed after signing. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** The body text to sign and send as it is (JSON no `JSON.stringify` of ours would produce). */
  readonly raw?: string;
}

/** A peer request signed as `party` with `keys` — whoever the caller really is. */
export function signed(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  party: string,
  keys: KeyPair,
  body?: unknown,
  options: SignOptions = {},
): SignedRequest {
  const text = options.raw ?? (body === undefined ? '' : JSON.stringify(body));
  const headers: Record<string, string> = {
    ...signPeerRequest({ method, path, body: text }, party, keys, options.now ?? new Date()),
    ...(body === undefined && options.raw === undefined ? {} : { 'content-type': 'application/json' }),
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return {
    url: new URL(path, base).toString(),
    method,
    headers,
    body: body === undefined && options.raw === undefined ? undefined : (options.sentBody ?? text),
  };
}

/**
 * Sends a signed request as it is (again, for a replay), each time on a new
 * connection: a replay comes from anywhere, and no pooled socket of a node
 * that has since restarted is reused.
 */
export function send(request: SignedRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      request.url,
      { method: request.method, headers: request.headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = text;
          }
          const answer = { status: response.statusCode ?? 0, body };
          resolve(
            note(
              `${request.method} ${request.url} as ${request.headers['x-sb-party'] ?? 'the owner'}`,
              answer,
            ),
          );
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Signs and sends a peer request as `party` with `keys`. */
export function peerCall(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  party: string,
  keys: KeyPair,
  body?: unknown,
  options: SignOptions = {},
): Promise<Answer> {
  return send(signed(base, method, path, party, keys, body, options));
}

/** The party keys a running node keeps in its data folder (what a thief of that folder would hold). */
export function partyKeys(dataDir: string): KeyPair {
  return (JSON.parse(readFileSync(join(dataDir, 'party.json'), 'utf8')) as { keys: KeyPair }).keys;
}

/**
 * The worked example's terms under another id, so each proposal is a distinct
 * bilateral; `seller` / `buyer` rename the parties (a stranger's own terms).
 */
export function termsWithId(id: string, parties: { seller?: string; buyer?: string } = {}): JsonValue {
  const terms = exampleTerms();
  if (parties.seller !== undefined) terms.seller.id = parties.seller;
  if (parties.buyer !== undefined) terms.buyer.id = parties.buyer;
  return { ...terms, id } as JsonValue;
}

export interface Proposal {
  readonly genesis: Genesis;
  readonly sellerSig: string;
  readonly endpoint: string;
}

/**
 * A proposal as the Seller's node builds it: the genesis binding `sellerKey`
 * and the Buyer's key, agreed to with `signer` (the Seller's keys unless a
 * test forges it), naming `endpoint` as the Seller's node.
 */
export function proposalOf(
  terms: JsonValue,
  seller: { readonly party: string; readonly key: string },
  buyer: { readonly party: string; readonly key: string },
  signer: KeyPair,
  endpoint: string,
): { readonly id: string; readonly proposal: Proposal } {
  const genesis = createGenesis(
    terms,
    { id: seller.party, key: seller.key },
    { id: buyer.party, key: buyer.key },
  );
  const id = bilateralId(genesis);
  return { id, proposal: { genesis, sellerSig: signAgreement(id, signer), endpoint } };
}

/** A node of this test file: its own folder, no background rounds, no chain (only pinned parties). */
export interface TestNode {
  readonly running: RunningNode;
  readonly dataDir: string;
  readonly keys: KeyPair;
  readonly party: string;
}

const roots: string[] = [];

export async function startNode(party: string): Promise<TestNode> {
  const root = mkdtempSync(join(tmpdir(), `sb-trust-${party}-`));
  roots.push(root);
  const dataDir = join(root, 'data');
  const running = await startServer({
    dataDir,
    party,
    syncIntervalMs: 0,
    checkpointIntervalMs: 0,
    chain: false,
  });
  return { running, dataDir, keys: partyKeys(dataDir), party };
}

/** The same node started again from its folder, on the same ports (what it remembers must survive this). */
export async function restartNode(node: TestNode): Promise<TestNode> {
  await node.running.close();
  const running = await startServer({
    dataDir: node.dataDir,
    party: node.party,
    port: Number(new URL(node.running.url).port),
    peerPort: Number(new URL(node.running.peerUrl).port),
    syncIntervalMs: 0,
    checkpointIntervalMs: 0,
    chain: false,
  });
  return { ...node, running };
}

export async function stopNodes(nodes: readonly (TestNode | undefined)[]): Promise<void> {
  for (const node of nodes) await node?.running.close();
}

export function removeFolders(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** An HTTP server that answers 404 to everything and counts the requests it got: where no node may call. */
export async function countingServer(): Promise<{
  readonly url: string;
  readonly requests: () => number;
  close(): Promise<void>;
}> {
  let count = 0;
  const server = createServer((_request, response) => {
    count++;
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NOT_FOUND"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Counts the requests a node's listener receives, without touching the node:
 * one more 'request' listener on its HTTP server only observes.
 */
export function watch(running: RunningNode, listener: 'peer' | 'owner'): { readonly paths: string[] } {
  const app = listener === 'peer' ? running.peerApp : running.ownerApp;
  const paths: string[] = [];
  app.server.on('request', (request: IncomingMessage) => paths.push(`${request.method} ${request.url}`));
  return { paths };
}
