/**
 * The keep-alive against a real gateway, database and emulator: exactly the connections whose
 * tokens are older than SENTRY_KEEPALIVE_DAYS are refreshed, through the gateway's lease (a
 * connection another instance holds is not refreshed twice), and the runs show in the metrics.
 */
import t from 'tap'
import { createKeepAlive } from '../../src/ops/keep-alive.js'
import { buildTestApp } from '../helpers/app.js'
import { parseMetrics, sum } from '../helpers/prometheus.js'
import { connect, control, counters } from '../helpers/emulator.js'

const DAY = 86_400_000
const METRICS_TOKEN = 'metrics-token-0123456789abcdef'

t.test('refreshes exactly the stale connections, honouring another holder\'s lease', async t => {
  // The gateway's clock runs 40 days ahead of the database's rows once `later` is set.
  let offset = 0
  const now = (): number => Date.now() + offset
  const testApp = await buildTestApp(t, { env: { METRICS_TOKEN, SENTRY_KEEPALIVE_DAYS: '30' }, deps: { now } })
  const { app, emulator } = testApp
  // The oldest first: the pass reaches it first and must wait for the other instance's lease.
  const leased = await connect(app, emulator.url)
  await new Promise(resolve => setTimeout(resolve, 5))
  const stale1 = await connect(app, emulator.url)
  const stale2 = await connect(app, emulator.url)
  const revoked = await connect(app, emulator.url)
  const noRefresh = await connect(app, emulator.url)
  // Revoked and refresh-token-less connections are never candidates.
  const rRow = await app.store.getTokens(revoked.connectionId)
  await app.store.markRevoked(revoked.connectionId, 'test', rRow?.version ?? 0)
  const nRow = await app.store.getTokens(noRefresh.connectionId)
  await app.store.replaceTokens(noRefresh.connectionId, nRow?.version ?? 0, { accessToken: 'x'.repeat(40), refreshToken: null, expiresAt: null })

  offset = 40 * DAY
  // A fresh connection, made "today" (40 days on): not stale.
  const fresh = await connect(app, emulator.url)

  const before = await counters(emulator.url)
  const leasedRow = await app.store.getTokens(leased.connectionId)
  if (leasedRow === null) throw new Error('no token row')
  // Another instance holds the lease of one stale connection and refreshes it meanwhile.
  t.ok(await app.store.acquireRefreshLease(leased.connectionId, 'another-instance', 60_000))

  const outcomes: string[] = []
  const keepAlive = createKeepAlive({
    store: app.store,
    refresh: async (id, version) => await app.sentry.refreshTokens(id, version),
    days: 30,
    intervalMs: 600, // three candidates: ~150 ms apart
    now,
    metrics: { keepAliveRun: (n) => { app.telemetry.metrics?.keepAliveRun(n) }, keepAliveRefresh: (o) => { outcomes.push(o); app.telemetry.metrics?.keepAliveRefresh(o) } }
  })
  const pass = keepAlive.runOnce()
  t.equal(keepAlive.runOnce(), pass, 'one pass at a time')
  await new Promise(resolve => setTimeout(resolve, 400))
  t.equal((await counters(emulator.url)).refreshes, before.refreshes, 'the pass waits on the lease: no refresh yet')
  t.same(outcomes, [], 'and has finished none')
  await app.store.replaceTokens(leased.connectionId, leasedRow.version, { accessToken: 'other-instance-access', refreshToken: 'other-instance-refresh', expiresAt: new Date(now() + 30 * DAY) })
  await app.store.releaseRefreshLease(leased.connectionId, 'another-instance')
  const result = await pass
  // "refreshed" counts connections whose tokens were renewed (here one by the lease holder).
  t.same(result, { stale: 3, refreshed: 3, skipped: 0, revoked: 0, failed: 0 })
  t.equal((await counters(emulator.url)).refreshes - before.refreshes, 2, 'exactly the two stale connections were refreshed at Sentry')
  t.equal((await app.store.getTokens(leased.connectionId))?.accessToken, 'other-instance-access', 'the lease holder\'s tokens stand')
  for (const c of [stale1, stale2]) {
    const row = await app.store.getTokens(c.connectionId)
    t.not(row?.accessToken, c.accessToken, 'rotated')
    t.ok(((await app.store.getConnection(c.connectionId))?.tokensIssuedAt?.getTime() ?? 0) >= now() - 1000, 'issued now')
  }
  t.equal((await app.store.getTokens(fresh.connectionId))?.accessToken, fresh.accessToken, 'the fresh connection is untouched')
  t.equal((await app.store.getConnection(revoked.connectionId))?.status, 'REVOKED')

  // A second pass finds nothing left to do.
  t.same(await keepAlive.runOnce(), { stale: 0, refreshed: 0, skipped: 0, revoked: 0, failed: 0 })
  await keepAlive.stop()

  const samples = parseMetrics((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body)
  t.equal(sum(samples, 'gateway_keepalive_runs_total'), 2)
  t.equal(sum(samples, 'gateway_keepalive_refreshes_total', { outcome: 'refreshed' }), 3)
  t.equal(sum(samples, 'gateway_keepalive_stale_connections'), 0, 'the last pass found none')
  t.equal(sum(samples, 'gateway_token_refreshes_total', { outcome: 'ok' }), 2, 'the refreshes count as refreshes too')
})

t.test('a refused refresh token counts as revoked; other failures as failed; stop() ends a pass between refreshes', async t => {
  let offset = 0
  const now = (): number => Date.now() + offset
  const { app, emulator } = await buildTestApp(t, { deps: { now } })
  const a = await connect(app, emulator.url)
  const b = await connect(app, emulator.url)
  const c = await connect(app, emulator.url)
  offset = 31 * DAY
  await control(emulator.url, 'tokens/revoke', {})
  const warnings: object[] = []
  let calls = 0
  const keepAlive = createKeepAlive({
    store: app.store,
    refresh: async (id, version) => {
      calls++
      if (id === b.connectionId) throw new Error('database went away')
      return await app.sentry.refreshTokens(id, version)
    },
    days: 30,
    intervalMs: 10,
    now,
    random: () => 0,
    logger: { info: () => {}, warn: (obj) => { warnings.push(obj) } }
  })
  const result = await keepAlive.runOnce()
  t.same(result, { stale: 3, refreshed: 0, skipped: 0, revoked: 2, failed: 1 })
  t.equal((await app.store.getConnection(a.connectionId))?.status, 'REVOKED')
  t.equal((await app.store.getConnection(c.connectionId))?.status, 'REVOKED')
  t.match(warnings, [{ connectionId: b.connectionId, code: 'INTERNAL' }])
  t.equal(calls, 3)

  // Stopped: the pass in flight ends before its next refresh, and start() schedules nothing.
  const slow = createKeepAlive({
    store: app.store,
    refresh: async () => { throw new Error('not reached') },
    days: 30,
    intervalMs: 60_000,
    now
  })
  await slow.stop()
  slow.start()
  t.same(await slow.runOnce(), { stale: 1, refreshed: 0, skipped: 0, revoked: 0, failed: 0 }, 'b is still stale, but a stopped task refreshes nothing')
})

t.test('the plugin starts with listen() and stops on close; SENTRY_KEEPALIVE_DAYS=0 turns it off', async t => {
  const off = await buildTestApp(t, { env: { SENTRY_KEEPALIVE_DAYS: '0' } })
  t.equal(off.app.keepAlive, undefined)
  const on = await buildTestApp(t, { env: { SENTRY_KEEPALIVE_DAYS: '30', SENTRY_KEEPALIVE_INTERVAL_SECONDS: '10' }, listen: true })
  t.ok(on.app.keepAlive)
  const c = await connect(on.app, on.emulator.url)
  t.same(await on.app.keepAlive?.runOnce(), { stale: 0, refreshed: 0, skipped: 0, revoked: 0, failed: 0 }, `${c.connectionId} is fresh`)
  await on.app.close()
  t.pass('closed with the task running')
})
