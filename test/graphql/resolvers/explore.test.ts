/**
 * Explore tables, time series and transaction summaries through GraphQL against the emulator:
 * each field with its upstream call count, paging over three pages, a top-5 series with its
 * isOther series, refusals before any upstream call, and Sentry's own answers passed through.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { columnsOf, exploreResolvers, timeSeries } from '../../../src/graphql/resolvers/explore.js'
import { buildTestApp } from '../../helpers/app.js'
import { codes, connectViewer, countedRunner, gql, type GqlResponse } from '../../helpers/graphql.js'
import { control, pastHourWindow, resetCounters, upstreamCalls } from '../../helpers/emulator.js'

const EVENTS = 'GET /api/0/organizations/{organization_id_or_slug}/events/'
const SERIES = 'GET /api/0/organizations/{organization_id_or_slug}/events-timeseries/'

const ta = await buildTestApp(t, { env: { SENTRY_RATE_LIMIT_WAIT_MS: '0' } })
const viewer = await connectViewer(ta)
const { app, emulator } = ta

const WINDOW = pastHourWindow()

const upstream = async (route?: string): Promise<number> => await upstreamCalls(emulator, route)
const run = countedRunner(ta, viewer)

t.test('explore: a spans table with columns from meta, JSON rows and aliased typed accessors, in one upstream call', async (t) => {
  const res = await run(`query ($start: DateTime, $end: DateTime) { organization(slug: "acme") {
    explore(dataset: SPANS, fields: ["id", "trace", "span.op", "span.duration", "is_transaction", "timestamp"], start: $start, end: $end, first: 10) {
      columns { name type rawType unit } dataset dataScanned
      nodes { data id: string(field: "id") ms: number(field: "span.duration") seg: boolean(field: "is_transaction") op: value(field: "span.op") missing: number(field: "nope") }
      pageInfo { hasNextPage endCursor }
    } } }`, WINDOW)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const table = res.body.data.organization.explore
  t.same(table.columns.map((c: { name: string }) => c.name), ['id', 'trace', 'span.op', 'span.duration', 'is_transaction', 'timestamp'])
  t.match(table.columns[3], { type: 'DURATION', rawType: 'duration', unit: 'millisecond' })
  t.match(table.columns[4], { type: 'BOOLEAN', unit: null })
  t.match(table.columns[5], { type: 'DATE' })
  t.equal(table.dataset, 'spans')
  t.equal(table.nodes.length, 10)
  for (const n of table.nodes) {
    t.equal(n.id, n.data.id)
    t.equal(n.ms, n.data['span.duration'])
    t.equal(n.seg, n.data.is_transaction)
    t.equal(n.op, n.data['span.op'])
    t.equal(n.missing, null)
    t.match(n.data.trace, /^[0-9a-f]{32}$/)
  }
  t.equal(table.pageInfo.hasNextPage, true)
  t.equal(await upstream(EVENTS), 1)
  t.equal(await upstream(), 1)
})

t.test('explore: a table paged over three pages equals the same rows read at once', async (t) => {
  const q = `query ($start: DateTime, $end: DateTime, $first: Int, $after: String) { organization(slug: "acme") {
    explore(dataset: SPANS, fields: ["id", "timestamp", "span.op"], query: "is_transaction:true", sort: ["-timestamp", "id"], start: $start, end: $end, first: $first, after: $after) {
      edges { cursor node { data } } pageInfo { hasNextPage hasPreviousPage endCursor }
    } } }`
  const all = await run(q, { ...WINDOW, first: 15 })
  t.notOk(all.body.errors, JSON.stringify(all.body.errors))
  const expected = all.body.data.organization.explore.edges.map((e: { node: { data: { id: string } } }) => e.node.data.id)
  t.equal(expected.length, 15)
  await resetCounters(emulator)
  const seen: string[] = []
  let after: string | null = null
  for (let page = 0; page < 3; page++) {
    const res: GqlResponse<any> = await gql(app, q, { cookie: viewer.cookie, variables: { ...WINDOW, first: 5, after } })
    t.notOk(res.body.errors, JSON.stringify(res.body.errors))
    const conn: { edges: Array<{ node: { data: { id: string } } }>, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, endCursor: string } } = res.body.data.organization.explore
    t.equal(conn.edges.length, 5)
    t.equal(conn.pageInfo.hasPreviousPage, page > 0)
    t.equal(conn.pageInfo.hasNextPage, true)
    seen.push(...conn.edges.map((e: { node: { data: { id: string } } }) => e.node.data.id))
    after = conn.pageInfo.endCursor
  }
  t.same(seen, expected, 'three pages of 5 are the first 15 rows, in order, without repeats')
  t.equal(await upstream(EVENTS), 3, 'one upstream call per page')
})

t.test('explore: functions group by the other fields; sort fields not selected are added', async (t) => {
  const res = await run(`query ($start: DateTime, $end: DateTime) { organization(slug: "acme") {
    explore(dataset: SPANS, fields: ["transaction", "count()", "p95(span.duration)", "failure_rate()", "epm()", "count_unique(user)"], query: "is_transaction:true", sort: ["-avg(span.duration)"], start: $start, end: $end, first: 50) {
      columns { name type unit } nodes { name: string(field: "transaction") n: number(field: "count()") avg: number(field: "avg(span.duration)") fr: number(field: "failure_rate()") epm: number(field: "epm()") }
    } } }`, WINDOW)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const table = res.body.data.organization.explore
  t.same(table.columns.map((c: { name: string }) => c.name).at(-1), 'avg(span.duration)')
  t.match(table.columns.find((c: { name: string }) => c.name === 'epm()'), { type: 'RATE', unit: '1/minute' })
  t.match(table.columns.find((c: { name: string }) => c.name === 'failure_rate()'), { type: 'PERCENTAGE' })
  const names = table.nodes.map((n: { name: string }) => n.name)
  t.equal(new Set(names).size, names.length, 'one row per transaction')
  t.ok(names.includes('GET /api/users'))
  const avgs = table.nodes.map((n: { avg: number }) => n.avg)
  t.same(avgs, [...avgs].sort((a, b) => b - a), 'sorted by the added field')
  for (const n of table.nodes) {
    t.ok(n.n >= 1 && n.fr >= 0 && n.fr <= 1)
    t.equal(n.epm, Math.round(n.n / 60 * 1000) / 1000, 'epm over the one-hour window')
  }
  t.equal(await upstream(EVENTS), 1)
})

t.test('explore: errors from the seeded events, logs empty', async (t) => {
  const res = await run(`{ organization(slug: "acme") {
    errors: explore(dataset: ERRORS, fields: ["issue", "title", "count()", "last_seen()"], sort: ["-count()"], start: "2025-01-01T00:00:00Z", end: "2025-12-01T00:00:00Z", first: 5) { columns { name type } nodes { data } }
    logs: explore(dataset: LOGS, fields: ["message", "timestamp"], statsPeriod: "1h") { nodes { data } pageInfo { hasNextPage } }
  } }`)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const { errors, logs } = res.body.data.organization
  t.equal(errors.nodes.length, 5)
  t.match(errors.nodes[0].data, { issue: /^[A-Z-]+-[0-9A-Z]+$/, 'count()': Number })
  t.match(errors.columns, [{ type: 'STRING' }, { type: 'STRING' }, { type: 'INTEGER' }, { type: 'DATE' }])
  t.same(logs.nodes, [])
  t.equal(await upstream(EVENTS), 2)
})

t.test('timeseries: p95 per transaction over 24 h, top 5 plus the isOther series, in one upstream call', async (t) => {
  const res = await run(`{ organization(slug: "acme") {
    timeseries(dataset: SPANS, yAxis: ["p95(span.duration)"], query: "is_transaction:true", groupBy: ["transaction"], topEvents: 5, sort: "-p95(span.duration)", statsPeriod: "24h", interval: "1h") {
      dataset start end
      series { yAxis groupBy { key value } isOther order valueType valueUnit intervalSeconds points { timestamp value incomplete incompleteReason } }
    } } }`)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const ts = res.body.data.organization.timeseries
  t.equal(ts.dataset, 'spans')
  t.equal(ts.series.length, 6, 'five groups and the other series')
  const [others, ...top] = [ts.series.at(-1), ...ts.series.slice(0, 5)]
  t.match(others, { isOther: true, groupBy: [], order: 5 })
  top.forEach((s: { isOther: boolean, order: number, groupBy: Array<{ key: string, value: string }> }, i: number) => {
    t.equal(s.isOther, false)
    t.equal(s.order, i)
    t.equal(s.groupBy[0]?.key, 'transaction')
  })
  t.equal(new Set(top.map((s: { groupBy: Array<{ value: string }> }) => s.groupBy[0]?.value)).size, 5)
  for (const s of ts.series) {
    t.match(s, { yAxis: 'p95(span.duration)', valueType: 'DURATION', valueUnit: 'millisecond', intervalSeconds: 3600 })
    t.ok(s.points.length >= 24 && s.points.length <= 25)
    t.equal(s.points.at(-1).incomplete, true, 'the current bucket is incomplete')
    t.equal(s.points.at(-1).incompleteReason, 'INCOMPLETE_BUCKET')
    t.equal(s.points[0].incomplete, false)
    t.equal(Date.parse(s.points[1].timestamp) - Date.parse(s.points[0].timestamp), 3_600_000)
  }
  t.equal(await upstream(SERIES), 1)
  t.equal(await upstream(), 1)
})

t.test('timeseries: several axes, excludeOther, and the totals agree with the table', async (t) => {
  const res = await run(`query ($start: DateTime, $end: DateTime) { organization(slug: "acme") {
    timeseries(dataset: SPANS, yAxis: ["count()", "avg(span.duration)"], query: "is_transaction:true", groupBy: ["transaction"], topEvents: 2, excludeOther: true, start: $start, end: $end, interval: "10m") {
      series { yAxis isOther groupBy { value } points { value } }
    }
    explore(dataset: SPANS, fields: ["transaction", "count()"], query: "is_transaction:true", sort: ["-count()"], start: $start, end: $end, first: 2) { nodes { data } }
  } }`, WINDOW)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const { timeseries, explore } = res.body.data.organization
  t.equal(timeseries.series.length, 4, 'two groups × two axes, no other series')
  t.notOk(timeseries.series.some((s: { isOther: boolean }) => s.isOther))
  const counts = timeseries.series.filter((s: { yAxis: string }) => s.yAxis === 'count()')
  t.same(counts.map((s: { groupBy: Array<{ value: string }> }) => s.groupBy[0]?.value), explore.nodes.map((n: { data: { transaction: string } }) => n.data.transaction))
  t.same(counts.map((s: { points: Array<{ value: number }> }) => s.points.reduce((a, p) => a + p.value, 0)), explore.nodes.map((n: { data: Record<string, number> }) => n.data['count()']))
  t.equal(await upstream(), 2)
})

t.test('transactions: a typed summary per transaction in one upstream call', async (t) => {
  const res = await run(`query ($start: DateTime, $end: DateTime) { organization(slug: "acme") {
    transactions(start: $start, end: $end, first: 5, projects: ["backend"]) {
      nodes { name projectSlug count throughputPerMinute failureRate avgMs p50Ms p95Ms p99Ms } pageInfo { hasNextPage }
    } } }`, WINDOW)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const nodes = res.body.data.organization.transactions.nodes
  t.ok(nodes.length >= 3)
  const p95s = nodes.map((n: { p95Ms: number }) => n.p95Ms)
  t.same(p95s, [...p95s].sort((a, b) => b - a), 'P95_DESC by default')
  for (const n of nodes) {
    t.equal(n.projectSlug, 'backend')
    t.ok(n.p50Ms <= n.p95Ms && n.p95Ms <= n.p99Ms, `${n.name}: p50 ≤ p95 ≤ p99`)
    t.ok(n.failureRate >= 0 && n.failureRate <= 1)
    t.ok(n.count > 0 && n.throughputPerMinute > 0)
  }
  t.equal(await upstream(EVENTS), 1)
})

t.test('bad input is refused before any upstream call, naming the argument', async (t) => {
  const fields21 = JSON.stringify(Array.from({ length: 21 }, (_, i) => `f${i}`))
  const cases: Array<[string, string]> = [
    [`explore(dataset: SPANS, fields: ${fields21}) { nodes { data } }`, 'fields'],
    ['explore(dataset: SPANS, fields: []) { nodes { data } }', 'fields'],
    ['explore(dataset: SPANS, fields: ["id"], first: 101) { nodes { data } }', 'first'],
    ['explore(dataset: SPANS, fields: ["id"], first: 0) { nodes { data } }', 'first'],
    ['explore(dataset: SPANS, fields: ["id"], after: "garbage") { nodes { data } }', 'after'],
    ['explore(dataset: SPANS, fields: ["id"], statsPeriod: "24h", start: "2025-01-01T00:00:00Z", end: "2025-01-02T00:00:00Z") { nodes { data } }', 'statsPeriod'],
    ['explore(dataset: SPANS, fields: ["id"], statsPeriod: "24") { nodes { data } }', 'statsPeriod'],
    ['explore(dataset: SPANS, fields: ["id"], start: "2025-01-02T00:00:00Z", end: "2025-01-01T00:00:00Z") { nodes { data } }', 'end'],
    ['explore(dataset: SPANS, fields: ["id"], start: "2025-01-02T00:00:00Z") { nodes { data } }', 'end'],
    [`explore(dataset: SPANS, fields: ${JSON.stringify(Array.from({ length: 20 }, (_, i) => `f${i}`))}, sort: ["-count()"]) { nodes { data } }`, 'sort'],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], topEvents: 5) { series { yAxis } }', 'topEvents'],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], groupBy: ["transaction"], topEvents: 11) { series { yAxis } }', 'topEvents'],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], groupBy: ["transaction"], topEvents: 0) { series { yAxis } }', 'topEvents'],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], groupBy: ["transaction"]) { series { yAxis } }', 'groupBy'],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], groupBy: ["timestamp"], topEvents: 2) { series { yAxis } }', 'groupBy'],
    ['timeseries(dataset: SPANS, yAxis: []) { series { yAxis } }', 'yAxis'],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], interval: "1 hour") { series { yAxis } }', 'interval'],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], groupBy: ["transaction"], topEvents: 2, sort: "-p95(span.duration)") { series { yAxis } }', 'sort'],
    ['transactions(first: 500) { nodes { name } }', 'first']
  ]
  for (const [field, argument] of cases) {
    const res = await run(`{ organization(slug: "acme") { ${field} } }`)
    t.same(codes(res), ['BAD_USER_INPUT'], field)
    t.equal(res.body.errors?.[0]?.extensions?.argument, argument, `${field} names ${argument}`)
    t.equal(await upstream(), 0, `${field}: no upstream call`)
  }
})

t.test("Sentry's 400 detail on a query comes through, scrubbed and bounded, with the argument it is about", async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['explore(dataset: SPANS, fields: ["id"], query: "transaction:(", statsPeriod: "1h") { nodes { data } }', 'query', /^Parse error at/],
    ['explore(dataset: SPANS, fields: ["foo(span.duration)"], statsPeriod: "1h") { nodes { data } }', 'fields', /^foo is not a valid function$/],
    ['explore(dataset: SPANS, fields: ["avg(span.op)"], statsPeriod: "1h") { nodes { data } }', 'fields', /Argument to function is wrong type/],
    ['timeseries(dataset: SPANS, yAxis: ["bar()"], statsPeriod: "1h") { series { yAxis } }', 'yAxis', /^bar is not a valid function$/],
    ['timeseries(dataset: SPANS, yAxis: ["count()"], statsPeriod: "90d", interval: "15s") { series { yAxis } }', 'interval', /too many results/]
  ]
  for (const [field, argument, detail] of cases) {
    const res = await run(`{ organization(slug: "acme") { ${field} } }`)
    t.same(codes(res), ['BAD_USER_INPUT'], field)
    const err = res.body.errors?.[0]
    t.match(err?.extensions, { argument, sentryDetail: detail }, field)
    t.match(err?.message, /^Sentry rejected the Explore query: /)
    t.ok(String(err?.extensions?.sentryDetail).length <= 300)
    t.equal(await upstream(), 1, `${field}: one upstream call`)
  }
  // globex has no global-views: Sentry refuses several projects.
  const multi = await run('{ organization(slug: "globex") { explore(dataset: SPANS, fields: ["id"], projects: ["web", "billing"], statsPeriod: "1h") { nodes { data } } } }')
  t.match(multi.body.errors?.[0]?.extensions, { code: 'BAD_USER_INPUT', argument: 'projects', sentryDetail: 'You cannot view events from multiple projects.' })
})

t.test('feature-disabled 404, grouped-errors 500 and the lower rate limit get their own answers', async (t) => {
  await control(emulator, 'org-features', { org: 'acme', features: ['session-replay'] })
  t.teardown(async () => { await control(emulator, 'org-features', { org: 'acme', features: null }) })
  const off = await run('{ organization(slug: "acme") { explore(dataset: SPANS, fields: ["id"]) { nodes { data } } timeseries(dataset: SPANS) { dataset } } }')
  t.same(codes(off), ['NOT_FOUND', 'NOT_FOUND'])
  t.match(off.body.errors?.[0], { message: /not enabled for this organization/, extensions: { reason: 'FEATURE_DISABLED' } })
  t.same(off.body.data.organization, { explore: null, timeseries: null }, 'each field fails alone')
  await control(emulator, 'org-features', { org: 'acme', features: null })

  const grouped = await run('{ organization(slug: "acme") { timeseries(dataset: ERRORS, groupBy: ["issue"], topEvents: 3, statsPeriod: "24h") { dataset } } }')
  t.same(codes(grouped), ['UPSTREAM_ERROR'])
  t.match(grouped.body.errors?.[0], { message: /grouped \(topEvents\) time series on the errors dataset/, extensions: { reason: 'KNOWN_UPSTREAM_FAILURE', upstreamStatus: 500 } })

  await control(emulator, 'faults', { status: 429, count: 1, pathPrefix: '/api/0/organizations/acme/events/' })
  const limited = await run('{ organization(slug: "acme") { explore(dataset: SPANS, fields: ["id"]) { nodes { data } } } }')
  t.same(codes(limited), ['RATE_LIMITED'])
  t.match(limited.body.errors?.[0], { message: /30 requests a second and 15 at once/, extensions: { limit: { perSecond: 30, concurrent: 15 } } })
})

t.test('the emulator enforces the query endpoints\' own limits (30 a second, 15 concurrent)', async (t) => {
  const token = viewer.tokens.access_token
  const url = `${emulator.url}/api/0/organizations/acme/events/?dataset=logs&field=message&statsPeriod=1h`
  const statuses: number[] = []
  let headers: Headers | undefined
  // Within one window (a second): 31 sequential calls; the 31st is refused.
  while (true) {
    // Start at the beginning of a fresh one-second window (earlier calls used this token too).
    await new Promise((resolve) => setTimeout(resolve, 1000 - Date.now() % 1000 + 5))
    const windowStart = Math.floor(Date.now() / 1000)
    statuses.length = 0
    for (let i = 0; i < 31; i++) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
      await res.arrayBuffer()
      statuses.push(res.status)
      headers = res.headers
    }
    if (Math.floor(Date.now() / 1000) === windowStart) break
  }
  t.same(statuses.slice(0, 30).filter((s) => s !== 200), [])
  t.equal(statuses[30], 429)
  t.equal(headers?.get('x-sentry-rate-limit-limit'), '30')
  t.equal(headers?.get('x-sentry-rate-limit-concurrentlimit'), '15')
})

t.test("sentry-mcp's recorded tables parse: columns from meta, rows through the accessors", async (t) => {
  const load = (name: string): { data: Array<Record<string, unknown>>, meta: Record<string, unknown> } =>
    JSON.parse(readFileSync(new URL(`../../../src/emulator/fixtures/sentry-mcp/${name}`, import.meta.url), 'utf8'))
  const row = exploreResolvers.ExploreRow as Record<string, (parent: unknown, args: { field: string }) => unknown>
  const accessor = (name: string, data: unknown, field: string): unknown => (row[name] as (p: unknown, a: { field: string }) => unknown)({ data }, { field })

  const spans = load('events-spans.json')
  const spanColumns = columnsOf(Object.keys(spans.meta.fields as object), spans.meta)
  t.match(spanColumns.find((c) => c.name === 'span.duration'), { type: 'DURATION', rawType: 'duration', unit: 'millisecond' })
  t.match(spanColumns.find((c) => c.name === 'is_transaction'), { type: 'BOOLEAN', unit: null })
  t.match(spanColumns.find((c) => c.name === 'timestamp'), { type: 'STRING' }, 'timestamp typed string there: kept as Sentry says')
  t.equal(accessor('number', spans.data[0], 'span.duration'), 12)
  t.equal(accessor('boolean', spans.data[0], 'is_transaction'), true)
  t.equal(accessor('string', spans.data[1], 'trace'), '54177131c7b192a446124daba3136045')
  t.equal(accessor('number', spans.data[0], 'span.op'), null, 'a string is not a number')

  const errors = load('events-errors.json')
  const errorColumns = columnsOf(['issue', 'count()', 'last_seen()', 'issue.id', 'unknown'], errors.meta)
  t.same(errorColumns.map((c) => c.type), ['OTHER', 'INTEGER', 'DATE', 'INTEGER', 'OTHER'], 'a field without meta is OTHER')
  t.equal(errorColumns[0]?.rawType, 'unknown')
  t.equal(accessor('number', errors.data[0], 'issue.id'), 6114575469, 'ids above 2^32 stay exact as Float')
  t.equal(accessor('string', errors.data[0], 'count()'), '2')
  t.equal(accessor('value', errors.data[0], 'last_seen()'), '2025-04-07T12:23:39+00:00')

  // The spec's own example interval is in seconds; Sentry's code sends milliseconds.
  t.equal(timeSeries({ yAxis: 'count()', meta: { valueType: 'integer', valueUnit: null, interval: 3600 }, values: [] }).intervalSeconds, 3600)
  t.equal(timeSeries({ yAxis: 'count()', meta: { valueType: 'integer', valueUnit: null, interval: 3_600_000 }, values: [{ timestamp: 0, value: 1, incomplete: false }] }).intervalSeconds, 3600)
  t.equal(timeSeries({ yAxis: 'x', meta: { valueType: 'future', valueUnit: null, interval: 60_000 }, values: [] }).valueType, 'OTHER')
})
