import t from 'tap'
import { buildTestApp, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../helpers/app.js'
import { GATEWAY_CLIENT, startTestEmulator } from '../helpers/emulator.js'
import { BrowserLike, parseForm, parseSetCookie } from '../helpers/browser-like.js'
import { countRows, runConnect } from '../helpers/connect-flow.js'
import { startSentryProxy } from '../helpers/sentry-proxy.js'

const REDIRECT_URIS = ['http://127.0.0.1/oauth/sentry/callback', 'http://localhost/oauth/sentry/callback']

t.test('connects end to end over real HTTP: PKCE, state, credentials in the body, returnTo kept', async t => {
  // A recording proxy in front of the emulator shows exactly what the gateway sent to /oauth/token/.
  const emulator = await startTestEmulator(t, { clients: [{ ...GATEWAY_CLIENT, redirectUris: REDIRECT_URIS }] })
  const proxy = await startSentryProxy(emulator.url)
  t.teardown(() => proxy.close())
  const { url, config, app } = await buildTestApp(t, { listen: true, sharedEmulator: emulator, env: { SENTRY_URL: proxy.url } })
  const b = new BrowserLike()

  const home = await b.fetch(`${url}/`)
  t.equal(home.status, 200)
  t.match(home.headers['content-type'], /text\/html/)
  t.match(home.body, /Connect to Sentry/)
  t.match(home.body, /No connections yet/)
  t.match(home.body, /href="\/graphiql"/)
  for (const scope of config.sentryScopes) t.match(home.body, scope, `the page explains ${scope}`)
  t.match(home.body, /read issues and events/)
  const session = b.cookie('gateway_session')
  t.ok(session, 'the first visit sets the session cookie (platform user created)')
  t.match(session?.raw, /HttpOnly/i)
  t.match(session?.raw, /SameSite=Lax/i)
  t.notMatch(session?.raw, /Secure/i, 'no Secure flag over plain http outside production')

  const run = await runConnect(b, url, { query: '?returnTo=%2Fgraphiql%3Ftab%3D1', skipHome: true })
  const authorize = new URL(run.start.location as string)
  t.equal(authorize.origin + authorize.pathname, `${proxy.url}/oauth/authorize/`)
  const q = authorize.searchParams
  t.equal(q.get('response_type'), 'code')
  t.equal(q.get('client_id'), TEST_CLIENT_ID)
  t.equal(q.get('redirect_uri'), `${url}/oauth/sentry/callback`)
  t.equal(q.get('scope'), config.sentryScopes.join(' '))
  t.equal(q.get('code_challenge_method'), 'S256')
  t.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/)
  t.match(q.get('state'), /^[A-Za-z0-9_-]{43}$/)
  t.notOk(q.get('client_secret'), 'the secret never goes to the browser')
  for (const line of run.start.setCookies) {
    t.match(line, /HttpOnly/i, `${line.split('=')[0] ?? ''} is httpOnly`)
    t.match(line, /SameSite=Lax/i)
  }
  const verifierLine = run.start.setCookies.find(c => c.startsWith('sentry-oauth-verifier='))
  const verifier = verifierLine === undefined ? undefined : parseSetCookie(verifierLine, new URL(url))
  t.ok(verifier, 'the PKCE verifier cookie is set')
  t.equal(verifier?.path, '/oauth/sentry', 'and only sent to the callback')
  t.notOk(run.start.location?.includes(verifier?.value ?? 'none'), 'the verifier itself never leaves the gateway')
  t.ok(run.consent, 'the consent page was shown')
  t.match(run.consent?.body, /Test Gateway/)

  t.equal(run.callback.status, 303, 'the callback redirects')
  t.equal(run.callback.location, `${url}/graphiql?tab=1`, 'to the returnTo path, kept across the round trip')
  t.equal(run.callback.headers['cache-control'], 'no-store')
  t.equal(b.cookie('sentry-oauth-verifier'), undefined, 'the verifier cookie is cleared after use')

  t.equal(proxy.tokenRequests.length, 1)
  const sent = proxy.tokenRequests[0]
  t.equal(sent?.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(sent?.headers.authorization, undefined, 'no Basic header: credentials go in the body only (docs/sentry.md §2)')
  t.match(sent?.form, {
    grant_type: 'authorization_code',
    client_id: TEST_CLIENT_ID,
    client_secret: TEST_CLIENT_SECRET,
    redirect_uri: `${url}/oauth/sentry/callback`,
    code: new URL(run.callbackUrl).searchParams.get('code'),
    code_verifier: verifier?.value
  })

  const rows = countRows(config)
  t.equal(rows.connections, 1)
  t.equal(rows.tokens, 1)
  t.ok(rows.organizations >= 2, 'acme and globex are stored with the connection')

  const listed = await b.fetch(`${url}/`)
  t.match(listed.body, /Jane Doe/)
  t.match(listed.body, /<code>acme<\/code>/)
  t.match(listed.body, /<code>globex<\/code>/)
  t.match(listed.body, /status-ACTIVE/)
  t.match(listed.body, /Access token expires/)
  t.match(listed.body, /refreshed automatically/)
  t.match(listed.body, /name="csrf"/)
  t.notMatch(listed.body, /Reconnect/, 'no Reconnect for an active connection')
  const id = /data-connection-id="([^"]+)"/.exec(listed.body)?.[1] ?? ''
  const [conn] = await app.store.listConnections((await app.store.getConnection(id))?.userId ?? '')
  t.equal(conn?.status, 'ACTIVE')
  t.same(conn?.scopes.slice().sort(), config.sentryScopes.slice().sort())
  t.ok(conn?.expiresAt instanceof Date && conn.expiresAt.getTime() > Date.now() + 29 * 86400_000, 'expiry from the token response (30 days)')
  t.match(conn?.organizations.find(o => o.slug === 'acme'), { name: String, regionUrl: /^http/ })
  t.equal(conn?.scopingOrgId, null, 'a user-level token')
})

t.test('the landing page lists, reconnects and disconnects; a second connect updates the same connection', async t => {
  const { url, config, app, emulator } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  const first = await runConnect(b, url)
  t.equal(first.callback.status, 303)
  t.equal(first.callback.location, `${url}/?connected=1`)
  const landed = await b.fetch(first.callback.location as string)
  t.match(landed.body, /Connected to Sentry\./)

  // Sentry skips the consent page when an earlier approval covers the scopes; same Sentry user → same row.
  const second = await runConnect(b, url)
  t.equal(second.consent, null, 'consent skipped on the second round')
  t.equal(second.callback.status, 303)
  t.equal(countRows(config).connections, 1, 'reconnecting the same Sentry user updates the existing connection')

  // The user revokes the gateway in Sentry; the gateway notices on its next call and marks the connection.
  emulator.control.revokeTokens(TEST_CLIENT_ID)
  const page = await b.fetch(`${url}/`)
  const id = /data-connection-id="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const stored = await app.store.getConnection(id)
  const tokens = await app.store.getTokens(id)
  t.ok(stored !== null && tokens !== null)
  await app.store.markRevoked(id, 'Sentry answered 401 Invalid token', tokens?.version ?? 0)
  const revoked = await b.fetch(`${url}/`)
  t.match(revoked.body, /status-REVOKED/)
  t.match(revoked.body, /Sentry answered 401 Invalid token/)
  t.match(revoked.body, />Reconnect</, 'a revoked connection offers Reconnect')
  t.match(revoked.body, /no token stored/)

  // Reconnect: a fresh approval (the emulator dropped the authorization) brings the row back to ACTIVE.
  const again = await runConnect(b, url)
  t.ok(again.consent, 'consent asked again after the revocation')
  t.equal(again.callback.status, 303)
  const after = await app.store.getConnection(id)
  t.equal(after?.status, 'ACTIVE', 'the same connection is active again')
  t.equal(countRows(config).connections, 1)

  // Disconnect through the page's own form (CSRF token + same-origin headers, like a browser sends).
  const home = await b.fetch(`${url}/`)
  const form = parseForm(home, '/disconnect')
  t.equal(form.action, `${url}/connections/${encodeURIComponent(id)}/disconnect`)
  const disconnected = await b.fetch(form.action, { form: form.fields, headers: { origin: url, 'sec-fetch-site': 'same-origin' } })
  t.equal(disconnected.status, 303)
  t.equal(disconnected.location, `${url}/?disconnected=1`)
  t.same(countRows(config), { connections: 0, tokens: 0, organizations: 0 }, 'tokens and organizations deleted')
  const notice = await b.fetch(disconnected.location as string)
  t.match(notice.body, /deleted its tokens/)
  t.match(notice.body, /Authorized Applications/)
  t.match(notice.body, new RegExp(`href="${config.sentryUrl}/settings/account/authorizations/"`))
  t.match(notice.body, /No connections yet/)

  const twice = await b.fetch(form.action, { form: form.fields, headers: { origin: url } })
  t.equal(twice.status, 404, 'disconnecting twice finds nothing')
})

t.test('disconnect refuses cross-site requests and a missing or wrong CSRF token', async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  await runConnect(b, url)
  const home = await b.fetch(`${url}/`)
  const form = parseForm(home, '/disconnect')
  const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
    ['no token', {}, {}],
    ['wrong token', { csrf: 'x'.repeat(43) }, {}],
    ['short token', { csrf: 'abc' }, {}],
    ['foreign Origin', form.fields, { origin: 'https://evil.example' }],
    ['opaque Origin', form.fields, { origin: 'null' }],
    ['cross-site fetch', form.fields, { 'sec-fetch-site': 'cross-site' }],
    ['same-site fetch', form.fields, { 'sec-fetch-site': 'same-site' }]
  ]
  for (const [name, fields, headers] of cases) {
    const res = await b.fetch(form.action, { form: fields, headers })
    t.equal(res.status, 403, name)
    t.match(res.body, /Disconnect refused/)
  }
  const other = new BrowserLike()
  await other.fetch(`${url}/`)
  const stolen = await other.fetch(form.action, { form: form.fields })
  t.equal(stolen.status, 403, 'another browser cannot reuse the token (it is bound to the session)')
  const empty = await b.fetch(form.action, { method: 'POST', headers: { origin: url } })
  t.equal(empty.status, 403, 'a POST without a body is refused')
  t.equal(countRows(config).connections, 1, 'nothing was deleted')
})
