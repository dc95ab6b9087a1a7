import t from 'tap'
import { parseLinkHeader, toPage } from '../../src/sentry/pagination.js'

const first = '<https://sentry.io/api/0/organizations/acme/issues/?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ' +
  '<https://sentry.io/api/0/organizations/acme/issues/?&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"'
const last = '<https://sentry.io/api/0/x/?query=a%2Cb&cursor=0:100:1>; rel="previous"; results="true"; cursor="0:100:1", ' +
  '<https://sentry.io/api/0/x/?query=a%2Cb&cursor=0:200:0>; rel="next"; results="false"; cursor="0:200:0"'

t.test('reads both rels and their results flags (docs/sentry.md §4 format)', async t => {
  t.same(parseLinkHeader(first), { previous: { cursor: '0:0:1', results: false }, next: { cursor: '0:100:0', results: true } })
  t.same(parseLinkHeader(last), { previous: { cursor: '0:100:1', results: true }, next: { cursor: '0:200:0', results: false } })
})

t.test('a page has a next cursor only when Sentry says the next page has results', async t => {
  t.same(toPage([1, 2], first), { items: [1, 2], nextCursor: '0:100:0', prevCursor: null })
  t.same(toPage([3], last), { items: [3], nextCursor: null, prevCursor: '0:100:1' })
})

t.test('no or empty Link header means a single page', async t => {
  t.same(toPage([], undefined), { items: [], nextCursor: null, prevCursor: null })
  t.same(toPage([], ''), { items: [], nextCursor: null, prevCursor: null })
  t.same(parseLinkHeader('garbage'), { next: null, previous: null })
})

t.test('timestamp cursors and a cursor taken from the URI when the cursor param is missing', async t => {
  const h = '<https://sentry.io/api/0/x/?cursor=1420837533%3A0%3A0>; rel="next"; results="true"'
  t.same(parseLinkHeader(h).next, { cursor: '1420837533:0:0', results: true })
  const noResults = '<https://sentry.io/api/0/x/?&cursor=1.5:3:0>; rel="next"; cursor="1.5:3:0"'
  t.same(parseLinkHeader(noResults).next, { cursor: '1.5:3:0', results: true }, 'no results flag: assume a page')
  t.same(parseLinkHeader('<https://sentry.io/api/0/x/>; rel="next"; results="true"').next, null, 'no cursor at all')
  t.same(parseLinkHeader('<https://x/?&cursor=a>; rel="self"; results="true"; cursor="a"'), { next: null, previous: null })
})
