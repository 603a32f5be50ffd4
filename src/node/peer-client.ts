/**
 * HTTP client for the peer protocol. Every request is signed with the node's
 * entry key (see peer-auth.ts). Network failures become `PEER_UNREACHABLE`;
 * refusals keep the peer's own error code in `details.peerCode`.
 */
import type { KeyPair } from '../ledger/index.ts';
import { NodeError } from './errors.ts';
import { signPeerRequest } from './peer-auth.ts';

/** The part of `fetch` the peer client uses; an in-memory transport can stand in for it. */
export type FetchLike = (url: URL, init: RequestInit) => Promise<Response>;

export interface PeerClientOptions {
  readonly party: string;
  readonly keys: KeyPair;
  readonly now: () => Date;
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
  /** More headers for every request (read at each request), e.g. the party's key-rotation chain. */
  readonly headers?: () => Readonly<Record<string, string>>;
}

export class PeerClient {
  readonly #options: PeerClientOptions;

  constructor(options: PeerClientOptions) {
    this.#options = options;
  }

  async request<T>(endpoint: string, method: 'GET' | 'POST', path: string, payload?: unknown): Promise<T> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const headers: Record<string, string> = {
      ...signPeerRequest(
        { method, path, body },
        this.#options.party,
        this.#options.keys,
        this.#options.now(),
      ),
    };
    Object.assign(headers, this.#options.headers?.() ?? {});
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const url = new URL(path, endpoint);
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(url, {
        method,
        headers,
        ...(payload === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new NodeError('PEER_UNREACHABLE', `peer ${endpoint} is unreachable`, { cause });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      throw new NodeError('PEER_UNREACHABLE', `peer ${endpoint} broke off its answer`, { cause });
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // A peer (or whatever answers at its address) that is not speaking the protocol.
      throw new NodeError('PEER_REJECTED', `peer answered ${method} ${path} with a body that is not JSON`, {
        details: { status: response.status },
      });
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: string; message?: string; details?: unknown };
      throw new NodeError(
        'PEER_REJECTED',
        `peer refused ${method} ${path}: ${error.code ?? response.status} ${error.message ?? ''}`.trim(),
        {
          details: {
            status: response.status,
            peerCode: error.code,
            peerMessage: error.message,
            ...(error.details === undefined ? {} : { peerDetails: error.details }),
          },
        },
      );
    }
    return parsed as T;
  }
}
