import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { codes, connectViewer, gql } from '../../helpers/graphql.js'
import { emulatorCall } from '../../helpers/emulator.js'

const ta = await buildTestApp(t)
const { app, emulator } = ta
const viewer = await connectViewer(ta)

const UPDATE = `mutation ($id: ID!, $input: UpdateIssueInput!) {
  updateIssue(organizationSlug: "acme", id: $id, input: $input) {
    id status hasSeen isBookmarked assignedTo { type id name email } project { slug }
  }
}`

/** The issue as Sentry (the emulator) now has it, read directly with the connection's token. */
async function upstreamIssue (id: string): Promise<Record<string, any>> {
  return await emulatorCall(emulator, 'GET', `/api/0/organizations/acme/issues/${id}/`, undefined, { authorization: `Bearer ${viewer.tokens.access_token}` })
}

const first = await gql(app, '{ organization(slug: "acme") { issues(first: 1, query: "is:unresolved") { nodes { id status } } } }', { cookie: viewer.cookie })
const issueId: string = first.body.data.organization.issues.nodes[0].id

t.test('updateIssue changes the status in Sentry and returns the updated issue', async (t) => {
  const res = await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { status: 'RESOLVED' } } })
  t.notOk(res.body.errors)
  t.match(res.body.data.updateIssue, { id: issueId, status: 'resolved', project: { slug: String } })
  t.equal((await upstreamIssue(issueId)).status, 'resolved')

  const ignored = await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { status: 'IGNORED' } } })
  t.equal(ignored.body.data.updateIssue.status, 'ignored')
  t.equal((await upstreamIssue(issueId)).status, 'ignored')

  const reopened = await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { status: 'UNRESOLVED' } } })
  t.equal(reopened.body.data.updateIssue.status, 'unresolved')
  t.equal((await upstreamIssue(issueId)).status, 'unresolved')
})

t.test('updateIssue assigns, unassigns, and sets hasSeen and isBookmarked', async (t) => {
  const assigned = await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { assignedTo: 'jane@example.com', hasSeen: true, isBookmarked: true } } })
  t.notOk(assigned.body.errors)
  t.match(assigned.body.data.updateIssue, { hasSeen: true, isBookmarked: true, assignedTo: { type: 'USER', id: '1' } })
  const upstream = await upstreamIssue(issueId)
  t.match(upstream, { hasSeen: true, isBookmarked: true, assignedTo: { type: 'user', id: '1' } })

  const team = await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { assignedTo: 'team:4505138082299904' } } })
  t.match(team.body.data.updateIssue.assignedTo, { type: 'TEAM', id: '4505138082299904' })

  for (const clear of [null, '']) {
    const res = await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { assignedTo: clear, isBookmarked: false } } })
    t.notOk(res.body.errors)
    t.equal(res.body.data.updateIssue.assignedTo, null)
    t.equal((await upstreamIssue(issueId)).assignedTo, null, `assignedTo: ${JSON.stringify(clear)} unassigns`)
  }
})

t.test('updateIssue errors: unknown issue, unknown assignee, empty input, read-only token, unknown organization', async (t) => {
  t.same(codes(await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: '999999999', input: { status: 'RESOLVED' } } })), ['NOT_FOUND'])
  t.same(codes(await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { assignedTo: 'nobody@nowhere.example' } } })), ['BAD_USER_INPUT'])
  t.same(codes(await gql(app, UPDATE, { cookie: viewer.cookie, variables: { id: issueId, input: { status: null } } })), ['BAD_USER_INPUT'])
  const readOnly = await connectViewer(ta, { scopes: ['org:read', 'project:read', 'event:read'] })
  const forbidden = await gql(app, UPDATE, { cookie: readOnly.cookie, variables: { id: issueId, input: { status: 'RESOLVED' } } })
  t.same(codes(forbidden), ['FORBIDDEN'])
  t.ok((forbidden.body.errors?.[0]?.extensions?.requiredScopes as string[]).includes('event:write'))
  t.equal(forbidden.body.data, null, 'updateIssue is non-null: the mutation result is null')
  const elsewhere = await gql(app, UPDATE.replace('"acme"', '"initech"'), { cookie: viewer.cookie, variables: { id: issueId, input: { status: 'RESOLVED' } } })
  t.same(codes(elsewhere), ['NOT_CONNECTED'])
})

t.test('disconnect deletes the viewer\'s own connection only', async (t) => {
  const other = await connectViewer(ta)
  const foreign = await gql(app, 'mutation ($id: ID!) { disconnect(connectionId: $id) }', { cookie: viewer.cookie, variables: { id: other.connection.id } })
  t.same(codes(foreign), ['NOT_FOUND'], 'another user\'s connection is not found')
  t.equal((await app.store.listConnections(other.userId)).length, 1)

  const res = await gql(app, 'mutation ($id: ID!) { disconnect(connectionId: $id) }', { cookie: other.cookie, variables: { id: other.connection.id } })
  t.same(res.body, { data: { disconnect: true } })
  t.same(await app.store.listConnections(other.userId), [])
  t.equal(await app.store.getTokens(other.connection.id), null, 'its tokens are gone')
  const after = await gql(app, '{ viewer { connections { id } } organizations { slug } }', { cookie: other.cookie })
  t.same(after.body.data, { viewer: { connections: [] }, organizations: [] })
  const again = await gql(app, 'mutation ($id: ID!) { disconnect(connectionId: $id) }', { cookie: other.cookie, variables: { id: other.connection.id } })
  t.same(codes(again), ['NOT_FOUND'])
})

t.test('a disconnect followed by a read in the same request sees the change', async (t) => {
  const v = await connectViewer(ta)
  const res = await gql(app, 'mutation ($id: ID!) { disconnect(connectionId: $id) viewer: updateIssue(organizationSlug: "acme", id: "1", input: { hasSeen: true }) { id } }', { cookie: v.cookie, variables: { id: v.connection.id } })
  t.equal(res.body.data, null)
  t.same(codes(res), ['NOT_CONNECTED'], 'mutations run in order: the second one no longer reaches acme')
})
