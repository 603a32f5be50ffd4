import { describe, expect, it } from 'vitest';
import { prepared, preparedRows, rowValues } from './prepared.ts';
import { createSqliteStore, SQLITE_MEMORY } from './sqlite.ts';

/** A fresh in-memory store and its query layer. */
async function database() {
  const store = createSqliteStore(SQLITE_MEMORY);
  await store.migrate();
  return { store, db: store.db };
}

describe('prepared queries', () => {
  it('run as the query Kysely builds, with each run taking its own values', async () => {
    const { store, db } = await database();
    const value = prepared<{ value: string }>('test-meta', (k, $) =>
      k.selectFrom('meta').select('value').where('key', '=', $('key')),
    );
    await store.setMeta('a', 'first');
    await store.setMeta('b', 'second');
    expect(await value.rows(db, { key: 'a' })).toEqual([{ value: 'first' }]);
    expect(await value.rows(db, { key: 'b' })).toEqual([{ value: 'second' }]);
    expect(await value.rows(db, { key: 'c' })).toEqual([]);
    await store.close();
  });

  it('inserts n rows per shape and keeps constants the builder put in', async () => {
    const { store, db } = await database();
    const insert = preparedRows('test-meta-rows', ['key'], (k, rows) =>
      k.insertInto('meta').values(rows.map((row) => ({ key: row.key!, value: 'constant' }))),
    );
    await insert(3).run(db, rowValues([{ key: 'x' }, { key: 'y' }, { key: 'z' }], ['key']));
    await insert(1).run(db, rowValues([{ key: 'w' }], ['key']));
    for (const key of ['w', 'x', 'y', 'z']) expect(await store.getMeta(key)).toBe('constant');
    await store.close();
  });

  it('refuses a run without a value for a slot, and a slot the builder dropped', async () => {
    const { store, db } = await database();
    const value = prepared('test-missing', (k, $) =>
      k.selectFrom('meta').select('value').where('key', '=', $('key')),
    );
    await expect(value.run(db, {})).rejects.toThrow(/no value for key/);
    const dropped = prepared('test-dropped', (k, $) => {
      $('unused');
      return k.selectFrom('meta').select('value');
    });
    await expect(dropped.run(db, { unused: 1 })).rejects.toThrow(/slot unused is not a parameter/);
    await store.close();
  });
});
