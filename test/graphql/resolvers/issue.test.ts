/**
 * Issue lists (src/graphql/resolvers/issue.ts): what the gateway asks Sentry to leave out of each
 * item (`collapse[]`) follows the fields the query selects, over a real emulator, with every
 * upstream request's path recorded as sent.
 */
import t from 'tap'
import { Agent, type Dispatcher } from 'undici'
import { issueListCollapse } from '../../../src/graphql/resolvers/issue.js'
import { buildTestApp } from '../../helpers/app.js'
import { connectViewer, gql } from '../../helpers/graphql.js'

const paths: string[] = []
const dispatcher: Dispatcher = new Agent().compose(dispatch => (opts, handler) => {
  paths.push(String(opts.path))
  return dispatch(opts, handler)
})
t.teardown(() => dispatcher.close())
const ta = await buildTestApp(t, { deps: { dispatcher } })
const { app } = ta
const viewer = await connectViewer(ta)

/** Runs a query; returns its data and the `collapse` values of each issue-list request it made. */
async function run (query: string): Promise<{ data: any, collapses: string[][] }> {
  paths.length = 0
  const res = await gql(app, query, { cookie: viewer.cookie })
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const lists = paths.map((p) => new URL(p, 'http://sentry')).filter((u) => /\/api\/0\/organizations\/[^/]+\/issues\/$/.test(u.pathname))
  return { data: res.body.data, collapses: lists.map((u) => u.searchParams.getAll('collapse')) }
}

t.test('issueListCollapse: what no selected field reads', async (t) => {
  const all = ['stats', 'lifetime', 'filtered', 'unhandled']
  t.same(issueListCollapse(new Set(['id', 'title', 'project', 'count', 'userCount', 'firstSeen', 'lastSeen'])), all)
  t.same(issueListCollapse(new Set()), all)
  t.same(issueListCollapse(new Set(['id', 'frequency'])), ['lifetime', 'filtered', 'unhandled'], 'frequency reads stats')
  t.same(issueListCollapse(new Set(['isUnhandled'])), ['stats', 'lifetime', 'filtered'])
  t.same(issueListCollapse(new Set(['frequency', 'isUnhandled'])), ['lifetime', 'filtered'])
  t.same(issueListCollapse(new Set(['id', 'raw'])), [], 'raw is the item as Sentry sends it')
})

const FIELDS = 'id shortId title culprit level status substatus priority count userCount firstSeen lastSeen permalink type issueType issueCategory platform logger hasSeen isBookmarked isSubscribed isPublic numComments metadata statusDetails assignedTo { type id name } project { slug }'

t.test('an issue list asks Sentry for only what the selection reads, and answers the same', async (t) => {
  const light = await run(`{ organization(slug: "acme") { issues(first: 25, query: "") { nodes { ${FIELDS} } } } }`)
  t.same(light.collapses, [['stats', 'lifetime', 'filtered', 'unhandled']], 'one list call, everything collapsible collapsed')

  const whole = await run(`{ organization(slug: "acme") { issues(first: 25, query: "") { nodes { ${FIELDS} raw } } } }`)
  t.same(whole.collapses, [[]], 'raw selected: nothing collapsed')
  const nodes = whole.data.organization.issues.nodes as Array<Record<string, any>>
  t.ok(nodes.every((n) => 'stats' in n.raw && 'lifetime' in n.raw && 'filtered' in n.raw && 'isUnhandled' in n.raw), 'raw is the whole item')
  t.same(light.data.organization.issues.nodes, nodes.map(({ raw: _raw, ...rest }) => rest), 'every other field as without collapse')
})

t.test('frequency keeps stats and isUnhandled keeps unhandled, in fragments too; no extra calls', async (t) => {
  const reference = await run('{ organization(slug: "acme") { issues(first: 10, query: "") { nodes { id raw } } } }')
  const byId = new Map((reference.data.organization.issues.nodes as Array<{ id: string, raw: { isUnhandled: boolean } }>).map((n) => [n.id, n.raw]))

  const frequency = await run(`{ organization(slug: "acme") { issues(first: 10, query: "") { edges { node { ...F } } } } }
    fragment F on Issue { id frequency { value } }`)
  t.same(frequency.collapses, [['lifetime', 'filtered', 'unhandled']])
  t.equal(paths.length, 1, 'the 24h points come with the list items: no issue read per item')
  t.ok(frequency.data.organization.issues.edges.every((e: { node: { frequency: unknown[] } }) => e.node.frequency.length === 24))

  const unhandled = await run('{ organization(slug: "acme") { issues(first: 10, query: "") { nodes { ... on Issue { id isUnhandled } } } } }')
  t.same(unhandled.collapses, [['stats', 'lifetime', 'filtered']])
  for (const n of unhandled.data.organization.issues.nodes as Array<{ id: string, isUnhandled: boolean }>) {
    t.equal(n.isUnhandled, byId.get(n.id)?.isUnhandled, `issue ${n.id}: isUnhandled as Sentry sent it`)
  }
})

t.test('Project.issues collapses the same way', async (t) => {
  const { data, collapses } = await run('{ organization(slug: "acme") { project(slug: "frontend") { issues(first: 5, query: "") { nodes { id title } } } } }')
  t.ok(data.organization.project.issues.nodes.length > 0)
  t.same(collapses, [['stats', 'lifetime', 'filtered', 'unhandled']])
})
