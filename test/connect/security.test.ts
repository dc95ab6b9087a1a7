import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { BrowserLike, decodeEntities } from '../helpers/browser-like.js'
import { countRows, runConnect } from '../helpers/connect-flow.js'
import { stateHash } from '../../src/connect/flow.js'

const cookieLines = (h: string | string[] | undefined): string[] => h === undefined ? [] : Array.isArray(h) ? h : [h]

t.test('security headers: CSP for our pages and GraphiQL, popup-friendly COOP, no HSTS over http', async t => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  const csp = String(res.headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self';/)
  t.notMatch(csp, /unsafe-eval/)
  t.match(csp, /script-src-attr 'none'/)
  t.match(csp, /style-src 'self' 'unsafe-inline'/)
  t.match(csp, /form-action 'self'/)
  t.match(csp, /object-src 'none'/)
  t.notMatch(csp, /upgrade-insecure-requests/, 'not over plain http')
  t.notMatch(res.body, /<script>/, 'no inline script on our pages')
  t.notMatch(res.body, /\son[a-z]+=/i, 'no inline event handlers')
  t.equal(res.headers['cross-origin-opener-policy'], 'same-origin-allow-popups')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
  t.equal(res.headers['referrer-policy'], 'same-origin', 'no referrer (with the callback code) leaves for another origin')
  t.equal(res.headers['strict-transport-security'], undefined)
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['access-control-allow-origin'], undefined, 'no CORS without ALLOWED_ORIGINS')

  const cookie = cookieLines(res.headers['set-cookie']).find(c => c.startsWith('gateway_session='))
  const start = await app.inject({ method: 'GET', url: '/connect/sentry', headers: { cookie: cookie?.split(';')[0] ?? '' } })
  t.equal(start.statusCode, 302)
  t.equal(start.headers['cross-origin-opener-policy'], 'unsafe-none', 'the popup keeps its opener across Sentry')
  t.ok(start.headers['content-security-policy'], 'the connect route still has a CSP')
  const notFound = await app.inject({ method: 'GET', url: '/nope' })
  t.ok(notFound.headers['content-security-policy'], '404s carry the headers too')
})

t.test('over https: Secure cookies, __Host- OAuth cookies, HSTS and upgrade-insecure-requests', async t => {
  const { app, config } = await buildTestApp(t, { env: { PUBLIC_URL: 'https://gw.example.com' } })
  t.equal(config.publicUrl, 'https://gw.example.com')
  const home = await app.inject({ method: 'GET', url: '/' })
  t.match(String(home.headers['content-security-policy']), /upgrade-insecure-requests/)
  t.match(String(home.headers['strict-transport-security']), /max-age=15552000/)
  // Over https the session cookie is __Host- prefixed (issue 10 defect 6): Secure, Path=/, no Domain.
  const session = cookieLines(home.headers['set-cookie']).find(c => c.startsWith('__Host-gateway_session=')) ?? ''
  t.match(session, /; Secure/i)
  t.match(session, /HttpOnly/i)
  t.match(session, /SameSite=Lax/i)
  t.match(session, /Path=\/(;|$)/)
  t.notMatch(session, /Domain=/i)
  const start = await app.inject({ method: 'GET', url: '/connect/sentry', headers: { cookie: session.split(';')[0] ?? '' } })
  t.equal(start.statusCode, 302)
  t.equal(new URL(String(start.headers.location)).searchParams.get('redirect_uri'), 'https://gw.example.com/oauth/sentry/callback')
  const lines = cookieLines(start.headers['set-cookie'])
  const verifier = lines.find(c => c.startsWith('__Host-oauth2-code-verifier=')) ?? ''
  const state = lines.find(c => c.startsWith('__Host-oauth2-redirect-state=')) ?? ''
  for (const line of [verifier, state]) {
    t.match(line, /; Secure/i)
    t.match(line, /HttpOnly/i)
    t.match(line, /SameSite=Lax/i)
    t.match(line, /Path=\/(;|$)/)
  }
  // Any ending of the callback clears the __Host- cookies.
  const cookies = [session, verifier].map(c => c.split(';')[0]).join('; ')
  const cb = await app.inject({ method: 'GET', url: '/oauth/sentry/callback?code=x&state=forged', headers: { cookie: cookies } })
  t.equal(cb.statusCode, 400)
  const cleared = cookieLines(cb.headers['set-cookie']).filter(c => c.startsWith('__Host-'))
  t.equal(cleared.length, 2)
  for (const c of cleared) t.match(c, /Expires=Thu, 01 Jan 1970/)
})

t.test('in production over http the cookies are still Secure', async t => {
  const { app } = await buildTestApp(t, { env: { NODE_ENV: 'production' } })
  const home = await app.inject({ method: 'GET', url: '/' })
  const session = cookieLines(home.headers['set-cookie']).find(c => c.startsWith('gateway_session=')) ?? ''
  t.match(session, /; Secure/i)
  const start = await app.inject({ method: 'GET', url: '/connect/sentry', headers: { cookie: session.split(';')[0] ?? '' } })
  for (const c of cookieLines(start.headers['set-cookie'])) t.match(c, /; Secure/i, c.split('=')[0] ?? '')
})

t.test('CORS is open only to ALLOWED_ORIGINS, with credentials', async t => {
  const { app } = await buildTestApp(t, { env: { ALLOWED_ORIGINS: 'https://app.example.com' } })
  const pre = await app.inject({
    method: 'OPTIONS',
    url: '/healthz',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }
  })
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com')
  t.equal(pre.headers['access-control-allow-credentials'], 'true')
  t.match(String(pre.headers['access-control-allow-methods']), /POST/)
  const get = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://app.example.com' } })
  t.equal(get.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(String(get.headers.vary), /Origin/)
  const evil = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example.com' } })
  t.equal(evil.headers['access-control-allow-origin'], undefined)
  const evilPre = await app.inject({ method: 'OPTIONS', url: '/healthz', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } })
  t.equal(evilPre.headers['access-control-allow-origin'], undefined)
  const none = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(none.headers['access-control-allow-origin'], undefined)
})

t.test('popup mode: the callback page posts the result to our origin only, then closes', async t => {
  const { url, config } = await buildTestApp(t, { listen: true, env: { ALLOWED_ORIGINS: 'https://app.example.com' } })
  const b = new BrowserLike()
  const ok = await runConnect(b, url, { query: '?mode=popup' })
  t.equal(ok.callback.status, 200)
  t.equal(ok.callback.headers['cross-origin-opener-policy'], 'unsafe-none')
  t.match(ok.callback.body, /<script src="\/assets\/popup-result\.js" defer><\/script>/)
  const el = /<div id="popup-result" data-message="([^"]*)" data-target-origin="([^"]*)">/.exec(ok.callback.body)
  t.ok(el, 'the result element is there')
  const message = JSON.parse(decodeEntities(el?.[1] ?? '{}')) as Record<string, unknown>
  t.match(message, { type: 'sentry-connected', connectionId: String, organizations: ['acme', 'globex'] })
  t.equal(el?.[2], url, 'addressed to our own origin')
  t.equal(countRows(config).connections, 1)

  const own = await new BrowserLike().fetch(`${url}/connect/sentry?mode=popup&origin=${encodeURIComponent(url)}`)
  t.equal(own.status, 302, 'our own origin is always allowed')
})

t.test('popup mode: a failure is posted too, to an allowed origin passed as ?origin=', async t => {
  // A fresh emulator: the first one would skip its consent page (an earlier approval covers the scopes).
  const { url } = await buildTestApp(t, { listen: true, env: { ALLOWED_ORIGINS: 'https://app.example.com' } })
  const other = new BrowserLike()
  const denied = await runConnect(other, url, { query: `?mode=popup&origin=${encodeURIComponent('https://app.example.com')}&returnTo=%2Fsetup%2Fsentry`, op: 'deny' })
  t.equal(denied.callback.status, 403)
  const el2 = /<div id="popup-result" data-message="([^"]*)" data-target-origin="([^"]*)">/.exec(denied.callback.body)
  t.match(JSON.parse(decodeEntities(el2?.[1] ?? '{}')), { type: 'sentry-connect-failed', error: 'access_denied', message: /declined/ })
  t.equal(el2?.[2], 'https://app.example.com', 'an allowed origin passed as ?origin=')
  t.match(denied.callback.body, /href="\/setup\/sentry"/, 'the fallback link keeps returnTo')
})

t.test('served assets, the setup page, and a callback without any session', async t => {
  const { app, config } = await buildTestApp(t, { env: { PRIVACY_POLICY_URL: 'https://gw.example.com/privacy', ALLOWED_ORIGINS: 'https://app.example.com' } })
  const js = await app.inject({ method: 'GET', url: '/assets/connect.js' })
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /text\/javascript/)
  t.match(js.body, /window\.open/)
  t.match(js.body, /msg\.origin !== window\.location\.origin/)
  const popup = await app.inject({ method: 'GET', url: '/assets/popup-result.js' })
  t.match(popup.body, /opener\.postMessage\(message, targetOrigin\)/)
  t.notMatch(popup.body, /'\*'/, 'never posts to any origin')
  const css = await app.inject({ method: 'GET', url: '/assets/app.css' })
  t.match(css.headers['content-type'], /text\/css/)

  const setup = await app.inject({ method: 'GET', url: '/setup/sentry' })
  t.equal(setup.statusCode, 200)
  t.match(setup.body, `${config.publicUrl}/oauth/sentry/callback`)
  t.match(setup.body, /https:\/\/gw\.example\.com\/privacy/)
  t.match(setup.body, /set TERMS_URL/)
  t.match(setup.body, /An OAuth application is configured/)
  t.match(setup.body, /npm run registration/)
  t.match(setup.body, /<code>http:\/\/localhost:\d+<\/code><br><code>https:\/\/app\.example\.com<\/code>/, 'every allowed origin listed')

  // Anything else calling the plugin's generateAuthorizationUri gets a plain flow back to "/".
  const fakeRequest = { sentryConnectIntent: null, query: {} }
  const fakeReply = { setCookie: () => fakeReply }
  const uri = await app.sentryOAuth2.generateAuthorizationUri(fakeRequest as never, fakeReply as never)
  t.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\/\?/)
  // The flow is kept server-side under the hash of its state.
  const flow = await app.store.takeConnectFlow(stateHash(new URL(uri).searchParams.get('state') ?? ''))
  t.match(flow, { returnTo: '/', mode: 'redirect', messageOrigin: new URL(config.publicUrl).origin, userId: null, via: 'cookie' })

  const cb = await app.inject({ method: 'GET', url: '/oauth/sentry/callback?code=abc&state=def' })
  t.equal(cb.statusCode, 400)
  t.match(cb.body, /No connection was in progress/)
  t.notMatch(cb.body, /abc/, 'the code is not echoed')
})

t.test('without an OAuth client the pages explain what to set up', async t => {
  const { app } = await buildTestApp(t, { env: { SENTRY_CLIENT_ID: '', SENTRY_CLIENT_SECRET: '' } })
  const home = await app.inject({ method: 'GET', url: '/' })
  t.equal(home.statusCode, 200)
  t.match(home.body, /No Sentry OAuth application is configured/)
  t.notMatch(home.body, /data-popup-href/)
  t.match(home.body, /\/settings\/account\/authorizations\/"/, 'the link goes to Sentry’s Authorized Applications path, which the emulator serves too')
  const start = await app.inject({ method: 'GET', url: '/connect/sentry' })
  t.equal(start.statusCode, 503)
  t.match(start.body, /Sentry is not configured/)
  const setup = await app.inject({ method: 'GET', url: '/setup/sentry' })
  t.match(setup.body, /No OAuth application is configured yet/)
})
