import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { EXIT, REVOKED_BY_OPERATOR, USAGE, runAdmin } from '../../src/cli/admin.js'
import type { Config } from '../../src/config.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, buildTestApp } from '../helpers/app.js'
import { connect, control, counters } from '../helpers/emulator.js'

/** The environment an operator would have: the gateway's own database, key and Sentry app. */
function adminEnv (config: Config, emulatorUrl: string): Record<string, string> {
  const key = config.tokenKeys.keys.get(config.tokenKeys.currentKeyId) as Buffer
  return {
    DATABASE_URL: config.databasePath,
    TOKEN_ENCRYPTION_KEY: key.toString('base64'),
    SESSION_SECRET: config.sessionSecret,
    SENTRY_URL: emulatorUrl,
    SENTRY_CLIENT_ID: TEST_CLIENT_ID,
    SENTRY_CLIENT_SECRET: TEST_CLIENT_SECRET,
    LOG_LEVEL: 'silent'
  }
}

async function admin (env: Record<string, string>, ...argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runAdmin(env, argv, s => { out += s }, s => { err += s })
  return { code, out, err }
}

/** A running gateway (its store open on the file) with three connections of two users. */
async function setup (t: Test) {
  const { app, config, emulator } = await buildTestApp(t)
  const a = await connect(app, emulator.url)
  const b = await connect(app, emulator.url)
  const c = await connect(app, emulator.url)
  // Make b and c one user's two connections.
  const bRow = await app.store.getConnection(b.connectionId)
  const cRow = await app.store.getConnection(c.connectionId)
  const env = adminEnv(config, emulator.url)
  return { app, config, emulator, env, a, b, c, bUser: bRow?.userId as string, cUser: cRow?.userId as string }
}

t.test('users list and connections list, as text and JSON, with filters', async t => {
  const { env, a, b, c, app } = await setup(t)
  const aUser = (await app.store.getConnection(a.connectionId))?.userId as string

  let r = await admin(env, 'users', 'list')
  t.equal(r.code, EXIT.ok)
  t.match(r.out, /^ID\s+CREATED\s+CONNECTIONS\s+ACTIVE\n/)
  t.equal(r.out.trim().split('\n').length, 4, 'a header and three users')
  r = await admin(env, 'users', 'list', '--json')
  const users = JSON.parse(r.out) as Array<{ id: string, connections: number, activeConnections: number }>
  t.equal(users.length, 3)
  t.match(users.find(u => u.id === aUser), { id: aUser, connections: 1, activeConnections: 1, createdAt: /^\d{4}-/ }, 'counts per user')

  r = await admin(env, 'connections', 'list', '--json')
  const all = JSON.parse(r.out) as Array<{ id: string, status: string, organizations: unknown[] }>
  t.same(all.map(x => x.id).sort(), [a.connectionId, b.connectionId, c.connectionId].sort())
  t.ok(all.every(x => x.status === 'ACTIVE' && x.organizations.length > 0))

  r = await admin(env, 'connections', 'list', '--user', aUser, '--json')
  t.same((JSON.parse(r.out) as Array<{ id: string }>).map(x => x.id), [a.connectionId], '--user filters')

  // Revoke one, then filter by status (lower case accepted).
  t.equal((await admin(env, 'connections', 'revoke', b.connectionId)).code, EXIT.ok)
  r = await admin(env, 'connections', 'list', '--status', 'revoked', '--json')
  t.same((JSON.parse(r.out) as Array<{ id: string }>).map(x => x.id), [b.connectionId], '--status filters')
  r = await admin(env, 'connections', 'list', '--status', 'ACTIVE')
  t.match(r.out, /^ID\s+USER\s+STATUS/)
  t.equal(r.out.trim().split('\n').length, 3, 'a header and two ACTIVE connections')
  t.notMatch(r.out, b.connectionId)
  r = await admin(env, 'connections', 'list', '--user', 'nobody')
  t.equal(r.out, 'No connections match.\n')

  for (const secret of [a.accessToken, a.refreshToken, b.accessToken, c.refreshToken]) {
    t.notMatch((await admin(env, 'connections', 'list', '--json')).out, secret, 'no token in any listing')
  }
  t.end()
})

t.test('connections show: status, reason, organizations, scopes, expiry, last refresh; never a token', async t => {
  const { env, a } = await setup(t)
  let r = await admin(env, 'connections', 'show', a.connectionId)
  t.equal(r.code, EXIT.ok)
  for (const label of ['connection', 'user', 'status', 'sentry user', 'scopes', 'organizations', 'token expires', 'last refresh']) {
    t.match(r.out, new RegExp(`^${label}\\s`, 'm'), label)
  }
  t.match(r.out, /status\s+ACTIVE since \d{4}-/)
  t.match(r.out, /scopes\s+.*org:read/)
  r = await admin(env, 'connections', 'show', a.connectionId, '--json')
  const shown = JSON.parse(r.out) as Record<string, unknown>
  t.match(shown, { id: a.connectionId, status: 'ACTIVE', statusReason: null, accessTokenExpiresAt: String, tokensIssuedAt: String })
  t.notMatch(r.out, a.accessToken)
  t.notMatch(r.out, a.refreshToken)
  t.notOk(Object.keys(shown).some(k => /token$/i.test(k) && !/ExpiresAt|IssuedAt/.test(k)), 'no token field at all')

  r = await admin(env, 'connections', 'show', 'no-such-id')
  t.equal(r.code, EXIT.notFound)
  t.match(r.err, /no connection "no-such-id"; list them with: npm run admin -- connections list/)
  t.end()
})

t.test('connections refresh rotates the tokens at Sentry; a refused refresh token marks the connection REVOKED', async t => {
  const { env, a, b, app, emulator } = await setup(t)
  const before = await app.store.getTokens(a.connectionId)
  const refreshesBefore = (await counters(emulator.url)).refreshes
  let r = await admin(env, 'connections', 'refresh', a.connectionId)
  t.equal(r.code, EXIT.ok, r.err)
  t.match(r.out, /^Refreshed: connection .*, token expires \d{4}-/)
  t.equal((await counters(emulator.url)).refreshes, refreshesBefore + 1, 'one refresh at Sentry')
  const after = await app.store.getTokens(a.connectionId)
  t.equal(after?.version, (before?.version ?? 0) + 1, 'the running gateway sees the new row')
  t.not(after?.accessToken, before?.accessToken)
  t.notMatch(r.out + r.err, after?.accessToken as string)

  r = await admin(env, 'connections', 'refresh', a.connectionId, '--json')
  t.match(JSON.parse(r.out), { refreshed: true, connection: { id: a.connectionId, status: 'ACTIVE' } })

  // Sentry forgets every grant of the app: the next refresh gets invalid_grant.
  await control(emulator.url, 'tokens/revoke', { clientId: TEST_CLIENT_ID })
  r = await admin(env, 'connections', 'refresh', b.connectionId)
  t.equal(r.code, EXIT.revoked)
  t.match(r.err, /Sentry refused the refresh token: connection .* is now REVOKED; its user must connect to Sentry again/)
  t.equal((await app.store.getConnection(b.connectionId))?.status, 'REVOKED')
  r = await admin(env, 'connections', 'refresh', b.connectionId)
  t.equal(r.code, EXIT.revoked, 'a revoked connection cannot be refreshed')
  t.match(r.err, /already REVOKED/)
  t.equal((await admin(env, 'connections', 'refresh', 'nope')).code, EXIT.notFound)
  t.end()
})

t.test('connections refresh goes through the gateway lease: it waits for another holder and does not refresh twice', async t => {
  const { env, a, app, emulator } = await setup(t)
  const row = await app.store.getTokens(a.connectionId)
  if (row === null) throw new Error('no token row')
  t.ok(await app.store.acquireRefreshLease(a.connectionId, 'another-instance', 60_000), 'another instance holds the lease')
  const refreshesBefore = (await counters(emulator.url)).refreshes
  const pending = admin(env, 'connections', 'refresh', a.connectionId)
  // The other instance finishes its refresh while the command waits on the lease.
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal((await counters(emulator.url)).refreshes, refreshesBefore, 'the command did not refresh while the lease was held')
  const saved = await app.store.replaceTokens(a.connectionId, row.version, { accessToken: 'other-access', refreshToken: 'other-refresh', expiresAt: new Date(Date.now() + 3600_000) })
  t.ok(saved)
  await app.store.releaseRefreshLease(a.connectionId, 'another-instance')
  const r = await pending
  t.equal(r.code, EXIT.ok, r.err)
  t.match(r.out, /^Already refreshed meanwhile \(by the gateway or another instance\): connection/)
  t.equal((await counters(emulator.url)).refreshes, refreshesBefore, 'no second refresh at Sentry')
  t.equal((await app.store.getTokens(a.connectionId))?.accessToken, 'other-access', "the other instance's tokens stand")
  t.end()
})

t.test('connections revoke marks REVOKED with a reason and deletes the tokens', async t => {
  const { env, a, b, app } = await setup(t)
  let r = await admin(env, 'connections', 'revoke', a.connectionId)
  t.equal(r.code, EXIT.ok, r.err)
  t.match(r.out, /^Revoked: connection .* \(revoked by an operator \(npm run admin\)\)\. Its user must connect to Sentry again/)
  const revoked = await app.store.getConnection(a.connectionId)
  t.equal(revoked?.status, 'REVOKED')
  t.equal(revoked?.statusReason, REVOKED_BY_OPERATOR)
  t.equal(await app.store.getTokens(a.connectionId), null, 'token material deleted')
  r = await admin(env, 'connections', 'revoke', a.connectionId)
  t.equal(r.code, EXIT.revoked)
  t.match(r.err, /already REVOKED \(revoked by an operator/)

  r = await admin(env, 'connections', 'revoke', b.connectionId, '--reason', 'user left the company', '--json')
  t.match(JSON.parse(r.out), { id: b.connectionId, status: 'REVOKED', statusReason: 'user left the company' })
  t.equal((await admin(env, 'connections', 'revoke', 'nope')).code, EXIT.notFound)
  t.end()
})

t.test('bad usage and bad configuration say the fix', async t => {
  const { env } = await setup(t)
  const cases: Array<[string[], number, RegExp]> = [
    [[], EXIT.usage, /^Usage: npm run admin/],
    [['connections'], EXIT.usage, /unknown command "connections"/],
    [['tokens', 'list'], EXIT.usage, /unknown command "tokens list"/],
    [['connections', 'show'], EXIT.usage, /"connections show" needs a connection id; list them with/],
    [['connections', 'show', 'a', 'b'], EXIT.usage, /unexpected argument "b"/],
    [['users', 'list', 'x'], EXIT.usage, /unexpected argument "x"/],
    [['connections', 'list', '--status', 'GONE'], EXIT.usage, /--status must be ACTIVE or REVOKED, not "GONE"/],
    [['connections', 'list', '--bogus'], EXIT.usage, /Unknown option '--bogus'/]
  ]
  for (const [argv, code, message] of cases) {
    const r = await admin(env, ...argv)
    t.equal(r.code, code, argv.join(' '))
    t.match(r.err, message, argv.join(' '))
  }
  const help = await admin(env, '--help')
  t.equal(help.code, EXIT.ok)
  t.equal(help.out, USAGE)

  let r = await admin({ ...env, TOKEN_ENCRYPTION_KEY: 'short' }, 'users', 'list')
  t.equal(r.code, EXIT.usage)
  t.match(r.err, /invalid configuration: TOKEN_ENCRYPTION_KEY: .*openssl rand -base64 32/)

  // A key list without the key the rows were sealed under: the command says which key is missing.
  const someId = (JSON.parse((await admin(env, 'connections', 'list', '--json')).out) as Array<{ id: string }>)[0]?.id as string
  r = await admin({ ...env, TOKEN_ENCRYPTION_KEY: `other:${Buffer.alloc(32, 7).toString('base64')}` }, 'connections', 'refresh', someId)
  t.equal(r.code, EXIT.usage)
  t.match(r.err, /key/)
  t.notMatch(r.err, env.TOKEN_ENCRYPTION_KEY as string)

  // Zero-config mode has no Sentry credentials for the command to refresh with.
  const noCreds = { ...env }
  delete (noCreds as Record<string, string | undefined>).SENTRY_CLIENT_ID
  delete (noCreds as Record<string, string | undefined>).SENTRY_CLIENT_SECRET
  r = await admin(noCreds, 'connections', 'refresh', someId)
  t.equal(r.code, EXIT.usage)
  t.match(r.err, /refresh needs SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET/)
  t.end()
})

t.test('npm run admin runs the command line entry', async t => {
  const { env, a } = await setup(t)
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'admin', '--', 'connections', 'show', a.connectionId, '--json'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }
  })
  t.match(JSON.parse(stdout), { id: a.connectionId, status: 'ACTIVE' })
  const failed = await promisify(execFile)('npm', ['run', '--silent', 'admin', '--', 'connections', 'show', 'nope'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }
  }).then(() => null, (e: { code: number, stderr: string }) => e)
  t.equal(failed?.code, EXIT.notFound)
  t.match(failed?.stderr, /no connection "nope"/)
  t.end()
})
