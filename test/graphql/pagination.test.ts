/**
 * Both directions on a connection: `last`/`before` from Sentry's `previous` link, the cursors
 * they return usable forward again, and `totalCount` from `X-Hits`.
 */
import t from 'tap'
import { decodeCursor, encodeCursor, pageRequest, toConnection } from '../../src/graphql/pagination.js'
import { buildTestApp } from '../helpers/app.js'
import { codes, connectViewer, gql } from '../helpers/graphql.js'
import { counters, resetCounters } from '../helpers/emulator.js'

const ta = await buildTestApp(t)
const viewer = await connectViewer(ta)
const PAGE = 'query ($first: Int, $after: String, $last: Int, $before: String) { organization(slug: "acme") { issues(first: $first, after: $after, last: $last, before: $before, query: "") { totalCount nodes { id } edges { cursor node { id } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } } }'
const issues = async (variables: Record<string, unknown>) => {
  const res = await gql(ta.app, PAGE, { cookie: viewer.cookie, variables })
  t.notOk(res.body.errors, JSON.stringify(res.body.errors))
  return res.body.data.organization.issues
}

t.test('last/before walks back over the pages first/after walked forward', async (t) => {
  const all = (await issues({ first: 40 })).nodes.map((n: { id: string }) => n.id)
  const pages = [await issues({ first: 10 })]
  for (let i = 1; i < 4; i++) pages.push(await issues({ first: 10, after: pages[i - 1].pageInfo.endCursor }))
  t.same(pages.flatMap((p) => p.nodes.map((n: { id: string }) => n.id)), all, 'forward: the first 40, in order')
  for (let i = 3; i >= 1; i--) {
    const back = await issues({ last: 10, before: pages[i].pageInfo.startCursor })
    t.same(back.nodes.map((n: { id: string }) => n.id), all.slice((i - 1) * 10, i * 10), `before page ${i + 1} comes page ${i}`)
    t.equal(back.pageInfo.hasPreviousPage, i > 1)
    t.equal(back.pageInfo.hasNextPage, true)
  }
  // Across a cursor that is Sentry's own next cursor (skip 0) and across two Sentry pages.
  const fromEnd = await issues({ last: 15, before: pages[2].pageInfo.endCursor })
  t.same(fromEnd.nodes.map((n: { id: string }) => n.id), all.slice(14, 29), 'the 15 before the 30th issue')
  const forwardAgain = await issues({ first: 5, after: fromEnd.pageInfo.endCursor })
  t.same(forwardAgain.nodes.map((n: { id: string }) => n.id), all.slice(29, 34), 'cursors of a backward page resume forward')
  const atStart = await issues({ last: 10, before: pages[0].edges[3].cursor })
  t.same(atStart.nodes.map((n: { id: string }) => n.id), all.slice(0, 3), 'near the start: only the rows before, no overlap')
  t.equal(atStart.pageInfo.hasPreviousPage, false)
  await resetCounters(ta.emulator)
  await issues({ last: 30, before: pages[3].pageInfo.endCursor })
  t.ok((await counters(ta.emulator)).apiRequests <= 2, 'at most two upstream calls')
})

t.test('totalCount: Sentry\'s X-Hits on issue lists, null where Sentry gives none', async (t) => {
  t.equal((await issues({ first: 1 })).totalCount, 260)
  const res = await gql(ta.app, '{ organization(slug: "acme") { projects(first: 1) { totalCount } teams { totalCount nodes { id } } } }', { cookie: viewer.cookie })
  t.equal(res.body.data.organization.projects.totalCount, null)
  t.equal(res.body.data.organization.teams.totalCount, null)
  t.ok(res.body.data.organization.teams.nodes.length > 0, 'first defaults to 25 in the SDL')
})

t.test('bad combinations of paging arguments are BAD_USER_INPUT', async (t) => {
  const ask = async (variables: Record<string, unknown>) => await gql(ta.app, PAGE, { cookie: viewer.cookie, variables })
  const first = await issues({ first: 2 })
  for (const [variables, argument] of [
    [{ last: 5 }, 'last'],
    [{ before: first.pageInfo.startCursor }, 'before'],
    [{ last: 5, before: first.pageInfo.startCursor, after: first.pageInfo.endCursor }, 'after'],
    [{ last: 0, before: first.pageInfo.startCursor }, 'last'],
    [{ last: 101, before: first.pageInfo.startCursor }, 'last'],
    [{ last: 5, before: 'nope' }, 'before']
  ] as const) {
    const res = await ask(variables)
    t.same(codes(res), ['BAD_USER_INPUT'], JSON.stringify(variables))
    t.equal(res.body.errors?.[0]?.extensions?.argument, argument)
    t.equal(res.body.data.organization.issues, null, 'only the connection is null')
  }
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
  t.same(conn.edges.map(e => [e.cursor, e.node]), [[encodeCursor(null, 1), 10], [encodeCursor(null, 2), 20]], 'each edge\'s cursor resumes after it')
  t.same(JSON.parse(JSON.stringify(conn.edges)), [{ cursor: encodeCursor(null, 1), node: 10 }, { cursor: encodeCursor(null, 2), node: 20 }], 'an edge serializes as { cursor, node }')
  t.same(conn.pageInfo, { hasNextPage: true, hasPreviousPage: false, startCursor: encodeCursor(null, 1), endCursor: encodeCursor(null, 2) })
  const rest = toConnection(page, pageRequest({ first: 5, after: encodeCursor(null, 2) }), (n) => n)
  t.same(rest.nodes, [3])
  t.equal(rest.pageInfo.endCursor, encodeCursor('n', 0), 'the last edge of a Sentry page carries Sentry\'s next cursor')
  t.equal(rest.edges[0]?.cursor, encodeCursor('n', 0))
  const last = toConnection({ items: [1], nextCursor: null, prevCursor: 'p' }, pageRequest({}), (n) => n)
  t.same(last.pageInfo, { hasNextPage: false, hasPreviousPage: true, startCursor: encodeCursor(null, 1), endCursor: encodeCursor(null, 1) })
})
