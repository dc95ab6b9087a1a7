import { getIntrospectionQuery } from 'graphql'
import t, { type Test } from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, counters, gql, resetCounters } from '../helpers/graphql.js'

const ta = await buildTestApp(t)
const { app } = ta
const viewer = await connectViewer(ta)

/** Rejections must be quick: every refused document is answered within this budget. */
const BUDGET_MS = 50

/** Timings of every refusal, reported at the end of the file. */
export const timings: Array<{ limit: string, ms: number }> = []

/**
 * Sends the document three times and keeps the fastest time: the test machine is shared
 * (other test files run in parallel), and one slow run says more about the neighbours.
 */
async function refused (t: Test, query: string, limit: string, variables?: Record<string, unknown>): Promise<number> {
  let best = Infinity
  for (let i = 0; i < 3; i++) {
    const res = await gql(app, query, { cookie: viewer.cookie, variables })
    best = Math.min(best, res.ms)
    if (i > 0) continue
    t.same(codes(res), ['BAD_USER_INPUT'], `${limit}: refused`)
    t.equal(res.body.errors?.[0]?.extensions?.limit, limit)
    t.equal(res.status, 400)
  }
  t.ok(best < BUDGET_MS, `${limit}: refused in ${best.toFixed(1)} ms`)
  timings.push({ limit, ms: best })
  return best
}

t.teardown(() => {
  t.comment(`refusal timings (ms, best of 3): ${timings.map((x) => `${x.limit}=${x.ms.toFixed(1)}`).join(' ')}`)
})

t.before(async () => { await gql(app, '{ __typename }') })

t.test('a document over GRAPHQL_MAX_DOCUMENT_BYTES is refused before it is parsed', async (t) => {
  const big = `{ viewer { id } } # ${'x'.repeat(25_000)}`
  await refused(t, big, 'documentBytes')
  // Multi-byte characters count as bytes, not characters.
  await refused(t, `{ viewer { id } } # ${'é'.repeat(10_001)}`, 'documentBytes')
  // A body far over the limit is refused by the route's body limit, before JSON parsing.
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ query: `{ viewer { id } } #${'x'.repeat(200_000)}` }) })
  t.equal(res.statusCode, 413)
  t.match(res.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] })
})

t.test('depth: a query nested deeper than GRAPHQL_MAX_DEPTH is refused, fragments included', async (t) => {
  await refused(t, `{ viewer { connections { organizations { issues { nodes { latestEvent { entries { ... on ExceptionEntry {
    values { stacktrace { frames { lineNo } } } } } } } } } } } }`, 'depth')
  await refused(t, `{ viewer { ...A } } fragment A on Viewer { connections { organizations { ...B } } }
    fragment B on Organization { issues { nodes { latestEvent { entries { ... on ExceptionEntry { values { stacktrace { frames { lineNo } } } } } } } } }`, 'depth')
  // 3,000 levels in under 20 KB: refused without a stack overflow and quickly.
  await refused(t, '{ viewer ' + '{ a '.repeat(3000) + '}'.repeat(3001), 'depth')
  await refused(t, `{ organization(slug: ${'['.repeat(5000)}"x"${']'.repeat(5000)}) { id } }`, 'depth')
  const braces = await gql(app, '{ organization(slug: "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{") { id } } # {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{', { cookie: viewer.cookie })
  t.same(codes(braces), ['NOT_CONNECTED'], 'braces inside strings and comments do not count')
  const ok = await gql(app, '{ organization(slug: "acme") { issues(first: 1, query: "") { nodes { latestEvent { entries { type } } } } } }', { cookie: viewer.cookie })
  t.notOk(ok.body.errors, 'depth 6 is fine')
})

t.test('aliases: more than GRAPHQL_MAX_ALIASES aliases are refused', async (t) => {
  const fields = Array.from({ length: 16 }, (_, i) => `a${i}: __typename`).join(' ')
  await refused(t, `{ viewer { id ${fields} } }`, 'aliases')
  const many = Array.from({ length: 1000 }, (_, i) => `a${i}: id`).join(' ')
  await refused(t, `{ viewer { ${many} } }`, 'aliases')
})

t.test('root fields: more than GRAPHQL_MAX_ROOT_FIELDS root fields are refused', async (t) => {
  const roots = Array.from({ length: 11 }, (_, i) => `o${i}: organizations { id }`).join(' ')
  await refused(t, `{ ${roots} }`, 'rootFields')
  await refused(t, `{ ...R } fragment R on Query { ${roots} }`, 'rootFields')
})

t.test('repeated fields: a response name repeated in one selection is refused before validation', async (t) => {
  await refused(t, `{ viewer { connections { ${'organizations { id } '.repeat(900)} } } }`, 'repeatedFields')
  await refused(t, `{ viewer { ${'... on Viewer { id } '.repeat(900)} } }`, 'repeatedFields')
  const ok = await gql(app, '{ viewer { id id ... on Viewer { id } } }', { cookie: viewer.cookie })
  t.notOk(ok.body.errors)
})

t.test('cost: nested lists multiply their `first`, literal or from variables', async (t) => {
  const nested = `query ($n: Int, $m: Int) { organization(slug: "acme") {
    issues(first: $n, query: "") { nodes { id events(first: $m) { nodes { id } } } } } }`
  await refused(t, '{ organization(slug: "acme") { issues(first: 100) { nodes { id events(first: 100) { nodes { id } } } } } }', 'cost')
  await refused(t, nested, 'cost', { n: 100, m: 50 })
  const wide = await gql(app, nested, { cookie: viewer.cookie, variables: { n: 100, m: 40 } })
  t.equal(wide.body.errors?.[0]?.extensions?.limit, undefined, 'leaf fields are free: 1 + 1 + 100 × (1 + 1 + 40) = 4,202 runs')
  await resetCounters(ta.emulator)
  const res = await gql(app, nested, { cookie: viewer.cookie, variables: { n: 100, m: 50 } })
  t.equal(res.body.errors?.[0]?.extensions?.actual, 1 + 1 + 100 * (1 + 1 + 50 * 1))
  t.equal((await counters(ta.emulator)).apiRequests, 0, 'refused before any upstream call')
  const fine = await gql(app, nested, { cookie: viewer.cookie, variables: { n: 5, m: 2 } })
  t.notOk(fine.body.errors, 'a small nested query runs')
  // Fragments count as if inlined (and once computed).
  const viaFragments = `{ organization(slug: "acme") { issues(first: 100) { nodes { ...I } } } }
    fragment I on Issue { events(first: 100) { nodes { ...E } } } fragment E on Event { id title tags { key } }`
  await refused(t, viaFragments, 'cost')
  // Without `first`, a connection counts as 25.
  const res2 = await gql(app, '{ organization(slug: "acme") { issues { nodes { events { nodes { id tags { key } } } } } } }', { cookie: viewer.cookie })
  t.same(codes(res2), [], 'default page sizes: 1 + 1 + 25 × (1 + 1 + 25 × (1 + 1)) = 1,302')
})

t.test('introspection: the standard (GraphiQL) introspection query runs; deeper list nesting is refused', async (t) => {
  const res = await gql(app, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }))
  t.equal(res.status, 200)
  t.notOk(res.body.errors)
  t.ok(res.body.data.__schema.types.length > 50)
  await refused(t, '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }', 'introspectionDepth')
  await refused(t, '{ __schema { ...S } } fragment S on __Schema { types { fields { args { type { fields { name } } } } } }', 'introspectionDepth')
})

t.test('limits come from the configuration', async (t) => {
  const strict = await buildTestApp(t, { env: { GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_COST: '5', GRAPHQL_MAX_ROOT_FIELDS: '1', GRAPHQL_MAX_ALIASES: '0', GRAPHQL_MAX_DOCUMENT_BYTES: '100' } })
  const v = await connectViewer(strict)
  const q = async (query: string): Promise<unknown> => (await gql(strict.app, query, { cookie: v.cookie })).body.errors?.[0]?.extensions?.limit
  t.equal(await q('{ viewer { connections { organizations { projects { nodes { id } } } } } }'), 'depth')
  t.equal(await q('{ viewer { id } organizations { id } }'), 'rootFields')
  t.equal(await q('{ viewer { me: id } }'), 'aliases')
  t.equal(await q('{ organizations { projects(first: 10) { nodes { id } } } }'), 'cost')
  t.equal(await q(`{ viewer { id } } #${'x'.repeat(100)}`), 'documentBytes')
  t.equal(await q('{ viewer { id } }'), undefined)
})
