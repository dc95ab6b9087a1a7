import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer, gql } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

const ta = await buildTestApp(t)
const { app, emulator } = ta
const viewer = await connectViewer(ta)

const ISSUES = 'GET /api/0/organizations/{organization_id_or_slug}/issues/'
const ISSUE = 'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/'
const PROJECT = 'GET /api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/'
const EVENTS = 'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/'
const EVENT = 'GET /api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/events/{event_id}/'

async function measured (query: string, cookie = viewer.cookie): Promise<{ data: any, byRoute: Record<string, number>, apiRequests: number }> {
  await resetCounters(emulator)
  const res = await gql(app, query, { cookie })
  if (res.body.errors !== undefined) throw new Error(JSON.stringify(res.body.errors))
  const c = await counters(emulator)
  return { data: res.body.data, byRoute: c.byRoute, apiRequests: c.apiRequests }
}

t.test('issues(first: 100) { nodes { project { slug name platform } } } makes exactly one upstream call', async (t) => {
  const { data, byRoute, apiRequests } = await measured('{ organization(slug: "acme") { issues(first: 100, query: "") { nodes { project { slug name platform } } } } }')
  t.equal(data.organization.issues.nodes.length, 100)
  t.ok(data.organization.issues.nodes.every((n: { project: { slug: string, name: string } }) => n.project.slug !== '' && n.project.name !== ''))
  t.equal(apiRequests, 1)
  t.same(byRoute, { [ISSUES]: 1 })
})

t.test('project fields an issue does not embed are fetched once per distinct project, for every field asking', async (t) => {
  // 99, not 100: the upstream-call limit (GRAPHQL_MAX_UPSTREAM_CALLS, 100) counts the worst case,
  // one project fetch per issue plus the list, before the dedupe this test shows.
  const { data, byRoute, apiRequests } = await measured(`{ organization(slug: "acme") { issues(first: 99, query: "") { nodes {
    project { slug dateCreated features teams { slug } environments }
  } } } }`)
  const distinct = new Set(data.organization.issues.nodes.map((n: { project: { slug: string } }) => n.project.slug))
  t.ok(distinct.size > 1 && distinct.size < 100)
  t.equal(byRoute[PROJECT], distinct.size, `${distinct.size} projects, one call each`)
  t.equal(apiRequests, 1 + distinct.size)
  t.ok(data.organization.issues.nodes.every((n: { project: { dateCreated: string | null } }) => typeof n.project.dateCreated === 'string'))
})

t.test('a full project (from the project endpoints) never triggers a detail fetch', async (t) => {
  const { byRoute } = await measured('{ organization(slug: "acme") { projects(first: 10) { nodes { slug dateCreated features teams { slug } } } project(slug: "frontend") { status platforms } } }')
  t.same(byRoute, { 'GET /api/0/organizations/{organization_id_or_slug}/projects/': 1, [PROJECT]: 1 })
})

t.test('the same issue asked twice, with its latest event and tags, is fetched once', async (t) => {
  const list = await gql(app, '{ organization(slug: "acme") { issues(first: 1, query: "") { nodes { id } } } }', { cookie: viewer.cookie })
  const id = list.body.data.organization.issues.nodes[0].id
  const { data, byRoute } = await measured(`{ organization(slug: "acme") {
    a: issue(id: "${id}") { id tags { key } latestEvent { eventID } }
    b: issue(id: "${id}") { title tags { key } latestEvent { eventID title } }
  } }`)
  t.equal(data.organization.a.latestEvent.eventID, data.organization.b.latestEvent.eventID)
  t.same(byRoute, { [ISSUE]: 1, [EVENT]: 1 })
})

t.test('latestEvent for a page of issues: one call per issue, none repeated', async (t) => {
  const { data, byRoute } = await measured('{ organization(slug: "acme") { issues(first: 20, query: "") { nodes { tags { key } latestEvent { eventID entries { type } contexts { key } trace { traceId } } } } } }')
  t.equal(data.organization.issues.nodes.length, 20)
  t.same(byRoute, { [ISSUES]: 1, [EVENT]: 20, [ISSUE]: 20 }, 'tags need the issue detail; the latest event is already full')
})

t.test('events asking for full-event fields are listed with full=true: no per-event fetch', async (t) => {
  const list = await gql(app, '{ organization(slug: "acme") { issues(first: 1, query: "") { nodes { id } } } }', { cookie: viewer.cookie })
  const id = list.body.data.organization.issues.nodes[0].id
  const full = await measured(`{ organization(slug: "acme") { issue(id: "${id}") { events(first: 5) { edges { node { ...E } } } } } }
    fragment E on Event { eventID entries { type } contexts { key } sdk }`)
  t.ok(full.data.organization.issue.events.edges.length > 0)
  t.same(full.byRoute, { [ISSUE]: 1, [EVENTS]: 1 })
  const inline = await measured(`{ organization(slug: "acme") { issue(id: "${id}") { events(first: 5) { nodes { ... on Event { entries { type } } } } } } }`)
  t.same(inline.byRoute, { [ISSUE]: 1, [EVENTS]: 1 }, 'inline fragments are seen too')
  const light = await measured(`{ organization(slug: "acme") { issue(id: "${id}") { events(first: 5) { nodes { eventID title tags { key } } } } } }`)
  t.same(light.byRoute, { [ISSUE]: 1, [EVENTS]: 1 })
})

t.test('each organization\'s fields go through the connection that reaches it', async (t) => {
  // Two org-scoped tokens: each can only read its own organization (Sentry answers 401 otherwise).
  const scoped = await connectViewer(ta, { organizationSlug: 'acme' })
  await connectViewer(ta, { organizationSlug: 'globex', platformUserId: scoped.userId })
  const { data, byRoute } = await measured(`{
    acme: organization(slug: "acme") { issues(first: 10, query: "") { nodes { project { slug dateCreated } } } }
    globex: organization(slug: "globex") { issues(first: 10, query: "") { nodes { project { slug dateCreated } } } }
  }`, scoped.cookie)
  t.ok(data.acme.issues.nodes.length > 0 && data.globex.issues.nodes.length > 0)
  t.equal(byRoute[ISSUES], 2)
  t.ok(data.globex.issues.nodes.every((n: { project: { dateCreated: string } }) => typeof n.project.dateCreated === 'string'))
})
