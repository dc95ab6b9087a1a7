/**
 * Traces through GraphQL against the emulator: flat spans rebuilt into the emulator's tree, trace
 * ids from a table resolving to the spans the table showed, linked issues, trace-meta only when
 * asked, Event.traceDetails, sentry-mcp's recorded (older) trace shapes, and refusals.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { flattenTrace, traceMeta } from '../../../src/graphql/resolvers/trace.js'
import { buildTestApp } from '../../helpers/app.js'
import { codes, connectViewer, countedRunner, gql } from '../../helpers/graphql.js'
import { pastHourWindow, upstreamCalls } from '../../helpers/emulator.js'

const TRACE = 'GET /api/0/organizations/{organization_id_or_slug}/trace/{trace_id}/'
const TRACE_META = 'GET /api/0/organizations/{organization_id_or_slug}/trace-meta/{trace_id}/'
const GOLDEN = 'b4d1aae7216b47ff8117cf4e09ce9d0b'

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../src/emulator/fixtures/sentry-mcp/${name}`, import.meta.url), 'utf8'))

const ta = await buildTestApp(t)
const viewer = await connectViewer(ta)
const { app, emulator } = ta

const WINDOW = pastHourWindow()

const upstream = async (route?: string): Promise<number> => await upstreamCalls(emulator, route)
const run = countedRunner(ta, viewer)

const SPAN_FIELDS = 'spanId parentSpanId depth childCount op name description transaction transactionId isTransaction projectSlug projectId start end durationMs sdkName profileId issues { kind eventId spanId issueId shortId level title culprit issueType projectSlug timestamp }'

interface FlatSpan { spanId: string, parentSpanId: string | null, depth: number, childCount: number, start: string, end: string, durationMs: number, issues: Array<{ spanId: string }> }
interface Tree { id: string, children: Tree[] }

/** The tree from the flat list: parents come before their children, children keep their order. */
function rebuild (spans: FlatSpan[]): Tree[] {
  const nodes = new Map<string, Tree>()
  const roots: Tree[] = []
  for (const s of spans) {
    const node: Tree = { id: s.spanId, children: [] }
    nodes.set(s.spanId, node)
    const parent = s.parentSpanId === null ? undefined : nodes.get(s.parentSpanId)
    if (parent === undefined) roots.push(node)
    else parent.children.push(node)
  }
  return roots
}

function treeOf (raw: Array<Record<string, unknown>>): Tree[] {
  return raw.map((n) => ({ id: String(n.event_id), children: treeOf(n.children as Array<Record<string, unknown>>) }))
}

/** Trace ids of segments in the window, with the table's span ids per trace. */
async function tableTraces (query: string): Promise<Map<string, string[]>> {
  const res = await gql(app, `query ($start: DateTime, $end: DateTime, $query: String) { organization(slug: "acme") {
    explore(dataset: SPANS, fields: ["id", "trace"], query: $query, start: $start, end: $end, first: 100) { nodes { data } } } }`,
  { cookie: viewer.cookie, variables: { ...WINDOW, query } })
  const byTrace = new Map<string, string[]>()
  for (const n of res.body.data.organization.explore.nodes as Array<{ data: { id: string, trace: string } }>) {
    byTrace.set(n.data.trace, [...(byTrace.get(n.data.trace) ?? []), n.data.id])
  }
  return byTrace
}

t.test('a trace from a table: flat spans rebuild the emulator\'s tree, in one upstream call', async (t) => {
  const traces = await tableTraces('is_transaction:true project:backend')
  t.ok(traces.size > 3)
  let deep = 0
  for (const traceId of [...traces.keys()].slice(0, 8)) {
    const res = await run(`query ($id: ID!) { organization(slug: "acme") { trace(traceId: $id) { traceId spanCount rootSpanIds truncated raw spans { ${SPAN_FIELDS} } } } }`, { id: traceId })
    t.notOk(res.body.errors, JSON.stringify(res.body.errors))
    t.equal(await upstream(TRACE), 1, 'one upstream call')
    t.equal(await upstream(TRACE_META), 0, 'no trace-meta call when meta is not selected')
    const trace = res.body.data.organization.trace
    t.equal(trace.traceId, traceId)
    t.equal(trace.truncated, false)
    t.equal(trace.spanCount, trace.spans.length)
    // The emulator's own tree, read directly.
    const direct = await fetch(`${emulator.url}/api/0/organizations/acme/trace/${traceId}/`, { headers: { authorization: `Bearer ${viewer.tokens.access_token}` } })
    const tree = treeOf(await direct.json() as Array<Record<string, unknown>>)
    t.same(rebuild(trace.spans), tree, 'the flat spans rebuild the tree Sentry sent')
    t.same(trace.rootSpanIds, tree.map((r) => r.id))
    for (const s of trace.spans as FlatSpan[]) {
      const parent = trace.spans.find((p: FlatSpan) => p.spanId === s.parentSpanId)
      t.equal(s.depth, parent === undefined ? 0 : parent.depth + 1)
      t.equal(s.childCount, trace.spans.filter((c: FlatSpan) => c.parentSpanId === s.spanId).length)
      t.ok(Math.abs(Date.parse(s.end) - Date.parse(s.start) - s.durationMs) < 2, 'start + duration = end')
      deep = Math.max(deep, s.depth)
    }
    t.equal(trace.spans[0].isTransaction, true)
    t.equal(trace.spans[0].transaction, trace.spans[0].description)
  }
  t.ok(deep >= 2, 'some traces are deeper than two levels')
})

t.test('a trace id from a table resolves to exactly the spans the table showed', async (t) => {
  const all = await tableTraces('project:api-gateway')
  const [traceId, tableIds] = [...all.entries()].find(([, ids]) => ids.length > 2) ?? ['', []]
  const res = await run('query ($id: ID!) { organization(slug: "acme") { trace(traceId: $id) { spans { spanId } } } }', { id: traceId })
  t.notOk(res.body.errors)
  t.same(res.body.data.organization.trace.spans.map((s: { spanId: string }) => s.spanId).sort(), [...tableIds].sort())
})

t.test('linked issues on spans, and trace-meta only when selected', async (t) => {
  const failing = await tableTraces('is_transaction:true span.status:internal_error')
  let found = false
  for (const traceId of failing.keys()) {
    const res = await run(`query ($id: ID!) { organization(slug: "acme") { trace(traceId: $id) {
      spanCount issues { kind spanId issueId shortId level title issueType projectSlug timestamp }
      spans { spanId op issues { issueId } }
      meta { spansCount errorsCount performanceIssuesCount logsCount metricsCount uptimeCount spansByOp { op count } transactionChildCounts { transactionEventId count } }
    } } }`, { id: traceId })
    t.notOk(res.body.errors, JSON.stringify(res.body.errors))
    t.equal(await upstream(TRACE), 1)
    t.equal(await upstream(TRACE_META), 1, 'meta costs one more call')
    const trace = res.body.data.organization.trace
    t.equal(trace.meta.spansCount, trace.spanCount)
    t.equal(trace.meta.spansByOp.reduce((a: number, o: { count: number }) => a + o.count, 0), trace.spanCount)
    t.equal(trace.meta.transactionChildCounts[0].count, trace.spanCount - 1)
    t.equal(trace.meta.errorsCount, trace.issues.length)
    if (trace.issues.length === 0) continue
    found = true
    const issue = trace.issues[0]
    t.match(issue, { kind: 'error', level: String, issueType: 1, projectSlug: String })
    t.ok(trace.spans.some((s: { spanId: string, issues: Array<{ issueId: string }> }) => s.spanId === issue.spanId && s.issues[0]?.issueId === issue.issueId), 'the issue sits on its span')
    const detail = await gql(app, 'query ($id: ID!) { organization(slug: "acme") { issue(id: $id) { id shortId } } }', { cookie: viewer.cookie, variables: { id: issue.issueId } })
    t.same(detail.body.data.organization.issue, { id: issue.issueId, shortId: issue.shortId }, 'the linked issue is a real issue of the organization')
    break
  }
  t.ok(found, 'a failing segment links a seeded issue')
})

t.test('Event.traceDetails links an error event to its trace', async (t) => {
  const res = await run(`{ organization(slug: "acme") { issue(id: "${await firstErrorIssue()}") { id latestEvent { eventID trace { traceId spanId } traceDetails { traceId spans { spanId depth issues { issueId } } issues { issueId spanId } } } } } }`)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const issue = res.body.data.organization.issue
  const ev = issue.latestEvent
  t.equal(ev.traceDetails.traceId, ev.trace.traceId)
  t.same(ev.traceDetails.issues, [{ issueId: issue.id, spanId: ev.trace.spanId }], 'the event\'s issue, on the event\'s span')
  t.equal(ev.traceDetails.spans.length, 2)
  t.equal(await upstream(TRACE), 1)
})

async function firstErrorIssue (): Promise<string> {
  const res = await gql(app, '{ organization(slug: "acme") { issues(first: 50, query: "") { nodes { id issueCategory type } } } }', { cookie: viewer.cookie })
  return res.body.data.organization.issues.nodes.find((i: { issueCategory: string, type: string }) => i.issueCategory === 'error' && i.type === 'error').id
}

t.test("sentry-mcp's recorded trace and trace-meta (older shapes) come through", async (t) => {
  const res = await run(`{ organization(slug: "acme") { trace(traceId: "${GOLDEN.toUpperCase()}") {
    traceId rootSpanIds spans { spanId parentSpanId depth op isTransaction durationMs start projectSlug projectId profileId }
    issues { kind eventId spanId issueId title culprit timestamp }
    meta { spansCount errorsCount performanceIssuesCount logsCount spansByOp { op count } transactionChildCounts { transactionEventId count } }
  } } }`)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const trace = res.body.data.organization.trace
  t.equal(trace.traceId, GOLDEN, 'the id is normalised to lower case')
  t.same(trace.rootSpanIds, ['aa8e7f3384ef4ff5', 'b4abfe5ed7984c2b'], 'span_id, not event_id, is the span id in the older shape')
  t.same(trace.spans.map((s: { spanId: string, depth: number }) => [s.spanId, s.depth]), [['aa8e7f3384ef4ff5', 0], ['ad0f7c48fb294de3', 1], ['b4abfe5ed7984c2b', 0], ['99a97a1d42c3489a', 1]])
  t.match(trace.spans[0], { op: 'function', isTransaction: true, durationMs: 5203, projectSlug: 'mcp-server', projectId: '4509109107622913', profileId: null, start: '2024-04-22T17:04:18.405Z' })
  t.match(trace.issues, [
    { kind: 'error', eventId: '6507376925', spanId: null, issueId: '6507376925', title: 'Error: Standalone issue not associated with spans', culprit: 'standalone-error.js:42' },
    { kind: 'error', eventId: '6507376926', spanId: null, issueId: '6507376926' }
  ])
  t.match(trace.meta, { spansCount: 112, errorsCount: 0, performanceIssuesCount: 0, logsCount: 0 })
  t.same(trace.meta.spansByOp.slice(0, 2), [{ op: 'cache.get', count: 41 }, { op: 'middleware.django', count: 24 }])
  t.equal(trace.meta.transactionChildCounts.length, 9)
  t.equal(await upstream(), 2)

  // The same readers on the other recorded payloads.
  const withNulls = traceMeta(fixture('trace-meta-with-nulls.json') as Record<string, unknown>)
  t.equal(withNulls.errorsCount, 2)
  t.equal(withNulls.transactionChildCounts.filter((c) => c.transactionEventId === null).length, 3)
  const flat = flattenTrace(fixture('trace-mixed.json') as Array<Record<string, unknown>>)
  t.equal(flat.spans.length, 4)
  t.equal(flat.issues.length, 2)
})

t.test('unknown, malformed and over-limit trace requests', async (t) => {
  const unknown = await run(`{ organization(slug: "acme") { trace(traceId: "${'ab'.repeat(16)}") { traceId } } }`)
  t.notOk(unknown.body.errors)
  t.equal(unknown.body.data.organization.trace, null, 'Sentry answers [] for an unknown id: null')
  t.equal(await upstream(TRACE), 1)
  for (const bad of ['xyz', '1234', `${'a'.repeat(31)}g`, 'a'.repeat(33)]) {
    const res = await run(`{ organization(slug: "acme") { trace(traceId: "${bad}") { traceId } } }`)
    t.same(codes(res), ['BAD_USER_INPUT'])
    t.equal(res.body.errors?.[0]?.extensions?.argument, 'traceId')
    t.equal(await upstream(), 0, `${bad}: no upstream call`)
  }
  const both = await run(`{ organization(slug: "acme") { trace(traceId: "${GOLDEN}", statsPeriod: "1d", start: "2025-01-01T00:00:00Z", end: "2025-01-02T00:00:00Z") { traceId } } }`)
  t.equal(both.body.errors?.[0]?.extensions?.argument, 'statsPeriod')
  t.equal(await upstream(), 0)
  const limit = await run(`{ organization(slug: "acme") { trace(traceId: "${GOLDEN}") { spans(limit: 0) { spanId } } } }`)
  t.match(limit.body.errors?.[0]?.extensions, { code: 'BAD_USER_INPUT', argument: 'limit' })
  const two = await run(`{ organization(slug: "acme") { trace(traceId: "${GOLDEN}") { spans(limit: 2) { spanId } } } }`)
  t.equal(two.body.data.organization.trace.spans.length, 2)
})
