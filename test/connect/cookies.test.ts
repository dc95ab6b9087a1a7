import t from 'tap'
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import { clearOAuthCookies, HOST_STATE_COOKIE, HOST_VERIFIER_COOKIE, STATE_COOKIE, VERIFIER_COOKIE, stateCookieName, verifierCookieName } from '../../src/connect/cookies.js'

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
