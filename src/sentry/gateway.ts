import { randomUUID } from 'node:crypto'
import type { Dispatcher } from 'undici'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import { upstreamError } from '../errors.js'
import { createCaller } from './caller.js'
import { eventsApi } from './events.js'
import { exploreApi } from './explore.js'
import { type AccessToken, type CallContext, type Logger, type SentryHttp, type TokenSource, createSentryHttp } from './http.js'
import { issuesApi } from './issues.js'
import { membersApi } from './members.js'
import { getOrganization, listAllOrganizations, organizationsApi } from './organizations.js'
import { projectsApi } from './projects.js'
import { ConcurrencyGate, RateWindows } from './rate-limit.js'
import { RegionRoutes } from './regions.js'
import { releasesApi } from './releases.js'
import { sessionsApi } from './sessions.js'
import { statsApi } from './stats.js'
import { teamsApi } from './teams.js'
import { tracesApi } from './traces.js'
import { type TokenRefresher, createTokenRefresher } from './token-refresher.js'
import type { SentryClient, SentryGateway, SentryOrganization } from './types.js'
import { type Signals, noopSignals } from '../telemetry/signals.js'

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
}

/** The app-wide service plus what only the plugin needs. */
export interface SentryGatewayService extends SentryGateway {
  /** This app instance's refresh-lease owner id. */
  readonly owner: string
  close (): Promise<void>
}

/** Per-connection state kept across requests: concurrency, rate windows, region routes. */
interface ConnectionState {
  ctx: CallContext
}

/** Connections whose state is kept at once (least recently used dropped first). */
const DEFAULT_MAX_CONNECTION_STATES = 10_000

export function createSentryGateway (options: SentryGatewayOptions): SentryGatewayService {
  const { config, store, logger } = options
  const now = options.now ?? Date.now
  const owner = options.owner ?? randomUUID()
  // The lease must outlast the slowest refresh POST (connect + request timeout).
  const leaseTtlMs = options.leaseTtlMs ?? Math.max(30_000, config.upstreamConnectTimeoutMs + config.upstreamRequestTimeoutMs + 5000)
  const signals = options.signals ?? noopSignals
  const http: SentryHttp = createSentryHttp({ config, dispatcher: options.dispatcher, logger, now, signals })
  const refresher: TokenRefresher = createTokenRefresher({
    store, http, refreshWindowSeconds: config.refreshWindowSeconds, now, owner, leaseTtlMs, logger, signals
  })
  const states = new Map<string, ConnectionState>()
  const maxStates = options.maxConnectionStates ?? DEFAULT_MAX_CONNECTION_STATES

  function stateFor (connectionId: string): ConnectionState {
    const existing = states.get(connectionId)
    if (existing !== undefined) {
      states.delete(connectionId)
      states.set(connectionId, existing)
      return existing
    }
    const tokens = refresher.tokenSource(connectionId)
    const gate = new ConcurrencyGate()
    const windows = new RateWindows(now)
    // The region lookup runs on SENTRY_URL with this connection's own (refresh-aware) context.
    const controlCtx: CallContext = {
      tokens,
      gate,
      windows,
      baseUrlFor: async () => http.baseUrl,
      baseUrlFailed: () => {}
    }
    const routes = new RegionRoutes({
      sentryUrl: http.baseUrl,
      now,
      logger,
      loadStored: async () => (await store.getConnection(connectionId))?.organizations ?? [],
      lookup: async (org) => (await getOrganization(createCaller(http, controlCtx), org, 'control')).links?.regionUrl ?? null
    })
    const state: ConnectionState = {
      ctx: {
        tokens,
        gate,
        windows,
        baseUrlFor: async (org) => await routes.baseUrlFor(org),
        baseUrlFailed: (org, baseUrl) => { routes.failed(org, baseUrl) },
        grantedScopes: async () => (await store.getConnection(connectionId))?.scopes ?? null
      }
    }
    states.set(connectionId, state)
    if (states.size > maxStates) {
      const oldest = states.keys().next().value
      if (oldest !== undefined) states.delete(oldest)
    }
    return state
  }

  /**
   * A client for one unit of work (GraphQL makes one per request and connection). It reads and
   * decrypts the token row once, not once per upstream call; a 401 drops the memo so the retry
   * sees the refreshed row, and a failed read is not remembered.
   */
  function forConnection (connectionId: string): SentryClient {
    const { ctx } = stateFor(connectionId)
    let memo: Promise<AccessToken> | null = null
    const tokens: TokenSource = {
      current: async () => {
        memo ??= ctx.tokens.current().catch((err: unknown) => { memo = null; throw err })
        return await memo
      },
      afterUnauthorized: async (used) => {
        memo = null
        await ctx.tokens.afterUnauthorized(used)
      }
    }
    const call = createCaller(http, { ...ctx, tokens })
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

  async function discoverOrganizations (accessToken: string): Promise<SentryOrganization[]> {
    // A token fresh from the code exchange: it is not stored yet, so there is nothing to refresh.
    const tokens: TokenSource = {
      current: async () => ({ value: accessToken, version: 0 }),
      afterUnauthorized: async () => {
        throw upstreamError('Sentry did not accept the access token it has just issued.', { reason: 'TOKEN_NOT_ACCEPTED' })
      }
    }
    const ctx: CallContext = {
      tokens,
      gate: new ConcurrencyGate(),
      windows: new RateWindows(now),
      baseUrlFor: async () => http.baseUrl,
      baseUrlFailed: () => {}
    }
    return await listAllOrganizations(createCaller(http, ctx))
  }

  return {
    owner,
    refreshTokens: async (connectionId, expectedVersion) => await refresher.refresh(connectionId, expectedVersion),
    forConnection,
    discoverOrganizations,
    async close () {
      states.clear()
      await http.close()
    }
  }
}
