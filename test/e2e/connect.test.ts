import t from 'tap'
import type { BrowserContext, Page } from 'playwright-core'
import { buildTestApp } from '../helpers/app.js'
import { chromiumAvailable, launchBrowser, screenshot } from '../helpers/browser.js'
import { countRows } from '../helpers/connect-flow.js'

if (!chromiumAvailable()) {
  t.test('browser end-to-end tests', { skip: 'Chromium is not installed (apt-get install -y chromium)' }, async () => {})
} else {
  t.test('connect in the same window: open /, click Connect, approve on Sentry, land back with the connection listed', async t => {
    const { url, config, emulator } = await buildTestApp(t, { listen: true })
    const { context, problems } = await launchBrowser(t)
    // Popups blocked: the Connect button must fall back to a full redirect.
    await context.addInitScript('window.open = () => null')
    const page = context.pages()[0] ?? await context.newPage()
    await page.goto(`${url}/`)
    t.equal(await page.locator('#no-connections').count(), 1, 'no connections yet')
    await page.getByRole('link', { name: 'Connect to Sentry' }).click()
    await page.waitForURL(u => u.href.startsWith(`${emulator.url}/oauth/authorize/`))
    t.match(await page.content(), /Test Gateway/)
    await screenshot(page, 'connect-consent')
    await page.locator('button[name=op][value=approve]').click()
    await page.waitForURL(`${url}/?connected=1`)
    const card = page.locator('section.connection')
    t.equal(await card.count(), 1, 'the connection is listed')
    const text = await card.innerText()
    t.match(text, /Jane Doe/)
    t.match(text, /acme/)
    t.match(text, /globex/)
    t.match(text, /Active/)
    t.match(await page.locator('[role=status]').first().innerText(), /Connected to Sentry/)
    await screenshot(page, 'connect-redirect-done')
    t.equal(countRows(config).connections, 1)

    // Disconnect with the page's own form (the CSRF token and the browser's Origin/Sec-Fetch-Site).
    await page.getByRole('button', { name: 'Disconnect' }).click()
    await page.waitForURL(`${url}/?disconnected=1`)
    t.match(await page.locator('main').innerText(), /Authorized Applications/)
    t.equal(countRows(config).connections, 0)
    t.same(problems.errors, [], 'no console errors, no CSP violations')
  })

  t.test('connect in a popup: the opener gets the postMessage and shows the connection', async t => {
    const { url, config, emulator } = await buildTestApp(t, { listen: true })
    const { context, problems } = await launchBrowser(t)
    const { page, popup } = await openConnectPopup(context, url, emulator.url)
    t.equal(page.url(), `${url}/`, 'the landing page stays where it was')
    t.match(await page.locator('#connect-status').innerText(), /Waiting for Sentry/)
    const closed = popup.waitForEvent('close')
    await popup.locator('button[name=op][value=approve]').click()
    await closed
    t.pass('the popup closed itself')
    await page.waitForURL(`${url}/?connected=1`)
    const card = page.locator('section.connection')
    t.equal(await card.count(), 1)
    t.match(await card.innerText(), /Jane Doe/)
    await screenshot(page, 'connect-popup-done')
    t.equal(countRows(config).connections, 1)
    t.same(problems.errors, [], 'no console errors, no CSP violations')
  })

  t.test('a denied popup reports the failure to the opener', async t => {
    const { url, config, emulator } = await buildTestApp(t, { listen: true })
    const { context } = await launchBrowser(t)
    const { page, popup } = await openConnectPopup(context, url, emulator.url)
    const closed = popup.waitForEvent('close')
    await popup.locator('button[name=op][value=deny]').click()
    await closed
    await page.locator('#connect-status.error').waitFor()
    t.match(await page.locator('#connect-status').innerText(), /You declined/)
    t.equal(page.url(), `${url}/`)
    t.equal(countRows(config).connections, 0)
  })

  t.test('GraphiQL renders under the gateway CSP', async t => {
    const { url } = await buildTestApp(t, { listen: true })
    const { context, problems } = await launchBrowser(t)
    const page = context.pages()[0] ?? await context.newPage()
    const res = await page.goto(`${url}/graphiql`)
    if (res === null || res.status() === 404) {
      t.comment('no /graphiql in this build yet; skipped')
      return
    }
    await page.locator('.graphiql-container').waitFor({ timeout: 20_000 })
    await screenshot(page, 'graphiql')
    t.same(problems.errors.filter(e => /Content Security Policy|Refused to/.test(e)), [], 'no CSP violations')
  })
}

/** Opens the landing page and clicks Connect; resolves once the popup shows Sentry's consent page. */
async function openConnectPopup (context: BrowserContext, url: string, sentryUrl: string): Promise<{ page: Page, popup: Page }> {
  const page = context.pages()[0] ?? await context.newPage()
  await page.goto(`${url}/`)
  const [popup] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: 'Connect to Sentry' }).click()
  ])
  await popup.waitForURL(u => u.href.startsWith(`${sentryUrl}/oauth/authorize/`))
  return { page, popup }
}
