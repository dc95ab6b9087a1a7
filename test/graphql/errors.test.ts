import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { codes, connectViewer, gql, sessionCookie } from '../helpers/graphql.js'
import { clearFaults, control } from '../helpers/emulator.js'

/** A test app whose log lines are kept, to check that no secret reaches them. */
async function appWithLogs (t: Test, env: Record<string, string> = {}): Promise<TestApp & { logs: string[] }> {
  const logs: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { logs.push(String(chunk)); cb() } })
  const ta = await buildTestApp(t, { env, deps: { logger: { level: 'info', stream } } })
  return { ...ta, logs }
}

const ISSUE_QUERY = '{ organization(slug: "acme") { slug issues(first: 2, query: "") { nodes { id } } } }'

t.test('UNAUTHENTICATED without a session, or with a session of an unknown user', async (t) => {
  const { app } = await buildTestApp(t)
  const anonymous = await gql(app, '{ viewer { id } }')
  t.same(codes(anonymous), ['UNAUTHENTICATED'])
  t.equal(anonymous.body.data, null)
  t.equal(anonymous.status, 401, 'application/json: a lone error without data keeps its status')
  for (const q of ['{ organizations { slug } }', '{ organization(slug: "acme") { slug } }', 'mutation { disconnect(connectionId: "x") }']) {
    t.same(codes(await gql(app, q)), ['UNAUTHENTICATED'], q)
  }
  const stranger = await gql(app, '{ viewer { id } }', { cookie: sessionCookie(app, 'no-such-user') })
  t.same(codes(stranger), ['UNAUTHENTICATED'])
})

t.test('NOT_CONNECTED for an organization no connection reaches; partial data for the rest', async (t) => {
  const ta = await buildTestApp(t)
  const v = await connectViewer(ta)
  const res = await gql(ta.app, '{ viewer { id } organization(slug: "initech") { slug } }', { cookie: v.cookie })
  t.same(codes(res), ['NOT_CONNECTED'])
  t.equal(res.status, 200)
  t.same(res.body.data, { viewer: { id: v.userId }, organization: null })
  t.same(res.body.errors?.[0]?.path, ['organization'])
  const none = await connectViewer(ta, { sentryUserId: '5' })
  t.same(codes(await gql(ta.app, '{ organization(slug: "acme") { slug } }', { cookie: none.cookie })), ['NOT_CONNECTED'])
})

t.test('NOT_FOUND for an unknown issue, project or release, next to the fields that succeed', async (t) => {
  const ta = await buildTestApp(t)
  const v = await connectViewer(ta)
  const res = await gql(ta.app, `{ organization(slug: "acme") {
    slug
    issue(id: "999999999") { id }
    project(slug: "no-such-project") { slug }
    release(version: "no-such-release") { version }
    projects(first: 1) { nodes { slug } }
  } }`, { cookie: v.cookie })
  t.same(codes(res).sort(), ['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND'])
  t.equal(res.body.data.organization.slug, 'acme')
  t.equal(res.body.data.organization.issue, null)
  t.equal(res.body.data.organization.projects.nodes.length, 1)
  const gone = await gql(ta.app, 'mutation { disconnect(connectionId: "no-such-connection") }', { cookie: v.cookie })
  t.same(codes(gone), ['NOT_FOUND'])
})

t.test('FORBIDDEN with requiredScopes when the token lacks event:read', async (t) => {
  const ta = await buildTestApp(t)
  const v = await connectViewer(ta, { scopes: ['org:read', 'project:read'] })
  const res = await gql(ta.app, `{ organization(slug: "acme") {
    slug projects(first: 1) { nodes { slug } } issue(id: "1") { id }
  } }`, { cookie: v.cookie })
  t.same(codes(res), ['FORBIDDEN'])
  t.ok((res.body.errors?.[0]?.extensions?.requiredScopes as string[]).includes('event:read'))
  t.equal(res.body.data.organization.projects.nodes.length, 1, 'fields the token may read still answer')
  const list = await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })
  t.same(codes(list), ['FORBIDDEN'])
  t.equal(list.body.data.organization.issues, null, 'a failing connection is null (it makes its own upstream call)')
  t.equal(list.body.data.organization.slug, 'acme', 'and its siblings keep their data')
})

t.test('RECONNECT_REQUIRED once Sentry revoked the grant, and for the stored revoked connection after', async (t) => {
  const ta = await buildTestApp(t)
  const v = await connectViewer(ta)
  t.notOk((await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })).body.errors)
  await control(ta.emulator, 'tokens/revoke', {})
  const res = await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })
  t.same(codes(res), ['RECONNECT_REQUIRED'])
  t.match(res.body.errors?.[0]?.extensions, { connectionId: v.connection.id, reconnectUrl: '/connect/sentry' })
  const after = await gql(ta.app, '{ viewer { connections { id status statusReason } } organizations { slug } organization(slug: "acme") { slug } }', { cookie: v.cookie })
  t.same(codes(after), ['RECONNECT_REQUIRED'], 'routing refuses the revoked connection without calling Sentry')
  t.equal(after.body.data.viewer.connections[0].status, 'REVOKED')
  t.same(after.body.data.organizations, [], 'revoked connections do not list organizations')
})

t.test('RATE_LIMITED with retryAfter when Sentry rate-limits beyond the wait budget', async (t) => {
  const ta = await buildTestApp(t)
  const v = await connectViewer(ta)
  await control(ta.emulator, 'rate-limit', { limit: 1, windowSeconds: 60 })
  let res = await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })
  for (let i = 0; i < 3 && codes(res).length === 0; i++) res = await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })
  t.same(codes(res), ['RATE_LIMITED'])
  t.ok(Number(res.body.errors?.[0]?.extensions?.retryAfter) >= 1)
})

t.test('UPSTREAM_ERROR and UPSTREAM_TIMEOUT from Sentry failures; no upstream body, no stack, no secret in logs', async (t) => {
  const ta = await appWithLogs(t)
  const v = await connectViewer(ta)
  await control(ta.emulator, 'faults', { status: 500, count: 20, pathPrefix: '/api/0/organizations/acme/issues/' })
  const failed = await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })
  t.same(codes(failed), ['UPSTREAM_ERROR'])
  await clearFaults(ta.emulator)
  await control(ta.emulator, 'faults', { status: 504, count: 20, pathPrefix: '/api/0/organizations/acme/issues/' })
  const timedOut = await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })
  t.same(codes(timedOut), ['UPSTREAM_TIMEOUT'])
  await clearFaults(ta.emulator)
  for (const res of [failed, timedOut]) {
    const text = JSON.stringify(res.body)
    t.notMatch(text, /stack|Internal Error|errorId|detail/i)
    t.notOk(text.includes(v.tokens.access_token))
  }
  const logs = ta.logs.join('')
  t.ok(logs.includes('UPSTREAM') || logs.includes('Sentry'), 'mercurius logged the errors')
  t.notOk(logs.includes(v.tokens.access_token), 'no access token in the logs')
  t.notOk(logs.includes(v.tokens.refresh_token), 'no refresh token in the logs')
})

t.test('one failing item of a list errors alone, with a numeric path, next to the items that succeed', async (t) => {
  const ta = await buildTestApp(t)
  const v = await connectViewer(ta)
  const q = '{ organization(slug: "acme") { issues(first: 3, query: "") { nodes { id latestEvent { eventID } } } } }'
  const before = await gql(ta.app, q, { cookie: v.cookie })
  const ids = before.body.data.organization.issues.nodes.map((n: { id: string }) => n.id)
  await control(ta.emulator, 'faults', { status: 500, count: 20, pathPrefix: `/api/0/organizations/acme/issues/${ids[1]}/events/` })
  const res = await gql(ta.app, q, { cookie: v.cookie })
  await clearFaults(ta.emulator)
  t.same(codes(res), ['UPSTREAM_ERROR'])
  t.same(res.body.errors?.[0]?.path, ['organization', 'issues', 'nodes', 1, 'latestEvent'])
  const nodes = res.body.data.organization.issues.nodes
  t.equal(nodes[1].latestEvent, null)
  t.ok(nodes[0].latestEvent !== null && nodes[2].latestEvent !== null)
})

t.test('UPSTREAM_TIMEOUT when Sentry does not answer within the request timeout', async (t) => {
  const ta = await buildTestApp(t, { env: { SENTRY_REQUEST_TIMEOUT_MS: '300' } })
  const v = await connectViewer(ta)
  await control(ta.emulator, 'faults', { delayMs: 1500, count: 10, pathPrefix: '/api/0/organizations/acme/issues/' })
  const res = await gql(ta.app, ISSUE_QUERY, { cookie: v.cookie })
  // Without the 300 ms timeout the request would succeed once the 1.5 s delay ends, so the code alone
  // shows the timeout cut the wait short; no wall-clock bound (speeds live in the benchmark).
  t.same(codes(res), ['UPSTREAM_TIMEOUT'])
})

t.test('BAD_USER_INPUT for invalid arguments and variables', async (t) => {
  const ta = await buildTestApp(t)
  const v = await connectViewer(ta)
  t.same(codes(await gql(ta.app, '{ organization(slug: "acme") { issues(first: 101) { nodes { id } } } }', { cookie: v.cookie })), ['BAD_USER_INPUT'])
  const badVar = await gql(ta.app, 'query ($n: Int) { organization(slug: "acme") { issues(first: $n) { nodes { id } } } }', { cookie: v.cookie, variables: { n: 'many' } })
  t.same(codes(badVar), ['BAD_USER_INPUT'])
  t.equal(badVar.status, 200, 'application/json: variable coercion failures answer 200 (GraphQL over HTTP)')
  t.notOk('data' in badVar.body, 'a request error has no data entry')
  const strict = await gql(ta.app, 'query ($n: Int!) { organization(slug: "acme") { issues(first: $n) { nodes { id } } } }', { cookie: v.cookie, headers: { accept: 'application/graphql-response+json' } })
  t.same(codes(strict), ['BAD_USER_INPUT'], 'a missing required variable')
  t.equal(strict.status, 400, 'application/graphql-response+json: a request error is 4xx')
  const noInput = await gql(ta.app, 'mutation { updateIssue(organizationSlug: "acme", id: "1", input: {}) { id } }', { cookie: v.cookie })
  t.same(codes(noInput), ['BAD_USER_INPUT'])
})

t.test('GRAPHQL_VALIDATION_FAILED for documents that do not parse or validate', async (t) => {
  const { app } = await buildTestApp(t)
  const syntax = await gql(app, '{ viewer { id ')
  t.same(codes(syntax), ['GRAPHQL_VALIDATION_FAILED'])
  t.equal(syntax.status, 200, 'application/json: 200 (GraphQL over HTTP §application/json)')
  t.notOk('data' in syntax.body)
  const unused = await gql(app, 'query ($x: Int, $y: String) { viewer { id } }', { headers: { accept: 'application/graphql-response+json' } })
  t.same(codes(unused), ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED'], 'an unused variable is a validation failure')
  t.match(unused.body.errors?.[0]?.message, /Variable "\$x" is never used/)
  t.equal(unused.status, 400)
  const undefinedVar = await gql(app, '{ organization(slug: $s) { id } }')
  t.same(codes(undefinedVar), ['GRAPHQL_VALIDATION_FAILED'], 'an undefined variable too')
  const unknown = await gql(app, '{ viewer { id nope } organizations { nope2 } }')
  t.same(codes(unknown), ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED'])
  t.match(unknown.body.errors?.[0]?.message, /Cannot query field "nope"/)
})
