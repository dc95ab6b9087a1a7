/**
 * The Store contract: one suite, run against both stores (SQLite file, PostgreSQL database).
 * Each test opens its own empty database: a fresh SQLite file, or a `postgres_…` database on
 * the machine's PostgreSQL server, dropped afterwards.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../../src/db/sqlite/store.js'
import { createPgStore } from '../../src/db/pg/store.js'
import { createTokenCipher } from '../../src/db/token-cipher.js'
import { parseTokenKeys } from '../../src/config.js'
import type { SaveConnectionInput, Store } from '../../src/db/store.js'
import { createTestDatabase, pgQuery } from '../helpers/postgres.js'

const ACCESS = 'a'.repeat(32) + 'deadbeefcafebabe0123456789abcdef'
const REFRESH = 'r'.repeat(32) + 'feedfacefeedface0123456789abcdef'
const newKey = (): string => randomBytes(32).toString('base64')

/** One empty database of one dialect, and the raw access a contract test needs. */
interface Database_ {
  /** Opens a store on this database (migrating it); closed in teardown. `now` is the store's clock. */
  open (keys?: string, now?: () => number): Promise<Store>
  /** Table names in the database. */
  tables (): Promise<string[]>
  /** Everything the database keeps on disk or in its rows, as one string, to search for plaintext. */
  dump (): Promise<string>
  /** Raw write: copies connection `from`'s access-token ciphertext onto connection `to`'s row. */
  copyCiphertext (from: string, to: string): Promise<void>
}

interface Dialect {
  name: 'sqlite' | 'pg'
  database (t: Test): Promise<Database_>
}

const sqlite: Dialect = {
  name: 'sqlite',
  async database (t) {
    const dir = mkdtempSync(join(tmpdir(), 'store-contract-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'gateway.db')
    return {
      async open (keys = newKey(), now) {
        const store = createSqliteStore({ path, cipher: createTokenCipher(parseTokenKeys(keys)), ...(now === undefined ? {} : { now }) })
        t.teardown(() => store.close())
        return store
      },
      async tables () {
        const db = new Database(path, { readonly: true })
        try {
          return db.prepare("select name from sqlite_master where type='table'").all().map(r => (r as { name: string }).name)
        } finally { db.close() }
      },
      async dump () {
        return readdirSync(dir).filter(f => f.startsWith('gateway.db')).map(f => readFileSync(join(dir, f)).toString('latin1')).join('\n')
      },
      async copyCiphertext (from, to) {
        const db = new Database(path)
        try {
          const row = db.prepare('select access_token_ciphertext as c from sentry_tokens where connection_id = ?').get(from) as { c: string }
          db.prepare('update sentry_tokens set access_token_ciphertext = ? where connection_id = ?').run(row.c, to)
        } finally { db.close() }
      }
    }
  }
}

const postgres: Dialect = {
  name: 'pg',
  async database (t) {
    const url = await createTestDatabase(t, 'store')
    return {
      async open (keys = newKey(), now) {
        const store = await createPgStore({ url, cipher: createTokenCipher(parseTokenKeys(keys)), ...(now === undefined ? {} : { now }) })
        t.teardown(() => store.close())
        return store
      },
      async tables () {
        return (await pgQuery<{ name: string }>(url, "select table_name as name from information_schema.tables where table_schema = 'public'")).map(r => r.name)
      },
      async dump () {
        const parts: string[] = []
        for (const table of ['users', 'sentry_connections', 'sentry_organizations', 'sentry_tokens']) {
          parts.push(JSON.stringify(await pgQuery(url, `select * from ${table}`)))
        }
        return parts.join('\n')
      },
      async copyCiphertext (from, to) {
        await pgQuery(url, 'update sentry_tokens set access_token_ciphertext = (select access_token_ciphertext from sentry_tokens where connection_id = $1) where connection_id = $2', [from, to])
      }
    }
  }
}

const input = (userId: string, over: Partial<SaveConnectionInput> = {}): SaveConnectionInput => ({
  userId,
  sentryUser: { id: '1', name: 'Jane Doe', email: 'jane@example.com' },
  scopes: ['org:read', 'event:read'],
  scopingOrgId: null,
  expiresAt: new Date(Date.now() + 3600_000),
  accessToken: ACCESS,
  refreshToken: REFRESH,
  organizations: [{ orgId: '10', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }],
  ...over
})

for (const dialect of [sqlite, postgres]) {
  t.test(`Store contract: ${dialect.name}`, async t => {
    t.test('migrations apply on an empty database and are idempotent', async t => {
      const db = await dialect.database(t)
      const store = await db.open()
      await store.ping()
      await store.close()
      const again = await db.open()
      await again.ping()
      const tables = await db.tables()
      t.ok(['users', 'sentry_connections', 'sentry_organizations', 'sentry_tokens'].every(n => tables.includes(n)), 'all tables exist')
    })

    t.test('create, read, update connections; reconnect updates in place', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      t.same(await store.getUser(user.id), user)
      t.equal(await store.getUser('nope'), null)
      const c1 = await store.saveConnection(input(user.id))
      t.equal(c1.status, 'ACTIVE')
      t.same(c1.scopes, ['org:read', 'event:read'])
      t.same(c1.organizations, [{ orgId: '10', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }])
      t.equal(c1.scopingOrgId, null)
      t.same(c1.sentryUser, { id: '1', name: 'Jane Doe', email: 'jane@example.com' })
      const tokens = await store.getTokens(c1.id)
      t.equal(tokens?.accessToken, ACCESS)
      t.equal(tokens?.refreshToken, REFRESH)
      t.equal(tokens?.version, 1)

      // Same platform user + Sentry user + scoping org: the same row, tokens replaced, ACTIVE again.
      t.ok(await store.markRevoked(c1.id, 'invalid_grant', 1))
      t.equal((await store.getConnection(c1.id))?.status, 'REVOKED')
      t.equal((await store.getConnection(c1.id))?.statusReason, 'invalid_grant')
      t.equal(await store.getTokens(c1.id), null, 'revocation deletes the token material')
      const c2 = await store.saveConnection(input(user.id, { accessToken: 'new-access', refreshToken: null, expiresAt: null, organizations: [] }))
      t.equal(c2.id, c1.id)
      t.equal(c2.status, 'ACTIVE')
      t.equal(c2.statusReason, null)
      t.equal(c2.expiresAt, null)
      t.same(c2.organizations, [])
      t.equal((await store.getTokens(c1.id))?.accessToken, 'new-access')
      t.equal((await store.getTokens(c1.id))?.refreshToken, null)

      // A reconnect while the token row still exists bumps its version (concurrent refreshers lose their CAS).
      const c2b = await store.saveConnection(input(user.id, { accessToken: 'newer' }))
      t.equal(c2b.id, c1.id)
      t.equal((await store.getTokens(c1.id))?.version, 2)

      // An org-scoped grant of the same Sentry user is a second connection.
      const c3 = await store.saveConnection(input(user.id, {
        scopingOrgId: '10',
        organizations: [
          { orgId: '10', slug: 'zeta', name: 'Zeta', regionUrl: 'https://de.sentry.io' },
          { orgId: '11', slug: 'beta', name: 'Beta', regionUrl: 'https://us.sentry.io' }
        ]
      }))
      t.not(c3.id, c1.id)
      t.equal(c3.scopingOrgId, '10')
      t.same(c3.organizations.map(o => o.slug), ['beta', 'zeta'], 'organizations come sorted by slug')
      const listed = await store.listConnections(user.id)
      t.same(listed.map(c => c.id), [c1.id, c3.id], 'listed in creation order')
      t.same(listed[1]?.organizations.map(o => o.slug), ['beta', 'zeta'])
      t.same(await store.listConnections('nobody'), [])

      t.notOk(await store.deleteConnection('someone-else', c3.id), 'another user cannot delete it')
      t.ok(await store.deleteConnection(user.id, c3.id))
      t.notOk(await store.deleteConnection(user.id, c3.id), 'deleting twice reports false')
      t.equal(await store.getConnection(c3.id), null)
      t.equal(await store.getTokens(c3.id), null)
      t.equal((await store.listConnections(user.id)).length, 1)
    })

    t.test('timestamps round-trip as Dates', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      const exp = new Date(Date.now() + 3600_000)
      const c = await store.saveConnection(input(user.id, { expiresAt: exp }))
      t.type(c.createdAt, Date)
      t.equal(c.expiresAt?.getTime(), exp.getTime(), 'millisecond precision kept')
      t.equal((await store.getTokens(c.id))?.expiresAt?.getTime(), exp.getTime())
      t.equal((await store.getUser(user.id))?.createdAt.getTime(), user.createdAt.getTime())
    })

    t.test('replaceTokens is a compare-and-swap on the version', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      const c = await store.saveConnection(input(user.id))
      const exp = new Date(Date.now() + 7200_000)
      const next = await store.replaceTokens(c.id, 1, { accessToken: 'acc-2', refreshToken: 'ref-2', expiresAt: exp })
      t.equal(next?.version, 2)
      t.equal(next?.accessToken, 'acc-2')
      t.equal(next?.refreshToken, 'ref-2')
      t.equal(next?.expiresAt?.getTime(), exp.getTime())
      t.equal((await store.getConnection(c.id))?.expiresAt?.getTime(), exp.getTime(), 'expiry moves with the tokens')
      t.equal(await store.replaceTokens(c.id, 1, { accessToken: 'stale', refreshToken: 'stale', expiresAt: null }), null, 'a stale writer loses')
      t.equal(await store.replaceTokens('missing', 1, { accessToken: 'x', refreshToken: null, expiresAt: null }), null, 'no row, no write')
      t.equal((await store.getTokens(c.id))?.accessToken, 'acc-2')
      t.notOk(await store.markRevoked(c.id, 'x', 1), 'revocation is also version-checked')
      t.equal((await store.getConnection(c.id))?.status, 'ACTIVE')
    })

    t.test('getAccessToken opens the access token only, at the row\'s version', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      const exp = new Date(Date.now() + 3600_000)
      const c = await store.saveConnection(input(user.id, { expiresAt: exp }))
      const row = await store.getAccessToken(c.id)
      t.same(Object.keys(row ?? {}).sort(), ['accessToken', 'connectionId', 'expiresAt', 'version'], 'no refresh token in it')
      t.equal(row?.accessToken, (await store.getTokens(c.id))?.accessToken)
      t.equal(row?.expiresAt?.getTime(), exp.getTime())
      t.equal(row?.version, 1)
      await store.replaceTokens(c.id, 1, { accessToken: 'acc-2', refreshToken: 'ref-2', expiresAt: null })
      t.match(await store.getAccessToken(c.id), { accessToken: 'acc-2', version: 2, expiresAt: null })
      t.equal(await store.getAccessToken('missing'), null)
    })

    t.test('connections made within one millisecond: one order, by id, in every read', async t => {
      const db = await dialect.database(t)
      const at = Date.now()
      const store = await db.open(undefined, () => at)
      const user = await store.createUser()
      const made: string[] = []
      for (let i = 0; i < 6; i++) made.push((await store.saveConnection(input(user.id, { accessToken: `access-${i}`, sentryUser: { id: String(100 + i), name: null, email: null } }))).id)
      const byId = [...made].sort()
      t.same((await store.listConnections(user.id)).map(c => c.id), byId, 'listConnections')
      t.same((await store.viewer(user.id))?.connections.map(c => c.id), byId, 'viewer')
    })

    t.test('viewer: the user, its connections and their access tokens in one read, as the single reads answer them', async t => {
      const db = await dialect.database(t)
      const store = await db.open()
      t.equal(await store.viewer('nobody'), null, 'an unknown user')
      const user = await store.createUser()
      const empty = await store.viewer(user.id)
      t.same(empty?.user, await store.getUser(user.id))
      t.same(empty?.connections, [], 'a user without connections')
      t.equal(empty?.accessToken('anything'), null)

      const exp = new Date(Date.now() + 3600_000)
      const a = await store.saveConnection(input(user.id, { expiresAt: exp }))
      const b = await store.saveConnection(input(user.id, {
        scopingOrgId: '10',
        accessToken: 'access-b',
        organizations: [
          { orgId: '10', slug: 'zeta', name: 'Zeta', regionUrl: 'https://de.sentry.io' },
          { orgId: '11', slug: 'beta', name: 'Beta', regionUrl: 'https://us.sentry.io' }
        ]
      }))
      const c = await store.saveConnection(input(user.id, { sentryUser: { id: '2', name: null, email: null }, organizations: [] }))
      t.ok(await store.markRevoked(c.id, 'invalid_grant', 1))
      const other = await store.createUser()
      await store.saveConnection(input(other.id, { accessToken: 'not-yours' }))

      const viewer = await store.viewer(user.id)
      t.same(viewer?.user, await store.getUser(user.id))
      t.same(viewer?.connections, await store.listConnections(user.id), 'connections, organizations (by slug) and order as listConnections')
      // Creation order; connections made within one millisecond by id (the same in every read).
      const created = [a, b, c].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.id < y.id ? -1 : 1))
      t.same(viewer?.connections.map(x => x.id), created.map(x => x.id))
      t.same(viewer?.accessToken(a.id), await store.getAccessToken(a.id), 'the access-token row as getAccessToken answers it')
      t.equal(viewer?.accessToken(a.id)?.expiresAt?.getTime(), exp.getTime())
      t.same(Object.keys(viewer?.accessToken(b.id) ?? {}).sort(), ['accessToken', 'connectionId', 'expiresAt', 'version'], 'no refresh token in it')
      t.equal(viewer?.accessToken(b.id)?.accessToken, 'access-b')
      t.equal(viewer?.accessToken(c.id), null, 'a revoked connection has no token row')
      t.equal(viewer?.accessToken('missing'), null)
      t.equal(viewer?.accessToken(a.id), viewer?.accessToken(a.id), 'opened once')

      await store.replaceTokens(a.id, 1, { accessToken: 'acc-2', refreshToken: 'ref-2', expiresAt: null })
      t.match((await store.viewer(user.id))?.accessToken(a.id), { accessToken: 'acc-2', version: 2, expiresAt: null }, 'a fresh read sees the new version')
    })

    t.test('viewer: every write, by this store or by another instance on the same database, shows in the next read', async t => {
      const db = await dialect.database(t)
      const keys = newKey()
      const store = await db.open(keys)
      const other = await db.open(keys)
      const user = await store.createUser()
      const a = await store.saveConnection(input(user.id))
      const ids = async (): Promise<string[] | undefined> => (await store.viewer(user.id))?.connections.map(c => c.id)
      t.same(await ids(), [a.id])
      t.same(await ids(), [a.id], 'read again, nothing changed')

      const b = await other.saveConnection(input(user.id, { scopingOrgId: '10' }))
      t.same(await ids(), [a.id, b.id], 'a connection made by another instance')
      await other.replaceTokens(a.id, 1, { accessToken: 'acc-other', refreshToken: 'ref-other', expiresAt: null })
      t.match((await store.viewer(user.id))?.accessToken(a.id), { accessToken: 'acc-other', version: 2 }, 'tokens refreshed by another instance')
      t.ok(await other.markRevoked(b.id, 'invalid_grant', 1))
      t.match((await store.viewer(user.id))?.connections.find(c => c.id === b.id), { status: 'REVOKED', statusReason: 'invalid_grant' }, 'revoked by another instance')
      const generation = await other.revokeSessions(user.id)
      t.equal((await store.viewer(user.id))?.user.sessionGeneration, generation, 'sessions signed out by another instance')
      t.ok(await other.deleteConnection(user.id, b.id))
      t.same(await ids(), [a.id], 'a connection removed by another instance')

      await store.replaceTokens(a.id, 2, { accessToken: 'acc-own', refreshToken: 'ref-own', expiresAt: null })
      t.match((await store.viewer(user.id))?.accessToken(a.id), { accessToken: 'acc-own', version: 3 }, 'its own refresh')
      t.match((await other.viewer(user.id))?.accessToken(a.id), { accessToken: 'acc-own', version: 3 }, 'seen by the other instance too')
      t.ok(await store.deleteConnection(user.id, a.id))
      t.same(await ids(), [], 'its own removal')
    })

    t.test('viewer opens an access token only when asked', async t => {
      const db = await dialect.database(t)
      const store = await db.open()
      const user = await store.createUser()
      const a = await store.saveConnection(input(user.id))
      const b = await store.saveConnection(input(user.id, { scopingOrgId: '10' }))
      // b's ciphertext is a's: bound to another row, it does not open.
      await db.copyCiphertext(a.id, b.id)
      const viewer = await store.viewer(user.id)
      t.equal(viewer?.connections.length, 2, 'read without opening anything')
      t.equal(viewer?.accessToken(a.id)?.accessToken, ACCESS)
      t.throws(() => viewer?.accessToken(b.id), 'opening the swapped ciphertext fails, when asked')
    })

    t.test('a lease is renewed by its owner re-acquiring it (short leases, docs/sentry.md §3)', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      const c = await store.saveConnection(input(user.id))
      t.ok(await store.acquireRefreshLease(c.id, 'A', 200))
      await sleep(120)
      t.ok(await store.acquireRefreshLease(c.id, 'A', 200), 'renewed before it expired')
      await sleep(120)
      t.notOk(await store.acquireRefreshLease(c.id, 'B', 60_000), 'still A\'s: the renewal moved the expiry')
    })

    t.test('the refresh lease has one owner until it expires or is released', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      const c = await store.saveConnection(input(user.id))
      t.ok(await store.acquireRefreshLease(c.id, 'A', 60_000))
      t.notOk(await store.acquireRefreshLease(c.id, 'B', 60_000))
      t.ok(await store.acquireRefreshLease(c.id, 'A', 60_000), 're-entrant for its owner')
      await store.releaseRefreshLease(c.id, 'B')
      t.notOk(await store.acquireRefreshLease(c.id, 'B', 60_000), 'only the owner releases')
      await store.releaseRefreshLease(c.id, 'A')
      t.ok(await store.acquireRefreshLease(c.id, 'B', 100), 'a released lease can be taken')
      // Expiry: waiting longer than the TTL always lets another owner in (no upper bound asserted).
      await sleep(300)
      t.ok(await store.acquireRefreshLease(c.id, 'C', 60_000), 'an expired lease can be taken')
      t.notOk(await store.acquireRefreshLease(c.id, 'B', 60_000), 'and then it is C\'s')
      t.notOk(await store.acquireRefreshLease('missing', 'A', 1000), 'no row, no lease')
    })

    t.test('no plaintext token reaches the database', async t => {
      const db = await dialect.database(t)
      const store = await db.open()
      const user = await store.createUser()
      const c = await store.saveConnection(input(user.id))
      await store.replaceTokens(c.id, 1, { accessToken: ACCESS + 'x', refreshToken: REFRESH + 'y', expiresAt: null })
      await store.close()
      const dump = await db.dump()
      t.ok(dump.includes(c.id), 'the dump holds the rows')
      for (const secret of [ACCESS, REFRESH, 'deadbeefcafebabe', 'feedfacefeedface']) {
        t.notOk(dump.includes(secret), `the database does not contain ${secret.slice(-8)}`)
      }
    })

    t.test('a ciphertext copied to another row fails to decrypt', async t => {
      const db = await dialect.database(t)
      const store = await db.open()
      const user = await store.createUser()
      const a = await store.saveConnection(input(user.id))
      const b = await store.saveConnection(input(user.id, { sentryUser: { id: '2', name: null, email: null }, accessToken: 'other' }))
      await db.copyCiphertext(a.id, b.id)
      await t.rejects(store.getTokens(b.id), /failed authentication/)
      t.equal((await store.getTokens(a.id))?.accessToken, ACCESS)
    })

    t.test('reencryptAll moves rows to the current key; old keys then can be dropped', async t => {
      const oldKey = newKey()
      const nextKey = newKey()
      const db = await dialect.database(t)
      const before = await db.open(`old:${oldKey}`)
      const user = await before.createUser()
      const c = await before.saveConnection(input(user.id))
      await before.close()
      const during = await db.open(`new:${nextKey},old:${oldKey}`)
      t.equal((await during.getTokens(c.id))?.accessToken, ACCESS, 'rows under the old key stay readable')
      t.same(await during.reencryptAll(), { total: 1, rewritten: 1 })
      t.same(await during.reencryptAll(), { total: 1, rewritten: 0 }, 'a second run has nothing to do')
      t.equal((await during.getTokens(c.id))?.version, 2, 'the rewrite bumps the version')
      await during.close()
      const after = await db.open(`new:${nextKey}`)
      t.equal((await after.getTokens(c.id))?.refreshToken, REFRESH)
    })

    t.test('an unknown key id is a clear error', async t => {
      const db = await dialect.database(t)
      const a = await db.open(`k1:${newKey()}`)
      const user = await a.createUser()
      const c = await a.saveConnection(input(user.id))
      await a.close()
      const b = await db.open(`k2:${newKey()}`)
      await t.rejects(b.getTokens(c.id), /key id "k1"/)
    })

    t.test('platform users: (issuer, subject) identities, session generations', async t => {
      const store = await (await dialect.database(t)).open()
      const anon = await store.createUser()
      t.match(anon, { issuer: null, subject: null, sessionGeneration: 0 })
      t.equal(await store.findUserByIdentity('https://a.example', 'alice'), null)
      const [a1, a2] = await Promise.all([
        store.ensureUserByIdentity('https://a.example', 'alice'),
        store.ensureUserByIdentity('https://a.example', 'alice')
      ])
      t.equal(a1.id, a2.id, 'two first sights at once make one user')
      t.match(a1, { issuer: 'https://a.example', subject: 'alice', sessionGeneration: 0 })
      t.same(await store.findUserByIdentity('https://a.example', 'alice'), a1)
      const b = await store.ensureUserByIdentity('https://b.example', 'alice')
      t.not(b.id, a1.id, 'two issuers never share a user')
      t.same(await store.getUser(a1.id), a1)
      t.equal(await store.revokeSessions(anon.id), 1)
      t.equal(await store.revokeSessions(anon.id), 2)
      t.equal((await store.getUser(anon.id))?.sessionGeneration, 2)
      t.equal(await store.revokeSessions('nobody'), null)
    })

    t.test('connect sessions are single-use and expire', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      const now = Date.now()
      const target = { returnTo: '/x', mode: 'popup' as const, messageOrigin: 'https://app.example.com' }
      await store.createConnectSession({ tokenHash: 'h1', userId: user.id, expiresAt: new Date(now + 600_000), ...target })
      await store.createConnectSession({ tokenHash: 'h2', userId: user.id, expiresAt: new Date(now + 600_000), ...target })
      const takes = await Promise.all([store.takeConnectSession('h1', new Date(now)), store.takeConnectSession('h1', new Date(now))])
      t.same(takes.map(r => r.status).sort(), ['ok', 'used'], 'two takes at once: exactly one wins')
      t.match(takes.find(r => r.status === 'ok')?.session, { userId: user.id, ...target })
      t.equal((await store.takeConnectSession('h1', new Date(now))).status, 'used')
      t.equal((await store.takeConnectSession('h2', new Date(now + 600_001))).status, 'expired')
      t.equal((await store.takeConnectSession('h2', new Date(now))).status, 'used', 'an expired take spends it')
      t.same(await store.takeConnectSession('nope', new Date(now)), { status: 'unknown', session: null })
    })

    t.test('connect flows are taken once, whatever the outcome', async t => {
      const store = await (await dialect.database(t)).open()
      const user = await store.createUser()
      const expiresAt = new Date(Date.now() + 600_000)
      await store.saveConnectFlow({ stateHash: 's1', userId: user.id, via: 'connect-session', returnTo: '/', mode: 'redirect', messageOrigin: 'http://gw', expiresAt })
      await store.saveConnectFlow({ stateHash: 's2', userId: null, via: 'cookie', returnTo: '/y', mode: 'popup', messageOrigin: 'http://gw', expiresAt })
      const taken = await Promise.all([store.takeConnectFlow('s1'), store.takeConnectFlow('s1')])
      t.equal(taken.filter(f => f !== null).length, 1, 'two takes at once: one gets it')
      t.same(taken.find(f => f !== null), { userId: user.id, via: 'connect-session', returnTo: '/', mode: 'redirect', messageOrigin: 'http://gw', expiresAt })
      t.same(await store.takeConnectFlow('s2'), { userId: null, via: 'cookie', returnTo: '/y', mode: 'popup', messageOrigin: 'http://gw', expiresAt })
      t.equal(await store.takeConnectFlow('s2'), null)
      t.equal(await store.takeConnectFlow('unknown'), null)
    })

    t.test('operations reads: connection stats, all connections, users, stale connections', async t => {
      const store = await (await dialect.database(t)).open()
      t.same(await store.connectionStats(), { byStatus: { ACTIVE: 0, REVOKED: 0 }, soonestExpiry: null }, 'empty database')
      t.same(await store.listUsers(), [])
      t.same(await store.listAllConnections(), [])

      const u1 = await store.createUser()
      await sleep(5)
      const u2 = await store.createUser()
      await sleep(5)
      const u3 = await store.createUser()
      const soon = new Date(Math.floor(Date.now() / 1000) * 1000 + 600_000)
      const later = new Date(soon.getTime() + 3600_000)
      const a = await store.saveConnection(input(u1.id, { expiresAt: later }))
      await sleep(5)
      const b = await store.saveConnection(input(u2.id, { expiresAt: soon, sentryUser: { id: '2', name: null, email: null } }))
      await sleep(5)
      const c = await store.saveConnection(input(u2.id, { expiresAt: new Date(soon.getTime() - 60_000), sentryUser: { id: '3', name: null, email: null } }))
      await sleep(5)
      // A connection without a refresh token cannot be kept alive.
      const d = await store.saveConnection(input(u3.id, { refreshToken: null, expiresAt: null }))
      t.ok(a.tokensIssuedAt instanceof Date, 'saveConnection records when the tokens were issued')

      // c is revoked: it no longer counts for the soonest expiry.
      const cRow = await store.getTokens(c.id)
      t.ok(await store.markRevoked(c.id, 'test', cRow?.version ?? 0))
      t.same(await store.connectionStats(), { byStatus: { ACTIVE: 3, REVOKED: 1 }, soonestExpiry: soon })

      t.same((await store.listAllConnections()).map(x => x.id), [a.id, b.id, c.id, d.id], 'oldest first')
      t.same((await store.listAllConnections({ status: 'REVOKED' })).map(x => x.id), [c.id])
      t.same((await store.listAllConnections({ userId: u2.id })).map(x => x.id), [b.id, c.id])
      t.same((await store.listAllConnections({ userId: u2.id, status: 'ACTIVE' })).map(x => x.id), [b.id])
      t.same((await store.listAllConnections({ limit: 2 })).map(x => x.id), [a.id, b.id])
      t.same((await store.listAllConnections({ userId: u1.id }))[0]?.organizations, a.organizations, 'with organizations')

      t.same((await store.listUsers()).map(u => [u.id, u.connections, u.activeConnections]), [[u1.id, 1, 1], [u2.id, 2, 1], [u3.id, 1, 1]])
      t.ok((await store.listUsers())[0]?.createdAt instanceof Date)

      const future = new Date(Date.now() + 60_000)
      t.same((await store.staleConnections(new Date(Date.now() - 60_000), 10)), [], 'nothing was issued before a minute ago')
      t.same((await store.staleConnections(future, 10)).map(x => x.id), [a.id, b.id], 'ACTIVE with a refresh token, least recently issued first')
      t.same((await store.staleConnections(future, 1)).map(x => x.id), [a.id], 'limited')

      // A refresh moves a to the back of the queue and past the cut-off.
      await sleep(5)
      const cutoff = new Date()
      await sleep(5)
      const aRow = await store.getTokens(a.id)
      await store.replaceTokens(a.id, aRow?.version ?? 0, { accessToken: ACCESS, refreshToken: REFRESH, expiresAt: later })
      const refreshed = await store.getConnection(a.id)
      t.ok((refreshed?.tokensIssuedAt?.getTime() ?? 0) > cutoff.getTime(), 'replaceTokens records the new issue time')
      t.same((await store.staleConnections(future, 10)).map(x => x.id), [b.id, a.id])
      t.same((await store.staleConnections(cutoff, 10)).map(x => x.id), [b.id])
      t.same((await store.staleConnections(cutoff, 10))[0]?.tokensIssuedAt, b.tokensIssuedAt)
    })

    t.test('close is idempotent', async t => {
      const store = await (await dialect.database(t)).open()
      await store.close()
      await store.close()
      t.pass('closed twice')
    })
  })
}
