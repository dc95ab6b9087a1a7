/**
 * SIGTERM as a load balancer sends it, against the real server process (src/server.ts):
 * /readyz turns 503 while requests are still served, requests in flight get their answers, and a
 * token refresh caught mid-way stores Sentry's rotated pair before the database closes.
 * Here because the drain is src/plugins/graceful-close.ts's, started by src/server.ts's signal handler.
 */
import t, { type Test } from 'tap'
import { once } from 'node:events'
import { request } from 'undici'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/app.js'
import { createSqliteStore } from '../../src/db/sqlite/store.js'
import { createTokenCipher } from '../../src/db/token-cipher.js'
import { TEST_CLIENT_ID, testEnv } from '../helpers/env.js'
import { sessionCookie } from '../helpers/graphql.js'
import { startServer } from '../helpers/process.js'
import { startSentryProxy } from '../helpers/sentry-proxy.js'
import { ALL_SCOPES, control, counters, emulatorCall, type RunningEmulator, startTestEmulator } from '../helpers/emulator.js'

async function emulator (t: Test): Promise<RunningEmulator> {
  return await startTestEmulator(t)
}

/**
 * Stores a connection to the emulator's "acme" (regions routed to `sentryUrl`) in a fresh SQLite
 * file, with an in-process app on the same configuration; returns the server's env and a cookie.
 */
async function prepare (t: Test, sentryUrl: string, em: RunningEmulator, extra: Record<string, string>, storedExpired: boolean) {
  const dir = t.testdir()
  const env = testEnv(dir, { SENTRY_URL: sentryUrl, PORT: '0', LOG_LEVEL: 'info', ...extra })
  const config = loadConfig(env, { cwd: dir })
  const app = await buildApp(config, { logger: false })
  await app.ready()
  const tokens = await control(em, 'tokens', { clientId: TEST_CLIENT_ID, scopes: ALL_SCOPES })
  const orgs = await emulatorCall<Array<{ id: string, slug: string, name: string }>>(em, 'GET', '/api/0/organizations/', undefined, { authorization: `Bearer ${tokens.access_token}` })
  const user = await app.store.createUser()
  const connection = await app.store.saveConnection({
    userId: user.id,
    sentryUser: { id: tokens.user.id, name: tokens.user.name, email: tokens.user.email },
    scopes: tokens.scope.split(' '),
    scopingOrgId: null,
    expiresAt: storedExpired ? new Date(Date.now() - 60_000) : new Date(tokens.expires_at),
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    organizations: orgs.map(o => ({ orgId: o.id, slug: o.slug, name: o.name, regionUrl: sentryUrl }))
  })
  const cookie = sessionCookie(app, user.id)
  await app.close()
  return { env, config, cookie, connectionId: connection.id, tokens }
}

const PROJECTS = '{ organization(slug: "acme") { projects(first: 1) { nodes { slug } } } }'

async function graphql (url: string, cookie: string, query: string) {
  const res = await request(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ query }) })
  return { status: res.statusCode, body: await res.body.json() as { data?: any, errors?: Array<{ extensions?: { code?: string } }> } }
}

async function waitFor (what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

t.test('SIGTERM: /readyz 503 during the drain while requests are served; a slow upstream call in flight still gets its answer', async t => {
  const em = await emulator(t)
  const { env, cookie } = await prepare(t, em.url, em, { SHUTDOWN_DRAIN_MS: '1500', SENTRY_REQUEST_TIMEOUT_MS: '8000' }, false)
  const s = await startServer(env, t)
  t.equal((await request(`${s.url}/readyz`)).statusCode, 200)
  // The next projects call at Sentry answers after 3 s.
  await control(em, 'faults', { delayMs: 3000, pathPrefix: '/api/0/organizations/acme/projects/' })
  const before = (await counters(em)).apiRequests
  const slow = graphql(s.url, cookie, PROJECTS)
  await waitFor('the upstream call', async () => (await counters(em)).apiRequests > before)

  s.child.kill('SIGTERM')
  await waitFor('draining', () => s.output().includes('shutting down: draining'))
  const ready = await request(`${s.url}/readyz`)
  t.equal(ready.statusCode, 503, 'not ready while draining')
  t.same(await ready.body.json(), { status: 'draining', database: 'not checked' })
  const live = await request(`${s.url}/livez`)
  t.equal(live.statusCode, 200, 'alive while draining')
  t.equal(live.headers.connection, 'close')
  await live.body.dump()

  const answer = await slow
  t.equal(answer.status, 200, 'the request in flight was answered')
  t.same(answer.body.errors, undefined)
  t.equal(answer.body.data?.organization.projects.nodes.length, 1)
  const [code] = await once(s.child, 'exit')
  t.equal(code, 0, 'a clean exit')
  t.match(s.output(), /shut down/)
})

t.test('SIGTERM while a token refresh is in flight: the rotated tokens are stored before the database closes', async t => {
  const em = await emulator(t)
  const proxy = await startSentryProxy(em.url)
  t.teardown(() => proxy.close())
  const { env, config, cookie, connectionId, tokens } = await prepare(t, proxy.url, em, { SENTRY_REQUEST_TIMEOUT_MS: '8000' }, true)
  const s = await startServer(env, t)
  // Sentry takes 2 s to answer the refresh: SIGTERM lands in the middle of it.
  proxy.nextToken({ kind: 'delay', ms: 2000 })
  const pending = graphql(s.url, cookie, PROJECTS)
  await waitFor('the refresh POST', () => proxy.tokenRequests.length === 1)
  t.equal(proxy.tokenRequests[0]?.form.grant_type, 'refresh_token')
  s.child.kill('SIGTERM')

  const answer = await pending
  t.equal(answer.status, 200, 'the request that caused the refresh was answered')
  t.same(answer.body.errors, undefined)
  const [code] = await once(s.child, 'exit')
  t.equal(code, 0)

  // The database holds Sentry's new pair; the old one is dead at Sentry (rotation).
  const store = createSqliteStore({ path: config.databasePath, cipher: createTokenCipher(config.tokenKeys) })
  t.teardown(() => store.close())
  const stored = await store.getTokens(connectionId)
  t.equal(stored?.version, 2, 'the refresh was saved')
  t.not(stored?.accessToken, tokens.access_token)
  t.not(stored?.refreshToken, tokens.refresh_token)
  t.equal((await store.getConnection(connectionId))?.status, 'ACTIVE')
  const works = await request(`${em.url}/api/0/organizations/`, { headers: { authorization: `Bearer ${stored?.accessToken ?? ''}` } })
  t.equal(works.statusCode, 200, 'the stored access token works at Sentry')
  await works.body.dump()
  const seen = await counters(em)
  t.equal(seen.refreshes, 1, 'exactly one refresh')
})

t.test('SIGTERM while a refresh runs for a client that already hung up: the rotated tokens are still stored', async t => {
  const em = await emulator(t)
  const proxy = await startSentryProxy(em.url)
  t.teardown(() => proxy.close())
  const { env, config, cookie, connectionId, tokens } = await prepare(t, proxy.url, em, { SENTRY_REQUEST_TIMEOUT_MS: '12000' }, true)
  const s = await startServer(env, t)
  // Slower than the upstream agent's own close bound (5 s, then it is destroyed): shutdown must
  // wait for the refresh itself, not only for HTTP requests or the agent.
  proxy.nextToken({ kind: 'delay', ms: 7000 })
  const aborted = new AbortController()
  const pending = request(`${s.url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ query: PROJECTS }), signal: aborted.signal
  }).catch((err: unknown) => err)
  await waitFor('the refresh POST', () => proxy.tokenRequests.length === 1)
  // No request is in flight any more: only the refresh is.
  aborted.abort()
  await pending
  s.child.kill('SIGTERM')
  const [code] = await once(s.child, 'exit')
  t.equal(code, 0)
  const store = createSqliteStore({ path: config.databasePath, cipher: createTokenCipher(config.tokenKeys) })
  t.teardown(() => store.close())
  const stored = await store.getTokens(connectionId)
  t.equal(stored?.version, 2, 'the refresh was saved although no request waited for it')
  t.not(stored?.refreshToken, tokens.refresh_token)
  const works = await request(`${em.url}/api/0/organizations/`, { headers: { authorization: `Bearer ${stored?.accessToken ?? ''}` } })
  t.equal(works.statusCode, 200, 'the stored access token works at Sentry')
  await works.body.dump()
})
