import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { helmetHeaders, helmetOptions } from '../../src/plugins/security.js'
import { testEnv } from '../helpers/env.js'
import { buildTestApp } from '../helpers/app.js'

const configFor = (env: Record<string, string> = {}) => loadConfig(testEnv(t.testdirName, { SENTRY_URL: 'http://127.0.0.1:9', ...env }))

t.test('helmetHeaders records the headers helmet sets, from its options alone', async t => {
  const headers = new Map(helmetHeaders(helmetOptions(configFor())))
  t.match(headers.get('content-security-policy'), /default-src 'self'/)
  t.notMatch(headers.get('content-security-policy'), /upgrade-insecure-requests/)
  t.equal(headers.get('cross-origin-opener-policy'), 'same-origin-allow-popups')
  t.equal(headers.get('referrer-policy'), 'same-origin')
  t.equal(headers.get('x-content-type-options'), 'nosniff')
  t.equal(headers.get('x-frame-options'), 'SAMEORIGIN')
  t.equal(headers.has('strict-transport-security'), false, 'no HSTS over http')
  t.equal(headers.has('x-powered-by'), false)
  for (const name of headers.keys()) t.equal(name, name.toLowerCase())

  const https = new Map(helmetHeaders(helmetOptions(configFor({ PUBLIC_URL: 'https://gw.example.com' }))))
  t.equal(https.get('strict-transport-security'), 'max-age=15552000')
  t.match(https.get('content-security-policy'), /upgrade-insecure-requests/)
})

t.test('helmet runs once per app and once per route with its own options, never per request', async t => {
  let calls = 0
  const real = (await import('helmet')).default
  const counted = Object.assign((...args: Parameters<typeof real>) => { calls++; return real(...args) }, real)
  const { default: securityPlugin } = await t.mockImport<typeof import('../../src/plugins/security.js')>('../../src/plugins/security.js', { helmet: { default: counted } })
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  await app.register(securityPlugin, { config: configFor() })
  app.get('/', async () => 'ok')
  app.get('/popup', { helmet: { crossOriginOpenerPolicy: { policy: 'unsafe-none' } } }, async () => 'ok')
  app.get('/fails', async () => { throw new Error('boom') })
  await app.ready()
  t.equal(calls, 2, `the app and the route with its own options (${calls})`)

  const expected = new Map(helmetHeaders(helmetOptions(configFor())))
  for (let i = 0; i < 3; i++) {
    for (const url of ['/', '/fails', '/missing']) {
      const res = await app.inject({ url })
      for (const [name, value] of expected) t.equal(res.headers[name], value, `${url}: ${name}`)
    }
    const popup = await app.inject({ url: '/popup' })
    t.equal(popup.headers['cross-origin-opener-policy'], 'unsafe-none', 'the route merges its own options')
    t.equal(popup.headers['content-security-policy'], expected.get('content-security-policy'), 'and keeps the rest')
  }
  t.equal(calls, 2, 'no call per request')
})

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
  for (const url of ['/graphql', '/healthz']) {
    const pre = await app.inject({ method: 'OPTIONS', url, headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } })
    t.equal(pre.statusCode, 404, `a preflight to ${url} without ALLOWED_ORIGINS meets a 404`)
    t.equal(pre.headers['access-control-allow-origin'], undefined)
    t.equal(pre.headers['access-control-allow-methods'], undefined)
    t.ok(pre.headers['content-security-policy'], 'and still carries the security headers')
  }

  const cookie = cookieLines(res.headers['set-cookie']).find(c => c.startsWith('gateway_session='))
  const start = await app.inject({ method: 'GET', url: '/connect/sentry', headers: { cookie: cookie?.split(';')[0] ?? '' } })
  t.equal(start.statusCode, 302)
  t.equal(start.headers['cross-origin-opener-policy'], 'unsafe-none', 'the popup keeps its opener across Sentry')
  t.ok(start.headers['content-security-policy'], 'the connect route still has a CSP')
  const notFound = await app.inject({ method: 'GET', url: '/nope' })
  t.ok(notFound.headers['content-security-policy'], '404s carry the headers too')
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
