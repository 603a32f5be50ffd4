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

export async function rest<T>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(new URL(path, base), {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
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
