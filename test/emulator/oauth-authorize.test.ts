import t from 'tap'
import { api, approve, call, clientFields, EMULATOR_CLIENT, startTestEmulator, tokenRequest, txOf } from '../helpers/emulator.js'

const authorizeUrl = (base: string, params: Record<string, string>): string =>
  `${base}/oauth/authorize/?${new URLSearchParams(params).toString()}`

t.test('client_id and redirect_uri are validated with an HTML 400, never a redirect (docs/sentry.md §1)', async (t) => {
  const em = await startTestEmulator(t, { clients: [{ clientId: 'single', clientSecret: 's', name: 'Single', redirectUris: ['http://localhost:3000/cb'] }] })
  const get = async (params: Record<string, string>): Promise<{ status: number, type: string, text: string }> => {
    const r = await call(authorizeUrl(em.url, params))
    return { status: r.status, type: r.headers.get('content-type') ?? '', text: r.text }
  }
  const base = { response_type: 'code', client_id: EMULATOR_CLIENT.clientId }

  for (const [name, params, param] of [
    ['missing client_id', { response_type: 'code' }, 'client_id'],
    ['unknown client_id', { ...base, client_id: 'nope' }, 'client_id'],
    ['foreign redirect_uri', { ...base, redirect_uri: 'http://evil.example.com/callback' }, 'redirect_uri'],
    ['loopback with another path', { ...base, redirect_uri: 'http://127.0.0.1:4000/other' }, 'redirect_uri'],
    ['dot segments escaping the registered path', { ...base, redirect_uri: 'http://127.0.0.1/callback/../evil' }, 'redirect_uri'],
    ['omitted redirect_uri with two registered', base, 'redirect_uri'],
    ['unsupported response_type', { ...base, response_type: 'id_token', redirect_uri: 'http://127.0.0.1/callback' }, 'response_type']
  ] as const) {
    const r = await get(params)
    t.equal(r.status, 400, name)
    t.match(r.type, /^text\/html/, `${name}: HTML`)
    t.match(r.text, `Missing or invalid <em>${param}</em> parameter.`, `${name}: message`)
  }

  for (const [name, redirectUri] of [
    ['exact match', 'http://127.0.0.1/callback'],
    ['loopback, any port when the registered URI has none (RFC 8252)', 'http://127.0.0.1:53682/callback'],
    ['legacy prefix match', 'https://app.example.com/oauth/callback?keep=1&extra=2']
  ] as const) {
    t.equal((await get({ ...base, redirect_uri: redirectUri })).status, 200, name)
  }
  t.equal((await get({ response_type: 'code', client_id: 'single' })).status, 200, 'omitted redirect_uri with a single registered URI')
  t.equal((await get({ response_type: 'code', client_id: 'single', redirect_uri: 'http://localhost:3001/cb' })).status, 400, 'a registered port must match')
})

t.test('invalid_scope and PKCE errors redirect with state; no state when none was sent', async (t) => {
  const em = await startTestEmulator(t)
  const base = { response_type: 'code', client_id: EMULATOR_CLIENT.clientId, redirect_uri: 'http://127.0.0.1:4000/callback' }
  const location = async (params: Record<string, string>): Promise<URL> => {
    const r = await call(authorizeUrl(em.url, { ...base, ...params }))
    t.equal(r.status, 302)
    return new URL(r.headers.get('location') ?? '')
  }
  let url = await location({ scope: 'org:read event:fly', state: 'xyz' })
  t.equal(url.origin + url.pathname, 'http://127.0.0.1:4000/callback')
  t.same(Object.fromEntries(url.searchParams), { error: 'invalid_scope', state: 'xyz' })
  url = await location({ scope: 'org:superpowers' })
  t.same(Object.fromEntries(url.searchParams), { error: 'invalid_scope' }, 'state omitted when none was sent')

  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
  url = await location({ code_challenge: 'short', code_challenge_method: 'S256', state: 's' })
  t.equal(url.searchParams.get('error'), 'invalid_request', 'challenge of fewer than 43 chars')
  url = await location({ code_challenge: challenge, code_challenge_method: 'plain', state: 's' })
  t.equal(url.searchParams.get('error'), 'invalid_request', 'plain is refused')
  url = await location({ code_challenge: challenge, state: 's' })
  t.equal(url.searchParams.get('error'), 'invalid_request', 'missing method is refused')
  const ok = await call(authorizeUrl(em.url, { ...base, code_challenge: challenge, code_challenge_method: 'S256' }))
  t.equal(ok.status, 200, 'S256 with a valid challenge shows the consent page')
})

t.test('consent page: app name, scopes in words, stable buttons; deny and approve redirects', async (t) => {
  const em = await startTestEmulator(t)
  const page = await call(authorizeUrl(em.url, { response_type: 'code', client_id: EMULATOR_CLIENT.clientId, redirect_uri: 'https://app.example.com/oauth/callback?keep=1', scope: 'org:read event:write', state: 'st-1' }))
  t.equal(page.status, 200)
  t.match(page.text, EMULATOR_CLIENT.name)
  t.match(page.text, 'Resolve, ignore, assign and bookmark issues')
  t.match(page.text, 'Jane Doe')
  t.match(page.text, /<button[^>]*name="op"[^>]*value="approve"/)
  t.match(page.text, /<button[^>]*name="op"[^>]*value="deny"/)
  t.notMatch(page.text, 'selected_organization_id', 'no org picker for a user-level app')

  const post = async (fields: Record<string, string>): Promise<URL> => {
    const r = await call(`${em.url}/oauth/authorize/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() })
    t.equal(r.status, 302)
    return new URL(r.headers.get('location') ?? '')
  }
  const denied = await post({ tx: txOf(page.text), op: 'deny' })
  t.same([...denied.searchParams], [['keep', '1'], ['error', 'access_denied'], ['state', 'st-1']], 'existing query kept')
  const approved = await post({ tx: txOf(page.text), op: 'approve' })
  t.equal(approved.searchParams.get('keep'), '1')
  t.match(approved.searchParams.get('code'), /^[0-9a-f]{64}$/)
  t.equal(approved.searchParams.get('state'), 'st-1')

  const tampered = await call(`${em.url}/oauth/authorize/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `tx=${txOf(page.text).slice(0, -2)}xx&op=approve` })
  t.equal(tampered.status, 400, 'a forged transaction is refused')

  const noState = await approve(em, { redirect_uri: 'http://127.0.0.1/callback', scope: 'org:read', force_prompt: '1' })
  t.notOk(noState.searchParams.has('state'), 'no state when none was sent')
  t.equal(em.control.counters().authorizations, 2)
})

t.test('consent is skipped when an earlier approval covers the scopes, unless force_prompt', async (t) => {
  const em = await startTestEmulator(t)
  const params = { response_type: 'code', client_id: EMULATOR_CLIENT.clientId, redirect_uri: 'http://127.0.0.1/callback', scope: 'org:read' }
  t.equal((await call(authorizeUrl(em.url, params))).status, 200, 'first time: consent page')
  await approve(em, { redirect_uri: 'http://127.0.0.1/callback', scope: 'org:read event:read' })
  const again = await call(authorizeUrl(em.url, { ...params, state: 'x' }))
  t.equal(again.status, 302, 'covered scopes: straight back with a code')
  t.ok(new URL(again.headers.get('location') ?? '').searchParams.has('code'))
  t.equal((await call(authorizeUrl(em.url, { ...params, force_prompt: '1' }))).status, 200, 'force_prompt shows the page')
  t.equal((await call(authorizeUrl(em.url, { ...params, scope: 'org:read member:read' }))).status, 200, 'new scope shows the page')
})

t.test('org-level app: org picker, selected org required, token scoped to it (docs/sentry.md §1)', async (t) => {
  const em = await startTestEmulator(t, { orgLevel: true })
  const params = { response_type: 'code', client_id: EMULATOR_CLIENT.clientId, redirect_uri: 'http://127.0.0.1/callback', scope: 'org:read event:read', state: 's' }
  const page = await call(authorizeUrl(em.url, params))
  t.match(page.text, /<select[^>]*name="selected_organization_id"/)
  t.match(page.text, 'acme')
  t.match(page.text, 'globex')
  t.notMatch(page.text, 'initech', 'only the user’s organizations')

  const post = async (extra: Record<string, string>): Promise<URL> => {
    const r = await call(`${em.url}/oauth/authorize/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ tx: txOf(page.text), op: 'approve', ...extra }).toString() })
    return new URL(r.headers.get('location') ?? '')
  }
  t.equal((await post({})).searchParams.get('error'), 'invalid_request', 'no organization selected')
  t.equal((await post({ selected_organization_id: '97' })).searchParams.get('error'), 'unauthorized_client', 'not the user’s organization')
  const code = (await post({ selected_organization_id: '4507281246208000' })).searchParams.get('code') ?? ''
  const res = await tokenRequest(em, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1/callback', ...clientFields() })
  t.equal(res.status, 200)
  const body = res.body as { access_token: string, organization_id?: string }
  t.equal(body.organization_id, '4507281246208000')

  const orgs = await api(em, '/api/0/organizations/', body.access_token)
  t.same((orgs.body as Array<{ slug: string }>).map((o) => o.slug), ['globex'], '/organizations/ lists only the connected org')
  const other = await api(em, '/api/0/organizations/acme/', body.access_token)
  t.equal(other.status, 401)
  t.same(other.body, { detail: 'Unauthorized organization access.' })
  t.equal((await api(em, '/api/0/organizations/globex/issues/', body.access_token)).status, 200)
  t.equal((await api(em, '/api/0/organizations/4507281246208000/', body.access_token)).status, 200, 'by id too')
})

t.test('implicit flow puts the token in the fragment, without a refresh token', async (t) => {
  const em = await startTestEmulator(t)
  const page = await call(authorizeUrl(em.url, { response_type: 'token', client_id: EMULATOR_CLIENT.clientId, redirect_uri: 'http://127.0.0.1/callback', scope: 'org:read', state: 'i' }))
  const r = await call(`${em.url}/oauth/authorize/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ tx: txOf(page.text), op: 'approve' }).toString() })
  const url = new URL(r.headers.get('location') ?? '')
  t.equal(url.search, '')
  const fragment = new URLSearchParams(url.hash.slice(1))
  t.match(fragment.get('access_token'), /^[0-9a-f]{64}$/)
  t.notOk(fragment.has('refresh_token'))
  t.equal(fragment.get('state'), 'i')
  t.equal((await api(em, '/api/0/organizations/', fragment.get('access_token') ?? '')).status, 200)
})

t.test('authorized applications page lists the app and revokes it (docs/sentry.md §3)', async (t) => {
  const em = await startTestEmulator(t)
  const token = em.control.issueToken({ clientId: EMULATOR_CLIENT.clientId, scopes: ['org:read'] })
  t.match((await call(`${em.url}/settings/account/authorizations/`)).text, EMULATOR_CLIENT.name, 'also served at Sentry’s own path')
  const page = await call(`${em.url}/oauth/authorized-applications/`)
  t.match(page.text, EMULATOR_CLIENT.name)
  t.match(page.text, /<button[^>]*value="revoke"/)
  const r = await call(`${em.url}/oauth/authorized-applications/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${EMULATOR_CLIENT.clientId}` })
  t.equal(r.status, 303)
  t.same((await api(em, '/api/0/organizations/', token.access_token)).body, { detail: 'Invalid token' })
  const refresh = await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: token.refresh_token, ...clientFields() })
  t.same(refresh.body, { error: 'invalid_grant' })
  t.notMatch((await call(`${em.url}/oauth/authorized-applications/`)).text, EMULATOR_CLIENT.name)
})
