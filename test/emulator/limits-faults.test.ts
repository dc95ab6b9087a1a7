import t from 'tap'
import { api, call, clientFields, startTestEmulator, tokenFor, tokenRequest } from '../helpers/emulator.js'

const RL = ['x-sentry-rate-limit-limit', 'x-sentry-rate-limit-remaining', 'x-sentry-rate-limit-reset', 'x-sentry-rate-limit-concurrentlimit', 'x-sentry-rate-limit-concurrentremaining']

t.test('rate-limit headers on every API response, Sentry defaults (470/1 s, 100 concurrent)', async (t) => {
  const em = await startTestEmulator(t)
  for (const token of [tokenFor(em), undefined]) {
    const r = await api(em, '/api/0/organizations/', token)
    t.same(RL.map((h) => r.headers.has(h)), RL.map(() => true), `all five headers (${r.status})`)
    t.equal(r.headers.get('x-sentry-rate-limit-limit'), '470')
    t.equal(r.headers.get('x-sentry-rate-limit-concurrentlimit'), '100')
  }
})

t.test('fixed window per token × route; 429 is a bare JSON string, text/html, no Retry-After (docs/sentry.md §4)', async (t) => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 30, 500)
  const em = await startTestEmulator(t, { now: () => now })
  const token = tokenFor(em)
  em.control.setRateLimit({ limit: 3, windowSeconds: 60 })
  const remaining: Array<string | null> = []
  for (let i = 0; i < 3; i++) remaining.push((await api(em, '/api/0/organizations/', token)).headers.get('x-sentry-rate-limit-remaining'))
  t.same(remaining, ['2', '1', '0'])
  const limited = await api(em, '/api/0/organizations/', token)
  t.equal(limited.status, 429)
  t.equal(limited.text, '"You are attempting to use this endpoint too frequently. Limit is 3 requests in 60 seconds"')
  t.equal(limited.headers.get('content-type'), 'text/html; charset=utf-8')
  t.equal(limited.headers.get('retry-after'), null)
  t.equal(limited.headers.get('x-sentry-rate-limit-remaining'), '0')
  t.equal(limited.headers.get('x-sentry-rate-limit-reset'), String(Date.UTC(2026, 0, 1, 12, 1, 0) / 1000), 'epoch seconds of the next window')
  t.equal((await api(em, '/api/0/organizations/acme/', token)).status, 200, 'another route has its own window')
  t.equal((await api(em, '/api/0/organizations/', tokenFor(em))).status, 200, 'another token has its own window')
  t.equal(em.control.counters().rateLimited, 1)

  em.control.setRateLimit({ limit: 1, windowSeconds: 1, body429: 'detail' })
  await api(em, '/api/0/organizations/', token)
  t.same((await api(em, '/api/0/organizations/', token)).body, { detail: 'You are attempting to use this endpoint too frequently. Limit is 1 requests in 1 seconds' }, 'opt-in {"detail"} variant of newer ratelimit.py')

  const reset = await call(`${em.url}/_emulator/rate-limit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(reset.status, 200)
  const after = await api(em, '/api/0/organizations/', token)
  t.equal(after.status, 200, '{} restores the defaults')
  t.equal(after.headers.get('x-sentry-rate-limit-limit'), '470')
})

t.test('the concurrent limit is enforced once set', async (t) => {
  const em = await startTestEmulator(t, { latencyMs: 150 })
  const token = tokenFor(em)
  em.control.setRateLimit({ limit: 100, windowSeconds: 1, concurrentLimit: 1 })
  const [a, b] = await Promise.all([api(em, '/api/0/organizations/', token), api(em, '/api/0/organizations/', token)])
  t.same([a?.status, b?.status].sort(), [200, 429])
  const limited = a?.status === 429 ? a : b
  t.equal(limited?.text, '"You are attempting to go above the allowed concurrency for this endpoint. Concurrency limit is 1"')
  t.equal((await api(em, '/api/0/organizations/', token)).status, 200, 'slot freed after the response')
})

t.test('faults: status bodies, count, path prefix; never /oauth or /_emulator', async (t) => {
  const em = await startTestEmulator(t)
  const token = tokenFor(em)
  em.control.addFault({ count: 2, status: 500 })
  const first = await api(em, '/api/0/organizations/', token)
  t.equal(first.status, 500)
  t.match(first.body, { detail: 'Internal Error', errorId: /^[0-9a-f]{32}$/ })
  t.equal((await tokenRequest(em, { grant_type: 'nope', ...clientFields() })).status, 400, '/oauth is not faulted')
  t.equal((await call(`${em.url}/_emulator/counters`)).status, 200, '/_emulator is not faulted')
  t.equal((await api(em, '/api/0/organizations/acme/', token)).status, 500, 'second of two')
  t.equal((await api(em, '/api/0/organizations/', token)).status, 200, 'then normal again')

  for (const status of [502, 503, 504]) {
    em.control.addFault({ status })
    const r = await api(em, '/api/0/organizations/', token)
    t.equal(r.status, status)
    t.match(r.headers.get('content-type'), /^text\/html/, `${status} comes from the load balancer`)
  }

  em.control.addFault({ status: 503, pathPrefix: '/api/0/organizations/acme/issues/' })
  t.equal((await api(em, '/api/0/organizations/acme/', token)).status, 200, 'other paths untouched')
  t.equal((await api(em, '/api/0/organizations/acme/issues/', tokenFor(em, ['event:read']))).status, 503)

  em.control.addFault({ status: 401, nestedDetail: 'sso-required' })
  const sso = await api(em, '/api/0/organizations/acme/', token)
  t.equal(sso.status, 401)
  t.match(sso.body, { detail: { code: 'sso-required', message: 'Must login via SSO', extra: { orgSlug: 'acme' } } })
  t.equal(sso.headers.get('www-authenticate'), 'xBasic realm="api"')

  const bad = await call(`${em.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1 }) })
  t.equal(bad.status, 400, 'a fault needs an effect')
  const viaHttp = await call(`${em.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 500 }) })
  t.equal(viaHttp.status, 201)
  t.equal((await call(`${em.url}/_emulator/faults`, { method: 'DELETE' })).status, 200)
  t.equal((await api(em, '/api/0/organizations/', token)).status, 200, 'cleared')
})

t.test('faults: socket reset, delay, stalled body', async (t) => {
  const em = await startTestEmulator(t)
  const token = tokenFor(em)
  em.control.addFault({ reset: true })
  await t.rejects(api(em, '/api/0/organizations/', token), 'the socket is destroyed')

  em.control.addFault({ delayMs: 200 })
  let started = Date.now()
  t.equal((await api(em, '/api/0/organizations/', token)).status, 200)
  t.ok(Date.now() - started >= 190, 'answered after the delay')

  em.control.addFault({ bodyDelayMs: 300 })
  started = Date.now()
  const res = await fetch(`${em.url}/api/0/organizations/`, { headers: { authorization: `Bearer ${token}` } })
  const headersAt = Date.now() - started
  t.equal(res.status, 200)
  t.ok(res.headers.has('x-sentry-rate-limit-limit'), 'headers as usual')
  const body = await res.json() as unknown[]
  const bodyAt = Date.now() - started
  t.ok(bodyAt - headersAt >= 200, `headers came first, the body after the stall (${headersAt} ms, then ${bodyAt} ms)`)
  t.ok(bodyAt >= 290, `the body after the stall (${bodyAt} ms)`)
  t.equal(body.length, 2)
})
