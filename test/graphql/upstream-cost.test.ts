/**
 * Issue 10, defect 3: the cost limit bounds upstream calls, not only nodes. The review's
 * repro made 216 Sentry calls from one request; it (and its variants) must be refused with
 * BAD_USER_INPUT naming `upstreamCalls` before any upstream call, and an operation that runs
 * must never make more calls than its computed cost.
 */
import { buildSchema, isObjectType, parse } from 'graphql'
import t, { type Test } from 'tap'
import { loadSchema } from '../../src/graphql/schema.js'
import { DEFAULT_LIST_MAX, UPSTREAM_COST, needsViewerListSizes, upstreamCalls, upstreamCostOf, type ViewerListSizes } from '../../src/graphql/upstream-cost.js'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

const schema = buildSchema(loadSchema().join('\n'))
const SIZES: ViewerListSizes = { organizations: 2, connections: 1, organizationsPerConnection: 2 }
const calls = (q: string, variables?: Record<string, unknown>, sizes = SIZES): number => upstreamCalls(schema, parse(q), variables, sizes)

const REPRO = '{ organizations { issues(first:100) { nodes { latestEvent{id} events(first:40){nodes{id}} } } } }'

t.test('the table names fields of the schema, and every connection field has an entry', async (t) => {
  for (const key of Object.keys(UPSTREAM_COST)) {
    const [type, field] = key.split('.') as [string, string]
    const named = schema.getType(type)
    t.ok(named !== undefined && isObjectType(named) && named.getFields()[field] !== undefined, `${key} is a field of the schema`)
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue
    for (const field of Object.values(type.getFields())) {
      if (field.args.some((a) => a.name === 'first')) t.ok(UPSTREAM_COST[`${type.name}.${field.name}`] !== undefined, `${type.name}.${field.name} (a connection) has a cost`)
    }
  }
})

t.test('the cost multiplies per-item calls by the list sizes above them', async (t) => {
  t.equal(calls(REPRO), 2 * (1 + 100 * (1 + 1)), 'the repro: 2 organizations × (issues + 100 × (latestEvent + events))')
  t.equal(calls(REPRO, undefined, { ...SIZES, organizations: 5 }), 5 * 201, '`organizations` counts as the viewer\'s organizations')
  t.equal(calls('{ organization(slug: "a") { issues { nodes { latestEvent { id } } } } }'), 1 + 25, 'no `first`: the default 25')
  t.equal(calls('{ organization(slug: "a") { issues(first: null) { nodes { latestEvent { id } } } } }'), 1 + 25, '`first: null`: the default')
  t.equal(calls('query ($n: Int) { organization(slug: "a") { issues(first: $n) { nodes { latestEvent { id } } } } }', { n: 60 }), 61, 'from a variable')
  t.equal(calls('query ($n: Int) { organization(slug: "a") { issues(first: $n) { nodes { latestEvent { id } } } } }', {}), 26, 'an absent variable: the default')
  t.equal(calls('query ($n: Int) { organization(slug: "a") { issues(first: $n) { nodes { latestEvent { id } } } } }', { n: 5000 }), 101, 'clipped to 100')
  t.equal(calls('{ organization(slug: "a") { issues(first: 3) { edges { node { latestEvent { id } } } } } }'), 1 + 3, 'edges { node } counts like nodes')
  t.equal(calls('{ organization(slug: "a") { issues(first: 3) { nodes { id title project { slug name } } } } }'), 1, 'fields in the listed item are free')
  t.equal(calls('{ organization(slug: "a") { issues(first: 3) { nodes { project { dateCreated features teams { id } } } } } }'), 1 + 3, 'project fields an issue lacks: one call per project, shared')
  t.equal(calls('{ organization(slug: "a") { projects(first: 30) { nodes { dateCreated features teams { id } } } } }'), 1, 'a listed project is complete')
  t.equal(calls('{ organization(slug: "a") { issues(first: 4) { nodes { tags { key } } } } issue(id: "1") { id } }'), 1 + 4, 'issue tags cost one call per listed issue')
  t.equal(calls('{ organization(slug: "a") { issue(id: "1") { tags { key } latestEvent { entries { type } } } } }'), 1 + 1, 'a fetched issue has its tags; a full event has its entries')
  t.equal(calls('{ viewer { connections { organizations { releases { nodes { id } } } } } }', undefined, { organizations: 3, connections: 2, organizationsPerConnection: 3 }), 2 * 3, 'connections × organizations per connection')
  t.equal(calls('{ organization(slug: "a") { ...O } } fragment O on Organization { issues(first: 10) { nodes { ...I } } } fragment I on Issue { latestEvent { id } events { nodes { id } } }'), 1 + 10 * 2, 'through fragments')
  t.equal(calls('{ organization(slug: "a") { ... on Organization { project(slug: "p") { keys(first: 5) { nodes { id } } issues(first: 2) { nodes { tagValues(key: "k") { nodes { value } } } } } } } }'), 1 + 1 + 1 + 2, 'inline fragments, nested connections')
  t.equal(calls('mutation { updateIssue(organizationSlug: "a", id: "1", input: { status: RESOLVED }) { id tags { key } } }'), 2, 'the update (and its read-back)')
  t.equal(calls('{ a: organization(slug: "a") { stats(field: SUM_QUANTITY, groupBy: [OUTCOME]) { start } } b: organization(slug: "b") { release(version: "1") { id } } }'), 2)
  t.equal(calls('query A { viewer { id } } query B { organizations { projects { nodes { id } } } }'), 2, 'the most expensive operation of the document')
  t.equal(calls('{ ...A } fragment A on Query { ...A organizations { projects { nodes { id } } } }'), 2, 'a fragment cycle counts once (validation refuses it)')
  t.equal(calls('{ organization(slug: "a") { nope { x } ... on Nope { y } } }'), 0, 'unknown fields and types cost nothing (validation refuses them)')
  t.equal(calls('{ organization(slug: "a") { release(version: "1") { projects { id } } } }'), 1, 'a list of embedded items without calls')
  t.equal(DEFAULT_LIST_MAX, 100)
  t.ok(needsViewerListSizes(parse('{ viewer { ... on Viewer { connections { id } } } }')))
  t.notOk(needsViewerListSizes(parse('{ organization(slug: "a") { id } }')))
})

t.test('upstreamCostOf: per document, the same answers as upstreamCalls, remembered only where variables and viewer sizes cannot change them', async (t) => {
  const cost = upstreamCostOf()
  const fixed = parse('{ organization(slug: "a") { issues(first: 7) { nodes { latestEvent { id } } } } }')
  const withVariable = parse('query ($n: Int) { organization(slug: "a") { issues(first: $n) { nodes { latestEvent { id } } } } }')
  const viewerBound = parse(REPRO)
  for (let i = 0; i < 2; i++) {
    t.equal(cost.upstreamCalls(schema, fixed, undefined, SIZES), 8)
    t.equal(cost.upstreamCalls(schema, fixed, { n: 99 }, SIZES), 8, 'variables the document does not declare change nothing')
    t.equal(cost.upstreamCalls(schema, withVariable, { n: 10 }, SIZES), 11)
    t.equal(cost.upstreamCalls(schema, withVariable, { n: 60 }, SIZES), 61, 'the same document with other variables')
    t.equal(cost.upstreamCalls(schema, viewerBound, undefined, SIZES), 2 * 201)
    t.equal(cost.upstreamCalls(schema, viewerBound, undefined, { ...SIZES, organizations: 5 }), 5 * 201, 'the same document for a viewer with more organizations')
  }
  t.ok(cost.needsViewerListSizes(viewerBound))
  t.notOk(cost.needsViewerListSizes(fixed))
})

t.test('attack: the review\'s repro and its variants are refused before any upstream call', async (t) => {
  // With defaults, Armor's static cost may refuse a document with large literal `first`s first:
  // here only the upstream limit is in play.
  const ta = await buildTestApp(t, { env: { GRAPHQL_MAX_COST: '10000000' } })
  const viewer = await connectViewer(ta)
  t.equal(viewer.connection.organizations.length, 2, 'the emulator\'s user 1 reaches two organizations')
  const refused = async (t: Test, query: string, variables?: Record<string, unknown>): Promise<void> => {
    await resetCounters(ta.emulator)
    const res = await gql(ta.app, query, { cookie: viewer.cookie, variables })
    t.same(codes(res), ['BAD_USER_INPUT'])
    t.equal(res.status, 400)
    t.match(res.body.errors?.[0], { message: /GRAPHQL_MAX_UPSTREAM_CALLS/, extensions: { limit: 'upstreamCalls', max: 100 } })
    t.ok(Number(res.body.errors?.[0]?.extensions?.actual) > 100)
    t.equal((await counters(ta.emulator)).apiRequests, 0, 'no upstream call')
  }
  await refused(t, REPRO)
  await refused(t, '{ organizations { issues(first: 60) { nodes { latestEvent { id } } } } }')
  await refused(t, 'query ($n: Int) { organization(slug: "acme") { issues(first: $n) { edges { node { latestEvent { id } } } } } }', { n: 100 })
  await refused(t, '{ organization(slug: "acme") { ...O } } fragment O on Organization { issues(first: 40) { nodes { ...I } } } fragment I on Issue { latestEvent { id } events { nodes { id } } tags { key } }')
  await refused(t, '{ viewer { connections { organizations { issues(first: 50) { nodes { events(first: 1) { nodes { id } } } } } } } }')
  await refused(t, '{ organization(slug: "acme") { projects(first: 100) { nodes { issues(first: 1) { nodes { id } } } } } }')
  // Without a session the repro is refused just the same (the lists count as empty, but the
  // connection fields under a single organization still cost).
  const anonymous = await gql(ta.app, '{ organization(slug: "acme") { issues(first: 100) { nodes { latestEvent { id } events { nodes { id } } } } } }')
  t.equal(anonymous.body.errors?.[0]?.extensions?.limit, 'upstreamCalls')
  t.equal(anonymous.status, 400)
  const defaults = await buildTestApp(t, { sharedEmulator: ta.emulator })
  const v = await connectViewer(defaults)
  await resetCounters(ta.emulator)
  const res = await gql(defaults.app, REPRO, { cookie: v.cookie })
  t.same(codes(res), ['BAD_USER_INPUT'], 'with the default limits the repro is refused too')
  t.match(res.body.errors?.[0]?.extensions?.limit, /^(cost|upstreamCalls)$/)
  t.equal((await counters(ta.emulator)).apiRequests, 0, 'no upstream call')
})

t.test('an operation that runs makes no more calls than its computed cost', async (t) => {
  const ta = await buildTestApp(t)
  const viewer = await connectViewer(ta)
  const cases = [
    '{ organizations { issues(first: 5) { nodes { latestEvent { id } events(first: 2) { nodes { id } } } } } }',
    '{ organization(slug: "acme") { issues(first: 10) { edges { node { id project { slug dateCreated features } tags { key } } } } } }',
    '{ organization(slug: "acme") { projects(first: 3) { nodes { slug features keys(first: 2) { nodes { id } } } } } }',
    '{ viewer { connections { organizations { releases(first: 2) { nodes { version } } members(first: 2) { nodes { id } } } } } }'
  ]
  for (const query of cases) {
    const computed = upstreamCalls(schema, parse(query), undefined, { organizations: 2, connections: 1, organizationsPerConnection: 2 })
    await resetCounters(ta.emulator)
    const res = await gql(ta.app, query, { cookie: viewer.cookie })
    t.notOk(res.body.errors, query)
    const made = (await counters(ta.emulator)).apiRequests
    t.ok(made <= computed, `${made} calls made, ${computed} computed`)
    t.ok(made > 0)
  }
})
