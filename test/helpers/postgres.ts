import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import pg from 'pg'

/**
 * PostgreSQL for tests: the machine's server (127.0.0.1:5432, trust auth; .ci/run starts it).
 * Each test file (or test) gets its own database named `postgres_<label>_<pid>_<random>`, created
 * here and dropped in teardown, so tap's parallel files never share one. A missing server is a
 * failure, never a skip: the PostgreSQL store must be tested wherever the suite runs.
 */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export function databaseUrl (name: string): string {
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.href
}

async function admin<T> (fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (${(err as Error).message}); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`)
  }
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates an empty database, dropped when `t` ends; returns its URL. */
export async function createTestDatabase (t: Test, label = 'test'): Promise<string> {
  const name = `postgres_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(async c => { await c.query(`CREATE DATABASE "${name}"`) })
  t.teardown(async () => {
    await admin(async c => { await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) })
  })
  return databaseUrl(name)
}

/** Runs one query on `url` with a short-lived client (for tampering and inspection in tests). */
export async function pgQuery<R extends pg.QueryResultRow = Record<string, unknown>> (url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(text, params)).rows
  } finally {
    await client.end()
  }
}
