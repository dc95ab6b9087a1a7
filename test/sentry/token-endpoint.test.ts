import t, { type Test } from 'tap'
import { type ServerResponse } from 'node:http'
import { Agent } from 'undici'
import { Deadline } from '../../src/sentry/deadline.js'
import { MAX_TOKEN_RESPONSE_BYTES, TokenExchangeError, createTokenEndpoint, readTokenResponse, tokensFromResponse } from '../../src/sentry/token-endpoint.js'
import { describeTokenFailure, type TokenFailure } from '../../src/connect/token-failure.js'
import { fakeSentry } from '../helpers/fake-sentry.js'

// Sentry's token endpoint module (code exchange and refresh) against a real loopback server,
// including the attacks of issue 10, defect 4: a 400 MB token response and a slow one.

function endpoint (t: Test, url: string, requestTimeoutMs = 60_000) {
  const dispatcher = new Agent()
  t.teardown(async () => { await dispatcher.destroy() })
  return createTokenEndpoint({
    config: { sentryUrl: url, sentryClientId: 'cid', sentryClientSecret: 'csecret', upstreamRequestTimeoutMs: requestTimeoutMs },
    dispatcher
  })
}

const exchange = { code: 'the-code', codeVerifier: 'the-verifier', redirectUri: 'http://gw.example/oauth/sentry/callback' }

/** What the connect flow makes of a failed exchange (src/connect/token-failure.ts). */
async function failureOf (p: Promise<unknown>): Promise<TokenFailure | null> {
  return await p.then(() => null, (err: unknown) => {
    if (!(err instanceof TokenExchangeError)) throw err
    return describeTokenFailure(err.answer)
  })
}

t.test('the code exchange: form body with credentials and the PKCE verifier; the answer read by the one parser', async t => {
  let form: Record<string, string> = {}
  const url = await fakeSentry(t, (_req, body, res) => {
    form = Object.fromEntries(new URLSearchParams(body))
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ access_token: 'a', refresh_token: 'r', expires_in: 60, expires_at: '2030-01-01T00:00:00.000000Z', token_type: 'bearer', scope: 'org:read', user: { id: '1', name: 'Jane', email: null } }))
  })
  const raw = await endpoint(t, url).exchangeCode(exchange, Deadline.after(5000))
  t.same(form, { grant_type: 'authorization_code', code: 'the-code', redirect_uri: exchange.redirectUri, client_id: 'cid', client_secret: 'csecret', code_verifier: 'the-verifier' })
  t.match(readTokenResponse(raw, []), { accessToken: 'a', refreshToken: 'r', expiresAt: new Date('2030-01-01T00:00:00Z'), scopes: ['org:read'], sentryUser: { id: '1' } })
})

t.test('Sentry\'s refusals and failures become the connect flow\'s words', async t => {
  let reply: (res: ServerResponse) => void = () => {}
  const url = await fakeSentry(t, (_req, _body, res) => { reply(res) })
  const e = endpoint(t, url)
  const cases: Array<[string, (res: ServerResponse) => void, object]> = [
    ['invalid_grant', res => { res.writeHead(400); res.end('{"error":"invalid_grant"}') }, { status: 400, code: 'invalid_grant', upstreamStatus: 400 }],
    ['invalid_client', res => { res.writeHead(401); res.end('{"error":"invalid_client"}') }, { status: 424, code: 'invalid_client' }],
    ['500 html', res => { res.writeHead(500); res.end('<html>') }, { status: 424, code: 'sentry_error', upstreamStatus: 500 }],
    ['200 not JSON', res => { res.writeHead(200); res.end('<html>') }, { status: 424, code: 'bad_token_response' }],
    ['reset', res => { res.socket?.destroy() }, { status: 424, code: 'sentry_unreachable' }]
  ]
  for (const [name, fn, expected] of cases) {
    reply = fn
    t.match(await failureOf(e.exchangeCode(exchange, Deadline.after(5000))), expected, name)
  }
  const closed = endpoint(t, 'http://127.0.0.1:1')
  t.match(await failureOf(closed.exchangeCode(exchange, Deadline.after(5000))), { code: 'sentry_unreachable' })
})

t.test('attack: a 400 MB token response is cut at the cap, not read into memory', async t => {
  let written = 0
  let closedEarly = false
  const url = await fakeSentry(t, (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(400 * 1024 * 1024) })
    const chunk = Buffer.alloc(64 * 1024, 'a')
    res.on('close', () => { closedEarly = written < 400 * 1024 * 1024 })
    const pump = (): void => {
      while (written < 400 * 1024 * 1024) {
        written += chunk.length
        if (!res.write(chunk)) { res.once('drain', pump); return }
      }
      res.end()
    }
    pump()
  })
  const e = endpoint(t, url)
  t.match(await failureOf(e.exchangeCode(exchange, Deadline.after(30_000))), { status: 424, code: 'bad_token_response' })
  await t.rejects(e.refresh('r1'), { code: 'UPSTREAM_ERROR', extensions: { reason: 'RESPONSE_TOO_LARGE' } }, 'the refresh has the same cap')
  await new Promise(resolve => setTimeout(resolve, 50))
  t.ok(closedEarly, 'the gateway closed the connection')
  t.ok(written < 64 * 1024 * 1024, `the server could write only ${Math.round(written / 1024 / 1024)} MB of the 400 MB (socket buffers) before the gateway hung up`)
  t.equal(MAX_TOKEN_RESPONSE_BYTES, 64 * 1024)
})

t.test('attack: a slow token response ends at the request\'s deadline, not at the exchange timeout', async t => {
  const url = await fakeSentry(t, (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"access_token": "')
    const timer = setInterval(() => res.write('a'), 100)
    res.on('close', () => { clearInterval(timer) })
  })
  const e = endpoint(t, url, 60_000)
  const started = Date.now()
  t.match(await failureOf(e.exchangeCode(exchange, Deadline.after(500))), { status: 424, code: 'sentry_timeout' })
  t.ok(Date.now() - started < 5000, 'answered near the 0.5 s deadline, not after the 60 s timeout')
  t.match(await failureOf(e.exchangeCode(exchange, Deadline.after(0))), { code: 'sentry_timeout' }, 'a deadline already passed: nothing is sent')
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

t.test('readTokenResponse reads Sentry’s token response', async t => {
  const expiresAt = new Date('2030-01-01T00:00:00Z')
  const full = {
    access_token: 'a'.repeat(64),
    refresh_token: 'r'.repeat(64),
    expires_in: 2591999,
    expires_at: expiresAt,
    token_type: 'Bearer',
    scope: 'org:read  event:read org:read',
    user: { id: '123', name: 'Jane Doe', email: 'jane@example.com' },
    organization_id: '456'
  }
  t.same(readTokenResponse(full, ['x']), {
    accessToken: 'a'.repeat(64),
    refreshToken: 'r'.repeat(64),
    scopes: ['org:read', 'event:read'],
    expiresAt,
    sentryUser: { id: '123', name: 'Jane Doe', email: 'jane@example.com' },
    scopingOrgId: '456'
  })
  t.match(readTokenResponse({ ...full, token_type: 'bearer', user: { id: 7 }, organization_id: 9, scope: undefined, refresh_token: '' }, ['org:read']), {
    sentryUser: { id: '7', name: null, email: null }, scopingOrgId: '9', scopes: ['org:read'], refreshToken: null
  })
  t.equal(readTokenResponse({ ...full, expires_at: new Date(Number.NaN) }, [])?.expiresAt, null, 'never-expiring: invalid date')
  t.equal(readTokenResponse({ ...full, expires_at: new Date(0) }, [])?.expiresAt, null, 'never-expiring: epoch')
  t.equal(readTokenResponse({ ...full, expires_at: '2030' }, [])?.expiresAt, null)
  t.equal(readTokenResponse({ ...full, organization_id: undefined }, [])?.scopingOrgId, null)
  t.equal(readTokenResponse({ ...full, token_type: undefined }, [])?.accessToken, 'a'.repeat(64), 'token_type may be absent')
  t.equal(readTokenResponse({ ...full, access_token: undefined }, []), null)
  t.equal(readTokenResponse({ ...full, user: undefined }, []), null)
  t.equal(readTokenResponse({ ...full, user: { id: '' } }, []), null)
  t.equal(readTokenResponse({ ...full, user: null }, []), null)
  t.equal(readTokenResponse({ ...full, token_type: 'mac' }, []), null)
})
