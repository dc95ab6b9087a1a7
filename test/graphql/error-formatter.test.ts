/**
 * Issue 10, defect 7: `subscription { … }` answered HTTP 500 INTERNAL_SERVER_ERROR. An
 * operation type the schema lacks is a validation error (400, GRAPHQL_VALIDATION_FAILED), and an
 * execution error without an original error is never a 5xx.
 */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, counters, gql, resetCounters } from '../helpers/graphql.js'

const ta = await buildTestApp(t)
const { app, emulator } = ta
const viewer = await connectViewer(ta)

t.test('attack: subscriptions, in every form, are a document error with a code (never a 5xx) and no upstream call', async (t) => {
  await resetCounters(emulator)
  const documents = [
    'subscription { viewer { id } }',
    'subscription S { organizations { id } }',
    'subscription { __typename }',
    'subscription { nope }',
    'query Q { viewer { id } } subscription S { viewer { id } }'
  ]
  for (const accept of ['application/json', 'application/graphql-response+json']) {
    for (const query of documents) {
      for (const cookie of [undefined, viewer.cookie]) {
        const res = await gql(app, query, { cookie, headers: { accept }, operationName: query.includes('subscription S') ? 'S' : undefined })
        // GraphQL over HTTP: a document error is 400 with application/graphql-response+json, 200 with application/json.
        t.equal(res.status, accept === 'application/json' ? 200 : 400, `${query} (${accept}${cookie === undefined ? '' : ', signed in'}): not a 5xx`)
        t.notOk('data' in res.body, 'nothing executed')
        t.ok(codes(res).length > 0 && codes(res).every((c) => c === 'GRAPHQL_VALIDATION_FAILED'), 'GRAPHQL_VALIDATION_FAILED')
        t.notOk(codes(res).includes('INTERNAL_SERVER_ERROR'))
      }
    }
  }
  const viaGet = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('subscription { viewer { id } }')}`, headers: { 'graphql-require-preflight': '1', cookie: viewer.cookie } })
  t.ok(viaGet.statusCode < 500, `GET: ${viaGet.statusCode}, not a 5xx`)
  t.match(viaGet.json(), { errors: [{ extensions: { code: /^(GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT)$/ } }] })
  t.equal((await counters(emulator)).apiRequests, 0, 'no upstream call')
  // The query of a document that also holds a subscription still runs when it is the one named.
  const mixed = await gql(app, 'query Q { viewer { id } } subscription S { viewer { id } }', { cookie: viewer.cookie, operationName: 'Q' })
  t.same(codes(mixed), ['GRAPHQL_VALIDATION_FAILED'], 'a document with an unsupported operation is invalid as a whole')
})

t.test('operation selection errors without an original error are 4xx', async (t) => {
  const strict = { accept: 'application/graphql-response+json' }
  const two = await gql(app, 'query A { viewer { id } } query B { viewer { id } }', { cookie: viewer.cookie, headers: strict })
  t.equal(two.status, 400)
  t.same(codes(two), ['GRAPHQL_VALIDATION_FAILED'])
  const unknown = await gql(app, 'query A { viewer { id } }', { cookie: viewer.cookie, operationName: 'Nope', headers: strict })
  t.equal(unknown.status, 400)
  t.same(codes(unknown), ['GRAPHQL_VALIDATION_FAILED'])
})

t.test('a scalar literal its scalar refuses (found by the fuzz suite) is a document error, never a 5xx', async (t) => {
  await resetCounters(emulator)
  for (const query of ['{ organization(slug: "acme") { transactions(end: "") { totalCount } } }', '{ organization(slug: "acme") { trace(traceId: "x", start: "not a date") { traceId } } }']) {
    const res = await gql(app, query, { cookie: viewer.cookie, headers: { accept: 'application/graphql-response+json' } })
    t.equal(res.status, 400, query)
    t.match(res.body.errors, [{ message: /DateTime must be an ISO-8601 date-time string/, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
  }
  t.equal((await counters(emulator)).apiRequests, 0, 'no upstream call')
})
