import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { readFileSync, readdirSync } from 'node:fs'
import Database from 'better-sqlite3'
import { createSqliteStore } from '../../src/db/sqlite-store.js'
import { createTokenCipher } from '../../src/db/token-cipher.js'
import { parseTokenKeys } from '../../src/config.js'
import type { SaveConnectionInput, Store } from '../../src/db/store.js'

const ACCESS = 'a'.repeat(32) + 'deadbeefcafebabe0123456789abcdef'
const REFRESH = 'r'.repeat(32) + 'feedfacefeedface0123456789abcdef'

function open (t: Test, keys = randomBytes(32).toString('base64'), path?: string): { store: Store, path: string } {
  const file = path ?? join(t.testdir(), 'gateway.db')
  const store = createSqliteStore({ path: file, cipher: createTokenCipher(parseTokenKeys(keys)) })
  t.teardown(() => store.close())
  return { store, path: file }
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

t.test('migrations apply on an empty file and are idempotent', async t => {
  const { store, path } = open(t)
  await store.ping()
  await store.close()
  const again = createSqliteStore({ path, cipher: createTokenCipher(parseTokenKeys(randomBytes(32).toString('base64'))) })
  await again.ping()
  await again.close()
  const db = new Database(path, { readonly: true })
  const tables = db.prepare("select name from sqlite_master where type='table' order by name").all().map(r => (r as { name: string }).name)
  t.ok(['users', 'sentry_connections', 'sentry_organizations', 'sentry_tokens'].every(n => tables.includes(n)), 'all tables exist')
  t.equal((db.pragma('journal_mode', { simple: true }) as string), 'wal')
  db.close()
})

t.test('create, read, update connections; reconnect updates in place', async t => {
  const { store } = open(t)
  const user = await store.createUser()
  t.same(await store.getUser(user.id), user)
  t.equal(await store.getUser('nope'), null)
  const c1 = await store.saveConnection(input(user.id))
  t.equal(c1.status, 'ACTIVE')
  t.same(c1.scopes, ['org:read', 'event:read'])
  t.same(c1.organizations, [{ orgId: '10', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }])
  t.equal(c1.scopingOrgId, null)
  const tokens = await store.getTokens(c1.id)
  t.equal(tokens?.accessToken, ACCESS)
  t.equal(tokens?.refreshToken, REFRESH)
  t.equal(tokens?.version, 1)

  // Same platform user + Sentry user + scoping org: the same row, tokens replaced, ACTIVE again.
  t.ok(await store.markRevoked(c1.id, 'invalid_grant', 1))
  t.equal((await store.getConnection(c1.id))?.status, 'REVOKED')
  t.equal((await store.getConnection(c1.id))?.statusReason, 'invalid_grant')
  t.equal(await store.getTokens(c1.id), null, 'revocation deletes the token material')
  const c2 = await store.saveConnection(input(user.id, { accessToken: 'new-access', organizations: [] }))
  t.equal(c2.id, c1.id)
  t.equal(c2.status, 'ACTIVE')
  t.same(c2.organizations, [])
  t.equal((await store.getTokens(c1.id))?.accessToken, 'new-access')

  // An org-scoped grant of the same Sentry user is a second connection.
  const c3 = await store.saveConnection(input(user.id, { scopingOrgId: '10' }))
  t.not(c3.id, c1.id)
  t.equal(c3.scopingOrgId, '10')
  t.equal((await store.listConnections(user.id)).length, 2)

  t.notOk(await store.deleteConnection('someone-else', c3.id), 'another user cannot delete it')
  t.ok(await store.deleteConnection(user.id, c3.id))
  t.equal(await store.getConnection(c3.id), null)
  t.equal(await store.getTokens(c3.id), null)
  t.equal((await store.listConnections(user.id)).length, 1)
})

t.test('replaceTokens is a compare-and-swap on the version', async t => {
  const { store } = open(t)
  const user = await store.createUser()
  const c = await store.saveConnection(input(user.id))
  const exp = new Date(Date.now() + 7200_000)
  const next = await store.replaceTokens(c.id, 1, { accessToken: 'acc-2', refreshToken: 'ref-2', expiresAt: exp })
  t.equal(next?.version, 2)
  t.equal(next?.accessToken, 'acc-2')
  t.equal((await store.getConnection(c.id))?.expiresAt?.getTime(), exp.getTime(), 'expiry moves with the tokens')
  t.equal(await store.replaceTokens(c.id, 1, { accessToken: 'stale', refreshToken: 'stale', expiresAt: null }), null, 'a stale writer loses')
  t.equal((await store.getTokens(c.id))?.accessToken, 'acc-2')
  t.notOk(await store.markRevoked(c.id, 'x', 1), 'revocation is also version-checked')
  t.equal((await store.getConnection(c.id))?.status, 'ACTIVE')
})

t.test('the refresh lease has one owner until it expires or is released', async t => {
  let now = 1_000_000
  const file = join(t.testdir(), 'g.db')
  const store = createSqliteStore({ path: file, cipher: createTokenCipher(parseTokenKeys(randomBytes(32).toString('base64'))), now: () => now })
  t.teardown(() => store.close())
  const user = await store.createUser()
  const c = await store.saveConnection(input(user.id))
  t.ok(await store.acquireRefreshLease(c.id, 'A', 1000))
  t.notOk(await store.acquireRefreshLease(c.id, 'B', 1000))
  t.ok(await store.acquireRefreshLease(c.id, 'A', 1000), 're-entrant for its owner')
  now += 1001
  t.ok(await store.acquireRefreshLease(c.id, 'B', 1000), 'an expired lease can be taken')
  await store.releaseRefreshLease(c.id, 'A')
  t.notOk(await store.acquireRefreshLease(c.id, 'A', 1000), 'only the owner releases')
  await store.releaseRefreshLease(c.id, 'B')
  t.ok(await store.acquireRefreshLease(c.id, 'A', 1000))
})

t.test('no plaintext token reaches the database file', async t => {
  const { store, path } = open(t)
  const user = await store.createUser()
  const c = await store.saveConnection(input(user.id))
  await store.replaceTokens(c.id, 1, { accessToken: ACCESS + 'x', refreshToken: REFRESH + 'y', expiresAt: null })
  await store.close()
  const dir = join(path, '..')
  for (const f of readdirSync(dir).filter(f => f.startsWith('gateway.db'))) {
    const bytes = readFileSync(join(dir, f))
    for (const secret of [ACCESS, REFRESH, 'deadbeefcafebabe', 'feedfacefeedface']) {
      t.equal(bytes.indexOf(Buffer.from(secret)), -1, `${f} does not contain ${secret.slice(-8)}`)
    }
  }
})

t.test('a ciphertext copied to another row fails to decrypt', async t => {
  const { store, path } = open(t)
  const user = await store.createUser()
  const a = await store.saveConnection(input(user.id))
  const b = await store.saveConnection(input(user.id, { sentryUser: { id: '2', name: null, email: null }, accessToken: 'other' }))
  const db = new Database(path)
  const rowA = db.prepare('select access_token_ciphertext as c from sentry_tokens where connection_id = ?').get(a.id) as { c: string }
  db.prepare('update sentry_tokens set access_token_ciphertext = ? where connection_id = ?').run(rowA.c, b.id)
  db.close()
  await t.rejects(store.getTokens(b.id), /failed authentication/)
  t.equal((await store.getTokens(a.id))?.accessToken, ACCESS)
})

t.test('reencryptAll moves rows to the current key; old keys then can be dropped', async t => {
  const oldKey = randomBytes(32).toString('base64')
  const newKey = randomBytes(32).toString('base64')
  const file = join(t.testdir(), 'g.db')
  const before = createSqliteStore({ path: file, cipher: createTokenCipher(parseTokenKeys(`old:${oldKey}`)) })
  const user = await before.createUser()
  const c = await before.saveConnection(input(user.id))
  await before.close()
  const during = createSqliteStore({ path: file, cipher: createTokenCipher(parseTokenKeys(`new:${newKey},old:${oldKey}`)) })
  t.equal((await during.getTokens(c.id))?.accessToken, ACCESS, 'rows under the old key stay readable')
  t.same(await during.reencryptAll(), { total: 1, rewritten: 1 })
  t.same(await during.reencryptAll(), { total: 1, rewritten: 0 }, 'a second run has nothing to do')
  await during.close()
  const after = createSqliteStore({ path: file, cipher: createTokenCipher(parseTokenKeys(`new:${newKey}`)) })
  t.teardown(() => after.close())
  t.equal((await after.getTokens(c.id))?.refreshToken, REFRESH)
})

t.test('an unknown key id is a clear error', async t => {
  const file = join(t.testdir(), 'g.db')
  const a = createSqliteStore({ path: file, cipher: createTokenCipher(parseTokenKeys(`k1:${randomBytes(32).toString('base64')}`)) })
  const user = await a.createUser()
  const c = await a.saveConnection(input(user.id))
  await a.close()
  const b = createSqliteStore({ path: file, cipher: createTokenCipher(parseTokenKeys(`k2:${randomBytes(32).toString('base64')}`)) })
  t.teardown(() => b.close())
  await t.rejects(b.getTokens(c.id), /key id "k1"/)
})
