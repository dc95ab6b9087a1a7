/**
 * Issue 10, defect 7: `subscription { … }` answered HTTP 500 INTERNAL_SERVER_ERROR. An
 * operation type the schema lacks is a validation error (400, GRAPHQL_VALIDATION_FAILED), and an
 * execution error without an original error is never a 5xx.
 */
import { GraphQLError } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import t from 'tap'
import { GatewayError, badUserInput } from '../../src/errors.js'
import { errorFormatter, scrub } from '../../src/graphql/error-formatter.js'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

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

function fakeContext (accept?: string): { ctx: MercuriusContext, logs: Array<{ level: string, args: unknown[] }>, headers: Record<string, string> } {
  const logs: Array<{ level: string, args: unknown[] }> = []
  const headers: Record<string, string> = {}
  const log = { info: (...args: unknown[]) => logs.push({ level: 'info', args }), error: (...args: unknown[]) => logs.push({ level: 'error', args }) }
  const request = { headers: accept === undefined ? {} : { accept } }
  const reply = { log, request, header: (k: string, v: string) => { headers[k] = v; return reply } }
  return { ctx: { reply, app: { log } } as unknown as MercuriusContext, logs, headers }
}

t.test('error formatter: unknown errors are INTERNAL_SERVER_ERROR with a generic message and a scrubbed log', async (t) => {
  const { ctx, logs } = fakeContext()
  const secret = 'Bearer abc.def-123 failed for access_token=sekrit'
  const boom = new GraphQLError(secret, { path: ['viewer'], originalError: new Error(secret) })
  const { statusCode, response } = errorFormatter({ data: { viewer: null }, errors: [boom] }, ctx)
  t.equal(statusCode, 200)
  t.same(response.errors?.map((e) => ({ message: e.message, code: e.extensions?.code })), [{ message: 'Internal server error.', code: 'INTERNAL_SERVER_ERROR' }])
  const logged = JSON.stringify(logs)
  t.notOk(logged.includes('abc.def-123') || logged.includes('sekrit'), 'the log line is scrubbed')
  t.ok(logs.some((l) => l.level === 'error'))
})

t.test('error formatter: execution without data; graphql-js\' own errors; a plain Error', async (t) => {
  const { ctx } = fakeContext()
  const alone = errorFormatter({ data: null, errors: [new GraphQLError('x', { originalError: new GatewayError('RATE_LIMITED', 'slow down', { retryAfter: 3 }) })] }, ctx)
  t.equal(alone.statusCode, 429)
  t.match(alone.response.errors, [{ extensions: { code: 'RATE_LIMITED', retryAfter: 3 } }])
  const nonNull = errorFormatter({ data: null, errors: [new GraphQLError('Cannot return null for non-nullable field Issue.title.')] }, ctx)
  t.match(nonNull.response.errors, [{ message: /non-nullable/, extensions: { code: 'INTERNAL_SERVER_ERROR' } }])
  t.equal(nonNull.statusCode, 200, 'an executed request with graphql-js\' own error is never a 5xx (issue 10, defect 7)')
  const two = errorFormatter({ data: null, errors: [new GraphQLError('a'), new GraphQLError('b')] }, ctx)
  t.equal(two.statusCode, 200, 'several errors without data: 200')
  const plain = errorFormatter({ errors: [new Error('raw') as unknown as GraphQLError] }, ctx)
  t.match(plain.response.errors, [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }])
  t.equal(plain.statusCode, 500)
})

t.test('error formatter: request-level failures', async (t) => {
  const { ctx, headers } = fakeContext('application/graphql-response+json')
  type Failure = Error & { code?: string, statusCode?: number, errors?: unknown[] }
  const wrap = (err: Failure): GraphQLError => new GraphQLError(err.message, { originalError: err })
  const cases: Array<[Failure, string | undefined, number]> = [
    [Object.assign(new Error('PersistedQueryNotFound'), { code: 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND', statusCode: 400 }), 'PERSISTED_QUERY_NOT_FOUND', 400],
    [Object.assign(new Error('mismatch'), { code: 'MER_ERR_GQL_PERSISTED_QUERY_MISMATCH', statusCode: 400 }), 'PERSISTED_QUERY_HASH_MISMATCH', 400],
    [Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 'BAD_REQUEST', 413],
    [Object.assign(new Error('x'), { code: 'FST_ERR_SOMETHING' }), 'BAD_REQUEST', 400],
    [Object.assign(new SyntaxError('Unexpected token'), {}), 'BAD_REQUEST', 400],
    [Object.assign(new Error('Graphql validation error'), { code: 'MER_ERR_GQL_VALIDATION', statusCode: 400, errors: [badUserInput('nope', { limit: 'cost' }), new GraphQLError('Unknown field'), 'weird'] }), undefined, 400]
  ]
  for (const [err, reason, status] of cases) {
    const out = errorFormatter({ errors: [wrap(err)] }, ctx)
    t.equal(out.statusCode, status, String(err.code))
    t.notOk('data' in out.response, 'no data entry for a request error')
    if (reason !== undefined) t.equal(out.response.errors?.[0]?.extensions?.reason, reason)
  }
  const validation = errorFormatter({ errors: [wrap(cases[5]![0])] }, ctx)
  t.same(validation.response.errors?.map((e) => e.extensions?.code), ['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED'], 'an unknown inner error says nothing of itself')
  // Issue 10, defect 2: the parser's stack overflow (mercurius wraps it as is) never reaches a client.
  const overflow = errorFormatter({ errors: [wrap(Object.assign(new Error('Graphql validation error'), { code: 'MER_ERR_GQL_VALIDATION', statusCode: 400, errors: [new RangeError('Maximum call stack size exceeded')] }))] }, fakeContext('application/graphql-response+json').ctx)
  t.equal(overflow.statusCode, 400)
  t.match(overflow.response.errors, [{ message: 'The document could not be parsed as GraphQL.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
  t.notMatch(JSON.stringify(overflow.response), /Maximum call stack|RangeError/)
  const fastifyValidation = errorFormatter({ errors: [wrap(Object.assign(new Error('Graphql validation error'), { code: 'MER_ERR_GQL_VALIDATION', statusCode: 400, errors: [Object.assign(new Error('body/query must be string'), { validation: [{}] })] }))] }, ctx)
  t.match(fastifyValidation.response.errors, [{ message: 'The request is malformed: body/query must be string.', extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }])
  const empty = errorFormatter({ errors: [wrap(Object.assign(new Error('Graphql validation error'), { code: 'MER_ERR_GQL_VALIDATION', statusCode: 400, errors: [] }))] }, ctx)
  t.match(empty.response.errors, [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }], 'a validation error without details is still one error')
  const method = errorFormatter({ errors: [wrap(Object.assign(new Error('Method not allowed'), { code: 'MER_ERR_METHOD_NOT_ALLOWED', statusCode: 405 }))] }, ctx)
  t.equal(method.statusCode, 405)
  t.equal(headers.allow, 'POST')
  const nested = errorFormatter({ errors: [new GraphQLError('outer', { originalError: new GraphQLError('Syntax Error: x') })] }, ctx)
  t.match(nested.response.errors, [{ message: 'Syntax Error: x', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
  const stackless = Object.assign(new Error('no stack'), { stack: undefined })
  t.match(errorFormatter({ errors: [new GraphQLError('x', { originalError: stackless })] }, ctx).response.errors, [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }])
  const noReply = errorFormatter({ data: null, errors: [new GraphQLError('x', { originalError: new GatewayError('NOT_FOUND', 'gone') })] }, { app: { log: { info () {} } } } as unknown as MercuriusContext)
  t.equal(noReply.statusCode, 404)
})

t.test('scrub removes credentials from messages', async (t) => {
  t.equal(scrub('Authorization: Bearer abc.DEF_123=='), 'Authorization: Bearer [redacted]')
  t.equal(scrub('refresh_token=abc&x=1'), 'refresh_token=[redacted]&x=1')
  t.equal(scrub('{"access_token": "abc"}'), '{"access_token": "[redacted]"}')
  t.equal(scrub('token sntrys_abcDEF123 leaked'), 'token [redacted] leaked')
  t.equal(scrub(`key ${'a1'.repeat(32)}`), 'key [redacted]')
  t.equal(scrub('The issue does not exist.'), 'The issue does not exist.')
})
