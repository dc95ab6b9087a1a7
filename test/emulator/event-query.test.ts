/** The emulator's query subset: filters, functions, grouping, sorting and Sentry's refusals. */
import t from 'tap'
import { type Dataset, checkFields, checkSorts, compileFilter, groupRows, parseQuery, resolveColumn, sortRecords } from '../../src/emulator/event-query.js'
import { ApiError } from '../../src/emulator/http.js'

interface Row { op: string, d: number, status: string, tx: string, user: string | null, ts: number }

const ds: Dataset<Row> = {
  name: 'test',
  value: (r, f) => f === 'span.op' ? r.op : f === 'span.duration' ? r.d : f === 'span.status' ? r.status : f === 'transaction' ? r.tx : f === 'user' ? r.user : undefined,
  fieldMeta: (f) => f === 'span.duration' ? { type: 'duration', unit: 'millisecond' } : { type: 'string', unit: null },
  timestampMs: (r) => r.ts,
  failed: (r) => r.status !== 'ok',
  text: (r) => r.tx,
  defaultNumericField: 'span.duration'
}

const rows: Row[] = [
  { op: 'db', d: 10, status: 'ok', tx: 'GET /a', user: 'u1', ts: 1 },
  { op: 'db', d: 30, status: 'internal_error', tx: 'GET /a', user: 'u2', ts: 2 },
  { op: 'cache.get', d: 2, status: 'ok', tx: 'GET /b', user: 'u1', ts: 3 },
  { op: 'http.client', d: 2000, status: 'ok', tx: 'POST /c', user: null, ts: 4 }
]

const match = (q: string): number[] => rows.filter(compileFilter(ds, parseQuery(q))).map((r) => r.ts)

function detailOf (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ApiError) return String((err.body as { detail: string }).detail)
    throw err
  }
  return 'no error'
}

t.test('filters', async (t) => {
  t.same(match(''), [1, 2, 3, 4])
  t.same(match('span.op:db'), [1, 2])
  t.same(match('!span.op:db'), [3, 4])
  t.same(match('span.op:[db,cache.get]'), [1, 2, 3])
  t.same(match('span.op:ca*'), [3])
  t.same(match('span.duration:>20ms'), [2, 4])
  t.same(match('span.duration:>=1s'), [4])
  t.same(match('span.duration:<=10'), [1, 3])
  t.same(match('span.op:db span.duration:>15'), [2])
  t.same(match('span.op:db AND span.duration:<15'), [1])
  t.same(match('span.op:cache.get OR span.duration:>1000'), [3, 4])
  t.same(match('(span.op:db OR span.op:cache.get) !span.status:ok'), [2])
  t.same(match('has:user'), [1, 2, 3])
  t.same(match('!has:user'), [4])
  t.same(match('transaction:"GET /a"'), [1, 2])
  t.same(match('POST'), [4], 'free text')
  t.same(match('unknown.tag:x'), [], 'an unknown attribute is a tag without values')
  t.match(detailOf(() => parseQuery('span.op:(db')), /^Parse error at/)
  t.match(detailOf(() => parseQuery('(span.op:db')), /^Parse error at/)
  t.match(detailOf(() => parseQuery('span.op:db)')), /^Parse error at/)
  t.match(detailOf(() => parseQuery('transaction:"open')), /^Parse error at/)
  t.match(detailOf(() => parseQuery('count():>5')), /Aggregate filters/)
  t.match(detailOf(() => match('span.duration:>10parsecs')), /Invalid number/)
})

t.test('functions and their meta', async (t) => {
  const agg = (name: string): unknown => resolveColumn(ds, name).aggregate?.(rows, 120_000)
  t.equal(agg('count()'), 4)
  t.equal(agg('count_unique(user)'), 2)
  t.equal(agg('sum(span.duration)'), 2042)
  t.equal(agg('avg(span.duration)'), 510.5)
  t.equal(agg('min(span.duration)'), 2)
  t.equal(agg('max()'), 2000)
  t.equal(agg('p50(span.duration)'), 10, 'nearest rank')
  t.equal(agg('p75()'), 30)
  t.equal(agg('p100()'), 2000)
  t.equal(agg('failure_rate()'), 0.25)
  t.equal(agg('failure_count()'), 1)
  t.equal(agg('epm()'), 2)
  t.equal(agg('eps()'), 0.033)
  t.same(resolveColumn(ds, 'p95(span.duration)').meta, { type: 'duration', unit: 'millisecond' })
  t.same(resolveColumn(ds, 'epm()').meta, { type: 'rate', unit: '1/minute' })
  t.same(resolveColumn(ds, 'failure_rate()').meta, { type: 'percentage', unit: null })
  t.same(resolveColumn(ds, 'count()').meta, { type: 'integer', unit: null })
  t.equal(resolveColumn(ds, 'p95()').aggregate?.([], 1), null, 'no rows: no percentile')
  t.equal(detailOf(() => resolveColumn(ds, 'foo(bar)')), 'foo is not a valid function')
  t.equal(detailOf(() => resolveColumn(ds, 'avg(span.op)')), 'Invalid query. Argument to function is wrong type.')
  t.equal(detailOf(() => checkFields(Array.from({ length: 21 }, (_, i) => `f${i}`))), 'You can view up to 20 fields at a time. Please delete some and try again.')
  t.equal(detailOf(() => checkSorts(['-count()'], ['transaction'])), 'Cannot sort by a field that is not selected.')
})

t.test('grouping and sorting', async (t) => {
  const groups = groupRows(ds, rows, ['span.op'])
  t.same(groups.map((g) => [g.key, g.rows.length]), [[['db'], 2], [['cache.get'], 1], [['http.client'], 1]])
  const records = [{ a: 2, b: 'x' }, { a: null, b: 'y' }, { a: 3, b: 'z' }, { a: 2, b: 'w' }]
  sortRecords(records, ['-a', 'b'])
  t.same(records.map((r) => r.b), ['z', 'w', 'x', 'y'], 'descending, ties by the next sort, nulls last')
})
