/**
 * The bearer journey in headless Chromium (issue 13): the example SPA (examples/spa), served from
 * another site, asks for a connect session with its JWT, opens the popup, the user approves on
 * Sentry (the emulator), the SPA receives the postMessage, then queries /graphql with its bearer
 * token. And GraphiQL in JWT mode, with the Authorization header from its header editor.
 */
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { chromiumAvailable, launchBrowser, screenshot } from '../helpers/browser.js'
import { countRows } from '../helpers/connect-flow.js'
import { signToken } from '../helpers/jwks.js'
import { startExampleServer } from '../../examples/spa/serve.js'

const SECRET = 'an-hs256-secret-of-at-least-32-bytes-0123456789'
const JWT_ENV = { AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://platform.example.com', AUTH_JWT_AUDIENCE: 'sentry-gateway' }

if (!chromiumAvailable()) {
  t.test('browser end-to-end tests', { skip: 'Chromium is not installed (apt-get install -y chromium)' }, async () => {})
} else {
  t.test('an SPA on another site connects with a connect session and queries with its bearer token', async t => {
    const spa = await startExampleServer(0)
    t.teardown(spa.close)
    // "localhost" vs the gateway's "127.0.0.1": another site, not only another origin.
    const spaOrigin = spa.url.replace('127.0.0.1', 'localhost')
    const { url, config, emulator, app } = await buildTestApp(t, { listen: true, env: { ...JWT_ENV, ALLOWED_ORIGINS: spaOrigin } })
    const token = await signToken(SECRET, 'alice')
    const { context, problems } = await launchBrowser(t)
    const page = context.pages()[0] ?? await context.newPage()
    await page.goto(`${spaOrigin}/#gateway=${encodeURIComponent(url)}&token=${token}`)

    // Before connecting: authenticated, no connection.
    await page.getByRole('button', { name: 'Load my Sentry organizations' }).click()
    await page.locator('#status').filter({ hasText: /organization\(s\)/ }).waitFor()
    t.match(await page.locator('#status').innerText(), /^0 organization\(s\) through 0 connection\(s\)/)

    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Connect Sentry' }).click()
    ])
    await popup.waitForURL(u => u.href.startsWith(`${emulator.url}/oauth/authorize/`))
    await screenshot(popup, 'spa-consent')
    const closed = popup.waitForEvent('close')
    await popup.locator('button[name=op][value=approve]').click()
    await closed
    t.pass('the popup closed itself')
    await page.locator('#status').filter({ hasText: /Connected to Sentry/ }).waitFor()
    t.match(await page.locator('#status').innerText(), /Connected to Sentry: .*acme/, 'the SPA received the postMessage')
    t.equal(countRows(config).connections, 1)

    await page.getByRole('button', { name: 'Load my Sentry organizations' }).click()
    await page.locator('#status').filter({ hasText: /through 1 connection/ }).waitFor()
    const orgs = await page.locator('#organizations li').allInnerTexts()
    t.ok(orgs.some(o => /acme/.test(o)), 'the bearer query reaches the connected organizations')
    await screenshot(page, 'spa-connected')

    // The connection is alice's: the platform user (issuer, sub) owns it.
    const alice = await app.store.findUserByIdentity(JWT_ENV.AUTH_JWT_ISSUER, 'alice')
    t.equal((await app.store.listConnections(alice?.id ?? '')).length, 1)
    // An expired token in the same SPA is refused with its reason.
    await page.locator('#token').fill(await signToken(SECRET, 'alice', { exp: -3600 }))
    await page.getByRole('button', { name: 'Load my Sentry organizations' }).click()
    await page.locator('#status.error').waitFor()
    t.match(await page.locator('#status').innerText(), /UNAUTHENTICATED: .*\(expired\)/)
    t.same(problems.errors.filter(e => !/401/.test(e)), [], 'no console errors besides the expected 401')
  })

  t.test('GraphiQL in JWT mode sends the Authorization header from its header editor', async t => {
    const { url, app } = await buildTestApp(t, { listen: true, env: JWT_ENV })
    const { context } = await launchBrowser(t)
    const token = await signToken(SECRET, 'graphiql-user')
    // GraphiQL persists the header editor's content (shouldPersistHeaders) under graphiql:headers.
    await context.addInitScript(`
      localStorage.setItem('graphiql:headers', ${JSON.stringify(JSON.stringify({ Authorization: `Bearer ${token}` }))});
      localStorage.setItem('graphiql:query', '{ viewer { id } }');
    `)
    const page = context.pages()[0] ?? await context.newPage()
    await page.goto(`${url}/graphiql`)
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 })
    await page.locator('.graphiql-execute-button').click()
    const response = page.locator('.graphiql-response')
    await response.filter({ hasText: /"id"/ }).waitFor({ timeout: 20_000 })
    const user = await app.store.findUserByIdentity(JWT_ENV.AUTH_JWT_ISSUER, 'graphiql-user')
    t.ok(user, 'the token\'s user was created')
    t.match(await response.innerText(), user?.id ?? 'no user', 'the answer is the token\'s user')
    await screenshot(page, 'graphiql-jwt')
  })
}
