import t from 'tap'
import { Agent } from 'undici'
import { buildTestApp, count, settle, sharedDatabasePath, sharedKey, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../helpers/app.js'
import { ALL_SCOPES, connect, control, counters, resetCounters } from '../helpers/emulator.js'

const PAST = new Date(Date.now() - 60_000)

t.test('200 concurrent requests meeting a token expired in the database cause exactly 1 refresh', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId, accessToken } = await connect(app, emulator.url, { storedExpiresAt: PAST })
  await control(emulator.url, 'tokens/expire', {})
  await resetCounters(emulator.url)
  const client = app.sentry.forConnection(connectionId)
  const { ok, codes } = await settle(Array.from({ length: 200 }, async () => await client.organizations.get('acme')))
  t.same(codes, [])
  t.equal(ok.length, 200)
  const c = await counters(emulator.url)
  t.equal(c.refreshes, 1, 'one refresh')
  t.equal(c.refreshFailures, 0)
  t.equal(c.apiRequests, 200, 'no request was sent with the expired token')
  const row = await app.store.getTokens(connectionId)
  t.equal(row?.version, 2, 'the rotated pair was stored once')
  t.not(row?.accessToken, accessToken)
  t.ok((row?.expiresAt?.getTime() ?? 0) > Date.now() + 86_400_000, 'expiry from expires_at')
})

t.test('200 concurrent requests meeting 401 "Token expired" cause exactly 1 refresh and are retried once', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  await control(emulator.url, 'tokens/expire', {})
  await resetCounters(emulator.url)
  const client = app.sentry.forConnection(connectionId)
  const { ok, codes } = await settle(Array.from({ length: 200 }, async () => await client.projects.list('acme')))
  t.same(codes, [])
  t.equal(ok.length, 200)
  const c = await counters(emulator.url)
  t.equal(c.refreshes, 1)
  t.ok(c.apiRequests <= 400, 'each request retried at most once')
  t.equal((await app.store.getTokens(connectionId))?.version, 2)
})

t.test('a token inside the refresh window is refreshed ahead, once', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url, { expiresInSeconds: 60 })
  await resetCounters(emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await Promise.all([client.teams.list('acme'), client.members.list('acme'), client.organizations.list()])
  t.equal((await counters(emulator.url)).refreshes, 1)
  await client.teams.list('acme')
  t.equal((await counters(emulator.url)).refreshes, 1, 'the new token is far from expiry')
})

t.test('two gateway processes on one SQLite file refresh a connection once', async t => {
  const key = sharedKey()
  const databasePath = sharedDatabasePath(t)
  const first = await buildTestApp(t, { env: { TOKEN_ENCRYPTION_KEY: key }, databasePath })
  const second = await buildTestApp(t, { env: { TOKEN_ENCRYPTION_KEY: key }, sharedEmulator: first.emulator, databasePath })
  const emulatorUrl = first.emulator.url
  for (const storedExpiresAt of [PAST, undefined]) {
    // Expired in the database (refresh ahead), then only upstream (401 "Token expired").
    const { connectionId } = await connect(first.app, emulatorUrl, { storedExpiresAt })
    await control(emulatorUrl, 'tokens/expire', {})
    await resetCounters(emulatorUrl)
    const a = first.app.sentry.forConnection(connectionId)
    const b = second.app.sentry.forConnection(connectionId)
    const { ok, codes } = await settle(Array.from({ length: 200 }, async (_, i) => await (i % 2 === 0 ? a : b).issues.list('acme', { limit: 5 })))
    t.same(codes, [], `no errors (${storedExpiresAt === undefined ? '401 path' : 'ahead path'})`)
    t.equal(ok.length, 200)
    const c = await counters(emulatorUrl)
    t.equal(c.refreshes, 1, 'one refresh across both processes')
    t.equal(c.refreshFailures, 0, 'nobody replayed a rotated refresh token')
    const conn = await second.app.store.getConnection(connectionId)
    t.equal(conn?.status, 'ACTIVE')
  }
})

t.test('revocation in the middle of traffic: RECONNECT_REQUIRED, then REVOKED without calling Sentry', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  const before = await settle(Array.from({ length: 20 }, async () => await client.issues.list('acme', { limit: 1 })))
  t.same(before.codes, [])
  await control(emulator.url, 'tokens/revoke', { clientId: TEST_CLIENT_ID })
  const during = await settle(Array.from({ length: 50 }, async () => await client.issues.list('acme', { limit: 1 })))
  t.equal(count(during.codes, 'RECONNECT_REQUIRED'), 50, 'every request answers RECONNECT_REQUIRED')
  const err = during.errors[0] as { message: string, extensions: Record<string, unknown> }
  t.match(err.extensions, { connectionId, reconnectUrl: '/connect/sentry' })
  const conn = await app.store.getConnection(connectionId)
  t.equal(conn?.status, 'REVOKED')
  t.match(conn?.statusReason, /refresh token/)
  t.ok(conn !== null && conn.statusChangedAt.getTime() > Date.now() - 60_000, 'with the time')
  t.equal(await app.store.getTokens(connectionId), null, 'token material deleted')
  const c = await counters(emulator.url)
  t.equal(c.refreshes, 0)
  t.equal(c.refreshFailures, 1, 'one refresh attempt for the whole burst')

  await resetCounters(emulator.url)
  await t.rejects(client.organizations.get('acme'), { code: 'RECONNECT_REQUIRED' })
  await t.rejects(app.sentry.forConnection(connectionId).teams.list('acme'), { code: 'RECONNECT_REQUIRED' })
  t.equal((await counters(emulator.url)).apiRequests, 0, 'a REVOKED connection does not call Sentry')

  // Reconnecting (the connect flow saves the connection again) makes it ACTIVE.
  const reconnected = await control(emulator.url, 'tokens', { clientId: TEST_CLIENT_ID, scopes: ALL_SCOPES })
  await app.store.saveConnection({
    userId: conn?.userId ?? '',
    sentryUser: conn?.sentryUser ?? { id: '1', name: null, email: null },
    scopes: ALL_SCOPES,
    scopingOrgId: null,
    expiresAt: new Date(reconnected.expires_at),
    accessToken: reconnected.access_token,
    refreshToken: reconnected.refresh_token,
    organizations: conn?.organizations ?? []
  })
  t.equal((await app.store.getConnection(connectionId))?.status, 'ACTIVE')
  t.equal((await client.organizations.get('acme')).slug, 'acme')
})

t.test('invalid_grant because another process refreshed first does not revoke', async t => {
  // Between our read of the row and our refresh POST, "another process" rotates the pair at
  // Sentry and stores it (as a gateway whose lease had expired would). Our POST then gets
  // invalid_grant; the row has moved on, so its tokens are used and nothing is revoked.
  let raced = false
  let raceError: unknown
  // eslint-disable-next-line prefer-const -- assigned below, after the dispatcher that calls it
  let race: (() => Promise<void>) | undefined
  const agent = new Agent().compose(dispatch => (opts, handler) => {
    if (!raced && opts.path === '/oauth/token/' && race !== undefined) {
      raced = true
      race().catch((err: unknown) => { raceError = err }).then(() => dispatch(opts, handler))
      return true
    }
    return dispatch(opts, handler)
  })
  t.teardown(async () => { await agent.close() })
  const { app, emulator } = await buildTestApp(t, { deps: { dispatcher: agent } })
  const { connectionId, refreshToken } = await connect(app, emulator.url, { storedExpiresAt: PAST })
  race = async () => {
    const res = await fetch(`${emulator.url}/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: TEST_CLIENT_ID, client_secret: TEST_CLIENT_SECRET })
    })
    const body = await res.json() as { access_token: string, refresh_token: string, expires_at: string }
    const row = await app.store.getTokens(connectionId)
    const saved = await app.store.replaceTokens(connectionId, row?.version ?? 0, {
      accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(body.expires_at)
    })
    if (saved === null) throw new Error('race setup failed')
  }
  await resetCounters(emulator.url)
  const org = await app.sentry.forConnection(connectionId).organizations.get('acme')
  t.equal(org.slug, 'acme', 'the request succeeded with the other process\'s tokens')
  t.ok(raced)
  t.equal(raceError, undefined)
  const c = await counters(emulator.url)
  t.equal(c.refreshes, 1, 'the other process\'s refresh')
  t.equal(c.refreshFailures, 1, 'ours got invalid_grant')
  const conn = await app.store.getConnection(connectionId)
  t.equal(conn?.status, 'ACTIVE', 'not revoked')
  t.equal((await app.store.getTokens(connectionId))?.version, 2)
})

t.test('an SSO-required 401 (nested detail) is FORBIDDEN, not a revocation', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  await resetCounters(emulator.url)
  await control(emulator.url, 'faults', { count: 1, status: 401, nestedDetail: 'sso-required' })
  const client = app.sentry.forConnection(connectionId)
  const err = await client.issues.list('acme').then(() => null, (e: unknown) => e as { code: string, message: string, extensions: Record<string, unknown> })
  t.equal(err?.code, 'FORBIDDEN')
  t.match(err?.message, /single sign-on/)
  t.equal(err?.extensions.reason, 'sso-required')
  t.notMatch(err?.message, /auth\/login/, 'no upstream URL copied')
  const c = await counters(emulator.url)
  t.equal(c.refreshes + c.refreshFailures, 0, 'no refresh attempted')
  t.equal((await app.store.getConnection(connectionId))?.status, 'ACTIVE')
  t.equal((await client.issues.list('acme', { limit: 1 })).items.length, 1, 'the connection keeps working')
})

t.test('wrong client credentials: the refresh fails as UPSTREAM_ERROR, never as a revocation', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_CLIENT_SECRET: 'not-the-secret' } })
  const { connectionId } = await connect(app, emulator.url, { storedExpiresAt: PAST })
  await t.rejects(app.sentry.forConnection(connectionId).teams.list('acme'), { code: 'UPSTREAM_ERROR', extensions: { reason: 'INVALID_CLIENT' } })
  t.equal((await app.store.getConnection(connectionId))?.status, 'ACTIVE')

  // Ahead of expiry (still valid), the same failure falls back to the current token.
  const ahead = await connect(app, emulator.url, { expiresInSeconds: 120 })
  t.equal((await app.sentry.forConnection(ahead.connectionId).teams.list('acme')).items.length > 0, true)
})

t.test('a deleted connection answers NOT_CONNECTED', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const conn = await app.store.getConnection(connectionId)
  await app.store.deleteConnection(conn?.userId ?? '', connectionId)
  await t.rejects(app.sentry.forConnection(connectionId).organizations.list(), { code: 'NOT_CONNECTED' })
})
