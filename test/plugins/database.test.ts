import { readdirSync, readlinkSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import pg from 'pg'
import { loadConfig, type Config } from '../../src/config.js'
import { buildApp } from '../../src/app.js'
import { testEnv } from '../helpers/env.js'
import { createTestDatabase, pgQuery } from '../helpers/postgres.js'

/**
 * The database plugin opens the store and closes it on app.close(); when a plugin registered
 * after it fails, buildApp closes the app, so a failed start leaves no database handle open.
 * The failing plugin here is the GraphQL one: persisted-only mode with a manifest that is missing.
 */
function failingLater (config: Config, dir: string): Config {
  return { ...config, graphqlPersistedOnly: true, graphqlPersistedQueriesFile: join(dir, 'no-such-manifest.json') }
}

/** The file descriptors of this process open on `file` (or its -wal/-shm companions). */
function openHandles (file: string): number {
  const real = realpathSync(file)
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string
    try { target = readlinkSync(`/proc/self/fd/${fd}`) } catch { continue }
    if (target === real || target === `${real}-wal` || target === `${real}-shm`) n++
  }
  return n
}

t.test('SQLite: a failed registration after the store opened closes the file', async t => {
  const dir = t.testdir()
  const config = loadConfig(testEnv(dir), { cwd: dir })
  // The same config, started for real: the store holds the file while the app is up.
  const ok = await buildApp(config, { logger: false })
  t.ok(openHandles(config.databasePath) > 0, 'an app that started holds the SQLite file open')
  await ok.close()
  t.equal(openHandles(config.databasePath), 0, 'closing it releases the file')

  await t.rejects(buildApp(failingLater(config, dir), { logger: false }), /GRAPHQL_PERSISTED_QUERIES_FILE/)
  t.equal(openHandles(config.databasePath), 0, 'the failed start left no handle on the SQLite file')
})

t.test('PostgreSQL: a failed registration after the store opened ends the pool', async t => {
  const url = await createTestDatabase(t, 'leak')
  const dir = t.testdir()
  const config = loadConfig(testEnv(dir, { DATABASE_URL: url }), { cwd: dir })
  // The store's pool is node-postgres' Pool (src/db/pg/store.ts): count the pools ended.
  const end: (this: pg.Pool) => Promise<void> = pg.Pool.prototype.end
  let ended = 0
  pg.Pool.prototype.end = async function (this: pg.Pool) { ended++; await end.call(this) } as typeof pg.Pool.prototype.end
  t.teardown(() => { pg.Pool.prototype.end = end })

  const ok = await buildApp(config, { logger: false })
  t.equal(ended, 0, 'an app that started keeps its pool')
  await ok.store.ping()
  await ok.close()
  t.equal(ended, 1, 'closing it ends the pool')

  await t.rejects(buildApp(failingLater(config, dir), { logger: false }), /GRAPHQL_PERSISTED_QUERIES_FILE/)
  t.equal(ended, 2, 'the failed start ended the pool it opened')
  const name = new URL(url).pathname.slice(1)
  const rows = await pgQuery<{ n: number }>(url, 'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name])
  t.equal(rows[0]?.n, 0, 'no connection to the database is left')
})
