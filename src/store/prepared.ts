/**
 * Queries built and compiled once, then run with new values: the hot queries
 * of an append (a stream's head, an entry, an insert of n rows) and of a
 * request (its audit record, a peer's nonce).
 *
 * Kysely builds a tree of frozen nodes for every query and compiles it to SQL
 * each time it runs; for the small queries a single fact makes, that cost
 * as much as SQLite running them (BENCHMARKS.md, single facts). A prepared
 * query is built once per engine with a named slot where each value goes,
 * compiled by that engine's own compiler, and then run as its SQL with the
 * values put in the slots' places: the same SQL Kysely would have produced,
 * without building it again.
 *
 * A slot is a value no caller could send (it starts with a NUL and names the
 * slot); compiling checks that each slot named reaches the parameters, so a
 * query whose builder drops or rewrites a value fails its first use instead
 * of running with the wrong one.
 *
 * @example
 * const head = prepared('head', (db, $) =>
 *   db.selectFrom('entries').select(['seq', 'hash']).where('bilateral', '=', $('bilateral')));
 * const rows = await head.rows(db, { bilateral });
 */
import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.ts';

const SLOT = '\u0000slot:';

/** A slot's place in a query: `$('name')` stands for the value `name` takes at each run. */
export type Slot = (name: string) => never;

interface Compiled {
  readonly sql: string;
  /** Per parameter: the slot it comes from, or the constant the builder put there. */
  readonly parameters: readonly ({ readonly slot: string } | { readonly value: unknown })[];
}

/** Compiled queries per engine (the adapter is shared by a Kysely instance and its transactions). */
const compiledByEngine = new WeakMap<object, Map<string, Compiled>>();

export interface Prepared<Row> {
  /** Runs the query on `db` (or a transaction of it) with `values` in its slots. */
  run(db: Kysely<Database>, values: Readonly<Record<string, unknown>>): Promise<QueryResult<Row>>;
  /** The rows it answers. */
  rows(db: Kysely<Database>, values: Readonly<Record<string, unknown>>): Promise<Row[]>;
}

/**
 * A query built by `build` once per engine and kept under `name` (which must
 * name one shape of query: a different shape, say another number of rows,
 * takes another name).
 */
export function prepared<Row>(
  name: string,
  build: (db: Kysely<Database>, $: Slot) => Compilable<Row>,
): Prepared<Row> {
  const compiledOn = (db: Kysely<Database>): Compiled => {
    const engine = db.getExecutor().adapter;
    let cache = compiledByEngine.get(engine);
    if (cache === undefined) {
      cache = new Map();
      compiledByEngine.set(engine, cache);
    }
    let compiled = cache.get(name);
    if (compiled === undefined) {
      compiled = compile(db, name, build);
      cache.set(name, compiled);
    }
    return compiled;
  };
  const run = async (db: Kysely<Database>, values: Readonly<Record<string, unknown>>) => {
    const { sql, parameters } = compiledOn(db);
    const bound = parameters.map((p) => {
      if (!('slot' in p)) return p.value;
      const value = values[p.slot];
      if (value === undefined) throw new Error(`prepared query ${name}: no value for ${p.slot}`);
      return value;
    });
    return db.executeQuery<Row>(CompiledQuery.raw(sql, bound));
  };
  return { run, rows: async (db, values) => (await run(db, values)).rows };
}

function compile<Row>(
  db: Kysely<Database>,
  name: string,
  build: (db: Kysely<Database>, $: Slot) => Compilable<Row>,
): Compiled {
  const named = new Set<string>();
  const $ = ((slot: string) => {
    named.add(slot);
    return `${SLOT}${slot}`;
  }) as Slot;
  const query = build(db, $).compile();
  const reached = new Set<string>();
  const parameters = query.parameters.map((value) => {
    if (typeof value === 'string' && value.startsWith(SLOT)) {
      const slot = value.slice(SLOT.length);
      reached.add(slot);
      return { slot };
    }
    return { value };
  });
  for (const slot of named) {
    if (!reached.has(slot)) throw new Error(`prepared query ${name}: slot ${slot} is not a parameter`);
  }
  return { sql: query.sql, parameters };
}

/**
 * An insert of `n` rows of `columns`, prepared per `n` under `name`: `build`
 * gets the rows as slots (row i's column c is the slot `c` + i). Run it with
 * `rowValues`.
 */
export function preparedRows<Row>(
  name: string,
  columns: readonly string[],
  build: (db: Kysely<Database>, rows: Record<string, never>[]) => Compilable<Row>,
): (n: number) => Prepared<Row> {
  const byCount = new Map<number, Prepared<Row>>();
  return (n) => {
    let query = byCount.get(n);
    if (query === undefined) {
      query = prepared(`${name}-${n}`, (db, $) =>
        build(
          db,
          Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map((c) => [c, $(`${c}${i}`)]))),
        ),
      );
      byCount.set(n, query);
    }
    return query;
  };
}

/** The slot values of `rows` for a `preparedRows` insert. */
export function rowValues(rows: readonly object[], columns: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  rows.forEach((row, i) => {
    for (const column of columns) values[`${column}${i}`] = (row as Record<string, unknown>)[column];
  });
  return values;
}
