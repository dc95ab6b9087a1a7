import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connect, control, counters, resetCounters, settle } from './helpers.js'

t.test('a 429 within the wait budget is waited out and retried', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_RATE_LIMIT_WAIT_MS: '5000' } })
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await control(emulator.url, 'rate-limit', { limit: 3, windowSeconds: 1 })
  await resetCounters(emulator.url)
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
