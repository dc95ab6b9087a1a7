import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { connectViewer } from '../helpers/graphql.js'
import { SESSION_COOKIE } from '../../src/plugins/session.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

t.test('GraphiQL assets are served locally and the CDN URLs are rewritten', async (t) => {
  const { app } = await buildTestApp(t)
  const page = await app.inject({ method: 'GET', url: '/graphiql' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  for (const file of ['/graphiql/main.js', '/graphiql/sw.js']) {
    const res = await app.inject({ method: 'GET', url: file })
    t.equal(res.statusCode, 200)
    t.notMatch(res.body, /unpkg\.com|https:\/\/[^'"]+\/(graphiql|react|react-dom)@/, `${file} has no CDN URL`)
    t.match(res.body, /\/graphiql\/vendor\/graphiql@/)
  }
  t.match((await app.inject({ method: 'GET', url: '/graphiql/main.js' })).body, /script\.async = false\n\s+script\.src = url/, 'vendor scripts run in order')
  for (const asset of ['graphiql@3.8.3/graphiql.min.css', 'graphiql@3.8.3/graphiql.min.js', 'react@18.3.1/umd/react.production.min.js', 'react-dom@18.3.1/umd/react-dom.production.min.js', 'graphiql@3.8.3/graphiql.css']) {
    const res = await app.inject({ method: 'GET', url: `/graphiql/vendor/${asset}` })
    t.equal(res.statusCode, 200, asset)
    t.match(res.headers['content-type'], asset.endsWith('.css') ? /text\/css/ : /javascript/)
  }
  const map = await app.inject({ method: 'GET', url: '/graphiql/vendor/graphiql@3.8.3/graphiql.min.js.map' })
  t.equal(map.headers['content-type'], 'application/octet-stream')
  t.equal((await app.inject({ method: 'POST', url: '/graphiql/main.js' })).statusCode, 404, 'only GET is rewritten')
  // Only files inside the three packages: no other package, no path out of them.
  for (const bad of ['lodash@1/index.js', 'graphiql@3.8.3/../../package.json', 'graphiql@3.8.3/..%2f..%2fpackage.json', 'graphiql@3.8.3/%2e%2e/%2e%2e/package.json', 'graphiql@3.8.3/no-such-file.js', 'graphiql', 'graphiql@3.8.3//etc/passwd']) {
    const res = await app.inject({ method: 'GET', url: `/graphiql/vendor/${bad}` })
    t.equal(res.statusCode, 404, bad)
  }
})

t.test('GraphiQL is not served when GRAPHIQL=false', async (t) => {
  const { app } = await buildTestApp(t, { env: { GRAPHIQL: 'false' } })
  t.equal((await app.inject({ method: 'GET', url: '/graphiql' })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/graphiql/vendor/react@18.3.1/umd/react.production.min.js' })).statusCode, 404)
})

t.test('GraphiQL renders in headless Chromium, offline, and runs a query', { timeout: 110_000, skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)` }, async (t) => {
  const ta = await buildTestApp(t, { listen: true })
  const viewer = await connectViewer(ta)
  const { chromium } = await import('playwright-core')
  const profile = mkdtempSync(join(tmpdir(), 'graphiql-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  t.teardown(async () => { await context.close() })
  const origin = new URL(ta.url)
  await context.addCookies([{ name: SESSION_COOKIE, value: viewer.cookie.slice(SESSION_COOKIE.length + 1), domain: origin.hostname, path: '/', httpOnly: true, sameSite: 'Lax' }])

  const page = context.pages()[0] ?? await context.newPage()
  const foreign: string[] = []
  const failures: string[] = []
  page.on('request', (r) => { if (!r.url().startsWith(ta.url) && !r.url().startsWith('data:')) foreign.push(r.url()) })
  page.on('requestfailed', (r) => { failures.push(`${r.url()} ${r.failure()?.errorText ?? ''}`) })
  page.on('pageerror', (e) => { failures.push(`pageerror ${e.message}`) })

  // Generous timeouts: the machine running the suite may be busy with other test processes.
  const diagnostics = (): string => JSON.stringify({ foreign, failures })
  await page.goto(`${ta.url}/graphiql`)
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 60_000 }).catch((err: Error) => {
    throw new Error(`${err.message} ${diagnostics()}`)
  })
  // GraphiQL opens on the example operations' tabs (src/graphql/operations/); a new tab gets an
  // editor of its own, so the run below does not carry the example tab's operation name.
  await page.click('.graphiql-tab-add')
  // GraphiQL 3's query editor is CodeMirror 5: set the text through its API (typing would auto-close braces).
  await page.evaluate("document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('query Orgs { viewer { id } organizations { slug name } }')")
  // GraphiQL derives the operation name from the edited text after a short debounce; a person never
  // clicks Run within it, a script does (and would send the example tab's operation name).
  await page.waitForTimeout(1000)
  await page.click('.graphiql-execute-button')
  // A locator, not a string predicate: Playwright evaluates string predicates with eval, which the
  // page's CSP (script-src 'self', no 'unsafe-eval') refuses.
  await page.locator('.graphiql-response', { hasText: 'Acme Corp' }).waitFor({ timeout: 20_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message} response=${await page.textContent('.graphiql-response')} ${diagnostics()}`)
  })
  const response = await page.textContent('.graphiql-response')
  t.match(response, viewer.userId)
  t.match(response, /globex/)
  mkdirSync('test-results', { recursive: true })
  await page.screenshot({ path: join('test-results', 'graphiql.png') })
  t.same(foreign, [], 'no request left the gateway (no CDN)')
  t.same(failures.filter((f) => !f.includes('favicon')), [], 'no failed request or page error')
})
