/**
 * `npm run emulator`: the Sentry emulator as a standalone process (e.g. for benchmarks).
 * Env: EMULATOR_PORT (9010), EMULATOR_HOST (127.0.0.1), EMULATOR_CLIENT_ID / EMULATOR_CLIENT_SECRET /
 * EMULATOR_REDIRECT_URI (pre-register one OAuth app; comma-separate several redirect URIs),
 * EMULATOR_ORG_LEVEL=1, EMULATOR_SELF_HOSTED=1, EMULATOR_REGION_SERVER=1, EMULATOR_LATENCY_MS, EMULATOR_LOG=1.
 * It includes the test-only control API: run it only for development and tests.
 */
import { startEmulator, type EmulatorClient } from './index.js'

const env = process.env
const flag = (name: string): boolean => env[name] === '1' || env[name] === 'true'

const clients: EmulatorClient[] = []
if (env.EMULATOR_CLIENT_ID !== undefined && env.EMULATOR_CLIENT_SECRET !== undefined) {
  clients.push({
    clientId: env.EMULATOR_CLIENT_ID,
    clientSecret: env.EMULATOR_CLIENT_SECRET,
    name: env.EMULATOR_CLIENT_NAME ?? 'Local app',
    redirectUris: (env.EMULATOR_REDIRECT_URI ?? 'http://127.0.0.1/oauth/sentry/callback').split(',').map((u) => u.trim())
  })
}

const emulator = await startEmulator({
  host: env.EMULATOR_HOST ?? '127.0.0.1',
  port: Number(env.EMULATOR_PORT ?? 9010),
  orgLevel: flag('EMULATOR_ORG_LEVEL'),
  selfHosted: flag('EMULATOR_SELF_HOSTED'),
  regionServer: flag('EMULATOR_REGION_SERVER'),
  latencyMs: Number(env.EMULATOR_LATENCY_MS ?? 0),
  logger: flag('EMULATOR_LOG'),
  clients
})

console.log(`Sentry emulator listening at ${emulator.url}${emulator.regionUrl === undefined ? '' : ` (region: ${emulator.regionUrl})`}`)

let closing = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return
    closing = true
    emulator.close().then(() => process.exit(0), () => process.exit(1))
  })
}
