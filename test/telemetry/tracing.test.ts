/**
 * Tracing end to end: a gateway with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a real OTLP/HTTP
 * receiver on 127.0.0.1 (in this process), a GraphQL request carrying a caller's traceparent, a
 * token refresh on the way, then the exported spans: their parent/child tree, the traceparent
 * sent to Sentry, and no secret anywhere in the export.
 */
import { createServer, type IncomingMessage } from 'node:http'
import t, { type Test } from 'tap'
import { Agent, type Dispatcher } from 'undici'
import { TEST_CLIENT_SECRET, buildTestApp } from '../helpers/app.js'
import { connectViewer, gql } from '../helpers/graphql.js'
import { control, counters } from '../helpers/emulator.js'

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: Array<{ key: string, value: Record<string, unknown> }>
}

async function otlpReceiver (t: Test) {
  const bodies: string[] = []
  const contentTypes: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        bodies.push(Buffer.concat(chunks).toString('utf8'))
        contentTypes.push(String(req.headers['content-type']))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      } else {
        res.writeHead(404).end()
      }
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { server.close(() => { resolve() }) }))
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const spans = (): OtlpSpan[] => bodies.flatMap(b => (JSON.parse(b) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> })
    .resourceSpans.flatMap(r => r.scopeSpans.flatMap(s => s.spans)))
  return { url, bodies, contentTypes, spans }
}

const attr = (span: OtlpSpan | undefined, key: string): unknown => {
  const v = span?.attributes.find(a => a.key === key)?.value
  return v === undefined ? undefined : Object.values(v)[0]
}

const ISSUES = `query OrganizationIssues($slug: String!) {
  organization(slug: $slug) { id issues(first: 5) { nodes { id title } } }
}`

t.test('spans: HTTP request ← caller, GraphQL operation, upstream calls and the refresh as children; traceparent sent upstream; no secrets', async t => {
  const receiver = await otlpReceiver(t)
  // Every upstream request's headers, as the gateway sent them.
  const sent: Array<Record<string, string>> = []
  const dispatcher: Dispatcher = new Agent().compose(dispatch => (opts, handler) => {
    const h = opts.headers
    const flat: Record<string, string> = {}
    if (Array.isArray(h)) for (let i = 0; i < h.length; i += 2) flat[String(h[i]).toLowerCase()] = String(h[i + 1])
    else if (h !== null && typeof h === 'object') for (const [k, v] of Object.entries(h as Record<string, unknown>)) flat[k.toLowerCase()] = String(v)
    sent.push({ path: String(opts.path), ...flat })
    return dispatch(opts, handler)
  })
  t.teardown(() => dispatcher.close())
  const testApp = await buildTestApp(t, {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'gateway-under-test' },
    deps: { dispatcher }
  })
  const { app, emulator } = testApp
  t.ok(app.telemetry.tracing, 'tracing is on')
  const viewer = await connectViewer(testApp)
  // The access token is expired at Sentry: the request refreshes once on its way.
  await control(emulator, 'tokens/expire', {})

  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
  const callerSpan = '00f067aa0ba902b7'
  const res = await gql(app, ISSUES, {
    cookie: viewer.cookie,
    variables: { slug: 'acme' },
    headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` }
  })
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  await gql(app, '{ __typename }') // a second trace, without a caller
  await app.close() // flushes the batch to the receiver

  t.ok(receiver.bodies.length > 0, 'spans were exported')
  t.match(receiver.contentTypes[0], /^application\/json/)
  const spans = receiver.spans()
  const inTrace = spans.filter(s => s.traceId === callerTrace)
  const server = inTrace.find(s => s.kind === 2)
  t.ok(server, 'the HTTP request span continues the caller\'s trace')
  t.equal(server?.parentSpanId, callerSpan, "child of the caller's span")
  t.equal(server?.name, 'POST /graphql')
  t.equal(attr(server, 'http.route'), '/graphql')
  t.equal(Number(attr(server, 'http.response.status_code')), 200)
  t.ok(attr(server, 'gateway.request_id'))

  const operation = inTrace.find(s => s.name === 'query OrganizationIssues')
  t.equal(operation?.parentSpanId, server?.spanId, 'the GraphQL operation is a child of the request')
  t.equal(attr(operation, 'graphql.operation.name'), 'OrganizationIssues')
  t.equal(attr(operation, 'gateway.graphql.outcome'), 'OK')

  const upstream = inTrace.filter(s => s.kind === 3 && attr(s, 'url.template') !== undefined && s.name.startsWith('GET '))
  t.equal(upstream.length, 2, 'the 401 and its retry')
  for (const u of upstream) {
    t.equal(u.parentSpanId, operation?.spanId, 'each upstream call is a child of the operation')
    t.equal(attr(u, 'url.template'), '/api/0/organizations/{organization_id_or_slug}/issues/')
    t.equal(attr(u, 'server.address'), new URL(emulator.url).host)
  }
  t.same(upstream.map(u => Number(attr(u, 'http.response.status_code'))).sort(), [200, 401])
  const refresh = inTrace.find(s => s.name === 'sentry.oauth.refresh')
  t.equal(refresh?.parentSpanId, operation?.spanId, 'the refresh is a child of the operation')
  t.equal(attr(refresh, 'gateway.refresh.outcome'), 'ok')
  const tokenCall = inTrace.find(s => s.name === 'POST /oauth/token/')
  t.ok(tokenCall, 'the token endpoint exchange has its span')

  // W3C traceparent sent upstream, naming the upstream call's own span.
  const apiSent = sent.filter(h => (h.path ?? '').startsWith('/api/0/'))
  t.equal(apiSent.length, 2)
  for (const h of apiSent) {
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(h.traceparent ?? '')
    t.ok(m, 'a traceparent header')
    t.equal(m?.[1], callerTrace, 'in the caller\'s trace')
    t.ok(upstream.some(u => u.spanId === m?.[2]), 'naming the upstream span')
  }

  const other = spans.filter(s => s.traceId !== callerTrace)
  t.ok(other.some(s => s.kind === 2 && (s.parentSpanId === undefined || s.parentSpanId === '')), 'a request without traceparent starts a new trace')

  const everything = receiver.bodies.join('\n')
  t.match(everything, /gateway-under-test/, 'service.name')
  for (const secret of [viewer.tokens.access_token, viewer.tokens.refresh_token, TEST_CLIENT_SECRET, viewer.cookie.split('=')[1] ?? 'x', 'Bearer']) {
    t.notMatch(everything, secret, 'no secret in any span')
  }
  const rotated = await counters(emulator)
  t.match(rotated, { refreshes: 1 })
})

t.test('tracing off: no SDK loaded, no traceparent sent', async t => {
  const sent: string[] = []
  const dispatcher: Dispatcher = new Agent().compose(dispatch => (opts, handler) => {
    sent.push(JSON.stringify(opts.headers ?? {}))
    return dispatch(opts, handler)
  })
  t.teardown(() => dispatcher.close())
  const testApp = await buildTestApp(t, { deps: { dispatcher } })
  t.equal(testApp.app.telemetry.tracing, undefined)
  const viewer = await connectViewer(testApp)
  await gql(testApp.app, ISSUES, { cookie: viewer.cookie, variables: { slug: 'acme' }, headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
  t.ok(sent.length > 0)
  t.notOk(sent.some(h => /traceparent/i.test(h)), 'the caller\'s traceparent is not forwarded blindly either')
})
