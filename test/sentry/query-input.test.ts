/** Checks shared by the query endpoints, and how Sentry's answers to them are worded. */
import t from 'tap'
import { isGatewayError } from '../../src/errors.js'
import { MAX_DETAIL_CHARS, intervalArg, queryErrors, scrubDetail, stringList, timeRange, traceIdArg } from '../../src/sentry/query-input.js'

function argumentOf (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return isGatewayError(err) ? err.extensions.argument : err
  }
  return 'no error'
}

t.test('scrubDetail keeps the message and drops what must not be shown', async (t) => {
  t.equal(scrubDetail('Cannot sort by a field that is not selected.'), 'Cannot sort by a field that is not selected.')
  t.equal(scrubDetail('bad\u0000 query\n\tnear https://sentry.io/api/0/?token=abc here'), 'bad query near [url] here')
  t.equal(scrubDetail(`token ${'a'.repeat(64)} and sntrys_eyJpYXQiOjE3 and Bearer xyz`), 'token [redacted] and [redacted] and Bearer [redacted]')
  t.equal(scrubDetail('trace 0123456789abcdef0123456789abcdef kept'), 'trace 0123456789abcdef0123456789abcdef kept', 'a 32-hex trace id is not a secret')
  const long = scrubDetail('x'.repeat(1000)) ?? ''
  t.equal(long.length, MAX_DETAIL_CHARS)
  t.ok(long.endsWith('…'))
  t.equal(scrubDetail('   '), null)
  t.equal(scrubDetail({ code: 'x' }), null)
})

t.test('queryErrors maps 400 details to arguments, 404 with no body to FEATURE_DISABLED, a known 500', async (t) => {
  const map = queryErrors({ feature: 'Explore', featureGated404: true, rename: { fields: 'yAxis' }, known500: 'known' })
  const cases: Array<[string, string | undefined]> = [
    ['You can view up to 20 fields at a time. Please delete some and try again.', 'yAxis'],
    ['dataset must be one of: errors, spans', 'dataset'],
    ['Cannot sort by a field that is not selected.', 'sort'],
    ['Can only get up to 10 top events', 'topEvents'],
    ['Cannot group by timestamp', 'groupBy'],
    ['Interval cannot result in a zero duration.', 'interval'],
    ['You cannot view events from multiple projects.', 'projects'],
    ["Parse error at 'x' (column 1). This is commonly caused by unmatched parentheses.", 'query'],
    ['Something new', undefined]
  ]
  for (const [detail, argument] of cases) {
    const err = map(400, { detail })
    t.equal(err?.code, 'BAD_USER_INPUT')
    t.equal(err?.extensions.argument, argument, detail)
    t.equal(err?.extensions.sentryDetail, detail)
  }
  t.equal(map(400, 'a bare string body')?.extensions.sentryDetail, 'a bare string body')
  t.equal(map(400, null)?.message, 'Sentry rejected the Explore query.')
  t.match(map(404, null), { code: 'NOT_FOUND', extensions: { reason: 'FEATURE_DISABLED' } })
  t.equal(map(404, { detail: 'The requested resource does not exist' }), undefined, 'an ordinary 404 is left to the default mapping')
  t.match(map(500, { detail: 'Internal error' }), { code: 'UPSTREAM_ERROR', message: 'known' })
  t.equal(queryErrors({ feature: 'x' })(500, null), undefined)
})

t.test('time ranges, intervals, lists and trace ids', async (t) => {
  t.same(timeRange({}, '24h'), { statsPeriod: '24h' })
  t.same(timeRange({ statsPeriod: '14d' }, '24h'), { statsPeriod: '14d' })
  t.same(timeRange({ start: '2025-01-01T00:00:00Z', end: '2025-01-02T00:00:00+01:00' }, '24h'), { start: '2025-01-01T00:00:00.000Z', end: '2025-01-01T23:00:00.000Z' })
  t.equal(argumentOf(() => timeRange({ statsPeriod: '24h', end: '2025-01-01T00:00:00Z' }, '24h')), 'statsPeriod')
  for (const bad of ['24', '1y', '-1h', '0h', 'h', '1.5h']) t.equal(argumentOf(() => timeRange({ statsPeriod: bad }, '24h')), 'statsPeriod', bad)
  t.equal(argumentOf(() => timeRange({ end: '2025-01-01T00:00:00Z' }, '24h')), 'start')
  t.equal(argumentOf(() => timeRange({ start: 'yesterday', end: '2025-01-01T00:00:00Z' }, '24h')), 'start')
  t.equal(argumentOf(() => timeRange({ start: '2025-01-01T00:00:00Z', end: '2025-01-01T00:00:00Z' }, '24h')), 'end')
  t.equal(intervalArg('1h'), '1h')
  t.equal(intervalArg('3600'), '3600')
  t.equal(intervalArg(null), undefined)
  t.equal(argumentOf(() => intervalArg('1 h')), 'interval')
  t.equal(argumentOf(() => intervalArg('0')), 'interval')
  t.same(stringList(['a'], 'fields', 1, 2), ['a'])
  t.equal(argumentOf(() => stringList([''], 'fields', 1, 2)), 'fields')
  t.equal(argumentOf(() => stringList(['x'.repeat(201)], 'fields', 1, 2)), 'fields')
  t.equal(traceIdArg('B4D1AAE7-216B-47FF-8117-CF4E09CE9D0B'), 'b4d1aae7216b47ff8117cf4e09ce9d0b')
  t.equal(argumentOf(() => traceIdArg('b4d1aae7216b47ff8117cf4e09ce9d0')), 'traceId')
})
