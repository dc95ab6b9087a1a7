/**
 * Issue 10, defect 2 (an unauthenticated CPU stall) and the structure limits, as attacks: each
 * abusive document is refused with BAD_USER_INPUT naming its limit, never a 5xx, and before any
 * upstream call (the emulator's counters). How fast each refusal is answered is measured by
 * `npm run bench:attacks`, not here (the test machine is shared).
 */
import { getIntrospectionQuery } from 'graphql'
import t, { type Test } from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql, type GqlResponse } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

const ta = await buildTestApp(t)
const { app, emulator } = ta
const viewer = await connectViewer(ta)

function refused (t: Test, res: GqlResponse, limit: string, what = limit): void {
  t.same(codes(res), ['BAD_USER_INPUT'], `${what}: refused`)
  t.equal(res.body.errors?.[0]?.extensions?.limit, limit, `${what}: names the limit (${limit})`)
  t.equal(res.status, 400, `${what}: 400, not a 5xx`)
  t.notMatch(JSON.stringify(res.body), /Maximum call stack|RangeError|Syntax Error: Query/, `${what}: no parser or Armor internals`)
}

/** Runs `attack` with the emulator's counters reset, then checks that Sentry was not called. */
async function noUpstream (t: Test, attack: () => Promise<void>): Promise<void> {
  await resetCounters(emulator)
  await attack()
  t.equal((await counters(emulator)).apiRequests, 0, 'no upstream call')
}

/** A random comment makes every source distinct (mercurius caches by source text). */
let n = 0
const salt = (q: string): string => `# ${++n}-${Math.random()}\n${q}`

/** The attack of the review: ~450 named fragments of one field each, spread in one selection. */
const fragmentFlood = (count: number, first = false): string => {
  const spreads = Array.from({ length: count }, (_, i) => `...F${i}`).join(' ')
  const fragments = Array.from({ length: count }, (_, i) => `fragment F${i} on Query{__typename}`).join('\n')
  return first ? `${fragments}\n{${spreads}}` : `{${spreads}}\n${fragments}`
}

t.test('a document over GRAPHQL_MAX_DOCUMENT_BYTES is refused before it is parsed', async (t) => {
  await noUpstream(t, async () => {
    refused(t, await gql(app, `{ viewer { id } } # ${'x'.repeat(25_000)}`), 'documentBytes')
    refused(t, await gql(app, `{ viewer { id } } # ${'é'.repeat(10_001)}`), 'documentBytes', 'multi-byte characters count as bytes')
  })
  // A body far over the limit is refused by the route's body limit, before JSON parsing.
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ query: `{ viewer { id } } #${'x'.repeat(200_000)}` }) })
  t.equal(res.statusCode, 413)
  t.match(res.json(), { errors: [{ extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' } }] })
})

t.test('fragment flood (the review\'s 19.5 KB, ~450 fragments): refused before validation, with or without a session', async (t) => {
  await noUpstream(t, async () => {
    // 450 fragments are ~4,000 tokens: the token limit refuses them before they are parsed.
    for (const [count, limit] of [[450, 'tokens'], [51, 'fragments']] as const) {
      for (const first of [false, true]) {
        refused(t, await gql(app, salt(fragmentFlood(count, first))), limit, `${count} fragments${first ? ' defined first' : ''}, no session`)
        refused(t, await gql(app, salt(fragmentFlood(count, first)), { cookie: viewer.cookie }), limit, `${count} fragments${first ? ' defined first' : ''}, signed in`)
      }
    }
    // Fragments spreading each other (a chain): still counted as definitions.
    const chain = Array.from({ length: 60 }, (_, i) => `fragment C${i} on Query { __typename ${i < 59 ? `...C${i + 1}` : ''} }`).join('\n')
    refused(t, await gql(app, salt(`{ ...C0 }\n${chain}`)), 'fragments', 'a chain of 60 fragments')
  })
  // With the token limit lifted, the fragment count still stops the flood before validation.
  const loose = await buildTestApp(t, { env: { GRAPHQL_MAX_TOKENS: '100000' }, sharedEmulator: emulator })
  await noUpstream(t, async () => {
    refused(t, await gql(loose.app, salt(fragmentFlood(450))), 'fragments', '450 fragments without a token limit')
    refused(t, await gql(loose.app, salt(fragmentFlood(450, true))), 'fragments', '450 fragments defined first, without a token limit')
  })
  const fine = await gql(app, fragmentFlood(50), { cookie: viewer.cookie })
  t.equal(fine.status, 200, '50 fragments (the limit) are fine')
  t.notOk(fine.body.errors)
})

t.test('tokens: more than GRAPHQL_MAX_TOKENS tokens are refused before parsing; comments are not tokens', async (t) => {
  await noUpstream(t, async () => {
    // 20 KB of `__typename` fields: ~1,800 names plus braces, under the byte limit.
    refused(t, await gql(app, salt(`{ ${'a: __typename '.repeat(700)} }`)), 'tokens', 'aliases alone over the token limit')
    refused(t, await gql(app, salt(`{ viewer { id } } ${'x: y '.repeat(700)}`)), 'tokens', 'a tail after the operation')
  })
  const commented = await gql(app, `# ${'comment '.repeat(2000)}\n{ viewer { id } }`, { cookie: viewer.cookie })
  t.notOk(commented.body.errors, 'a long comment is no token')
})

t.test('nesting: deep brackets are refused before parsing, whatever strings and block strings hide', async (t) => {
  // A strict token limit would refuse these first: lift it to reach the nesting check.
  const loose = await buildTestApp(t, { env: { GRAPHQL_MAX_TOKENS: '100000' }, sharedEmulator: emulator })
  const v = await connectViewer(loose)
  const deep = (prefix: string, suffix = ''): string => `${prefix}${'{ a '.repeat(3000)}${'}'.repeat(3000)}${suffix}`
  const attacks: Record<string, string> = {
    'plain braces': deep('{ viewer '),
    // The review's bypass: an escaped \""" inside a block string ended the old scanner's string early.
    'escaped block-string quote': deep('{ viewer(x: """\\""" """) ', ' } # """'),
    'a string with an escaped quote': deep('{ viewer(x: "\\"{") ', ' }'),
    'nested list values': `{ organization(slug: ${'['.repeat(5000)}"x"${']'.repeat(5000)}) { id } }`,
    'nested input objects': `{ organization(slug: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}) { id } }`
  }
  await resetCounters(emulator)
  for (const [what, query] of Object.entries(attacks)) {
    refused(t, await gql(loose.app, query, { cookie: v.cookie }), 'depth', what)
  }
  t.equal((await counters(emulator)).apiRequests, 0, 'no upstream call')
  const braces = await gql(app, '{ organization(slug: "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{") { id } } # {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{', { cookie: viewer.cookie })
  t.same(codes(braces), ['NOT_CONNECTED'], 'braces inside strings and comments do not count')
})

t.test('depth (GraphQL Armor, through fragments); Relay queries as deep as the README\'s pass', async (t) => {
  const relay = `{ viewer { connections { organizations { issues(first: 2) { edges { cursor node { id latestEvent {
    entries { type ... on ExceptionEntry { values { type stacktrace { frames { lineNo context { lineNo line } } } } } } } } } } } } } }`
  const ok = await gql(app, relay, { cookie: viewer.cookie })
  t.equal(ok.status, 200)
  t.notOk(ok.body.errors, 'viewer → … → edges → node → latestEvent → entries → frames → context → line (14 levels) runs')
  const viaFragments = await gql(app, `{ viewer { ...A } } fragment A on Viewer { connections { organizations { ...B } } }
    fragment B on Organization { issues(first: 2) { edges { node { latestEvent { entries { ... on ExceptionEntry { values { stacktrace { frames { context { ...L } } } } } } } } } } }
    fragment L on SourceLine { line ... on SourceLine { lineNo } }`, { cookie: viewer.cookie })
  t.notOk(viaFragments.body.errors, 'the same through fragments: fragments add no levels of their own')
  const seventeen = 'viewer { connections { organizations { issues { edges { node { project { issues { edges { node { latestEvent { entries { ... on ExceptionEntry { values { stacktrace { frames { context { line } } } } } } } } } } } } } } } } }'
  await noUpstream(t, async () => {
    const res = await gql(app, `{ ${seventeen} }`, { cookie: viewer.cookie })
    refused(t, res, 'depth', '17 levels')
    t.equal(res.body.errors?.[0]?.extensions?.actual, 17)
    refused(t, await gql(app, salt(`{ ...Q } fragment Q on Query { viewer { connections { organizations { ...O } } } }
      fragment O on Organization { issues { edges { node { project { issues { edges { node { ...E } } } } } } } }
      fragment E on Issue { latestEvent { entries { ... on ExceptionEntry { values { stacktrace { frames { context { line } } } } } } } }`), { cookie: viewer.cookie }), 'depth', '17 levels through fragments')
  })
})

t.test('aliases and directives (GraphQL Armor), through fragments', async (t) => {
  await noUpstream(t, async () => {
    refused(t, await gql(app, `{ viewer { id ${Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ')} } }`), 'aliases')
    refused(t, await gql(app, salt(`{ viewer { ...A ...B } } fragment A on Viewer { ${Array.from({ length: 8 }, (_, i) => `a${i}: id`).join(' ')} }
      fragment B on Viewer { ${Array.from({ length: 8 }, (_, i) => `b${i}: id`).join(' ')} }`)), 'aliases', 'aliases spread over fragments')
    const typenames = (n: number, directive: string): string => Array.from({ length: n }, (_, i) => `t${i}: __typename ${directive}`).join(' ')
    refused(t, await gql(app, `{ viewer { ${typenames(51, '@include(if: true)')} } }`), 'directives')
    refused(t, await gql(app, salt(`{ viewer { ...A } } fragment A on Viewer { ${typenames(51, '@skip(if: false)')} }`)), 'directives', 'directives in a fragment')
  })
})

t.test('root fields, repeated fields and nested introspection', async (t) => {
  await noUpstream(t, async () => {
    const roots = Array.from({ length: 11 }, (_, i) => `o${i}: organizations { id }`).join(' ')
    refused(t, await gql(app, `{ ${roots} }`), 'rootFields')
    refused(t, await gql(app, `{ ...R } fragment R on Query { ${roots} }`), 'rootFields', 'root fields in a fragment')
    refused(t, await gql(app, `{ viewer { connections { ${'organizations { id } '.repeat(21)} } } }`), 'repeatedFields')
    refused(t, await gql(app, `{ viewer { ${'... on Viewer { id } '.repeat(21)} } }`), 'repeatedFields', 'repeats through inline fragments')
    refused(t, await gql(app, '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }'), 'introspectionDepth')
    refused(t, await gql(app, '{ __schema { ...S } } fragment S on __Schema { types { fields { type { fields { type { fields { name } } } } } } }'), 'introspectionDepth', 'introspection through a fragment')
  })
  const ok = await gql(app, '{ viewer { id id ... on Viewer { id } } }', { cookie: viewer.cookie })
  t.notOk(ok.body.errors)
  const intro = await gql(app, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }))
  t.equal(intro.status, 200)
  t.notOk(intro.body.errors, 'the standard (GraphiQL) introspection query runs')
})

t.test('static cost (GraphQL Armor): nested lists multiply their literal `first`', async (t) => {
  await noUpstream(t, async () => {
    const res = await gql(app, '{ organization(slug: "acme") { issues(first: 100) { nodes { id events(first: 100) { nodes { id title } } } } } }', { cookie: viewer.cookie })
    refused(t, res, 'cost')
    t.ok(Number(res.body.errors?.[0]?.extensions?.actual) > 5000)
  })
})

t.test('a refusal is the same whatever comment salts the document (no cache to defeat)', async (t) => {
  await noUpstream(t, async () => {
    for (let i = 0; i < 20; i++) {
      refused(t, await gql(app, salt(fragmentFlood(i % 2 === 0 ? 450 : 60))), i % 2 === 0 ? 'tokens' : 'fragments', `salted flood #${i}`)
    }
  })
})

t.test('limits come from the configuration', async (t) => {
  const strict = await buildTestApp(t, {
    sharedEmulator: emulator,
    env: {
      GRAPHQL_MAX_DEPTH: '4',
      GRAPHQL_MAX_COST: '20',
      GRAPHQL_MAX_ROOT_FIELDS: '1',
      GRAPHQL_MAX_ALIASES: '0',
      GRAPHQL_MAX_DOCUMENT_BYTES: '100',
      GRAPHQL_MAX_TOKENS: '30',
      GRAPHQL_MAX_DIRECTIVES: '0',
      GRAPHQL_MAX_FRAGMENTS: '1',
      GRAPHQL_MAX_UPSTREAM_CALLS: '1'
    }
  })
  const v = await connectViewer(strict)
  const q = async (query: string): Promise<unknown> => (await gql(strict.app, query, { cookie: v.cookie })).body.errors?.[0]?.extensions?.limit
  t.equal(await q('{ viewer { connections { organizations { projects { nodes { id } } } } } }'), 'depth')
  t.equal(await q('{ viewer { id } organizations { id } }'), 'rootFields')
  t.equal(await q('{ viewer { me: id } }'), 'aliases')
  t.equal(await q('{ viewer { id @include(if: true) } }'), 'directives')
  t.equal(await q('{ organization(slug: "acme") { projects(first: 10) { nodes { id } } } }'), 'cost')
  t.equal(await q('{ ...A } fragment A on Query { ...B } fragment B on Query { viewer { id } }'), 'fragments')
  t.equal(await q(`{ viewer { id } } #${'x'.repeat(100)}`), 'documentBytes')
  t.equal(await q(`{ ${'a: b '.repeat(11)} }`), 'tokens')
  t.equal(await q('{ organization(slug: "acme") { project(slug: "api") { id } release(version: "1") { id } } }'), 'upstreamCalls')
  t.equal(await q('{ viewer { id } }'), undefined)
  // A text that passed is remembered (not lexed again); one that failed never is.
  for (let i = 0; i < 2; i++) {
    t.equal(await q('{ viewer { id } }'), undefined, `accepted again (${i + 1})`)
    t.equal(await q(`{ ${'a: b '.repeat(11)} }`), 'tokens', `refused again (${i + 1})`)
    t.equal(await q(`{ viewer { id } } #${'x'.repeat(100)}`), 'documentBytes', `refused again (${i + 1})`)
  }
})
