import t, { type Test } from 'tap'
import { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Config } from '../../src/config.js'
import { authLayer, type TokenSource } from '../../src/sentry/auth.js'
import { type CallSpec, createCaller, sendCall } from '../../src/sentry/caller.js'
import { Deadline } from '../../src/sentry/deadline.js'
import { compose } from '../../src/sentry/pipeline.js'
import { ConcurrencyGate, RateWindows } from '../../src/sentry/rate-limit.js'
import { retryLayer } from '../../src/sentry/retry.js'
import { throttleLayer } from '../../src/sentry/throttle.js'
import { createTokenEndpoint } from '../../src/sentry/token-endpoint.js'
import { TransportError, classifyTransportError, closeAgent, createTransport, createUpstreamAgent } from '../../src/sentry/transport.js'
import type { Dispatcher } from 'undici'
import { fakeSentry } from '../helpers/fake-sentry.js'

// Edge cases of the HTTP layers that the emulator does not produce, against a real loopback
// server: the OAuth endpoint's failures, Retry-After, non-JSON bodies, oversized bodies. Named for
// src/sentry/transport.ts, the module that does the HTTP, here under the layers that use it.

type HttpConfig = Pick<Config, 'sentryUrl' | 'sentryClientId' | 'sentryClientSecret' | 'rateLimitWaitBudgetMs' | 'upstreamConnectTimeoutMs' | 'upstreamRequestTimeoutMs'>

interface CallContext {
  tokens: TokenSource
  gate: ConcurrencyGate
  windows: RateWindows
  grantedScopes?: () => Promise<readonly string[] | null>
}

/** The pipeline without the region layer (auth → throttle → retry → transport) and the token endpoint. */
function http (t: Test, url: string, overrides: Partial<HttpConfig> = {}, extra: { dispatcher?: Dispatcher, maxBodyBytes?: number } = {}) {
  const config: HttpConfig = {
    sentryUrl: url,
    sentryClientId: 'cid',
    sentryClientSecret: 'csecret',
    rateLimitWaitBudgetMs: 2000,
    upstreamConnectTimeoutMs: 1000,
    upstreamRequestTimeoutMs: 500,
    ...overrides
  }
  const own = extra.dispatcher === undefined ? createUpstreamAgent(config) : undefined
  const dispatcher = extra.dispatcher ?? own as Dispatcher
  const transport = createTransport({ dispatcher, requestTimeoutMs: config.upstreamRequestTimeoutMs, maxBodyBytes: extra.maxBodyBytes })
  const endpoint = createTokenEndpoint({ config, dispatcher })
  const sendFor = (ctx: CallContext) => compose(
    authLayer(ctx.tokens),
    throttleLayer({ gate: ctx.gate, windows: ctx.windows, waitBudgetMs: config.rateLimitWaitBudgetMs }),
    retryLayer()
  )(transport)
  const options = (ctx: CallContext) => ({
    sentryUrl: url, deadline: () => Deadline.after(config.upstreamRequestTimeoutMs), grantedScopes: ctx.grantedScopes
  })
  const h = {
    call: async <T>(ctx: CallContext, spec: CallSpec) => await sendCall<T>(sendFor(ctx), spec, options(ctx)),
    caller: (ctx: CallContext) => createCaller(sendFor(ctx), options(ctx)),
    refreshTokens: async (refreshToken: string) => await endpoint.refresh(refreshToken),
    close: async () => { if (own !== undefined && !own.closed) await closeAgent(own) }
  }
  t.teardown(async () => { await h.close() })
  return h
}

function context (unauthorized = 0): CallContext & { unauthorizedCalls: () => number } {
  let calls = unauthorized
  return {
    tokens: { current: async () => ({ value: 'tok', version: 1 }), afterUnauthorized: async () => { calls++ } },
    gate: new ConcurrencyGate(),
    windows: new RateWindows(Date.now),
    unauthorizedCalls: () => calls
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

t.test('the refresh POST: form body with client credentials and never a scope, on SENTRY_URL\'s path', async t => {
  let seen: { url?: string, type?: string, form?: URLSearchParams } = {}
  const url = await fakeSentry(t, (req, body, res) => {
    seen = { url: req.url, type: req.headers['content-type'], form: new URLSearchParams(body) }
    json(res, 200, { access_token: 'a2', refresh_token: 'r2', expires_in: 2591999, expires_at: '2030-01-01T00:00:00.123456Z', token_type: 'Bearer', scope: 'org:read' })
  })
  const tokens = await http(t, `${url}/sentry`).refreshTokens('r1')
  t.same(tokens, { accessToken: 'a2', refreshToken: 'r2', expiresAt: new Date('2030-01-01T00:00:00.123Z') })
  t.equal(seen.url, '/sentry/oauth/token/')
  t.equal(seen.type, 'application/x-www-form-urlencoded')
  t.same(Object.fromEntries(seen.form ?? []), { grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'cid', client_secret: 'csecret' })
})

t.test('refresh failures map to public codes and are never retried', async t => {
  let reply: (res: ServerResponse) => void = () => {}
  let hits = 0
  const url = await fakeSentry(t, (_req, _body, res) => { hits++; reply(res) })
  const h = http(t, url)
  const cases: Array<[string, (res: ServerResponse) => void, Record<string, any>]> = [
    ['invalid_grant', res => json(res, 400, { error: 'invalid_grant' }), { name: 'InvalidGrantError' }],
    ['invalid_client', res => json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="oauth"' }), { code: 'UPSTREAM_ERROR', extensions: { reason: 'INVALID_CLIENT' } }],
    ['429', res => { res.writeHead(429, { 'x-sentry-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 30) }); res.end('"slow down"') }, { code: 'RATE_LIMITED' }],
    ['429 without reset', res => { res.writeHead(429); res.end('"slow down"') }, { code: 'RATE_LIMITED', extensions: { retryAfter: 1 } }],
    ['504', res => { res.writeHead(504); res.end('<html>') }, { code: 'UPSTREAM_TIMEOUT' }],
    ['503', res => { res.writeHead(503); res.end('<html>') }, { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 503 } }],
    ['reset', res => { res.socket?.destroy() }, { code: 'UPSTREAM_ERROR', extensions: { reason: 'CONNECTION_RESET' } }],
    ['slow', res => { setTimeout(() => json(res, 200, {}), 2000) }, { code: 'UPSTREAM_TIMEOUT' }],
    ['no access token', res => json(res, 200, { token_type: 'Bearer' }), { code: 'UPSTREAM_ERROR' }]
  ]
  for (const [name, fn, expected] of cases) {
    reply = fn
    hits = 0
    await t.rejects(h.refreshTokens('r1'), expected as { code: string }, name)
    t.equal(hits, 1, `${name}: one POST`)
  }
  const noClient = http(t, url, { sentryClientId: undefined, sentryClientSecret: undefined })
  await t.rejects(noClient.refreshTokens('r1'), { code: 'UPSTREAM_ERROR', extensions: { reason: 'NO_OAUTH_CLIENT' } })
})

t.test('API calls: Retry-After, a second 401, non-JSON and oversized bodies, non-list pages', async t => {
  let reply: (req: IncomingMessage, res: ServerResponse) => void = () => {}
  let hits = 0
  const url = await fakeSentry(t, (req, _body, res) => { hits++; reply(req, res) })
  const h = http(t, url, {}, { maxBodyBytes: 1024 })
  const spec = { method: 'GET' as const, path: '/api/0/organizations/' }

  let first = true
  reply = (_req, res) => {
    if (first) {
      first = false
      res.writeHead(429, { 'retry-after': '0' })
      res.end('"slow"')
    } else {
      json(res, 200, [{ id: '1' }])
    }
  }
  t.same((await h.call(context(), spec)).data, [{ id: '1' }], 'Retry-After honoured')

  hits = 0
  reply = (req, res) => { json(res, 401, { detail: req.headers.authorization === 'Bearer tok' ? 'Invalid token' : 'x' }) }
  const ctx = context()
  await t.rejects(h.call(ctx, spec), { code: 'UPSTREAM_ERROR', extensions: { reason: 'TOKEN_NOT_ACCEPTED' } })
  t.equal(ctx.unauthorizedCalls(), 1, 'one refresh, one retry')
  t.equal(hits, 2)

  reply = (_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>') }
  await t.rejects(h.call(context(), spec), { code: 'UPSTREAM_ERROR', message: /not JSON/ })

  hits = 0
  reply = (_req, res) => json(res, 200, 'x'.repeat(5000))
  await t.rejects(h.call(context(), spec), { code: 'UPSTREAM_ERROR', extensions: { reason: 'RESPONSE_TOO_LARGE' } })
  t.equal(hits, 1, 'not retried')

  reply = (_req, res) => json(res, 200, { not: 'a list' })
  await t.rejects(h.caller(context()).page(spec), { code: 'UPSTREAM_ERROR', message: /not a list/ })

  reply = (_req, res) => { res.writeHead(204); res.end() }
  t.equal((await h.call(context(), spec)).data, null, 'an empty body is null')

  reply = (_req, res) => json(res, 403, { detail: 'You do not have permission to perform this action.' })
  const withScopes = { ...context(), grantedScopes: async () => { throw new Error('db down') } }
  await t.rejects(h.call(withScopes, spec), { code: 'FORBIDDEN', extensions: { requiredScopes: ['org:read', 'org:write', 'org:admin'] } })
})

t.test('an injected dispatcher is used and left open', async t => {
  const url = await fakeSentry(t, (_req, _body, res) => json(res, 200, []))
  const { Agent } = await import('undici')
  const agent = new Agent()
  t.teardown(async () => { await agent.close() })
  const h = http(t, url, {}, { dispatcher: agent })
  t.same((await h.call(context(), { method: 'GET', path: '/api/0/organizations/' })).data, [])
  await h.close()
  t.equal(agent.closed, false)
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

t.test('an exchange\'s own timeout ends a stalled answer, before and after its headers, and a deadline shorter than it wins', async t => {
  // The agent's header and body timeouts are far away: only the transport's own abort can end these.
  const { Agent } = await import('undici')
  const agent = new Agent({ headersTimeout: 60_000, bodyTimeout: 60_000 })
  const open: ServerResponse[] = []
  t.teardown(async () => { for (const res of open) res.destroy(); await agent.destroy() })
  const url = await fakeSentry(t, (req, _body, res) => {
    open.push(res)
    if (req.url?.startsWith('/after-headers') === true) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('[{"id":')
    }
    if (req.url?.startsWith('/declared-length') === true) {
      // A declared length, half of it sent.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '14' })
      res.write('[{"id":')
    }
    // …and nothing more.
  })
  const transport = createTransport({ dispatcher: agent, requestTimeoutMs: 300 })
  const send = async (path: string, deadline = Deadline.after(60_000)) => await transport({
    method: 'GET', template: path, pathAndQuery: path, baseUrl: url, headers: {}, deadline
  }).then(() => 'answered', (err: unknown) => err)
  for (const path of ['/before-headers/', '/after-headers/', '/declared-length/']) {
    t.match(await send(path), { kind: 'timeout', errorCode: 'REQUEST_TIMEOUT' }, path)
  }
  t.match(await send('/before-headers/again', Deadline.after(100)), { kind: 'timeout', errorCode: 'REQUEST_TIMEOUT' }, 'the deadline, when nearer, bounds the exchange')
  t.match(await send('/before-headers/late', Deadline.after(0)), { code: 'UPSTREAM_TIMEOUT' }, 'a deadline already passed sends nothing')
  t.equal(open.filter(r => r.req.url === '/before-headers/late').length, 0)
})

t.test('bodies with a declared length and without one: read whole, capped, and cut short', async t => {
  const body = JSON.stringify([{ id: '1', name: 'é'.repeat(20) }])
  const bytes = Buffer.byteLength(body)
  const url = await fakeSentry(t, (req, _body, res) => {
    const path = req.url ?? ''
    if (path.startsWith('/declared/')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes) })
      res.end(body)
    } else if (path.startsWith('/chunked/')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(body.slice(0, 10))
      res.end(body.slice(10))
    } else if (path.startsWith('/cut/')) {
      // Fewer bytes than declared, then the connection closes.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes) })
      res.write(body.slice(0, 10))
      setTimeout(() => { res.socket?.destroy() }, 20)
    }
  })
  const { Agent } = await import('undici')
  const agent = new Agent()
  t.teardown(async () => { await agent.destroy() })
  const send = async (path: string, maxBodyBytes: number) => await createTransport({ dispatcher: agent, requestTimeoutMs: 5000, maxBodyBytes })({
    method: 'GET', template: path, pathAndQuery: path, baseUrl: url, headers: {}, deadline: Deadline.after(5000)
  }).then((res) => res.text, (err: unknown) => err)
  t.equal(await send('/declared/', bytes), body, 'a declared length equal to the cap is read, UTF-8 decoded')
  t.equal(await send('/chunked/', bytes), body, 'a body without a declared length is read to its end')
  t.match(await send('/declared/', bytes - 1), { kind: 'too-large', errorCode: 'BODY_TOO_LARGE' }, 'a declared length over the cap')
  t.match(await send('/chunked/', bytes - 1), { kind: 'too-large', errorCode: 'BODY_TOO_LARGE' }, 'a chunked body over the cap')
  const cut = await send('/cut/', bytes)
  t.ok(cut instanceof TransportError, 'a body cut short is a transport error')
  t.not((cut as TransportError).kind, 'timeout')
  t.equal((cut as TransportError).toGatewayError().code, 'UPSTREAM_ERROR')
})
