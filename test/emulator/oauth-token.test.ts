import { createHash } from 'node:crypto'
import t from 'tap'
import { api, call, clientFields, codeFor, EMULATOR_CLIENT, startTestEmulator, tokenRequest } from '../helpers/emulator.js'

const REDIRECT = 'http://127.0.0.1:4000/callback'
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

t.test('token endpoint: method, content type and every error row of docs/sentry.md §2', async (t) => {
  const em = await startTestEmulator(t)
  const get = await call(`${em.url}/oauth/token/`)
  t.equal(get.status, 405, 'GET → 405')
  t.match(get.headers.get('cache-control'), 'no-store')

  const cases: Array<[string, Record<string, string>, Record<string, string>, number, string]> = [
    ['missing grant_type', { ...clientFields() }, {}, 400, 'invalid_request'],
    ['unknown grant_type', { grant_type: 'client_credentials', ...clientFields() }, {}, 400, 'unsupported_grant_type'],
    ['missing client_id', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, {}, 401, 'invalid_client'],
    ['unknown client_id', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, client_id: 'nope', client_secret: 'x' }, {}, 401, 'invalid_client'],
    ['missing secret', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, client_id: EMULATOR_CLIENT.clientId }, {}, 401, 'invalid_client'],
    ['wrong secret', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, client_id: EMULATOR_CLIENT.clientId, client_secret: 'wrong' }, {}, 401, 'invalid_client'],
    ['malformed Basic', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, { authorization: 'Basic !!!' }, 401, 'invalid_client'],
    ['Basic without a colon', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT }, { authorization: `Basic ${Buffer.from('abc').toString('base64')}` }, 401, 'invalid_client'],
    ['Basic and body credentials together', { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, ...clientFields() }, { authorization: basic(EMULATOR_CLIENT.clientId, EMULATOR_CLIENT.clientSecret) }, 400, 'invalid_request'],
    ['bad code', { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT, ...clientFields() }, {}, 400, 'invalid_grant'],
    ['refresh: missing refresh_token', { grant_type: 'refresh_token', ...clientFields() }, {}, 400, 'invalid_request'],
    ['refresh: scope sent', { grant_type: 'refresh_token', refresh_token: 'x', scope: 'org:read', ...clientFields() }, {}, 400, 'invalid_request'],
    ['refresh: unknown refresh_token', { grant_type: 'refresh_token', refresh_token: 'x', ...clientFields() }, {}, 400, 'invalid_grant']
  ]
  for (const [name, fields, headers, status, error] of cases) {
    const r = await tokenRequest(em, fields, headers)
    t.equal(r.status, status, `${name}: status`)
    t.same(r.body, { error }, `${name}: body is only {"error"}`)
    t.match(r.headers.get('content-type'), /^application\/json/, `${name}: JSON`)
    t.match(r.headers.get('cache-control'), 'no-store', `${name}: no-store`)
    t.equal(r.headers.get('www-authenticate'), status === 401 ? 'Basic realm="oauth"' : null, `${name}: WWW-Authenticate`)
  }

  const json = await call(`${em.url}/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'authorization_code', ...clientFields() }) })
  t.same([json.status, json.body], [400, { error: 'invalid_request' }], 'a JSON body is not parsed (fields missing)')
  const twice = await call(`${em.url}/oauth/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&grant_type=authorization_code&refresh_token=x&${new URLSearchParams(clientFields()).toString()}`
  })
  t.same([twice.status, twice.body], [400, { error: 'invalid_grant' }], 'the last of a repeated field counts (Django QueryDict.get): an authorization_code grant without a code')
  t.equal(em.control.counters().refreshFailures, 3)
})

t.test('authorization_code: exact success body, single use, Basic auth', async (t) => {
  let now = Date.UTC(2026, 0, 1, 10, 0, 0, 123)
  const em = await startTestEmulator(t, { now: () => now })
  const code = await codeFor(em)
  const r = await tokenRequest(em, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic(EMULATOR_CLIENT.clientId, EMULATOR_CLIENT.clientSecret) })
  t.equal(r.status, 200)
  t.match(r.headers.get('cache-control'), 'no-store')
  const body = r.body as Record<string, unknown>
  t.same(Object.keys(body).sort(), ['access_token', 'expires_at', 'expires_in', 'refresh_token', 'scope', 'token_type', 'user'], 'no organization_id for a user-level token')
  t.match(body.access_token, /^[0-9a-f]{64}$/)
  t.match(body.refresh_token, /^[0-9a-f]{64}$/)
  t.equal(body.expires_in, 2592000)
  t.equal(body.expires_at, '2026-01-31T10:00:00.123000Z', 'ISO with microseconds and Z')
  t.equal(body.token_type, 'Bearer')
  t.equal(body.scope, 'org:read event:read')
  t.same(body.user, { id: '1', name: 'Jane Doe', email: 'jane@example.com' })

  now += 1500
  const reuse = await tokenRequest(em, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...clientFields() })
  t.same([reuse.status, reuse.body], [400, { error: 'invalid_grant' }], 'a code works once')
  t.equal(em.control.counters().tokenExchanges, 1)

  const orgs = await api(em, '/api/0/organizations/', body.access_token as string)
  t.equal(orgs.status, 200)
})

t.test('codes die on a redirect_uri mismatch, when omitted, and after 10 minutes', async (t) => {
  let now = Date.now()
  const em = await startTestEmulator(t, { now: () => now })
  const exchange = async (code: string, extra: Record<string, string>): Promise<unknown> =>
    (await tokenRequest(em, { grant_type: 'authorization_code', code, ...clientFields(), ...extra })).body

  let code = await codeFor(em)
  t.same(await exchange(code, { redirect_uri: 'http://127.0.0.1:4001/callback' }), { error: 'invalid_grant' }, 'another redirect_uri')
  t.same(await exchange(code, { redirect_uri: REDIRECT }), { error: 'invalid_grant' }, 'the grant was deleted by the failure')

  code = await codeFor(em)
  t.same(await exchange(code, {}), { error: 'invalid_grant' }, 'redirect_uri must be sent')

  code = await codeFor(em)
  now += 10 * 60 * 1000
  t.same(await exchange(code, { redirect_uri: REDIRECT }), { error: 'invalid_grant' }, 'expired after 10 minutes')

  code = await codeFor(em)
  now += 10 * 60 * 1000 - 1
  t.equal((await tokenRequest(em, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...clientFields() })).status, 200, 'still valid 1 ms before')

  const other = { clientId: 'other-app', clientSecret: 'other-secret', name: 'Other', redirectUris: [REDIRECT] }
  em.control.registerClient(other)
  code = await codeFor(em)
  const foreign = await tokenRequest(em, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: other.clientId, client_secret: other.clientSecret })
  t.same(foreign.body, { error: 'invalid_grant' }, 'a code of another app')
})

t.test('PKCE S256 is checked at the exchange', async (t) => {
  const em = await startTestEmulator(t)
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  const pkce = { code_challenge: challenge, code_challenge_method: 'S256' }
  const exchange = async (extra: Record<string, string>): Promise<{ status: number, body: unknown }> =>
    await tokenRequest(em, { grant_type: 'authorization_code', code: await codeFor(em, pkce), redirect_uri: REDIRECT, ...clientFields(), ...extra })

  t.same((await exchange({})).body, { error: 'invalid_grant' }, 'verifier missing')
  t.same((await exchange({ code_verifier: 'x'.repeat(43) })).body, { error: 'invalid_grant' }, 'wrong verifier')
  t.same((await exchange({ code_verifier: 'short' })).body, { error: 'invalid_grant' }, 'malformed verifier')
  t.equal((await exchange({ code_verifier: verifier })).status, 200, 'right verifier')
  const plain = await tokenRequest(em, { grant_type: 'authorization_code', code: await codeFor(em), redirect_uri: REDIRECT, ...clientFields(), code_verifier: verifier })
  t.equal(plain.status, 200, 'a grant without a challenge ignores a verifier')
})

t.test('refresh rotates both tokens in place; old ones die at once; expired tokens still refresh', async (t) => {
  let now = Date.now()
  const em = await startTestEmulator(t, { now: () => now })
  const first = (await tokenRequest(em, { grant_type: 'authorization_code', code: await codeFor(em), redirect_uri: REDIRECT, ...clientFields() })).body as Record<string, string>

  now += 30 * 24 * 3600 * 1000
  const expired = await api(em, '/api/0/organizations/', first.access_token)
  t.same([expired.status, expired.body], [401, { detail: 'Token expired' }])
  t.equal(expired.headers.get('www-authenticate'), 'xBasic realm="api"')

  now += 5000
  const r = await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '', ...clientFields() })
  t.equal(r.status, 200, 'refresh works after the access token expired')
  const second = r.body as Record<string, unknown>
  t.not(second.access_token, first.access_token)
  t.not(second.refresh_token, first.refresh_token)
  t.equal(second.expires_in, 2592000, 'a fresh 30 days')
  t.equal(second.scope, first.scope, 'scopes carry over')

  t.same((await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '', ...clientFields() })).body, { error: 'invalid_grant' }, 'old refresh token → invalid_grant')
  t.same((await api(em, '/api/0/organizations/', first.access_token)).body, { detail: 'Invalid token' }, 'old access token → Invalid token')
  t.equal((await api(em, '/api/0/organizations/', second.access_token as string)).status, 200, 'new access token works')

  em.control.registerClient({ clientId: 'other-app', clientSecret: 'other-secret', name: 'Other', redirectUris: [REDIRECT] })
  const foreign = await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: second.refresh_token as string, client_id: 'other-app', client_secret: 'other-secret' })
  t.same(foreign.body, { error: 'invalid_grant' }, 'another app’s refresh token')

  em.control.expireTokens()
  t.same((await api(em, '/api/0/organizations/', second.access_token as string)).body, { detail: 'Token expired' }, 'control: expire')
  t.equal((await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: second.refresh_token as string, ...clientFields() })).status, 200, 'refresh still works')
  const c = em.control.counters()
  t.same([c.tokenExchanges, c.refreshes, c.refreshFailures], [1, 2, 2])
})
