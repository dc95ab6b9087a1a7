import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql } from '../helpers/graphql.js'
import { hashDocument, loadPersistedQueries } from '../../src/graphql/persisted.js'

const allowList = loadPersistedQueries()
const hashOf = (operation: string): string => {
  const hash = Object.keys(allowList).find((h) => allowList[h]?.includes(operation))
  if (hash === undefined) throw new Error(`${operation} is not persisted`)
  return hash
}

t.test('allow-list mode runs only persisted operations', async (t) => {
  const ta = await buildTestApp(t, { env: { GRAPHQL_PERSISTED_QUERIES_ONLY: 'true' } })
  const { app } = ta
  const viewer = await connectViewer(ta)
  const post = async (body: unknown) => await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', cookie: viewer.cookie }, payload: JSON.stringify(body) })

  const byHash = await post({ persisted: true, query: hashOf('query Viewer') })
  t.equal(byHash.statusCode, 200)
  t.equal(byHash.json().data.viewer.id, viewer.userId)

  const apq = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hashOf('query OrganizationIssues') } }, variables: { slug: 'acme', first: 3, query: '' } })
  t.equal(apq.json().data.organization.issues.nodes.length, 3)

  const get = await app.inject({ method: 'GET', url: `/graphql?persisted=true&query=${hashOf('query Organizations')}`, headers: { cookie: viewer.cookie, 'graphql-require-preflight': '1' } })
  t.same(get.json().data.organizations.map((o: { slug: string }) => o.slug).sort(), ['acme', 'globex'])

  const freeForm = await post({ query: '{ viewer { id } }' })
  t.equal(freeForm.statusCode, 400)
  t.match(freeForm.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_REQUIRED' } }] })

  const unknown = await post({ persisted: true, query: hashDocument('{ viewer { id } }') })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_NOT_FOUND' } }] })

  const prototype = await post({ persisted: true, query: '__proto__' })
  t.match(prototype.json(), { errors: [{ extensions: { reason: 'PERSISTED_QUERY_NOT_FOUND' } }] })

  t.equal((await app.inject({ method: 'GET', url: '/graphiql' })).statusCode, 404, 'GraphiQL is off in allow-list mode')
})

t.test('without allow-list mode, ad-hoc queries run', async (t) => {
  const ta = await buildTestApp(t)
  const viewer = await connectViewer(ta)
  const res = await gql(ta.app, '{ viewer { id } }', { cookie: viewer.cookie })
  t.notOk(res.body.errors)
  t.same(codes(res), [])
})

t.test('the allow-list file is checked when loaded', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'pq.json')
  writeFileSync(file, '[]')
  t.throws(() => loadPersistedQueries(file), /must be a JSON object/)
  writeFileSync(file, JSON.stringify({ abc: '{ viewer { id } }' }))
  t.throws(() => loadPersistedQueries(file), /does not hash to its key/)
  writeFileSync(file, JSON.stringify({ [hashDocument('{ viewer { id } }')]: '{ viewer { id } }' }))
  t.same(Object.values(loadPersistedQueries(file)), ['{ viewer { id } }'])
})
