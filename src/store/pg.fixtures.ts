/**
 * Throwaway PostgreSQL databases for tests, on the server named by
 * `SB_TEST_PG_ADMIN` (default: the local one with trust auth). Each is
 * created empty from `template0` under a unique name; the test file drops
 * what it created (`dropPgDatabases`) after its tests. No test-runner imports,
 * so helpers and child processes can use these too.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const adminUrl = process.env.SB_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export interface PgDatabase {
  readonly name: string;
  /** A connection URL for it (the admin URL with this database). */
  readonly url: string;
}

/** Creates `${prefix}_${pid}_${random}` and returns its name and URL. */
export async function createPgDatabase(prefix: string): Promise<PgDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin(`create database "${name}" template template0`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops the databases, even while something is still connected to them. */
export async function dropPgDatabases(databases: readonly PgDatabase[]): Promise<void> {
  for (const { name } of databases) await admin(`drop database if exists "${name}" with (force)`);
}
