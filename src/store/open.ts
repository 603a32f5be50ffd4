/**
 * Opens a store by URL, migrated and ready:
 * - `sqlite:data/node.db`, `sqlite:/abs/node.db` (also `sqlite:///abs/node.db`)
 * - `sqlite::memory:`
 * - `postgres://user@host:5432/db` or `postgresql://…`
 */
import { BilateralError } from '../core/index.ts';
import type { KyselyStore } from './kysely-store.ts';
import { createPostgresStore } from './postgres.ts';
import { createSqliteStore, SQLITE_MEMORY } from './sqlite.ts';
import type { Store } from './types.ts';

/**
 * @example
 * const store = await openStore('sqlite:data/seller.db');
 * await store.setMeta('party', 'seller.example');
 */
export async function openStore(url: string): Promise<Store> {
  const store = storeFor(url);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

function storeFor(url: string): KyselyStore {
  if (typeof url === 'string' && url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw badUrl(url, 'sqlite: needs a file path or :memory:');
    return createSqliteStore(path === SQLITE_MEMORY ? SQLITE_MEMORY : path);
  }
  if (typeof url === 'string' && /^postgres(ql)?:\/\//.test(url)) return createPostgresStore(url);
  throw badUrl(url, 'expected sqlite:<path>, sqlite::memory: or postgres://…');
}

function badUrl(url: unknown, rule: string): BilateralError {
  // Name the scheme only: the rest of a URL may carry a password.
  const scheme = typeof url === 'string' ? (/^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)') : typeof url;
  return new BilateralError('STORE_BAD_URL', `bad store URL (scheme ${scheme}): ${rule}`, {
    details: { scheme, rule },
  });
}
