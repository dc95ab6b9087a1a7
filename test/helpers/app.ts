import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type Config } from '../../src/config.js'
import { buildApp, type AppDeps } from '../../src/app.js'
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET, testEnv } from './env.js'
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js'

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
  const emulator = options.sharedEmulator ?? await startEmulator({
    ...options.emulator,
    clients: [
      ...(options.emulator?.clients ?? []),
      { clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, name: 'Test Gateway', redirectUris: ['http://127.0.0.1/oauth/sentry/callback', 'http://localhost/oauth/sentry/callback'] }
    ]
  })
  if (options.sharedEmulator === undefined) t.teardown(() => emulator.close())
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
