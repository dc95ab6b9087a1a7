/**
 * The gateway driven by the GraphQL clients frontends use, as they ship (dev dependencies):
 * Apollo Client 4 (normalized cache, fetchMore, persisted-query link), urql 6 core (its default
 * GET for queries), graphql-request 7, graphql-http's client, and GraphQL Codegen's client preset
 * writing the allow-list manifest. Only the session cookie is added, as a browser would.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ApolloClient, ApolloLink, gql, HttpLink } from '@apollo/client'
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries'
import { Client as UrqlClient, cacheExchange, fetchExchange } from '@urql/core'
import { ClientError, GraphQLClient } from 'graphql-request'
import { createClient as createHttpClient } from 'graphql-http'
import { generate } from '@graphql-codegen/cli'
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset'
import { getOperationAST, parse } from 'graphql'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { connectViewer, type TestViewer } from '../helpers/graphql.js'
import { createCache } from '../helpers/apollo-cache.js'
import { SCHEMA_DIR } from '../../src/graphql/schema.js'
import { clearFaults, control } from '../helpers/emulator.js'

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

interface Seen { method: string, body: Record<string, unknown> | null, url: string, status: number }

/** fetch with the session cookie, recording what each client sent. */
function recordingFetch (cookie: string, seen: Seen[] = []): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers)
    headers.set('cookie', cookie)
    const res = await fetch(input, { ...init, headers })
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    seen.push({ method: init?.method ?? 'GET', url, status: res.status, body: typeof init?.body === 'string' ? JSON.parse(init.body) : null })
    return res
  }
}

function apollo (ta: TestApp, viewer: TestViewer, opts: { seen?: Seen[], persisted?: ApolloLink } = {}): ApolloClient {
  const http = new HttpLink({ uri: `${ta.url}/graphql`, fetch: recordingFetch(viewer.cookie, opts.seen) })
  return new ApolloClient({ cache: createCache(), link: opts.persisted === undefined ? http : ApolloLink.from([opts.persisted, http]) })
}

async function httpClientRequest (url: string, cookie: string, query: string, variables?: Record<string, unknown>): Promise<{ data?: any, errors?: any[] }> {
  const client = createHttpClient({ url, fetchFn: recordingFetch(cookie) })
  return await new Promise((resolve, reject) => {
    let result: { data?: any, errors?: any[] } = {}
    client.subscribe({ query, variables }, { next: (r) => { result = r as typeof result }, error: reject, complete: () => { resolve(result) } })
  })
}

const ta = await buildTestApp(t, { listen: true })
const viewer = await connectViewer(ta)
const url = `${ta.url}/graphql`

t.test('Apollo: automatic persisted queries round trip (hash, PERSISTED_QUERY_NOT_FOUND, hash + document, then hash alone)', async (t) => {
  const seen: Seen[] = []
  const client = apollo(ta, viewer, { seen, persisted: new PersistedQueryLink({ sha256 }) })
  const query = gql`query Slugs { organizations { id slug } }`
  const first = await client.query({ query })
  t.same((first.data as any)?.organizations.map((o: { slug: string }) => o.slug).sort(), ['acme', 'globex'])
  t.equal(seen.length, 2, 'one miss, one registration')
  t.notOk(seen[0]?.body?.query, 'the first request carried only the hash')
  t.equal(seen[0]?.status, 400)
  t.ok(typeof seen[1]?.body?.query === 'string', 'the retry carried the document')
  const hash = (seen[1]?.body?.extensions as { persistedQuery: { sha256Hash: string } }).persistedQuery.sha256Hash
  t.equal(hash, sha256(String(seen[1]?.body?.query)), 'the hash is the sha256 of the document sent')

  const again = await client.query({ query, fetchPolicy: 'network-only' })
  t.same(again.data, first.data)
  t.equal(seen.length, 3)
  t.notOk(seen[2]?.body?.query, 'afterwards the hash alone is enough')
  t.equal(seen[2]?.status, 200)
})

t.test('Codegen client preset: its persisted-documents manifest is the allow-list Apollo runs against', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'codegen-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'operations.graphql'), `
    query IssueTitles($slug: String!, $first: Int) { organization(slug: $slug) { id issues(first: $first, query: "") { nodes { id title status } } } }
    query ViewerAccounts { viewer { id sentryAccounts { id status } } }
  `)
  await generate({
    schema: join(SCHEMA_DIR, '*.graphql'),
    documents: join(dir, 'operations.graphql'),
    silent: true,
    generates: {
      [join(dir, 'gql') + '/']: {
        preset: 'client',
        // README's recipe: scalars mapped so that strictScalars passes.
        config: { strictScalars: true, scalars: { DateTime: 'string', JSON: 'unknown', BigInt: 'string' }, enumsAsTypes: true },
        // Codegen's recommended setup for Apollo: hash the documents as Apollo sends them.
        presetConfig: { persistedDocuments: true },
        documentTransforms: [addTypenameSelectionDocumentTransform]
      }
    }
  }, true)
  const manifestFile = join(dir, 'gql', 'persisted-documents.json')
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, string>
  t.equal(Object.keys(manifest).length, 2)
  const generatedTs = readFileSync(join(dir, 'gql', 'graphql.ts'), 'utf8')
  for (const hash of Object.keys(manifest)) t.match(generatedTs, hash, 'the generated documents carry the same ids')

  const only = await buildTestApp(t, { listen: true, env: { GRAPHQL_PERSISTED_QUERIES_ONLY: 'true', GRAPHQL_PERSISTED_QUERIES_FILE: manifestFile } })
  const v = await connectViewer(only)
  const byName = new Map(Object.entries(manifest).map(([hash, body]) => [getOperationAST(parse(body))?.name?.value, hash]))
  const seen: Seen[] = []
  const client = apollo(only, v, {
    seen,
    // As Codegen's docs show for Apollo: send the generated id instead of hashing at runtime.
    persisted: new PersistedQueryLink({ generateHash: (document) => byName.get(getOperationAST(document)?.name?.value) ?? 'unknown' })
  })
  const res = await client.query({ query: gql`query IssueTitles($slug: String!, $first: Int) { organization(slug: $slug) { id issues(first: $first, query: "") { nodes { id title status } } } }`, variables: { slug: 'acme', first: 3 } })
  t.equal((res.data as any)?.organization.issues.nodes.length, 3)
  t.equal(seen.length, 1, 'one request, by id only')
  t.notOk(seen[0]?.body?.query)
  const accounts = await client.query({ query: gql`query ViewerAccounts { viewer { id sentryAccounts { id status } } }` })
  t.same((accounts.data as any)?.viewer.sentryAccounts.map((a: { id: string }) => a.id), [v.connection.id])

  const offList = await client.query({ query: gql`query NotListed { viewer { id } }`, fetchPolicy: 'network-only' }).then((r) => r, (error: unknown) => ({ data: undefined, error }))
  t.notOk(offList.data, 'a document that is not in the manifest does not run')
  t.match((offList.error as { errors?: unknown }).errors, [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }], 'Apollo retried with the document and was refused again')
  t.equal(seen.length, 4, 'the hash, then the retry with the document; nothing else')
  const raw = await fetch(`${only.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: v.cookie }, body: JSON.stringify({ query: '{ viewer { id } }' }) })
  t.match(await raw.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_REQUIRED' } }] })
})

const PAGE = gql`
  query IssuePage($after: String) {
    organization(slug: "acme") {
      id
      issues(first: 10, after: $after, query: "") {
        totalCount
        edges { cursor node { id shortId } }
        nodes { id title }
        pageInfo { endCursor hasNextPage }
      }
    }
  }
`

t.test('Apollo: fetchMore over three pages merges edges and nodes with no duplicate and no loss', async (t) => {
  const client = apollo(ta, viewer)
  const watch = client.watchQuery<any>({ query: PAGE })
  const sub = watch.subscribe(() => {})
  t.teardown(() => { sub.unsubscribe() })
  let page = await watch.refetch()
  for (let n = 2; n <= 3; n++) {
    page = await watch.fetchMore({ variables: { after: page.data?.organization.issues.pageInfo.endCursor } })
    t.equal(page.data?.organization.issues.nodes.length, 10, `page ${n} has 10 issues`)
  }
  const issues = client.readQuery<any>({ query: PAGE })?.organization.issues
  const truth = await new GraphQLClient(url, { headers: { cookie: viewer.cookie } })
    .request<{ organization: { issues: { nodes: Array<{ id: string }> } } }>('{ organization(slug: "acme") { issues(first: 30, query: "") { nodes { id } } } }')
  const expected = truth.organization.issues.nodes.map((n) => n.id)
  t.equal(expected.length, 30)
  t.same(issues.nodes.map((n: { id: string }) => n.id), expected, 'nodes: the first 30 issues, in order, each once')
  t.same(issues.edges.map((e: { node: { id: string } }) => e.node.id), expected, 'edges: the same 30')
  t.equal(issues.totalCount, 260, 'totalCount from Sentry\'s X-Hits')
  t.equal(issues.pageInfo.hasNextPage, true)
})

t.test('Apollo\'s normalized cache tells a team-assigned issue from a user with the same numeric id', async (t) => {
  // A team whose id equals Jane Doe's user id ("1"), as ids of different kinds can collide in Sentry.
  const world = (ta.emulator.control as unknown as { state: { data: { teams: Array<Record<string, unknown>> } } }).state.data
  world.teams.push({ id: '1', orgId: '4505138082234368', slug: 'one', name: 'Team One', dateCreated: '2024-01-01T00:00:00Z', memberUserIds: ['1'] })
  const client = apollo(ta, viewer)
  const list = await client.query<any>({ query: gql`{ organization(slug: "acme") { id issues(first: 2, query: "") { nodes { id } } } }` })
  const [a, b] = list.data?.organization.issues.nodes.map((n: { id: string }) => n.id) as [string, string]
  const ASSIGN = gql`mutation Assign($id: ID!, $to: String) { updateIssue(organizationSlug: "acme", id: $id, input: { assignedTo: $to }) { id assignedTo { __typename type id name email } } }`
  await client.mutate({ mutation: ASSIGN, variables: { id: a, to: 'user:1' } })
  await client.mutate({ mutation: ASSIGN, variables: { id: b, to: 'team:1' } })
  const ISSUES = gql`query Two($a: ID!, $b: ID!) {
    organization(slug: "acme") {
      id
      a: issue(id: $a) { id assignedTo { type id name email ... on AssignedTeam { __typename } } }
      b: issue(id: $b) { id assignedTo { type id name email ... on AssignedUser { __typename } } }
    }
    viewer { id sentryAccounts { id sentryUser { id name } } }
  }`
  const res = await client.query({ query: ISSUES, variables: { a, b }, fetchPolicy: 'network-only' })
  const cached = client.readQuery<any>({ query: ISSUES, variables: { a, b } })
  for (const data of [res.data as any, cached]) {
    t.match(data.organization.a.assignedTo, { __typename: 'AssignedUser', type: 'USER', id: '1', name: 'Jane Doe', email: 'jane@example.com' })
    t.match(data.organization.b.assignedTo, { __typename: 'AssignedTeam', type: 'TEAM', id: '1', name: 'one', email: null })
    t.match(data.viewer.sentryAccounts[0].sentryUser, { id: '1', name: 'Jane Doe' })
  }
  const keys = Object.keys(client.cache.extract() as object)
  t.ok(keys.includes('AssignedUser:1') && keys.includes('AssignedTeam:1'), 'two cache entries, one per kind')
  t.ok(keys.includes('SentryUser:1'), 'the Sentry user is its own entry too')
})

t.test('urql (GET by default) and graphql-request keep sibling data when one field fails upstream', async (t) => {
  const query = '{ organization(slug: "acme") { slug issues(first: 3, query: "") { nodes { id } } releases(first: 3) { nodes { version } } } }'
  await control(ta.emulator, 'faults', { status: 500, count: 20, pathPrefix: '/api/0/organizations/acme/releases/' })
  t.teardown(async () => { await clearFaults(ta.emulator) })

  const seen: Seen[] = []
  const urql = new UrqlClient({ url, exchanges: [cacheExchange, fetchExchange], fetch: recordingFetch(viewer.cookie, seen) })
  const u = await urql.query(query, {}).toPromise()
  t.equal(seen[0]?.method, 'GET', 'urql sent its default GET, without a preflight header, and was not refused')
  t.equal(u.data?.organization.slug, 'acme')
  t.equal(u.data?.organization.issues.nodes.length, 3, 'the issues that loaded are kept')
  t.equal(u.data?.organization.releases, null, 'only the failing field is null')
  t.match(u.error?.graphQLErrors, [{ path: ['organization', 'releases'], extensions: { code: 'UPSTREAM_ERROR' } }])

  const gr = new GraphQLClient(url, { headers: { cookie: viewer.cookie } })
  const err = await gr.request(query).then(() => null, (e: unknown) => e)
  t.ok(err instanceof ClientError, 'graphql-request reports the error')
  const response = (err as ClientError).response as { data?: any, errors?: any[] }
  t.equal(response.data?.organization.issues.nodes.length, 3, 'with the sibling data')
  t.equal(response.data?.organization.releases, null)
  t.match(response.errors, [{ path: ['organization', 'releases'], extensions: { code: 'UPSTREAM_ERROR' } }])
})

t.test('graphql-http\'s client: Relay node(id:) and nodes(ids:) round trips for every Node type', async (t) => {
  const first = await httpClientRequest(url, viewer.cookie, `{
    organization(slug: "acme") {
      __typename id globalId
      projects(first: 1) { nodes { __typename id globalId } }
      releases(first: 1) { nodes { __typename id globalId projects { globalId projectId } } }
      issues(first: 1, query: "") { nodes { __typename id globalId latestEvent { __typename id globalId } } }
    }
  }`)
  t.notOk(first.errors)
  const org = first.data.organization
  const objects = [org, org.projects.nodes[0], org.releases.nodes[0], org.issues.nodes[0], org.issues.nodes[0].latestEvent]
  t.same(objects.map((o) => o.__typename), ['Organization', 'Project', 'Release', 'Issue', 'Event'])
  t.equal(new Set(objects.map((o) => o.globalId)).size, 5, 'global ids are unique')
  for (const o of objects) {
    const res = await httpClientRequest(url, viewer.cookie, 'query ($id: ID!) { node(id: $id) { __typename globalId ... on Issue { id } ... on Project { id } ... on Organization { id } ... on Release { id } ... on Event { id } } }', { id: o.globalId })
    t.same(res.data?.node, { __typename: o.__typename, globalId: o.globalId, id: o.id }, `node(id:) gives the ${String(o.__typename)} back`)
  }
  const missing = Buffer.from(JSON.stringify(['Issue', '4505138082234368', '999999999'])).toString('base64url')
  const many = await httpClientRequest(url, viewer.cookie, 'query ($ids: [ID!]!) { nodes(ids: $ids) { __typename globalId } }', { ids: [objects[3].globalId, missing, objects[0].globalId] })
  t.same(many.data?.nodes, [{ __typename: 'Issue', globalId: objects[3].globalId }, null, { __typename: 'Organization', globalId: objects[0].globalId }], 'in order; the missing one is null')
  t.match(many.errors, [{ path: ['nodes', 1], extensions: { code: 'NOT_FOUND' } }])
  const bad = await httpClientRequest(url, viewer.cookie, '{ node(id: "not-a-global-id") { globalId } }')
  t.match(bad, { data: { node: null }, errors: [{ extensions: { code: 'BAD_USER_INPUT', argument: 'id' } }] })
})
