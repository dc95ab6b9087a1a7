import t from 'tap'
import { join } from 'node:path'
import { safeReturnTo } from '../../src/connect/return-to.js'
import { describeTokenFailure, oauthErrorOf, readTokenResponse } from '../../src/sentry/token-endpoint.js'
import { escapeHtml, html, SafeHtml } from '../../src/pages/html.js'
import { describeScope } from '../../src/pages/scopes.js'
import { registrationText, registrationValues } from '../../src/pages/registration.js'
import { renderHome } from '../../src/pages/home.js'
import { runRegistration } from '../../src/cli/registration.js'
import { loadConfig } from '../../src/config.js'
import { testEnv } from '../helpers/env.js'
import type { ConnectionRecord } from '../../src/db/store.js'

const ORIGIN = 'http://127.0.0.1:3000'

t.test('safeReturnTo accepts only same-origin relative paths', async t => {
  t.equal(safeReturnTo(undefined, ORIGIN), '/')
  t.equal(safeReturnTo('/', ORIGIN), '/')
  t.equal(safeReturnTo('/graphiql?x=1#y', ORIGIN), '/graphiql?x=1#y')
  t.equal(safeReturnTo('/a/../b', ORIGIN), null, 'dot-segments are refused, not normalised (issue 10, defect 1)')
  for (const bad of ['//evil.com', '/\\evil.com', '\\\\evil.com', 'https://evil.com', 'http:/evil.com', 'javascript:alert(1)',
    'evil.com', '', ' /x', '/x\r\nSet-Cookie: a=b', '/x\u0000', '/x\\y', '/connect/sentry', '/oauth/sentry/callback', `/${'a'.repeat(2048)}`]) {
    t.equal(safeReturnTo(bad, ORIGIN), null, JSON.stringify(bad.slice(0, 30)))
  }
  t.equal(safeReturnTo(['/a', '/b'], ORIGIN), null, 'arrays are refused')
  t.equal(safeReturnTo(42, ORIGIN), null)
})

t.test('describeTokenFailure maps every failure to words without echoing secrets', async t => {
  // Sentry's answer (status + `{"error": …}`), or how the exchange failed (src/sentry/token-endpoint.ts).
  const responseError = (status: number, payload: unknown) => describeTokenFailure({ upstreamStatus: status, oauthError: oauthErrorOf(payload) })
  t.match(responseError(400, { error: 'invalid_grant' }), { status: 400, code: 'invalid_grant', upstreamStatus: 400, oauthError: 'invalid_grant' })
  t.match(responseError(401, { error: 'invalid_client' }), { status: 424, code: 'invalid_client' })
  t.match(responseError(401, null), { status: 424, code: 'invalid_client', oauthError: null })
  t.match(responseError(400, { error: 'Bad <b>' }), { status: 400, code: 'token_request_refused', oauthError: null }, 'odd error strings are dropped')
  t.match(responseError(400, Buffer.from('x')), { status: 400, code: 'token_request_refused' })
  t.match(responseError(503, { detail: 'x' }), { status: 424, code: 'sentry_error', upstreamStatus: 503 })
  t.match(responseError(500, undefined), { status: 424, code: 'sentry_error', upstreamStatus: 500 }, 'a non-JSON error answer')
  t.match(describeTokenFailure({ transport: 'timeout' }), { status: 424, code: 'sentry_timeout' })
  t.match(describeTokenFailure({ transport: 'unreachable' }), { status: 424, code: 'sentry_unreachable' })
  t.match(describeTokenFailure({ transport: 'bad_response' }), { status: 424, code: 'bad_token_response', upstreamStatus: null })
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

t.test('html escapes every interpolated value', async t => {
  t.equal(escapeHtml('<a href="x" onclick=\'y\'>&`</a>'), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;')
  const inner = html`<b>${'<i>'}</b>`
  t.equal(html`<p>${inner}${['<', html`<br>`]}${null}${undefined}${false}${0}${true}</p>`.value, '<p><b>&lt;i&gt;</b>&lt;<br>0true</p>')
  t.equal(String(new SafeHtml('<x>')), '<x>')
  t.equal(describeScope('org:read'), 'see your organizations, their settings and their projects')
  t.equal(describeScope('made:up'), 'use the “made:up” permission')
})

t.test('registration values follow the configuration', async t => {
  const dir = t.testdir()
  const cfg = (extra: Record<string, string>): ReturnType<typeof loadConfig> => loadConfig(testEnv(dir, extra), { cwd: dir })
  const local = registrationValues(cfg({ PUBLIC_URL: 'http://localhost:3000' }))
  t.same(local.redirectUris, ['http://localhost:3000/oauth/sentry/callback'])
  t.equal(local.homepageUrl, 'http://localhost:3000')
  t.equal(local.registerAt, 'https://sentry.io/settings/account/api/applications/')
  t.match(local.notes.join(' '), /loopback/)
  t.equal(local.privacyPolicyUrl, null)

  const plain = registrationValues(cfg({ PUBLIC_URL: 'http://gw.internal' }))
  t.match(plain.notes.join(' '), /plain http/)

  const prod = registrationValues(cfg({
    PUBLIC_URL: 'https://gw.example.com',
    SENTRY_URL: 'https://sentry.acme.internal',
    ALLOWED_ORIGINS: 'https://app.example.com,https://gw.example.com',
    PRIVACY_POLICY_URL: 'https://gw.example.com/privacy',
    TERMS_URL: 'https://gw.example.com/terms',
    SENTRY_SCOPES: 'org:read event:read'
  }))
  t.same(prod.allowedOrigins, ['https://gw.example.com', 'https://app.example.com'], 'deduplicated, ours first')
  t.equal(prod.registerAt, 'https://sentry.acme.internal/settings/account/api/applications/')
  t.notMatch(prod.notes.join(' '), /loopback|plain http/)
  t.same(prod.scopes.map(s => s.scope), ['org:read', 'event:read'])
  const text = registrationText(prod)
  t.match(text, /Homepage URL: +https:\/\/gw\.example\.com\n/)
  t.match(text, /Authorized Redirect URIs: +https:\/\/gw\.example\.com\/oauth\/sentry\/callback/)
  t.match(text, /Privacy Policy URL: +https:\/\/gw\.example\.com\/privacy/)
  t.match(text, /Terms and Conditions URL: +https:\/\/gw\.example\.com\/terms/)
  t.match(text, /Authorized JavaScript Origins: +https:\/\/gw\.example\.com\n +https:\/\/app\.example\.com/)
  t.match(text, /SENTRY_SCOPES="org:read event:read"/)
  t.match(text, /SENTRY_URL=https:\/\/sentry\.acme\.internal/)
})

t.test('npm run registration prints the values, needs no secrets and writes nothing', async t => {
  const dir = t.testdir()
  let out = ''
  let err = ''
  const env = { PUBLIC_URL: 'https://gw.example.com', DATABASE_URL: join(dir, 'data', 'gw.db'), SESSION_SECRET: ' ' }
  t.equal(runRegistration(env, [], s => { out += s }, s => { err += s }), 0)
  t.match(out, /Authorized Redirect URIs: +https:\/\/gw\.example\.com\/oauth\/sentry\/callback/)
  t.equal(err, '')
  const fs = await import('node:fs')
  t.notOk(fs.existsSync(join(dir, 'data')), 'no dev secrets were generated (an empty SESSION_SECRET counts as unset)')

  out = ''
  t.equal(runRegistration({ ...env, NODE_ENV: 'production' }, ['--json'], s => { out += s }, s => { err += s }), 0, 'works in production before credentials exist')
  t.match(JSON.parse(out), { homepageUrl: 'https://gw.example.com', redirectUris: ['https://gw.example.com/oauth/sentry/callback'] })

  t.equal(runRegistration({ PUBLIC_URL: 'ftp://x' }, [], s => { out += s }, s => { err += s }), 1)
  t.match(err, /invalid configuration: PUBLIC_URL/)
})

t.test('the landing page renders every connection state', async t => {
  const now = new Date('2030-01-01T00:00:00Z')
  const base: ConnectionRecord = {
    id: 'c1',
    userId: 'u1',
    sentryUser: { id: '1', name: 'Jane <Doe>', email: 'jane@example.com' },
    scopes: ['org:read'],
    status: 'ACTIVE',
    statusReason: null,
    statusChangedAt: now,
    expiresAt: new Date(now.getTime() + 86_400_000 * 2),
    scopingOrgId: null,
    createdAt: now,
    updatedAt: now,
    tokensIssuedAt: now,
    organizations: [{ orgId: '1', slug: 'acme', name: 'Acme & Co', regionUrl: 'https://us.sentry.io' }]
  }
  const page = renderHome({
    scopes: ['org:read', 'made:up'],
    csrfToken: 'tok"en',
    authorizedApplicationsUrl: 'https://sentry.io/settings/account/authorizations/',
    oauthConfigured: true,
    notice: null,
    now,
    connections: [
      base,
      { ...base, id: 'c2', expiresAt: new Date(now.getTime() + 86_400_000), scopingOrgId: '1', updatedAt: new Date(now.getTime() + 1000) },
      { ...base, id: 'c3', expiresAt: new Date(now.getTime() + 3 * 3_600_000), sentryUser: { id: '2', name: null, email: null }, organizations: [] },
      { ...base, id: 'c4', expiresAt: new Date(now.getTime() - 1000), sentryUser: { id: '3', name: null, email: 'x@example.com' } },
      { ...base, id: 'c5', expiresAt: null },
      { ...base, id: 'c6', status: 'REVOKED', statusReason: null, expiresAt: null }
    ]
  })
  t.match(page, /Jane &lt;Doe&gt; &lt;jane@example\.com&gt;/, 'names are escaped')
  t.match(page, /Acme &amp; Co/)
  t.match(page, /value="tok&quot;en"/)
  t.match(page, /in 2 days/)
  t.match(page, /in 1 day;/)
  t.match(page, /in 3 h/)
  t.match(page, /expired; the gateway refreshes it/)
  t.match(page, /<dd>never<\/dd>/)
  t.match(page, /token limited to this organization/)
  t.match(page, /last updated/)
  t.match(page, /#2 <span/)
  t.match(page, /none visible to this token/)
  t.match(page, /&lt;x@example\.com&gt;/)
  t.match(page, /use the “made:up” permission/)
  t.equal((page.match(/>Reconnect</g) ?? []).length, 1, 'Reconnect only for the revoked one')
  const unconfigured = renderHome({ scopes: [], csrfToken: 't', authorizedApplicationsUrl: 'x', oauthConfigured: false, notice: null, now, connections: [{ ...base, status: 'REVOKED', statusReason: 'gone' }] })
  t.notMatch(unconfigured, />Reconnect</, 'no Reconnect without an OAuth client')
  t.match(unconfigured, /No Sentry OAuth application is configured/)
})
