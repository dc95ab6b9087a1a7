/**
 * The only entry point: reads the environment, builds the app, listens, and shuts down
 * gracefully on SIGTERM/SIGINT (in-flight requests finish, then the database closes).
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import closeWithGrace from 'close-with-grace'
import { loadConfig, ConfigError, startupWarnings, type Config } from './config.js'
import { describeStartupError } from './startup.js'
import { buildApp } from './app.js'
import type { RunningEmulator } from './emulator/index.js'

/** What a start-up failure message may name (filled in as start-up goes). */
const startup: { databasePath?: string, host?: string, port?: number } = {}

async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  Object.assign(startup, { databasePath: config.databasePath, host: config.host, port: config.port })
  const warnings = startupWarnings(config)

  // Zero-config: no Sentry credentials outside production → a local Sentry emulator, registered
  // with this gateway as its OAuth client. Everything after this is the production code path.
  let emulator: RunningEmulator | undefined
  if (config.useEmulator) {
    // Loaded only here: a configured gateway never pays for the emulator's modules at start-up.
    const { startEmulator } = await import('./emulator/index.js')
    const clientId = 'sentry-graphql-gateway-dev'
    const clientSecret = randomBytes(32).toString('hex')
    emulator = await startEmulator({
      host: config.host === '0.0.0.0' ? '127.0.0.1' : config.host,
      port: config.emulatorPort,
      clients: [{ clientId, clientSecret, name: 'sentry-graphql-gateway (local)', redirectUris: [`${config.publicUrl}/oauth/sentry/callback`] }]
    })
    config = { ...config, sentryUrl: emulator.url, sentryClientId: clientId, sentryClientSecret: clientSecret }
  }

  const app = await buildApp(config)
  for (const warning of warnings) app.log.warn(warning)
  if (emulator !== undefined) {
    const running = emulator
    app.log.warn(`The gateway runs against the local Sentry emulator at ${running.url}; set SENTRY_CLIENT_ID and SENTRY_CLIENT_SECRET to use sentry.io (or SENTRY_URL for a self-hosted Sentry).`)
    app.addHook('onClose', async () => { await running.close() })
  }

  // Shutdown as a load balancer expects: /readyz turns 503 at once, requests keep being served for
  // SHUTDOWN_DRAIN_MS (the balancer's health checks notice meanwhile), then close: no new
  // connections, requests in flight finish, refreshes in flight store their rotated tokens
  // (the store's close waits for them), and the database closes last. SHUTDOWN_TIMEOUT_MS
  // bounds it all and always exceeds one upstream call (src/config.ts).
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err !== undefined) {
      app.log.error({ err }, 'shutting down after an error')
    } else {
      app.log.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down: draining')
      app.flushLogs()
      app.startDraining()
      if (config.shutdownDrainMs > 0) await sleep(config.shutdownDrainMs)
    }
    await app.close()
    app.log.info('shut down')
  })

  await app.listen({ port: config.port, host: config.host })
}

try {
  await main()
} catch (err) {
  // An operator's mistake (a damaged or unwritable database file, a port in use) gets one line.
  const line = describeStartupError(err, startup)
  if (line === null) throw err
  process.stderr.write(`${line}\n`)
  process.exit(1)
}
