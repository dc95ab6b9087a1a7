/** src/graphql/event-entries.ts on the shapes Sentry actually sends (the payload fixtures) and on the odd ones it might. */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { eventUser, keyValues, normalizeContexts, normalizeEntries, tags, traceContext } from '../../src/graphql/event-entries.js'

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../src/emulator/fixtures/${name}`, import.meta.url), 'utf8'))

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
