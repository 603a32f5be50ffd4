/**
 * `COPY … FROM STDIN` through Kysely's PostgreSQL connections: the fastest
 * way PostgreSQL takes rows (no SQL to parse, no array parameter to build and
 * split), for bulk usage imports.
 *
 * Design rationale: a COPY must run on the very connection that holds the
 * import's transaction, which Kysely keeps to itself. So the pool Kysely is
 * given hands out `pg` clients whose `query` recognises one marked statement
 * (`copyIn` below builds it) and runs it as a COPY, sending its one
 * parameter as the data; every other query passes through untouched. The
 * COPY itself speaks the `pg` "submittable" protocol that pg-copy-streams
 * uses (copyInResponse → CopyData … CopyDone → CommandComplete →
 * ReadyForQuery), without streams: a batch is one string in memory anyway.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';

const MARK = '/* sb:copy-in */ ';
const CHUNK = 1 << 20;

/** The COPY of `data` (text format: tab-separated, LF-terminated rows) into `table (columns)`, run in `db`'s connection. */
export async function copyIn<DB>(
  db: Kysely<DB>,
  table: string,
  columns: readonly string[],
  data: string,
): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(`${MARK}copy ${table} (${columns.join(', ')}) from stdin`, [data]));
}

/** A text value as a COPY text-format field: backslash, tab, LF and CR escaped. */
export function copyField(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** One COPY FROM STDIN as a `pg` submittable. */
class CopyFrom {
  readonly text: string;
  readonly #data: string;
  #rowCount = 0;
  #settled = false;
  #resolve!: (rowCount: number) => void;
  #reject!: (error: Error) => void;
  readonly done = new Promise<number>((resolve, reject) => {
    this.#resolve = resolve;
    this.#reject = reject;
  });

  constructor(text: string, data: string) {
    this.text = text;
    this.#data = data;
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: Connection): void {
    const bytes = Buffer.from(this.#data, 'utf8');
    for (let i = 0; i < bytes.length; i += CHUNK) connection.sendCopyFromChunk(bytes.subarray(i, i + CHUNK));
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message.text ?? '');
    this.#rowCount = match === null ? 0 : Number(match[1]);
  }

  handleError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  handleReadyForQuery(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(this.#rowCount);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

const aware = new WeakSet<pg.PoolClient>();

/** `client`, its `query` taught the marked COPY statement (once per client; the pool reuses them). */
function copyAware(client: pg.PoolClient): pg.PoolClient {
  if (aware.has(client)) return client;
  aware.add(client);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text !== 'string' || !text.startsWith(MARK)) return query(...args);
    const data = (values as unknown[] | undefined)?.[0];
    if (typeof data !== 'string') return Promise.reject(new Error('COPY: expected the data as one string'));
    const copy = new CopyFrom(text.slice(MARK.length), data);
    query(copy);
    return copy.done.then((rowCount) => ({ command: 'COPY', rowCount, rows: [] }));
  };
  return client;
}

/** The pool to give Kysely's `PostgresDialect`: `pool`, whose clients can run `copyIn`. */
export function copyAwarePool(pool: pg.Pool): {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
  readonly options: object;
} {
  return {
    connect: async () => copyAware(await pool.connect()),
    end: () => pool.end(),
    options: pool.options,
  };
}
