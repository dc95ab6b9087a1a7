/**
 * Unit tests of the GraphQL layer's pure pieces, on the shapes Sentry actually sends (the
 * payload fixtures) and on the odd ones it might.
 */
import { readFileSync } from 'node:fs'
import { GraphQLError, Kind, buildSchema, parse } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import t from 'tap'
import { GatewayError, badUserInput } from '../../src/errors.js'
import { bool, date, float, int, json, list, record, str, strList } from '../../src/graphql/coerce.js'
import { errorFormatter, scrub } from '../../src/graphql/error-formatter.js'
import { eventUser, keyValues, normalizeContexts, normalizeEntries, tags, traceContext } from '../../src/graphql/event-entries.js'
import { negotiate } from '../../src/graphql/http.js'
import { decodeCursor, encodeCursor, pageRequest, toConnection } from '../../src/graphql/pagination.js'
import { BigIntScalar, DateTime, JSONScalar } from '../../src/graphql/resolvers/scalars.js'
import { loadSchema } from '../../src/graphql/schema.js'

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../src/emulator/fixtures/${name}`, import.meta.url), 'utf8'))

t.test('coerce: values of an unexpected type become null', async (t) => {
  t.equal(str('a'), 'a'); t.equal(str(5), '5'); t.equal(str(true), 'true'); t.equal(str(10n), '10'); t.equal(str({}), null); t.equal(str(null), null)
  t.equal(int(7), 7); t.equal(int('42'), 42); t.equal(int(1.5), null); t.equal(int(2 ** 31), null); t.equal(int('x'), null); t.equal(int(-5), -5)
  t.equal(float(1.5), 1.5); t.equal(float('2.5'), 2.5); t.equal(float(Infinity), null); t.equal(float(''), null); t.equal(float('x'), null); t.equal(float(null), null)
  t.equal(bool(false), false); t.equal(bool('true'), null)
  t.same(record({ a: 1 }), { a: 1 }); t.equal(record([]), null); t.equal(record(null), null)
  t.same(list([1]), [1]); t.same(list('x'), [])
  t.same(strList(['a', 1, null]), ['a', '1']); t.equal(strList('a'), null)
  t.equal(json(undefined), null); t.same(json({ a: 1 }), { a: 1 })
  t.equal(date('2025-04-12T11:34:11.310000Z'), '2025-04-12T11:34:11.310000Z', 'Sentry precision is kept')
  t.equal(date('not a date'), null)
  t.equal(date(1722963600.25), '2024-08-06T17:00:00.250Z', 'Unix seconds')
  t.equal(date(1722963600250), '2024-08-06T17:00:00.250Z', 'milliseconds')
  t.equal(date(Number.NaN), null); t.equal(date(1e300), null); t.equal(date({}), null)
})

t.test('entries: every fixture event normalizes, known types typed, the rest GenericEntry', async (t) => {
  const seen = new Map<string, string>()
  for (const name of ['event.json', 'csp-event.json', 'default-event.json', 'generic-event.json', 'performance-event.json', 'unknown-event.json']) {
    const event = fixture(name)
    for (const e of normalizeEntries(event.entries)) seen.set(e.type, e.__typename ?? '')
    t.doesNotThrow(() => normalizeContexts(event.contexts))
    t.doesNotThrow(() => tags(event.tags))
  }
  t.same(Object.fromEntries(seen), {
    exception: 'ExceptionEntry', request: 'RequestEntry', breadcrumbs: 'BreadcrumbsEntry', message: 'MessageEntry', csp: 'CspEntry', spans: 'SpansEntry'
  })
  const exception = normalizeEntries(fixture('event.json').entries).find((e) => e.__typename === 'ExceptionEntry')
  t.match(exception, { values: [{ type: 'Error', mechanism: { type: 'cloudflare', handled: false }, stacktrace: { frames: Array } }] })
})

t.test('entries: stacktrace and threads entries, odd shapes, and unknown types', async (t) => {
  const frame = { filename: 'a.py', lineNo: '12', colNo: 3.5, inApp: 'yes', context: [[11, 'x = 1'], { lineNo: 12, line: 'y()' }, 'junk'], vars: { a: 1 } }
  const entries = normalizeEntries([
    { type: 'stacktrace', data: { frames: [frame], hasSystemFrames: false } },
    { type: 'threads', data: { values: [{ id: 1, name: 'main', crashed: true, current: true, stacktrace: { frames: [frame] }, rawStacktrace: { frames: [] } }, 'junk'] } },
    { type: 'exception', data: { values: [{ type: 'E', mechanism: { type: 'x', help_link: 'https://h', synthetic: true, meta: { a: 1 } }, rawStacktrace: { frames: [] } }, null], hasSystemFrames: true } },
    { type: 'breadcrumbs', data: { values: [{ timestamp: 1722963600, event_id: 'abc' }, 7] } },
    { type: 'request', data: { query: 'a=1&b=2', headers: { Accept: 'text/html', N: 5 }, cookies: [['s', 'v'], ['only-key'], [null, 'x'], 'junk'], data: { body: true } } },
    { type: 'request', data: { query: '' } },
    { type: 'request', data: { headers: 5 } },
    { type: 'spans', data: [{ span_id: 's', start_timestamp: '1.5', timestamp: 'x' }, null] },
    { type: 'message', data: { formatted: 'hi', params: ['a'] } },
    { type: 'ai_trace', data: { steps: 3 } },
    { type: 'exception', data: { values: 'not a list' } },
    { type: 'threads', data: 'nope' },
    { type: 'breadcrumbs', data: null },
    { type: 'stacktrace', data: [] },
    { type: 'request', data: 'GET /' },
    { type: 'message', data: 'plain' },
    { type: 'spans', data: {} },
    { type: 'csp', data: null },
    { data: {} },
    'junk',
    null
  ])
  t.same(entries.map((e) => e.__typename), [
    'StacktraceEntry', 'ThreadsEntry', 'ExceptionEntry', 'BreadcrumbsEntry', 'RequestEntry', 'RequestEntry', 'RequestEntry', 'SpansEntry', 'MessageEntry',
    'GenericEntry', 'GenericEntry', 'GenericEntry', 'GenericEntry', 'GenericEntry', 'GenericEntry', 'GenericEntry', 'GenericEntry', 'GenericEntry', 'GenericEntry'
  ])
  t.match(entries[0], { stacktrace: { frames: [{ filename: 'a.py', lineNo: 12, colNo: null, inApp: null, context: [{ lineNo: 11, line: 'x = 1' }, { lineNo: 12, line: 'y()' }, { lineNo: null, line: null }] }] } })
  t.match(entries[1], { values: [{ id: '1', crashed: true, stacktrace: { frames: [{}] }, rawStacktrace: { frames: [] } }, { id: null, stacktrace: null }] })
  t.match(entries[2], { values: [{ mechanism: { helpLink: 'https://h', synthetic: true }, stacktrace: null }, { type: null, mechanism: null }] })
  t.match(entries[3], { values: [{ timestamp: '2024-08-06T17:00:00.000Z', eventId: 'abc' }, { timestamp: null }] })
  t.match(entries[4], { query: [{ key: '', value: 'a=1&b=2' }], headers: [{ key: 'Accept', value: 'text/html' }, { key: 'N', value: '5' }], cookies: [{ key: 's', value: 'v' }, { key: 'only-key', value: null }], body: { body: true } })
  t.same((entries[5] as { query: unknown }).query, [])
  t.same((entries[6] as { headers: unknown }).headers, [])
  t.match(entries[7], { spans: [{ spanId: 's', startTimestamp: 1.5, timestamp: null }, { spanId: null }] })
  t.equal(entries[18]?.type, 'unknown', 'an entry without a type')
  t.same(keyValues(undefined), [])
  const odd = normalizeEntries([{ type: 'stacktrace', data: { frames: ['junk'] } }])
  t.match(odd[0], { stacktrace: { frames: [{ filename: null, context: [] }] } })
})

t.test('contexts, trace, user and tags', async (t) => {
  t.same(normalizeContexts({ os: { type: 'os', name: 'Linux' }, odd: 5 }), [{ key: 'os', type: 'os', data: { type: 'os', name: 'Linux' } }, { key: 'odd', type: null, data: 5 }])
  t.same(normalizeContexts(null), [])
  t.match(traceContext(fixture('performance-event.json').contexts), { traceId: 'abcdef1234567890abcdef1234567890', op: 'http.server' })
  t.equal(traceContext({}), null)
  t.match(eventUser({ id: 5, ip_address: '10.0.0.1', geo: { city: 'x' } }), { id: '5', ipAddress: '10.0.0.1', geo: { city: 'x' }, data: null })
  t.match(eventUser({ ipAddress: '10.0.0.2' }), { ipAddress: '10.0.0.2' })
  t.equal(eventUser(null), null)
  t.same(tags([{ key: 'a', value: 1 }, { key: null }, 'x', { key: 'b', value: null }]), [{ key: 'a', value: '1' }, { key: 'b', value: null }])
})

t.test('cursors are opaque, validated, and map Sentry pages to Relay connections', async (t) => {
  t.same(decodeCursor(encodeCursor('1420837533:0:0', 3)), { sentryCursor: '1420837533:0:0', skip: 3 })
  t.same(decodeCursor(encodeCursor(null, 0)), { sentryCursor: null, skip: 0 })
  for (const bad of ['', '@@', Buffer.from('s2:0:x').toString('base64url'), Buffer.from('s1:101:x').toString('base64url'), 'a'.repeat(500), Buffer.from('s1:0:has space').toString('base64url')]) {
    t.throws(() => decodeCursor(bad), { code: 'BAD_USER_INPUT' }, JSON.stringify(bad))
  }
  t.same(pageRequest({}), { cursor: null, skip: 0, perPage: 25, first: 25 })
  t.same(pageRequest({ first: 10, after: encodeCursor('c', 95) }), { cursor: 'c', skip: 95, perPage: 100, first: 10 })
  t.throws(() => pageRequest({ first: 1.5 }), { code: 'BAD_USER_INPUT' })
  const page = { items: [1, 2, 3], nextCursor: 'n', prevCursor: null }
  const conn = toConnection(page, pageRequest({ first: 2 }), (n) => n * 10)
  t.same(conn.nodes, [10, 20])
  t.same(conn.pageInfo, { hasNextPage: true, hasPreviousPage: false, startCursor: encodeCursor(null, 1), endCursor: encodeCursor(null, 2) })
  const rest = toConnection(page, pageRequest({ first: 5, after: encodeCursor(null, 2) }), (n) => n)
  t.same(rest.nodes, [3])
  t.equal(rest.pageInfo.endCursor, encodeCursor('n', 0), 'the last edge of a Sentry page carries Sentry\'s next cursor')
  const last = toConnection({ items: [1], nextCursor: null, prevCursor: 'p' }, pageRequest({}), (n) => n)
  t.same(last.pageInfo, { hasNextPage: false, hasPreviousPage: true, startCursor: encodeCursor(null, 1), endCursor: encodeCursor(null, 1) })
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

t.test('scalars', async (t) => {
  t.equal(DateTime.serialize(new Date(0)), '1970-01-01T00:00:00.000Z')
  t.throws(() => DateTime.serialize('yesterday'))
  t.equal(DateTime.parseValue('2025-01-01T00:00:00Z'), '2025-01-01T00:00:00Z')
  t.equal(DateTime.parseLiteral({ kind: Kind.STRING, value: '2025-01-01T00:00:00Z' }), '2025-01-01T00:00:00Z')
  t.throws(() => DateTime.parseLiteral({ kind: Kind.INT, value: '5' }))
  t.same(JSONScalar.parseValue({ a: 1 }), { a: 1 })
  t.same(JSONScalar.parseLiteral(parse('{ f(a: { b: [1, "x", $v] }) }').definitions[0] !== undefined ? { kind: Kind.OBJECT, fields: [{ kind: Kind.OBJECT_FIELD, name: { kind: Kind.NAME, value: 'b' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'v' } } }] } : { kind: Kind.NULL }, { v: 7 }), { b: 7 })
  t.equal(BigIntScalar.serialize('123456789012345678901234567890'), '123456789012345678901234567890')
  t.equal(BigIntScalar.serialize(42), '42')
  t.equal(BigIntScalar.serialize(42n), '42')
  t.throws(() => BigIntScalar.serialize('4.2'))
  t.equal(BigIntScalar.parseValue('7'), '7')
  t.equal(BigIntScalar.parseLiteral({ kind: Kind.INT, value: '9' }), '9')
  t.throws(() => BigIntScalar.parseLiteral({ kind: Kind.BOOLEAN, value: true }))
})

const schema = buildSchema(loadSchema().join('\n'))

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

t.test('resolvers meet malformed Sentry objects with nulls and safe defaults', async (t) => {
  const { resolvers } = await import('../../src/graphql/resolvers/index.js')
  const { team } = await import('../../src/graphql/resolvers/team.js')
  const { member } = await import('../../src/graphql/resolvers/member.js')
  const { projectKey } = await import('../../src/graphql/resolvers/project.js')
  const { releaseProject } = await import('../../src/graphql/resolvers/release.js')
  const scope = { connectionId: 'c', org: 'o' }
  const call = (type: string, field: string, parent: unknown): unknown =>
    ((resolvers as Record<string, Record<string, (p: unknown) => unknown>>)[type]?.[field])?.(parent)
  const issue = { scope, data: { count: 'lots', tags: 'x' }, full: false }
  // Issue 10, defect 9: a missing non-null ID is UPSTREAM_ERROR, no longer "".
  const upstreamError = { code: 'UPSTREAM_ERROR' }
  t.throws(() => call('Issue', 'id', issue), upstreamError)
  t.equal(call('Issue', 'count', issue), '0')
  t.equal(call('Issue', 'level', issue), 'error')
  t.equal(call('Issue', 'status', issue), 'unresolved')
  t.equal(call('Issue', 'userCount', issue), 0)
  t.equal(call('Issue', 'assignedTo', issue), null)
  t.throws(() => call('Issue', 'assignedTo', { scope, data: { assignedTo: { type: 'team' } } }), upstreamError)
  t.same(call('Issue', 'assignedTo', { scope, data: { assignedTo: { type: 'team', id: 4 } } }), { type: 'TEAM', id: '4', name: '', email: null })
  for (const f of ['shortId', 'title', 'permalink']) t.equal(call('Issue', f, issue), '')
  const event = { scope, issueId: '9', data: { 'event.type': 'error' }, full: false }
  t.equal(call('Event', 'type', event), 'error', 'the list endpoint\'s event.type')
  t.equal(call('Event', 'groupID', event), '9')
  t.throws(() => call('Event', 'id', event), upstreamError)
  for (const f of ['eventID', 'title']) t.equal(call('Event', f, event), '')
  t.equal(call('Event', 'id', { ...event, data: { eventID: 'e1' } }), 'e1')
  t.equal(call('Event', 'eventID', { ...event, data: { id: 'e2' } }), 'e2')
  const project = { scope, data: { id: 7 }, full: false }
  t.equal(call('Project', 'id', project), '7')
  t.equal(call('Project', 'slug', project), '')
  t.equal(call('Project', 'name', { scope, data: { slug: 's' } }), 's')
  t.equal(call('Project', 'name', project), '')
  const release = { scope, data: { version: 'v1' } }
  t.equal(call('Release', 'id', release), 'v1')
  t.equal(call('Release', 'version', { scope, data: {} }), '')
  t.throws(() => call('Release', 'id', { scope, data: {} }), upstreamError)
  t.match(call('Release', 'projects', { scope, data: { version: 'v1', projects: [null, { id: 5 }] } }), [{ id: '5', projectId: '5', globalId: String, slug: '', name: null, platform: null, newGroups: null }])
  t.equal(releaseProject('x', release as never), null)
  t.throws(() => releaseProject({}, release as never), upstreamError)
  t.throws(() => team({}), upstreamError)
  t.same(team({ id: 1 }), { id: '1', slug: '', name: '', dateCreated: null, isMember: null, memberCount: null, hasAccess: null, teamRole: null })
  t.equal(team({ id: 2, slug: 'core' }).name, 'core')
  t.match(member({ id: 1, role: 'admin', user: { id: 3 } } as never), { id: '1', email: '', orgRole: 'admin', user: { id: '3', name: null } })
  t.throws(() => member({ user: {} } as never), upstreamError)
  t.match(member({ id: 2, user: {} } as never), { id: '2', user: null }, 'a user without an id is no user')
  t.throws(() => projectKey({} as never), upstreamError)
  t.match(projectKey({ id: 'k' } as never), { id: 'k', name: '', dsn: { public: null } })
})

t.test('fan-out fields settle each parent on its own and fetch what the parent lacks', async (t) => {
  const { eventResolvers } = await import('../../src/graphql/resolvers/event.js')
  const { issueResolvers } = await import('../../src/graphql/resolvers/issue.js')
  const { projectResolvers } = await import('../../src/graphql/resolvers/project.js')
  const { RequestGateway } = await import('../../src/graphql/context.js')

  const calls: string[] = []
  const client = {
    issues: {
      getEvent: async (org: string, issue: string, id: string) => {
        calls.push(`event ${org} ${issue} ${id}`)
        if (issue === 'gone') throw new GatewayError('NOT_FOUND', 'gone')
        if (issue === 'broken') throw new GatewayError('UPSTREAM_ERROR', 'broken')
        return { id, eventID: id, entries: [{ type: 'message', data: { formatted: 'hi' } }] }
      }
    },
    projects: { get: async (org: string, slug: string) => { calls.push(`project ${org} ${slug}`); return { id: '5', slug, status: 'active' } } }
  }
  const app = { sentry: { forConnection: () => client }, store: {} }
  const gw = new RequestGateway(app as never, {} as never)
  const ctx = { gw } as unknown as MercuriusContext
  const scope = { connectionId: 'c', org: 'acme' }
  const listed = { scope, issueId: '1', data: { id: 'e', eventID: 'e' }, full: false } as never
  const entries = await Promise.all([eventResolvers.Event.entries(listed, {}, ctx), eventResolvers.Event.entries(listed, {}, ctx)])
  t.match(entries, [[{ __typename: 'MessageEntry' }], [{ __typename: 'MessageEntry' }]])
  t.same(calls, ['event acme 1 e'], 'fetched once for both')
  await eventResolvers.Event.sdk({ scope, issueId: '1', data: { id: 'f' }, full: false } as never, {}, ctx)
  t.ok(calls.includes('event acme 1 f'), 'an event without eventID is fetched by id')
  const status = await projectResolvers.Project.status({ scope, data: { id: '5' }, full: false } as never, {}, ctx)
  t.same(status, 'active')
  t.ok(calls.includes('project acme 5'), 'a reference without a slug is fetched by id')
  const latest = await Promise.allSettled([
    issueResolvers.Issue.latestEvent({ scope, data: { id: 'gone' }, full: false } as never, {}, ctx),
    issueResolvers.Issue.latestEvent({ scope, data: { id: 'broken' }, full: false } as never, {}, ctx)
  ])
  t.match(latest[0], { status: 'fulfilled', value: null }, 'an issue without events has no latest event')
  t.match(latest[1], { status: 'rejected', reason: { code: 'UPSTREAM_ERROR' } }, 'one failing parent fails its own field only')
})

t.test('operations that do not validate are refused by codegen', async (t) => {
  const { buildPersistedQueries } = await import('../../src/graphql/persisted.js')
  const dir = t.testdir({ 'bad.graphql': 'query Bad { viewer { nope } }' })
  t.throws(() => buildPersistedQueries(dir, schema), /bad\.graphql: Cannot query field "nope"/)
})

t.test('organization routing, with a fake store', async (t) => {
  const { RequestGateway } = await import('../../src/graphql/context.js')
  const now = new Date()
  const org = { orgId: '1', slug: 'acme', name: 'Acme', regionUrl: 'https://us.sentry.io' }
  const base = { userId: 'u', sentryUser: { id: '1', name: null, email: null }, scopes: [], statusChangedAt: now, expiresAt: null, scopingOrgId: null, createdAt: now, updatedAt: now }
  const connections = [
    { ...base, id: 'revoked', status: 'REVOKED', statusReason: null, organizations: [org, { ...org, orgId: '2', slug: 'old' }] },
    { ...base, id: 'active', status: 'ACTIVE', statusReason: null, organizations: [org] }
  ]
  const user = { id: 'u', issuer: null, subject: null, sessionGeneration: 0, createdAt: now }
  const store = { viewer: async () => ({ user, connections, accessToken: () => null }) }
  const gw = new RequestGateway({ store, sentry: {} } as never, { session: { get: () => 'u' } } as never)
  t.equal((await gw.organization('acme')).connectionId, 'active', 'an ACTIVE connection first, wherever it is listed')
  t.equal((await gw.organization('1')).slug, 'acme', 'by organization id')
  await t.rejects(gw.organization('old'), { code: 'RECONNECT_REQUIRED', message: /\(revoked\)/ })
  await t.rejects(gw.organization('none'), { code: 'NOT_CONNECTED' })
  t.same((await gw.organizations()).map((o) => o.connectionId), ['active'])
})

t.test('resolvers that need Sentry, with a fake client', async (t) => {
  const { resolvers } = await import('../../src/graphql/resolvers/index.js')
  const { RequestGateway } = await import('../../src/graphql/context.js')
  const seen: unknown[] = []
  const client = {
    issues: {
      get: async (_org: string, id: string) => ({ id, title: 'T', ...(id === 'orphan' ? {} : { project: { id: '5', slug: 'p', name: 'P' } }) }),
      update: async () => ({ status: 'resolved' }),
      list: async (_org: string, args: unknown) => { seen.push(args); return { items: [], nextCursor: null, prevCursor: null } }
    },
    stats: { organization: async (_org: string, args: unknown) => { seen.push(args); return { start: 'x', intervals: 'nope', groups: [null, { by: { a: 1 } }] } } }
  }
  const gw = new RequestGateway({ sentry: { forConnection: () => client }, store: {} } as never, {} as never)
  gw.organization = async () => ({ scope: { connectionId: 'c', org: 'acme' }, id: '1', slug: 'acme', name: 'Acme', regionUrl: '', connectionId: 'c' })
  const ctx = { gw } as unknown as MercuriusContext
  const r = resolvers as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>
  const scope = { connectionId: 'c', org: 'acme' }

  const updated = await r.Mutation!.updateIssue!({}, { organizationSlug: 'acme', id: '7', input: { status: 'RESOLVED' } }, ctx) as { data: { title: string }, full: boolean }
  t.match(updated, { data: { id: '7', title: 'T' }, full: true }, 'a partial PUT answer is completed by reading the issue')
  await t.rejects(Promise.resolve(r.Issue!.project!({ scope, data: { id: 'orphan' }, full: false }, {}, ctx)), { code: 'UPSTREAM_ERROR' })
  t.match(await r.Issue!.project!({ scope, data: { id: '8' }, full: false }, {}, ctx), { data: { slug: 'p' }, full: false }, 'a list item without its project reads the issue')

  const stats = await r.Organization!.stats!({ scope }, { field: 'SUM_TIMES_SEEN', groupBy: ['PROJECT'] }, ctx)
  t.same(stats, { start: null, end: null, intervals: [], groups: [{ by: {}, totals: {}, series: {} }, { by: { a: 1 }, totals: {}, series: {} }] })
  t.same(seen[0], { field: 'sum(times_seen)', groupBy: ['project'], statsPeriod: undefined, interval: undefined, category: undefined })

  const keysOf: string[] = []
  Object.assign(client, { projects: { listKeys: async (_org: string, project: string) => { keysOf.push(project); return { items: [], nextCursor: null, prevCursor: null } } } })
  await r.Project!.keys!({ scope, data: { id: '9' }, full: false }, {}, ctx)
  await r.Project!.keys!({ scope, data: {}, full: false }, {}, ctx)
  t.same(keysOf, ['9', ''], 'a project reference without a slug is addressed by id')
  await r.Project!.issues!({ scope, data: { slug: 'only-slug' }, full: false }, {}, ctx)
  t.match(seen[1], { projects: ['only-slug'] }, 'a project without an id is searched by slug')
  t.throws(() => r.Project!.id!({ scope, data: {}, full: false }), { code: 'UPSTREAM_ERROR' })
  const tags = await r.Issue!.tags!({ scope, data: { id: '1', tags: ['x', { key: 'k', totalValues: 2 }] }, full: true }, {}, ctx)
  t.same(tags, [{ key: 'k', name: null, totalValues: 2 }])
  const teams = await r.Project!.teams!({ scope, data: { id: '5', teams: 'none' }, full: true }, {}, ctx)
  t.same(teams, null)
  t.equal(r.SentryConnection!.expiresAt!({ expiresAt: null }), null)
})
