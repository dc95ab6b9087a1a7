/**
 * The Signals implementations without a gateway around them: metrics from each signal, bounded
 * labels, the per-request upstream count, and tracing's events inside a request's context.
 */
import { createServer } from 'node:http'
import t from 'tap'
import { combineSignals } from '../../src/telemetry/index.js'
import { BoundedLabel, OTHER, methodLabel } from '../../src/telemetry/labels.js'
import { createMetrics } from '../../src/telemetry/metrics.js'
import { createRequestContext, newRequestTelemetry } from '../../src/telemetry/request-context.js'
import { parseMetrics, sum } from '../helpers/prometheus.js'

const store = { connectionStats: async () => ({ byStatus: { ACTIVE: 2, REVOKED: 1 }, soonestExpiry: new Date(2_000_000_000_000) }) }

t.test('labels are bounded', async t => {
  const l = new BoundedLabel(2, /^[a-z]+$/, ['known'])
  t.same(['known', 'a', 'b', 'c', 'a', 'BAD'].map(v => l.get(v)), ['known', 'a', 'b', OTHER, 'a', OTHER])
  t.equal(methodLabel('GET'), 'GET')
  t.equal(methodLabel('BREW'), OTHER)
})

t.test('each signal lands in its metric; free text and unknown methods are bounded', async t => {
  const m = createMetrics({ store, processMetrics: false, now: () => 1_999_999_000_000 })
  const span = m.signals.upstreamCall({ method: 'GET', pathTemplate: '/api/0/organizations/', region: 'us.sentry.io', attempt: 1 })
  t.same(span.headers, {})
  span.end({ status: 200 })
  m.signals.upstreamCall({ method: 'GET', pathTemplate: 'not a template', region: 'bad host!', attempt: 2 }).end({ status: null, errorCode: 'UPSTREAM_TIMEOUT' })
  m.signals.upstreamRetry({ method: 'GET', pathTemplate: '/api/0/organizations/' })
  m.signals.upstreamRateLimited({ method: 'PUT', pathTemplate: '/api/0/organizations/' })
  m.signals.rateLimitWait(1500)
  m.signals.leaseWait(250)
  m.signals.refresh().end('revoked')
  m.signals.refresh().end('ok')
  m.httpRequest('BREW', undefined, 418, 0.01)
  m.graphqlOperation('Op', 'not-a-code', 0.01)
  m.keepAliveRun(4)
  m.keepAliveRefresh('failed')
  const s = parseMetrics(await m.scrape())
  t.equal(sum(s, 'gateway_upstream_request_duration_seconds_count', { path_template: '/api/0/organizations/', region: 'us.sentry.io', status: '200' }), 1)
  t.equal(sum(s, 'gateway_upstream_request_duration_seconds_count', { path_template: OTHER, region: OTHER, status: 'error' }), 1)
  t.equal(sum(s, 'gateway_upstream_retries_total', { method: 'GET' }), 1)
  t.equal(sum(s, 'gateway_upstream_rate_limited_total', { method: 'PUT' }), 1)
  t.equal(sum(s, 'gateway_upstream_rate_limit_wait_seconds_sum'), 1.5)
  t.equal(sum(s, 'gateway_refresh_lease_wait_seconds_sum'), 0.25)
  t.equal(sum(s, 'gateway_token_refreshes_total', { outcome: 'revoked' }), 1)
  t.equal(sum(s, 'gateway_token_refreshes_total', { outcome: 'ok' }), 1)
  t.equal(sum(s, 'gateway_http_request_duration_seconds_count', { method: OTHER, route: '__unmatched', status_code: '418' }), 1)
  t.equal(sum(s, 'gateway_graphql_operation_duration_seconds_count', { operation: 'Op', outcome: OTHER }), 1)
  t.equal(sum(s, 'gateway_keepalive_stale_connections'), 4)
  t.equal(sum(s, 'gateway_keepalive_refreshes_total', { outcome: 'failed' }), 1)
  t.equal(sum(s, 'gateway_connections', { status: 'ACTIVE' }), 2)
  t.equal(sum(s, 'gateway_connections', { status: 'REVOKED' }), 1)
  t.equal(sum(s, 'gateway_token_soonest_expiry_timestamp_seconds'), 2_000_000_000)
  t.equal(sum(s, 'gateway_token_soonest_expiry_seconds'), 1000)
  t.notOk(s.some(x => x.name.startsWith('process_')), 'process metrics can be left out')
})

t.test('no ACTIVE expiry reads as 0', async t => {
  const m = createMetrics({ store: { connectionStats: async () => ({ byStatus: { ACTIVE: 0, REVOKED: 0 }, soonestExpiry: null }) }, processMetrics: false })
  const s = parseMetrics(await m.scrape())
  t.equal(sum(s, 'gateway_token_soonest_expiry_timestamp_seconds'), 0)
  t.equal(sum(s, 'gateway_token_soonest_expiry_seconds'), 0)
})

t.test('combined signals count upstream calls on the request each names, with or without metrics and tracing', async t => {
  const bare = combineSignals(undefined, undefined)
  const state = newRequestTelemetry()
  bare.upstreamCall({ method: 'GET', pathTemplate: '/x/', region: 'h', attempt: 1, request: state }).end({ status: 200 })
  bare.refresh().end('ok')
  bare.upstreamCall({ method: 'GET', pathTemplate: '/x/', region: 'h', attempt: 1 }).end({ status: 200 })
  t.equal(state.upstreamCalls, 1, 'only calls made for the request count')

  // A tracing part is any Signals; its headers reach the upstream request.
  const seen: string[] = []
  const fake = {
    upstreamCall: () => ({ headers: { traceparent: 'tp' }, end: () => { seen.push('end') } }),
    upstreamRetry: () => { seen.push('retry') },
    upstreamRateLimited: () => { seen.push('429') },
    rateLimitWait: () => { seen.push('wait') },
    refresh: () => ({ end: () => { seen.push('refresh') } }),
    leaseWait: () => { seen.push('lease') }
  }
  const metrics = createMetrics({ store, processMetrics: false })
  const both = combineSignals(metrics.signals, fake)
  const s2 = newRequestTelemetry()
  const span = both.upstreamCall({ method: 'GET', pathTemplate: '/x/', region: 'h', attempt: 1, request: s2 })
  t.same(span.headers, { traceparent: 'tp' })
  span.end({ status: 200 })
  both.upstreamRetry({ method: 'GET', pathTemplate: '/x/' })
  both.upstreamRateLimited({ method: 'GET', pathTemplate: '/x/' })
  both.rateLimitWait(1)
  both.leaseWait(1)
  both.refresh().end('ok')
  t.equal(s2.upstreamCalls, 1)
  t.same(seen, ['end', 'retry', '429', 'wait', 'lease', 'refresh'])
})

t.test('tracing: retries, 429s, waits become events of the active span; errors mark spans', async t => {
  const bodies: string[] = []
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => { bodies.push(Buffer.concat(chunks).toString()); res.writeHead(200).end('{}') })
  })
  await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { sink.close(() => { resolve() }) }))
  const { createTracing } = await import('../../src/telemetry/tracing.js')
  const ctx = createRequestContext()
  const tracing = createTracing({
    config: { otlpTracesUrl: `http://127.0.0.1:${(sink.address() as { port: number }).port}/v1/traces`, otlpHeaders: { 'x-test': '1' }, serviceName: 'unit' },
    requestContext: ctx,
    version: '0.0.0'
  })
  const request = tracing.startRequest('GET', undefined, {})
  const state = { ...newRequestTelemetry(), span: request, requestSpan: request }
  ctx.run(state, () => {
    tracing.signals.upstreamRetry({ method: 'GET', pathTemplate: '/x/' })
    tracing.signals.upstreamRateLimited({ method: 'GET', pathTemplate: '/x/' })
    tracing.signals.rateLimitWait(10)
    tracing.signals.leaseWait(20)
    tracing.signals.upstreamCall({ method: 'GET', pathTemplate: '/x/', region: 'h', attempt: 2 }).end({ status: null, errorCode: 'UPSTREAM_TIMEOUT' })
    tracing.signals.refresh().end('upstream_error')
  })
  const op = tracing.startOperation(undefined, 'query', undefined)
  tracing.endOperation(op, 'INTERNAL_SERVER_ERROR')
  tracing.endRequest(request, 503, 'req-1')
  await tracing.shutdown()
  const all = bodies.join('\n')
  for (const name of ['sentry.retry', 'sentry.rate_limited', 'sentry.rate_limit_wait', 'sentry.refresh_lease_wait', 'UPSTREAM_TIMEOUT', 'upstream_error', 'http.request.resend_count', '"GET"', '"query"']) {
    t.match(all, name)
  }
})
