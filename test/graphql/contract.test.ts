import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql, type GqlResponse } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

const ta = await buildTestApp(t)
const viewer = await connectViewer(ta)
const { app } = ta

t.test('viewer returns the platform user and every stored connection with its organizations', async (t) => {
  const res = await gql(app, `{
    viewer {
      id
      connections {
        id status statusReason scopes expiresAt createdAt updatedAt
        sentryUser { id name email }
        organizations { id slug name regionUrl connectionId }
      }
    }
  }`, { cookie: viewer.cookie })
  t.equal(res.status, 200)
  t.notOk(res.body.errors)
  const v = res.body.data.viewer
  t.equal(v.id, viewer.userId)
  t.equal(v.connections.length, 1)
  const c = v.connections[0]
  t.match(c, { id: viewer.connection.id, status: 'ACTIVE', statusReason: null, sentryUser: { id: '1', name: 'Jane Doe', email: 'jane@example.com' } })
  t.ok(c.scopes.includes('event:read'))
  t.ok(Number.isFinite(Date.parse(c.expiresAt)))
  t.ok(Number.isFinite(Date.parse(c.createdAt)))
  t.same(c.organizations.map((o: { slug: string }) => o.slug).sort(), ['acme', 'globex'])
  t.ok(c.organizations.every((o: { connectionId: string, regionUrl: string }) => o.connectionId === viewer.connection.id && o.regionUrl.startsWith('http')))
})

t.test('organizations lists the organizations of active connections, deduplicated by id, with no upstream call', async (t) => {
  // A second connection of the same viewer reaching acme again (an org-scoped token).
  await connectViewer(ta, { platformUserId: viewer.userId, organizationSlug: 'acme' })
  await resetCounters(ta.emulator)
  const res = await gql(app, '{ organizations { id slug name regionUrl connectionId } }', { cookie: viewer.cookie })
  t.notOk(res.body.errors)
  const slugs = res.body.data.organizations.map((o: { slug: string }) => o.slug)
  t.same([...slugs].sort(), ['acme', 'globex'])
  t.equal((await counters(ta.emulator)).apiRequests, 0)
})

t.test('organization(slug) exposes the minimum contract and its lists as Relay connections', async (t) => {
  const res = await gql(app, `query ($slug: String!) {
    organization(slug: $slug) {
      id slug name regionUrl
      projects(first: 2) { edges { cursor node { id slug name platform } } nodes { slug } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      project(slug: "frontend") { id slug name platform dateCreated firstEvent status isBookmarked isMember hasAccess color features platforms environments teams { id slug name } raw
        keys { nodes { id name label public isActive dateCreated browserSdkVersion rateLimit dsn { public csp security minidump nel unreal crons cdn } } pageInfo { hasNextPage } }
        issues(first: 3, query: "") { nodes { id project { slug } } } }
      issues(first: 5, query: "", sort: DATE, statsPeriod: "90d", environment: ["production"], projects: ["frontend", "backend"]) {
        edges { cursor node { id shortId title culprit level status count userCount firstSeen lastSeen permalink project { slug } assignedTo { type id name email } } }
        nodes { id }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
      teams(first: 2) { nodes { id slug name dateCreated isMember memberCount hasAccess teamRole } pageInfo { hasNextPage endCursor } }
      members { nodes { id email name orgRole pending expired inviteStatus dateCreated user { id name username email } } }
      releases(first: 3) { nodes { id version shortVersion status ref url dateCreated dateReleased firstEvent lastEvent newGroups commitCount deployCount projects { id slug name platform newGroups } versionInfo authors lastCommit lastDeploy raw } }
      stats(field: SUM_QUANTITY, groupBy: [OUTCOME, CATEGORY], statsPeriod: "14d", interval: "1d") { start end intervals groups { by totals series } }
    }
  }`, { cookie: viewer.cookie, variables: { slug: 'acme' } })
  t.equal(res.status, 200)
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  const org = res.body.data.organization
  t.match(org, { id: '4505138082234368', slug: 'acme', name: 'Acme Corp' })

  t.equal(org.projects.edges.length, 2)
  t.same(org.projects.nodes.map((n: { slug: string }) => n.slug), org.projects.edges.map((e: { node: { slug: string } }) => e.node.slug))
  t.match(org.projects.pageInfo, { hasNextPage: true, hasPreviousPage: false })
  t.equal(org.projects.pageInfo.startCursor, org.projects.edges[0].cursor)
  t.equal(org.projects.pageInfo.endCursor, org.projects.edges[1].cursor)

  const p = org.project
  t.match(p, { slug: 'frontend', platform: 'javascript', status: 'active' })
  t.ok(Array.isArray(p.features) && Array.isArray(p.environments) && p.teams.length > 0)
  t.ok(p.keys.nodes.length > 0)
  t.match(p.keys.nodes[0].dsn.public, /^https:\/\/[0-9a-f]+@/)
  t.notOk('secret' in p.keys.nodes[0].dsn, 'the secret DSN is not part of the schema')
  t.ok(p.issues.nodes.every((i: { project: { slug: string } }) => i.project.slug === 'frontend'))

  t.equal(org.issues.edges.length, 5)
  for (const { node } of org.issues.edges) {
    t.match(node, { id: String, shortId: String, title: String, level: String, status: String, count: /^\d+$/, userCount: Number, permalink: String })
    t.ok(['frontend', 'backend'].includes(node.project.slug))
  }
  t.match(org.teams.nodes[0], { id: String, slug: String, name: String })
  t.ok(org.members.nodes.length >= 4)
  t.ok(org.members.nodes.some((m: { pending: boolean, user: unknown }) => m.pending && m.user === null), 'a pending invite has no user')
  t.match(org.releases.nodes[0], { id: /^\d+$/, version: String, projects: Array })
  t.ok(org.stats.intervals.length > 0 && org.stats.groups.length > 0)
  t.match(org.stats.groups[0], { by: { outcome: String, category: String }, totals: Object, series: Object })
})

t.test('organization(id) and single-object lookups work by id, version and slug', async (t) => {
  const list = await gql(app, '{ organization(slug: "acme") { releases(first: 1) { nodes { version } } issues(first: 1, query: "") { nodes { id } } } }', { cookie: viewer.cookie })
  const version = list.body.data.organization.releases.nodes[0].version
  const issueId = list.body.data.organization.issues.nodes[0].id
  const res = await gql(app, `query ($version: String!, $issue: ID!) {
    organization(slug: "4505138082234368") { slug release(version: $version) { version } issue(id: $issue) { id tags { key name totalValues }
      tagValues(key: "level", first: 2) { nodes { key value name count firstSeen lastSeen } pageInfo { hasNextPage } } } }
  }`, { cookie: viewer.cookie, variables: { version, issue: issueId } })
  t.notOk(res.body.errors)
  t.equal(res.body.data.organization.slug, 'acme')
  t.equal(res.body.data.organization.release.version, version)
  t.equal(res.body.data.organization.issue.id, issueId)
  t.ok(Array.isArray(res.body.data.organization.issue.tags))
  t.match(res.body.data.organization.issue.tagValues.nodes[0], { value: String, count: Number })
})

t.test('pagination walks every acme issue with after/endCursor, 100 at a time, without duplicates', async (t) => {
  const seen = new Set<string>()
  let duplicates = 0
  let after: string | null = null
  let pages = 0
  let hasPreviousPage = false
  for (;;) {
    const res: GqlResponse<any> = await gql(app, `query ($after: String) {
      organization(slug: "acme") { issues(first: 100, after: $after, query: "") { nodes { id } pageInfo { hasNextPage hasPreviousPage endCursor } } }
    }`, { cookie: viewer.cookie, variables: { after } })
    t.notOk(res.body.errors)
    const conn = res.body.data.organization.issues
    for (const n of conn.nodes) {
      if (seen.has(n.id)) duplicates++
      seen.add(n.id)
    }
    pages++
    if (pages > 1) hasPreviousPage ||= conn.pageInfo.hasPreviousPage
    if (!conn.pageInfo.hasNextPage) break
    t.ok(conn.nodes.length === 100)
    after = conn.pageInfo.endCursor
    t.ok(pages < 10, 'pagination ends')
  }
  t.equal(duplicates, 0, 'every issue appears once')
  t.ok(seen.size >= 250, `walked ${seen.size} issues`)
  t.equal(pages, Math.ceil(seen.size / 100))
  t.ok(hasPreviousPage, 'later pages report a previous page')
})

t.test('an edge cursor inside a page resumes right after that edge', async (t) => {
  const q = `query ($first: Int!, $after: String) {
    organization(slug: "acme") { issues(first: $first, after: $after, query: "") { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage } } }
  }`
  const all = await gql(app, q, { cookie: viewer.cookie, variables: { first: 30 } })
  const edges = all.body.data.organization.issues.edges
  const mid = await gql(app, q, { cookie: viewer.cookie, variables: { first: 10, after: edges[9].cursor } })
  t.notOk(mid.body.errors)
  const midIds = mid.body.data.organization.issues.edges.map((e: { node: { id: string } }) => e.node.id)
  t.same(midIds, edges.slice(10, 20).map((e: { node: { id: string } }) => e.node.id))
  t.match(mid.body.data.organization.issues.pageInfo, { hasNextPage: true, hasPreviousPage: true })
  // Resuming near the end of a Sentry page returns what is left of that page.
  const tail = await gql(app, q, { cookie: viewer.cookie, variables: { first: 100, after: edges[24].cursor } })
  t.notOk(tail.body.errors)
  t.ok(tail.body.data.organization.issues.edges.length > 0)
  t.equal(tail.body.data.organization.issues.edges[0].node.id, edges[25].node.id)
})

t.test('first outside 1..100 and a foreign cursor are BAD_USER_INPUT', async (t) => {
  for (const first of [101, 0, -1]) {
    const res = await gql(app, `{ organization(slug: "acme") { issues(first: ${first}) { nodes { id } } } }`, { cookie: viewer.cookie })
    t.same(codes(res), ['BAD_USER_INPUT'], `first: ${first}`)
    t.match(res.body.errors?.[0]?.extensions, { argument: 'first', max: 100 })
  }
  for (const after of ['not-a-cursor', Buffer.from('s1:500:x').toString('base64url'), '!!!']) {
    const res = await gql(app, '{ organization(slug: "acme") { projects(after: $a) { nodes { id } } } }'.replace('$a', JSON.stringify(after)), { cookie: viewer.cookie })
    t.same(codes(res), ['BAD_USER_INPUT'], `after: ${after}`)
  }
  const empty = await gql(app, '{ organization(slug: "acme") { teams(first: 5, after: "czE6MDo") { nodes { slug } pageInfo { hasPreviousPage } } } }', { cookie: viewer.cookie })
  t.notOk(empty.body.errors, 'a cursor with an empty Sentry cursor is the first page')
})

t.test('an empty page has null cursors', async (t) => {
  const res = await gql(app, `{ organization(slug: "acme") { issues(first: 5, query: "title:no-such-issue-anywhere") {
    edges { cursor } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`, { cookie: viewer.cookie })
  t.notOk(res.body.errors)
  t.same(res.body.data.organization.issues, {
    edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }
  })
})
