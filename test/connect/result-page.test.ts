/** src/connect/result-page.ts in popup mode, through the real connect flow. */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { BrowserLike, decodeEntities } from '../helpers/browser-like.js'
import { countRows, runConnect } from '../helpers/connect-flow.js'

t.test('popup mode: the callback page posts the result to our origin only, then closes', async t => {
  const { url, config } = await buildTestApp(t, { listen: true, env: { ALLOWED_ORIGINS: 'https://app.example.com' } })
  const b = new BrowserLike()
  const ok = await runConnect(b, url, { query: '?mode=popup' })
  t.equal(ok.callback.status, 200)
  t.equal(ok.callback.headers['cross-origin-opener-policy'], 'unsafe-none')
  t.match(ok.callback.body, /<script src="\/assets\/popup-result\.js" defer><\/script>/)
  const el = /<div id="popup-result" data-message="([^"]*)" data-target-origin="([^"]*)">/.exec(ok.callback.body)
  t.ok(el, 'the result element is there')
  const message = JSON.parse(decodeEntities(el?.[1] ?? '{}')) as Record<string, unknown>
  t.match(message, { type: 'sentry-connected', connectionId: String, organizations: ['acme', 'globex'] })
  t.equal(el?.[2], url, 'addressed to our own origin')
  t.equal(countRows(config).connections, 1)

  const own = await new BrowserLike().fetch(`${url}/connect/sentry?mode=popup&origin=${encodeURIComponent(url)}`)
  t.equal(own.status, 302, 'our own origin is always allowed')
})

t.test('popup mode: a failure is posted too, to an allowed origin passed as ?origin=', async t => {
  // A fresh emulator: the first one would skip its consent page (an earlier approval covers the scopes).
  const { url } = await buildTestApp(t, { listen: true, env: { ALLOWED_ORIGINS: 'https://app.example.com' } })
  const other = new BrowserLike()
  const denied = await runConnect(other, url, { query: `?mode=popup&origin=${encodeURIComponent('https://app.example.com')}&returnTo=%2Fsetup%2Fsentry`, op: 'deny' })
  t.equal(denied.callback.status, 403)
  const el2 = /<div id="popup-result" data-message="([^"]*)" data-target-origin="([^"]*)">/.exec(denied.callback.body)
  t.match(JSON.parse(decodeEntities(el2?.[1] ?? '{}')), { type: 'sentry-connect-failed', error: 'access_denied', message: /declined/ })
  t.equal(el2?.[2], 'https://app.example.com', 'an allowed origin passed as ?origin=')
  t.match(denied.callback.body, /href="\/setup\/sentry"/, 'the fallback link keeps returnTo')
})
