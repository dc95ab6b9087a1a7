import t from 'tap'
import { buildQuery, fillPath } from '../../src/sentry/caller.js'
import { classifyTransportError } from '../../src/sentry/transport.js'
import { errorForResponse } from '../../src/sentry/responses.js'
import { tokensFromResponse } from '../../src/sentry/token-endpoint.js'
import { ConcurrencyGate, RateWindows, readRateLimitHeaders, readRetryAfterMs } from '../../src/sentry/rate-limit.js'
import { RegionRoutes, acceptableRegionUrl } from '../../src/sentry/regions.js'
import { createSentryGateway } from '../../src/sentry/gateway.js'
import { reconnectRequired } from '../../src/errors.js'
import type { Config } from '../../src/config.js'
import type { Store } from '../../src/db/store.js'
import { requiredScopesFor } from '../../src/sentry/scopes.js'
import { pageQuery, pageSize } from '../../src/sentry/caller.js'
import { normalizeEventId } from '../../src/sentry/issues.js'

const ISSUES = '/api/0/organizations/{organization_id_or_slug}/issues/'

t.test('fillPath encodes every parameter as one segment and refuses empty ones', async t => {
  t.equal(fillPath('/api/0/organizations/{organization_id_or_slug}/releases/{version}/', { organization_id_or_slug: 'acme', version: 'a/b c?d#e' }),
    '/api/0/organizations/acme/releases/a%2Fb%20c%3Fd%23e/')
  for (const bad of ['', '.', '..']) {
    t.throws(() => fillPath(ISSUES, { organization_id_or_slug: bad }), { code: 'BAD_USER_INPUT' })
  }
  t.throws(() => fillPath(ISSUES, {}), { code: 'BAD_USER_INPUT' })
})

t.test('buildQuery repeats arrays and drops undefined and null', async t => {
  t.equal(buildQuery({ project: ['1', 2], query: 'is:unresolved level:error', a: undefined, b: null, full: false }),
    '?project=1&project=2&query=is%3Aunresolved+level%3Aerror&full=false')
  t.equal(buildQuery({}), '')
  t.equal(buildQuery(), '')
})

t.test('page sizes are 1..100', async t => {
  t.equal(pageSize(undefined), undefined)
  t.equal(pageSize(100), 100)
  for (const bad of [0, 101, 1.5, -1]) t.throws(() => pageSize(bad), { code: 'BAD_USER_INPUT' })
  t.same(pageQuery({ cursor: '0:100:0', perPage: 5 }), { cursor: '0:100:0', per_page: 5 })
  t.same(pageQuery({ cursor: '' }), {})
  t.same(pageQuery(), {})
})

t.test('event ids are 32 hex characters or an alias', async t => {
  t.equal(normalizeEventId('9FAC2CEED9344F2BBFDD1FDACB0ED9B1'), '9fac2ceed9344f2bbfdd1fdacb0ed9b1')
  t.equal(normalizeEventId('9fac2cee-d934-4f2b-bfdd-1fdacb0ed9b1'), '9fac2ceed9344f2bbfdd1fdacb0ed9b1')
  t.throws(() => normalizeEventId('../../x'), { code: 'BAD_USER_INPUT' })
})

t.test('responses map to the public error codes without copying the body', async t => {
  const spec = { method: 'GET' as const, path: ISSUES, what: 'The organization' }
  const secret = 'sntryu_secret_token_value'
  const cursor = errorForResponse(400, { detail: 'Invalid cursor parameter.' }, spec)
  t.match(cursor, { code: 'BAD_USER_INPUT', extensions: { argument: 'cursor' } })
  const fields = errorForResponse(400, { status: [`bad ${secret}`], 'not a field!': ['x'] }, spec)
  t.match(fields, { code: 'BAD_USER_INPUT', extensions: { fields: ['status'] } })
  t.notMatch(fields.message, secret)
  t.match(errorForResponse(400, `raw ${secret}`, spec), { code: 'BAD_USER_INPUT', message: 'Sentry rejected the request parameters.' })
  t.match(errorForResponse(400, { detail: `unknown ${secret}` }, spec), { code: 'BAD_USER_INPUT', message: 'Sentry rejected the request parameters.' })

  const f = errorForResponse(403, { detail: 'You do not have permission to perform this action.' }, spec)
  t.match(f, { code: 'FORBIDDEN', extensions: { requiredScopes: ['event:read', 'event:write', 'event:admin'] } })
  const noAccess = errorForResponse(403, { detail: 'You do not have permission to perform this action.' }, spec, ['event:read'])
  t.match(noAccess, { code: 'FORBIDDEN', message: /no access/, extensions: { requiredScopes: ['event:read', 'event:write', 'event:admin'] } })
  t.notMatch(errorForResponse(403, {}, spec, ['org:read']).message, /no access/)
  t.match(errorForResponse(403, { detail: { code: 'superuser-required', message: 'x' } }, spec), { code: 'FORBIDDEN', extensions: { reason: 'superuser-required' } })
  const sso = errorForResponse(401, { detail: { code: 'sso-required', message: 'Must login via SSO', extra: { loginUrl: 'https://x/auth' } } }, spec)
  t.match(sso, { code: 'FORBIDDEN', extensions: { reason: 'sso-required', requiredScopes: [] } })
  t.match(sso.message, /single sign-on/)
  t.match(errorForResponse(401, { detail: { code: 'Weird Code!' } }, spec), { code: 'FORBIDDEN', extensions: { reason: 'unknown' } })
  t.match(errorForResponse(401, { detail: 'Unauthorized organization access.' }, spec), { code: 'FORBIDDEN', extensions: { reason: 'ORG_SCOPED_TOKEN' } })
  t.match(errorForResponse(401, { detail: 'UserApplication inactive or deleted' }, spec), { code: 'UPSTREAM_ERROR', extensions: { reason: 'INACTIVE' } })
  t.match(errorForResponse(401, { detail: 'Authentication credentials were not provided.' }, spec), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 401 } })
  t.match(errorForResponse(404, { detail: 'The requested resource does not exist' }, spec), { code: 'NOT_FOUND', message: /^The organization does not exist/ })
  t.match(errorForResponse(404, null, { method: 'GET', path: ISSUES }), { code: 'NOT_FOUND' })
  t.match(errorForResponse(504, null, spec), { code: 'UPSTREAM_TIMEOUT' })
  t.match(errorForResponse(500, { detail: 'Internal Error', errorId: 'abc' }, spec), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 500 } })
  t.match(errorForResponse(409, { detail: secret }, spec), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 409 } })
  t.same(requiredScopesFor('DELETE', ISSUES), [], 'unknown endpoint: no scope list')
})

t.test('token responses: expires_at preferred, expires_in as fallback', async t => {
  const now = Date.parse('2024-11-01T00:00:00Z')
  t.same(tokensFromResponse({ access_token: 'a', refresh_token: 'r', expires_in: 10, expires_at: '2024-11-27T23:20:21.054320Z', token_type: 'bearer' }, now),
    { accessToken: 'a', refreshToken: 'r', expiresAt: new Date('2024-11-27T23:20:21.054Z') })
  t.same(tokensFromResponse({ access_token: 'a', expires_in: 10 }, now), { accessToken: 'a', refreshToken: null, expiresAt: new Date(now + 10_000) })
  t.same(tokensFromResponse({ access_token: 'a', expires_in: null }, now), { accessToken: 'a', refreshToken: null, expiresAt: null })
  t.throws(() => tokensFromResponse({ refresh_token: 'r' }, now), { code: 'UPSTREAM_ERROR' })
  t.throws(() => tokensFromResponse(null, now), { code: 'UPSTREAM_ERROR' })
  t.throws(() => tokensFromResponse({ access_token: 'a', token_type: 'mac' }, now), { code: 'UPSTREAM_ERROR' })
})

t.test('rate-limit headers', async t => {
  t.same(readRateLimitHeaders({
    'x-sentry-rate-limit-limit': '40', 'x-sentry-rate-limit-remaining': '0', 'x-sentry-rate-limit-reset': '1700000001', 'x-sentry-rate-limit-concurrentlimit': '25'
  }), { limit: 40, remaining: 0, resetAtMs: 1700000001000, concurrentLimit: 25 })
  t.same(readRateLimitHeaders({ 'x-sentry-rate-limit-limit': ['abc'] }), { limit: null, remaining: null, resetAtMs: null, concurrentLimit: null })
  t.equal(readRetryAfterMs({ 'retry-after': '3' }, 0), 3000)
  t.equal(readRetryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4000), 6000)
  t.equal(readRetryAfterMs({ 'retry-after': 'soon' }, 0), null)
  t.equal(readRetryAfterMs({}, 0), null)
})

t.test('the concurrency gate never runs more than the learned limit', async t => {
  const gate = new ConcurrencyGate(3)
  t.equal(gate.limit, 3)
  const releases = await Promise.all([gate.acquire(), gate.acquire(), gate.acquire()])
  let fourth = false
  const p = gate.acquire().then(r => { fourth = true; return r })
  await new Promise(resolve => setImmediate(resolve))
  t.equal(fourth, false, 'waits at the limit')
  t.equal(gate.inFlight, 3)
  releases[0]?.()
  releases[0]?.()
  const r4 = await p
  t.equal(gate.inFlight, 3, 'a double release counts once')
  gate.learn('GET /a/', 1)
  gate.learn('GET /a/', 1)
  gate.learn('GET /b/', 5)
  gate.learn('GET /c/', null)
  t.equal(gate.limit, 1, 'the smallest limit seen wins')
  let fifth = false
  const p5 = gate.acquire().then(r => { fifth = true; return r })
  releases[1]?.(); releases[2]?.()
  await new Promise(resolve => setImmediate(resolve))
  t.equal(fifth, false, 'still over the new limit')
  r4()
  ;(await p5)()
  t.equal(gate.inFlight, 0)
})

t.test('rate windows: wait when a window is spent, count otherwise', async t => {
  let now = 1_000_000
  const w = new RateWindows(() => now)
  t.equal(w.reserve('e'), 0, 'unknown endpoint goes')
  w.observe('e', { limit: 2, remaining: 1, resetAtMs: now + 1000, concurrentLimit: null }, false)
  t.equal(w.reserve('e'), 0)
  t.equal(w.reserve('e'), 1000, 'spent: wait for the reset')
  w.observe('e', { limit: 2, remaining: 1, resetAtMs: now + 1000, concurrentLimit: null }, false)
  t.equal(w.reserve('e'), 1000, 'a stale header does not raise the local count')
  w.observe('e', { limit: 2, remaining: 5, resetAtMs: now + 500, concurrentLimit: null }, false)
  t.equal(w.reserve('e'), 1000, 'an older window is ignored')
  w.observe('e', { limit: 2, remaining: null, resetAtMs: null, concurrentLimit: null }, false)
  w.observe('e', { limit: 2, remaining: null, resetAtMs: now + 2000, concurrentLimit: null }, false)
  now += 1000
  t.equal(w.reserve('e'), 0, 'the window reset')
  w.observe('e', { limit: 2, remaining: 3, resetAtMs: now + 1000, concurrentLimit: null }, true)
  t.equal(w.reserve('e'), 1000, 'a 429 spends the window')
})

t.test('region URLs are only trusted on hosts of the configured Sentry', async t => {
  t.equal(acceptableRegionUrl('https://us.sentry.io/', 'https://sentry.io'), 'https://us.sentry.io')
  t.equal(acceptableRegionUrl('https://sentry.io', 'https://sentry.io'), 'https://sentry.io')
  // Loopback stays loopback, but on SENTRY_URL's port only (issue 10, defect 8).
  t.equal(acceptableRegionUrl('http://127.0.0.2:3000', 'http://localhost:3000'), 'http://127.0.0.2:3000')
  t.equal(acceptableRegionUrl('http://127.0.0.1:4000', 'http://localhost:3000'), null)
  t.equal(acceptableRegionUrl('https://evil.example', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('https://sentry.io.evil.example', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('http://us.sentry.io', 'https://sentry.io'), null, 'no downgrade')
  t.equal(acceptableRegionUrl('https://u:p@us.sentry.io', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('https://us.sentry.io/?x=1', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('not a url', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl('', 'https://sentry.io'), null)
  t.equal(acceptableRegionUrl(null, 'https://sentry.io'), null)
})

t.test('region routes: seeded, looked up once, expire, fall back on failure', async t => {
  let now = 0
  let lookups = 0
  let lookupResult: () => Promise<string | null> = async () => 'https://de.sentry.io'
  const routes = new RegionRoutes({
    sentryUrl: 'https://sentry.io',
    now: () => now,
    loadStored: async () => [
      { orgId: '11', slug: 'Acme', name: 'Acme', regionUrl: 'https://us.sentry.io' },
      { orgId: '12', slug: 'evil', name: 'Evil', regionUrl: 'https://evil.example' }
    ],
    lookup: async () => { lookups++; return await lookupResult() }
  })
  t.equal(await routes.baseUrlFor('acme'), 'https://us.sentry.io', 'seeded by slug (case-insensitive)')
  t.equal(await routes.baseUrlFor('11'), 'https://us.sentry.io', 'and by id')
  t.equal(lookups, 0)
  const [a, b] = await Promise.all([routes.baseUrlFor('evil'), routes.baseUrlFor('evil')])
  t.equal(a, 'https://de.sentry.io', 'an untrusted stored URL is looked up instead')
  t.equal(b, a)
  t.equal(lookups, 1, 'concurrent lookups are shared')
  now += 2 * 60 * 60 * 1000
  lookupResult = async () => { throw new Error('down') }
  t.equal(await routes.baseUrlFor('acme'), 'https://sentry.io', 'expired; the lookup fails: SENTRY_URL')
  routes.failed('acme', 'https://us.sentry.io')
  t.equal(await routes.baseUrlFor('acme'), 'https://sentry.io')
  routes.failed('acme', 'https://sentry.io')
  t.equal(await routes.baseUrlFor('acme'), 'https://sentry.io', 'failed() on the current URL keeps SENTRY_URL')
  lookupResult = async () => { throw reconnectRequired('c1', 'revoked') }
  await t.rejects(routes.baseUrlFor('initech'), { code: 'RECONNECT_REQUIRED' }, 'an unusable connection is not hidden')
  lookupResult = async () => null
  t.equal(await routes.baseUrlFor('initech'), 'https://sentry.io')

  const broken = new RegionRoutes({
    sentryUrl: 'https://sentry.io', now: () => 0, loadStored: async () => { throw new Error('db down') }, lookup: async () => 'https://us.sentry.io'
  })
  t.equal(await broken.baseUrlFor('acme'), 'https://us.sentry.io', 'a failing seed still allows the lookup')
})

t.test('per-connection state is kept for a bounded number of connections', async t => {
  const gateway = createSentryGateway({
    config: { sentryUrl: 'https://sentry.io', refreshWindowSeconds: 300, rateLimitWaitBudgetMs: 0, upstreamConnectTimeoutMs: 100, upstreamRequestTimeoutMs: 100 } as Config,
    store: {} as Store,
    maxConnectionStates: 1
  })
  t.teardown(async () => { await gateway.close() })
  const a = gateway.forConnection('a')
  gateway.forConnection('b')
  t.equal(gateway.forConnection('a').connectionId, a.connectionId)
  t.equal(typeof gateway.owner, 'string')
})

t.test('transport errors: timeouts, never-sent connect failures, resets, others', async t => {
  const kind = (err: unknown, timedOut = false) => {
    const e = classifyTransportError(err, timedOut)
    return [e.kind, e.errorCode, e.notSent, e.toGatewayError().code]
  }
  t.same(kind(new Error('x'), true), ['timeout', 'REQUEST_TIMEOUT', false, 'UPSTREAM_TIMEOUT'])
  t.same(kind({ code: 'UND_ERR_CONNECT_TIMEOUT' }), ['connect-timeout', 'UND_ERR_CONNECT_TIMEOUT', true, 'UPSTREAM_TIMEOUT'])
  t.same(kind({ code: 'UND_ERR_BODY_TIMEOUT' }), ['timeout', 'UND_ERR_BODY_TIMEOUT', false, 'UPSTREAM_TIMEOUT'])
  t.same(kind(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } })), ['connect', 'ECONNREFUSED', true, 'UPSTREAM_ERROR'])
  t.same(kind({ code: 'ECONNRESET' }), ['reset', 'ECONNRESET', false, 'UPSTREAM_ERROR'])
  t.same(kind({ code: 'HPE_INVALID_CONSTANT' }), ['reset', 'HPE_INVALID_CONSTANT', false, 'UPSTREAM_ERROR'])
  t.same(kind({ code: 'BODY_TOO_LARGE' }), ['too-large', 'BODY_TOO_LARGE', false, 'UPSTREAM_ERROR'])
  t.same(kind(new Error('plain')), ['other', 'UNKNOWN', false, 'UPSTREAM_ERROR'])
  t.same(kind({ code: 'weird code with spaces' }), ['other', 'UNKNOWN', false, 'UPSTREAM_ERROR'], 'odd codes are not logged')
  t.same(kind('a string'), ['other', 'UNKNOWN', false, 'UPSTREAM_ERROR'])
})
