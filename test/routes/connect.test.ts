/**
 * Issue 10, defect 1: an open redirect after Connect. `safeReturnTo` returned the URL-normalised
 * path, so `/..//evil.com` became `//evil.com`: the callback answered `303 Location: //evil.com`
 * and the error and popup pages linked "Back" to it. Dot-segments are now refused on the raw
 * input, and whatever is accepted resolves to our origin, in the Location header and in links.
 */
import t from 'tap'
import { safeReturnTo } from '../../src/connect/return-to.js'
import { buildTestApp } from '../helpers/app.js'
import { BrowserLike, decodeEntities } from '../helpers/browser-like.js'
import { countRows, runConnect } from '../helpers/connect-flow.js'

const ORIGIN = 'http://127.0.0.1:3000'

/** Where a browser goes with `value` as a Location or href on a page of `origin`. */
const lands = (value: string, origin: string): URL => new URL(value, `${origin}/connect/sentry`)

const DOT_SEGMENT_ATTACKS = [
  '/..//evil.com', '/../..//evil.com', '/a/../..//evil.com', '/./..//evil.com', '/.//evil.com', '/a/..//evil.com',
  '/%2e%2e//evil.com', '/%2E%2E//evil.com', '/.%2e//evil.com', '/%2e.//evil.com', '/%2e//evil.com', '/..', '/.', '/a/..', '/a/.',
  '/..//evil.com?x=1', '/..//evil.com#frag', '/..//evil.com/path', '/..//%65vil.com', '/..//evil.com:443', '/../\\evil.com'
]

t.test('safeReturnTo refuses dot-segments on the raw input and never returns a value leaving the origin', async (t) => {
  for (const value of DOT_SEGMENT_ATTACKS) t.equal(safeReturnTo(value, ORIGIN), null, value)
  const accepted: Array<[string, string]> = [
    ['/graphiql?x=1#y', '/graphiql?x=1#y'],
    ['/a/b?next=/..//evil.com', '/a/b?next=/..//evil.com'], // dots in the query are data, not path
    ['/a#/..//evil.com', '/a#/..//evil.com'],
    ['/a..b/.c/..d', '/a..b/.c/..d'], // dots inside a segment are not dot-segments
    ['/search?q=a b', '/search?q=a%20b'],
    ['/é', '/%C3%A9']
  ]
  for (const [value, expected] of accepted) {
    const out = safeReturnTo(value, ORIGIN)
    t.equal(out, expected, value)
    t.equal(lands(out ?? '', ORIGIN).origin, ORIGIN, `${value} stays on the origin`)
  }
  t.equal(safeReturnTo('/\ud800', ORIGIN), null, 'a lone surrogate is refused')
})

t.test('attack: the callback never redirects off the origin, and refused values start nothing', async (t) => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  await b.fetch(`${url}/`)
  for (const value of DOT_SEGMENT_ATTACKS) {
    const res = await b.fetch(`${url}/connect/sentry?returnTo=${encodeURIComponent(value)}`)
    t.equal(res.status, 400, `${value}: 400`)
    t.equal(res.location, null, 'no redirect')
    t.match(res.body, /not a page of this gateway/)
    for (const href of [...res.body.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1] as string))) {
      t.equal(lands(href, url).origin, url, `link ${href} stays on the origin`)
    }
  }
  t.equal(b.cookie('sentry-oauth-verifier'), undefined, 'no flow was started')
  t.equal(countRows(config).connections, 0)

  // An accepted returnTo whose query and fragment look like the attack: a full flow ends on our origin.
  const run = await runConnect(b, url, { query: `?returnTo=${encodeURIComponent('/graphiql?next=/..//evil.com#/..//evil.com')}` })
  t.equal(run.callback.status, 303)
  t.equal(new URL(run.callback.location as string).origin, url, 'Location stays on the origin')
  t.equal(run.callback.headers.location, '/graphiql?next=/..//evil.com#/..//evil.com', 'the accepted value, not a normalised one')
})

t.test('attack: the "Back" link of the error and popup pages stays on the origin', async (t) => {
  const { url } = await buildTestApp(t, { listen: true })
  for (const mode of ['redirect', 'popup']) {
    const b = new BrowserLike()
    const run = await runConnect(b, url, { op: 'deny', query: `?mode=${mode}&returnTo=${encodeURIComponent('/setup/sentry?x=/..//evil.com')}` })
    t.equal(run.callback.status, 403)
    const hrefs = [...run.callback.body.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1] as string))
    t.ok(hrefs.includes('/setup/sentry?x=/..//evil.com'), `${mode}: the Back link is the accepted value`)
    for (const href of hrefs) t.equal(lands(href, url).origin, url, `${mode}: ${href} stays on the origin`)
  }
})
