/**
 * A faithful local Sentry (OAuth + REST API) for `npm start` without credentials, for every gateway
 * test, and for benchmarks. Behaviour follows docs/sentry.md; shapes follow openapi.json.
 * It also has a TEST-ONLY control API (/_emulator/*, `control`), so never expose it in production.
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildListener } from './app.js'
import { Control } from './control.js'
import { EmulatorState, resolveOptions } from './state.js'
import type { EmulatorOptions, RunningEmulator } from './types.js'

export type {
  EmulatorClient, EmulatorControl, EmulatorCounters, EmulatorOptions, FaultSpec, IssueTokenRequest,
  RateLimitInput, RunningEmulator, TokenResponseBody
} from './types.js'
export { ACME_ISSUE_COUNT, DEFAULT_USER_ID } from './seed.js'

function urlOf (app: FastifyInstance, host: string): string {
  const { port } = app.server.address() as AddressInfo
  const name = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${name}:${port}`
}

export async function startEmulator (opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const options = resolveOptions(opts)
  const state = new EmulatorState(options)
  const control = new Control(state)
  for (const client of opts.clients ?? []) control.registerClient(client)

  const listeners: FastifyInstance[] = []
  const close = async (): Promise<void> => { await Promise.all(listeners.map(async (l) => { await l.close() })) }
  try {
    const main = buildListener(state, control, 'main')
    listeners.push(main)
    await main.listen({ host: options.host, port: options.port })
    state.mainUrl = urlOf(main, options.host)
    if (options.regionServer) {
      const region = buildListener(state, control, 'region')
      listeners.push(region)
      // Another loopback address on the SAME port: a gateway sends tokens only to SENTRY_URL's
      // scheme and port (docs/sentry.md §4), as sentry.io's regions share https:443.
      const regionHost = options.host === '127.0.0.1' ? '127.0.0.2' : options.host
      const mainPort = (main.server.address() as AddressInfo).port
      await region.listen({ host: regionHost, port: regionHost === options.host ? 0 : mainPort })
      state.regionUrl = urlOf(region, regionHost)
    }
  } catch (err) {
    await close()
    throw err
  }
  return { url: state.mainUrl, ...(state.regionUrl === undefined ? {} : { regionUrl: state.regionUrl }), control, close }
}
