import t from 'tap'
import { negotiate } from '../../src/graphql/http.js'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer } from '../helpers/graphql.js'

const ta = await buildTestApp(t)
const { app } = ta
const viewer = await connectViewer(ta)
const PREFLIGHT = { 'graphql-require-preflight': '1' }

const get = async (query: string, headers: Record<string, string> = {}, extra = '') => await app.inject({
  method: 'GET', url: `/graphql?query=${encodeURIComponent(query)}${extra}`, headers: { cookie: viewer.cookie, ...headers }
})

t.test('GET runs queries when the request carries a non-simple header', async (t) => {
  const res = await get('{ viewer { id } }', PREFLIGHT)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), { data: { viewer: { id: viewer.userId } } })
  const withVars = await get('query ($s: String!) { organization(slug: $s) { slug } }', PREFLIGHT, `&variables=${encodeURIComponent('{"s":"acme"}')}`)
  t.same(withVars.json(), { data: { organization: { slug: 'acme' } } })
})

t.test('GET from another site without a preflight-forcing header is refused, naming what would pass', async (t) => {
  for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }] as Array<Record<string, string>>) {
    const res = await get('{ viewer { id } }', headers)
    t.equal(res.statusCode, 400, JSON.stringify(headers))
    t.match(res.json(), { errors: [{ message: /graphql-require-preflight.*application\/json|application\/json.*graphql-require-preflight/, extensions: { code: 'BAD_USER_INPUT', reason: 'CSRF_PREVENTION', preflightHeaders: ['graphql-require-preflight', 'apollo-require-preflight', 'x-apollo-operation-name', 'mercurius-require-preflight', 'x-mercurius-operation-name'] } }] })
    t.notOk('data' in res.json())
    t.equal(res.headers['cache-control'], 'private, no-store')
  }
})

t.test('GET with default client settings passes from the same site, from a trusted origin, and from a non-browser', async (t) => {
  for (const headers of [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, { origin: 'http://localhost:3000' }, {}, { 'sec-fetch-site': 'cross-site', 'apollo-require-preflight': 'true' }] as Array<Record<string, string>>) {
    const res = await get('{ viewer { id } }', headers)
    t.equal(res.statusCode, 200, JSON.stringify(headers))
    t.same(res.json(), { data: { viewer: { id: viewer.userId } } })
  }
})

t.test('every /graphql answer is private, never stored, and says what it varies on', async (t) => {
  const res = await get('{ viewer { id } }')
  t.equal(res.headers['cache-control'], 'private, no-store')
  const vary = String(res.headers.vary).split(',').map((v) => v.trim().toLowerCase())
  for (const name of ['accept', 'origin', 'cookie', 'sec-fetch-site']) t.ok(vary.includes(name), `Vary names ${name}`)
  t.equal(new Set(vary).size, vary.length, 'no duplicates in Vary')
})

t.test('GET refuses mutations with 405 and Allow: POST', async (t) => {
  const res = await get(`mutation { disconnect(connectionId: "${viewer.connection.id}") }`, PREFLIGHT)
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'POST')
  t.match(res.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' } }] })
  t.equal((await app.store.listConnections(viewer.userId)).length, 1, 'the mutation did not run')
})

t.test('POST with a simple Content-Type from another site is refused before anything runs (no cross-site form posts)', async (t) => {
  const mutation = JSON.stringify({ query: `mutation { disconnect(connectionId: "${viewer.connection.id}") }` })
  for (const [type, payload] of [
    ['text/plain', mutation],
    ['text/plain;charset=UTF-8', mutation],
    ['application/x-www-form-urlencoded', `query=${encodeURIComponent(`mutation { disconnect(connectionId: "${viewer.connection.id}") }`)}`],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ viewer { id } }\r\n--x--\r\n']
  ] as const) {
    for (const site of [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }]) {
      const res = await app.inject({ method: 'POST', url: '/graphql', headers: { cookie: viewer.cookie, 'content-type': type, ...site }, payload })
      t.equal(res.statusCode, 400, type)
      t.match(res.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'CSRF_PREVENTION' } }] }, type)
    }
    // Not from a browser: no CSRF risk, and such a body is not read as GraphQL anyway.
    const plain = await app.inject({ method: 'POST', url: '/graphql', headers: { cookie: viewer.cookie, 'content-type': type }, payload })
    t.ok(plain.statusCode === 400 || plain.statusCode === 415, `${type}: ${plain.statusCode}`)
    t.match(plain.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] }, type)
  }
  t.equal((await app.store.listConnections(viewer.userId)).length, 1, 'no mutation ran')
})

t.test('POST accepts application/json and application/graphql', async (t) => {
  const json = await app.inject({ method: 'POST', url: '/graphql', headers: { cookie: viewer.cookie, 'content-type': 'application/json; charset=utf-8' }, payload: { query: '{ viewer { id } }' } })
  t.same(json.json(), { data: { viewer: { id: viewer.userId } } })
  const gqlBody = await app.inject({ method: 'POST', url: '/graphql', headers: { cookie: viewer.cookie, 'content-type': 'application/graphql' }, payload: '{ viewer { id } }' })
  t.same(gqlBody.json(), { data: { viewer: { id: viewer.userId } } })
})

t.test('malformed requests are BAD_USER_INPUT with 4xx statuses', async (t) => {
  const post = async (payload: string, type = 'application/json') => await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': type, ...PREFLIGHT }, payload })
  const badJson = await post('{"query": ')
  t.equal(badJson.statusCode, 400)
  t.match(badJson.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] })
  const notObject = await post('[1]')
  t.equal(notObject.statusCode, 400)
  t.match(notObject.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] })
  // Mercurius would read a query that is not GraphQL as a JSON AST: refused.
  for (const query of ['5', '"x"', '{"kind": "Document", "definitions": []}', JSON.stringify({ kind: 'Document', definitions: [{ kind: 'OperationDefinition' }], loc: {} })]) {
    const res = await post(JSON.stringify({ query }))
    // application/json: a document that does not parse is a 200 (GraphQL over HTTP §application/json).
    t.equal(res.statusCode, 200, query)
    t.notOk('data' in res.json())
    t.match(res.json(), { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, query)
  }
  const noQuery = await post('{}')
  t.equal(noQuery.statusCode, 400)
  t.match(noQuery.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] })
  const xml = await post('<query/>', 'application/xml')
  t.equal(xml.statusCode, 415)
  t.match(xml.json(), { errors: [{ message: /Content-Type/, extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] })
  const badVars = await get('{ viewer { id } }', PREFLIGHT, '&variables=%7Bnope')
  t.equal(badVars.statusCode, 400)
  t.match(badVars.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] })
})

t.test('Accept: application/graphql-response+json gets that media type and its status codes', async (t) => {
  const accept = { accept: 'application/graphql-response+json, application/json;q=0.9' }
  const post = async (query: string, headers: Record<string, string> = {}) => await app.inject({
    method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...accept, ...headers }, payload: { query }
  })
  const ok = await post('{ viewer { id } }', { cookie: viewer.cookie })
  t.equal(ok.statusCode, 200)
  t.match(ok.headers['content-type'], /^application\/graphql-response\+json; charset=utf-8/)
  t.same(ok.json(), { data: { viewer: { id: viewer.userId } } })

  const invalid = await post('{ viewer { nope } }')
  t.equal(invalid.statusCode, 400, 'a request error (nothing executed) is 4xx')
  t.match(invalid.headers['content-type'], /^application\/graphql-response\+json/)
  t.notOk('data' in invalid.json(), 'a request error has no data entry')
  t.match(invalid.json(), { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] })

  const unauthenticated = await post('{ viewer { id } }')
  t.equal(unauthenticated.statusCode, 200, 'an executed request is 200 even when data is null')
  t.same(unauthenticated.json().data, null)
  t.match(unauthenticated.json(), { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] })

  const limit = await post(`{ viewer { id } } #${'x'.repeat(30_000)}`)
  t.equal(limit.statusCode, 400)
  t.notOk('data' in limit.json())

  const csrf = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'text/plain', ...accept }, payload: '{}' })
  t.equal(csrf.statusCode, 400)
  t.match(csrf.headers['content-type'], /^application\/graphql-response\+json/)

  const getMutation = await get('mutation { disconnect(connectionId: "x") }', { ...PREFLIGHT, ...accept })
  t.equal(getMutation.statusCode, 405)
})

t.test('application/json stays the default and wins when preferred', async (t) => {
  for (const accept of [undefined, '*/*', 'application/json', 'application/json, application/graphql-response+json;q=0.5', 'text/html', 'application/graphql-response+json;q=0']) {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', ...(accept === undefined ? {} : { accept }) }, payload: { query: '{ viewer { nope } }' } })
    t.match(res.headers['content-type'], /^application\/json/, String(accept))
    t.equal(res.statusCode, 200, 'application/json: a validation failure answers 200 (GraphQL over HTTP §application/json)')
    t.notOk('data' in res.json(), 'a request error has no data entry')
  }
})

t.test('checkSite and mergeVary decide and merge as documented', async (t) => {
  const { checkSite, mergeVary } = await import('../../src/graphql/http.js')
  const trusted = new Set(['https://app.example'])
  const pass = (method: string, headers: Record<string, string>) => checkSite({ method, headers, trustedOrigins: trusted })
  t.equal(pass('POST', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }), null, 'preflighted JSON POST')
  t.equal(pass('GET', { 'sec-fetch-site': 'cross-site', origin: 'https://app.example' }), null, 'a trusted origin')
  t.match(pass('POST', { 'content-type': 'text/plain; charset=utf-8', 'sec-fetch-site': 'same-site' }), /Sec-Fetch-Site: same-site/)
  t.match(pass('GET', { origin: 'https://evil.example' }), /Origin: https:\/\/evil\.example/)
  t.match(pass('POST', { 'sec-fetch-site': 'cross-site' }), /no preflight/, 'a POST without a Content-Type is simple')
  t.equal(mergeVary(undefined, ['Accept', 'Origin']), 'Accept, Origin')
  const { GRAPHQL_VARY, GRAPHQL_VARY_VALUE } = await import('../../src/graphql/http.js')
  t.equal(GRAPHQL_VARY_VALUE, mergeVary(undefined, GRAPHQL_VARY), 'the /graphql Vary without an earlier one')
  t.equal(mergeVary('origin', ['Accept', 'Origin']), 'origin, Accept')
  t.equal(mergeVary('*', ['Accept']), '*')
})

t.test('nodes(ids:) takes at most 100 ids', async (t) => {
  const ids = Array.from({ length: 101 }, () => 'x')
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', cookie: viewer.cookie }, payload: { query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { globalId } }', variables: { ids } } })
  t.match(res.json(), { data: null, errors: [{ extensions: { code: 'BAD_USER_INPUT', argument: 'ids', max: 100 } }] })
})

t.test('Accept negotiation', async (t) => {
  t.equal(negotiate(undefined), 'application/json')
  t.equal(negotiate(''), 'application/json')
  t.equal(negotiate('application/graphql-response+json'), 'application/graphql-response+json')
  t.equal(negotiate('application/json;q=0.9, application/graphql-response+json'), 'application/graphql-response+json')
  t.equal(negotiate('application/json, application/graphql-response+json;q=0.9'), 'application/json')
  t.equal(negotiate('application/graphql-response+json;q=abc'), 'application/graphql-response+json', 'a q that is not a number is no q')
  t.equal(negotiate('application/graphql-response+json;q=1.2.3'), 'application/json', 'a malformed q drops the type')
  t.equal(negotiate('text/html, */*;q=0.8'), 'application/json')
})

t.test('responseMediaType answers what negotiate answers, for a header value seen before or not', async (t) => {
  const { responseMediaType } = await import('../../src/graphql/http.js')
  const as = (accept: string | undefined) => ({ headers: { accept } }) as unknown as Parameters<typeof responseMediaType>[0]
  const long = `${'x/y;q=0.1, '.repeat(60)}application/graphql-response+json`
  const values = [undefined, '', 'application/graphql-response+json', 'application/json', 'application/json;q=0.5, application/graphql-response+json', long, `${long};q=0.5, application/json`]
  // More distinct values than are remembered, then the first ones again.
  for (let i = 0; i < 300; i++) values.push(i % 2 === 0 ? `application/graphql-response+json;q=0.${i % 10}, application/json;q=0.5, x/${i}` : `application/json, x/${i}`)
  for (const round of ['first', 'again']) {
    for (const accept of values) t.equal(responseMediaType(as(accept)), negotiate(accept), `${round}: ${String(accept)}`)
  }
})
