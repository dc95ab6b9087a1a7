import t from 'tap'
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import { clearOAuthCookies, HOST_STATE_COOKIE, HOST_VERIFIER_COOKIE, STATE_COOKIE, VERIFIER_COOKIE, stateCookieName, verifierCookieName } from '../../src/connect/cookies.js'
import { buildTestApp } from '../helpers/app.js'

const HTTP = { publicUrl: 'http://localhost:3000', production: false }
const HTTPS = { publicUrl: 'https://gw.example.com', production: true }

t.test('the flow cookies are named as @fastify/oauth2 sets them: ours over http, __Host- over https', async t => {
  t.equal(stateCookieName(HTTP), STATE_COOKIE)
  t.equal(verifierCookieName(HTTP), VERIFIER_COOKIE)
  t.equal(stateCookieName(HTTPS), HOST_STATE_COOKIE)
  t.equal(verifierCookieName(HTTPS), HOST_VERIFIER_COOKIE)
  t.equal(HOST_STATE_COOKIE, '__Host-oauth2-redirect-state', 'the plugin\'s own name')
  t.equal(HOST_VERIFIER_COOKIE, '__Host-oauth2-code-verifier', 'the plugin\'s own name')
})

t.test('clearOAuthCookies expires both cookies where they were set', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(cookie)
  app.get('/http', async (_request, reply) => { clearOAuthCookies(reply, HTTP); return 'ok' })
  app.get('/https', async (_request, reply) => { clearOAuthCookies(reply, HTTPS); return 'ok' })

  const overHttp = (await app.inject('/http')).cookies
  t.same(overHttp.map(c => c.name).sort(), [STATE_COOKIE, VERIFIER_COOKIE].sort())
  for (const c of overHttp) {
    t.equal(c.value, '', `${c.name} emptied`)
    t.equal(c.path, '/oauth/sentry', `${c.name} under the callback's folder`)
    t.notOk(c.secure, `${c.name} not Secure over http outside production`)
    t.ok(c.httpOnly)
  }
  const overHttps = (await app.inject('/https')).cookies
  t.same(overHttps.map(c => c.name).sort(), [HOST_STATE_COOKIE, HOST_VERIFIER_COOKIE].sort())
  for (const c of overHttps) {
    t.equal(c.path, '/', `${c.name}: a __Host- cookie lives at Path=/`)
    t.ok(c.secure, `${c.name} Secure`)
  }
})

const cookieLines = (h: string | string[] | undefined): string[] => h === undefined ? [] : Array.isArray(h) ? h : [h]

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
