/** A small JSON client for a node's REST API, as the CLI and the demo use it. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A node's owner API: its base URL and the credential's token to send. */
export interface OwnerApi {
  readonly url: string;
  readonly token?: string | undefined;
}

export async function rest<T>(
  target: string | OwnerApi,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const { url: base, token } = typeof target === 'string' ? { url: target, token: undefined } : target;
  const response = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string };
    throw new RestError(
      response.status,
      error.code ?? 'HTTP',
      `${method} ${path}: ${error.message ?? response.status}`,
    );
  }
  return parsed as T;
}
