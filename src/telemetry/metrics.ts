import { performance } from 'node:perf_hooks'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Store } from '../db/store.js'
import { BoundedLabel, ERROR_CODE, GRAPHQL_NAME, HOST, OTHER, PATH_TEMPLATE, methodLabel } from './labels.js'
import type { RefreshOutcome, Signals, UpstreamCallEnd, UpstreamCallInfo } from './signals.js'

/**
 * The gateway's Prometheus metrics (prom-client, https://github.com/siimon/prom-client). One
 * Registry per app: no global state, two apps in one process do not share series. Every label
 * value is bounded (labels.ts): route and path *templates*, status codes, error codes, operation
 * names from the allow-list or the first `maxOperationNames` seen. Never a user, a token or an
 * organization slug.
 */

export interface MetricsOptions {
  /** Read at scrape time for the connection gauges. */
  store: Pick<Store, 'connectionStats'>
  /** GraphQL operation names always kept as labels (the gateway's own persisted operations). */
  knownOperations?: Iterable<string>
  /** Further distinct operation names kept before they count as "__other". */
  maxOperationNames?: number
  now?: () => number
  /** Default Node process metrics (on by default). */
  processMetrics?: boolean
}

/** Seconds; covers a cached answer (1 ms) to a slow Sentry page walk (30 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]

export type KeepAliveOutcome = 'refreshed' | 'skipped' | 'revoked' | 'failed'

export interface GatewayMetrics {
  readonly registry: Registry
  /** The Signals the Sentry pipeline calls (upstream calls, retries, 429s, waits, refreshes, leases). */
  readonly signals: Signals
  httpRequest (method: string, route: string | undefined, statusCode: number, seconds: number): void
  graphqlOperation (operation: string | undefined, outcome: string, seconds: number): void
  keepAliveRun (stale: number): void
  keepAliveRefresh (outcome: KeepAliveOutcome): void
  /** The exposition text (Prometheus text format 0.0.4). */
  scrape (): Promise<string>
  readonly contentType: string
}

export function createMetrics (options: MetricsOptions): GatewayMetrics {
  const registry = new Registry()
  const now = options.now ?? Date.now
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const operations = new BoundedLabel(options.maxOperationNames ?? 100, GRAPHQL_NAME, options.knownOperations)
  const outcomes = new BoundedLabel(50, ERROR_CODE, ['OK'])
  const paths = new BoundedLabel(300, PATH_TEMPLATE)
  const regions = new BoundedLabel(20, HOST)

  const httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP requests served, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers
  })
  const graphqlDuration = new Histogram({
    name: 'gateway_graphql_operation_duration_seconds',
    help: 'GraphQL operations, by operation name (allow-listed or capped) and outcome (OK or the first error code).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers
  })
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Exchanges with Sentry (each attempt), by method, OpenAPI path template, region host and status ("error" for a transport failure).',
    labelNames: ['method', 'path_template', 'region', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers
  })
  const retries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Upstream calls retried after a 502/503/504 or a connection error.',
    labelNames: ['method', 'path_template'] as const,
    registers
  })
  const rateLimited = new Counter({
    name: 'gateway_upstream_rate_limited_total',
    help: 'Upstream answers with status 429 (Sentry rate limit).',
    labelNames: ['method', 'path_template'] as const,
    registers
  })
  const rateLimitWait = new Histogram({
    name: 'gateway_upstream_rate_limit_wait_seconds',
    help: 'Time calls waited for a rate-limit window to reset or for the per-connection concurrency gate.',
    buckets: WAIT_BUCKETS,
    registers
  })
  const refreshes = new Counter({
    name: 'gateway_token_refreshes_total',
    help: 'Token refreshes at Sentry, by outcome: ok, revoked (invalid_grant), upstream_error, lost_race.',
    labelNames: ['outcome'] as const,
    registers
  })
  const refreshDuration = new Histogram({
    name: 'gateway_token_refresh_duration_seconds',
    help: 'Duration of token refreshes at Sentry, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers
  })
  const leaseWait = new Histogram({
    name: 'gateway_refresh_lease_wait_seconds',
    help: "Time a caller waited for another caller's (or instance's) refresh lease.",
    buckets: WAIT_BUCKETS,
    registers
  })
  const keepAliveRuns = new Counter({
    name: 'gateway_keepalive_runs_total',
    help: 'Keep-alive passes over the stored connections.',
    registers
  })
  const keepAliveStale = new Gauge({
    name: 'gateway_keepalive_stale_connections',
    help: 'ACTIVE connections the last keep-alive pass found with tokens older than SENTRY_KEEPALIVE_DAYS.',
    registers
  })
  const keepAliveRefreshes = new Counter({
    name: 'gateway_keepalive_refreshes_total',
    help: 'Keep-alive candidates by outcome: refreshed (tokens renewed, by this task or the lease holder it waited for), skipped (no longer stale when reached), revoked (invalid_grant), failed.',
    labelNames: ['outcome'] as const,
    registers
  })
  // Read from the store at scrape time: always current, and nothing to keep in sync. prom-client
  // collects the metrics of one scrape concurrently: the three gauges share one read.
  let pending: ReturnType<MetricsOptions['store']['connectionStats']> | null = null
  const stats = (): ReturnType<MetricsOptions['store']['connectionStats']> => {
    pending ??= options.store.connectionStats().finally(() => { setImmediate(() => { pending = null }) })
    return pending
  }
  const connections = new Gauge({
    name: 'gateway_connections',
    help: 'Stored Sentry connections by status.',
    labelNames: ['status'] as const,
    registers,
    async collect () {
      for (const [status, n] of Object.entries((await stats()).byStatus)) this.set({ status }, n)
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'gateway_token_soonest_expiry_timestamp_seconds',
    help: 'Unix time of the soonest access-token expiry among ACTIVE connections (0 when none expires).',
    registers,
    async collect () {
      const { soonestExpiry } = await stats()
      this.set(soonestExpiry === null ? 0 : soonestExpiry.getTime() / 1000)
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'gateway_token_soonest_expiry_seconds',
    help: 'Seconds until the soonest access-token expiry among ACTIVE connections (negative once expired; 0 when none expires).',
    registers,
    async collect () {
      const { soonestExpiry } = await stats()
      this.set(soonestExpiry === null ? 0 : (soonestExpiry.getTime() - now()) / 1000)
    }
  })
  // Touch the status series so both exist from the first scrape.
  connections.set({ status: 'ACTIVE' }, 0)
  connections.set({ status: 'REVOKED' }, 0)

  const path = (info: Pick<UpstreamCallInfo, 'method' | 'pathTemplate'>): { method: string, path_template: string } =>
    ({ method: methodLabel(info.method), path_template: paths.get(info.pathTemplate) })

  const signals: Signals = {
    upstreamCall (info: UpstreamCallInfo) {
      const start = performance.now()
      return {
        headers: {},
        end (result: UpstreamCallEnd) {
          upstreamDuration.observe({
            ...path(info),
            region: regions.get(info.region),
            status: result.status === null ? 'error' : String(result.status)
          }, (performance.now() - start) / 1000)
        }
      }
    },
    upstreamRetry (info) { retries.inc(path(info)) },
    upstreamRateLimited (info) { rateLimited.inc(path(info)) },
    rateLimitWait (ms) { rateLimitWait.observe(ms / 1000) },
    refresh () {
      const start = performance.now()
      return {
        end (outcome: RefreshOutcome) {
          refreshes.inc({ outcome })
          refreshDuration.observe({ outcome }, (performance.now() - start) / 1000)
        }
      }
    },
    leaseWait (ms) { leaseWait.observe(ms / 1000) }
  }

  return {
    registry,
    signals,
    contentType: registry.contentType,
    httpRequest (method, route, statusCode, seconds) {
      httpDuration.observe({ method: methodLabel(method), route: route ?? '__unmatched', status_code: String(statusCode) }, seconds)
    },
    graphqlOperation (operation, outcome, seconds) {
      graphqlDuration.observe({
        operation: operation === undefined ? '__anonymous' : operations.get(operation),
        outcome: outcomes.get(outcome)
      }, seconds)
    },
    keepAliveRun (stale) {
      keepAliveRuns.inc()
      keepAliveStale.set(stale)
    },
    keepAliveRefresh (outcome) { keepAliveRefreshes.inc({ outcome }) },
    async scrape () { return await registry.metrics() }
  }
}

export { OTHER }
