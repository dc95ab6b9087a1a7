import t from 'tap'
import { Writable } from 'node:stream'
import { buildTestApp, TEST_CLIENT_ID } from '../helpers/app.js'
import type { SentryIssue } from '../../src/sentry/types.js'
import { connect, control, counters, resetCounters } from '../helpers/emulator.js'

t.test('walks every page of acme\'s issues with the Link cursors', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const client = app.sentry.forConnection(connectionId)
  const seen = new Set<string>()
  let cursor: string | null = null
  let pages = 0
  let first: { prevCursor: string | null } | undefined
  do {
    const page: { items: SentryIssue[], nextCursor: string | null, prevCursor: string | null } =
      await client.issues.list('acme', { cursor, limit: 100, query: '' })
    first ??= page
    pages++
    t.ok(page.items.length <= 100)
    for (const issue of page.items) seen.add(issue.id)
    cursor = page.nextCursor
  } while (cursor !== null && pages < 20)
  t.ok(seen.size >= 250, `${seen.size} distinct issues`)
  t.ok(pages >= 3, `${pages} pages`)
  t.equal(first?.prevCursor, null, 'the first page has no previous page')
})

t.test('every resource method answers with openapi shapes', async t => {
  const { app, emulator } = await buildTestApp(t)
  const { connectionId } = await connect(app, emulator.url)
  const c = app.sentry.forConnection(connectionId)
  t.equal(c.connectionId, connectionId)
  const orgs = await c.organizations.list({ perPage: 10 })
  t.ok(orgs.items.some(o => o.slug === 'acme'))
  const org = await c.organizations.get('acme')
  t.equal(typeof org.links.regionUrl, 'string')
  const projects = await c.projects.list('acme', { perPage: 5 })
  const project = projects.items[0]
  if (project === undefined) throw new Error('no project')
  t.equal((await c.projects.get('acme', project.slug)).id, project.id)
  const keys = await c.projects.listKeys('acme', project.slug)
  t.ok(Array.isArray(keys.items))
  const issues = await c.issues.list('acme', { limit: 2, sort: 'date', statsPeriod: '14d', projects: [project.id] })
  const issue = issues.items[0] ?? (await c.issues.list('acme', { limit: 1 })).items[0]
  if (issue === undefined) throw new Error('no issue')
  t.equal((await c.issues.get('acme', issue.id)).id, issue.id)
  const events = await c.issues.listEvents('acme', issue.id, { perPage: 5, full: true })
  const latest = await c.issues.getEvent('acme', issue.id, 'latest')
  t.equal(typeof latest.eventID, 'string')
  const ev = events.items[0]
  if (ev !== undefined) {
    t.equal((await c.issues.getEvent('acme', issue.id, ev.eventID)).eventID, ev.eventID)
    t.equal((await c.events.get('acme', issue.project.slug, ev.eventID)).eventID, ev.eventID)
  }
  const tags = await c.issues.listTagValues('acme', issue.id, 'level')
  t.ok(Array.isArray(tags.items))
  const releases = await c.releases.list('acme', { perPage: 5 })
  const release = releases.items[0]
  if (release !== undefined) t.equal((await c.releases.get('acme', release.version)).version, release.version)
  t.ok((await c.teams.list('acme')).items.length > 0)
  t.ok((await c.members.list('acme')).items.length > 0)
  const stats = await c.stats.organization('acme', { field: 'sum(quantity)', groupBy: ['outcome'], statsPeriod: '1d', interval: '1h' })
  t.ok(typeof stats === 'object' && stats !== null)
  await t.rejects(c.stats.organization('acme', { field: 'sum(x)' as never, groupBy: ['outcome'] }), { code: 'BAD_USER_INPUT' })
  await t.rejects(c.stats.organization('acme', { field: 'sum(quantity)', groupBy: [] }), { code: 'BAD_USER_INPUT' })
  await t.rejects(c.issues.list('acme', { sort: 'nope' as never }), { code: 'BAD_USER_INPUT' })
  await t.rejects(c.issues.update('acme', issue.id, {}), { code: 'BAD_USER_INPUT' })
  await t.rejects(c.issues.update('acme', issue.id, { status: 'gone' as never }), { code: 'BAD_USER_INPUT' })
  await t.rejects(c.issues.getEvent('acme', issue.id, 'nope'), { code: 'BAD_USER_INPUT' })
})

t.test('discoverOrganizations lists every org a fresh token reaches', async t => {
  const { app, emulator } = await buildTestApp(t)
  const tokens = await control(emulator, 'tokens', { clientId: TEST_CLIENT_ID, scopes: ['org:read'] })
  const orgs = await app.sentry.discoverOrganizations(tokens.access_token)
  t.same(orgs.map(o => o.slug).sort(), ['acme', 'globex'])
  await t.rejects(app.sentry.discoverOrganizations('not-a-token'), { code: 'UPSTREAM_ERROR' })
})

t.test('upstream calls are logged at debug with method, path template, status and duration only', async t => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  const { app, emulator } = await buildTestApp(t, { deps: { logger: { level: 'debug', stream } } })
  const { connectionId, accessToken, refreshToken } = await connect(app, emulator.url, { storedExpiresAt: new Date(0) })
  await resetCounters(emulator.url)
  const client = app.sentry.forConnection(connectionId)
  await client.issues.list('acme', { limit: 1, query: 'secret-query' })
  await client.issues.get('acme', '424242424242').catch(() => {})
  t.equal((await counters(emulator.url)).refreshes, 1)
  const row = await app.store.getTokens(connectionId)
  const calls = lines.map(l => JSON.parse(l) as Record<string, unknown>).filter(l => l.msg === 'sentry upstream call')
  t.ok(calls.length >= 3, 'refresh + 2 calls')
  t.same(Object.keys(calls[0] ?? {}).filter(k => !['level', 'time', 'pid', 'hostname', 'component', 'msg'].includes(k)).sort(),
    ['durationMs', 'method', 'path', 'status'])
  t.ok(calls.some(c => c.path === '/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/' && c.status === 404))
  t.ok(calls.some(c => c.path === '/oauth/token/' && c.method === 'POST' && c.status === 200))
  const all = lines.join('\n')
  for (const secret of [accessToken, refreshToken, row?.accessToken ?? 'x', row?.refreshToken ?? 'x', 'test-client-secret', 'secret-query', '424242424242']) {
    t.notOk(all.includes(secret), 'no token, secret or query value in the logs')
  }
})
