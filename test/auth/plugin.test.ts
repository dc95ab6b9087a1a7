import t, { type Test } from 'tap'
import { Writable } from 'node:stream'
import Database from 'better-sqlite3'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { connectViewer, sessionCookie } from '../helpers/graphql.js'
import { makeKey, signToken, startJwksServer, unsecuredToken, type SigningKey } from '../helpers/jwks.js'
import { loggerOptions } from '../../src/logger.js'
import type { Config } from '../../src/config.js'
import { counters } from '../helpers/emulator.js'

const ISSUER = 'https://platform.example.com'
const AUDIENCE = 'sentry-gateway'
const SECRET = 'an-hs256-secret-of-at-least-32-bytes-0123456789'

function userRows (config: Config): Array<{ id: string, issuer: string | null, subject: string | null }> {
  const db = new Database(config.databasePath, { readonly: true, fileMustExist: true })
  try {
    return db.prepare('select id, issuer, subject from users order by created_at').all() as Array<{ id: string, issuer: string | null, subject: string | null }>
  } finally {
    db.close()
  }
}

interface Answer { status: number, headers: Headers, body: any }

async function post (url: string, query: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) })
  return { status: res.status, headers: res.headers, body: await res.json() }
}

const VIEWER = '{ viewer { id connections { id } } }'

async function jwtGateway (t: Test, env: Record<string, string> = {}, logs?: string[]): Promise<TestApp & { key: SigningKey }> {
  const key = await makeKey('ES256', 'k1')
  const jwks = await startJwksServer([key])
  t.teardown(jwks.close)
  const logger = logs === undefined
    ? undefined
    : { ...loggerOptions('trace'), stream: new Writable({ write (chunk, _enc, cb) { logs.push(String(chunk)); cb() } }) }
  const gw = await buildTestApp(t, {
    listen: true,
    env: { AUTH_JWKS_URL: jwks.url, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, ...env },
    ...(logger === undefined ? {} : { deps: { logger } })
  })
  return { ...gw, key }
}

t.test('every bad token answers 401 UNAUTHENTICATED with a reason, before any database or upstream work', async t => {
  const { url, key, emulator, config, app } = await jwtGateway(t, { AUTH_MODE: 'both' })
  const cookieUser = await connectViewer({ app, emulator } as TestApp)
  const stranger = await makeKey('ES256', 'k1')
  const cases: Array<[string, string]> = [
    [await signToken(key, 'alice', { exp: -120 }), 'expired'],
    [await signToken(key, 'alice', { exp: null }), 'missing exp'],
    [await signToken(stranger, 'alice'), 'bad signature'],
    [await signToken(key, 'alice', { aud: 'another-api' }), 'wrong audience'],
    [await signToken(key, 'alice', { iss: 'https://other-platform.example.com' }), 'wrong issuer'],
    [await signToken(key, 'alice', { nbf: 600 }), 'not yet valid'],
    [unsecuredToken('alice'), 'algorithm not allowed'],
    [await signToken(SECRET, 'alice'), 'algorithm not allowed'],
    [await signToken(key, 'alice', { kid: 'unknown' }), 'unknown key'],
    [await signToken(key, null), 'missing user claim'],
    ['a.b.c', 'malformed token']
  ]
  const usersBefore = userRows(config).length
  const before = (await counters(emulator)).apiRequests
  for (const [token, reason] of cases) {
    // The session cookie of a connected user rides along: a bad bearer never falls back to it.
    const res = await post(url, VIEWER, { authorization: `Bearer ${token}`, cookie: cookieUser.cookie })
    t.equal(res.status, 401, `${reason}: 401`)
    t.same(res.body.errors?.[0]?.extensions, { code: 'UNAUTHENTICATED', reason }, `${reason}: code and reason`)
    t.equal(res.body.data, undefined, `${reason}: no data`)
    t.equal(res.headers.get('www-authenticate'), `Bearer error="invalid_token", error_description="${reason}"`)
    // GET /graphql too.
    const get = await fetch(`${url}/graphql?query=${encodeURIComponent(VIEWER)}`, { headers: { authorization: `Bearer ${token}`, 'graphql-require-preflight': '1', cookie: cookieUser.cookie } })
    t.equal(get.status, 401, `${reason}: GET 401`)
    t.equal(((await get.json()) as any).errors[0].extensions.reason, reason)
  }
  for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${await signToken(key, 'alice')} extra`, 'Token abc']) {
    const res = await post(url, VIEWER, { authorization: header, cookie: cookieUser.cookie })
    t.equal(res.status, 401, `a non-bearer Authorization header (${header.slice(0, 12)}…) is refused`)
    t.equal(res.body.errors[0].extensions.reason, 'malformed token')
  }
  // A broken body behind a bad token: refused on the token, before the body is read.
  const raw = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${unsecuredToken('x')}` }, body: '{not json' })
  t.equal(raw.status, 401, 'the token is checked before the body is parsed')
  t.equal((await counters(emulator)).apiRequests, before, 'no upstream call for any refusal')
  t.equal(userRows(config).length, usersBefore, 'no user row for any refusal')
  // The cookie alone still works in AUTH_MODE=both.
  const cookieOnly = await post(url, VIEWER, { cookie: cookieUser.cookie })
  t.equal(cookieOnly.body.data.viewer.id, cookieUser.userId)
})

t.test('a good token names the platform user (issuer, sub); the bearer wins over a cookie; users are isolated', async t => {
  const gw = await jwtGateway(t, { AUTH_MODE: 'both' })
  const { url, key, config, app } = gw
  const alice = await post(url, VIEWER, { authorization: `Bearer ${await signToken(key, 'alice')}` })
  t.equal(alice.status, 200)
  t.same(alice.body.data.viewer.connections, [], 'a new platform user has no connections')
  const rows = userRows(config)
  t.match(rows, [{ id: alice.body.data.viewer.id, issuer: ISSUER, subject: 'alice' }], 'created on first sight as (issuer, sub)')
  const again = await post(url, VIEWER, { authorization: `Bearer ${await signToken(key, 'alice')}` })
  t.equal(again.body.data.viewer.id, alice.body.data.viewer.id, 'the same user next time')

  // Two platform users, each with a Sentry connection of their own (acme/globex vs. the Sentry user 2's).
  const aliceConn = await connectViewer(gw, { platformUserId: alice.body.data.viewer.id })
  const bobId = (await post(url, VIEWER, { authorization: `Bearer ${await signToken(key, 'bob')}` })).body.data.viewer.id
  const bobConn = await connectViewer(gw, { platformUserId: bobId, sentryUserId: '2' })
  const aliceView = await post(url, '{ viewer { connections { id } } organizations { slug } }', { authorization: `Bearer ${await signToken(key, 'alice')}` })
  const bobView = await post(url, '{ viewer { connections { id } } organizations { slug } }', { authorization: `Bearer ${await signToken(key, 'bob')}` })
  t.same(aliceView.body.data.viewer.connections, [{ id: aliceConn.connection.id }])
  t.same(bobView.body.data.viewer.connections, [{ id: bobConn.connection.id }])
  const aliceOrgs = aliceConn.connection.organizations.map(o => o.slug)
  const bobOrgs = bobConn.connection.organizations.map(o => o.slug)
  t.same(aliceView.body.data.organizations.map((o: { slug: string }) => o.slug).sort(), [...aliceOrgs].sort())
  t.same(bobView.body.data.organizations.map((o: { slug: string }) => o.slug).sort(), [...bobOrgs].sort())
  const onlyAlice = aliceOrgs.find(s => !bobOrgs.includes(s))
  t.ok(onlyAlice, 'alice reaches an organization bob does not')
  if (onlyAlice !== undefined) {
    const probe = await post(url, `{ organization(slug: "${onlyAlice}") { slug } }`, { authorization: `Bearer ${await signToken(key, 'bob')}` })
    t.equal(probe.body.errors[0].extensions.code, 'NOT_CONNECTED', 'bob cannot reach an organization only alice connected')
  }

  // AUTH_MODE=both: a token and the cookie of another user: the token wins.
  const cookie = sessionCookie(app, aliceConn.userId)
  const both = await post(url, VIEWER, { authorization: `Bearer ${await signToken(key, 'bob')}`, cookie })
  t.equal(both.body.data.viewer.id, bobId, 'the bearer token wins over the cookie')

  // Another issuer with the same sub is another user: a second gateway on the same database.
  const other = await buildTestApp(t, {
    databasePath: config.databasePath,
    env: { AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://other.example.com', AUTH_JWT_AUDIENCE: AUDIENCE }
  })
  const fromOther = await other.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${await signToken(SECRET, 'alice', { iss: 'https://other.example.com' })}` }, payload: { query: VIEWER } })
  t.not(fromOther.json().data.viewer.id, alice.body.data.viewer.id, 'two issuers never share a user')
  t.same(fromOther.json().data.viewer.connections, [], 'and it sees none of the other issuer\'s alice connections')
})

t.test('AUTH_MODE=jwt: the cookie is not an identity; no token → UNAUTHENTICATED with reason "missing token"', async t => {
  const gw = await jwtGateway(t)
  t.equal(gw.config.authMode, 'jwt')
  const cookieUser = await connectViewer(gw)
  const res = await post(gw.url, VIEWER, { cookie: cookieUser.cookie })
  t.equal(res.status, 401)
  t.match(res.body.errors[0], { extensions: { code: 'UNAUTHENTICATED', reason: 'missing token' }, message: /Authorization: Bearer/ })
  const ok = await post(gw.url, VIEWER, { authorization: `bearer ${await signToken(gw.key, 'carol')}` })
  t.equal(ok.status, 200, 'the scheme is case-insensitive')
})

t.test('AUTH_MODE=session ignores Authorization headers; the cookie decides', async t => {
  const gw = await buildTestApp(t, {})
  t.equal(gw.config.authMode, 'session')
  t.equal(gw.app.jwtVerifier, null)
  const viewer = await connectViewer(gw)
  const res = await gw.app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', cookie: viewer.cookie, authorization: 'Bearer whatever' }, payload: { query: VIEWER } })
  t.equal(res.json().data.viewer.id, viewer.userId)
  const sessions = await gw.app.inject({ method: 'POST', url: '/connect/sessions', headers: { authorization: 'Bearer x' } })
  t.equal(sessions.statusCode, 404, 'no connect sessions without JWT identity')
})

t.test('nothing of a JWT reaches the log, for accepted and refused tokens alike', async t => {
  const logs: string[] = []
  const gw = await jwtGateway(t, {}, logs)
  const good = await signToken(gw.key, 'alice')
  const expired = await signToken(gw.key, 'alice', { exp: -3600 })
  const wrongAud = await signToken(gw.key, 'alice', { aud: 'x' })
  const tokens = [good, expired, wrongAud, unsecuredToken('mallory')]
  for (const token of tokens) await post(gw.url, VIEWER, { authorization: `Bearer ${token}` })
  const cs = await fetch(`${gw.url}/connect/sessions`, { method: 'POST', headers: { authorization: `Bearer ${good}`, 'content-type': 'application/json' }, body: '{}' })
  const { url: connectUrl } = await cs.json() as { url: string }
  await fetch(connectUrl, { redirect: 'manual' })
  await gw.app.close()
  const text = logs.join('')
  t.match(text, /bearer token refused/, 'refusals are logged')
  t.match(text, /"reason":"expired"/, 'with their reason')
  t.match(text, /"(url|route)":"\/graphql"/, 'the requests themselves are logged (path only, no headers)')
  t.match(text, /"(url|route)":"\/connect\/sentry"/, 'the connect request is logged')
  t.notMatch(text, /session=/, 'without its query')
  for (const token of tokens) {
    for (const part of token.split('.').filter(p => p.length >= 8)) {
      t.notOk(text.includes(part), 'no part of a JWT (header, claims or signature) is logged')
    }
  }
  const sessionToken = new URL(connectUrl).searchParams.get('session') ?? ''
  t.ok(sessionToken.length > 20)
  t.notOk(text.includes(sessionToken), 'nor the connect-session token')
})

t.test('an identity is mapped to its user once per app: later bearer requests read only the viewer', async t => {
  const { url, key, app } = await jwtGateway(t)
  const store = app.store as unknown as { ensureUserByIdentity: (issuer: string, subject: string) => Promise<{ id: string }> }
  const ensure = store.ensureUserByIdentity.bind(store)
  let calls = 0
  store.ensureUserByIdentity = async (issuer, subject) => { calls++; return await ensure(issuer, subject) }
  const alice = { authorization: `Bearer ${await signToken(key, 'alice')}` }
  const first = await post(url, VIEWER, alice)
  const second = await post(url, VIEWER, alice)
  t.equal(first.status, 200)
  t.same(second.body, first.body, 'the same user')
  t.equal(calls, 1, 'alice looked up once')
  const bob = await post(url, VIEWER, { authorization: `Bearer ${await signToken(key, 'bob')}` })
  t.not(bob.body.data.viewer.id, first.body.data.viewer.id, 'another identity, another user')
  t.equal(calls, 2)
})
