/**
 * Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core,
 * with a fresh profile per test and the flags this machine needs (no sandbox as root, no
 * background networking on a closed network). Screenshots go to test-results/ (gitignored).
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { Test } from 'tap'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** `--headless` itself comes from `headless: true`. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

export const RESULTS_DIR = resolve('test-results')

export function chromiumAvailable (): boolean {
  return existsSync(CHROMIUM_PATH)
}

export interface BrowserProblems {
  /** Console errors and page errors (CSP violations show up here as "Refused to …"). */
  errors: string[]
}

/** A persistent context on a fresh user-data-dir, closed and removed in teardown. */
export async function launchBrowser (t: Test): Promise<{ context: BrowserContext, problems: BrowserProblems }> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-e2e-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1100, height: 900 }
  })
  t.teardown(async () => {
    await context.close()
    await rm(dir, { recursive: true, force: true })
  })
  const problems: BrowserProblems = { errors: [] }
  const watch = (page: Page): void => {
    page.on('console', msg => {
      if (msg.type() === 'error' && !/favicon\.ico/.test(msg.text()) && !/Failed to load resource.*404/.test(msg.text())) problems.errors.push(`${page.url()}: ${msg.text()}`)
    })
    page.on('pageerror', err => { problems.errors.push(`${page.url()}: ${err.message}`) })
  }
  context.pages().forEach(watch)
  context.on('page', watch)
  return { context, problems }
}

export async function screenshot (page: Page, name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
