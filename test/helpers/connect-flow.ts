import Database from 'better-sqlite3'
import type { Config } from '../../src/config.js'
import { BrowserLike, parseForm, type Response } from './browser-like.js'

export interface ConnectRun {
  start: Response
  /** The consent page, or null when Sentry skipped it (an earlier approval covered the scopes). */
  consent: Response | null
  /** The URL Sentry redirected back to (our callback, with code or error, and state). */
  callbackUrl: string
  /** Our callback's answer. */
  callback: Response
}

/**
 * Drives the flow like a browser: GET / (creates the platform user), GET /connect/sentry[query],
 * the authorize page, Approve/Deny, and the redirect back. `tamper` may rewrite the callback URL
 * before it is requested.
 */
export async function runConnect (b: BrowserLike, gateway: string, options: { query?: string, op?: 'approve' | 'deny', tamper?: (u: URL) => void, skipHome?: boolean } = {}): Promise<ConnectRun> {
  if (options.skipHome !== true) await b.fetch(`${gateway}/`)
  const start = await b.fetch(`${gateway}/connect/sentry${options.query ?? ''}`)
  if (start.status !== 302 || start.location === null) throw new Error(`connect did not redirect: ${start.status} ${start.body.slice(0, 300)}`)
  let page = await b.fetch(start.location)
  let consent: Response | null = null
  if (page.status === 200) {
    consent = page
    const form = parseForm(page)
    page = await b.fetch(form.action, { form: { ...form.fields, op: options.op ?? 'approve' } })
  }
  if (page.status !== 302 || page.location === null) throw new Error(`authorize did not redirect back: ${page.status} ${page.body.slice(0, 300)}`)
  const url = new URL(page.location)
  options.tamper?.(url)
  const callback = await b.fetch(url.href)
  return { start, consent, callbackUrl: url.href, callback }
}

/** Rows in the gateway's database (read-only, straight from SQLite). */
export function countRows (config: Config): { connections: number, tokens: number, organizations: number } {
  const db = new Database(config.databasePath, { readonly: true, fileMustExist: true })
  try {
    const n = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    return { connections: n('sentry_connections'), tokens: n('sentry_tokens'), organizations: n('sentry_organizations') }
  } finally {
    db.close()
  }
}
