import t from 'tap'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { createSqliteStore } from '../../src/db/sqlite/store.js'
import { createPgStore } from '../../src/db/pg/store.js'
import { createTokenCipher } from '../../src/db/token-cipher.js'
import { parseTokenKeys } from '../../src/config.js'
import { copySqliteToPg } from '../../src/db/copy.js'
import { createTestDatabase, pgQuery } from '../helpers/postgres.js'
import { runSource } from '../helpers/process.js'

const keys = `k1:${randomBytes(32).toString('base64')}`

/** `npm run db:copy`'s command, outside tap's coverage (test/helpers/process.ts). */
async function dbCopy (args: string[]): Promise<{ code: number | null, out: string, err: string }> {
  const { code, out, err } = await runSource('src/cli/db-copy.ts', args, {})
  return { code, out, err }
}

/** A SQLite installation: two users, three connections (one revoked, one with a lease held), organizations, tokens. */
async function installation (path: string) {
  const store = createSqliteStore({ path, cipher: createTokenCipher(parseTokenKeys(keys)) })
  const u1 = await store.createUser()
  const u2 = await store.ensureUserByIdentity('https://issuer.example.com', 'subject-2')
  await store.revokeSessions(u2.id)
  const base = { scopes: ['org:read', 'event:read'], scopingOrgId: null, expiresAt: new Date(Date.now() + 3600_000), refreshToken: 'refresh-a' }
  const a = await store.saveConnection({ ...base, userId: u1.id, sentryUser: { id: '1', name: 'Jane', email: 'jane@example.com' }, accessToken: 'access-a', organizations: [{ orgId: '10', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }, { orgId: '11', slug: 'globex', name: 'Globex', regionUrl: 'https://de.sentry.io' }] })
  await store.replaceTokens(a.id, 1, { accessToken: 'access-a2', refreshToken: 'refresh-a2', expiresAt: new Date(Date.now() + 7200_000) })
  await store.acquireRefreshLease(a.id, 'a-process', 60_000)
  const b = await store.saveConnection({ ...base, userId: u2.id, sentryUser: { id: '2', name: null, email: null }, scopingOrgId: '10', accessToken: 'access-b', refreshToken: null, expiresAt: null, organizations: [] })
  const c = await store.saveConnection({ ...base, userId: u2.id, sentryUser: { id: '3', name: 'Rev', email: null }, accessToken: 'access-c', organizations: [] })
  await store.markRevoked(c.id, 'invalid_grant', 1)
  const expected = { user2: await store.getUser(u2.id), u1: await store.listConnections(u1.id), u2: await store.listConnections(u2.id), ta: await store.getTokens(a.id), tb: await store.getTokens(b.id) }
  await store.close()
  return { u1, u2, a, b, c, expected }
}

t.test('copies users, connections, organizations and sealed tokens; the same key opens them on PostgreSQL', async t => {
  const path = join(t.testdir(), 'gateway.db')
  const src = await installation(path)
  const url = await createTestDatabase(t, 'copy')
  t.same(await copySqliteToPg(path, url), { users: 2, connect_sessions: 0, connect_flows: 0, sentry_connections: 3, sentry_organizations: 2, sentry_tokens: 2 })
  const pgStore = await createPgStore({ url, cipher: createTokenCipher(parseTokenKeys(keys)) })
  t.teardown(() => pgStore.close())
  t.same(await pgStore.getUser(src.u1.id), src.u1)
  t.same(await pgStore.getUser(src.u2.id), src.expected.user2, 'identity and session generation kept')
  t.equal((await pgStore.findUserByIdentity('https://issuer.example.com', 'subject-2'))?.id, src.u2.id)
  t.same(await pgStore.listConnections(src.u1.id), src.expected.u1, 'user 1\'s connection, organizations and times')
  t.same(await pgStore.listConnections(src.u2.id), src.expected.u2, 'user 2\'s connections, the revoked one included')
  t.same(await pgStore.getTokens(src.a.id), src.expected.ta, 'tokens decrypt with the same key, version kept')
  t.same(await pgStore.getTokens(src.b.id), src.expected.tb)
  t.equal(await pgStore.getTokens(src.c.id), null, 'a revoked connection has no tokens')
  t.ok(await pgStore.acquireRefreshLease(src.a.id, 'new-process', 1000), 'no lease survives the move')
  const [raw] = await pgQuery<{ c: string }>(url, 'select access_token_ciphertext as c from sentry_tokens where connection_id = $1', [src.a.id])
  t.notMatch(raw?.c ?? '', /access-a/, 'still encrypted')
})

t.test('refuses a non-empty target, a missing source and a file that is not a gateway database', async t => {
  const dir = t.testdir()
  const path = join(dir, 'gateway.db')
  await installation(path)
  const url = await createTestDatabase(t, 'copy_refuse')
  await copySqliteToPg(path, url)
  await t.rejects(copySqliteToPg(path, url), { name: 'CopyRefused', message: /not empty \(users has 2 rows\)/ })
  t.equal((await pgQuery<{ n: number }>(url, 'select count(*)::int as n from sentry_connections'))[0]?.n, 3, 'nothing was added')
  await t.rejects(copySqliteToPg(join(dir, 'missing.db'), url), { name: 'CopyRefused', message: /no such SQLite file/ })
  const other = join(dir, 'other.db')
  writeFileSync(other, '')
  await t.rejects(copySqliteToPg(other, await createTestDatabase(t, 'copy_other')), { name: 'CopyRefused', message: /not a gateway database of this version/ })
})

t.test('npm run db:copy: copies, then refuses the same target again; bad arguments are a usage error', async t => {
  const path = join(t.testdir(), 'gateway.db')
  await installation(path)
  const url = await createTestDatabase(t, 'copy_cli')
  const first = await dbCopy(['--from', path, '--to', url])
  t.equal(first.code, 0, first.err)
  t.match(first.out, /copied users 2, connect_sessions 0, connect_flows 0, sentry_connections 3, sentry_organizations 2, sentry_tokens 2/)
  const again = await dbCopy(['--from', path, '--to', url])
  t.equal(again.code, 1)
  t.match(again.err, /not empty/)
  t.notMatch(again.err + again.out, url, 'the URL is never printed')
  const usage = await dbCopy(['--from', path])
  t.equal(usage.code, 2)
  t.match(usage.err, /both --from and --to are required/)
  const notPg = await dbCopy(['--from', path, '--to', 'mysql://x'])
  t.equal(notPg.code, 2)
  t.match(notPg.err, /must be a postgres/)
})
