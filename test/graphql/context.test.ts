import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql } from '../helpers/graphql.js'
import { clearFaults, control, counters, resetCounters } from '../helpers/emulator.js'

// Attacks on issue 10, defect 4: every GraphQL request has ONE deadline (GRAPHQL_REQUEST_TIMEOUT_MS,
// created per request in src/graphql/context.ts) that every wait of the Sentry pipeline honours.
// Assertions are on the mechanism (codes, upstream request counts) with generous time bounds.

const DEADLINE_MS = 1000
const TEAMS = '{ organization(slug: "acme") { teams(first: 5) { nodes { slug } } } }'

t.test('the concurrency gate: five requests behind ConcurrentLimit 1 and a 20 s upstream all end at their deadline', async t => {
  const test = await buildTestApp(t, { env: { GRAPHQL_REQUEST_TIMEOUT_MS: String(DEADLINE_MS), SENTRY_REQUEST_TIMEOUT_MS: '60000' } })
  const { app, emulator } = test
  const viewer = await connectViewer(test)
  await control(emulator.url, 'rate-limit', { concurrentLimit: 1 })
  t.same(codes(await gql(app, TEAMS, { cookie: viewer.cookie })), [], 'the gateway learns ConcurrentLimit: 1')
  await resetCounters(emulator)
  await control(emulator.url, 'faults', { count: 5, delayMs: 20_000 })
  const started = Date.now()
  const answers = await Promise.all(Array.from({ length: 5 }, async () => {
    const res = await gql(app, TEAMS, { cookie: viewer.cookie })
    return { res, ms: Date.now() - started }
  }))
  for (const { res, ms } of answers) {
    t.equal(res.status, 200)
    t.same(codes(res), ['UPSTREAM_TIMEOUT'])
    t.ok(ms < 10 * DEADLINE_MS, `answered in ${ms} ms, not after the 20 s upstream (nor 5 × 20 s in a queue)`)
  }
  // (That a waiter leaves the gate's queue at its deadline without sending is asserted on the
  // throttle layer alone, test/sentry/throttle.test.ts.)
  t.ok((await counters(emulator)).apiRequests <= 5, 'no request was retried after its deadline')
  await clearFaults(emulator)
})

t.test('a refresh lease left by a crashed process: the request gives up at its deadline', async t => {
  const test = await buildTestApp(t, { env: { GRAPHQL_REQUEST_TIMEOUT_MS: String(DEADLINE_MS) } })
  const { app, emulator } = test
  const viewer = await connectViewer(test)
  // The token is expired in the database, and a process that died mid-refresh left its lease
  // (a long one, as older gateways took: 30 s).
  const row = await app.store.getTokens(viewer.connection.id)
  if (row === null) throw new Error('no token row')
  await app.store.replaceTokens(viewer.connection.id, row.version, { accessToken: row.accessToken, refreshToken: row.refreshToken, expiresAt: new Date(Date.now() - 1000) })
  t.ok(await app.store.acquireRefreshLease(viewer.connection.id, 'crashed-process', 30_000))
  await resetCounters(emulator)
  const started = Date.now()
  const res = await gql(app, TEAMS, { cookie: viewer.cookie })
  const ms = Date.now() - started
  t.same(codes(res), ['UPSTREAM_TIMEOUT'])
  t.match(res.body.errors?.[0]?.message, /did not answer in time|timed out|time/i, 'a clear message')
  t.ok(ms < 10 * DEADLINE_MS, `answered in ${ms} ms, not after the 30 s lease`)
  t.equal((await counters(emulator)).apiRequests, 0, 'no call with the expired token')
})

t.test('a rate-limit wait that would pass the deadline is not made', async t => {
  // A deadline a loaded machine still meets for the first (priming) request, and a window far
  // beyond it: within the wait budget, so only the deadline keeps the gateway from waiting.
  const deadlineMs = 3000
  const test = await buildTestApp(t, { env: { GRAPHQL_REQUEST_TIMEOUT_MS: String(deadlineMs), SENTRY_RATE_LIMIT_WAIT_MS: '60000' } })
  const { app, emulator } = test
  const viewer = await connectViewer(test)
  // A window that resets in ~50 s: waiting for it would pass the deadline, so RATE_LIMITED now.
  // The emulator's windows are fixed (aligned to the epoch, as Sentry's): both requests must meet
  // the same one, so they start with at least 10 s of it left.
  if (50_000 - (Date.now() % 50_000) < 10_000) await new Promise(resolve => setTimeout(resolve, 50_000 - (Date.now() % 50_000) + 20))
  await control(emulator.url, 'rate-limit', { limit: 1, windowSeconds: 50 })
  t.same(codes(await gql(app, TEAMS, { cookie: viewer.cookie })), [])
  const started = Date.now()
  const limited = await gql(app, TEAMS, { cookie: viewer.cookie })
  t.same(codes(limited), ['RATE_LIMITED'])
  t.ok(Date.now() - started < 40_000, 'did not wait for the window (50 s)')
  await control(emulator.url, 'rate-limit', {})
})

t.test('organization routing, with a fake store', async (t) => {
  const { RequestGateway } = await import('../../src/graphql/context.js')
  const now = new Date()
  const org = { orgId: '1', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }
  const base = { userId: 'u', sentryUser: { id: '1', name: null, email: null }, scopes: [], statusChangedAt: now, expiresAt: null, scopingOrgId: null, createdAt: now, updatedAt: now }
  const connections = [
    { ...base, id: 'revoked', status: 'REVOKED', statusReason: null, organizations: [org, { ...org, orgId: '2', slug: 'old' }] },
    { ...base, id: 'active', status: 'ACTIVE', statusReason: null, organizations: [org] }
  ]
  const user = { id: 'u', issuer: null, subject: null, sessionGeneration: 0, createdAt: now }
  const store = { viewer: async () => ({ user, connections, accessToken: () => null }) }
  const gw = new RequestGateway({ store, sentry: {} } as never, { session: { get: () => 'u' } } as never)
  t.equal((await gw.organization('acme')).connectionId, 'active', 'an ACTIVE connection first, wherever it is listed')
  t.equal((await gw.organization('1')).slug, 'acme', 'by organization id')
  await t.rejects(gw.organization('old'), { code: 'RECONNECT_REQUIRED', message: /\(revoked\)/ })
  await t.rejects(gw.organization('none'), { code: 'NOT_CONNECTED' })
  t.same((await gw.organizations()).map((o) => o.connectionId), ['active'])
})
