import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { helmetHeaders, helmetOptions } from '../../src/plugins/security.js'
import { testEnv } from '../helpers/env.js'

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
