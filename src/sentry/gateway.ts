import { randomUUID } from 'node:crypto'
import type { Agent, Dispatcher } from 'undici'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import type { RequestTelemetry } from '../telemetry/request-context.js'
import { type Signals, noopSignals } from '../telemetry/signals.js'
import { type TokenSource, authLayer, fixedTokenSource } from './auth.js'
import { type SentryCaller, createCaller } from './caller.js'
import { Deadline } from './deadline.js'
import { eventsApi } from './events.js'
import { exploreApi } from './explore.js'
import { issuesApi } from './issues.js'
import { membersApi } from './members.js'
import { getOrganization, listAllOrganizations, organizationsApi } from './organizations.js'
import { type Send, compose } from './pipeline.js'
import { projectsApi } from './projects.js'
import { ConcurrencyGate, RateWindows } from './rate-limit.js'
import { regionLayer } from './region.js'
import { RegionRoutes } from './regions.js'
import { releasesApi } from './releases.js'
import { retryLayer } from './retry.js'
import { sessionsApi } from './sessions.js'
import { statsApi } from './stats.js'
import { teamsApi } from './teams.js'
import { tracesApi } from './traces.js'
import { throttleLayer } from './throttle.js'
import { type TokenEndpoint, createTokenEndpoint } from './token-endpoint.js'
import { DEFAULT_LEASE_TTL_MS, type TokenRefresher, createTokenRefresher } from './token-refresher.js'
import { type Logger, closeAgent, createTransport, createUpstreamAgent } from './transport.js'
import type { SentryClient, SentryGateway, SentryOrganization, UnitOfWork } from './types.js'

/**
 * The app-wide Sentry service: it owns the undici Agent, the token endpoint and the refresher,
 * keeps per-connection state (concurrency gate, rate windows, region routes) and composes, for
 * each unit of work, the pipeline of pipeline.ts:
 *   region → auth → throttle → retry → transport.
 */

export interface SentryGatewayOptions {
  config: Config
  store: Store
  /** Injected dispatcher (tests); by default one undici Agent for the app, closed on close(). */
  dispatcher?: Dispatcher
  now?: () => number
  logger?: Logger
  /** Refresh-lease owner id; a random id per app by default. */
  owner?: string
  leaseTtlMs?: number
  /** Connections whose per-connection state (gate, windows, regions) is kept; LRU beyond. */
  maxConnectionStates?: number
  /** Where upstream calls, retries, waits and refreshes are reported (metrics, tracing). */
  signals?: Signals
  /** Largest API response body accepted (default 32 MiB). */
  maxBodyBytes?: number
  random?: () => number
}

/** The app-wide service plus what only the plugin and the connect flow need. */
export interface SentryGatewayService extends SentryGateway {
  /** This app instance's refresh-lease owner id. */
  readonly owner: string
  /** Sentry's token endpoint (code exchange for the connect flow). */
  readonly tokenEndpoint: TokenEndpoint
  close (): Promise<void>
}

/** Per-connection state kept across requests: concurrency, rate windows, region routes. */
interface ConnectionState {
  gate: ConcurrencyGate
  windows: RateWindows
  routes: RegionRoutes
}

/** Connections whose state is kept at once (least recently used dropped first). */
const DEFAULT_MAX_CONNECTION_STATES = 10_000

export function createSentryGateway (options: SentryGatewayOptions): SentryGatewayService {
  const { config, store, logger } = options
  const now = options.now ?? Date.now
  const owner = options.owner ?? randomUUID()
  const signals = options.signals ?? noopSignals
  const ownAgent: Agent | undefined = options.dispatcher === undefined ? createUpstreamAgent(config) : undefined
  const dispatcher: Dispatcher = options.dispatcher ?? (ownAgent as Agent)
  const sentryUrl = config.sentryUrl.replace(/\/+$/, '')
  const tokenEndpoint = createTokenEndpoint({ config, dispatcher, now, logger, signals })
  const refresher: TokenRefresher = createTokenRefresher({
    store,
    endpoint: tokenEndpoint,
    refreshWindowSeconds: config.refreshWindowSeconds,
    now,
    owner,
    leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    logger,
    signals
  })
  const transport: Send = createTransport({
    dispatcher, requestTimeoutMs: config.upstreamRequestTimeoutMs, maxBodyBytes: options.maxBodyBytes, signals, logger
  })
  const retry = retryLayer({ signals, random: options.random })
  const states = new Map<string, ConnectionState>()
  const maxStates = options.maxConnectionStates ?? DEFAULT_MAX_CONNECTION_STATES
  /** A call outside any unit of work gets its own deadline. */
  const perCall = (): Deadline => Deadline.after(config.upstreamRequestTimeoutMs)

  function pipeline (state: Pick<ConnectionState, 'gate' | 'windows'>, tokens: TokenSource, routes: RegionRoutes | null): Send {
    return compose(
      regionLayer(sentryUrl, routes),
      authLayer(tokens),
      throttleLayer({ gate: state.gate, windows: state.windows, waitBudgetMs: config.rateLimitWaitBudgetMs, now, signals }),
      retry
    )(transport)
  }

  function stateFor (connectionId: string): ConnectionState {
    const existing = states.get(connectionId)
    if (existing !== undefined) {
      states.delete(connectionId)
      states.set(connectionId, existing)
      return existing
    }
    const gate = new ConcurrencyGate()
    const windows = new RateWindows(now)
    // The region lookup runs on SENTRY_URL through this connection's own gate, windows and tokens,
    // counted on the request that started it.
    const controlSend = pipeline({ gate, windows }, refresher.tokenSource(connectionId), null)
    const control = (forRequest: RequestTelemetry | undefined): SentryCaller => createCaller(controlSend, {
      sentryUrl, deadline: () => Deadline.after(config.upstreamRequestTimeoutMs, forRequest)
    })
    const routes = new RegionRoutes({
      sentryUrl,
      now,
      logger,
      loadStored: async () => (await store.getConnection(connectionId))?.organizations ?? [],
      lookup: async (org, forRequest) => (await getOrganization(control(forRequest), org, 'control')).links?.regionUrl ?? null
    })
    const state: ConnectionState = { gate, windows, routes }
    states.set(connectionId, state)
    if (states.size > maxStates) {
      const oldest = states.keys().next().value
      if (oldest !== undefined) states.delete(oldest)
    }
    return state
  }

  /**
   * A client for one unit of work (GraphQL makes one per request and connection): the token row
   * is read and decrypted once (the memo; none when `known` brings it), the region routes are
   * seeded from `known` organizations instead of the store, and every call shares `deadline`
   * when given.
   */
  function forConnection (connectionId: string, unit: UnitOfWork = {}): SentryClient {
    const state = stateFor(connectionId)
    const { deadline, known } = unit
    if (known !== undefined) state.routes.prime(known.organizations)
    const send = pipeline(state, refresher.tokenSource(connectionId, { memo: true, primed: known?.accessToken }), state.routes)
    const call = createCaller(send, {
      sentryUrl,
      deadline: deadline === undefined ? perCall : () => deadline,
      grantedScopes: known === undefined ? async () => (await store.getConnection(connectionId))?.scopes ?? null : async () => known.scopes
    })
    return {
      connectionId,
      organizations: organizationsApi(call),
      projects: projectsApi(call),
      issues: issuesApi(call),
      events: eventsApi(call),
      releases: releasesApi(call),
      teams: teamsApi(call),
      members: membersApi(call),
      stats: statsApi(call),
      explore: exploreApi(call),
      traces: tracesApi(call),
      sessions: sessionsApi(call)
    }
  }

  async function discoverOrganizations (accessToken: string, deadline?: Deadline): Promise<SentryOrganization[]> {
    // A token fresh from the code exchange: it is not stored yet, so there is nothing to refresh.
    const send = pipeline({ gate: new ConcurrencyGate(), windows: new RateWindows(now) }, fixedTokenSource(accessToken), null)
    return await listAllOrganizations(createCaller(send, { sentryUrl, deadline: deadline === undefined ? perCall : () => deadline }))
  }

  return {
    owner,
    refreshTokens: async (connectionId, expectedVersion) => await refresher.refresh(connectionId, expectedVersion),
    tokenEndpoint,
    forConnection,
    discoverOrganizations,
    async close () {
      states.clear()
      if (ownAgent !== undefined) await closeAgent(ownAgent)
    }
  }
}
