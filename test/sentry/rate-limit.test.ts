import t from 'tap'
import { ConcurrencyGate, RateWindows, readRateLimitHeaders, readRetryAfterMs } from '../../src/sentry/rate-limit.js'
import { buildTestApp, settle } from '../helpers/app.js'
import { connect, control, counters, resetCounters } from '../helpers/emulator.js'

t.test('a 429 within the wait budget is waited out and retried', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_RATE_LIMIT_WAIT_MS: '5000' } })
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await control(emulator.url, 'rate-limit', { limit: 3, windowSeconds: 2 })
  await resetCounters(emulator.url)
  // The emulator's windows are fixed (aligned to the epoch, as Sentry's): the 6 calls start just
  // after a window opens, so all of them meet the same window even on a loaded machine.
  await new Promise(resolve => setTimeout(resolve, 2000 - (Date.now() % 2000) + 20))
  const { ok, codes } = await settle(Array.from({ length: 6 }, async () => await client.teams.list('acme')))
  t.same(codes, [], 'every request succeeded')
  t.equal(ok.length, 6)
  const c = await counters(emulator.url)
  t.ok(c.rateLimited >= 1, `Sentry answered 429 (${c.rateLimited}) and we waited`)
})

t.test('once the window is known to be spent, the next call waits for Reset instead of provoking a 429', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_RATE_LIMIT_WAIT_MS: '5000' } })
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await control(emulator.url, 'rate-limit', { limit: 2, windowSeconds: 1 })
  await resetCounters(emulator.url)
  for (let i = 0; i < 5; i++) await client.teams.list('acme')
  t.equal((await counters(emulator.url)).rateLimited, 0, 'sequential calls never hit a 429')
})

t.test('a 429 whose reset is beyond the budget answers RATE_LIMITED with retryAfter', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_RATE_LIMIT_WAIT_MS: '1000' } })
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await control(emulator.url, 'rate-limit', { limit: 1, windowSeconds: 3600 })
  await resetCounters(emulator.url)
  const { codes, errors } = await settle([client.members.list('acme'), client.members.list('acme'), client.members.list('acme')])
  t.equal(codes.length >= 2, true)
  t.ok(codes.every(c => c === 'RATE_LIMITED'))
  const err = errors[0] as { extensions: { retryAfter: number }, message: string }
  t.ok(err.extensions.retryAfter >= 1 && err.extensions.retryAfter <= 3601, `retryAfter ${err.extensions.retryAfter}`)
  t.notMatch(err.message, /too frequently/, 'the upstream body is not copied')
  const before = (await counters(emulator.url)).apiRequests
  await t.rejects(client.members.list('acme'), { code: 'RATE_LIMITED' })
  t.equal((await counters(emulator.url)).apiRequests, before, 'a known-spent window answers without calling Sentry')
  t.equal((await client.teams.list('acme')).items.length > 0, true, 'other endpoints have their own window')
})

t.test('concurrency stays under the ConcurrentLimit Sentry reports', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_RATE_LIMIT_WAIT_MS: '1' } })
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await control(emulator.url, 'rate-limit', { limit: 10_000, windowSeconds: 1, concurrentLimit: 3 })
  await client.teams.list('acme') // learns ConcurrentLimit: 3
  await resetCounters(emulator.url)
  await control(emulator.url, 'faults', { count: 60, delayMs: 20 })
  const { codes } = await settle(Array.from({ length: 60 }, async () => await client.teams.list('acme')))
  t.same(codes, [])
  t.equal((await counters(emulator.url)).rateLimited, 0, 'never above 3 at once')
})

t.test('the default gate (25) stays under an enforced limit of 25 from the first request', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_RATE_LIMIT_WAIT_MS: '1' } })
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await control(emulator.url, 'rate-limit', { limit: 10_000, windowSeconds: 1, concurrentLimit: 25 })
  await control(emulator.url, 'faults', { count: 100, delayMs: 20 })
  await resetCounters(emulator.url)
  const { codes } = await settle(Array.from({ length: 100 }, async () => await client.projects.list('acme')))
  t.same(codes, [])
  t.equal((await counters(emulator.url)).rateLimited, 0)
})

t.test('rate-limit headers', async t => {
  t.same(readRateLimitHeaders({
    'x-sentry-rate-limit-limit': '40', 'x-sentry-rate-limit-remaining': '0', 'x-sentry-rate-limit-reset': '1700000001', 'x-sentry-rate-limit-concurrentlimit': '25'
  }), { limit: 40, remaining: 0, resetAtMs: 1700000001000, concurrentLimit: 25 })
  t.same(readRateLimitHeaders({ 'x-sentry-rate-limit-limit': ['abc'] }), { limit: null, remaining: null, resetAtMs: null, concurrentLimit: null })
  t.equal(readRetryAfterMs({ 'retry-after': '3' }, 0), 3000)
  t.equal(readRetryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4000), 6000)
  t.equal(readRetryAfterMs({ 'retry-after': 'soon' }, 0), null)
  t.equal(readRetryAfterMs({}, 0), null)
})

t.test('the concurrency gate never runs more than the learned limit', async t => {
  const gate = new ConcurrencyGate(3)
  t.equal(gate.limit, 3)
  const releases = await Promise.all([gate.acquire(), gate.acquire(), gate.acquire()])
  let fourth = false
  const p = gate.acquire().then(r => { fourth = true; return r })
  await new Promise(resolve => setImmediate(resolve))
  t.equal(fourth, false, 'waits at the limit')
  t.equal(gate.inFlight, 3)
  releases[0]?.()
  releases[0]?.()
  const r4 = await p
  t.equal(gate.inFlight, 3, 'a double release counts once')
  gate.learn('GET /a/', 1)
  gate.learn('GET /a/', 1)
  gate.learn('GET /b/', 5)
  gate.learn('GET /c/', null)
  t.equal(gate.limit, 1, 'the smallest limit seen wins')
  let fifth = false
  const p5 = gate.acquire().then(r => { fifth = true; return r })
  releases[1]?.(); releases[2]?.()
  await new Promise(resolve => setImmediate(resolve))
  t.equal(fifth, false, 'still over the new limit')
  r4()
  ;(await p5)()
  t.equal(gate.inFlight, 0)
})

t.test('rate windows: wait when a window is spent, count otherwise', async t => {
  let now = 1_000_000
  const w = new RateWindows(() => now)
  t.equal(w.reserve('e'), 0, 'unknown endpoint goes')
  w.observe('e', { limit: 2, remaining: 1, resetAtMs: now + 1000, concurrentLimit: null }, false)
  t.equal(w.reserve('e'), 0)
  t.equal(w.reserve('e'), 1000, 'spent: wait for the reset')
  w.observe('e', { limit: 2, remaining: 1, resetAtMs: now + 1000, concurrentLimit: null }, false)
  t.equal(w.reserve('e'), 1000, 'a stale header does not raise the local count')
  w.observe('e', { limit: 2, remaining: 5, resetAtMs: now + 500, concurrentLimit: null }, false)
  t.equal(w.reserve('e'), 1000, 'an older window is ignored')
  w.observe('e', { limit: 2, remaining: null, resetAtMs: null, concurrentLimit: null }, false)
  w.observe('e', { limit: 2, remaining: null, resetAtMs: now + 2000, concurrentLimit: null }, false)
  now += 1000
  t.equal(w.reserve('e'), 0, 'the window reset')
  w.observe('e', { limit: 2, remaining: 3, resetAtMs: now + 1000, concurrentLimit: null }, true)
  t.equal(w.reserve('e'), 1000, 'a 429 spends the window')
})

t.test('ConcurrencyGate: a waiter that gives up is never granted a slot later', async t => {
  const gate = new ConcurrencyGate(1)
  const release = await gate.acquire()
  t.equal(await gate.tryAcquire(20), null)
  t.equal(gate.queued, 0)
  release()
  t.equal(gate.inFlight, 0)
  const again = await gate.tryAcquire(0)
  t.ok(again, 'free again')
  again?.()
})
