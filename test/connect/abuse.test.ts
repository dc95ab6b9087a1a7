import t, { type Test } from 'tap'
import { buildTestApp, TEST_CLIENT_SECRET } from '../helpers/app.js'
import { GATEWAY_CLIENT, startTestEmulator } from '../helpers/emulator.js'
import type { Config } from '../../src/config.js'
import { BrowserLike, parseForm, type Response } from '../helpers/browser-like.js'
import { countRows, runConnect } from '../helpers/connect-flow.js'
import { startSentryProxy } from '../helpers/sentry-proxy.js'

const REDIRECT_URIS = ['http://127.0.0.1/oauth/sentry/callback', 'http://localhost/oauth/sentry/callback']

/** Each abuse case ends in a 4xx page that says what happened, stores nothing, and leaks no code. */
function refused (t: Test, res: Response, status: number, config: Config, words: RegExp, code?: string | null): void {
  t.equal(res.status, status, `answered ${status}`)
  t.ok(res.status >= 400 && res.status < 500, 'a 4xx, never a 5xx')
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, words)
  t.equal(res.headers['cache-control'], 'no-store')
  if (code !== undefined && code !== null) t.notOk(res.body.includes(code), 'the authorization code is not echoed')
  t.equal(countRows(config).connections, 0, 'nothing stored')
  t.equal(countRows(config).tokens, 0)
}

t.test('a forged state is refused, and the real state cannot be used afterwards', async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  let real = ''
  const run = await runConnect(b, url, { tamper: u => { real = u.href; u.searchParams.set('state', 'forged-state-value') } })
  refused(t, run.callback, 400, config, /does not belong to the connection started in this browser/, new URL(real).searchParams.get('code'))
  const replay = await b.fetch(real)
  refused(t, replay, 400, config, /No connection was in progress in this browser/, new URL(real).searchParams.get('code'))
})

t.test('a missing state is refused', async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  const run = await runConnect(b, url, { tamper: u => { u.searchParams.delete('state') } })
  refused(t, run.callback, 400, config, /carried no state/)
})

t.test("another browser's callback (login CSRF) is refused: the state is bound to the session", async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const attacker = new BrowserLike()
  let stolen = ''
  await runConnect(attacker, url, { tamper: u => { stolen = u.href; u.searchParams.set('state', 'x') } })
  const victim = new BrowserLike()
  await victim.fetch(`${url}/`)
  const res = await victim.fetch(stolen)
  refused(t, res, 400, config, /No connection was in progress/)
  // Even a victim with a flow of its own in progress: the attacker's state does not match it.
  await victim.fetch(`${url}/connect/sentry`)
  refused(t, await victim.fetch(stolen), 400, config, /does not belong/)
})

t.test('a replayed callback and a replayed code are refused and change nothing', async t => {
  const { url, config, app } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  const run = await runConnect(b, url)
  t.equal(run.callback.status, 303)
  const id = (await b.fetch(`${url}/`)).body.match(/data-connection-id="([^"]+)"/)?.[1] ?? ''
  const before = await app.store.getTokens(id)

  const replay = await b.fetch(run.callbackUrl)
  t.equal(replay.status, 400, 'the same callback URL again: the state was single-use')
  t.match(replay.body, /No connection was in progress/)

  // A new flow in the same browser, answered with the old code: Sentry's codes are single-use.
  const start = await b.fetch(`${url}/connect/sentry`)
  const state = new URL(start.location as string).searchParams.get('state') ?? ''
  const old = new URL(run.callbackUrl)
  old.searchParams.set('state', state)
  const res = await b.fetch(old.href)
  t.equal(res.status, 400)
  t.match(res.body, /refused the authorization code: it was already used/)
  t.notOk(res.body.includes(old.searchParams.get('code') ?? 'none'), 'the code is not echoed')
  t.equal(countRows(config).connections, 1, 'still the one connection')
  const after = await app.store.getTokens(id)
  t.equal(after?.version, before?.version, 'its tokens were not touched')
})

t.test('open redirects through returnTo are refused before anything starts', async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  await b.fetch(`${url}/`)
  const bad = ['//evil.com', 'https://evil.com', '/\\evil.com', '/\\/evil.com', '\\\\evil.com', 'javascript:alert(1)', 'evil.com',
    '/\r\nLocation: https://evil.com', '/ok\tpath', '', '/connect/sentry', '/oauth/sentry/callback', `/${'a'.repeat(2100)}`]
  for (const value of bad) {
    const res = await b.fetch(`${url}/connect/sentry?returnTo=${encodeURIComponent(value)}`)
    t.equal(res.status, 400, `returnTo ${JSON.stringify(value.slice(0, 40))} is refused`)
    t.equal(res.location, null, 'no redirect at all')
    t.match(res.body, /not a page of this gateway/)
  }
  const twice = await b.fetch(`${url}/connect/sentry?returnTo=/a&returnTo=/b`)
  t.equal(twice.status, 400, 'a repeated returnTo is refused')
  const mode = await b.fetch(`${url}/connect/sentry?mode=iframe`)
  t.equal(mode.status, 400)
  t.match(mode.body, /mode must be/)
  const origin = await b.fetch(`${url}/connect/sentry?mode=popup&origin=${encodeURIComponent('https://evil.com')}`)
  t.equal(origin.status, 400)
  t.match(origin.body, /not one this gateway may report to/)
  t.equal(b.cookie('sentry-oauth-verifier'), undefined, 'no flow was started')

  const ok = await b.fetch(`${url}/connect/sentry?returnTo=${encodeURIComponent('/graphiql?x=1#frag')}&mode=redirect`)
  t.equal(ok.status, 302, 'a same-origin path is accepted')
  t.equal(countRows(config).connections, 0)
})

t.test('denying on Sentry ends in a friendly 403 page and stores nothing', async t => {
  const { url, config } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  const run = await runConnect(b, url, { op: 'deny' })
  t.match(run.callbackUrl, /error=access_denied/)
  refused(t, run.callback, 403, config, /You declined the connection on Sentry/)
  t.match(run.callback.body, /href="\/"/, 'with a way back')
})

t.test('other authorize errors, a missing code and an expired flow are 400 pages', async t => {
  let clock = Date.now()
  const { url, config } = await buildTestApp(t, { listen: true, deps: { now: () => clock } })
  const cases: Array<[string, (u: URL) => void, RegExp]> = [
    ['invalid_scope', u => { u.searchParams.delete('code'); u.searchParams.set('error', 'invalid_scope') }, /refused one of the requested permissions/],
    ['unknown error', u => { u.searchParams.delete('code'); u.searchParams.set('error', 'weird_thing') }, /Sentry answered with an error \(weird_thing\)/],
    ['markup in error', u => { u.searchParams.delete('code'); u.searchParams.set('error', '<script>x</script>') }, /\(unknown_error\)/],
    ['missing code', u => { u.searchParams.delete('code') }, /carried no authorization code/]
  ]
  for (const [name, tamper, words] of cases) {
    const b = new BrowserLike()
    const run = await runConnect(b, url, { tamper })
    t.test(name, async t => {
      refused(t, run.callback, 400, config, words)
      t.notMatch(run.callback.body, /<script>x/, 'nothing from the query is rendered raw')
    })
  }
  const b = new BrowserLike()
  const run = await runConnect(b, url, { tamper: () => { clock += 11 * 60_000 } })
  refused(t, run.callback, 400, config, /longer than 10 minutes/)
})

t.test('token endpoint failures end in 4xx pages that say what went wrong, with nothing stored', async t => {
  const emulator = await startTestEmulator(t, { clients: [{ ...GATEWAY_CLIENT, redirectUris: REDIRECT_URIS }] })
  const proxy = await startSentryProxy(emulator.url)
  t.teardown(() => proxy.close())
  const { url, config } = await buildTestApp(t, { listen: true, sharedEmulator: emulator, env: { SENTRY_URL: proxy.url, SENTRY_REQUEST_TIMEOUT_MS: '400' } })
  const cases: Array<[string, Parameters<typeof proxy.nextToken>[0], number, RegExp]> = [
    ['a 500 from the token endpoint', { kind: 'status', status: 500, contentType: 'application/json', body: '{"detail":"Internal Error","errorId":"x"}' }, 424, /token endpoint failed \(HTTP 500\)/],
    ['an HTML 502 from a load balancer', { kind: 'status', status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' }, 424, /token endpoint failed \(HTTP 502\)/],
    ['a dropped connection', { kind: 'reset' }, 424, /could not reach Sentry/],
    ['no answer in time', { kind: 'stall', ms: 1500 }, 424, /did not answer in time/],
    ['invalid_grant', { kind: 'status', status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' }, 400, /already used/],
    ['another 4xx', { kind: 'status', status: 400, contentType: 'application/json', body: '{"error":"unsupported_grant_type"}' }, 400, /refused to issue a token \(HTTP 400, unsupported_grant_type\)/],
    ['invalid_client', { kind: 'status', status: 401, contentType: 'application/json', body: '{"error":"invalid_client"}' }, 424, /client credentials/],
    ['a 200 without a user', { kind: 'status', status: 200, contentType: 'application/json', body: '{"access_token":"abc","token_type":"bearer"}' }, 424, /missing the access token or the user/],
    ['a 200 that is not JSON', { kind: 'status', status: 200, contentType: 'text/html', body: '<html>hello</html>' }, 424, /could not be understood/]
  ]
  for (const [name, behaviour, status, words] of cases) {
    const b = new BrowserLike()
    let code: string | null = null
    const run = await runConnect(b, url, { tamper: u => { code = u.searchParams.get('code'); proxy.nextToken(behaviour) } })
    t.test(name, async t => {
      refused(t, run.callback, status, config, words, code)
      t.notMatch(run.callback.body, new RegExp(TEST_CLIENT_SECRET), 'the client secret is never shown')
      t.equal(b.cookie('sentry-oauth-verifier'), undefined, 'the verifier cookie is cleared')
    })
  }
})

t.test('wrong client credentials end in a 424 page (the emulator answers 401 invalid_client)', async t => {
  const { url, config } = await buildTestApp(t, { listen: true, env: { SENTRY_CLIENT_SECRET: 'not-the-secret' } })
  const run = await runConnect(new BrowserLike(), url)
  refused(t, run.callback, 424, config, /did not accept this gateway’s client credentials|did not accept this gateway&#39;s client credentials|client credentials/)
})

t.test('when listing organizations fails after the exchange, nothing is stored', async t => {
  const { url, config, emulator } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  const run = await runConnect(b, url, { tamper: () => { emulator.control.addFault({ count: 20, status: 500, pathPrefix: '/api/0/organizations/' }) } })
  refused(t, run.callback, 424, config, /listing your organizations with it failed/)
  emulator.control.clearFaults()
})

t.test('the consent form of the emulator is what runConnect posts (sanity check of the test client)', async t => {
  const { url } = await buildTestApp(t, { listen: true })
  const b = new BrowserLike()
  await b.fetch(`${url}/`)
  const start = await b.fetch(`${url}/connect/sentry`)
  const page = await b.fetch(start.location as string)
  const form = parseForm(page)
  t.ok(form.fields.tx, 'the consent form carries its transaction')
  t.match(page.body, /name="op" value="approve"/)
  t.match(page.body, /name="op" value="deny"/)
})
