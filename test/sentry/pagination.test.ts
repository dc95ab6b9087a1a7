import t from 'tap'
import { parseAnyLink, parseLinkHeader, toPage } from '../../src/sentry/pagination.js'

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

t.test("Sentry's own format and every variation of it read the same as the general parser", async t => {
  const headers = [
    first,
    last,
    // Only one rel, rels in the other order, a rel repeated (the last one counts in both).
    '<https://sentry.io/api/0/x/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"',
    last.split(', ').reverse().join(', '),
    `${first}, <https://sentry.io/api/0/x/?cursor=9:9:0>; rel="next"; results="false"; cursor="9:9:0"`,
    // Timestamp and float cursors, a URI holding what looks like the parameters.
    '<https://sentry.io/api/0/x/?q=%3E%3B%20rel%3D&cursor=1420837533000:0:0>; rel="next"; results="true"; cursor="1420837533000:0:0"',
    '<https://sentry.io/api/0/x/?cursor=1.5:3:0>; rel="previous"; results="true"; cursor="1.5:3:0"',
    // Not Sentry's exact format: the general parser decides.
    '<https://sentry.io/api/0/x/?cursor=0:1:0>; rel="next"; cursor="0:1:0"; results="true"',
    '<https://sentry.io/api/0/x/?cursor=0:1:0>;rel="next";results="true";cursor="0:1:0"',
    '<https://sentry.io/api/0/x/?cursor=0:1:1>; rel="prev"; results="true"; cursor="0:1:1"',
    '<https://sentry.io/api/0/x/?cursor=0:1:0>; rel="next"; results="TRUE"; cursor="0:1:0"',
    '<https://sentry.io/api/0/x/?cursor=0:1:0>; rel="next"; results="true"; cursor=""',
    '<https://sentry.io/api/0/x/?cursor=0:1:0>; rel="next"; results="true"',
    '<https://sentry.io/api/0/x/?cursor=0:1:0>; rel="self"; results="true"; cursor="0:1:0"',
    '<https://sentry.io/api/0/x/?cursor=0:1:0>; rel="next"; results="true"; cursor="0:1:0",',
    ' <https://sentry.io/api/0/x/?cursor=0:1:0>; rel="next"; results="true"; cursor="0:1:0"',
    '<https://sentry.io/api/0/x/?cursor=0:1:0; rel="next"; results="true"; cursor="0:1:0"',
    'garbage'
  ]
  for (const h of headers) t.same(parseLinkHeader(h), parseAnyLink(h), h)
  t.same(parseLinkHeader(headers[9]).previous, { cursor: '0:1:1', results: true }, '`prev` still counts')
  t.same(parseLinkHeader(headers[10]).next, { cursor: '0:1:0', results: true }, 'results compare without case')
  t.same(parseLinkHeader(headers[5]).next, { cursor: '1420837533000:0:0', results: true })
})
