import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { clearFaults, connect, control, counters, resetCounters } from '../helpers/emulator.js'

const ISSUES_ROUTE = 'GET /api/0/organizations/{organization_id_or_slug}/issues/'

const codeOf = async (p: Promise<unknown>): Promise<{ code?: string, message?: string, extensions?: Record<string, unknown> }> =>
  await p.then(() => ({}), (e: unknown) => e as { code: string })

t.test('a burst of 502/503/504 on GET is recovered by retries', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  for (const status of [502, 503, 504]) {
    await resetCounters(emulator.url)
    await control(emulator.url, 'faults', { count: 2, status })
    const page = await client.issues.list('acme', { limit: 3 })
    t.equal(page.items.length, 3, `recovered from ${status}`)
    t.equal((await counters(emulator.url)).apiRequests, 3, 'two failures and one success')
  }
})

t.test('retries are bounded: a longer outage ends as UPSTREAM_ERROR / UPSTREAM_TIMEOUT', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await resetCounters(emulator.url)
  await control(emulator.url, 'faults', { count: 10, status: 503 })
  t.match(await codeOf(client.teams.list('acme')), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 503 } })
  t.equal((await counters(emulator.url)).apiRequests, 3, '3 attempts')
  await clearFaults(emulator)
  await control(emulator.url, 'faults', { count: 10, status: 504 })
  t.match(await codeOf(client.teams.list('acme')), { code: 'UPSTREAM_TIMEOUT' })
})

t.test('PUT is never retried blindly; 500 is not retried', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  const issue = (await client.issues.list('acme', { limit: 1 })).items[0]
  if (issue === undefined) throw new Error('no issue')
  await resetCounters(emulator.url)
  await control(emulator.url, 'faults', { count: 1, status: 503 })
  t.match(await codeOf(client.issues.update('acme', issue.id, { isBookmarked: true })), { code: 'UPSTREAM_ERROR' })
  t.equal((await counters(emulator.url)).apiRequests, 1, 'one PUT')
  await control(emulator.url, 'faults', { count: 1, reset: true })
  t.match(await codeOf(client.issues.update('acme', issue.id, { isBookmarked: true })), { code: 'UPSTREAM_ERROR' })
  t.equal((await counters(emulator.url)).apiRequests, 2, 'a reset PUT is not replayed')
  const updated = await client.issues.update('acme', issue.id, { isBookmarked: true, hasSeen: true, status: 'unresolved', assignedTo: null })
  t.equal(updated.isBookmarked, true)

  await resetCounters(emulator.url)
  await control(emulator.url, 'faults', { count: 1, status: 500 })
  t.match(await codeOf(client.issues.get('acme', issue.id)), { code: 'UPSTREAM_ERROR', extensions: { upstreamStatus: 500 } })
  t.equal((await counters(emulator.url)).apiRequests, 1)
})

t.test('a socket reset on GET is retried', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  await resetCounters(emulator.url)
  await control(emulator.url, 'faults', { count: 2, reset: true })
  const page = await app.sentry.forConnection(connectionId).projects.list('acme')
  t.ok(page.items.length > 0)
  t.equal((await counters(emulator.url)).byRoute['GET /api/0/organizations/{organization_id_or_slug}/projects/'], 3)
})

t.test('a slow body hits the body timeout: UPSTREAM_TIMEOUT', async t => {
  const { app, emulator } = await buildTestApp(t, { env: { SENTRY_REQUEST_TIMEOUT_MS: '300' } })
  const { connectionId } = await connect(app, emulator.url)
  await control(emulator.url, 'faults', { count: 1, bodyDelayMs: 3000 })
  const started = Date.now()
  const err = await codeOf(app.sentry.forConnection(connectionId).issues.list('acme'))
  t.equal(err.code, 'UPSTREAM_TIMEOUT')
  t.ok(Date.now() - started < 2500, 'did not wait for the body')
  await control(emulator.url, 'faults', { count: 1, delayMs: 3000 })
  t.equal((await codeOf(app.sentry.forConnection(connectionId).issues.list('acme'))).code, 'UPSTREAM_TIMEOUT', 'slow headers too')
})

t.test('an unreachable Sentry: UPSTREAM_ERROR after bounded retries', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  await emulator.close()
  const err = await codeOf(app.sentry.forConnection(connectionId).organizations.list())
  t.match(err, { code: 'UPSTREAM_ERROR', extensions: { reason: 'UNREACHABLE' } })
})

t.test('a 403 for a missing scope is FORBIDDEN with the scopes the endpoint accepts', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url, { scopes: ['org:read'] })
  const client = app.sentry.forConnection(connectionId)
  const err = await codeOf(client.issues.list('acme'))
  t.match(err, { code: 'FORBIDDEN', extensions: { requiredScopes: ['event:read', 'event:write', 'event:admin'] } })
  const members = await codeOf(client.members.list('acme'))
  t.match(members, { code: 'FORBIDDEN', extensions: { requiredScopes: ['member:read', 'member:write', 'member:admin'] } })
  t.equal((await client.organizations.get('acme')).slug, 'acme', 'org:read endpoints still work')
  t.equal((await app.store.getConnection(connectionId))?.status, 'ACTIVE')
})

t.test('404 → NOT_FOUND, bad cursor → BAD_USER_INPUT (safe message), bad page size refused locally', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  t.match(await codeOf(client.issues.get('acme', '999999999')), { code: 'NOT_FOUND', message: /^The issue/ })
  t.match(await codeOf(client.projects.get('acme', 'no-such-project')), { code: 'NOT_FOUND' })
  t.match(await codeOf(client.issues.list('acme', { cursor: 'not-a-cursor' })), { code: 'BAD_USER_INPUT', extensions: { argument: 'cursor' } })
  await resetCounters(emulator.url)
  t.match(await codeOf(client.projects.list('acme', { perPage: 101 })), { code: 'BAD_USER_INPUT' })
  t.match(await codeOf(client.issues.list('acme', { limit: 0 })), { code: 'BAD_USER_INPUT' })
  t.match(await codeOf(client.issues.get('', '1')), { code: 'BAD_USER_INPUT' })
  t.equal((await counters(emulator.url)).apiRequests, 0, 'refused before calling Sentry')
  t.equal((await counters(emulator.url)).byRoute[ISSUES_ROUTE], undefined)
})
