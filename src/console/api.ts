/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/** The owner API as the console calls it: the token from sessionStorage, as a Bearer credential. */
const KEY = 'sb-console-token';

export function token(): string | null {
  return sessionStorage.getItem(KEY);
}
export function setToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, value);
}

/** A refused request: its HTTP status and the API's `code` and `message`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token() ?? ''}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const body = (parsed ?? {}) as { code?: unknown; message?: unknown };
    throw new ApiError(
      response.status,
      typeof body.code === 'string' ? body.code : String(response.status),
      typeof body.message === 'string' ? body.message : response.statusText,
    );
  }
  return parsed as T;
}

/** Server-sent events read through fetch (EventSource cannot send a Bearer header). Ends on abort. */
export async function stream(
  path: string,
  onEvent: (event: { id: string; type: string; data: string }) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token() ?? ''}` }, signal });
  if (!response.ok || response.body === null)
    throw new ApiError(response.status, 'STREAM', 'no event stream');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields = { id: '', type: 'message', data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) fields.id = line.slice(4);
        else if (line.startsWith('event: ')) fields.type = line.slice(7);
        else if (line.startsWith('data: ')) fields.data += line.slice(6);
      }
      if (fields.data !== '') onEvent(fields);
      cut = buffer.indexOf('\n\n');
    }
  }
}

/** Fetches `path` with the credential and saves it as `filename` (a link cannot send the Bearer header). */
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token() ?? ''}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(
      response.status,
      body.code ?? String(response.status),
      body.message ?? response.statusText,
    );
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
