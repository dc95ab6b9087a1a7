/**
 * Connect sessions (POST /connect/sessions): one-time connect URLs for apps that hold a JWT,
 * over real HTTP with the emulator, as a browser would open them.
 */
import t, { type Test } from 'tap'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { signToken } from '../helpers/jwks.js'
import { BrowserLike, decodeEntities } from '../helpers/browser-like.js'
import { countRows, runConnect } from '../helpers/connect-flow.js'
import { CONNECT_SESSION_TTL_MS } from '../../src/connect/sessions.js'
import { counters } from '../helpers/emulator.js'

const SECRET = 'an-hs256-secret-of-at-least-32-bytes-0123456789'
const SPA = 'http://127.0.0.1:5999'
const JWT_ENV = { AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://platform.example.com', AUTH_JWT_AUDIENCE: 'sentry-gateway', ALLOWED_ORIGINS: SPA }

type Clocked = TestApp & { clock: { now: number } }

async function gateway (t: Test, env: Record<string, string> = {}): Promise<Clocked> {
  const clock = { now: Date.now() }
  const gw = await buildTestApp(t, { listen: true, env: { ...JWT_ENV, ...env }, deps: { now: () => clock.now } })
  return { ...gw, clock }
}

async function createSession (gw: Clocked, sub: string, body: unknown = {}): Promise<{ status: number, json: any }> {
  const res = await fetch(`${gw.url}/connect/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await signToken(SECRET, sub, { now: gw.clock.now })}`, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: res.status, json: await res.json() }
}

async function viewerConnections (gw: Clocked, sub: string): Promise<Array<{ id: string, status: string }>> {
  const res = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await signToken(SECRET, sub, { now: gw.clock.now })}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ viewer { connections { id status } } }' })
  })
  return ((await res.json()) as any).data.viewer.connections
}

t.test('POST /connect/sessions: bearer only, validated body, a one-time URL valid 10 minutes', async t => {
  const gw = await gateway(t)
  const before = (await counters(gw.emulator)).apiRequests
  const noToken = await fetch(`${gw.url}/connect/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(noToken.status, 401)
  t.match(await noToken.json(), { error: 'UNAUTHENTICATED', reason: 'missing token' })
  const badToken = await fetch(`${gw.url}/connect/sessions`, { method: 'POST', headers: { authorization: `Bearer ${await signToken(SECRET, 'alice', { exp: -3600 })}` } })
  t.equal(badToken.status, 401)
  t.match(await badToken.json(), { error: 'UNAUTHENTICATED', reason: 'expired' })

  for (const [body, words] of [
    [[], /JSON object/],
    [{ returnTo: '//evil.example.com' }, /returnTo/],
    [{ returnTo: 'https://evil.example.com/' }, /returnTo/],
    [{ origin: 'https://evil.example.com' }, /ALLOWED_ORIGINS/],
    [{ origin: 42 }, /ALLOWED_ORIGINS/],
    [{ scope: 'org:admin' }, /Unknown field/]
  ] as Array<[unknown, RegExp]>) {
    const res = await createSession(gw, 'alice', body)
    t.equal(res.status, 400, `refused: ${JSON.stringify(body)}`)
    t.match(res.json, { error: 'BAD_USER_INPUT', message: words })
  }

  const ok = await createSession(gw, 'alice', { origin: SPA })
  t.equal(ok.status, 201)
  t.match(ok.json.url, new RegExp(`^${gw.url}/connect/sentry\\?session=[A-Za-z0-9_-]{43}$`))
  t.equal(ok.json.expiresAt, new Date(gw.clock.now + CONNECT_SESSION_TTL_MS).toISOString(), 'valid 10 minutes')
  t.equal((await counters(gw.emulator)).apiRequests, before, 'no upstream call')

  // A preflighted cross-origin call from an allowed origin is let through by CORS.
  const pre = await fetch(`${gw.url}/connect/sessions`, { method: 'OPTIONS', headers: { origin: SPA, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
  t.equal(pre.headers.get('access-control-allow-origin'), SPA)
  t.match(pre.headers.get('access-control-allow-headers'), /authorization/i)
})

t.test('the URL connects Sentry for the JWT\'s user; used twice, forged: 400 and nothing stored', async t => {
  const gw = await gateway(t)
  const { json } = await createSession(gw, 'alice', { returnTo: '/setup/sentry' })
  const b = new BrowserLike()
  const run = await runConnect(b, gw.url, { query: new URL(json.url).search, skipHome: true })
  t.equal(run.callback.status, 303)
  t.equal(run.callback.location, `${gw.url}/setup/sentry`, 'redirect mode lands on returnTo')
  const alice = await viewerConnections(gw, 'alice')
  t.equal(alice.length, 1, 'the connection belongs to alice')
  t.same(await viewerConnections(gw, 'bob'), [], 'and not to bob')
  t.notOk(b.cookies.some(c => c.name === 'gateway_session' && c.value !== ''), 'the popup browser was not signed in as alice')

  const rows = countRows(gw.config)
  const exchanges = gw.emulator.control.counters().tokenExchanges
  const again = await b.fetch(json.url)
  t.equal(again.status, 400, 'used twice')
  t.match(decodeEntities(again.body), /already used/)
  const fresh = await new BrowserLike().fetch(json.url)
  t.equal(fresh.status, 400, 'used twice, from another browser')
  for (const forged of ['A'.repeat(43), 'short', '../../etc', json.url.split('=')[1].slice(0, -1) + 'x']) {
    const res = await new BrowserLike().fetch(`${gw.url}/connect/sentry?session=${encodeURIComponent(forged)}`)
    t.equal(res.status, 400, `forged session ${forged.slice(0, 10)}…`)
    t.match(decodeEntities(res.body), /not valid/)
  }
  t.same(countRows(gw.config), rows, 'nothing stored')
  t.equal(gw.emulator.control.counters().tokenExchanges, exchanges, 'no code exchanged')
})

t.test('an expired connect session: 400, and the popup opener is told', async t => {
  const gw = await gateway(t)
  const { json } = await createSession(gw, 'alice', { origin: SPA })
  gw.clock.now += CONNECT_SESSION_TTL_MS + 1
  const b = new BrowserLike()
  const res = await b.fetch(json.url)
  t.equal(res.status, 400)
  t.match(decodeEntities(res.body), /expired/)
  const el = /<div id="popup-result" data-message="([^"]*)" data-target-origin="([^"]*)">/.exec(res.body)
  t.equal(el?.[2], SPA, 'the failure is posted to the app that asked')
  t.match(JSON.parse(decodeEntities(el?.[1] ?? '{}')), { type: 'sentry-connect-failed', error: 'session_expired' })
  t.equal((await b.fetch(json.url)).status, 400, 'and it stays spent')
  t.equal(countRows(gw.config).connections, 0)
})

t.test('AUTH_MODE=both: a browser signed in as another user cannot use the link; a revoked connection reconnects', async t => {
  const gw = await gateway(t, { AUTH_MODE: 'both' })
  // A cookie user connects first, in its own browser.
  const cookieBrowser = new BrowserLike()
  const own = await runConnect(cookieBrowser, gw.url)
  t.equal(own.callback.status, 303)
  const rowsBefore = countRows(gw.config)
  const { json } = await createSession(gw, 'alice')
  const res = await cookieBrowser.fetch(json.url)
  t.equal(res.status, 400, 'another user\'s connect session')
  t.match(decodeEntities(res.body), /another user/)
  t.same(countRows(gw.config), rowsBefore, 'nothing stored')

  // Popup mode for alice, then Sentry revokes; the same way in reconnects the same connection.
  const first = await createSession(gw, 'alice', { origin: SPA })
  const popup = await runConnect(new BrowserLike(), gw.url, { query: new URL(first.json.url).search, skipHome: true })
  t.equal(popup.callback.status, 200)
  const el = /<div id="popup-result" data-message="([^"]*)" data-target-origin="([^"]*)">/.exec(popup.callback.body)
  t.equal(el?.[2], SPA, 'the result goes to the SPA origin')
  t.match(JSON.parse(decodeEntities(el?.[1] ?? '{}')), { type: 'sentry-connected' })
  const [conn] = await viewerConnections(gw, 'alice')
  const tokens = await gw.app.store.getTokens(conn?.id ?? '')
  t.ok(await gw.app.store.markRevoked(conn?.id ?? '', 'revoked by the test', tokens?.version ?? 0))
  t.match(await viewerConnections(gw, 'alice'), [{ id: conn?.id, status: 'REVOKED' }])
  const second = await createSession(gw, 'alice', { origin: SPA })
  const again = await runConnect(new BrowserLike(), gw.url, { query: new URL(second.json.url).search, skipHome: true })
  t.equal(again.callback.status, 200)
  t.same(await viewerConnections(gw, 'alice'), [{ id: conn?.id, status: 'ACTIVE' }], 'the revoked connection is ACTIVE again')
})

t.test('AUTH_MODE=jwt: connections start from a connect session only', async t => {
  const gw = await gateway(t)
  const res = await new BrowserLike().fetch(`${gw.url}/connect/sentry`)
  t.equal(res.status, 400)
  t.match(decodeEntities(res.body), /POST \/connect\/sessions/)
  t.equal(countRows(gw.config).connections, 0)
})
