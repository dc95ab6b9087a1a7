/**
 * What only PostgreSQL has to prove (the common contract is test/db/store.test.ts): several
 * pools (= instances) on one database race on leases, compare-and-swap and upserts; concurrent
 * migrations; the lease on the database's clock; a database that goes away and comes back.
 */
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { createPgStore, runPgMigrations, PG_MIGRATIONS_FOLDER } from '../../../src/db/pg/store.js'
import { createTokenCipher } from '../../../src/db/token-cipher.js'
import { parseTokenKeys } from '../../../src/config.js'
import { guardUnavailable, isDatabaseUnavailable } from '../../../src/db/unavailable.js'
import { isGatewayError } from '../../../src/errors.js'
import type { SaveConnectionInput, Store } from '../../../src/db/store.js'
import { createTestDatabase, pgQuery } from '../../helpers/postgres.js'
import { startTcpProxy } from '../../helpers/tcp-proxy.js'
import pg from 'pg'

/** Migrations committed for PostgreSQL: each is applied once, one journal row each. */
const MIGRATIONS = (JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length

const keys = `k:${randomBytes(32).toString('base64')}`

async function open (t: Test, url: string, over: Partial<Parameters<typeof createPgStore>[0]> = {}): Promise<Store> {
  const store = await createPgStore({ url, cipher: createTokenCipher(parseTokenKeys(keys)), ...over })
  t.teardown(() => store.close())
  return store
}

const input = (userId: string, over: Partial<SaveConnectionInput> = {}): SaveConnectionInput => ({
  userId,
  sentryUser: { id: '1', name: 'Jane', email: null },
  scopes: ['org:read'],
  scopingOrgId: null,
  expiresAt: new Date(Date.now() + 3600_000),
  accessToken: 'access-1',
  refreshToken: 'refresh-1',
  organizations: [{ orgId: '10', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }],
  ...over
})

t.test('4 instances migrating an empty database at once all succeed; the schema is migrated once', async t => {
  const url = await createTestDatabase(t, 'migrate')
  const stores = await Promise.all([1, 2, 3, 4].map(async () => await open(t, url)))
  for (const s of stores) await s.ping()
  const journal = await pgQuery<{ n: string }>(url, 'select count(*)::text as n from drizzle.__drizzle_migrations')
  t.equal(journal[0]?.n, String(MIGRATIONS), 'one journal row per migration')
  // And a plain second run is a no-op, also under the lock.
  const pool = new pg.Pool({ connectionString: url })
  await runPgMigrations(pool)
  await pool.end()
  t.equal((await pgQuery<{ n: string }>(url, 'select count(*)::text as n from drizzle.__drizzle_migrations'))[0]?.n, String(MIGRATIONS))
})

t.test('3 pools racing for one lease: exactly one winner per round; release lets the next in', async t => {
  const url = await createTestDatabase(t, 'lease')
  const [a, b, c] = [await open(t, url), await open(t, url), await open(t, url)] as [Store, Store, Store]
  const user = await a.createUser()
  const conn = await a.saveConnection(input(user.id))
  for (let round = 0; round < 3; round++) {
    const attempts = [a, b, c].flatMap((s, i) => Array.from({ length: 20 }, (_, j) => ({ s, owner: `owner-${i}-${j}` })))
    const won = await Promise.all(attempts.map(async ({ s, owner }) => (await s.acquireRefreshLease(conn.id, owner, 60_000)) ? owner : null))
    const winners = won.filter(w => w !== null)
    t.equal(winners.length, 1, `round ${round}: 1 winner of 60`)
    await a.releaseRefreshLease(conn.id, winners[0] as string)
  }
})

t.test('the lease expires on the database clock, whatever the instances\' clocks say', async t => {
  const url = await createTestDatabase(t, 'clock')
  // Instance clocks a day apart: neither may decide who holds the lease.
  const past = await open(t, url, { now: () => Date.now() - 86_400_000 })
  const future = await open(t, url, { now: () => Date.now() + 86_400_000 })
  const user = await past.createUser()
  const conn = await past.saveConnection(input(user.id))
  t.ok(await past.acquireRefreshLease(conn.id, 'past', 60_000))
  t.notOk(await future.acquireRefreshLease(conn.id, 'future', 60_000), 'a clock a day ahead does not see the lease expired')
  const [row] = await pgQuery<{ left: number }>(url, 'select extract(epoch from lease_expires_at - now())::float8 as left from sentry_tokens where connection_id = $1', [conn.id])
  t.ok((row?.left ?? 0) > 50 && (row?.left ?? 0) <= 60, 'the expiry is now() + TTL on the database')
  await past.releaseRefreshLease(conn.id, 'past')
  t.ok(await past.acquireRefreshLease(conn.id, 'past', 100))
  await sleep(300)
  t.ok(await future.acquireRefreshLease(conn.id, 'future', 60_000), 'taken over once the database says it expired')
})

t.test('compare-and-swap across pools: one of many concurrent writers of a version wins', async t => {
  const url = await createTestDatabase(t, 'cas')
  const stores = [await open(t, url), await open(t, url), await open(t, url)]
  const user = await stores[0]!.createUser()
  const conn = await stores[0]!.saveConnection(input(user.id))
  const results = await Promise.all(Array.from({ length: 30 }, async (_, i) =>
    await stores[i % 3]!.replaceTokens(conn.id, 1, { accessToken: `a-${i}`, refreshToken: `r-${i}`, expiresAt: null })))
  const winners = results.filter(r => r !== null)
  t.equal(winners.length, 1, 'one writer of version 1 wins')
  const stored = await stores[1]!.getTokens(conn.id)
  t.equal(stored?.version, 2)
  t.equal(stored?.accessToken, winners[0]?.accessToken, 'the winner\'s pair is the stored pair')
  const revoked = await Promise.all(stores.map(async s => await s.markRevoked(conn.id, 'x', 2)))
  t.same(revoked.filter(Boolean).length, 1, 'one revocation of version 2 wins')
})

t.test('concurrent saves of one identity from 3 pools: one connection row, no unique violation', async t => {
  const url = await createTestDatabase(t, 'upsert')
  const stores = [await open(t, url), await open(t, url), await open(t, url)]
  const user = await stores[0]!.createUser()
  const saved = await Promise.all(Array.from({ length: 24 }, async (_, i) =>
    await stores[i % 3]!.saveConnection(input(user.id, {
      accessToken: `a-${i}`,
      organizations: [{ orgId: String(i), slug: `org-${i}`, name: 'x', regionUrl: 'https://us.sentry.io' }]
    }))))
  t.equal(new Set(saved.map(c => c.id)).size, 1, 'every save resolved to the same connection')
  t.equal((await stores[0]!.listConnections(user.id)).length, 1)
  const tokens = await stores[2]!.getTokens(saved[0]!.id)
  t.equal(tokens?.version, 24, 'each save bumped the token version once')
  t.equal((await stores[1]!.getConnection(saved[0]!.id))?.organizations.length, 1, 'the organizations of one save, not a mix')
})

t.test('the viewer read (user, connections, access tokens) takes one pool checkout, also in a burst on a small pool', async t => {
  const url = await createTestDatabase(t, 'viewer')
  const store = await open(t, url, { pool: { max: 2 } })
  const user = await store.createUser()
  const a = await store.saveConnection(input(user.id))
  await store.saveConnection(input(user.id, {
    scopingOrgId: '10',
    organizations: [
      { orgId: '10', slug: 'zeta', name: 'Zeta', regionUrl: 'https://de.sentry.io' },
      { orgId: '11', slug: 'beta', name: 'Beta', regionUrl: 'https://us.sentry.io' }
    ]
  }))
  // pg-pool's query() checks a client out through connect() (node_modules/pg-pool/index.js).
  const connect = pg.Pool.prototype.connect
  let checkouts = 0
  pg.Pool.prototype.connect = function (this: pg.Pool, ...args: unknown[]) {
    checkouts++
    return (connect as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof connect
  let viewer
  try {
    viewer = await store.viewer(user.id)
  } finally {
    pg.Pool.prototype.connect = connect
  }
  t.equal(checkouts, 1, 'one checkout for the user, both connections, three organizations and the tokens')
  t.same(viewer?.connections, await store.listConnections(user.id))
  t.equal(viewer?.accessToken(a.id)?.accessToken, 'access-1')
  const burst = await Promise.all(Array.from({ length: 100 }, async () => await store.viewer(user.id)))
  t.ok(burst.every(v => v?.connections.length === 2 && v.connections[1]?.organizations.length === 2), '100 reads at once on a pool of 2 all answer in full')
})

t.test('a database that goes away answers DATABASE_UNAVAILABLE, and the store recovers when it returns', async t => {
  const url = await createTestDatabase(t, 'outage')
  const proxy = await startTcpProxy(Number(new URL(url).port || 5432))
  t.teardown(() => proxy.close())
  const viaProxy = new URL(url)
  viaProxy.port = String(proxy.port)
  const raw = await open(t, viaProxy.href, { pool: { connectionTimeoutMs: 500, max: 2 } })
  const store = guardUnavailable(raw)
  const user = await store.createUser()
  await proxy.down()
  const err = await store.getUser(user.id).catch((e: unknown) => e)
  t.ok(isGatewayError(err), 'a typed error')
  t.equal((err as { code?: string }).code, 'DATABASE_UNAVAILABLE')
  t.equal((err as { statusCode?: number }).statusCode, 503)
  t.notMatch((err as Error).message, /127\.0\.0\.1|postgres/, 'the message names no host or URL')
  t.ok(isDatabaseUnavailable((err as { cause?: unknown }).cause), 'the cause is the driver\'s error')
  await t.rejects(store.ping(), { code: 'DATABASE_UNAVAILABLE' })
  await proxy.up()
  await store.ping()
  t.same((await store.getUser(user.id))?.id, user.id, 'served again once the database is back')
})

t.test('errors that are not about reachability pass through unchanged', async t => {
  t.notOk(isDatabaseUnavailable(new Error('duplicate key value violates unique constraint')))
  t.notOk(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '23505' })))
  t.notOk(isDatabaseUnavailable(null))
  t.notOk(isDatabaseUnavailable('a string'))
  t.ok(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' })), 'admin shutdown')
  t.ok(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '08006' })), 'connection failure class 08')
  t.ok(isDatabaseUnavailable(new Error('Failed query', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })), 'wrapped by Drizzle')
  t.ok(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect')), 'pool exhausted or server silent')
  const store = guardUnavailable({ ping: async () => { throw Object.assign(new Error('boom'), { code: '42P01' }) } } as unknown as Store)
  await t.rejects(store.ping(), { message: 'boom', code: '42P01' })
})
