/**
 * Release health and issue trends through GraphQL against the emulator: Organization.sessions
 * (groups, rates as fractions, paging, the regressing release), Release.health, Issue.frequency
 * from the issue's own stats, with upstream call counts and refusals.
 */
import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { codes, connectViewer, countedRunner, gql } from '../../helpers/graphql.js'
import { resetCounters, upstreamCalls } from '../../helpers/emulator.js'

const SESSIONS = 'GET /api/0/organizations/{organization_id_or_slug}/sessions/'
const ISSUE = 'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/'

const ta = await buildTestApp(t)
const viewer = await connectViewer(ta)
const { app, emulator } = ta

const upstream = async (route?: string): Promise<number> => await upstreamCalls(emulator, route)
const run = countedRunner(ta, viewer)

interface Group { release: string, crashFree: number | null, users: number, sessions: number, series: Array<number | null> }

t.test('sessions by release: rates as fractions, one release regressing, in one upstream call', async (t) => {
  const res = await run(`{ organization(slug: "acme") { sessions(fields: [SUM_SESSION, COUNT_UNIQUE_USER, CRASH_FREE_RATE_SESSION, CRASH_FREE_RATE_USER, CRASH_RATE_SESSION], groupBy: [RELEASE], statsPeriod: "24h", first: 50) {
    start end intervals
    groups { by release project environment sessionStatus sessions: total(field: SUM_SESSION) users: total(field: COUNT_UNIQUE_USER) crashFree: total(field: CRASH_FREE_RATE_SESSION) crashFreeUsers: total(field: CRASH_FREE_RATE_USER) crashRate: total(field: CRASH_RATE_SESSION) series(field: SUM_SESSION) }
    pageInfo { hasNextPage }
  } } }`)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const s = res.body.data.organization.sessions
  t.ok(s.intervals.length >= 24 && s.intervals.length <= 25)
  t.equal(Date.parse(s.intervals[1]) - Date.parse(s.intervals[0]), 3_600_000)
  const groups = s.groups as Array<Group & { by: Record<string, unknown>, crashFreeUsers: number | null, crashRate: number | null, project: string | null }>
  t.ok(groups.length >= 5)
  for (const g of groups) {
    t.same(g.by, { release: g.release })
    t.equal(g.project, null)
    t.equal(g.series.length, s.intervals.length)
    t.equal(g.series.reduce((a: number, b) => a + (b ?? 0), 0), g.sessions, 'the series sums to the total')
    if (g.sessions === 0) {
      t.equal(g.crashFree, null, 'no sessions: no rate')
    } else {
      t.ok(g.crashFree !== null && g.crashFree > 0 && g.crashFree <= 1, 'a fraction')
      t.ok(Math.abs((g.crashFree ?? 0) + (g.crashRate ?? 0) - 1) < 1e-5)
      t.ok(g.users <= g.sessions)
    }
  }
  const active = groups.filter((g) => g.sessions > 0).sort((a, b) => (a.crashFree ?? 1) - (b.crashFree ?? 1))
  t.equal(active[0]?.release, 'worker@0.9.0+build.7', 'the regressing release has the lowest crash-free rate')
  t.ok((active[0]?.crashFree ?? 1) < 0.95 && (active[1]?.crashFree ?? 0) > 0.95, 'and it stands out')
  t.equal(await upstream(SESSIONS), 1)
  t.equal(await upstream(), 1)
})

t.test('sessions ordered by crash-free rate, grouped by status, and paged over groups', async (t) => {
  const ordered = await run(`{ organization(slug: "acme") { sessions(fields: [SUM_SESSION, CRASH_FREE_RATE_SESSION], groupBy: [RELEASE], orderBy: CRASH_FREE_RATE_SESSION, orderDesc: false, statsPeriod: "24h", first: 1) {
    groups { release } pageInfo { hasNextPage endCursor } } } }`)
  t.notOk(ordered.body.errors, JSON.stringify(ordered.body.errors))
  t.same(ordered.body.data.organization.sessions.groups, [{ release: 'worker@0.9.0+build.7' }])

  const byStatus = await run(`{ organization(slug: "acme") { sessions(fields: [SUM_SESSION], groupBy: [SESSION_STATUS], statsPeriod: "2d", interval: "1d") {
    intervals groups { sessionStatus total(field: SUM_SESSION) } } } }`)
  t.notOk(byStatus.body.errors, JSON.stringify(byStatus.body.errors))
  const statuses = byStatus.body.data.organization.sessions
  t.same(statuses.groups.map((g: { sessionStatus: string }) => g.sessionStatus).sort(), ['abnormal', 'crashed', 'errored', 'healthy'])
  t.ok(statuses.intervals.length >= 2 && statuses.intervals.length <= 3)

  const q = `query ($after: String) { organization(slug: "acme") { sessions(fields: [SUM_SESSION], groupBy: [PROJECT, ENVIRONMENT], statsPeriod: "6h", first: 3, after: $after) {
    groups { project environment } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`
  await resetCounters(emulator)
  const seen: string[] = []
  let after: string | null = null
  for (let page = 0; page < 3; page++) {
    const res: { body: { data?: any, errors?: unknown } } = await gql(app, q, { cookie: viewer.cookie, variables: { after } })
    t.notOk(res.body.errors, JSON.stringify(res.body.errors))
    const conn: { groups: Array<{ project: string, environment: string }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, endCursor: string } } = res.body.data.organization.sessions
    t.equal(conn.groups.length, 3)
    t.equal(conn.pageInfo.hasPreviousPage, page > 0)
    seen.push(...conn.groups.map((g) => `${g.project}/${g.environment}`))
    after = conn.pageInfo.endCursor
  }
  t.equal(new Set(seen).size, 9, 'three pages of distinct groups')
  t.equal(await upstream(SESSIONS), 3)
})

t.test('Release.health: one upstream call per release, null rates without sessions', async (t) => {
  const res = await run('{ organization(slug: "acme") { releases(first: 10) { nodes { version health { crashFreeSessions crashFreeUsers sessions users } } } } }')
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const nodes = res.body.data.organization.releases.nodes as Array<{ version: string, health: { crashFreeSessions: number | null, crashFreeUsers: number | null, sessions: number, users: number } }>
  t.ok(nodes.length >= 5)
  t.equal(await upstream(SESSIONS), nodes.length, 'one sessions call per release')
  const regressing = nodes.find((n) => n.version === 'worker@0.9.0+build.7')
  t.ok(regressing !== undefined && regressing.health.sessions > 0 && (regressing.health.crashFreeSessions ?? 1) < 0.95)
  const idle = nodes.find((n) => n.health.sessions === 0)
  t.same(idle?.health, { crashFreeSessions: null, crashFreeUsers: null, sessions: 0, users: 0 }, 'a release without sessions')
  const healthy = nodes.filter((n) => n.health.sessions > 0 && n !== regressing)
  t.ok(healthy.length > 0 && healthy.every((n) => (n.health.crashFreeSessions ?? 0) > 0.95 && (n.health.crashFreeUsers ?? 0) > 0 && n.health.users <= n.health.sessions))
})

t.test('Issue.frequency comes from the stats Sentry sends with the issue', async (t) => {
  const list = await run('{ organization(slug: "acme") { issues(first: 3, query: "") { nodes { id day: frequency { timestamp value incomplete } } } } }')
  t.notOk(list.body.errors, JSON.stringify(list.body.errors))
  t.equal(await upstream(), 1, 'LAST_24H from the list items themselves: no call beyond the list')
  for (const issue of list.body.data.organization.issues.nodes) {
    t.equal(issue.day.length, 24)
    t.equal(Date.parse(issue.day[1].timestamp) - Date.parse(issue.day[0].timestamp), 3_600_000)
    t.ok(issue.day.every((p: { value: number, incomplete: boolean }) => Number.isFinite(p.value) && p.incomplete === false))
  }
  const month = await run('{ organization(slug: "acme") { issues(first: 3, query: "") { nodes { id frequency(period: LAST_30D) { timestamp value } } } } }')
  t.notOk(month.body.errors)
  t.equal(await upstream(ISSUE), 3, 'LAST_30D needs the issue detail for list items')
  for (const issue of month.body.data.organization.issues.nodes) {
    t.equal(issue.frequency.length, 30)
    t.equal(Date.parse(issue.frequency[1].timestamp) - Date.parse(issue.frequency[0].timestamp), 86_400_000)
  }
  const id = month.body.data.organization.issues.nodes[0].id
  const detail = await run(`{ organization(slug: "acme") { issue(id: "${id}") { a: frequency(period: LAST_24H) { value } b: frequency(period: LAST_30D) { value } } } }`)
  t.notOk(detail.body.errors)
  t.equal(await upstream(), 1, 'the issue detail carries both periods')
  t.same(detail.body.data.organization.issue.b, month.body.data.organization.issues.nodes[0].frequency.map((p: { value: number }) => ({ value: p.value })))
})

t.test('bad release-health input is refused before any upstream call; Sentry\'s query complaint comes through', async (t) => {
  const cases: Array<[string, string]> = [
    ['sessions(fields: [SUM_SESSION], interval: "30m") { intervals }', 'interval'],
    ['sessions(fields: [SUM_SESSION], interval: "5h") { intervals }', 'interval'],
    ['sessions(fields: [SUM_SESSION], interval: "2d") { intervals }', 'interval'],
    ['sessions(fields: [], statsPeriod: "24h") { intervals }', 'fields'],
    ['sessions(fields: [SUM_SESSION], first: 0) { intervals }', 'first'],
    ['sessions(fields: [SUM_SESSION], statsPeriod: "1d", start: "2025-01-01T00:00:00Z", end: "2025-01-02T00:00:00Z") { intervals }', 'statsPeriod'],
    ['sessions(fields: [SUM_SESSION], orderBy: CRASH_FREE_RATE_USER) { intervals }', 'orderBy'],
    ['releases(first: 1) { nodes { health(statsPeriod: "forever") { sessions } } }', 'statsPeriod']
  ]
  for (const [field, argument] of cases) {
    const res = await run(`{ organization(slug: "acme") { ${field} } }`)
    t.ok(codes(res).includes('BAD_USER_INPUT'), field)
    t.equal(res.body.errors?.find((e) => e.extensions?.code === 'BAD_USER_INPUT')?.extensions?.argument, argument, `${field} names ${argument}`)
    t.equal(await upstream(SESSIONS), 0, `${field}: no sessions call`)
  }
  const sentry = await run('{ organization(slug: "acme") { sessions(fields: [SUM_SESSION], query: "release:(") { intervals } } }')
  t.match(sentry.body.errors?.[0], { message: /^Sentry rejected the release health query: Parse error/, extensions: { code: 'BAD_USER_INPUT', argument: 'query' } })
  t.equal(await upstream(SESSIONS), 1)
})
