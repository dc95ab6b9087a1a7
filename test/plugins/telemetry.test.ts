/**
 * The telemetry plugin end to end: a real gateway, a real emulator, a scripted workload, then
 * GET /metrics parsed and compared with what the emulator itself counted; the access log; the
 * x-request-id echo; the loopback metrics listener.
 */
import { createServer } from 'node:net'
import { Writable } from 'node:stream'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer, gql } from '../helpers/graphql.js'
import { by, parseMetrics, sum } from '../helpers/prometheus.js'
import { control, counters, resetCounters } from '../helpers/emulator.js'
import { loggerOptions } from '../../src/logger.js'

const METRICS_TOKEN = 'metrics-token-0123456789abcdef'

const ISSUES = `query OrganizationIssues($slug: String!) {
  organization(slug: $slug) { id issues(first: 5) { nodes { id title project { slug } } } }
}`
const ORGS = 'query Organizations { organizations { id slug } }'

async function scrape (app: Parameters<typeof gql>[0], token = METRICS_TOKEN) {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  return { res, samples: res.statusCode === 200 ? parseMetrics(res.body) : [] }
}

function captureLogs (): { lines: Array<Record<string, any>>, logger: Record<string, unknown> } {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({
    write (chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l))
      cb()
    }
  })
  // The production logger's options (redaction, serializers), written to this stream.
  return { lines, logger: { ...loggerOptions('info'), stream } }
}

t.test('GET /metrics is not served without METRICS_TOKEN, and refuses a missing or wrong token', async t => {
  const plain = await buildTestApp(t)
  t.equal((await plain.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'no METRICS_TOKEN: no route')
  t.equal(plain.app.telemetry.metrics, undefined, 'and no metrics collected at all')

  const { app } = await buildTestApp(t, { env: { METRICS_TOKEN } })
  let res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"')
  t.match(res.json(), { error: 'UNAUTHENTICATED', message: /Authorization: Bearer <METRICS_TOKEN>/ })
  t.notMatch(res.body, METRICS_TOKEN)
  res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })
  t.equal(res.statusCode, 401, 'a wrong token')
  res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: METRICS_TOKEN } })
  t.equal(res.statusCode, 401, 'the token without the Bearer scheme')
  const ok = await scrape(app)
  t.equal(ok.res.statusCode, 200)
  t.match(ok.res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.ok(ok.samples.some(s => s.name === 'process_cpu_user_seconds_total'), 'default process metrics')
  t.ok(ok.samples.some(s => s.name === 'nodejs_eventloop_lag_seconds'), 'default Node metrics')
})

t.test('after a scripted workload, /metrics counts what the emulator saw', async t => {
  const testApp = await buildTestApp(t, { env: { METRICS_TOKEN } })
  const { app, emulator } = testApp
  const viewer = await connectViewer(testApp)
  await resetCounters(emulator)

  for (let i = 0; i < 3; i++) {
    const r = await gql(app, ISSUES, { cookie: viewer.cookie, variables: { slug: 'acme' } })
    t.equal(r.status, 200)
    t.notOk(r.body.errors, JSON.stringify(r.body.errors))
  }
  t.equal((await gql(app, ORGS, { cookie: viewer.cookie })).status, 200)
  t.equal((await gql(app, ORGS)).body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED')
  t.equal((await gql(app, '{ nope }', { cookie: viewer.cookie })).body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/no/such/page' })).statusCode, 404)

  // Every token is expired at Sentry: the next call gets 401 "Token expired" and refreshes once.
  await control(emulator, 'tokens/expire', {})
  t.notOk((await gql(app, ISSUES, { cookie: viewer.cookie, variables: { slug: 'acme' } })).body.errors)

  // A 503 (retried once, then fine) and a 429 from Sentry.
  await control(emulator, 'faults', { status: 503, count: 1 })
  t.notOk((await gql(app, ISSUES, { cookie: viewer.cookie, variables: { slug: 'acme' } })).body.errors, 'the retry succeeds')
  await control(emulator, 'faults', { status: 429, count: 1 })
  t.notOk((await gql(app, ISSUES, { cookie: viewer.cookie, variables: { slug: 'acme' } })).body.errors, 'the 429 is waited out')

  const seen = await counters(emulator)
  const { samples } = await scrape(app)
  const upstream = by(samples, 'gateway_upstream_request_duration_seconds_count', l => `${l.method} ${l.path_template}`)
  const { 'POST /oauth/token/': tokenCalls, ...apiCalls } = upstream
  t.ok(seen.apiRequests > 0)
  t.equal(Object.values(apiCalls).reduce((a, b) => a + b, 0), seen.apiRequests, 'every API exchange counted once')
  t.same(apiCalls, seen.byRoute, 'by method and path template, exactly as the emulator routed them')
  t.equal(tokenCalls, seen.refreshes + seen.refreshFailures, 'token endpoint exchanges')
  t.equal(sum(samples, 'gateway_upstream_request_duration_seconds_count', { status: '401' }), 1, 'the expired token')
  t.equal(sum(samples, 'gateway_upstream_request_duration_seconds_count', { status: '503' }), 1)
  t.equal(sum(samples, 'gateway_upstream_request_duration_seconds_count', { status: '429' }), 1)
  t.equal(sum(samples, 'gateway_upstream_retries_total'), 1, 'the 503 was retried')
  t.equal(sum(samples, 'gateway_upstream_rate_limited_total'), 1, '429s')
  t.equal(sum(samples, 'gateway_token_refreshes_total', { outcome: 'ok' }), seen.refreshes, 'refreshes')
  t.equal(seen.refreshes, 1)
  t.equal(sum(samples, 'gateway_token_refresh_duration_seconds_count'), 1)
  const regions = new Set(samples.filter(s => s.name === 'gateway_upstream_request_duration_seconds_count').map(s => s.labels.region))
  t.same([...regions], [new URL(emulator.url).host], 'the region label is the host')

  // The 429 was waited out (Retry-After within SENTRY_RATE_LIMIT_WAIT_MS) and retried: all six succeed.
  t.equal(sum(samples, 'gateway_graphql_operation_duration_seconds_count', { operation: 'OrganizationIssues', outcome: 'OK' }), 6)
  t.equal(sum(samples, 'gateway_graphql_operation_duration_seconds_count', { operation: 'Organizations', outcome: 'OK' }), 1)
  t.equal(sum(samples, 'gateway_graphql_operation_duration_seconds_count', { operation: 'Organizations', outcome: 'UNAUTHENTICATED' }), 1)
  t.equal(sum(samples, 'gateway_graphql_operation_duration_seconds_count', { outcome: 'GRAPHQL_VALIDATION_FAILED' }), 1)
  t.equal(sum(samples, 'gateway_http_request_duration_seconds_count', { method: 'POST', route: '/graphql' }), 9)
  t.equal(sum(samples, 'gateway_http_request_duration_seconds_count', { route: '/healthz', status_code: '200' }), 1)
  t.equal(sum(samples, 'gateway_http_request_duration_seconds_count', { route: '__unmatched', status_code: '404' }), 1, 'unmatched paths share one label')
  t.notOk(samples.some(s => Object.values(s.labels).some(v => v.includes('/no/such/page'))), 'never a raw path')

  t.equal(sum(samples, 'gateway_connections', { status: 'ACTIVE' }), 1)
  t.equal(sum(samples, 'gateway_connections', { status: 'REVOKED' }), 0)
  const expiry = (await app.store.getConnection(viewer.connection.id))?.expiresAt as Date
  t.equal(sum(samples, 'gateway_token_soonest_expiry_timestamp_seconds'), expiry.getTime() / 1000)
  t.ok(Math.abs(sum(samples, 'gateway_token_soonest_expiry_seconds') - (expiry.getTime() - Date.now()) / 1000) < 60)

  const text = (await scrape(app)).res.body
  for (const secret of [viewer.tokens.access_token, viewer.tokens.refresh_token, viewer.userId, viewer.connection.id, 'acme']) {
    t.notMatch(text, secret, 'no token, user, connection or organization in any label')
  }
})

t.test('operation names are bounded: the allow-list, then the first N, then __other', async t => {
  const { app } = await buildTestApp(t, { env: { METRICS_TOKEN, METRICS_MAX_OPERATION_NAMES: '3' } })
  for (let i = 0; i < 6; i++) await gql(app, `query Op${i} { __typename }`)
  await gql(app, 'query Organizations { __typename }')
  await gql(app, '{ __typename }')
  const { samples } = await scrape(app)
  const ops = by(samples, 'gateway_graphql_operation_duration_seconds_count', l => l.operation ?? '')
  t.same(ops, { Op0: 1, Op1: 1, Op2: 1, __other: 3, Organizations: 1, __anonymous: 1 })
})

t.test('the access log counts the exchanges a request started: the refresh and the region lookup it waited for', async t => {
  const { lines, logger } = captureLogs()
  const testApp = await buildTestApp(t, { deps: { logger } })
  const { app, emulator } = testApp
  // The stored token has expired and acme is stored without its region: the first request
  // refreshes the pair and looks up acme's region before it lists the issues.
  const viewer = await connectViewer(testApp, { storedExpiresAt: new Date(Date.now() - 1000), organizations: [{ orgId: '4505138082234368', slug: 'acme', name: 'Acme Corp', regionUrl: '' }] })
  await resetCounters(emulator)
  lines.length = 0
  const res = await gql(app, ISSUES, { cookie: viewer.cookie, variables: { slug: 'acme' }, headers: { 'x-request-id': 'req-refresh' } })
  t.equal(JSON.stringify(res.body.errors), undefined)
  const seen = await counters(emulator)
  t.equal(seen.refreshes, 1, 'one refresh')
  t.equal(seen.byRoute['GET /api/0/organizations/{organization_id_or_slug}/'], 1, 'one region lookup')
  t.match(lines.filter(l => l.reqId === 'req-refresh'), [{ msg: 'request', upstreamCalls: seen.apiRequests + seen.refreshes }])
})

t.test('one access-log line per request, with x-request-id honoured and echoed', async t => {
  const { lines, logger } = captureLogs()
  const testApp = await buildTestApp(t, { deps: { logger } })
  const { app, emulator } = testApp
  const viewer = await connectViewer(testApp)
  await resetCounters(emulator)
  lines.length = 0

  const res = await gql(app, ISSUES, { cookie: viewer.cookie, variables: { slug: 'acme' }, headers: { 'x-request-id': 'req-abc.123' } })
  t.equal(res.headers['x-request-id'], 'req-abc.123', 'echoed')
  const mine = lines.filter(l => l.reqId === 'req-abc.123')
  t.equal(mine.length, 1, 'exactly one line for the request')
  const upstream = (await counters(emulator)).apiRequests
  t.ok(upstream > 0)
  t.match(mine[0], {
    level: 30,
    msg: 'request',
    method: 'POST',
    route: '/graphql',
    status: 200,
    durationMs: Number,
    operation: 'OrganizationIssues',
    upstreamCalls: upstream
  })
  t.notMatch(JSON.stringify(lines), viewer.tokens.access_token)
  t.notMatch(JSON.stringify(lines), viewer.cookie.split('=')[1] ?? 'no cookie value', 'no cookie')

  lines.length = 0
  const bad = await app.inject({ method: 'GET', url: '/healthz?x=1', headers: { 'x-request-id': 'has spaces and "quotes"' } })
  const id = bad.headers['x-request-id'] as string
  t.match(id, /^[0-9a-f-]{36}$/, 'an unusable id is replaced by a fresh one')
  t.equal(lines.length, 1)
  t.match(lines[0], { reqId: id, route: '/healthz', status: 200, upstreamCalls: 0 })
  t.notOk('operation' in (lines[0] as object), 'no operation outside GraphQL')
  const long = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a'.repeat(129) } })
  t.not(long.headers['x-request-id'], 'a'.repeat(129), 'too long: replaced')

  lines.length = 0
  await app.inject({ method: 'GET', url: '/nowhere' })
  t.match(lines, [{ route: null, status: 404, msg: 'request' }])

  // The access line skips redaction (nothing of it is under a redacted path); other lines keep it.
  lines.length = 0
  app.log.info({ session: { token: 'secret-one' }, refresh_token: 'secret-two' }, 'probe')
  t.match(lines, [{ msg: 'probe', session: { token: '[redacted]' }, refresh_token: '[redacted]' }])
  t.notMatch(JSON.stringify(lines), /secret-/, 'the app logger still redacts after the access logger was made')
})

t.test('METRICS_PORT serves /metrics on 127.0.0.1 without a token', async t => {
  const port = await new Promise<number>((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => { resolve(p) }) })
  })
  const { app } = await buildTestApp(t, { env: { METRICS_PORT: String(port) } })
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404, 'not on the gateway port without METRICS_TOKEN')
  await app.inject({ method: 'GET', url: '/healthz' })
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  t.equal(res.status, 200)
  t.equal(sum(parseMetrics(await res.text()), 'gateway_http_request_duration_seconds_count', { route: '/healthz' }), 1)
  t.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404)
  t.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status, 404)
})
