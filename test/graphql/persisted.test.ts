import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql } from '../helpers/graphql.js'
import { buildSchema } from 'graphql'
import { runPersistedCheck } from '../../src/cli/persisted-check.js'
import { checkManifest, hashDocument, loadPersistedQueries, parseManifest, PersistedQueryCache, requestedId } from '../../src/graphql/persisted.js'
import { loadSchema } from '../../src/graphql/schema.js'

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
  t.match(unknown.json(), { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] })

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
  t.throws(() => loadPersistedQueries(file), /not the sha256 \(or sha1\) hash of its document/)
  writeFileSync(file, JSON.stringify({ [hashDocument('{ viewer { id } }')]: '{ viewer { id } }' }))
  t.same(Object.values(loadPersistedQueries(file)), ['{ viewer { id } }'])
})

const post = async (app: import('fastify').FastifyInstance, body: unknown, cookie: string) => await app.inject({
  method: 'POST',
  url: '/graphql',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', cookie },
  payload: JSON.stringify(body)
})

t.test('automatic persisted queries follow Apollo\'s protocol: not found, register with the document, then by hash', async (t) => {
  const ta = await buildTestApp(t)
  const viewer = await connectViewer(ta)
  const query = 'query Me { viewer { id } }'
  const sha256Hash = hashDocument(query)
  const extensions = { persistedQuery: { version: 1, sha256Hash } }

  const miss = await post(ta.app, { extensions }, viewer.cookie)
  t.equal(miss.statusCode, 400)
  t.same(miss.json(), { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', reason: 'PERSISTED_QUERY_NOT_FOUND' } }] }, 'exact code, no data entry')

  const wrong = await post(ta.app, { query: '{ viewer { id } }', extensions }, viewer.cookie)
  t.equal(wrong.statusCode, 400)
  t.match(wrong.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_HASH_MISMATCH' } }] }, 'sha256 is checked')
  t.equal((await post(ta.app, { extensions }, viewer.cookie)).statusCode, 400, 'a mismatched document is not stored')

  const register = await post(ta.app, { query, extensions }, viewer.cookie)
  t.same(register.json(), { data: { viewer: { id: viewer.userId } } })
  const hit = await post(ta.app, { extensions }, viewer.cookie)
  t.same(hit.json(), { data: { viewer: { id: viewer.userId } } }, 'the hash alone now runs the document')
  const get = await ta.app.inject({ method: 'GET', url: `/graphql?extensions=${encodeURIComponent(JSON.stringify(extensions))}`, headers: { cookie: viewer.cookie } })
  t.same(get.json(), { data: { viewer: { id: viewer.userId } } }, 'and so does a GET')
  const byDocumentId = await post(ta.app, { documentId: `sha256:${sha256Hash}` }, viewer.cookie)
  t.same(byDocumentId.json(), { data: { viewer: { id: viewer.userId } } }, 'documentId names the same document')

  const invalid = '{ viewer { nope } }'
  const bad = await post(ta.app, { query: invalid, extensions: { persistedQuery: { version: 1, sha256Hash: hashDocument(invalid) } } }, viewer.cookie)
  t.match(bad.json(), { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] })
  t.match((await post(ta.app, { extensions: { persistedQuery: { version: 1, sha256Hash: hashDocument(invalid) } } }, viewer.cookie)).json(),
    { errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] }, 'a document that fails validation is not stored')
})

t.test('with GRAPHQL_APQ=false a hash-only request answers PERSISTED_QUERY_NOT_SUPPORTED, and documents still run', async (t) => {
  const ta = await buildTestApp(t, { env: { GRAPHQL_APQ: 'false' } })
  const viewer = await connectViewer(ta)
  const query = '{ viewer { id } }'
  const res = await post(ta.app, { extensions: { persistedQuery: { version: 1, sha256Hash: hashDocument(query) } } }, viewer.cookie)
  t.equal(res.statusCode, 400)
  t.same(res.json(), { errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED', reason: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] })
  const full = await post(ta.app, { query, extensions: { persistedQuery: { version: 1, sha256Hash: hashDocument(query) } } }, viewer.cookie)
  t.same(full.json(), { data: { viewer: { id: viewer.userId } } })
})

t.test('the APQ cache is bounded by entries and by bytes, least recently used out first', async (t) => {
  const byEntries = new PersistedQueryCache(2, 1000)
  byEntries.set('a', 'AAAA')
  byEntries.set('b', 'BBBB')
  t.equal(byEntries.get('a'), 'AAAA', 'a is now the most recently used')
  byEntries.set('c', 'CCCC')
  t.equal(byEntries.size, 2)
  t.equal(byEntries.get('b'), undefined, 'b, the least recently used, went out')
  t.equal(byEntries.get('c'), 'CCCC')
  const byBytes = new PersistedQueryCache(100, 10)
  byBytes.set('a', '12345')
  byBytes.set('b', '1234é')
  t.equal(byBytes.bytes, 6, 'bytes are UTF-8 bytes (é is two)')
  t.equal(byBytes.get('a'), undefined, 'a went out to keep within 10 bytes')
  byBytes.set('huge', 'x'.repeat(11))
  t.equal(byBytes.get('huge'), undefined, 'a document over the whole budget is not stored')
  byBytes.set('b', '12')
  t.equal(byBytes.bytes, 2, 'replacing an entry frees its old bytes')
  const off = new PersistedQueryCache(0, 100)
  off.set('a', 'x')
  t.equal(off.size, 0)
})

t.test('manifests from Codegen (sha256 or sha1) and Apollo are read, and every id must hash its document', async (t) => {
  const doc = 'query Me { viewer { id __typename } }'
  t.same(parseManifest({ [hashDocument(doc)]: doc }, 'codegen'), { [hashDocument(doc)]: doc })
  t.same(parseManifest({ [hashDocument(doc, 'sha1')]: doc }, 'codegen-sha1'), { [hashDocument(doc, 'sha1')]: doc })
  const apollo = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: hashDocument(doc), name: 'Me', type: 'query', body: doc }] }
  t.same(parseManifest(apollo, 'apollo'), { [hashDocument(doc)]: doc })
  t.throws(() => parseManifest({ ...apollo, version: 2 }, 'm'), /version 1/)
  t.throws(() => parseManifest({ ...apollo, operations: [{ body: doc }] }, 'm'), /no string "id"/)
  t.throws(() => parseManifest({ [hashDocument(doc)]: 5 }, 'm'), /not a GraphQL document string/)
  t.throws(() => parseManifest({ [hashDocument('{ a }')]: doc }, 'm'), /not the sha256/)
  t.equal(requestedId({ extensions: null }), null)
  t.equal(requestedId({ documentId: 'sha256:abc' }), 'abc')
})

t.test('persisted:check validates a manifest against the schema', async (t) => {
  const dir = t.testdir()
  const good = 'query Me { viewer { id __typename } }'
  const bad = 'query Bad { viewer { nope } }'
  const broken = 'query {'
  writeFileSync(join(dir, 'good.json'), JSON.stringify({ [hashDocument(good)]: good }))
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: hashDocument(bad), body: bad }, { id: hashDocument(broken), body: broken }] }))
  writeFileSync(join(dir, 'corrupt.json'), '{')
  const lines: string[] = []
  t.equal(runPersistedCheck([join(dir, 'good.json')], (l) => lines.push(l)), 0)
  t.match(lines.pop(), /1 operations valid/)
  t.equal(runPersistedCheck([join(dir, 'bad.json'), join(dir, 'corrupt.json')], (l) => lines.push(l)), 1)
  t.match(lines.join('\n'), /Cannot query field "nope"/)
  t.match(lines.join('\n'), /Syntax Error/)
  t.match(lines.join('\n'), /corrupt\.json: .*JSON/)
  t.equal(runPersistedCheck([], (l) => lines.push(l)), 1, 'usage without a file')
  const schema = buildSchema(loadSchema().join('\n'))
  t.same(checkManifest(loadPersistedQueries(), schema), [], 'the built-in allow-list is valid')
})

t.test('GRAPHQL_PERSISTED_QUERIES_FILE feeds the allow-list, and in APQ mode its documents are known up front', async (t) => {
  const dir = t.testdir()
  const doc = 'query Mine { viewer { id __typename } }'
  const file = join(dir, 'persisted-documents.json')
  writeFileSync(file, JSON.stringify({ [hashDocument(doc, 'sha1')]: doc }))
  const only = await buildTestApp(t, { env: { GRAPHQL_PERSISTED_QUERIES_ONLY: 'true', GRAPHQL_PERSISTED_QUERIES_FILE: file } })
  const v1 = await connectViewer(only)
  t.same((await post(only.app, { documentId: hashDocument(doc, 'sha1') }, v1.cookie)).json(), { data: { viewer: { id: v1.userId, __typename: 'Viewer' } } })
  t.match((await post(only.app, { documentId: hashOf('query Viewer') }, v1.cookie)).json(), { errors: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] }, 'only the configured manifest')
  const apq = await buildTestApp(t, { env: { GRAPHQL_APQ: 'false', GRAPHQL_PERSISTED_QUERIES_FILE: file } })
  const v2 = await connectViewer(apq)
  t.same((await post(apq.app, { documentId: hashDocument(doc, 'sha1') }, v2.cookie)).json(), { data: { viewer: { id: v2.userId, __typename: 'Viewer' } } })
  await t.rejects(buildTestApp(t, { env: { GRAPHQL_PERSISTED_QUERIES_ONLY: 'true', GRAPHQL_PERSISTED_QUERIES_FILE: join(dir, 'missing.json') } }), /GRAPHQL_PERSISTED_QUERIES_FILE: .*ENOENT/)
})

t.test('operations that do not validate are refused by codegen', async (t) => {
  const { buildPersistedQueries } = await import('../../src/graphql/persisted.js')
  const schema = buildSchema(loadSchema().join('\n'))
  const dir = t.testdir({ 'bad.graphql': 'query Bad { viewer { nope } }' })
  t.throws(() => buildPersistedQueries(dir, schema), /bad\.graphql: Cannot query field "nope"/)
})
