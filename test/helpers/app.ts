import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type Config } from '../../src/config.js'
import { buildApp, type AppDeps } from '../../src/app.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, testEnv } from './env.js'
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.js'
import { startTestEmulator } from './emulator.js'

export { TEST_CLIENT_ID, TEST_CLIENT_SECRET, testEnv }

export interface TestAppOptions {
  env?: Record<string, string>
  emulator?: EmulatorOptions
  deps?: AppDeps
  /** Reuse an existing emulator (e.g. two apps against one Sentry). */
  sharedEmulator?: RunningEmulator
  /** Reuse a database file (e.g. two apps on one SQLite file). */
  databasePath?: string
  /** Listen on 127.0.0.1:0 and use that as PUBLIC_URL (for browser-like flows). */
  listen?: boolean
}

export interface TestApp {
  app: FastifyInstance
  config: Config
  emulator: RunningEmulator
  /** The gateway's base URL when `listen` was set. */
  url: string
}

/**
 * A gateway on a fresh SQLite file in the test's own directory, talking to a real emulator on
 * 127.0.0.1. Everything is closed in teardown.
 */
export async function buildTestApp (t: Test, options: TestAppOptions = {}): Promise<TestApp> {
  // A fresh directory per app (t.testdir() would recreate one shared directory on a second call).
  const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const emulator = options.sharedEmulator ?? await startTestEmulator(t, options.emulator)
  const env = testEnv(dir, { SENTRY_URL: emulator.url, ...options.env })
  if (options.databasePath !== undefined) env.DATABASE_URL = options.databasePath
  let config = loadConfig(env, { cwd: dir })
  if (options.listen === true) {
    // Reserve the port first so PUBLIC_URL (and the OAuth redirect URI) is known before building.
    const { createServer } = await import('node:net')
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer()
      s.once('error', reject)
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    config = { ...config, port, publicUrl: `http://127.0.0.1:${port}` }
  }
  const app = await buildApp(config, { logger: false, ...options.deps })
  t.teardown(() => app.close())
  let url = ''
  if (options.listen === true) {
    await app.listen({ port: config.port, host: '127.0.0.1' })
    url = config.publicUrl
  } else {
    await app.ready()
  }
  return { app, config, emulator, url }
}

/** Settles every promise; returns the values and the error codes. */
export async function settle<T> (promises: Array<Promise<T>>): Promise<{ ok: T[], codes: string[], errors: unknown[] }> {
  const results = await Promise.allSettled(promises)
  const ok: T[] = []
  const codes: string[] = []
  const errors: unknown[] = []
  for (const r of results) {
    if (r.status === 'fulfilled') {
      ok.push(r.value)
    } else {
      errors.push(r.reason)
      codes.push(String((r.reason as { code?: unknown }).code ?? 'NO_CODE'))
    }
  }
  return { ok, codes, errors }
}

/** A fresh TOKEN_ENCRYPTION_KEY so two apps can share one database file. */
export const sharedKey = (): string => randomBytes(32).toString('base64')

export const count = (codes: string[], code: string): number => codes.filter(c => c === code).length

/**
 * A database file outside the test directory: buildTestApp calls t.testdir(), which recreates
 * that directory, so a second app in the same test would delete the first app's file.
 */
export function sharedDatabasePath (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-shared-db-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return join(dir, 'gateway.db')
}
