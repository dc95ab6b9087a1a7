/**
 * SESSION_COOKIE_SAMESITE (issue 13 §3): the cookie's SameSite, with CSRF protection kept on every
 * state-changing route whatever the value.
 */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer } from '../helpers/graphql.js'
import { BrowserLike } from '../helpers/browser-like.js'
import { runConnect } from '../helpers/connect-flow.js'
import { sessionCookieName } from '../../src/plugins/session.js'

const setCookie = (h: string | string[] | undefined): string[] => h === undefined ? [] : Array.isArray(h) ? h : [h]

t.test('SameSite follows SESSION_COOKIE_SAMESITE; None comes with Secure and the __Host- name', async t => {
  for (const [value, expected] of [['lax', 'Lax'], ['strict', 'Strict']] as const) {
    const { app } = await buildTestApp(t, { env: { SESSION_COOKIE_SAMESITE: value } })
    const home = await app.inject({ method: 'GET', url: '/' })
    const line = setCookie(home.headers['set-cookie']).find(c => c.startsWith('gateway_session=')) ?? ''
    t.match(line, new RegExp(`SameSite=${expected}`), value)
  }
  const { app, config } = await buildTestApp(t, { env: { SESSION_COOKIE_SAMESITE: 'none', PUBLIC_URL: 'https://gw.example.com', ALLOWED_ORIGINS: 'https://app.example.com' } })
  t.equal(sessionCookieName(config), '__Host-gateway_session')
  const home = await app.inject({ method: 'GET', url: '/' })
  const line = setCookie(home.headers['set-cookie']).find(c => c.startsWith('__Host-gateway_session=')) ?? ''
  t.match(line, /SameSite=None/)
  t.match(line, /; Secure/)
})

t.test('SameSite=None keeps CSRF protection on every state-changing route', async t => {
  const gw = await buildTestApp(t, { env: { SESSION_COOKIE_SAMESITE: 'none', PUBLIC_URL: 'https://gw.example.com', ALLOWED_ORIGINS: 'https://app.example.com' } })
  const viewer = await connectViewer(gw)
  const cookie = viewer.cookie.replace(/^gateway_session=/, '__Host-gateway_session=')
  // Disconnect: a cross-site form POST carrying the cookie (as SameSite=None lets it) is refused.
  const disconnect = await gw.app.inject({
    method: 'POST',
    url: `/connections/${viewer.connection.id}/disconnect`,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example.net', 'sec-fetch-site': 'cross-site' },
    payload: 'csrf=guess'
  })
  t.equal(disconnect.statusCode, 403)
  t.equal((await gw.app.store.listConnections(viewer.userId)).length, 1, 'nothing disconnected')
  // GraphQL mutation as a "simple" cross-site request (text/plain, no preflight): refused before execution.
  const mutation = await gw.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { cookie, 'content-type': 'text/plain', origin: 'https://evil.example.net' },
    payload: JSON.stringify({ query: `mutation { disconnect(connectionId: "${viewer.connection.id}") }` })
  })
  t.equal(mutation.statusCode, 400)
  t.equal(JSON.parse(mutation.body).errors[0].extensions.reason, 'CSRF_PREVENTION')
  t.equal((await gw.app.store.listConnections(viewer.userId)).length, 1, 'still connected')
  // A preflight from a site not in ALLOWED_ORIGINS gets no CORS grant.
  const pre = await gw.app.inject({ method: 'OPTIONS', url: '/graphql', headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
  t.equal(pre.headers['access-control-allow-origin'], undefined)
})

t.test('SameSite=Strict: the callback needs no session cookie (the flow is kept server-side)', async t => {
  const { url, app } = await buildTestApp(t, { listen: true, env: { SESSION_COOKIE_SAMESITE: 'strict' } })
  const b = new BrowserLike()
  await runConnect(b, url)
  const me = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', cookie: b.cookieHeader(new URL(url)) }, payload: { query: '{ viewer { id } }' } })
  const [first] = await app.store.listConnections(me.json().data.viewer.id as string)
  t.ok(first, 'connected once')
  const tokens = await app.store.getTokens(first?.id ?? '')
  await app.store.markRevoked(first?.id ?? '', 'test', tokens?.version ?? 0)
  // Reconnect; Sentry's redirect back is a cross-site navigation, which carries no Strict cookie.
  const run = await runConnect(b, url, {
    skipHome: true,
    tamper: () => {
      const i = b.cookies.findIndex(c => c.name === 'gateway_session')
      if (i !== -1) b.cookies.splice(i, 1)
    }
  })
  t.equal(run.callback.status, 303)
  t.equal((await app.store.getConnection(first?.id ?? ''))?.status, 'ACTIVE', 'the user\'s revoked connection is active again')
})
